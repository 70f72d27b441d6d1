#include "json_writer.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace cistern::cli {
namespace {

// Length of the well-formed UTF-8 sequence at the start of `s` (Unicode 15, table 3-7), or, when
// it is ill-formed, the negated length of its maximal subpart (at least 1): the bytes that one
// U+FFFD replaces, as Unicode recommends (section 3.9, "U+FFFD Substitution of Maximal Subparts").
int Utf8Sequence(std::string_view s) {
  auto byte = [&](size_t i) -> unsigned { return i < s.size() ? static_cast<uint8_t>(s[i]) : 0; };
  const unsigned b0 = byte(0);
  int length;
  unsigned lo = 0x80, hi = 0xBF;  // range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // UTF-16 surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return -1;  // a continuation byte, C0/C1 (always overlong) or F5..FF
  }
  for (int i = 1; i < length; ++i) {
    const unsigned b = byte(i);
    const bool ok = i == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) return -i;
  }
  return length;
}

}  // namespace

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
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Bytes from the wire need not be UTF-8; JSON text must be (RFC 8259 section 8.1).
      const int n = Utf8Sequence(s.substr(i));
      if (n > 0) {
        out_->append(s.substr(i, static_cast<size_t>(n)));
        i += static_cast<size_t>(n);
      } else {
        out_->append("\\ufffd");
        i += static_cast<size_t>(-n);
      }
      continue;
    }
    ++i;
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
          out_->push_back(static_cast<char>(c));
        }
    }
  }
}

}  // namespace cistern::cli
