// The text forms InMon sflowtool prints for addresses and MACs, shared by cistern-cli's JSON
// (`decode`) and sflowtool-style lines (`decode --format=csv`).
//
//   ShortText t = AddressText(dg.agent);   // "192.0.2.1", "2001:0db8:0000:...", or "-"
//   out.append(t.view());
//
// sflowtool's forms (sflowtool.c printAddress, printMAC): IPv4 dotted quad; IPv6 as eight groups of
// four lowercase hex digits, never compressed (not inet_ntop's form); "-" for an address of no
// known type; a MAC as twelve lowercase hex digits with no separator. Plain values, no allocation.
#ifndef CISTERN_CLI_SFLOWTOOL_TEXT_H_
#define CISTERN_CLI_SFLOWTOOL_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cistern/sflow/types.h"

namespace cistern::cli {

// A short text held inline (the longest form, an IPv6 address, is 39 characters).
class ShortText {
 public:
  std::string_view view() const { return std::string_view(chars_, size_); }
  const char* c_str() const { return chars_; }

  void Push(char c) {
    if (size_ + 1 < sizeof chars_) {
      chars_[size_++] = c;
      chars_[size_] = '\0';
    }
  }
  void PushHexByte(uint8_t b, bool upper = false);
  void PushDecimal(uint32_t v);

 private:
  char chars_[48] = {};
  size_t size_ = 0;
};

ShortText Ipv4Text(const uint8_t* bytes);  // 4 bytes
ShortText Ipv6Text(const uint8_t* bytes);  // 16 bytes
ShortText MacText(const uint8_t* bytes);   // 6 bytes
ShortText AddressText(const sflow::Address& address);

}  // namespace cistern::cli

#endif  // CISTERN_CLI_SFLOWTOOL_TEXT_H_
