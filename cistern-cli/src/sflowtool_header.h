// An emulation of how InMon sflowtool 6.11 decodes a sampled packet header (sflowtool.c:
// readFlowSample_header, decodeLinkLayer, decode80211MAC, decodeIPV4, decodeIPV6, decodeIPLayer4),
// so that `cistern-cli decode` prints what sflowtool prints: the keys it adds to a HEADER element
// of its JSON (-j) and the per-sample state its -l lines are made of.
//
//   SflowtoolSampleState state;                         // one per sample, zeroed as sflowtool does
//   for (const sflow::FlowRecord& r : sample.records)
//     if (auto* h = std::get_if<sflow::SampledHeader>(&r.data))
//       DecodeHeaderAsSflowtool(*h, datagram_bytes, &state, &json_keys);
//
// This is a reference tool's behaviour, reproduced on purpose, not a packet decoder: libproto
// (cistern::proto) reads the Ethernet, 802.1Q, IPv4, IPv6, TCP, UDP and ICMP header fields, and
// this code adds what sflowtool does differently from a correct decode, each in a function named
// for it in sflowtool_header.cc: bounds checks that look at the whole header or pass when a
// pointer has run past its end, reads past the end of the header into the bytes that follow it in
// the datagram, peeks at 802.2 LLC/SNAP and Novell IPX headers (type/length fields up to 1500, 0
// included, are 802.3 lengths), no version check for raw IPv4 headers, an IPID printed
// byte-swapped, an IPv6 extension-header walk with one length formula for all, 802.11 addresses
// (libproto has no 802.11) with the destination MAC taken from the source. sflowtool.c
// (github.com/sflow/sflowtool) is the reference; tests/cli/sflowtool_agreement_test.cc and
// sflowtool_lines_test.cc check the result against sflowtool's own output.
//
// Errors: none; a header sflowtool cannot decode prints fewer keys, as sflowtool's does.
// Lifetime: nothing is kept after a call. Thread-compatible; no shared state.
#ifndef CISTERN_CLI_SFLOWTOOL_HEADER_H_
#define CISTERN_CLI_SFLOWTOOL_HEADER_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "cistern/sflow/flow_records.h"
#include "cistern/sflow/types.h"

namespace cistern::cli {

// The fields of sflowtool's per-sample state (SFSample.s) that its -l lines print and its header
// decode reads. sflowtool zeroes them at the start of every sample, never between the records of
// one sample: a record changes only the fields it sets, and the last record to set one wins.
struct SflowtoolSampleState {
  // The flow sample's own fields (compact samples: the interface value without its format bits).
  uint32_t input_port = 0;
  uint32_t output_port = 0;
  uint32_t mean_skip_count = 0;  // the sampling rate

  // Layer 2: the header decode, sampled_ethernet, the L2 tunnel records, extended_switch.
  std::array<uint8_t, 6> eth_src{};
  std::array<uint8_t, 6> eth_dst{};
  uint32_t eth_type = 0;
  uint32_t in_vlan = 0;
  uint32_t out_vlan = 0;

  // Layers 3 and 4: the header decode, sampled_ipv4/ipv6, the IP tunnel and socket records.
  sflow::Address src_ip;  // type kUnknown: none, printed "-"
  sflow::Address dst_ip;
  uint32_t ip_protocol = 0;
  uint32_t ip_tos = 0;
  uint32_t ip_ttl = 0;
  uint32_t src_port = 0;  // TCP/UDP port, or the ICMP type
  uint32_t dst_port = 0;  // TCP/UDP port, or the ICMP code
  uint32_t tcp_flags = 0;

  // The packet's size and the bytes stripped from it: a header record's, or sampled_ipv4/ipv6's
  // length (which leaves `stripped` as it was).
  uint32_t sampled_packet_size = 0;
  uint32_t stripped = 0;

  // Where the header decode found an IP header, as offsets into the header's bytes.
  bool got_ipv4 = false;
  bool got_ipv6 = false;
  int32_t offset_to_ipv4 = 0;
  int32_t offset_to_ipv6 = 0;
};

// sflowtool's "IP size": the packet's size less the stripped bytes and the `offset_to_ip` bytes
// before the IP header, computed in 32-bit unsigned arithmetic and printed with %d (so it can be
// negative).
inline int32_t IpSizeAsSflowtool(const SflowtoolSampleState& s, int32_t offset_to_ip) {
  return static_cast<int32_t>(s.sampled_packet_size - s.stripped -
                              static_cast<uint32_t>(offset_to_ip));
}

// Receives the keys sflowtool prints for a header, in its order: numbers (its %u and %d values)
// and text (addresses, MACs, "0x..." flow labels, "<jumbo>").
class SflowtoolKeySink {
 public:
  virtual ~SflowtoolKeySink() = default;
  virtual void Number(std::string_view key, int64_t value) = 0;
  virtual void Text(std::string_view key, std::string_view value) = 0;
};

// Decodes `header` (flow record 0:1, or the header inside 0:1013) as sflowtool does: updates
// `state` and reports to `keys` (may be null) every key sflowtool prints after "headerBytes".
// `datagram` holds the bytes of the datagram the record was decoded from, `header.header` pointing
// into it; sflowtool's loose bounds checks read past the end of the header into the bytes that
// follow it. Empty when unknown: reads past the header then see zeros.
void DecodeHeaderAsSflowtool(const sflow::SampledHeader& header, std::span<const uint8_t> datagram,
                             SflowtoolSampleState* state, SflowtoolKeySink* keys);

}  // namespace cistern::cli

#endif  // CISTERN_CLI_SFLOWTOOL_HEADER_H_
