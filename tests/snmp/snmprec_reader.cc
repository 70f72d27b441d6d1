#include "snmprec_reader.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <utility>

#include "absl/status/status.h"

namespace cistern::testing {
namespace {

using snmp::Oid;
using snmp::Value;

absl::Status Error(int line, const std::string& what) {
  return absl::InvalidArgumentError("snmprec: line " + std::to_string(line) + ": " + what);
}

// Python's str.isspace() for a character of a line read as Latin-1 (what str.strip() removes).
bool IsPyWhitespace(unsigned char c) {
  return (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0;
}

std::string_view PyStrip(std::string_view s) {
  while (!s.empty() && IsPyWhitespace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && IsPyWhitespace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// pyasn1's ObjectIdentifier("1.3.6"): decimal arcs separated by dots, empty arcs ignored.
std::optional<Oid> ParseOidText(std::string_view text) {
  Oid oid;
  while (!text.empty()) {
    const size_t dot = text.find('.');
    const std::string_view arc_text = text.substr(0, dot);
    text.remove_prefix(dot == std::string_view::npos ? text.size() : dot + 1);
    if (arc_text.empty()) continue;
    uint32_t arc = 0;
    auto [ptr, ec] = std::from_chars(arc_text.data(), arc_text.data() + arc_text.size(), arc);
    if (ec != std::errc() || ptr != arc_text.data() + arc_text.size()) return std::nullopt;
    if (oid.size() == Oid::kMaxArcs) return std::nullopt;
    oid.Append(arc);
  }
  if (oid.empty()) return std::nullopt;
  return oid;
}

// Python's int() of a decimal literal: optional sign, digits, white space around. The magnitude
// must fit 64 bits (every snmprec type does).
struct Decimal {
  bool negative = false;
  uint64_t magnitude = 0;
};
std::optional<Decimal> ParseDecimal(std::string_view text) {
  text = PyStrip(text);
  Decimal d;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    d.negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d.magnitude);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return d;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// pyasn1's OctetString(hexValue=...): pairs of hex digits, a lone last digit padded with 0.
std::optional<std::string> ParseHex(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 2 + 1);
  for (size_t i = 0; i < text.size(); i += 2) {
    const int hi = HexDigit(text[i]);
    const int lo = i + 1 < text.size() ? HexDigit(text[i + 1]) : 0;
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

// snmpsim's SnmprecRecord.evaluateRawString (the `e` suffix), quirks included: after an escape
// (or a \xHH) yields a backslash, that backslash starts a new escape instead of being kept, and
// an escape left open at the end of the text is dropped.
std::optional<std::string> ParseEscaped(std::string_view text) {
  std::string out;
  bool escape = false;
  bool in_hex = false;
  int first_hex = -1;  // the first digit of a \xHH, once read
  for (char ch : text) {
    int number = static_cast<unsigned char>(ch);
    if (in_hex) {
      if (first_hex < 0) {
        first_hex = HexDigit(ch);
        if (first_hex < 0) return std::nullopt;
        continue;
      }
      const int second = HexDigit(ch);
      if (second < 0) return std::nullopt;
      number = first_hex << 4 | second;
      in_hex = false;
      first_hex = -1;
    } else if (escape) {
      escape = false;
      switch (number) {
        case '\\':
          number = '\\';
          break;
        case '\'':
          number = '\'';
          break;
        case '"':
          number = '"';
          break;
        case 'a':
          number = 7;
          break;
        case 'b':
          number = 8;
          break;
        case 'f':
          number = 12;
          break;
        case 'n':
          number = 10;
          break;
        case 'r':
          number = 13;
          break;
        case 't':
          number = 9;
          break;
        case 'v':
          number = 11;
          break;
        case 'x':
          in_hex = true;
          continue;
        default:
          return std::nullopt;
      }
    }
    if (number == '\\') {
      escape = true;
      continue;
    }
    out.push_back(static_cast<char>(number));
  }
  return out;
}

// The placeholder a dynamic record holds: its type with a zero value.
std::optional<Value> ZeroOfTag(int tag) {
  switch (tag) {
    case 2:
      return Value::Integer(0);
    case 4:
      return Value::OctetString("");
    case 5:
      return Value::Null();
    case 6:
      return Value::ObjectId(Oid{0, 0});
    case 64:
      return Value::IpAddress(0, 0, 0, 0);
    case 65:
      return Value::Counter32(0);
    case 66:
      return Value::Gauge32(0);
    case 67:
      return Value::TimeTicks(0);
    case 68:
      return Value::Opaque("");
    case 70:
      return Value::Counter64(0);
    case 128:
      return Value::NoSuchObject();
    case 129:
      return Value::NoSuchInstance();
    case 130:
      return Value::EndOfMibView();
    default:
      return std::nullopt;
  }
}

// The value of `tag` (a decimal BER tag) from its text, `encoding` being 'x', 'e' or 0.
absl::StatusOr<Value> EvaluateValue(int tag, char encoding, std::string_view text, int line) {
  auto bytes = [&]() -> std::optional<std::string> {
    if (encoding == 'x') return ParseHex(text);
    if (encoding == 'e') return ParseEscaped(text);
    return std::string(text);
  };
  // A number within [-neg_limit, pos_limit].
  auto number = [&](uint64_t neg_limit, uint64_t pos_limit) -> absl::StatusOr<Decimal> {
    if (encoding != 0) return Error(line, "a number cannot be hex or escaped");
    std::optional<Decimal> d = ParseDecimal(text);
    if (!d) return Error(line, "not a decimal number: \"" + std::string(text) + "\"");
    if (d->magnitude > (d->negative ? neg_limit : pos_limit)) {
      return Error(line, "number out of range: " + std::string(text));
    }
    return *d;
  };
  constexpr uint64_t kU32 = std::numeric_limits<uint32_t>::max();
  switch (tag) {
    case 2: {
      auto d = number(uint64_t{1} << 31, (uint64_t{1} << 31) - 1);
      if (!d.ok()) return d.status();
      const auto m = static_cast<int64_t>(d->magnitude);
      return Value::Integer(d->negative ? -m : m);
    }
    case 65:
    case 66:
    case 67: {
      auto d = number(0, kU32);
      if (!d.ok()) return d.status();
      const auto u = static_cast<uint32_t>(d->magnitude);
      return tag == 65 ? Value::Counter32(u) : tag == 66 ? Value::Gauge32(u) : Value::TimeTicks(u);
    }
    case 70: {
      auto d = number(0, std::numeric_limits<uint64_t>::max());
      if (!d.ok()) return d.status();
      return Value::Counter64(d->magnitude);
    }
    case 4:
    case 68: {
      std::optional<std::string> b = bytes();
      if (!b) return Error(line, "bad hex or escaped value");
      if (b->size() > 65535) return Error(line, "string longer than 65535 bytes");
      return tag == 4 ? Value::OctetString(*b) : Value::Opaque(*b);
    }
    case 64: {
      std::string b;
      if (encoding == 0) {  // dotted quad
        std::optional<Oid> quad = ParseOidText(text);
        if (!quad || quad->size() != 4 || text.find("..") != std::string_view::npos ||
            text.front() == '.' || text.back() == '.') {
          return Error(line, "bad IpAddress \"" + std::string(text) + "\"");
        }
        for (uint32_t octet : quad->arcs()) {
          if (octet > 255) return Error(line, "bad IpAddress \"" + std::string(text) + "\"");
          b.push_back(static_cast<char>(octet));
        }
      } else {
        std::optional<std::string> decoded = bytes();
        if (!decoded) return Error(line, "bad hex or escaped value");
        b = std::move(*decoded);
      }
      if (b.size() != 4) return Error(line, "IpAddress of " + std::to_string(b.size()) + " bytes");
      return Value::IpAddressBytes(b);
    }
    case 6: {
      if (encoding != 0) return Error(line, "an OID cannot be hex or escaped");
      std::optional<Oid> oid = ParseOidText(PyStrip(text));
      if (!oid) return Error(line, "bad OID value \"" + std::string(text) + "\"");
      return Value::ObjectId(std::move(*oid));
    }
    case 5:
    case 128:
    case 129:
    case 130: {
      std::optional<std::string> b = bytes();
      if (!b || !b->empty()) return Error(line, "NULL or exception with a value");
      return *ZeroOfTag(tag);
    }
    default:
      return Error(line, "unknown type tag " + std::to_string(tag));
  }
}

}  // namespace

absl::StatusOr<bool> ParseSnmprecLine(std::string_view text, int line, SnmprecRecord* out) {
  text = PyStrip(text);
  if (text.empty() || text.front() == '#') return false;
  const size_t bar1 = text.find('|');
  const size_t bar2 = bar1 == std::string_view::npos ? bar1 : text.find('|', bar1 + 1);
  if (bar2 == std::string_view::npos) return Error(line, "broken record (not OID|TAG|VALUE)");
  const std::string_view oid_text = text.substr(0, bar1);
  std::string_view tag_text = text.substr(bar1 + 1, bar2 - bar1 - 1);
  const std::string_view value_text = text.substr(bar2 + 1);
  if (oid_text.empty() || tag_text.empty()) return Error(line, "empty OID or tag");

  std::optional<Oid> oid = ParseOidText(oid_text);
  if (!oid) return Error(line, "bad OID \"" + std::string(oid_text) + "\"");

  SnmprecRecord record;
  record.line = line;
  if (const size_t colon = tag_text.find(':'); colon != std::string_view::npos) {
    record.variation = std::string(tag_text.substr(colon + 1));
    record.variation_args = std::string(value_text);
    tag_text = tag_text.substr(0, colon);
  }
  char encoding = 0;
  if (!tag_text.empty() && (tag_text.back() == 'x' || tag_text.back() == 'e')) {
    encoding = tag_text.back();
    tag_text.remove_suffix(1);
  }
  int tag = -1;
  auto [ptr, ec] = std::from_chars(tag_text.data(), tag_text.data() + tag_text.size(), tag);
  if (tag_text.empty() || ec != std::errc() || ptr != tag_text.data() + tag_text.size()) {
    return Error(line, "bad type tag \"" + std::string(tag_text) + "\"");
  }

  record.varbind.oid = std::move(*oid);
  if (record.variation.empty()) {
    absl::StatusOr<Value> value = EvaluateValue(tag, encoding, value_text, line);
    if (!value.ok()) return value.status();
    record.varbind.value = std::move(*value);
  } else if (record.variation == "writecache") {
    // Its arguments are "key=value" pairs separated by commas; it serves `value`.
    std::optional<std::string_view> initial;
    std::string_view args = value_text;
    while (!args.empty()) {
      const size_t comma = args.find(',');
      const std::string_view pair = args.substr(0, comma);
      args.remove_prefix(comma == std::string_view::npos ? args.size() : comma + 1);
      if (pair.substr(0, 6) == "value=") initial = pair.substr(6);
    }
    if (!initial) return Error(line, "writecache record without value=");
    absl::StatusOr<Value> value = EvaluateValue(tag, encoding, *initial, line);
    if (!value.ok()) return value.status();
    record.varbind.value = std::move(*value);
  } else {
    std::optional<Value> zero = ZeroOfTag(tag);
    if (!zero) return Error(line, "unknown type tag " + std::to_string(tag));
    record.varbind.value = std::move(*zero);
  }
  *out = std::move(record);
  return true;
}

absl::StatusOr<std::vector<SnmprecRecord>> ReadSnmprecRecords(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("snmprec: cannot open " + path);
  std::vector<SnmprecRecord> records;
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {  // lines end at '\n', as Python's readline() on a binary file
    ++line;
    SnmprecRecord record;
    absl::StatusOr<bool> parsed = ParseSnmprecLine(text, line, &record);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(path + ": " + std::string(parsed.status().message()));
    }
    if (*parsed) records.push_back(std::move(record));
  }
  if (in.bad()) return absl::DataLossError("snmprec: read error in " + path);
  std::stable_sort(
      records.begin(), records.end(),
      [](const SnmprecRecord& a, const SnmprecRecord& b) { return a.varbind.oid < b.varbind.oid; });
  records.erase(std::unique(records.begin(), records.end(),
                            [](const SnmprecRecord& a, const SnmprecRecord& b) {
                              return a.varbind.oid == b.varbind.oid;
                            }),
                records.end());
  return records;
}

absl::StatusOr<std::vector<snmp::VarBind>> ReadSnmprec(const std::string& path) {
  absl::StatusOr<std::vector<SnmprecRecord>> records = ReadSnmprecRecords(path);
  if (!records.ok()) return records.status();
  std::vector<snmp::VarBind> out;
  out.reserve(records->size());
  for (SnmprecRecord& r : *records) out.push_back(std::move(r.varbind));
  return out;
}

}  // namespace cistern::testing
