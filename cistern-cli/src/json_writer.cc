#include "json_writer.h"

#include <cmath>
#include <cstdio>

namespace cistern::cli {

void JsonWriter::Double(double v, int decimals) {
  if (!std::isfinite(v)) {
    Null();  // JSON has no NaN or infinity
    return;
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  Raw(std::string_view(buf, n > 0 ? static_cast<size_t>(n) : 0));
}

void JsonWriter::AppendEscaped(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out_->append("\\\"");
        break;
      case '\\':
        out_->append("\\\\");
        break;
      case '\n':
        out_->append("\\n");
        break;
      case '\r':
        out_->append("\\r");
        break;
      case '\t':
        out_->append("\\t");
        break;
      default:
        if (c < 0x20) {
          out_->append("\\u00");
          out_->push_back(kHex[c >> 4]);
          out_->push_back(kHex[c & 15]);
        } else {
          out_->push_back(ch);
        }
    }
  }
}

}  // namespace cistern::cli
