// libFuzzer target for libproto's decoder.
//
// The first byte chooses how the rest is decoded. Its low 3 bits: 0-4 Decode() from that Start
// (kEthernet, kIpv4, kIpv6, kIp, kMpls); 5 DecodeEtherType() with the next two bytes as the
// EtherType; 6 DecodeIpPayload() with the next byte as the IP protocol; 7 Decode() from Ethernet.
// Bits 3-4 the DecodeOptions depth (0: kAll), bit 5 ICMP quotes off, bit 6 small limits (2 VLAN
// tags, 3 MPLS labels, 1 tunnel), bit 7 no tunnel ports and Wireshark's guess for a first nibble
// of 0 after MPLS. The seeds in regressions/proto_decode/seed-* are sample frames of
// tests/proto/frame_builder.h (SampleFrames(), named alike) behind a first byte of 0-4; fuzzer
// finds go beside them.
//
// Properties checked on every input, beyond "no crash, no sanitizer report": the invariants of
// tests/proto/packet_invariants.h (layers inside the input and in wire order, header arrays and
// layers agree, limits respected, flow summaries agree with their headers, …), and that decoding
// into a reused Packet gives what decoding into a fresh one gives. A violation is printed and
// traps, so libFuzzer keeps the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "cistern/proto/decoder.h"
#include "cistern/proto/packet.h"
#include "packet_invariants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cistern::proto;
  if (size == 0) return 0;
  static Packet reused;  // exercises Reset() across inputs, as a collector does
  const uint8_t control = data[0];
  const uint8_t entry = control & 7;
  size_t skip = 1;
  uint16_t code = 0;  // the EtherType or IP protocol of entries 5 and 6
  if (entry == 5 && size >= 3) {
    code = static_cast<uint16_t>(data[1] << 8 | data[2]);
    skip = 3;
  } else if (entry == 6 && size >= 2) {
    code = data[1];
    skip = 2;
  }
  DecodeOptions options;
  switch ((control >> 3) & 3) {
    case 1:
      options.depth = DecodeOptions::Depth::kLink;
      break;
    case 2:
      options.depth = DecodeOptions::Depth::kNetwork;
      break;
    case 3:
      options.depth = DecodeOptions::Depth::kTransport;
      break;
    default:
      break;
  }
  if (control & 0x20) options.decode_icmp_quotes = false;
  if (control & 0x40) {
    options.max_vlan_tags = 2;
    options.max_mpls_labels = 3;
    options.max_tunnels = 1;
  }
  if (control & 0x80) {
    options.vxlan_port = 0;
    options.geneve_port = 0;
    options.mpls_udp_port = 0;
    options.mpls_control_word = DecodeOptions::MplsControlWord::kUnlessPlainEthernet;
  }
  const std::span<const uint8_t> bytes(data + skip, size - skip);
  auto run = [&](Packet* out) {
    if (entry == 5) return DecodeEtherType(code, bytes, options, out);
    if (entry == 6) return DecodeIpPayload(static_cast<uint8_t>(code), bytes, options, out);
    Decode(bytes, entry < 5 ? static_cast<Start>(entry) : Start::kEthernet, options, out);
  };

  Packet fresh;
  run(&fresh);
  std::string violation = cistern::proto::testing::CheckInvariants(bytes, options, fresh);
  if (violation.empty()) {
    run(&reused);
    if (!cistern::proto::testing::SamePacket(fresh, reused)) {
      violation = "a reused Packet decodes differently";
    }
  }
  if (!violation.empty()) {
    std::fprintf(stderr, "proto_decode_fuzzer: %s\n", violation.c_str());
    __builtin_trap();
  }
  return 0;
}
