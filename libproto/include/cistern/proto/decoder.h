// Decoding of L2/L3/L4 headers from a frame or an IP packet, as far as the bytes go.
//
//   cistern::proto::Packet p;
//   cistern::proto::Decode(sampled_header, cistern::proto::Start::kEthernet, {}, &p);
//   if (p.inner.has_ports) …
//
// Total: every input gets an answer. Decode never fails and never reads outside `bytes`; it
// records every header it could read and why it stopped (Packet::stop, stop_offset, stop_layer).
// A sampled header cut after 128 bytes is the normal case: the headers inside the cut are all
// there and the stop reason says `truncated` only when a header itself was cut.
//
// Decoded: Ethernet II and 802.3/LLC/SNAP; 802.1Q/802.1ad tags (any depth up to a limit); MPLS
// label stacks, with the usual guess at what follows the bottom label (IPv4, IPv6, Ethernet
// pseudowire with or without control word); PPPoE session; ARP; IPv4 with options and fragments;
// IPv6 with extension headers (hop-by-hop, routing, fragment, destination options, AH; ESP stops);
// TCP with its common options; UDP; ICMP and ICMPv6 with the header quoted by error messages;
// SCTP ports; GRE (key, sequence; PPTP's enhanced GRE with PPP; Cisco MetaData), ERSPAN II/III,
// VXLAN and GENEVE with the inner frame; MPLS-in-UDP; IP-in-IP and IPv6-in-IP.
//
// Allocation-free and thread-compatible: all state is in the caller's Packet.
#ifndef CISTERN_PROTO_DECODER_H_
#define CISTERN_PROTO_DECODER_H_

#include <cstdint>
#include <span>

#include "cistern/proto/packet.h"

namespace cistern::proto {

// What the first byte of the input is.
enum class Start : uint8_t {
  kEthernet,  // an Ethernet (or 802.3) MAC header
  kIpv4,
  kIpv6,
  kIp,        // IPv4 or IPv6, by the version nibble
  kMpls,      // an MPLS label stack
};

struct DecodeOptions {
  enum class Depth : uint8_t {
    kLink,       // stop before the first IP (or ARP) header
    kNetwork,    // stop after the first IP header and its extension headers
    kTransport,  // stop after the first transport header (do not enter tunnels)
    kAll,        // everything, tunnels included
  };
  Depth depth = Depth::kAll;
  bool decode_icmp_quotes = true;  // decode the packet quoted by ICMP/ICMPv6 errors
  uint8_t max_vlan_tags = 8;       // at most Packet::vlan's capacity
  uint8_t max_mpls_labels = 16;    // at most Packet::mpls's capacity
  uint8_t max_tunnels = 3;
  uint16_t vxlan_port = 4789;      // UDP destination ports that carry a tunnel (0: never)
  uint16_t geneve_port = 6081;
  uint16_t mpls_udp_port = 6635;   // MPLS-in-UDP (RFC 7510)
  // What a first nibble of 0 after the bottom MPLS label means.
  enum class MplsControlWord : uint8_t {
    kAlways,  // a pseudowire control word (RFC 4385), then an Ethernet frame
    // Wireshark's guess: an Ethernet frame right away when the bytes there look like one (its
    // source address is not a group address; Wireshark also asks its manufacturer database),
    // a control word otherwise.
    kUnlessPlainEthernet,
  };
  MplsControlWord mpls_control_word = MplsControlWord::kAlways;
};

// Decodes `bytes` into `out` (reset first). `bytes` need not outlive `out`.
void Decode(std::span<const uint8_t> bytes, Start start, const DecodeOptions& options,
            Packet* out);

// Decodes `bytes` as the payload of a header that named it by EtherType (Linux cooked captures,
// PPP, GRE, …): 0x0800 IPv4, 0x86dd IPv6, 0x8100/0x88a8 a VLAN tag, 0x8847 MPLS, 0x6558 Ethernet,
// 0x0806 ARP, 0x8864 PPPoE session. Any other type stops at once as kUnsupported.
void DecodeEtherType(uint16_t ether_type, std::span<const uint8_t> bytes,
                     const DecodeOptions& options, Packet* out);

// Decodes `bytes` as the payload of an IP header whose protocol (or last next-header) field is
// `ip_protocol`: a transport header, a tunnel, … — for bytes whose IP header is elsewhere (a
// reassembled datagram, a header read out of another tool's offsets). No FlowSummary is filled.
void DecodeIpPayload(uint8_t ip_protocol, std::span<const uint8_t> bytes,
                     const DecodeOptions& options, Packet* out);

inline void DecodeEthernet(std::span<const uint8_t> bytes, Packet* out) {
  Decode(bytes, Start::kEthernet, DecodeOptions{}, out);
}

}  // namespace cistern::proto

#endif  // CISTERN_PROTO_DECODER_H_
