#include "sflowtool_text.h"

#include <charconv>

namespace cistern::cli {

void ShortText::PushHexByte(uint8_t b, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  Push(digits[b >> 4]);
  Push(digits[b & 15]);
}

void ShortText::PushDecimal(uint32_t v) {
  char digits[10];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  for (const char* p = digits; p != end; ++p) Push(*p);
}

ShortText Ipv4Text(const uint8_t* bytes) {
  ShortText t;
  for (int i = 0; i < 4; ++i) {
    if (i) t.Push('.');
    t.PushDecimal(bytes[i]);
  }
  return t;
}

ShortText Ipv6Text(const uint8_t* bytes) {
  ShortText t;
  for (int i = 0; i < 16; i += 2) {
    if (i) t.Push(':');
    t.PushHexByte(bytes[i]);
    t.PushHexByte(bytes[i + 1]);
  }
  return t;
}

ShortText MacText(const uint8_t* bytes) {
  ShortText t;
  for (int i = 0; i < 6; ++i) t.PushHexByte(bytes[i]);
  return t;
}

ShortText AddressText(const sflow::Address& address) {
  switch (address.type) {
    case sflow::Address::Type::kIPv4:
      return Ipv4Text(address.bytes.data());
    case sflow::Address::Type::kIPv6:
      return Ipv6Text(address.bytes.data());
    default: {
      ShortText t;
      t.Push('-');
      return t;
    }
  }
}

}  // namespace cistern::cli
