// Packet: the flat, fixed-size result of decoding one frame or IP packet.
//
//   cistern::proto::Packet p;                      // reuse it: Decode() only resets counters
//   cistern::proto::Decode(frame, cistern::proto::Start::kEthernet, {}, &p);
//   for (const Layer& l : p.layers()) …            // every header, outer first, with its offset
//   if (p.outer.has_ports) Count(p.outer.src, p.outer.dst, p.outer.src_port, p.outer.dst_port);
//   if (p.stop != StopReason::kComplete) …         // what was read is still there
//
// A header cut by the end of the bytes is still listed, marked `truncated`, with the fields its
// bytes cover (a 39-byte IPv6 header still gives its source address); the flow summaries only
// take complete headers (ports from a transport header whose first 4 bytes are there).
//
// Layout: `layers()` lists every header in wire order (type, offset, length, encapsulation depth,
// whether it belongs to the packet an ICMP error quotes). Each layer's fields are in the array of
// its protocol (`ipv4[layer.index]`, …), so a protocol's occurrences are in wire order too.
// `outer` and `inner` summarise the outermost and innermost IP packet (they are the same when
// there is no tunnel; the packet quoted by an ICMP error never counts).
//
// Size is fixed (~1.5 KiB); nothing points into the decoded bytes, so a Packet outlives them.
// Thread-compatible plain data.
#ifndef CISTERN_PROTO_PACKET_H_
#define CISTERN_PROTO_PACKET_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "cistern/proto/headers.h"

namespace cistern::proto {

enum class LayerType : uint8_t {
  kEthernet,
  kLlc,
  kVlan,
  kMpls,
  kPwControlWord,
  kPppoe,
  kArp,
  kIpv4,
  kIpv6,
  kIpv6Extension,
  kTcp,
  kUdp,
  kIcmp,
  kIcmpv6,
  kSctp,
  kGre,
  kErspan,
  kVxlan,
  kGeneve,
  kPpp,
};
inline constexpr int kLayerTypeCount = 20;

// Why decoding ended. Everything decoded before the stop stays in the Packet.
enum class StopReason : uint8_t {
  kComplete,     // every header was read (or the options asked to stop there)
  kTruncated,    // the bytes end inside a header (normal for sampled headers)
  kMalformed,    // a header contradicts itself (bad version, header length, option length, …)
  kUnsupported,  // a protocol libproto does not decode follows (or ESP: encrypted)
  kFragment,     // a non-first IP fragment: no transport header to read
  kLimit,        // a depth limit was reached (VLAN tags, MPLS labels, tunnels, layers)
};

const char* StopReasonName(StopReason reason);  // "complete", "truncated", …
const char* LayerTypeName(LayerType type);      // "ethernet", "vlan", "ipv4", …

struct Layer {
  LayerType type = LayerType::kEthernet;
  uint8_t index = 0;        // into the protocol's array in Packet
  uint8_t depth = 0;        // 0 outside any tunnel, +1 inside each tunnel
  bool quoted = false;      // part of the packet quoted by an ICMP/ICMPv6 error
  bool truncated = false;   // the bytes end inside this header: only its first `length` bytes
                            // were read, the fields beyond them are left zero
  uint32_t offset = 0;      // from the start of the decoded bytes
  uint32_t length = 0;      // header bytes read (options included; less when the bytes end)
};

// A fixed-capacity list of one protocol's headers.
template <typename T, size_t N>
class HeaderList {
 public:
  static constexpr size_t kCapacity = N;
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](size_t i) const { return items_[i]; }
  const T& front() const { return items_[0]; }
  const T& back() const { return items_[size_ - 1]; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + size_; }

  // For the decoder: a fresh entry, or nullptr when full.
  T* Add() {
    if (size_ == N) return nullptr;
    T* t = &items_[size_++];
    *t = T{};
    return t;
  }
  void Clear() { size_ = 0; }

 private:
  uint8_t size_ = 0;
  std::array<T, N> items_{};
};

enum class Fragment : uint8_t {
  kNone,   // not a fragment
  kFirst,  // offset 0, more fragments follow: the transport header is here
  kLater,  // offset > 0: no transport header
};

// Summary of one IP packet and its transport header.
struct FlowSummary {
  bool present = false;      // an IP header was decoded
  IpAddress src;
  IpAddress dst;
  uint8_t protocol = 0;      // upper-layer protocol (after IPv6 extension headers)
  uint8_t dscp = 0;
  uint8_t ecn = 0;
  uint8_t ttl = 0;           // TTL or hop limit
  uint32_t ip_length = 0;    // IPv4 total length, or 40 + IPv6 payload length
  Fragment fragment = Fragment::kNone;
  bool has_ports = false;    // TCP, UDP or SCTP header decoded
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  bool has_icmp = false;     // ICMP or ICMPv6 header decoded
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  uint16_t tcp_flags = 0;    // when protocol is TCP and the header was decoded
  uint8_t ip_layer = 0;      // index into layers() of the IP header
};

class Packet {
 public:
  static constexpr size_t kMaxLayers = 48;

  std::span<const Layer> layers() const { return {layers_.data(), layer_count_}; }

  // Stop state: the reason, the byte offset where decoding stopped, and the header it was reading
  // there (for kUnsupported: the last header decoded, whose next-protocol field was not followed).
  StopReason stop = StopReason::kComplete;
  uint32_t stop_offset = 0;
  LayerType stop_layer = LayerType::kEthernet;

  FlowSummary outer;
  FlowSummary inner;
  uint8_t tunnel_depth = 0;  // tunnels entered

  HeaderList<EthernetHeader, 4> ethernet;
  HeaderList<LlcHeader, 4> llc;
  HeaderList<VlanTag, 8> vlan;
  HeaderList<MplsEntry, 16> mpls;
  HeaderList<PwControlWord, 4> pw_control_word;
  HeaderList<PppoeHeader, 2> pppoe;
  HeaderList<ArpHeader, 2> arp;
  HeaderList<Ipv4Header, 4> ipv4;
  HeaderList<Ipv6Header, 4> ipv6;
  HeaderList<Ipv6Extension, 16> ipv6_extension;
  HeaderList<TcpHeader, 4> tcp;
  HeaderList<UdpHeader, 4> udp;
  HeaderList<IcmpHeader, 4> icmp;  // ICMP and ICMPv6 (the Layer's type tells which)
  HeaderList<SctpHeader, 2> sctp;
  HeaderList<GreHeader, 4> gre;
  HeaderList<ErspanHeader, 2> erspan;
  HeaderList<VxlanHeader, 2> vxlan;
  HeaderList<GeneveHeader, 2> geneve;
  HeaderList<PppHeader, 2> ppp;

  // For the decoder.
  void Reset();
  Layer* AddLayer() {
    if (layer_count_ == kMaxLayers) return nullptr;
    return &layers_[layer_count_++];
  }

 private:
  uint8_t layer_count_ = 0;
  std::array<Layer, kMaxLayers> layers_{};
};

}  // namespace cistern::proto

#endif  // CISTERN_PROTO_PACKET_H_
