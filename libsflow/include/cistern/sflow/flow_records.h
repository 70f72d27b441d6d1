// Flow records: the structures inside flow samples, expanded flow samples and discarded-packet
// samples (sFlow v5 spec section 5.3 and sflow.org's structure documents).
//
//   for (const FlowRecord& r : sample.records) {
//     if (const auto* h = std::get_if<SampledHeader>(&r.data)) Inspect(h->header.span());
//   }
//
// Each structure lists its fields once, in wire order, in `Fields` (see field_types.h). Unknown
// (enterprise, format) pairs decode to UnknownFlowRecord: kept, counted, re-encoded unchanged.
// Views point into the decoded datagram's buffer (see types.h).
#ifndef CISTERN_SFLOW_FLOW_RECORDS_H_
#define CISTERN_SFLOW_FLOW_RECORDS_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "cistern/base/byte_reader.h"
#include "cistern/base/byte_writer.h"
#include "cistern/sflow/field_types.h"
#include "cistern/sflow/types.h"

namespace cistern::sflow {

// ---- Sampled packet data (formats 1-4) ----

// sampled_header (0:1): the first bytes of the sampled packet.
struct SampledHeader {
  static constexpr uint32_t kFormat = 1;
  static constexpr std::string_view kName = "sampled_header";
  uint32_t header_protocol = 0;  // 1 Ethernet, 11 IPv4, 12 IPv6, 15 802.11 ... (SFLHeader_protocol)
  uint32_t frame_length = 0;     // original length of the packet
  uint32_t stripped = 0;         // bytes removed from the packet before header was taken
  Bytes header;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("headerProtocol", s.header_protocol);
    v("sampledPacketSize", s.frame_length);
    v("strippedBytes", s.stripped);
    v("headerBytes", s.header);
  }
  friend bool operator==(const SampledHeader&, const SampledHeader&) = default;
};

// sampled_ethernet (0:2).
struct SampledEthernet {
  static constexpr uint32_t kFormat = 2;
  static constexpr std::string_view kName = "sampled_ethernet";
  uint32_t length = 0;
  MacAddress src_mac;
  MacAddress dst_mac;
  uint32_t eth_type = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("ethernet_len", s.length);
    v("ethernet_src", s.src_mac);
    v("ethernet_dst", s.dst_mac);
    v("ethernet_type", s.eth_type);
  }
  friend bool operator==(const SampledEthernet&, const SampledEthernet&) = default;
};

// sampled_ipv4 (0:3).
struct SampledIpv4 {
  static constexpr uint32_t kFormat = 3;
  static constexpr std::string_view kName = "sampled_ipv4";
  uint32_t length = 0;
  uint32_t protocol = 0;
  Ipv4Address src_ip;
  Ipv4Address dst_ip;
  uint32_t src_port = 0;
  uint32_t dst_port = 0;
  uint32_t tcp_flags = 0;
  uint32_t tos = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("sampledPacketSize", s.length);
    v("IPProtocol", s.protocol);
    v("srcIP", s.src_ip);
    v("dstIP", s.dst_ip);
    v("srcPort", s.src_port);
    v("dstPort", s.dst_port);
    v("TCPFlags", s.tcp_flags);
    v("IPTOS", s.tos);
  }
  friend bool operator==(const SampledIpv4&, const SampledIpv4&) = default;
};

// sampled_ipv6 (0:4).
struct SampledIpv6 {
  static constexpr uint32_t kFormat = 4;
  static constexpr std::string_view kName = "sampled_ipv6";
  uint32_t length = 0;
  uint32_t protocol = 0;
  Ipv6Address src_ip;
  Ipv6Address dst_ip;
  uint32_t src_port = 0;
  uint32_t dst_port = 0;
  uint32_t tcp_flags = 0;
  uint32_t priority = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("sampledPacketSize", s.length);
    v("IPProtocol", s.protocol);
    v("srcIP6", s.src_ip);
    v("dstIP6", s.dst_ip);
    v("srcPort", s.src_port);
    v("dstPort", s.dst_port);
    v("TCPFlags", s.tcp_flags);
    v("priority", s.priority);
  }
  friend bool operator==(const SampledIpv6&, const SampledIpv6&) = default;
};

// ---- Extended data (formats 1001-1030) ----

// extended_switch (0:1001).
struct ExtendedSwitch {
  static constexpr uint32_t kFormat = 1001;
  static constexpr std::string_view kName = "extended_switch";
  uint32_t src_vlan = 0;
  uint32_t src_priority = 0;
  uint32_t dst_vlan = 0;
  uint32_t dst_priority = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("in_vlan", s.src_vlan);
    v("in_priority", s.src_priority);
    v("out_vlan", s.dst_vlan);
    v("out_priority", s.dst_priority);
  }
  friend bool operator==(const ExtendedSwitch&, const ExtendedSwitch&) = default;
};

// extended_router (0:1002).
struct ExtendedRouter {
  static constexpr uint32_t kFormat = 1002;
  static constexpr std::string_view kName = "extended_router";
  Address next_hop;
  uint32_t src_mask_len = 0;
  uint32_t dst_mask_len = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("nextHop", s.next_hop);
    v("srcSubnetMask", s.src_mask_len);
    v("dstSubnetMask", s.dst_mask_len);
  }
  friend bool operator==(const ExtendedRouter&, const ExtendedRouter&) = default;
};

// The destination AS path of extended_gateway: a counted list of segments, each
// (type: 1 = AS_SET, 2 = AS_SEQUENCE; unsigned int asns<>). A validated view: iteration cannot fail.
class AsPath {
 public:
  static constexpr uint32_t kAsSet = 1;
  static constexpr uint32_t kAsSequence = 2;
  struct Segment {
    uint32_t type = 0;
    U32List asns;
  };
  AsPath() = default;
  // `wire` holds exactly `count` well-formed segments (the decoder and encoder guarantee it).
  AsPath(uint32_t count, std::span<const uint8_t> wire) : count_(count), wire_(wire) {}
  uint32_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::span<const uint8_t> wire() const { return wire_; }

  class Iterator {
   public:
    using value_type = Segment;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(std::span<const uint8_t> rest, uint32_t left) : rest_(rest), left_(left) {}
    Segment operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.left_ == b.left_; }

   private:
    std::span<const uint8_t> rest_;
    uint32_t left_ = 0;
  };
  Iterator begin() const { return Iterator(wire_, count_); }
  Iterator end() const { return Iterator({}, 0); }

  // The first AS of the first segment (the neighbour) and the last AS of the last (the origin),
  // 0 when absent: sflowtool's dst_peer_as and dst_as.
  uint32_t FirstAs() const;
  uint32_t LastAs() const;

  // XDR codec hooks: ReadXdr validates every segment (a lying length fails, never overreads).
  static bool ReadXdr(ByteReader& r, AsPath* out);
  void WriteXdr(ByteWriter& w) const;

  friend bool operator==(const AsPath& a, const AsPath& b) {
    return a.count_ == b.count_ && std::ranges::equal(a.wire_, b.wire_);
  }

 private:
  uint32_t count_ = 0;
  std::span<const uint8_t> wire_;
};

// extended_gateway (0:1003).
struct ExtendedGateway {
  static constexpr uint32_t kFormat = 1003;
  static constexpr std::string_view kName = "extended_gateway";
  Address next_hop;
  uint32_t as = 0;
  uint32_t src_as = 0;
  uint32_t src_peer_as = 0;
  AsPath dst_as_path;
  U32List communities;
  uint32_t local_pref = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("bgp_nexthop", s.next_hop);
    v("my_as", s.as);
    v("src_as", s.src_as);
    v("src_peer_as", s.src_peer_as);
    v("dst_as_path", s.dst_as_path);
    v("BGP_communities", s.communities);
    v("BGP_localpref", s.local_pref);
  }
  friend bool operator==(const ExtendedGateway&, const ExtendedGateway&) = default;
};

// extended_user (0:1004). Charsets are IANA MIBEnum values (106 = UTF-8).
struct ExtendedUser {
  static constexpr uint32_t kFormat = 1004;
  static constexpr std::string_view kName = "extended_user";
  uint32_t src_charset = 0;
  std::string_view src_user;
  uint32_t dst_charset = 0;
  std::string_view dst_user;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("src_user_charset", s.src_charset);
    v("src_user", s.src_user);
    v("dst_user_charset", s.dst_charset);
    v("dst_user", s.dst_user);
  }
  friend bool operator==(const ExtendedUser&, const ExtendedUser&) = default;
};

// extended_url (0:1005). direction: 1 = source address, 2 = destination address.
struct ExtendedUrl {
  static constexpr uint32_t kFormat = 1005;
  static constexpr std::string_view kName = "extended_url";
  uint32_t direction = 0;
  std::string_view url;
  std::string_view host;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("url_direction", s.direction);
    v("url", s.url);
    v("host", s.host);
  }
  friend bool operator==(const ExtendedUrl&, const ExtendedUrl&) = default;
};

// extended_mpls (0:1006). Label stack entries as in RFC 3032 (label 20 bits, TC 3, S 1, TTL 8).
struct ExtendedMpls {
  static constexpr uint32_t kFormat = 1006;
  static constexpr std::string_view kName = "extended_mpls";
  Address next_hop;
  U32List in_stack;
  U32List out_stack;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("mpls_nexthop", s.next_hop);
    v("mpls_input_stack", s.in_stack);
    v("mpls_output_stack", s.out_stack);
  }
  friend bool operator==(const ExtendedMpls&, const ExtendedMpls&) = default;
};

// extended_nat (0:1007).
struct ExtendedNat {
  static constexpr uint32_t kFormat = 1007;
  static constexpr std::string_view kName = "extended_nat";
  Address src;
  Address dst;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("nat_src", s.src);
    v("nat_dst", s.dst);
  }
  friend bool operator==(const ExtendedNat&, const ExtendedNat&) = default;
};

// extended_mpls_tunnel (0:1008).
struct ExtendedMplsTunnel {
  static constexpr uint32_t kFormat = 1008;
  static constexpr std::string_view kName = "extended_mpls_tunnel";
  std::string_view lsp_name;
  uint32_t tunnel_id = 0;
  uint32_t tunnel_cos = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("mpls_tunnel_lsp_name", s.lsp_name);
    v("mpls_tunnel_id", s.tunnel_id);
    v("mpls_tunnel_cos", s.tunnel_cos);
  }
  friend bool operator==(const ExtendedMplsTunnel&, const ExtendedMplsTunnel&) = default;
};

// extended_mpls_vc (0:1009).
struct ExtendedMplsVc {
  static constexpr uint32_t kFormat = 1009;
  static constexpr std::string_view kName = "extended_mpls_vc";
  std::string_view vc_instance_name;
  uint32_t vll_vc_id = 0;
  uint32_t vc_label_cos = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("mpls_vc_name", s.vc_instance_name);
    v("mpls_vll_vc_id", s.vll_vc_id);
    v("mpls_vc_cos", s.vc_label_cos);
  }
  friend bool operator==(const ExtendedMplsVc&, const ExtendedMplsVc&) = default;
};

// extended_mpls_FTN (0:1010).
struct ExtendedMplsFtn {
  static constexpr uint32_t kFormat = 1010;
  static constexpr std::string_view kName = "extended_mpls_ftn";
  std::string_view description;
  uint32_t mask = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("mpls_ftn_descr", s.description);
    v("mpls_ftn_mask", s.mask);
  }
  friend bool operator==(const ExtendedMplsFtn&, const ExtendedMplsFtn&) = default;
};

// extended_mpls_LDP_FEC (0:1011).
struct ExtendedMplsLdpFec {
  static constexpr uint32_t kFormat = 1011;
  static constexpr std::string_view kName = "extended_mpls_ldp_fec";
  uint32_t prefix_length = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("mpls_fec_addr_prefix_len", s.prefix_length);
  }
  friend bool operator==(const ExtendedMplsLdpFec&, const ExtendedMplsLdpFec&) = default;
};

// extended_vlantunnel (0:1012): stripped 802.1Q TPID/TCI pairs, outermost first.
struct ExtendedVlanTunnel {
  static constexpr uint32_t kFormat = 1012;
  static constexpr std::string_view kName = "extended_vlan_tunnel";
  U32List stack;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("vlan_tunnel", s.stack);
  }
  friend bool operator==(const ExtendedVlanTunnel&, const ExtendedVlanTunnel&) = default;
};

// extended_80211_payload (0:1013): cipher suite, then an unencrypted sampled_header.
struct Extended80211Payload {
  static constexpr uint32_t kFormat = 1013;
  static constexpr std::string_view kName = "extended_80211_payload";
  uint32_t cipher_suite = 0;
  SampledHeader header;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("cipher_suite", s.cipher_suite);
    v("header", s.header);
  }
  friend bool operator==(const Extended80211Payload&, const Extended80211Payload&) = default;
};

// extended_80211_rx (0:1014).
struct Extended80211Rx {
  static constexpr uint32_t kFormat = 1014;
  static constexpr std::string_view kName = "extended_80211_rx";
  std::string_view ssid;
  MacAddress bssid;
  uint32_t version = 0;
  uint32_t channel = 0;
  uint64_t speed = 0;
  uint32_t rsni = 0;
  uint32_t rcpi = 0;
  uint32_t packet_duration_us = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("rx_SSID", s.ssid);
    v("rx_BSSID", s.bssid);
    v("rx_version", s.version);
    v("rx_channel", s.channel);
    v("rx_speed", s.speed);
    v("rx_rsni", s.rsni);
    v("rx_rcpi", s.rcpi);
    v("rx_packet_uS", s.packet_duration_us);
  }
  friend bool operator==(const Extended80211Rx&, const Extended80211Rx&) = default;
};

// extended_80211_tx (0:1015).
struct Extended80211Tx {
  static constexpr uint32_t kFormat = 1015;
  static constexpr std::string_view kName = "extended_80211_tx";
  std::string_view ssid;
  MacAddress bssid;
  uint32_t version = 0;
  uint32_t transmissions = 0;
  uint32_t packet_duration_us = 0;
  uint32_t retrans_duration_us = 0;
  uint32_t channel = 0;
  uint64_t speed = 0;
  uint32_t power_mw = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("tx_SSID", s.ssid);
    v("tx_BSSID", s.bssid);
    v("tx_version", s.version);
    v("tx_transmissions", s.transmissions);
    v("tx_packet_uS", s.packet_duration_us);
    v("tx_retrans_uS", s.retrans_duration_us);
    v("tx_channel", s.channel);
    v("tx_speed", s.speed);
    v("tx_power_mW", s.power_mw);
  }
  friend bool operator==(const Extended80211Tx&, const Extended80211Tx&) = default;
};

// The PDUs of extended_80211_aggregation (0:1016): `pdu pdus<>`, each PDU a `flow_record
// records<>` describing one frame of an aggregate. A validated view: the framing of every PDU and
// record (counts, lengths) is checked when decoded, so iteration cannot fail; the records' contents
// are decoded on demand with DecodeFlowRecords() (codec.h).
class PduList {
 public:
  struct Pdu {
    uint32_t record_count = 0;
    std::span<const uint8_t> records;  // record_count records: tag, length, body
  };
  PduList() = default;
  // `wire` holds exactly `count` well-framed PDUs (ReadXdr guarantees it).
  PduList(uint32_t count, std::span<const uint8_t> wire) : count_(count), wire_(wire) {}
  uint32_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::span<const uint8_t> wire() const { return wire_; }

  class Iterator {
   public:
    using value_type = Pdu;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(std::span<const uint8_t> rest, uint32_t left) : rest_(rest), left_(left) {}
    Pdu operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.left_ == b.left_; }

   private:
    std::span<const uint8_t> rest_;
    uint32_t left_ = 0;
  };
  Iterator begin() const { return Iterator(wire_, count_); }
  Iterator end() const { return Iterator({}, 0); }

  static bool ReadXdr(ByteReader& r, PduList* out);
  void WriteXdr(ByteWriter& w) const;

  friend bool operator==(const PduList& a, const PduList& b) {
    return a.count_ == b.count_ && std::ranges::equal(a.wire_, b.wire_);
  }

 private:
  uint32_t count_ = 0;
  std::span<const uint8_t> wire_;
};

// extended_80211_aggregation (0:1016).
struct Extended80211Aggregation {
  static constexpr uint32_t kFormat = 1016;
  static constexpr std::string_view kName = "extended_80211_aggregation";
  PduList pdus;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("pdus", s.pdus);
  }
  friend bool operator==(const Extended80211Aggregation&,
                         const Extended80211Aggregation&) = default;
};

// extended_nat_port (0:1020).
struct ExtendedNatPort {
  static constexpr uint32_t kFormat = 1020;
  static constexpr std::string_view kName = "extended_nat_port";
  uint32_t src_port = 0;
  uint32_t dst_port = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("nat_src_port", s.src_port);
    v("nat_dst_port", s.dst_port);
  }
  friend bool operator==(const ExtendedNatPort&, const ExtendedNatPort&) = default;
};

// Tunnel structures (sflow.org sflow_tunnels.txt, 0:1021-1030): the outer/inner headers reuse
// sampled_ethernet / sampled_ipv4 / sampled_ipv6. kPrefix is the prefix sflowtool puts on the keys.
#define CISTERN_SFLOW_TUNNEL_RECORD(Type, Base, format, name, prefix)          \
  struct Type : Base {                                                         \
    static constexpr uint32_t kFormat = format;                                \
    static constexpr std::string_view kName = name;                            \
    static constexpr std::string_view kPrefix = prefix;                        \
    friend bool operator==(const Type&, const Type&) = default;                \
  }
CISTERN_SFLOW_TUNNEL_RECORD(ExtendedL2TunnelEgress, SampledEthernet, 1021,
                            "extended_l2_tunnel_egress", "tunnel_l2_out_");
CISTERN_SFLOW_TUNNEL_RECORD(ExtendedL2TunnelIngress, SampledEthernet, 1022,
                            "extended_l2_tunnel_ingress", "tunnel_l2_in_");
CISTERN_SFLOW_TUNNEL_RECORD(ExtendedIpv4TunnelEgress, SampledIpv4, 1023,
                            "extended_ipv4_tunnel_egress", "tunnel_ipv4_out_");
CISTERN_SFLOW_TUNNEL_RECORD(ExtendedIpv4TunnelIngress, SampledIpv4, 1024,
                            "extended_ipv4_tunnel_ingress", "tunnel_ipv4_in_");
CISTERN_SFLOW_TUNNEL_RECORD(ExtendedIpv6TunnelEgress, SampledIpv6, 1025,
                            "extended_ipv6_tunnel_egress", "tunnel_ipv6_out_");
CISTERN_SFLOW_TUNNEL_RECORD(ExtendedIpv6TunnelIngress, SampledIpv6, 1026,
                            "extended_ipv6_tunnel_ingress", "tunnel_ipv6_in_");
#undef CISTERN_SFLOW_TUNNEL_RECORD

// extended_decapsulate_egress/ingress (0:1027/1028): offset of the inner header in sampled_header.
struct ExtendedDecapEgress {
  static constexpr uint32_t kFormat = 1027;
  static constexpr std::string_view kName = "extended_decapsulate_egress";
  static constexpr std::string_view kPrefix = "out_";
  uint32_t inner_header_offset = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("decap_inner_header_offset", s.inner_header_offset);
  }
  friend bool operator==(const ExtendedDecapEgress&, const ExtendedDecapEgress&) = default;
};
struct ExtendedDecapIngress : ExtendedDecapEgress {
  static constexpr uint32_t kFormat = 1028;
  static constexpr std::string_view kName = "extended_decapsulate_ingress";
  static constexpr std::string_view kPrefix = "in_";
  friend bool operator==(const ExtendedDecapIngress&, const ExtendedDecapIngress&) = default;
};

// extended_vni_egress/ingress (0:1029/1030): VXLAN/GENEVE virtual network identifier.
struct ExtendedVniEgress {
  static constexpr uint32_t kFormat = 1029;
  static constexpr std::string_view kName = "extended_vni_egress";
  static constexpr std::string_view kPrefix = "out_";
  uint32_t vni = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("VNI", s.vni);
  }
  friend bool operator==(const ExtendedVniEgress&, const ExtendedVniEgress&) = default;
};
struct ExtendedVniIngress : ExtendedVniEgress {
  static constexpr uint32_t kFormat = 1030;
  static constexpr std::string_view kName = "extended_vni_ingress";
  static constexpr std::string_view kPrefix = "in_";
  friend bool operator==(const ExtendedVniIngress&, const ExtendedVniIngress&) = default;
};

// ---- Dropped-packet extensions (sflow.org sflow_drops.txt, 0:1036-1042) ----

// A structure of a single field, for the many one-value extensions.
#define CISTERN_SFLOW_ONE_FIELD_RECORD(Type, FieldType, member, format, name, key) \
  struct Type {                                                                      \
    static constexpr uint32_t kFormat = format;                                      \
    static constexpr std::string_view kName = name;                                  \
    FieldType member{};                                                              \
    template <class Self, class V>                                                   \
    static void Fields(Self& s, V&& v) {                                             \
      v(key, s.member);                                                              \
    }                                                                                \
    friend bool operator==(const Type&, const Type&) = default;                      \
  }
CISTERN_SFLOW_ONE_FIELD_RECORD(ExtendedEgressQueue, uint32_t, queue, 1036, "extended_egress_queue",
                               "egress_queue_id");
CISTERN_SFLOW_ONE_FIELD_RECORD(ExtendedFunction, std::string_view, symbol, 1038,
                               "extended_function", "symbol");
CISTERN_SFLOW_ONE_FIELD_RECORD(ExtendedTransit, uint32_t, delay_ns, 1039, "extended_transit",
                               "transit_delay_nS");
CISTERN_SFLOW_ONE_FIELD_RECORD(ExtendedQueue, uint32_t, depth_bytes, 1040, "extended_queue",
                               "queue_depth_bytes");
CISTERN_SFLOW_ONE_FIELD_RECORD(ExtendedLinuxDropReason, std::string_view, reason, 1042,
                               "extended_linux_drop_reason", "linux_drop_reason");

// extended_hw_trap (0:1041).
struct ExtendedHwTrap {
  static constexpr uint32_t kFormat = 1041;
  static constexpr std::string_view kName = "extended_hw_trap";
  std::string_view group;
  std::string_view trap;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("hw_trap_group", s.group);
    v("hw_trap_name", s.trap);
  }
  friend bool operator==(const ExtendedHwTrap&, const ExtendedHwTrap&) = default;
};

// extended_timestamp (0:1043): when the packet was sampled, nanoseconds since the Unix epoch (UTC).
CISTERN_SFLOW_ONE_FIELD_RECORD(ExtendedTimestamp, uint64_t, nanoseconds, 1043, "extended_timestamp",
                               "timestamp_nS");

// ---- Application and host structures (0:2100-2210) ----

// extended_socket_ipv4 (0:2100) and extended_proxy_socket_ipv4 (0:2102).
struct ExtendedSocketIpv4 {
  static constexpr uint32_t kFormat = 2100;
  static constexpr std::string_view kName = "extended_socket_ipv4";
  static constexpr std::string_view kPrefix = "socket4_";
  uint32_t protocol = 0;
  Ipv4Address local_ip;
  Ipv4Address remote_ip;
  uint32_t local_port = 0;
  uint32_t remote_port = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("ip_protocol", s.protocol);
    v("local_ip", s.local_ip);
    v("remote_ip", s.remote_ip);
    v("local_port", s.local_port);
    v("remote_port", s.remote_port);
  }
  friend bool operator==(const ExtendedSocketIpv4&, const ExtendedSocketIpv4&) = default;
};
struct ExtendedProxySocketIpv4 : ExtendedSocketIpv4 {
  static constexpr uint32_t kFormat = 2102;
  static constexpr std::string_view kName = "extended_proxy_socket_ipv4";
  static constexpr std::string_view kPrefix = "proxy_socket4_";
  friend bool operator==(const ExtendedProxySocketIpv4&, const ExtendedProxySocketIpv4&) = default;
};

// extended_socket_ipv6 (0:2101) and extended_proxy_socket_ipv6 (0:2103).
struct ExtendedSocketIpv6 {
  static constexpr uint32_t kFormat = 2101;
  static constexpr std::string_view kName = "extended_socket_ipv6";
  static constexpr std::string_view kPrefix = "socket6_";
  uint32_t protocol = 0;
  Ipv6Address local_ip;
  Ipv6Address remote_ip;
  uint32_t local_port = 0;
  uint32_t remote_port = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("ip_protocol", s.protocol);
    v("local_ip", s.local_ip);
    v("remote_ip", s.remote_ip);
    v("local_port", s.local_port);
    v("remote_port", s.remote_port);
  }
  friend bool operator==(const ExtendedSocketIpv6&, const ExtendedSocketIpv6&) = default;
};
struct ExtendedProxySocketIpv6 : ExtendedSocketIpv6 {
  static constexpr uint32_t kFormat = 2103;
  static constexpr std::string_view kName = "extended_proxy_socket_ipv6";
  static constexpr std::string_view kPrefix = "proxy_socket6_";
  friend bool operator==(const ExtendedProxySocketIpv6&, const ExtendedProxySocketIpv6&) = default;
};

// memcache_operation (0:2200).
struct SampledMemcache {
  static constexpr uint32_t kFormat = 2200;
  static constexpr std::string_view kName = "memcache_operation";
  uint32_t protocol = 0;
  uint32_t command = 0;
  std::string_view key;
  uint32_t nkeys = 0;
  uint32_t value_bytes = 0;
  uint32_t duration_us = 0;
  uint32_t status = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("memcache_op_protocol", s.protocol);
    v("memcache_op_cmd", s.command);
    v("memcache_op_key", s.key);
    v("memcache_op_nkeys", s.nkeys);
    v("memcache_op_value_bytes", s.value_bytes);
    v("memcache_op_duration_uS", s.duration_us);
    v("memcache_op_status", s.status);
  }
  friend bool operator==(const SampledMemcache&, const SampledMemcache&) = default;
};

// http_request, first revision (0:2201): no X-Forwarded-For, no request bytes.
struct SampledHttpV1 {
  static constexpr uint32_t kFormat = 2201;
  static constexpr std::string_view kName = "http_request_v1";
  uint32_t method = 0;  // 0 other, 1 OPTIONS, 2 GET, 3 HEAD, 4 POST, 5 PUT, 6 DELETE, 7 TRACE, 8 CONNECT
  uint32_t protocol = 0;  // 1001 = HTTP/1.1
  std::string_view uri;
  std::string_view host;
  std::string_view referrer;
  std::string_view user_agent;
  std::string_view auth_user;
  std::string_view mime_type;
  uint64_t resp_bytes = 0;
  uint32_t duration_us = 0;
  uint32_t status = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("http_method", s.method);
    v("http_protocol", s.protocol);
    v("http_uri", s.uri);
    v("http_host", s.host);
    v("http_referrer", s.referrer);
    v("http_useragent", s.user_agent);
    v("http_authuser", s.auth_user);
    v("http_mimetype", s.mime_type);
    v("http_bytes", s.resp_bytes);
    v("http_duration_uS", s.duration_us);
    v("http_status", s.status);
  }
  friend bool operator==(const SampledHttpV1&, const SampledHttpV1&) = default;
};

// http_request (0:2206).
struct SampledHttp {
  static constexpr uint32_t kFormat = 2206;
  static constexpr std::string_view kName = "http_request";
  uint32_t method = 0;
  uint32_t protocol = 0;
  std::string_view uri;
  std::string_view host;
  std::string_view referrer;
  std::string_view user_agent;
  std::string_view xff;
  std::string_view auth_user;
  std::string_view mime_type;
  uint64_t req_bytes = 0;
  uint64_t resp_bytes = 0;
  uint32_t duration_us = 0;
  uint32_t status = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("http_method", s.method);
    v("http_protocol", s.protocol);
    v("http_uri", s.uri);
    v("http_host", s.host);
    v("http_referrer", s.referrer);
    v("http_useragent", s.user_agent);
    v("http_xff", s.xff);
    v("http_authuser", s.auth_user);
    v("http_mimetype", s.mime_type);
    v("http_request_bytes", s.req_bytes);
    v("http_bytes", s.resp_bytes);
    v("http_duration_uS", s.duration_us);
    v("http_status", s.status);
  }
  friend bool operator==(const SampledHttp&, const SampledHttp&) = default;
};

// app_operation (0:2202). status: 0 SUCCESS, 1 OTHER, 2 TIMEOUT, ... 10 UNAUTHORIZED.
struct SampledAppOperation {
  static constexpr uint32_t kFormat = 2202;
  static constexpr std::string_view kName = "app_operation";
  std::string_view application;
  std::string_view operation;
  std::string_view attributes;
  std::string_view status_descr;
  uint64_t req_bytes = 0;
  uint64_t resp_bytes = 0;
  uint32_t duration_us = 0;
  uint32_t status = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("application", s.application);
    v("operation", s.operation);
    v("attributes", s.attributes);
    v("status_descr", s.status_descr);
    v("request_bytes", s.req_bytes);
    v("response_bytes", s.resp_bytes);
    v("duration_uS", s.duration_us);
    v("status", s.status);
  }
  friend bool operator==(const SampledAppOperation&, const SampledAppOperation&) = default;
};

// app_parent_context (0:2203).
struct SampledAppParentContext {
  static constexpr uint32_t kFormat = 2203;
  static constexpr std::string_view kName = "app_parent_context";
  std::string_view application;
  std::string_view operation;
  std::string_view attributes;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("server_context_application", s.application);
    v("server_context_operation", s.operation);
    v("server_context_attributes", s.attributes);
  }
  friend bool operator==(const SampledAppParentContext&, const SampledAppParentContext&) = default;
};

CISTERN_SFLOW_ONE_FIELD_RECORD(SampledAppInitiator, std::string_view, actor, 2204,
                               "app_initiator", "actor_initiator");
CISTERN_SFLOW_ONE_FIELD_RECORD(SampledAppTarget, std::string_view, actor, 2205, "app_target",
                               "actor_target");

// extended_proxy_request (0:2207): the request a proxy forwarded (sflow_http.txt).
struct ExtendedProxyRequest {
  static constexpr uint32_t kFormat = 2207;
  static constexpr std::string_view kName = "extended_proxy_request";
  std::string_view uri;
  std::string_view host;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("proxy_request_uri", s.uri);
    v("proxy_request_host", s.host);
  }
  friend bool operator==(const ExtendedProxyRequest&, const ExtendedProxyRequest&) = default;
};

// extended_nav_timing (0:2208): W3C Navigation Timing of a page load, milliseconds.
struct ExtendedNavTiming {
  static constexpr uint32_t kFormat = 2208;
  static constexpr std::string_view kName = "extended_nav_timing";
  uint32_t type = 0;
  uint32_t redirect_count = 0;
  uint32_t navigation_start = 0;
  uint32_t unload_event_start = 0;
  uint32_t unload_event_end = 0;
  uint32_t redirect_start = 0;
  uint32_t redirect_end = 0;
  uint32_t fetch_start = 0;
  uint32_t domain_lookup_start = 0;
  uint32_t domain_lookup_end = 0;
  uint32_t connect_start = 0;
  uint32_t connect_end = 0;
  uint32_t secure_connection_start = 0;
  uint32_t request_start = 0;
  uint32_t response_start = 0;
  uint32_t response_end = 0;
  uint32_t dom_loading = 0;
  uint32_t dom_interactive = 0;
  uint32_t dom_content_loaded_event_start = 0;
  uint32_t dom_content_loaded_event_end = 0;
  uint32_t dom_complete = 0;
  uint32_t load_event_start = 0;
  uint32_t load_event_end = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("nav_type", s.type);
    v("nav_redirectCount", s.redirect_count);
    v("nav_navigationStart", s.navigation_start);
    v("nav_unloadEventStart", s.unload_event_start);
    v("nav_unloadEventEnd", s.unload_event_end);
    v("nav_redirectStart", s.redirect_start);
    v("nav_redirectEnd", s.redirect_end);
    v("nav_fetchStart", s.fetch_start);
    v("nav_domainLookupStart", s.domain_lookup_start);
    v("nav_domainLookupEnd", s.domain_lookup_end);
    v("nav_connectStart", s.connect_start);
    v("nav_connectEnd", s.connect_end);
    v("nav_secureConnectionStart", s.secure_connection_start);
    v("nav_requestStart", s.request_start);
    v("nav_responseStart", s.response_start);
    v("nav_responseEnd", s.response_end);
    v("nav_domLoading", s.dom_loading);
    v("nav_domInteractive", s.dom_interactive);
    v("nav_domContentLoadedEventStart", s.dom_content_loaded_event_start);
    v("nav_domContentLoadedEventEnd", s.dom_content_loaded_event_end);
    v("nav_domComplete", s.dom_complete);
    v("nav_loadEventStart", s.load_event_start);
    v("nav_loadEventEnd", s.load_event_end);
  }
  friend bool operator==(const ExtendedNavTiming&, const ExtendedNavTiming&) = default;
};

// extended_tcp_info (0:2209), after Linux struct tcp_info. direction: 0 unknown, 1 received, 2 sent.
struct ExtendedTcpInfo {
  static constexpr uint32_t kFormat = 2209;
  static constexpr std::string_view kName = "extended_tcp_info";
  uint32_t direction = 0;
  uint32_t snd_mss = 0;
  uint32_t rcv_mss = 0;
  uint32_t unacked = 0;
  uint32_t lost = 0;
  uint32_t retrans = 0;
  uint32_t pmtu = 0;
  uint32_t rtt_us = 0;
  uint32_t rttvar_us = 0;
  uint32_t snd_cwnd = 0;
  uint32_t reordering = 0;
  uint32_t min_rtt_us = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("tcpinfo_direction", s.direction);
    v("tcpinfo_send_mss", s.snd_mss);
    v("tcpinfo_receive_mss", s.rcv_mss);
    v("tcpinfo_unacked_pkts", s.unacked);
    v("tcpinfo_lost_pkts", s.lost);
    v("tcpinfo_retrans_pkts", s.retrans);
    v("tcpinfo_path_mtu", s.pmtu);
    v("tcpinfo_rtt_uS", s.rtt_us);
    v("tcpinfo_rtt_uS_var", s.rttvar_us);
    v("tcpinfo_send_congestion_win", s.snd_cwnd);
    v("tcpinfo_reordering", s.reordering);
    v("tcpinfo_rtt_uS_min", s.min_rtt_us);
  }
  friend bool operator==(const ExtendedTcpInfo&, const ExtendedTcpInfo&) = default;
};

// extended_entities (0:2210): data sources of the packet's source and destination.
struct ExtendedEntities {
  static constexpr uint32_t kFormat = 2210;
  static constexpr std::string_view kName = "extended_entities";
  uint32_t src_class = 0;
  uint32_t src_index = 0;
  uint32_t dst_class = 0;
  uint32_t dst_index = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("entities_src_class", s.src_class);
    v("entities_src_index", s.src_index);
    v("entities_dst_class", s.dst_class);
    v("entities_dst_index", s.dst_index);
  }
  friend bool operator==(const ExtendedEntities&, const ExtendedEntities&) = default;
};

#undef CISTERN_SFLOW_ONE_FIELD_RECORD

// Any flow record this library does not know: kept as its tag and bytes.
struct UnknownFlowRecord {
  static constexpr std::string_view kName = "unknown";
  Bytes body;
  friend bool operator==(const UnknownFlowRecord&, const UnknownFlowRecord&) = default;
};

using FlowRecordData =
    std::variant<UnknownFlowRecord, SampledHeader, SampledEthernet, SampledIpv4, SampledIpv6,
                 ExtendedSwitch, ExtendedRouter, ExtendedGateway, ExtendedUser, ExtendedUrl,
                 ExtendedMpls, ExtendedNat, ExtendedMplsTunnel, ExtendedMplsVc, ExtendedMplsFtn,
                 ExtendedMplsLdpFec, ExtendedVlanTunnel, Extended80211Payload, Extended80211Rx,
                 Extended80211Tx, Extended80211Aggregation, ExtendedNatPort, ExtendedL2TunnelEgress,
                 ExtendedL2TunnelIngress, ExtendedIpv4TunnelEgress, ExtendedIpv4TunnelIngress,
                 ExtendedIpv6TunnelEgress, ExtendedIpv6TunnelIngress, ExtendedDecapEgress,
                 ExtendedDecapIngress, ExtendedVniEgress, ExtendedVniIngress, ExtendedEgressQueue,
                 ExtendedFunction, ExtendedTransit, ExtendedQueue, ExtendedHwTrap,
                 ExtendedLinuxDropReason, ExtendedTimestamp, ExtendedSocketIpv4, ExtendedSocketIpv6,
                 ExtendedProxySocketIpv4, ExtendedProxySocketIpv6, SampledMemcache, SampledHttpV1,
                 SampledAppOperation, SampledAppParentContext, SampledAppInitiator,
                 SampledAppTarget, SampledHttp, ExtendedProxyRequest, ExtendedNavTiming,
                 ExtendedTcpInfo, ExtendedEntities>;

// One flow record: its tag, its decoded content, and any bytes its length covered beyond the
// known fields (a later revision of the structure; kept so that re-encoding is exact).
struct FlowRecord {
  Tag tag;
  FlowRecordData data;
  Bytes trailing;
  // The record's body as received (set by the decoder, empty for records built by hand). Agents
  // may leave non-zero bytes in XDR padding; the encoder copies them back from here so that a
  // decoded datagram re-encodes to its exact bytes. Not part of the record's value (==).
  Bytes wire;
  friend bool operator==(const FlowRecord& a, const FlowRecord& b) {
    return a.tag == b.tag && a.data == b.data && a.trailing == b.trailing;
  }
};

}  // namespace cistern::sflow

#endif  // CISTERN_SFLOW_FLOW_RECORDS_H_
