// JsonWriter: appends compact JSON to a std::string, with no allocation beyond the string's growth.
//
//   JsonWriter j(&line);
//   j.BeginObject(); j.Key("agent"); j.String("10.0.0.1"); j.EndObject();
//
// Commas are inserted automatically. Strings are escaped (RFC 8259). Not thread-safe.
#ifndef CISTERN_CLI_JSON_WRITER_H_
#define CISTERN_CLI_JSON_WRITER_H_

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace cistern::cli {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  // A key inside an object; the next value call completes the member. `prefix` is prepended.
  void Key(std::string_view key, std::string_view prefix = {}) {
    Separate();
    out_->push_back('"');
    AppendEscaped(prefix);
    AppendEscaped(key);
    out_->append("\":");
    after_key_ = true;
  }

  void String(std::string_view s) {
    Separate();
    out_->push_back('"');
    AppendEscaped(s);
    out_->push_back('"');
  }
  // A value that is already valid JSON text (a number formatted by the caller).
  void Raw(std::string_view text) {
    Separate();
    out_->append(text);
  }
  template <class Int>
  void Number(Int v) {
    Separate();
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_->append(buf, end);
  }
  void Double(double v, int decimals);
  void Bool(bool v) { Raw(v ? "true" : "false"); }
  void Null() { Raw("null"); }

  // Convenience members.
  template <class Int>
  void Member(std::string_view key, Int v, std::string_view prefix = {}) {
    Key(key, prefix);
    Number(v);
  }
  void StringMember(std::string_view key, std::string_view v, std::string_view prefix = {}) {
    Key(key, prefix);
    String(v);
  }

  std::string* out() { return out_; }

 private:
  void Open(char c) {
    Separate();
    out_->push_back(c);
    first_ = true;
  }
  void Close(char c) {
    out_->push_back(c);
    first_ = false;
  }
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  void AppendEscaped(std::string_view s);

  std::string* out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace cistern::cli

#endif  // CISTERN_CLI_JSON_WRITER_H_
