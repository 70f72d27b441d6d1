// What must hold for every Packet that Decode() produces, whatever the input: shared by the
// hostile tests (hostile_test.cc) and the fuzz target (tests/fuzz/proto_decode_fuzzer.cc), which
// is why it reports violations as text instead of through Catch.
//
//   std::string why = CheckInvariants(bytes, options, packet);  // "" when all hold
//
// Also: field-by-field equality of headers and packets (the header structs have no operator==,
// and comparing their bytes would compare padding), and Describe() for failure messages.
//
// Header-only, no dependencies beyond libproto's headers.
#ifndef CISTERN_TESTS_PROTO_PACKET_INVARIANTS_H_
#define CISTERN_TESTS_PROTO_PACKET_INVARIANTS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <tuple>

#include "cistern/proto/decoder.h"
#include "cistern/proto/headers.h"
#include "cistern/proto/packet.h"

namespace cistern::proto::testing {

// Decoder bugs found by the tests and reported to libproto's owner. While one is open, the
// invariant it breaks is relaxed here, so that the random tests and the fuzzer keep looking for
// new problems instead of tripping over it on every run; its own [!mayfail] test (named beside
// each) checks the behaviour strictly. Set a flag to false once the decoder is fixed.
//
// When the IPv6 extension-header walk stops early (cut, header array full, ESP), the flow
// summary's protocol or fragment state is not taken from what the walk saw ("The IPv6 flow
// summary when the extension-header walk stops early", hostile_test.cc).
inline constexpr bool kOpenBugIpv6FlowAfterEarlyStop = true;

// ---- field-by-field equality ----

inline auto Tie(const EthernetHeader& h) { return std::tie(h.dst, h.src, h.type_or_length); }
inline auto Tie(const LlcHeader& h) {
  return std::tie(h.dsap, h.ssap, h.control, h.snap, h.oui, h.protocol_id);
}
inline auto Tie(const VlanTag& h) {
  return std::tie(h.tpid, h.priority, h.drop_eligible, h.id, h.type);
}
inline auto Tie(const MplsEntry& h) {
  return std::tie(h.label, h.traffic_class, h.bottom_of_stack, h.ttl);
}
inline auto Tie(const PwControlWord& h) { return std::tie(h.flags, h.length, h.sequence); }
inline auto Tie(const PppoeHeader& h) {
  return std::tie(h.version, h.type, h.code, h.session_id, h.length, h.ppp_protocol);
}
inline auto Tie(const ArpHeader& h) {
  return std::tie(h.hardware_type, h.protocol_type, h.hardware_size, h.protocol_size, h.opcode,
                  h.sender_mac, h.sender_ip, h.target_mac, h.target_ip);
}
inline auto Tie(const Ipv4Header& h) {
  return std::tie(h.header_length, h.dscp, h.ecn, h.total_length, h.id, h.dont_fragment,
                  h.more_fragments, h.fragment_offset, h.ttl, h.protocol, h.checksum, h.src, h.dst);
}
// The fixed header only: `protocol` and the fragment fields depend on how far the extension
// header walk got, so a cut packet may differ there.
inline auto TieFixed(const Ipv6Header& h) {
  return std::tie(h.dscp, h.ecn, h.flow_label, h.payload_length, h.next_header, h.hop_limit, h.src,
                  h.dst);
}
inline auto Tie(const Ipv6Header& h) {
  return std::tuple_cat(TieFixed(h), std::tie(h.protocol, h.fragmented, h.more_fragments,
                                              h.fragment_offset, h.fragment_id));
}
inline auto Tie(const Ipv6Extension& h) {
  return std::tie(h.type, h.next_header, h.length, h.routing_type, h.segments_left);
}
inline auto Tie(const TcpHeader& h) {
  return std::tie(h.src_port, h.dst_port, h.seq, h.ack, h.header_length, h.flags, h.window,
                  h.checksum, h.urgent_pointer, h.has_mss, h.has_window_scale, h.sack_permitted,
                  h.has_timestamps, h.mss, h.window_scale, h.ts_value, h.ts_echo_reply);
}
inline auto Tie(const UdpHeader& h) {
  return std::tie(h.src_port, h.dst_port, h.length, h.checksum);
}
inline auto Tie(const IcmpHeader& h) { return std::tie(h.type, h.code, h.checksum, h.rest); }
inline auto Tie(const SctpHeader& h) {
  return std::tie(h.src_port, h.dst_port, h.verification_tag);
}
inline auto Tie(const GreHeader& h) {
  return std::tie(h.has_checksum, h.has_key, h.has_sequence, h.cisco_metadata, h.version,
                  h.protocol, h.security_group_tag, h.key, h.sequence, h.acknowledgment);
}
inline auto Tie(const PppHeader& h) { return std::tie(h.protocol); }
inline auto Tie(const ErspanHeader& h) {
  return std::tie(h.version, h.vlan, h.cos, h.session_id, h.index);
}
inline auto Tie(const VxlanHeader& h) { return std::tie(h.flags, h.vni); }
inline auto Tie(const GeneveHeader& h) {
  return std::tie(h.version, h.options_length, h.oam, h.critical, h.protocol, h.vni);
}
inline auto Tie(const Layer& l) {
  return std::tie(l.type, l.index, l.depth, l.quoted, l.truncated, l.offset, l.length);
}
inline auto Tie(const FlowSummary& f) {
  return std::tie(f.present, f.src, f.dst, f.protocol, f.dscp, f.ecn, f.ttl, f.ip_length,
                  f.fragment, f.has_ports, f.src_port, f.dst_port, f.has_icmp, f.icmp_type,
                  f.icmp_code, f.tcp_flags, f.ip_layer);
}

template <typename T>
bool Same(const T& a, const T& b) {
  return Tie(a) == Tie(b);
}

// How many entries the array of `type` holds (ICMP and ICMPv6 share one array).
inline size_t ArraySize(const Packet& p, LayerType type) {
  switch (type) {
    case LayerType::kEthernet:
      return p.ethernet.size();
    case LayerType::kLlc:
      return p.llc.size();
    case LayerType::kVlan:
      return p.vlan.size();
    case LayerType::kMpls:
      return p.mpls.size();
    case LayerType::kPwControlWord:
      return p.pw_control_word.size();
    case LayerType::kPppoe:
      return p.pppoe.size();
    case LayerType::kArp:
      return p.arp.size();
    case LayerType::kIpv4:
      return p.ipv4.size();
    case LayerType::kIpv6:
      return p.ipv6.size();
    case LayerType::kIpv6Extension:
      return p.ipv6_extension.size();
    case LayerType::kTcp:
      return p.tcp.size();
    case LayerType::kUdp:
      return p.udp.size();
    case LayerType::kIcmp:
    case LayerType::kIcmpv6:
      return p.icmp.size();
    case LayerType::kSctp:
      return p.sctp.size();
    case LayerType::kGre:
      return p.gre.size();
    case LayerType::kErspan:
      return p.erspan.size();
    case LayerType::kVxlan:
      return p.vxlan.size();
    case LayerType::kGeneve:
      return p.geneve.size();
    case LayerType::kPpp:
      return p.ppp.size();
  }
  return 0;
}

inline size_t TotalArraySize(const Packet& p) {
  return p.ethernet.size() + p.llc.size() + p.vlan.size() + p.mpls.size() +
         p.pw_control_word.size() + p.pppoe.size() + p.arp.size() + p.ipv4.size() + p.ipv6.size() +
         p.ipv6_extension.size() + p.tcp.size() + p.udp.size() + p.icmp.size() + p.sctp.size() +
         p.gre.size() + p.erspan.size() + p.vxlan.size() + p.geneve.size() + p.ppp.size();
}

// The array slot a layer's index counts in (ICMP and ICMPv6 share one).
inline int Slot(LayerType type) {
  return type == LayerType::kIcmpv6 ? int(LayerType::kIcmp) : int(type);
}

// Whether the headers of layer `la` in `a` and layer `lb` in `b` hold the same values (the
// layers' types must match). With `ipv6_fixed_only`, IPv6 compares its fixed header only.
inline bool SameHeader(const Packet& a, const Layer& la, const Packet& b, const Layer& lb,
                       bool ipv6_fixed_only = false) {
  if (la.type != lb.type) return false;
  size_t i = la.index, j = lb.index;
  if (i >= ArraySize(a, la.type) || j >= ArraySize(b, lb.type)) return false;
  switch (la.type) {
    case LayerType::kEthernet:
      return Same(a.ethernet[i], b.ethernet[j]);
    case LayerType::kLlc:
      return Same(a.llc[i], b.llc[j]);
    case LayerType::kVlan:
      return Same(a.vlan[i], b.vlan[j]);
    case LayerType::kMpls:
      return Same(a.mpls[i], b.mpls[j]);
    case LayerType::kPwControlWord:
      return Same(a.pw_control_word[i], b.pw_control_word[j]);
    case LayerType::kPppoe:
      return Same(a.pppoe[i], b.pppoe[j]);
    case LayerType::kArp:
      return Same(a.arp[i], b.arp[j]);
    case LayerType::kIpv4:
      return Same(a.ipv4[i], b.ipv4[j]);
    case LayerType::kIpv6:
      return ipv6_fixed_only ? TieFixed(a.ipv6[i]) == TieFixed(b.ipv6[j])
                             : Same(a.ipv6[i], b.ipv6[j]);
    case LayerType::kIpv6Extension:
      return Same(a.ipv6_extension[i], b.ipv6_extension[j]);
    case LayerType::kTcp:
      return Same(a.tcp[i], b.tcp[j]);
    case LayerType::kUdp:
      return Same(a.udp[i], b.udp[j]);
    case LayerType::kIcmp:
    case LayerType::kIcmpv6:
      return Same(a.icmp[i], b.icmp[j]);
    case LayerType::kSctp:
      return Same(a.sctp[i], b.sctp[j]);
    case LayerType::kGre:
      return Same(a.gre[i], b.gre[j]);
    case LayerType::kErspan:
      return Same(a.erspan[i], b.erspan[j]);
    case LayerType::kVxlan:
      return Same(a.vxlan[i], b.vxlan[j]);
    case LayerType::kGeneve:
      return Same(a.geneve[i], b.geneve[j]);
    case LayerType::kPpp:
      return Same(a.ppp[i], b.ppp[j]);
  }
  return false;
}

// Everything Decode() reports, compared field by field.
inline bool SamePacket(const Packet& a, const Packet& b) {
  if (a.stop != b.stop || a.stop_offset != b.stop_offset || a.stop_layer != b.stop_layer ||
      a.tunnel_depth != b.tunnel_depth || !Same(a.outer, b.outer) || !Same(a.inner, b.inner) ||
      a.layers().size() != b.layers().size() || TotalArraySize(a) != TotalArraySize(b)) {
    return false;
  }
  for (size_t i = 0; i < a.layers().size(); ++i) {
    const Layer& la = a.layers()[i];
    const Layer& lb = b.layers()[i];
    if (!Same(la, lb) || !SameHeader(a, la, b, lb)) return false;
  }
  return true;
}

inline std::string Describe(const Packet& p) {
  std::string s = std::string("stop=") + StopReasonName(p.stop) + " at " +
                  std::to_string(p.stop_offset) + " (" + LayerTypeName(p.stop_layer) +
                  "), tunnel_depth=" + std::to_string(p.tunnel_depth) + ", layers:";
  for (const Layer& l : p.layers()) {
    s += std::string(" ") + LayerTypeName(l.type) + "[" + std::to_string(l.index) + "]@" +
         std::to_string(l.offset) + "+" + std::to_string(l.length) + " d" +
         std::to_string(l.depth) + (l.quoted ? " q" : "") + (l.truncated ? " cut" : "");
  }
  return s;
}

inline bool IsIp(LayerType t) { return t == LayerType::kIpv4 || t == LayerType::kIpv6; }
inline bool IsTransport(LayerType t) {
  return t == LayerType::kTcp || t == LayerType::kUdp || t == LayerType::kIcmp ||
         t == LayerType::kIcmpv6 || t == LayerType::kSctp;
}

// Whether an IP layer's fixed header (20 or 40 bytes) was read whole: the flow summaries take
// their addresses from it ("only complete headers": an IPv4 header cut inside its options still
// has all the summary needs).
inline bool FixedIpHeaderRead(const Layer& l) {
  if (l.type == LayerType::kIpv4) return !l.truncated || l.length >= 20;
  return l.type == LayerType::kIpv6 && !l.truncated;
}

// The invariants of one decode of `bytes` with `options`. Returns "" when they all hold, else
// the first violation.
inline std::string CheckInvariants(std::span<const uint8_t> bytes, const DecodeOptions& options,
                                   const Packet& p) {
  auto fail = [&p](const std::string& what) { return what + " — " + Describe(p); };
  const auto layers = p.layers();
  if (layers.size() > Packet::kMaxLayers) return fail("more layers than kMaxLayers");
  if (p.stop_offset > bytes.size()) return fail("stop_offset past the end of the input");
  if (int(p.stop) > int(StopReason::kLimit)) return fail("stop reason out of range");
  if (int(p.stop_layer) >= kLayerTypeCount) return fail("stop layer out of range");
  if (TotalArraySize(p) != layers.size()) {
    return fail("header arrays hold " + std::to_string(TotalArraySize(p)) + " entries for " +
                std::to_string(layers.size()) + " layers");
  }
  size_t seen[kLayerTypeCount] = {};
  size_t end = 0;
  uint8_t depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    const bool last = i + 1 == layers.size();
    std::string at = "layer " + std::to_string(i) + ": ";
    if (int(l.type) >= kLayerTypeCount) return fail(at + "type out of range");
    if (l.length == 0) return fail(at + "empty");
    if (size_t(l.offset) + l.length > bytes.size()) return fail(at + "runs past the input");
    if (l.offset < end) return fail(at + "overlaps the layer before it (wire order)");
    end = size_t(l.offset) + l.length;
    if (l.index != seen[Slot(l.type)]++) return fail(at + "index out of wire order");
    if (l.index >= ArraySize(p, l.type)) return fail(at + "index past its header array");
    if (l.depth < depth) return fail(at + "depth decreases");
    depth = l.depth;
    if (l.depth > p.tunnel_depth) return fail(at + "deeper than tunnel_depth");
    if (quoted && !l.quoted) return fail(at + "unquoted layer after a quoted one");
    if (!quoted && l.quoted &&
        (i == 0 ||
         (layers[i - 1].type != LayerType::kIcmp && layers[i - 1].type != LayerType::kIcmpv6))) {
      return fail(at + "quoted packet not right after an ICMP or ICMPv6 header");
    }
    quoted = l.quoted;
    if (l.truncated) {
      // Nothing can follow a cut header; the cut is the capture's (truncated) or the IP
      // length's (malformed).
      if (!last) return fail(at + "a truncated layer is not the last one");
      if (p.stop != StopReason::kTruncated && p.stop != StopReason::kMalformed) {
        return fail(at + "a truncated layer but the stop reason is " + StopReasonName(p.stop));
      }
    }
    // Lengths the header values fix; not for a cut header, nor for the header a malformed or
    // unsupported stop rejected.
    const bool whole =
        !l.truncated &&
        !(last && (p.stop == StopReason::kMalformed || p.stop == StopReason::kUnsupported));
    switch (l.type) {
      case LayerType::kEthernet:
        if (!l.truncated && l.length != 14) return fail(at + "Ethernet header not 14 bytes");
        break;
      case LayerType::kLlc:
        if (whole && l.length != (p.llc[l.index].snap ? 8u : 3u)) {
          return fail(at + "LLC not 3 (SNAP 8) bytes");
        }
        break;
      case LayerType::kVlan:
        if (!l.truncated && l.length != 4) return fail(at + "VLAN tag not 4 bytes");
        if (p.vlan[l.index].id > 0x0fff || p.vlan[l.index].priority > 7) {
          return fail(at + "VLAN field out of range");
        }
        break;
      case LayerType::kMpls:
        if (!l.truncated && l.length != 4) return fail(at + "MPLS entry not 4 bytes");
        if (p.mpls[l.index].label > 0xfffff || p.mpls[l.index].traffic_class > 7) {
          return fail(at + "MPLS field out of range");
        }
        break;
      case LayerType::kPwControlWord:
        if (!l.truncated && l.length != 4) return fail(at + "control word not 4 bytes");
        break;
      case LayerType::kIpv4: {
        const Ipv4Header& h = p.ipv4[l.index];
        if (whole && (h.header_length < 20 || h.header_length != l.length)) {
          return fail(at + "IPv4 header_length disagrees with the layer or is below 20");
        }
        if (l.truncated && h.header_length >= 20 && l.length >= h.header_length) {
          return fail(at + "a truncated IPv4 header that is all there");
        }
        if (h.fragment_offset > 0x1fff || h.dscp > 63 || h.ecn > 3) {
          return fail(at + "IPv4 field out of range");
        }
        break;
      }
      case LayerType::kIpv6: {
        const Ipv6Header& h = p.ipv6[l.index];
        if (!l.truncated && l.length != 40) return fail(at + "IPv6 header not 40 bytes");
        if (l.truncated && l.length >= 40) return fail(at + "a truncated IPv6 header all there");
        if (h.flow_label > 0xfffff || h.dscp > 63 || h.ecn > 3 || h.fragment_offset > 0x1fff) {
          return fail(at + "IPv6 field out of range");
        }
        break;
      }
      case LayerType::kIpv6Extension:
        if (!l.truncated && p.ipv6_extension[l.index].length != l.length) {
          return fail(at + "IPv6 extension length disagrees with the layer");
        }
        break;
      case LayerType::kTcp: {
        const TcpHeader& h = p.tcp[l.index];
        if (whole && (h.header_length < 20 || h.header_length != l.length)) {
          return fail(at + "TCP header_length disagrees with the layer or is below 20");
        }
        if (h.header_length > 60) return fail(at + "TCP header_length beyond 60");
        if (h.flags > 0x0fff) return fail(at + "TCP flags beyond 12 bits");
        break;
      }
      case LayerType::kUdp:
        if (!l.truncated && l.length != 8) return fail(at + "UDP header not 8 bytes");
        break;
      case LayerType::kIcmp:
      case LayerType::kIcmpv6:
        if (!l.truncated && l.length != 8) return fail(at + "ICMP header not 8 bytes");
        break;
      case LayerType::kSctp:
        if (!l.truncated && l.length != 12) return fail(at + "SCTP common header not 12 bytes");
        break;
      case LayerType::kGre: {
        const GreHeader& h = p.gre[l.index];
        size_t expect = 4 + (h.has_checksum ? 4 : 0) + (h.has_key ? 4 : 0) +
                        (h.has_sequence ? 4 : 0) + (h.version == 1 && h.acknowledgment ? 4 : 0) +
                        (h.cisco_metadata ? 8 : 0);
        // The routing bit (RFC 1701) also takes 4 bytes: only check what can be told apart.
        if (whole && l.length != expect && l.length != expect + 4) {
          return fail(at + "GRE length disagrees with its flags");
        }
        break;
      }
      case LayerType::kVxlan:
        if (!l.truncated && l.length != 8) return fail(at + "VXLAN header not 8 bytes");
        if (p.vxlan[l.index].vni > 0xffffff) return fail(at + "VNI beyond 24 bits");
        break;
      case LayerType::kGeneve: {
        const GeneveHeader& h = p.geneve[l.index];
        if (!l.truncated && l.length != 8u + h.options_length) {
          return fail(at + "GENEVE length != 8 + options");
        }
        if (h.vni > 0xffffff) return fail(at + "VNI beyond 24 bits");
        break;
      }
      case LayerType::kErspan:
        if (p.erspan[l.index].session_id > 0x3ff || p.erspan[l.index].vlan > 0x0fff) {
          return fail(at + "ERSPAN field out of range");
        }
        break;
      default:
        break;
    }
  }
  if (p.tunnel_depth > options.max_tunnels) return fail("tunnel_depth beyond max_tunnels");
  if (p.tunnel_depth > depth + 1) return fail("tunnel_depth beyond the deepest layer + 1");
  if (p.vlan.size() > options.max_vlan_tags) return fail("more VLAN tags than max_vlan_tags");
  if (p.mpls.size() > options.max_mpls_labels) return fail("more MPLS labels than allowed");

  // The flow summaries: outer is the first IP header outside ICMP quotes whose fixed part was
  // read, inner the last one.
  int first_ip = -1, last_ip = -1;
  for (size_t i = 0; i < layers.size(); ++i) {
    if (FixedIpHeaderRead(layers[i]) && !layers[i].quoted) {
      if (first_ip < 0) first_ip = int(i);
      last_ip = int(i);
    }
  }
  auto check_flow = [&](const FlowSummary& f, int ip, const char* name) -> std::string {
    std::string n = name;
    if (f.present != (ip >= 0)) return n + ".present disagrees with the IP layers";
    if (!f.present) return f.has_ports || f.has_icmp ? n + " has ports or ICMP without IP" : "";
    if (f.ip_layer != ip) return n + ".ip_layer is not the " + n + " IP header";
    const Layer& l = layers[size_t(ip)];
    if (l.type == LayerType::kIpv4) {
      const Ipv4Header& h = p.ipv4[l.index];
      if (f.src.family != 4 || f.dst.family != 4) return n + " address family is not 4";
      for (size_t k = 0; k < 4; ++k) {
        if (f.src.bytes[k] != h.src[k] || f.dst.bytes[k] != h.dst[k]) {
          return n + " addresses differ from its IPv4 header";
        }
      }
      if (f.ttl != h.ttl || f.dscp != h.dscp || f.ecn != h.ecn || f.ip_length != h.total_length) {
        return n + " ttl/dscp/ecn/ip_length differ from its IPv4 header";
      }
      if (f.protocol != h.protocol) return n + ".protocol differs from its IPv4 header";
      Fragment frag = h.fragment_offset > 0 ? Fragment::kLater
                      : h.more_fragments    ? Fragment::kFirst
                                            : Fragment::kNone;
      if (f.fragment != frag) return n + ".fragment disagrees with the IPv4 header";
    } else {
      const Ipv6Header& h = p.ipv6[l.index];
      if (f.src.family != 6 || f.dst.family != 6) return n + " address family is not 6";
      if (f.src.bytes != h.src || f.dst.bytes != h.dst) {
        return n + " addresses differ from its IPv6 header";
      }
      if (f.ttl != h.hop_limit || f.dscp != h.dscp || f.ecn != h.ecn ||
          f.ip_length != 40u + h.payload_length) {
        return n + " hop limit/dscp/ecn/ip_length differ from its IPv6 header";
      }
      const bool walk_stopped =
          kOpenBugIpv6FlowAfterEarlyStop && p.stop_layer == LayerType::kIpv6Extension;
      if (f.protocol != h.protocol && !walk_stopped) {
        return n + ".protocol " + std::to_string(f.protocol) + " differs from its IPv6 header's " +
               std::to_string(h.protocol);
      }
      Fragment frag = !h.fragmented           ? Fragment::kNone
                      : h.fragment_offset > 0 ? Fragment::kLater
                      : h.more_fragments      ? Fragment::kFirst
                                              : Fragment::kNone;
      if (f.fragment != frag && !walk_stopped) {
        return n + ".fragment disagrees with the IPv6 fragment header";
      }
    }
    if (f.has_ports && f.protocol != 6 && f.protocol != 17 && f.protocol != 132) {
      return n + " has ports but protocol " + std::to_string(f.protocol);
    }
    if (f.has_icmp && f.protocol != 1 && f.protocol != 58) {
      return n + " has ICMP but protocol " + std::to_string(f.protocol);
    }
    if (f.has_ports && f.has_icmp) return n + " has both ports and ICMP";
    if (f.fragment == Fragment::kLater && (f.has_ports || f.has_icmp)) {
      return n + " is a later fragment with a transport header";
    }
    return "";
  };
  if (std::string e = check_flow(p.outer, first_ip, "outer"); !e.empty()) return fail(e);
  if (std::string e = check_flow(p.inner, last_ip, "inner"); !e.empty()) return fail(e);

  // What the options forbid.
  using Depth = DecodeOptions::Depth;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    if (options.depth == Depth::kLink && (IsIp(l.type) || l.type == LayerType::kArp)) {
      return fail("an IP or ARP layer at depth kLink");
    }
    if (options.depth != Depth::kAll && l.depth > 0) return fail("a tunnel entered below kAll");
    if (!options.decode_icmp_quotes && l.quoted) return fail("a quoted layer with quotes off");
  }
  if (options.depth == Depth::kNetwork) {
    for (const Layer& l : layers) {
      if (IsTransport(l.type)) return fail("a transport layer at depth kNetwork");
    }
  }
  return "";
}

}  // namespace cistern::proto::testing

#endif  // CISTERN_TESTS_PROTO_PACKET_INVARIANTS_H_
