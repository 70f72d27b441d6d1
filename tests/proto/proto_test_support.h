// Catch2 helpers shared by the libproto tests: printable enums, a decode that also checks the
// invariants of packet_invariants.h, and a layer-by-layer comparison with what the frame builder
// wrote.
#ifndef CISTERN_TESTS_PROTO_PROTO_TEST_SUPPORT_H_
#define CISTERN_TESTS_PROTO_PROTO_TEST_SUPPORT_H_

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cistern/proto/decoder.h"
#include "cistern/proto/packet.h"
#include "frame_builder.h"
#include "packet_invariants.h"

namespace Catch {
template <>
struct StringMaker<cistern::proto::StopReason> {
  static std::string convert(cistern::proto::StopReason r) {
    return cistern::proto::StopReasonName(r);
  }
};
template <>
struct StringMaker<cistern::proto::LayerType> {
  static std::string convert(cistern::proto::LayerType t) {
    return cistern::proto::LayerTypeName(t);
  }
};
template <>
struct StringMaker<cistern::proto::Fragment> {
  static std::string convert(cistern::proto::Fragment f) {
    switch (f) {
      case cistern::proto::Fragment::kNone:
        return "none";
      case cistern::proto::Fragment::kFirst:
        return "first";
      case cistern::proto::Fragment::kLater:
        return "later";
    }
    return "?";
  }
};
template <>
struct StringMaker<cistern::proto::IpAddress> {
  static std::string convert(const cistern::proto::IpAddress& a) {
    std::string s;
    if (a.family == 4) {
      for (int i = 0; i < 4; ++i) s += (i ? "." : "") + std::to_string(a.bytes[size_t(i)]);
      return s;
    }
    static const char* kHex = "0123456789abcdef";
    for (size_t i = 0; i < 16; ++i) {
      if (i && i % 2 == 0) s += ':';
      s += kHex[a.bytes[i] >> 4];
      s += kHex[a.bytes[i] & 15];
    }
    return "family " + std::to_string(a.family) + " " + s;
  }
};
}  // namespace Catch

namespace cistern::proto::testing {

// Decodes and checks the invariants every decode must satisfy.
inline Packet DecodeChecked(const Bytes& bytes, Start start = Start::kEthernet,
                            const DecodeOptions& options = {}) {
  Packet p;
  Decode(bytes, start, options, &p);
  std::string violation = CheckInvariants(bytes, options, p);
  INFO(violation);
  CHECK(violation.empty());
  return p;
}

// The decoded layers are the ones the builder wrote (depth -1: not checked).
inline void CheckLayers(const Packet& p, const std::vector<BuiltLayer>& want) {
  INFO("decoded: " << Describe(p));
  REQUIRE(p.layers().size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const Layer& got = p.layers()[i];
    INFO("layer " << i);
    CHECK(got.type == want[i].type);
    CHECK(got.offset == want[i].offset);
    CHECK(got.length == want[i].length);
    if (want[i].depth >= 0) CHECK(int(got.depth) == want[i].depth);
    CHECK(got.quoted == want[i].quoted);
    CHECK(got.truncated == want[i].truncated);
  }
}

inline uint16_t Be16(const Bytes& b, size_t at) { return uint16_t(b[at] << 8 | b[at + 1]); }

}  // namespace cistern::proto::testing

#endif  // CISTERN_TESTS_PROTO_PROTO_TEST_SUPPORT_H_
