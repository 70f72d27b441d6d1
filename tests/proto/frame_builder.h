// Test frames for libproto, built header by header from readable values.
//
//   FrameBuilder b;
//   b.Ethernet(kMacB, kMacA).Vlan({.id = 100}).Ipv4({.src = {10, 0, 0, 1}, .dst = {10, 0, 0, 2}})
//       .Tcp({.src_port = 40000, .dst_port = 443, .flags = kTcpSyn}).Payload(10);
//   std::vector<uint8_t> frame = b.Build();  // lengths and checksums filled in
//   b.layers();                              // what the decoder should list, in wire order
//
// Each header is written with its "next protocol" field left open; the header added after it fills
// that field in (EtherType, IP protocol, IPv6 next header, PPP protocol, GRE/GENEVE protocol)
// unless the spec gave the value explicitly (hostile tests lie on purpose). Build() then fills in,
// innermost first, every length the builder can know (IPv4 total length, IPv6 payload length, UDP
// length, PPPoE length, 802.3 length) and every checksum (IPv4, ICMP, ICMPv6, TCP, UDP, GRE), so
// that Wireshark shows the frames as valid; a spec can override any of them.
//
// layers() lists every header written, as the decoder should report it: type, offset, length,
// tunnel depth and whether it sits in the packet an ICMP error quotes. A tunnel is entered after
// the outer packet's last header, the one that names the tunnel: everything after a GRE header
// (ERSPAN and PPP included), after a UDP header for VXLAN, GENEVE and MPLS-in-UDP, and after an IP
// header for IP-in-IP is one level deeper. Whether an Ethernet pseudowire inside MPLS counts as a
// tunnel the contract does not say, so from there on depth is "unknown" (-1) and not checked.
//
// SampleFrames() is the catalogue every libproto test sweeps (truncation, tshark agreement,
// fuzzer seeds): one well-formed frame per protocol and feature.
//
// Header-only and single-threaded, like the tests.
#ifndef CISTERN_TESTS_PROTO_FRAME_BUILDER_H_
#define CISTERN_TESTS_PROTO_FRAME_BUILDER_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cistern/proto/decoder.h"
#include "cistern/proto/headers.h"
#include "cistern/proto/packet.h"

namespace cistern::proto::testing {

using Bytes = std::vector<uint8_t>;
using Ip4 = std::array<uint8_t, 4>;
using Ip6 = std::array<uint8_t, 16>;

inline constexpr MacAddress kMacA = {0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c};
inline constexpr MacAddress kMacB = {0x3c, 0xfd, 0xfe, 0x01, 0x02, 0x03};
inline constexpr MacAddress kMacC = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
inline constexpr MacAddress kMacD = {0x9c, 0x69, 0xb4, 0x11, 0x22, 0x33};

// 2001:db8::<last> (documentation prefix, RFC 3849).
inline Ip6 V6(uint8_t last, uint8_t subnet = 0) {
  Ip6 a{0x20, 0x01, 0x0d, 0xb8};
  a[5] = subnet;
  a[15] = last;
  return a;
}

inline Bytes Ip6Bytes(const Ip6& a) { return Bytes(a.begin(), a.end()); }

inline IpAddress Addr(const Ip4& a) {
  IpAddress ip;
  ip.family = 4;
  for (size_t i = 0; i < 4; ++i) ip.bytes[i] = a[i];
  return ip;
}
inline IpAddress Addr(const Ip6& a) {
  IpAddress ip;
  ip.family = 6;
  ip.bytes = a;
  return ip;
}

// EtherTypes, IP protocols and PPP protocols the builder fills in.
inline constexpr uint16_t kEtherIpv4 = 0x0800;
inline constexpr uint16_t kEtherArp = 0x0806;
inline constexpr uint16_t kEtherVlan = 0x8100;
inline constexpr uint16_t kEtherQinq = 0x88a8;
inline constexpr uint16_t kEtherIpv6 = 0x86dd;
inline constexpr uint16_t kEtherMpls = 0x8847;
inline constexpr uint16_t kEtherPppoeSession = 0x8864;
inline constexpr uint16_t kEtherTeb = 0x6558;  // transparent Ethernet bridging (GRE, GENEVE)
inline constexpr uint16_t kEtherErspan2 = 0x88be;
inline constexpr uint16_t kEtherErspan3 = 0x22eb;
inline constexpr uint16_t kEtherPpp = 0x880b;            // PPP in PPTP's GRE
inline constexpr uint16_t kEtherCiscoMetadata = 0x8909;  // in GRE
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoIpv4 = 4;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIpv6 = 41;
inline constexpr uint8_t kProtoGre = 47;
inline constexpr uint8_t kProtoEsp = 50;
inline constexpr uint8_t kProtoAh = 51;
inline constexpr uint8_t kProtoIcmpv6 = 58;
inline constexpr uint8_t kProtoSctp = 132;
inline constexpr uint8_t kExtHopByHop = 0;
inline constexpr uint8_t kExtRouting = 43;
inline constexpr uint8_t kExtFragment = 44;
inline constexpr uint8_t kExtDestOptions = 60;
inline constexpr uint8_t kProtoNoNext = 59;

// What the decoder should report for one header the builder wrote.
struct BuiltLayer {
  LayerType type = LayerType::kEthernet;
  size_t offset = 0;
  size_t length = 0;
  int depth = 0;  // -1: not specified by the contract (inside an MPLS Ethernet pseudowire)
  bool quoted = false;
  bool truncated = false;  // the builder writes whole headers; tests cut them
};

struct VlanSpec {
  uint16_t id = 0;
  uint8_t priority = 0;
  bool drop_eligible = false;
  uint16_t tpid = kEtherVlan;
  std::optional<uint16_t> type{};  // default: what follows
};

struct MplsSpec {
  uint32_t label = 0;
  uint8_t traffic_class = 0;
  bool bottom_of_stack = true;
  uint8_t ttl = 64;
};

struct ArpSpec {
  uint16_t opcode = 1;
  MacAddress sender_mac = kMacA;
  Ip4 sender_ip{};
  MacAddress target_mac{};
  Ip4 target_ip{};
};

struct Ipv4Spec {
  Ip4 src{};
  Ip4 dst{};
  uint8_t dscp = 0;
  uint8_t ecn = 0;
  uint16_t id = 0x1234;
  bool dont_fragment = false;
  bool more_fragments = false;
  uint16_t fragment_offset = 0;  // 8-byte units
  uint8_t ttl = 64;
  Bytes options{};                         // padded with EOL to a multiple of 4
  std::optional<uint8_t> protocol{};       // default: what follows
  std::optional<uint8_t> ihl{};            // default: from the options; in 32-bit words
  std::optional<uint16_t> total_length{};  // default: to the end of the packet
  std::optional<uint16_t> checksum{};      // default: computed
  uint8_t version = 4;
};

struct Ipv6Spec {
  Ip6 src{};
  Ip6 dst{};
  uint8_t dscp = 0;
  uint8_t ecn = 0;
  uint32_t flow_label = 0;
  uint8_t hop_limit = 64;
  std::optional<uint8_t> next_header{};      // default: what follows
  std::optional<uint16_t> payload_length{};  // default: to the end of the packet
  uint8_t version = 6;
};

// TCP options in wire form, built by name.
class TcpOptions {
 public:
  TcpOptions& Mss(uint16_t mss) { return Add({2, 4, uint8_t(mss >> 8), uint8_t(mss)}); }
  TcpOptions& WindowScale(uint8_t shift) { return Add({3, 3, shift}); }
  TcpOptions& SackPermitted() { return Add({4, 2}); }
  TcpOptions& Timestamps(uint32_t value, uint32_t echo) {
    return Add({8, 10, uint8_t(value >> 24), uint8_t(value >> 16), uint8_t(value >> 8),
                uint8_t(value), uint8_t(echo >> 24), uint8_t(echo >> 16), uint8_t(echo >> 8),
                uint8_t(echo)});
  }
  TcpOptions& Nop() { return Add({1}); }
  TcpOptions& End() { return Add({0}); }
  TcpOptions& Raw(std::initializer_list<uint8_t> bytes) { return Add(bytes); }
  const Bytes& bytes() const { return bytes_; }

 private:
  TcpOptions& Add(std::initializer_list<uint8_t> bytes) {
    bytes_.insert(bytes_.end(), bytes);
    return *this;
  }
  Bytes bytes_{};
};

struct TcpSpec {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t flags = 0;  // TcpFlag bits, NS included
  uint16_t window = 65535;
  uint16_t urgent_pointer = 0;
  Bytes options{};                       // padded with EOL to a multiple of 4
  std::optional<uint8_t> data_offset{};  // default: from the options; in 32-bit words
  std::optional<uint16_t> checksum{};    // default: computed
};

struct UdpSpec {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  std::optional<uint16_t> length{};    // default: to the end of the packet
  std::optional<uint16_t> checksum{};  // default: computed
};

struct IcmpSpec {
  uint8_t type = 8;
  uint8_t code = 0;
  uint32_t rest = 0;  // identifier/sequence, MTU, pointer, …
};

struct SctpSpec {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t verification_tag = 0;
};

// GRE (RFC 2784, RFC 2890). Version 1 is PPTP's enhanced GRE (RFC 2637): the key holds the
// payload length and call id, and an acknowledgment number may follow the sequence number.
struct GreSpec {
  bool checksum = false;
  std::optional<uint32_t> key{};
  std::optional<uint32_t> sequence{};
  uint8_t version = 0;
  std::optional<uint32_t> acknowledgment{};  // version 1 only (A flag)
  std::optional<uint16_t> protocol{};        // default: what follows
  // Cisco MetaData (GRE protocol 0x8909): the payload's EtherType, version 1, length 1, option
  // 0x0001 and this security group tag, 8 bytes counted in the GRE layer.
  std::optional<uint16_t> cisco_sgt{};
  // Flags word override (C K S bits and version), to lie about present fields.
  std::optional<uint16_t> flags_word{};
};

struct ErspanSpec {
  uint16_t vlan = 0;
  uint8_t cos = 0;
  uint16_t session_id = 0;          // 10 bits
  uint32_t index = 0;               // type II: 20-bit port index; type III: 32-bit timestamp
  bool platform_subheader = false;  // type III: O flag and an 8-byte platform-specific subheader
};

struct VxlanSpec {
  uint32_t vni = 0;
  uint8_t flags = 0x08;  // I flag: the VNI is valid
};

struct GeneveSpec {
  uint32_t vni = 0;
  bool oam = false;
  bool critical = false;
  Bytes options{};                          // wire form, see GeneveOption()
  std::optional<uint16_t> protocol{};       // default: what follows (Ethernet: 0x6558)
  std::optional<uint8_t> options_length{};  // default: from the options; in 32-bit words
  uint8_t version = 0;
};

// One GENEVE option TLV (RFC 8926 section 3.5): class, type, then data padded to 4 bytes.
inline Bytes GeneveOption(uint16_t option_class, uint8_t type, Bytes data) {
  while (data.size() % 4 != 0) data.push_back(0);
  // Built by resize + copy: GCC 12 -O3 warns falsely (array-bounds) on insert after a 4-byte init.
  Bytes o(4 + data.size());
  o[0] = uint8_t(option_class >> 8);
  o[1] = uint8_t(option_class);
  o[2] = type;
  o[3] = uint8_t(data.size() / 4);
  std::copy(data.begin(), data.end(), o.begin() + 4);
  return o;
}

inline uint32_t OnesComplementAdd(uint32_t sum, const uint8_t* p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t(p[i]) << 8 | p[i + 1];
  if (n % 2 == 1) sum += uint32_t(p[n - 1]) << 8;
  return sum;
}
inline uint16_t OnesComplementFold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}
// The Internet checksum (RFC 1071) of bytes [begin, end).
inline uint16_t InternetChecksum(const Bytes& b, size_t begin, size_t end) {
  return OnesComplementFold(OnesComplementAdd(0, b.data() + begin, end - begin));
}

class FrameBuilder {
 public:
  // ---- link layer ----

  FrameBuilder& Ethernet(MacAddress dst, MacAddress src,
                         std::optional<uint16_t> type = std::nullopt) {
    size_t at = Begin(LayerType::kEthernet, kEtherTeb, 14);
    Append(dst);
    Append(src);
    OpenNext(Next::kEtherType, at + 12, type);
    U16(type.value_or(0));
    return *this;
  }

  // An IEEE 802.3 header's LLC: the Ethernet length field before it is filled in at Build().
  FrameBuilder& Llc(uint8_t dsap, uint8_t ssap, uint8_t control) {
    if (open_.kind == Next::kEtherType && !open_.fixed) {
      fixups_.push_back({Fixup::k8023Length, open_.at, 0, 0});
      open_ = {};
    }
    Begin(LayerType::kLlc, 0, 3);
    Append({dsap, ssap, control});
    return *this;
  }

  // LLC with SNAP (AA AA 03, OUI, protocol id); with OUI 0 the protocol id is an EtherType.
  FrameBuilder& LlcSnap(uint32_t oui = 0, std::optional<uint16_t> protocol_id = std::nullopt) {
    if (open_.kind == Next::kEtherType && !open_.fixed) {
      fixups_.push_back({Fixup::k8023Length, open_.at, 0, 0});
      open_ = {};
    }
    size_t at = Begin(LayerType::kLlc, 0, 8);
    Append({0xaa, 0xaa, 0x03, uint8_t(oui >> 16), uint8_t(oui >> 8), uint8_t(oui)});
    OpenNext(Next::kEtherType, at + 6, protocol_id);
    U16(protocol_id.value_or(0));
    return *this;
  }

  // An 802.1Q or 802.1ad tag: its TPID goes into the EtherType before it.
  FrameBuilder& Vlan(const VlanSpec& s) {
    size_t at = Begin(LayerType::kVlan, s.tpid, 4);
    U16(uint16_t(s.priority << 13 | (s.drop_eligible ? 0x1000 : 0) | (s.id & 0x0fff)));
    OpenNext(Next::kEtherType, at + 2, s.type);
    U16(s.type.value_or(0));
    return *this;
  }

  FrameBuilder& Mpls(const MplsSpec& s) {
    Begin(LayerType::kMpls, kEtherMpls, 4, kProtoMplsInIp, 0x0281);
    U32(s.label << 12 | uint32_t(s.traffic_class & 7) << 9 | (s.bottom_of_stack ? 0x100u : 0u) |
        s.ttl);
    return *this;
  }

  // RFC 4385: 0000 flags(4) frg(2) length(6) sequence(16).
  FrameBuilder& PwControlWord(uint8_t flags, uint8_t length, uint16_t sequence) {
    Begin(LayerType::kPwControlWord, 0, 4);
    Append({uint8_t(flags & 0x0f), uint8_t(length & 0x3f)});
    U16(sequence);
    return *this;
  }

  // PPPoE session stage (ver 1, type 1, code 0) and the PPP protocol field.
  FrameBuilder& Pppoe(uint16_t session_id, std::optional<uint16_t> ppp_protocol = std::nullopt,
                      std::optional<uint16_t> length = std::nullopt) {
    size_t at = Begin(LayerType::kPppoe, kEtherPppoeSession, 8);
    Append({0x11, 0x00});
    U16(session_id);
    U16(length.value_or(0));
    if (!length) fixups_.push_back({Fixup::kPppoeLength, at, 0, 0});
    OpenNext(Next::kPpp, at + 6, ppp_protocol);
    U16(ppp_protocol.value_or(0));
    return *this;
  }

  FrameBuilder& Arp(const ArpSpec& s) {
    Begin(LayerType::kArp, kEtherArp, 28);
    U16(1);  // Ethernet
    U16(kEtherIpv4);
    Append({6, 4});
    U16(s.opcode);
    Append(s.sender_mac);
    Append(s.sender_ip);
    Append(s.target_mac);
    Append(s.target_ip);
    return *this;
  }

  // ---- network layer ----

  FrameBuilder& Ipv4(const Ipv4Spec& s) {
    Bytes options = s.options;
    while (options.size() % 4 != 0) options.push_back(0);
    uint8_t ihl = s.ihl.value_or(uint8_t(5 + options.size() / 4));
    size_t at = Begin(LayerType::kIpv4, kEtherIpv4, 20 + options.size(), kProtoIpv4, 0x0021);
    Append({uint8_t(s.version << 4 | (ihl & 0x0f)), uint8_t(s.dscp << 2 | (s.ecn & 3))});
    U16(s.total_length.value_or(0));
    U16(s.id);
    U16(uint16_t((s.dont_fragment ? 0x4000 : 0) | (s.more_fragments ? 0x2000 : 0) |
                 (s.fragment_offset & 0x1fff)));
    Append({s.ttl});
    OpenNext(Next::kIpProtocol, at + 9, s.protocol);
    Append({s.protocol.value_or(0)});
    U16(s.checksum.value_or(0));
    Append(s.src);
    Append(s.dst);
    Append(options);
    fixups_.push_back({Fixup::kIpv4, at, 0, (s.total_length ? 1u : 0u) | (s.checksum ? 2u : 0u)});
    ip_stack_.push_back(at);
    return *this;
  }

  FrameBuilder& Ipv6(const Ipv6Spec& s) {
    size_t at = Begin(LayerType::kIpv6, kEtherIpv6, 40, kProtoIpv6, 0x0057);
    U32(uint32_t(s.version) << 28 | uint32_t(s.dscp) << 22 | uint32_t(s.ecn & 3) << 20 |
        (s.flow_label & 0xfffff));
    U16(s.payload_length.value_or(0));
    OpenNext(Next::kIpProtocol, at + 6, s.next_header);
    Append({s.next_header.value_or(0), s.hop_limit});
    Append(s.src);
    Append(s.dst);
    if (!s.payload_length) fixups_.push_back({Fixup::kIpv6PayloadLength, at, 0, 0});
    ip_stack_.push_back(at);
    return *this;
  }

  // Hop-by-hop (0) or destination options (60) header of `length` bytes (a multiple of 8),
  // filled with one PadN option. `hdr_ext_len` overrides the length field (8-byte units - 1).
  FrameBuilder& Ipv6Options(uint8_t type, size_t length = 8,
                            std::optional<uint8_t> hdr_ext_len = std::nullopt) {
    size_t at = Begin(LayerType::kIpv6Extension, 0, length, type);
    OpenNext(Next::kIpProtocol, at, std::nullopt);
    Append({0, hdr_ext_len.value_or(uint8_t(length / 8 - 1))});
    Append({1, uint8_t(length - 4)});  // PadN over the rest
    for (size_t i = 4; i < length; ++i) Append({0});
    return *this;
  }

  // Segment routing header (routing type 4, RFC 8754) with `segments` addresses.
  FrameBuilder& Ipv6Routing(uint8_t segments_left, const std::vector<Ip6>& segments,
                            uint8_t routing_type = 4) {
    size_t at = Begin(LayerType::kIpv6Extension, 0, 8 + 16 * segments.size(), kExtRouting);
    OpenNext(Next::kIpProtocol, at, std::nullopt);
    Append({0, uint8_t(2 * segments.size()), routing_type, segments_left,
            uint8_t(segments.empty() ? 0 : segments.size() - 1), 0, 0, 0});
    for (const Ip6& a : segments) Append(a);
    return *this;
  }

  // Fragment header; give `next_header` for a later fragment (nothing follows to fill it in).
  FrameBuilder& Ipv6Fragment(uint16_t offset, bool more, uint32_t id,
                             std::optional<uint8_t> next_header = std::nullopt) {
    size_t at = Begin(LayerType::kIpv6Extension, 0, 8, kExtFragment);
    OpenNext(Next::kIpProtocol, at, next_header);
    Append({next_header.value_or(0), 0});
    U16(uint16_t(offset << 3 | (more ? 1 : 0)));
    U32(id);
    return *this;
  }

  // Authentication header (RFC 4302) with a 12-byte ICV: 24 bytes, payload length 4.
  FrameBuilder& Ipv6Ah(uint32_t spi, uint32_t sequence) {
    size_t at = Begin(LayerType::kIpv6Extension, 0, 24, kProtoAh);
    OpenNext(Next::kIpProtocol, at, std::nullopt);
    Append({0, 4, 0, 0});
    U32(spi);
    U32(sequence);
    for (int i = 0; i < 12; ++i) Append({uint8_t(0xa0 + i)});
    return *this;
  }

  // ESP (RFC 4303): SPI and sequence number, then what is encrypted. Listed as an
  // Ipv6Extension of 8 bytes (the part that is not encrypted).
  FrameBuilder& Esp(uint32_t spi, uint32_t sequence) {
    Begin(LayerType::kIpv6Extension, 0, 8, kProtoEsp);
    U32(spi);
    U32(sequence);
    return *this;
  }

  // ---- transport layer ----

  FrameBuilder& Tcp(const TcpSpec& s) {
    Bytes options = s.options;
    while (options.size() % 4 != 0) options.push_back(0);
    uint8_t data_offset = s.data_offset.value_or(uint8_t(5 + options.size() / 4));
    size_t at = Begin(LayerType::kTcp, 0, 20 + options.size(), kProtoTcp);
    U16(s.src_port);
    U16(s.dst_port);
    U32(s.seq);
    U32(s.ack);
    Append({uint8_t(data_offset << 4 | (s.flags >> 8 & 0x0f)), uint8_t(s.flags)});
    U16(s.window);
    U16(s.checksum.value_or(0));
    U16(s.urgent_pointer);
    Append(options);
    if (!s.checksum) fixups_.push_back({Fixup::kTcpChecksum, at, CurrentIp(), 0});
    return *this;
  }

  FrameBuilder& Udp(const UdpSpec& s) {
    size_t at = Begin(LayerType::kUdp, 0, 8, kProtoUdp);
    U16(s.src_port);
    U16(s.dst_port);
    U16(s.length.value_or(0));
    U16(s.checksum.value_or(0));
    fixups_.push_back(
        {Fixup::kUdp, at, CurrentIp(), (s.length ? 1u : 0u) | (s.checksum ? 2u : 0u)});
    return *this;
  }

  // ICMP (RFC 792). After an error type (3, 4, 5, 11, 12) what follows is the quoted packet.
  FrameBuilder& Icmp(const IcmpSpec& s) {
    size_t at = Begin(LayerType::kIcmp, 0, 8, kProtoIcmp);
    Append({s.type, s.code, 0, 0});
    U32(s.rest);
    fixups_.push_back({Fixup::kIcmpChecksum, at, 0, 0});
    if (s.type == 3 || s.type == 4 || s.type == 5 || s.type == 11 || s.type == 12) quoted_ = true;
    return *this;
  }

  // ICMPv6 (RFC 4443). After an error type (1..4) what follows is the quoted packet.
  FrameBuilder& Icmpv6(const IcmpSpec& s) {
    size_t at = Begin(LayerType::kIcmpv6, 0, 8, kProtoIcmpv6);
    Append({s.type, s.code, 0, 0});
    U32(s.rest);
    fixups_.push_back({Fixup::kIcmpv6Checksum, at, CurrentIp(), 0});
    if (s.type >= 1 && s.type <= 4) quoted_ = true;
    return *this;
  }

  // SCTP common header (RFC 9260); the CRC32c checksum is left 0 (Wireshark does not check it).
  FrameBuilder& Sctp(const SctpSpec& s) {
    Begin(LayerType::kSctp, 0, 12, kProtoSctp);
    U16(s.src_port);
    U16(s.dst_port);
    U32(s.verification_tag);
    U32(0);
    return *this;
  }

  // ---- tunnels ----

  FrameBuilder& Gre(const GreSpec& s) {
    size_t length = 4 + (s.checksum ? 4 : 0) + (s.key ? 4 : 0) + (s.sequence ? 4 : 0) +
                    (s.acknowledgment ? 4 : 0) + (s.cisco_sgt ? 8 : 0);
    size_t at = Begin(LayerType::kGre, 0, length, kProtoGre);
    uint16_t flags =
        uint16_t((s.checksum ? 0x8000 : 0) | (s.key ? 0x2000 : 0) | (s.sequence ? 0x1000 : 0) |
                 (s.acknowledgment ? 0x0080 : 0) | (s.version & 7));
    U16(s.flags_word.value_or(flags));
    if (s.cisco_sgt) {
      U16(kEtherCiscoMetadata);
    } else {
      OpenNext(Next::kGreProtocol, at + 2, s.protocol);
      U16(s.protocol.value_or(0));
    }
    if (s.checksum) {
      U32(0);
      fixups_.push_back({Fixup::kGreChecksum, at, 0, 0});
    }
    if (s.key) U32(*s.key);
    if (s.sequence) U32(*s.sequence);
    if (s.acknowledgment) U32(*s.acknowledgment);
    if (s.cisco_sgt) {
      OpenNext(Next::kGreProtocol, bytes_.size(), s.protocol);
      U16(s.protocol.value_or(0));
      Append({1, 1, 0x00, 0x01});
      U16(*s.cisco_sgt);
    }
    tunnel_next_ = true;
    return *this;
  }

  // PPP inside PPTP's GRE (RFC 1661): address and control (0xff 0x03) unless `acfc`, then the
  // protocol, one byte when `pfc` (protocol field compression).
  FrameBuilder& Ppp(std::optional<uint16_t> protocol = std::nullopt, bool acfc = false,
                    bool pfc = false) {
    size_t at = Begin(LayerType::kPpp, kEtherPpp, (acfc ? 0 : 2) + (pfc ? 1 : 2));
    if (!acfc) Append({0xff, 0x03});
    OpenNext(pfc ? Next::kPpp1 : Next::kPpp, at + (acfc ? 0 : 2), protocol);
    if (pfc) {
      Append({uint8_t(protocol.value_or(0))});
    } else {
      U16(protocol.value_or(0));
    }
    return *this;
  }

  // ERSPAN type II (draft-foschiano-erspan-03 section 4.2): ver 1, 8 bytes.
  FrameBuilder& ErspanII(const ErspanSpec& s) {
    Begin(LayerType::kErspan, kEtherErspan2, 8);
    U16(uint16_t(1 << 12 | (s.vlan & 0x0fff)));
    U16(uint16_t((s.cos & 7) << 13 | 3 << 11 | (s.session_id & 0x3ff)));  // En = 3: original
    U32(s.index & 0xfffff);
    return *this;
  }

  // ERSPAN type III (section 4.3): ver 2, 12 bytes, and with the O flag the 8-byte
  // platform-specific subheader (platform id 3 here: port index and timestamp).
  FrameBuilder& ErspanIII(const ErspanSpec& s) {
    Begin(LayerType::kErspan, kEtherErspan3, s.platform_subheader ? 20 : 12);
    U16(uint16_t(2 << 12 | (s.vlan & 0x0fff)));
    U16(uint16_t((s.cos & 7) << 13 | (s.session_id & 0x3ff)));
    U32(s.index);
    U16(0);  // SGT
    // P = 0, FT = 0 (Ethernet), HW ID = 0, D = 0, Gra = 2 (IEEE 1588), O
    U16(s.platform_subheader ? 0x0005 : 0x0004);
    if (s.platform_subheader) {
      U32(3u << 26 | 0x1234);  // platform id 3, port index
      U32(0x0a0b0c0d);         // timestamp, upper 32 bits
    }
    return *this;
  }

  FrameBuilder& Vxlan(const VxlanSpec& s) {
    Begin(LayerType::kVxlan, 0, 8);
    Append({s.flags, 0, 0, 0});
    U32(s.vni << 8);
    return *this;
  }

  FrameBuilder& Geneve(const GeneveSpec& s) {
    size_t at = Begin(LayerType::kGeneve, 0, 8 + s.options.size());
    uint8_t opt_len = s.options_length.value_or(uint8_t(s.options.size() / 4));
    Append({uint8_t(s.version << 6 | (opt_len & 0x3f)),
            uint8_t((s.oam ? 0x80 : 0) | (s.critical ? 0x40 : 0))});
    OpenNext(Next::kGreProtocol, at + 2, s.protocol);  // an EtherType, like GRE's
    U16(s.protocol.value_or(0));
    U32(s.vni << 8);
    Append(s.options);
    return *this;
  }

  // ---- bytes ----

  // `n` payload bytes (0x00, 0x01, …): not a header, so not a layer.
  FrameBuilder& Payload(size_t n) {
    CloseOpen();
    for (size_t i = 0; i < n; ++i) bytes_.push_back(uint8_t(i));
    return *this;
  }
  FrameBuilder& Payload(const Bytes& b) {
    CloseOpen();
    bytes_.insert(bytes_.end(), b.begin(), b.end());
    return *this;
  }
  // Bytes after the packet that no length covers (Ethernet padding to 60 bytes, an FCS).
  FrameBuilder& Trailer(size_t n, uint8_t value = 0) {
    CloseOpen();
    if (!packet_end_) packet_end_ = bytes_.size();
    bytes_.insert(bytes_.end(), n, value);
    return *this;
  }
  // Pads with zeros to `size` bytes (the 60-byte Ethernet minimum) as a trailer.
  FrameBuilder& PadTo(size_t size) {
    return Trailer(bytes_.size() < size ? size - bytes_.size() : 0);
  }

  size_t size() const { return bytes_.size(); }
  const std::vector<BuiltLayer>& layers() const { return layers_; }
  const BuiltLayer& layer(size_t i) const { return layers_.at(i); }

  // Fills in lengths and checksums, innermost first, and returns the frame.
  Bytes Build() {
    CloseOpen();
    size_t end = packet_end_.value_or(bytes_.size());
    for (auto it = fixups_.rbegin(); it != fixups_.rend(); ++it) Apply(*it, end);
    return bytes_;
  }

 private:
  enum class Next { kNone, kEtherType, kIpProtocol, kPpp, kPpp1, kGreProtocol };
  struct Open {
    Next kind = Next::kNone;
    size_t at = 0;
    bool fixed = false;  // the spec gave the value: leave it
  };
  struct Fixup {
    enum Kind {
      kIpv4,
      kIpv6PayloadLength,
      kUdp,
      kTcpChecksum,
      kIcmpChecksum,
      kIcmpv6Checksum,
      kGreChecksum,
      kPppoeLength,
      k8023Length
    } kind;
    size_t at;
    size_t ip;      // the IP header a transport checksum's pseudo-header comes from
    unsigned keep;  // bits: which values the spec gave (length 1, checksum 2)
  };
  static constexpr uint8_t kProtoMplsInIp = 137;

  void OpenNext(Next kind, size_t at, std::optional<uint16_t> given) {
    open_ = {kind, at, given.has_value()};
  }
  void CloseOpen() { open_ = {}; }

  // Starts a header: fills in the open "next protocol" field with this header's code in its
  // namespace, records the layer and works out its depth.
  size_t Begin(LayerType type, uint16_t ether_type, size_t length, uint8_t ip_protocol = 0,
               uint16_t ppp_protocol = 0) {
    if (!open_.fixed) {
      switch (open_.kind) {
        case Next::kEtherType:
        case Next::kGreProtocol:
          Put16(open_.at, ether_type);
          break;
        case Next::kIpProtocol:
          bytes_[open_.at] = ip_protocol;
          break;
        case Next::kPpp:
          Put16(open_.at, ppp_protocol);
          break;
        case Next::kPpp1:
          bytes_[open_.at] = uint8_t(ppp_protocol);
          break;
        case Next::kNone:
          break;
      }
    }
    open_ = {};
    bool is_ip = type == LayerType::kIpv4 || type == LayerType::kIpv6;
    std::optional<LayerType> last;
    if (!layers_.empty()) last = layers_.back().type;
    if (tunnel_next_) {
      ++depth_;  // whatever GRE carries
      tunnel_next_ = false;
    } else if (is_ip && (last == LayerType::kIpv4 || last == LayerType::kIpv6 ||
                         last == LayerType::kIpv6Extension)) {
      ++depth_;  // IP in IP
    } else if ((type == LayerType::kMpls || type == LayerType::kVxlan ||
                type == LayerType::kGeneve) &&
               last == LayerType::kUdp) {
      ++depth_;  // MPLS-in-UDP, VXLAN, GENEVE
    } else if (type == LayerType::kEthernet &&
               (last == LayerType::kMpls || last == LayerType::kPwControlWord)) {
      depth_known_ = false;  // Ethernet pseudowire
    }
    size_t at = bytes_.size();
    layers_.push_back({type, at, length, depth_known_ ? depth_ : -1, quoted_});
    return at;
  }

  size_t CurrentIp() const {
    if (ip_stack_.empty()) throw std::logic_error("FrameBuilder: transport header without IP");
    return ip_stack_.back();
  }

  void Append(std::initializer_list<uint8_t> b) { bytes_.insert(bytes_.end(), b); }
  template <size_t N>
  void Append(const std::array<uint8_t, N>& b) {
    bytes_.insert(bytes_.end(), b.begin(), b.end());
  }
  void Append(const Bytes& b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }
  void U16(uint16_t v) { Append({uint8_t(v >> 8), uint8_t(v)}); }
  void U32(uint32_t v) {
    Append({uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
  }
  void Put16(size_t at, uint16_t v) {
    bytes_[at] = uint8_t(v >> 8);
    bytes_[at + 1] = uint8_t(v);
  }
  uint16_t Get16(size_t at) const { return uint16_t(bytes_[at] << 8 | bytes_[at + 1]); }

  // The ones'-complement sum of the IPv4 or IPv6 pseudo-header for an upper-layer packet.
  uint32_t PseudoHeaderSum(size_t ip, uint8_t protocol, size_t upper_length) const {
    uint32_t sum = 0;
    if (bytes_[ip] >> 4 == 4) {
      sum = OnesComplementAdd(sum, bytes_.data() + ip + 12, 8);
      sum += protocol;
      sum += uint32_t(upper_length);
    } else {
      sum = OnesComplementAdd(sum, bytes_.data() + ip + 8, 32);
      sum += uint32_t(upper_length >> 16) + uint32_t(upper_length & 0xffff);
      sum += protocol;
    }
    return sum;
  }

  // Every length runs to `end`, the end of the packet (before any trailer).
  void Apply(const Fixup& f, size_t end) {
    switch (f.kind) {
      case Fixup::kIpv4: {
        size_t ihl_bytes = size_t(bytes_[f.at] & 0x0f) * 4;
        if (!(f.keep & 1)) Put16(f.at + 2, uint16_t(end - f.at));
        if (!(f.keep & 2)) {
          Put16(f.at + 10, 0);
          size_t header_end = std::min(f.at + ihl_bytes, bytes_.size());
          Put16(f.at + 10, InternetChecksum(bytes_, f.at, header_end));
        }
        break;
      }
      case Fixup::kIpv6PayloadLength:
        Put16(f.at + 4, uint16_t(end - f.at - 40));
        break;
      case Fixup::kUdp: {
        if (!(f.keep & 1)) Put16(f.at + 4, uint16_t(end - f.at));
        if (!(f.keep & 2)) {
          Put16(f.at + 6, 0);
          uint32_t sum = PseudoHeaderSum(f.ip, kProtoUdp, end - f.at);
          uint16_t c = OnesComplementFold(OnesComplementAdd(sum, bytes_.data() + f.at, end - f.at));
          Put16(f.at + 6, c == 0 ? 0xffff : c);
        }
        break;
      }
      case Fixup::kTcpChecksum: {
        uint32_t sum = PseudoHeaderSum(f.ip, kProtoTcp, end - f.at);
        Put16(f.at + 16,
              OnesComplementFold(OnesComplementAdd(sum, bytes_.data() + f.at, end - f.at)));
        break;
      }
      case Fixup::kIcmpChecksum:
        Put16(f.at + 2, InternetChecksum(bytes_, f.at, end));
        break;
      case Fixup::kIcmpv6Checksum: {
        uint32_t sum = PseudoHeaderSum(f.ip, kProtoIcmpv6, end - f.at);
        Put16(f.at + 2,
              OnesComplementFold(OnesComplementAdd(sum, bytes_.data() + f.at, end - f.at)));
        break;
      }
      case Fixup::kGreChecksum:
        Put16(f.at + 4, InternetChecksum(bytes_, f.at, end));
        break;
      case Fixup::kPppoeLength:
        Put16(f.at + 4, uint16_t(end - f.at - 6));
        break;
      case Fixup::k8023Length:
        Put16(f.at, uint16_t(end - f.at - 2));
        break;
    }
  }

  Bytes bytes_{};
  std::vector<BuiltLayer> layers_;
  std::vector<Fixup> fixups_;
  std::vector<size_t> ip_stack_;
  Open open_;
  std::optional<size_t> packet_end_{};
  int depth_ = 0;
  bool depth_known_ = true;
  bool quoted_ = false;
  bool tunnel_next_ = false;
};

// ---- the catalogue ----

struct SampleFrame {
  std::string name;
  Start start = Start::kEthernet;
  Bytes bytes{};
  std::vector<BuiltLayer> layers;
};

inline SampleFrame Finish(std::string name, FrameBuilder& b, Start start = Start::kEthernet) {
  SampleFrame f;
  f.name = std::move(name);
  f.start = start;
  f.bytes = b.Build();
  f.layers = b.layers();
  return f;
}

inline constexpr Ip4 kIpA = {192, 0, 2, 10};     // TEST-NET-1
inline constexpr Ip4 kIpB = {198, 51, 100, 20};  // TEST-NET-2
inline constexpr Ip4 kIpC = {203, 0, 113, 30};   // TEST-NET-3
inline constexpr Ip4 kIpD = {10, 1, 2, 3};

// One well-formed frame per protocol and feature the decoder handles.
inline std::vector<SampleFrame> SampleFrames() {
  std::vector<SampleFrame> out;
  auto add = [&out](std::string name, FrameBuilder& b, Start start = Start::kEthernet) {
    out.push_back(Finish(std::move(name), b, start));
  };
  const Bytes syn_options =
      TcpOptions().Mss(1460).SackPermitted().Timestamps(0x01020304, 0).Nop().WindowScale(7).bytes();
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB, .dscp = 46, .ecn = 1, .dont_fragment = true})
        .Tcp({.src_port = 40000,
              .dst_port = 443,
              .seq = 0x11223344,
              .flags = kTcpSyn,
              .window = 64240,
              .options = syn_options});
    add("eth_ipv4_tcp_syn", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB, .ttl = 3})
        .Udp({.src_port = 53000, .dst_port = 53})
        .Payload(29);
    add("eth_ipv4_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Tcp({.src_port = 22, .dst_port = 50000, .seq = 7, .ack = 9, .flags = kTcpAck})
        .PadTo(60);
    add("eth_ipv4_tcp_ack_padded", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Vlan({.id = 100, .priority = 5})
        .Ipv6({.src = V6(1), .dst = V6(2), .flow_label = 0xabcde})
        .Tcp({.src_port = 8080,
              .dst_port = 33000,
              .flags = kTcpAck | kTcpPsh,
              .options = TcpOptions().Nop().Nop().Timestamps(5, 6).bytes()})
        .Payload(12);
    add("eth_vlan_ipv6_tcp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Vlan({.id = 2000, .priority = 3, .drop_eligible = true, .tpid = kEtherQinq})
        .Vlan({.id = 42})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Udp({.src_port = 123, .dst_port = 123})
        .Payload(48);
    add("eth_qinq_ipv4_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Mpls({.label = 16001, .traffic_class = 2, .bottom_of_stack = false, .ttl = 254})
        .Mpls({.label = 24005, .bottom_of_stack = true, .ttl = 63})
        .Ipv4({.src = kIpA, .dst = kIpC})
        .Icmp({.type = 8, .code = 0, .rest = 0x0abc0001})
        .Payload(16);
    add("eth_mpls_ipv4_icmp_echo", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Mpls({.label = 299792, .ttl = 60})
        .Ipv6({.src = V6(3), .dst = V6(4)})
        .Udp({.src_port = 4000, .dst_port = 5000})
        .Payload(8);
    add("eth_mpls_ipv6_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Mpls({.label = 100, .bottom_of_stack = false})
        .Mpls({.label = 200})
        .PwControlWord(0, 0, 77)
        .Ethernet(kMacD, kMacC)
        .Ipv4({.src = kIpB, .dst = kIpD})
        .Tcp({.src_port = 179, .dst_port = 40001, .flags = kTcpAck})
        .Payload(19);
    add("eth_mpls_cw_eth_ipv4_tcp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Mpls({.label = 300})
        .Ethernet(kMacD, kMacC)  // no control word: the first nibble is 9, neither 0, 4 nor 6
        .Ipv4({.src = kIpB, .dst = kIpD})
        .Udp({.src_port = 5353, .dst_port = 5353})
        .Payload(10);
    add("eth_mpls_eth_ipv4_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Pppoe(0x1234)
        .Ipv4({.src = {100, 64, 0, 1}, .dst = kIpB})
        .Tcp({.src_port = 51000, .dst_port = 80, .flags = kTcpAck | kTcpFin});
    add("eth_pppoe_ipv4_tcp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Pppoe(0x0042)
        .Ipv6({.src = V6(5), .dst = V6(6)})
        .Udp({.src_port = 546, .dst_port = 547})
        .Payload(4);
    add("eth_pppoe_ipv6_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kMacA)
        .Arp({.opcode = 1, .sender_mac = kMacA, .sender_ip = kIpA, .target_ip = kIpB})
        .PadTo(60);
    add("eth_arp_request", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .LlcSnap()
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = 1000, .dst_port = 2000});
    add("eth_llc_snap_ipv4_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet({0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}, kMacA)
        .Llc(0x42, 0x42, 0x03)
        .Payload(35)  // a spanning-tree BPDU's worth of bytes
        .PadTo(60);
    add("eth_llc_stp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA,
               .dst = {224, 0, 0, 22},
               .ttl = 1,
               .options = {0x94, 0x04, 0x00, 0x00}})  // router alert
        .Udp({.src_port = 7, .dst_port = 9})
        .Payload(6);
    add("eth_ipv4_options_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB, .id = 0x7777, .more_fragments = true})
        .Udp({.src_port = 5004, .dst_port = 5005, .length = 3000})
        .Payload(64);
    add("eth_ipv4_fragment_first_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB, .id = 0x7777, .fragment_offset = 9, .protocol = kProtoUdp})
        .Payload(40);
    add("eth_ipv4_fragment_later", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(9), .hop_limit = 9})
        .Ipv6Options(kExtHopByHop, 8)
        .Ipv6Options(kExtDestOptions, 16)
        .Ipv6Routing(1, {V6(9), V6(7)})
        .Tcp({.src_port = 1111,
              .dst_port = 2222,
              .flags = kTcpSyn,
              .options = TcpOptions().Mss(1220).bytes()});
    add("eth_ipv6_extensions_tcp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Ipv6Fragment(0, true, 0xdeadbeef)
        .Udp({.src_port = 7000, .dst_port = 7001, .length = 4000})
        .Payload(32);
    add("eth_ipv6_fragment_first_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Ipv6Fragment(185, false, 0xdeadbeef, kProtoUdp)  // a later fragment: no UDP header
        .Payload(40);
    add("eth_ipv6_fragment_later", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Ipv6Ah(0x1000, 1)
        .Tcp({.src_port = 3000, .dst_port = 4000, .flags = kTcpAck});
    add("eth_ipv6_ah_tcp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA).Ipv6({.src = V6(1), .dst = V6(2)}).Esp(0x2000, 9).Payload(40);
    add("eth_ipv6_esp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpC, .dst = kIpA, .ttl = 250})
        .Icmp({.type = 3, .code = 3})
        .Ipv4({.src = kIpA, .dst = kIpB, .ttl = 1})
        .Udp({.src_port = 33434, .dst_port = 33435})
        .Payload(12);
    add("eth_ipv4_icmp_port_unreachable", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpC, .dst = kIpA})
        .Icmp({.type = 11, .code = 0})
        .Ipv4({.src = kIpA, .dst = kIpB, .total_length = 1500})
        .Tcp({.src_port = 40000, .dst_port = 443, .seq = 1, .flags = kTcpAck});
    add("eth_ipv4_icmp_time_exceeded_tcp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(0x99), .dst = V6(1)})
        .Icmpv6({.type = 2, .code = 0, .rest = 1280})
        .Ipv6({.src = V6(1), .dst = V6(2), .payload_length = 1400})
        .Tcp({.src_port = 443, .dst_port = 50123, .flags = kTcpAck | kTcpPsh})
        .Payload(20);
    add("eth_ipv6_icmpv6_packet_too_big", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2), .hop_limit = 255})
        .Icmpv6({.type = 128, .code = 0, .rest = 0x00010002})
        .Payload(32);
    add("eth_ipv6_icmpv6_echo", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Sctp({.src_port = 2905, .dst_port = 2905, .verification_tag = 0xcafef00d})
        .Payload(Bytes{0, 3, 0, 4});  // a HEARTBEAT_ACK-like chunk header
    add("eth_ipv4_sctp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.key = 0x01020304, .sequence = 99})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Udp({.src_port = 1234, .dst_port = 4321})
        .Payload(10);
    add("eth_ipv4_gre_key_seq_ipv4_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Gre({.checksum = true})
        .Ethernet(kMacD, kMacC)
        .Ipv6({.src = V6(3), .dst = V6(4)})
        .Icmpv6({.type = 129, .rest = 0x00070008});
    add("eth_ipv6_gre_checksum_eth_ipv6_icmpv6", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.sequence = 5})
        .ErspanII({.vlan = 10, .cos = 2, .session_id = 513, .index = 0x12345})
        .Ethernet(kMacD, kMacC)
        .Vlan({.id = 10})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Tcp({.src_port = 6000, .dst_port = 6001, .flags = kTcpRst});
    add("eth_ipv4_gre_erspan2_eth_vlan_ipv4_tcp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.sequence = 6})
        .ErspanIII({.vlan = 20, .cos = 1, .session_id = 77, .index = 0x5f5e1000})
        .Ethernet(kMacD, kMacC)
        .Ipv6({.src = V6(7), .dst = V6(8)})
        .Udp({.src_port = 9, .dst_port = 10});
    add("eth_ipv4_gre_erspan3_eth_ipv6_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = 49152, .dst_port = 4789, .checksum = 0})
        .Vxlan({.vni = 0x123456})
        .Ethernet(kMacD, kMacC)
        .Ipv4({.src = kIpC, .dst = kIpD, .ttl = 17})
        .Tcp({.src_port = 12345,
              .dst_port = 80,
              .flags = kTcpSyn,
              .options = TcpOptions().Mss(1410).bytes()});
    add("eth_ipv4_udp_vxlan_eth_ipv4_tcp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Udp({.src_port = 50000, .dst_port = 6081})
        .Geneve({.vni = 0xabcdef,
                 .critical = true,
                 .options = GeneveOption(0x0102, 0x80, {1, 2, 3, 4, 5, 6, 7, 8})})
        .Ethernet(kMacD, kMacC)
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Udp({.src_port = 111, .dst_port = 222})
        .Payload(3);
    add("eth_ipv6_udp_geneve_eth_ipv4_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = 40000, .dst_port = 6081})
        .Geneve({.vni = 7, .oam = true})
        .Ipv6({.src = V6(1, 1), .dst = V6(2, 1)})
        .Icmpv6({.type = 135, .code = 0})
        .Payload(Ip6Bytes(V6(2, 1)));  // the target address
    add("eth_ipv4_udp_geneve_ipv6_icmpv6", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Tcp({.src_port = 1, .dst_port = 2, .flags = kTcpSyn | kTcpEce | kTcpCwr});
    add("eth_ipv4_ipv4_tcp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Ipv6({.src = V6(10), .dst = V6(11)})
        .Udp({.src_port = 3, .dst_port = 4});
    add("eth_ipv4_ipv6_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv6({.src = V6(1), .dst = V6(2)})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Icmp({.type = 0, .rest = 0x00050006});
    add("eth_ipv6_ipv4_icmp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = 49153, .dst_port = 6635})
        .Mpls({.label = 1000})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Udp({.src_port = 5, .dst_port = 6});
    add("eth_ipv4_udp_mpls_ipv4_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({})
        .Mpls({.label = 17, .bottom_of_stack = false})
        .Mpls({.label = 18})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Tcp({.src_port = 7, .dst_port = 8, .flags = kTcpAck});
    add("eth_ipv4_gre_mpls_ipv4_tcp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.key = 42u << 16 | 0x1234, .sequence = 3, .version = 1, .acknowledgment = 2})
        .Ppp()
        .Ipv4({.src = {192, 168, 0, 2}, .dst = kIpC})
        .Udp({.src_port = 1701, .dst_port = 1701})
        .Payload(10);  // PPP (4) + IPv4 (20) + UDP (8) + 10 = the key's payload length, 42
    add("eth_ipv4_pptp_gre_ppp_ipv4_udp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.key = 28u << 16 | 0x0007, .version = 1})
        .Ppp(std::nullopt, /*acfc=*/true, /*pfc=*/true)
        .Ipv4({.src = {192, 168, 0, 3}, .dst = kIpC})
        .Icmp({.type = 8, .rest = 0x00010001});
    add("eth_ipv4_pptp_gre_compressed_ppp_ipv4_icmp", b);
  }
  {
    FrameBuilder b;
    b.Ethernet(kMacB, kMacA)
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Gre({.cisco_sgt = 0x0abc})
        .Ipv4({.src = kIpC, .dst = kIpD})
        .Tcp({.src_port = 445, .dst_port = 50001, .flags = kTcpAck});
    add("eth_ipv4_gre_cisco_metadata_ipv4_tcp", b);
  }
  {
    FrameBuilder b;
    b.Ipv4({.src = kIpA, .dst = kIpB}).Tcp({.src_port = 80, .dst_port = 1024, .flags = kTcpAck});
    add("ipv4_tcp", b, Start::kIpv4);
  }
  {
    FrameBuilder b;
    b.Ipv6({.src = V6(1), .dst = V6(2)}).Udp({.src_port = 53, .dst_port = 5353}).Payload(20);
    add("ipv6_udp", b, Start::kIpv6);
  }
  {
    FrameBuilder b;
    b.Ipv6({.src = V6(1), .dst = V6(2)})
        .Icmpv6({.type = 1, .code = 4})
        .Ipv6({.src = V6(2), .dst = V6(3)})
        .Udp({.src_port = 9999, .dst_port = 53});
    add("ip_ipv6_icmpv6_unreachable", b, Start::kIp);
  }
  {
    FrameBuilder b;
    b.Mpls({.label = 16, .bottom_of_stack = false})
        .Mpls({.label = 17})
        .Ipv4({.src = kIpA, .dst = kIpB})
        .Udp({.src_port = 1, .dst_port = 2});
    add("mpls_ipv4_udp", b, Start::kMpls);
  }
  return out;
}

}  // namespace cistern::proto::testing

#endif  // CISTERN_TESTS_PROTO_FRAME_BUILDER_H_
