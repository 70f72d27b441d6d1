// libproto against libtins, side by side, on the same hand-built frames: packets/s and heap
// allocations per packet.
//
//   BM_Parse/<case>/cistern   cistern::proto::Decode into one reused Packet.
//   BM_Parse/<case>/libtins   Tins::EthernetII over the same bytes, then find_pdu<> of the
//                             innermost transport header, as a libtins user would write it.
//
// Cases: eth_ipv4_tcp (a Linux SYN: MSS, SACK permitted, timestamps, window scale),
// qinq_ipv6_udp (802.1ad + 802.1Q tags, IPv6, a DNS query), vxlan (Ethernet/IPv4/UDP 4789/VXLAN
// around Ethernet/IPv4/TCP), truncated128 (a 1500-byte Ethernet/IPv4/TCP frame cut to its first 128
// bytes, as an sFlow agent samples it).
//
// Run (Release build):
//   build/release/benchmarks/proto_parse_benchmark --benchmark_min_time=0.5
//   … --benchmark_filter='BM_Parse/vxlan/'   one case, both sides
//
// Reading it: each case has two rows; the speed-up of libproto is the libtins row's Time divided
// by the cistern row's Time (equivalently cistern's items_per_second over libtins'). Counters:
// allocs_per_packet on both rows (libproto must show 0), and malformed_per_packet on the libtins
// rows (the share of packets for which libtins threw malformed_packet; the loop catches it and
// goes on). Before timing, each side's result on its frame is checked once (the innermost ports,
// and for libproto the stop reason, tags, tunnel and TCP options); a wrong result skips the row
// with an error instead of timing it.
#include <benchmark/benchmark.h>
#include <tins/ethernetII.h>
#include <tins/exceptions.h>
#include <tins/rawpdu.h>
#include <tins/tcp.h>
#include <tins/udp.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "alloc_counter.h"
#include "cistern/proto/decoder.h"
#include "cistern/proto/packet.h"

namespace {

// ---------------------------------------------------------------------------------------------
// A small frame builder. Each function returns one header followed by what it carries, so frames
// are written inside out, the way they are nested. Lengths are computed; the IP builders fill in
// the IPv4 header checksum and the TCP/UDP checksum over their pseudo-header.

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;
using Ip4 = std::array<uint8_t, 4>;
using Ip6 = std::array<uint8_t, 16>;

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEther8021Q = 0x8100;
constexpr uint16_t kEther8021ad = 0x88a8;
constexpr uint8_t kIpTcp = 6;
constexpr uint8_t kIpUdp = 17;
constexpr uint8_t kTcpSyn = 0x02, kTcpPsh = 0x08, kTcpAck = 0x10;
constexpr uint16_t kVxlanPort = 4789;

void Put8(Bytes* b, uint8_t v) { b->push_back(v); }
void Put16(Bytes* b, uint16_t v) {
  b->push_back(static_cast<uint8_t>(v >> 8));
  b->push_back(static_cast<uint8_t>(v));
}
void Put32(Bytes* b, uint32_t v) {
  Put16(b, static_cast<uint16_t>(v >> 16));
  Put16(b, static_cast<uint16_t>(v));
}
void Append(Bytes* b, std::span<const uint8_t> s) { b->insert(b->end(), s.begin(), s.end()); }
void Set16(Bytes* b, size_t at, uint16_t v) {
  (*b)[at] = static_cast<uint8_t>(v >> 8);
  (*b)[at + 1] = static_cast<uint8_t>(v);
}

// The Internet checksum (RFC 1071): a ones' complement sum of 16-bit words, folded.
uint32_t Sum16(std::span<const uint8_t> b, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < b.size(); i += 2) sum += static_cast<uint32_t>(b[i] << 8 | b[i + 1]);
  if (b.size() % 2 == 1) sum += static_cast<uint32_t>(b.back() << 8);
  return sum;
}
uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// Fills the checksum of a TCP segment or UDP datagram whose checksum field is still 0, given the
// sum of its IP pseudo-header (RFC 9293 section 3.1, RFC 768, RFC 8200 section 8.1).
void FillTransportChecksum(uint8_t protocol, uint32_t pseudo_header_sum, Bytes* transport) {
  uint16_t checksum = Fold(Sum16(*transport, pseudo_header_sum));
  if (protocol == kIpUdp && checksum == 0) checksum = 0xffff;  // 0 means "no checksum" in UDP
  Set16(transport, protocol == kIpTcp ? 16 : 6, checksum);
}

Ip6 V6(std::array<uint16_t, 8> groups) {
  Ip6 a{};
  for (size_t i = 0; i < 8; ++i) {
    a[2 * i] = static_cast<uint8_t>(groups[i] >> 8);
    a[2 * i + 1] = static_cast<uint8_t>(groups[i]);
  }
  return a;
}

Bytes Ethernet(const Mac& dst, const Mac& src, uint16_t type, std::span<const uint8_t> payload) {
  Bytes b;
  Append(&b, dst);
  Append(&b, src);
  Put16(&b, type);
  Append(&b, payload);
  return b;
}

// The rest of an 802.1Q/802.1ad tag, after the TPID that the previous header wrote as its type.
Bytes VlanTag(uint8_t priority, uint16_t id, uint16_t type, std::span<const uint8_t> payload) {
  Bytes b;
  Put16(&b, static_cast<uint16_t>(priority << 13 | (id & 0x0fff)));
  Put16(&b, type);
  Append(&b, payload);
  return b;
}

struct Ipv4Spec {
  Ip4 src;
  Ip4 dst;
  uint8_t protocol = 0;
  uint16_t id = 0;
  uint8_t ttl = 64;
  uint8_t dscp = 0;
  bool dont_fragment = true;
  bool transport_checksum = true;  // false: leave a UDP checksum 0 (VXLAN over IPv4, RFC 7348)
};

// RFC 791, no options.
Bytes Ipv4(const Ipv4Spec& s, Bytes transport) {
  if (s.transport_checksum) {
    const uint32_t pseudo = Sum16(s.dst, Sum16(s.src)) + s.protocol +
                            static_cast<uint32_t>(transport.size());
    FillTransportChecksum(s.protocol, pseudo, &transport);
  }
  Bytes b;
  Put8(&b, 0x45);  // version 4, header length 5 words
  Put8(&b, static_cast<uint8_t>(s.dscp << 2));
  Put16(&b, static_cast<uint16_t>(20 + transport.size()));
  Put16(&b, s.id);
  Put16(&b, s.dont_fragment ? 0x4000 : 0);
  Put8(&b, s.ttl);
  Put8(&b, s.protocol);
  Put16(&b, 0);  // header checksum, below
  Append(&b, s.src);
  Append(&b, s.dst);
  Set16(&b, 10, Fold(Sum16(b)));
  Append(&b, transport);
  return b;
}

struct Ipv6Spec {
  Ip6 src;
  Ip6 dst;
  uint8_t next_header = 0;
  uint32_t flow_label = 0;
  uint8_t hop_limit = 64;
};

// RFC 8200 fixed header, no extension headers.
Bytes Ipv6(const Ipv6Spec& s, Bytes transport) {
  const uint32_t pseudo = Sum16(s.dst, Sum16(s.src)) + s.next_header +
                          static_cast<uint32_t>(transport.size());
  FillTransportChecksum(s.next_header, pseudo, &transport);
  Bytes b;
  Put32(&b, 6u << 28 | (s.flow_label & 0xfffff));
  Put16(&b, static_cast<uint16_t>(transport.size()));
  Put8(&b, s.next_header);
  Put8(&b, s.hop_limit);
  Append(&b, s.src);
  Append(&b, s.dst);
  Append(&b, transport);
  return b;
}

struct TcpSpec {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  Bytes options;  // a multiple of 4 bytes
};

// RFC 9293; the checksum is left 0 for the IP builder.
Bytes Tcp(const TcpSpec& s, std::span<const uint8_t> payload) {
  Bytes b;
  Put16(&b, s.src_port);
  Put16(&b, s.dst_port);
  Put32(&b, s.seq);
  Put32(&b, s.ack);
  Put8(&b, static_cast<uint8_t>((20 + s.options.size()) / 4 << 4));  // data offset
  Put8(&b, s.flags);
  Put16(&b, s.window);
  Put16(&b, 0);  // checksum
  Put16(&b, 0);  // urgent pointer
  Append(&b, s.options);
  Append(&b, payload);
  return b;
}

// RFC 768; the checksum is left 0 for the IP builder.
Bytes Udp(uint16_t src_port, uint16_t dst_port, std::span<const uint8_t> payload) {
  Bytes b;
  Put16(&b, src_port);
  Put16(&b, dst_port);
  Put16(&b, static_cast<uint16_t>(8 + payload.size()));
  Put16(&b, 0);
  Append(&b, payload);
  return b;
}

// RFC 7348 section 5: flags with I set, reserved, 24-bit VNI, reserved.
Bytes Vxlan(uint32_t vni, std::span<const uint8_t> inner_frame) {
  Bytes b;
  Put32(&b, 0x08000000);
  Put32(&b, vni << 8);
  Append(&b, inner_frame);
  return b;
}

// TCP options (RFC 9293 3.2, RFC 7323, RFC 2018).
Bytes TimestampOption(uint32_t value, uint32_t echo_reply) {
  Bytes b = {8, 10};
  Put32(&b, value);
  Put32(&b, echo_reply);
  return b;
}
Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (const Bytes& p : parts) Append(&b, p);
  return b;
}

// ---------------------------------------------------------------------------------------------
// The frames.

const Mac kRouterMac = {0x3c, 0xfd, 0xfe, 0xa1, 0xb2, 0xc3};
const Mac kHostMac = {0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x10};

// A Linux client's SYN to an HTTPS server: options in Linux's order, 74 bytes in all.
Bytes EthIpv4TcpSyn() {
  const Bytes options = Concat({
      {2, 4, 0x05, 0xb4},                  // MSS 1460
      {4, 2},                              // SACK permitted
      TimestampOption(3011863551u, 0),     // TSval, TSecr 0 on a SYN
      {1},                                 // NOP
      {3, 3, 7},                           // window scale 7
  });
  return Ethernet(kRouterMac, kHostMac, kEtherIpv4,
                  Ipv4({.src = {10, 1, 2, 3}, .dst = {93, 184, 216, 34}, .protocol = kIpTcp,
                        .id = 0x1c46},
                       Tcp({.src_port = 51234, .dst_port = 443, .seq = 0x9a2f1c04,
                            .flags = kTcpSyn, .window = 64240, .options = options},
                           {})));
}

// A DNS query (A www.example.com) from a customer VLAN carried in a provider's service VLAN.
Bytes QinqIpv6Udp() {
  const Bytes dns_query = {
      0x4a, 0x21, 0x01, 0x00,  // id, flags: recursion desired
      0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 1 question
      3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
      0x00, 0x01, 0x00, 0x01,  // type A, class IN
  };
  return Ethernet(
      kRouterMac, kHostMac, kEther8021ad,
      VlanTag(0, 100, kEther8021Q,  // S-tag: service VLAN 100
              VlanTag(3, 200, kEtherIpv6,  // C-tag: customer VLAN 200, priority 3
                      Ipv6({.src = V6({0x2001, 0xdb8, 0x10, 0, 0, 0, 0, 0x5}),
                            .dst = V6({0x2001, 0xdb8, 0x20, 0, 0, 0, 0, 0x53}),
                            .next_header = kIpUdp, .flow_label = 0x3a1f2},
                           Udp(40512, 53, dns_query)))));
}

// Two VTEPs carrying a Redis PING (a TCP data segment with timestamps) in VNI 5001.
Bytes VxlanFrame() {
  const std::string ping = "*1\r\n$4\r\nPING\r\n";
  const Mac inner_dst = {0x02, 0x42, 0x0a, 0x00, 0x00, 0x07};
  const Mac inner_src = {0x02, 0x42, 0x0a, 0x00, 0x00, 0x05};
  const Bytes inner = Ethernet(
      inner_dst, inner_src, kEtherIpv4,
      Ipv4({.src = {10, 0, 0, 5}, .dst = {10, 0, 0, 7}, .protocol = kIpTcp, .id = 0x5d3e},
           Tcp({.src_port = 44310, .dst_port = 6379, .seq = 0x31d4e7a0, .ack = 0x7b02c119,
                .flags = kTcpAck | kTcpPsh, .window = 502,
                .options = Concat({{1, 1}, TimestampOption(2214480310u, 1917355220u)})},
               Bytes(ping.begin(), ping.end()))));
  return Ethernet(kRouterMac, kHostMac, kEtherIpv4,
                  Ipv4({.src = {192, 0, 2, 10}, .dst = {192, 0, 2, 20}, .protocol = kIpUdp,
                        .id = 0, .transport_checksum = false},
                       Udp(53412, kVxlanPort, Vxlan(5001, inner))));
}

// A full-size HTTPS data segment (TLS application data), 1500 bytes on the wire, of which an sFlow
// agent keeps the first 128: the headers are whole, the payload is cut.
Bytes Truncated128() {
  constexpr size_t kFrame = 1500, kHeaders = 14 + 20 + 32;
  Bytes tls = {0x17, 0x03, 0x03};  // TLS 1.2+ application data record
  Put16(&tls, static_cast<uint16_t>(kFrame - kHeaders - 5));
  while (tls.size() < kFrame - kHeaders) tls.push_back(static_cast<uint8_t>(tls.size() * 131 + 7));
  Bytes frame = Ethernet(
      kHostMac, kRouterMac, kEtherIpv4,
      Ipv4({.src = {93, 184, 216, 34}, .dst = {10, 1, 2, 3}, .protocol = kIpTcp, .id = 0x8f21},
           Tcp({.src_port = 443, .dst_port = 51234, .seq = 0x77a01b3c, .ack = 0x9a2f1d45,
                .flags = kTcpAck, .window = 501,
                .options = Concat({{1, 1}, TimestampOption(40971522u, 3011863790u)})},
               tls)));
  frame.resize(128);
  return frame;
}

// What both decoders must find in a frame, checked once before timing.
struct Case {
  const char* name;
  Bytes frame;
  bool vxlan = false;  // libtins: decode the inner frame from the UDP payload by hand
  uint8_t protocol = 0;  // innermost IP packet's
  uint8_t ip_family = 4;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  size_t vlan_tags = 0;
  uint8_t tunnel_depth = 0;
};

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {.name = "eth_ipv4_tcp", .frame = EthIpv4TcpSyn(), .protocol = kIpTcp, .src_port = 51234,
       .dst_port = 443},
      {.name = "qinq_ipv6_udp", .frame = QinqIpv6Udp(), .protocol = kIpUdp, .ip_family = 6,
       .src_port = 40512, .dst_port = 53, .vlan_tags = 2},
      {.name = "vxlan", .frame = VxlanFrame(), .vxlan = true, .protocol = kIpTcp,
       .src_port = 44310, .dst_port = 6379, .tunnel_depth = 1},
      {.name = "truncated128", .frame = Truncated128(), .protocol = kIpTcp, .src_port = 443,
       .dst_port = 51234},
  };
  return cases;
}

// ---------------------------------------------------------------------------------------------
// cistern::proto

// Empty when libproto read `c.frame` as expected, else what differs.
std::string CisternProblem(const cistern::proto::Packet& p, const Case& c) {
  using cistern::proto::StopReason;
  std::string problems;
  auto expect = [&](bool ok, const std::string& what) {
    if (!ok) problems += (problems.empty() ? "" : "; ") + what;
  };
  expect(p.stop == StopReason::kComplete,
         std::string("stop is ") + cistern::proto::StopReasonName(p.stop) + " at byte " +
             std::to_string(p.stop_offset) + " in " +
             cistern::proto::LayerTypeName(p.stop_layer) + ", not complete");
  expect(p.inner.present && p.inner.src.family == c.ip_family,
         "inner IP packet missing or of the wrong family");
  expect(p.inner.protocol == c.protocol, "inner protocol " + std::to_string(p.inner.protocol));
  expect(p.inner.has_ports, "inner.has_ports is false");
  expect(p.inner.src_port == c.src_port && p.inner.dst_port == c.dst_port,
         "inner ports " + std::to_string(p.inner.src_port) + " -> " +
             std::to_string(p.inner.dst_port));
  expect(p.vlan.size() == c.vlan_tags, std::to_string(p.vlan.size()) + " VLAN tags");
  expect(p.tunnel_depth == c.tunnel_depth, "tunnel depth " + std::to_string(p.tunnel_depth));
  if (c.vxlan) {
    expect(p.vxlan.size() == 1 && p.vxlan.front().vni == 5001, "VXLAN header or VNI");
    expect(p.outer.has_ports && p.outer.dst_port == kVxlanPort, "outer UDP port");
  }
  if (c.protocol == kIpTcp) {
    expect(!p.tcp.empty() && p.tcp.back().has_timestamps, "TCP timestamps option not read");
  }
  return problems;
}

void BM_ParseCistern(benchmark::State& state, const Case* c) {
  const std::span<const uint8_t> frame = c->frame;
  cistern::proto::Packet p;
  cistern::proto::Decode(frame, cistern::proto::Start::kEthernet, {}, &p);
  if (const std::string problem = CisternProblem(p, *c); !problem.empty()) {
    state.SkipWithError(("libproto misread the frame: " + problem).c_str());
    return;
  }
  const uint64_t allocs_before = cistern::bench::AllocationCount();
  for (auto _ : state) {
    cistern::proto::Decode(frame, cistern::proto::Start::kEthernet, {}, &p);
    benchmark::DoNotOptimize(p.inner.src_port);
  }
  const uint64_t allocs = cistern::bench::AllocationCount() - allocs_before;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["allocs_per_packet"] =
      benchmark::Counter(static_cast<double>(allocs) / static_cast<double>(state.iterations()));
}

// ---------------------------------------------------------------------------------------------
// libtins

uint16_t TinsSrcPort(const Tins::PDU& pdu) {
  if (const auto* tcp = pdu.find_pdu<Tins::TCP>()) return tcp->sport();
  if (const auto* udp = pdu.find_pdu<Tins::UDP>()) return udp->sport();
  return 0;
}

// The innermost transport header's source port, as a libtins user gets it. Throws
// Tins::malformed_packet as libtins does.
uint16_t TinsInnerSrcPort(const Case& c) {
  Tins::EthernetII eth(c.frame.data(), static_cast<uint32_t>(c.frame.size()));
  if (!c.vxlan) return TinsSrcPort(eth);
  // libtins 4.0 has no VXLAN PDU: it stops at UDP with a RawPDU holding VXLAN header and inner
  // frame (a copy). For the same work as libproto, skip the 8-byte VXLAN header and parse the
  // inner frame with a second EthernetII, as a libtins user has to.
  const auto* raw = eth.find_pdu<Tins::RawPDU>();
  if (raw == nullptr || raw->payload_size() <= 8) return 0;
  Tins::EthernetII inner(raw->payload().data() + 8, raw->payload_size() - 8);
  return TinsSrcPort(inner);
}

void BM_ParseLibtins(benchmark::State& state, const Case* c) {
  try {
    if (const uint16_t port = TinsInnerSrcPort(*c); port != c->src_port) {
      state.SkipWithError(("libtins found source port " + std::to_string(port) + ", not " +
                           std::to_string(c->src_port))
                              .c_str());
      return;
    }
  } catch (const Tins::malformed_packet&) {
    // Counted below: the case still runs.
  }
  uint64_t malformed = 0;
  const uint64_t allocs_before = cistern::bench::AllocationCount();
  for (auto _ : state) {
    try {
      benchmark::DoNotOptimize(TinsInnerSrcPort(*c));
    } catch (const Tins::malformed_packet&) {
      ++malformed;
    }
  }
  const uint64_t allocs = cistern::bench::AllocationCount() - allocs_before;
  const auto packets = static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["allocs_per_packet"] = benchmark::Counter(static_cast<double>(allocs) / packets);
  state.counters["malformed_per_packet"] =
      benchmark::Counter(static_cast<double>(malformed) / packets);
}

int Register() {
  for (const Case& c : Cases()) {
    const std::string prefix = std::string("BM_Parse/") + c.name;
    benchmark::RegisterBenchmark((prefix + "/cistern").c_str(), BM_ParseCistern, &c);
    benchmark::RegisterBenchmark((prefix + "/libtins").c_str(), BM_ParseLibtins, &c);
  }
  return 0;
}
const int kRegistered = Register();

}  // namespace

BENCHMARK_MAIN();
