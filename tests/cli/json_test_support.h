// A small, strict JSON parser for tests (RFC 8259): objects, arrays, strings with every escape
// (\uXXXX surrogate pairs included), numbers kept as their source text, true/false/null.
//
//   std::optional<JsonValue> v = cistern::testing::ParseJson(line, &error);
//   if (!v) FAIL(error);                  // "expected ',' or '}' at byte 812"
//   const JsonValue* agent = v->Find("agent");
//
// Strict: one value with optional surrounding whitespace and nothing after it; no trailing commas,
// no leading zeros, no control characters inside strings, no lone surrogates; strings must be valid
// UTF-8 unless `options.allow_invalid_utf8` (for third-party text whose bytes we do not control).
// Object members keep their order and duplicates (JSON allows them; the caller decides).
// Nesting is limited to `options.max_depth` so hostile input cannot exhaust the stack.
// Test-only: simple over fast (a node per value). Not thread-safe per value; no shared state.
#ifndef CISTERN_TESTS_CLI_JSON_TEST_SUPPORT_H_
#define CISTERN_TESTS_CLI_JSON_TEST_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::testing {

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // kNumber: the number's source text; kString: the decoded string (UTF-8)
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> members;  // kObject, in source order

  // The first member named `key`, or nullptr (also when this is not an object).
  const JsonValue* Find(std::string_view key) const {
    for (const auto& [k, v] : members) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  bool is_string() const { return kind == Kind::kString; }
  bool is_number() const { return kind == Kind::kNumber; }
  bool is_object() const { return kind == Kind::kObject; }
  bool is_array() const { return kind == Kind::kArray; }
};

inline std::string_view KindName(JsonValue::Kind k) {
  switch (k) {
    case JsonValue::Kind::kNull:
      return "null";
    case JsonValue::Kind::kBool:
      return "bool";
    case JsonValue::Kind::kNumber:
      return "number";
    case JsonValue::Kind::kString:
      return "string";
    case JsonValue::Kind::kArray:
      return "array";
    case JsonValue::Kind::kObject:
      return "object";
  }
  return "?";
}

struct JsonParseOptions {
  bool allow_invalid_utf8 = false;
  int max_depth = 64;
};

namespace json_internal {

class Parser {
 public:
  Parser(std::string_view in, const JsonParseOptions& options) : in_(in), options_(options) {}

  std::optional<JsonValue> ParseDocument(std::string* error) {
    JsonValue v;
    SkipSpace();
    if (!ParseValue(&v, 0)) return Fail(error);
    SkipSpace();
    if (pos_ != in_.size()) {
      error_ = "unexpected text after the value";
      return Fail(error);
    }
    return v;
  }

 private:
  std::optional<JsonValue> Fail(std::string* error) {
    if (error) *error = error_ + " at byte " + std::to_string(pos_);
    return std::nullopt;
  }
  bool Error(const char* what) {
    if (error_.empty()) error_ = what;
    return false;
  }
  bool AtEnd() const { return pos_ >= in_.size(); }
  char Peek() const { return AtEnd() ? '\0' : in_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) return Error("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool ParseValue(JsonValue* v, int depth) {
    if (depth > options_.max_depth) return Error("nesting too deep");
    if (AtEnd()) return Error("unexpected end of text");
    switch (Peek()) {
      case '{':
        return ParseObject(v, depth);
      case '[':
        return ParseArray(v, depth);
      case '"':
        v->kind = JsonValue::Kind::kString;
        return ParseString(&v->text);
      case 't':
        v->kind = JsonValue::Kind::kBool;
        v->boolean = true;
        return Literal("true");
      case 'f':
        v->kind = JsonValue::Kind::kBool;
        v->boolean = false;
        return Literal("false");
      case 'n':
        v->kind = JsonValue::Kind::kNull;
        return Literal("null");
      default:
        v->kind = JsonValue::Kind::kNumber;
        return ParseNumber(&v->text);
    }
  }

  bool ParseObject(JsonValue* v, int depth) {
    v->kind = JsonValue::Kind::kObject;
    ++pos_;  // '{'
    SkipSpace();
    if (Peek() == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (Peek() != '"') return Error("expected a member name");
      std::string key;
      if (!ParseString(&key)) return false;
      SkipSpace();
      if (Peek() != ':') return Error("expected ':'");
      ++pos_;
      SkipSpace();
      JsonValue member;
      if (!ParseValue(&member, depth + 1)) return false;
      v->members.emplace_back(std::move(key), std::move(member));
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      return Error("expected ',' or '}'");
    }
  }

  bool ParseArray(JsonValue* v, int depth) {
    v->kind = JsonValue::Kind::kArray;
    ++pos_;  // '['
    SkipSpace();
    if (Peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      JsonValue element;
      if (!ParseValue(&element, depth + 1)) return false;
      v->array.push_back(std::move(element));
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      return Error("expected ',' or ']'");
    }
  }

  // RFC 8259 section 6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool ParseNumber(std::string* out) {
    const size_t start = pos_;
    auto digit = [&] { return !AtEnd() && in_[pos_] >= '0' && in_[pos_] <= '9'; };
    if (Peek() == '-') ++pos_;
    if (!digit()) return Error("invalid value");
    if (Peek() == '0') {
      ++pos_;
      if (digit()) return Error("leading zero in a number");
    } else {
      while (digit()) ++pos_;
    }
    if (Peek() == '.') {
      ++pos_;
      if (!digit()) return Error("expected a digit after '.'");
      while (digit()) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!digit()) return Error("expected a digit in the exponent");
      while (digit()) ++pos_;
    }
    out->assign(in_.substr(start, pos_ - start));
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool Hex4(uint32_t* out) {
    if (in_.size() - pos_ < 4) return Error("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = in_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Error("invalid hex digit in \\u escape");
      }
    }
    *out = v;
    return true;
  }

  // Length of the well-formed UTF-8 sequence at pos_ (Unicode 15, table 3-7), or 0.
  size_t Utf8SequenceLength() const {
    auto byte = [&](size_t i) -> uint8_t {
      return pos_ + i < in_.size() ? static_cast<uint8_t>(in_[pos_ + i]) : 0;
    };
    auto cont = [&](size_t i, uint8_t lo = 0x80, uint8_t hi = 0xBF) {
      return byte(i) >= lo && byte(i) <= hi;
    };
    uint8_t b0 = byte(0);
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
    if (b0 == 0xE0) return cont(1, 0xA0, 0xBF) && cont(2) ? 3 : 0;
    if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (b0 == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    if (b0 == 0xF0) return cont(1, 0x90, 0xBF) && cont(2) && cont(3) ? 4 : 0;
    if (b0 >= 0xF1 && b0 <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (b0 == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
  }

  bool ParseString(std::string* out) {
    ++pos_;  // '"'
    out->clear();
    while (true) {
      if (AtEnd()) return Error("unterminated string");
      const uint8_t c = static_cast<uint8_t>(in_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Error("unescaped control character in a string");
      if (c == '\\') {
        ++pos_;
        if (AtEnd()) return Error("unterminated escape");
        const char e = in_[pos_++];
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out->push_back(e);
            break;
          case 'b':
            out->push_back('\b');
            break;
          case 'f':
            out->push_back('\f');
            break;
          case 'n':
            out->push_back('\n');
            break;
          case 'r':
            out->push_back('\r');
            break;
          case 't':
            out->push_back('\t');
            break;
          case 'u': {
            uint32_t cp;
            if (!Hex4(&cp)) return false;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return Error("lone low surrogate");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              uint32_t low;
              if (in_.substr(pos_, 2) != "\\u") return Error("lone high surrogate");
              pos_ += 2;
              if (!Hex4(&low)) return false;
              if (low < 0xDC00 || low > 0xDFFF) return Error("lone high surrogate");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            AppendUtf8(cp, out);
            break;
          }
          default:
            return Error("invalid escape");
        }
        continue;
      }
      if (c < 0x80) {
        out->push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      const size_t n = Utf8SequenceLength();
      if (n == 0) {
        if (!options_.allow_invalid_utf8) return Error("invalid UTF-8 in a string");
        out->push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      out->append(in_.substr(pos_, n));
      pos_ += n;
    }
  }

  std::string_view in_;
  JsonParseOptions options_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace json_internal

// Parses `text` as exactly one JSON value. On failure returns nullopt and, when `error` is given,
// says what and where ("expected ':' at byte 17").
inline std::optional<JsonValue> ParseJson(std::string_view text, std::string* error = nullptr,
                                          const JsonParseOptions& options = {}) {
  return json_internal::Parser(text, options).ParseDocument(error);
}

}  // namespace cistern::testing

#endif  // CISTERN_TESTS_CLI_JSON_TEST_SUPPORT_H_
