// The fields libproto reads out of each protocol header: plain values, host byte order.
//
// One struct per protocol. A Packet (packet.h) holds small fixed arrays of them, one entry per
// occurrence of the protocol in the frame (outer first), so decoding never allocates. Field names
// follow the RFCs; where a value is a bit field, the struct holds it already shifted down.
//
// Thread-compatible plain data; no pointers into the decoded bytes (offsets live in Layer).
#ifndef CISTERN_PROTO_HEADERS_H_
#define CISTERN_PROTO_HEADERS_H_

#include <array>
#include <cstdint>

namespace cistern::proto {

using MacAddress = std::array<uint8_t, 6>;

// An IPv4 or IPv6 address. `family` is 4 or 6 (0 when absent); IPv4 uses bytes[0..3].
struct IpAddress {
  uint8_t family = 0;
  std::array<uint8_t, 16> bytes{};

  bool operator==(const IpAddress&) const = default;
};

// Ethernet II or IEEE 802.3 MAC header (IEEE 802.3 clause 3). `type_or_length` is the raw field:
// an EtherType when >= 0x0600, the 802.3 length otherwise (then an Llc layer follows).
struct EthernetHeader {
  MacAddress dst{};
  MacAddress src{};
  uint16_t type_or_length = 0;
};

// IEEE 802.2 LLC, with SNAP when dsap == ssap == 0xaa (then oui/protocol_id are set).
struct LlcHeader {
  uint8_t dsap = 0;
  uint8_t ssap = 0;
  uint8_t control = 0;
  bool snap = false;
  uint32_t oui = 0;
  uint16_t protocol_id = 0;  // EtherType when oui == 0
};

// IEEE 802.1Q tag (TPID 0x8100) or 802.1ad service tag (0x88a8; also the legacy 0x9100..0x9300).
struct VlanTag {
  uint16_t tpid = 0;
  uint8_t priority = 0;   // PCP, 3 bits
  bool drop_eligible = false;
  uint16_t id = 0;        // VID, 12 bits
  uint16_t type = 0;      // the EtherType (or 802.3 length) that follows the tag
};

// One MPLS label stack entry (RFC 3032).
struct MplsEntry {
  uint32_t label = 0;     // 20 bits
  uint8_t traffic_class = 0;
  bool bottom_of_stack = false;
  uint8_t ttl = 0;
};

// Pseudowire control word (RFC 4385): first nibble 0, then flags, length, sequence number.
struct PwControlWord {
  uint8_t flags = 0;
  uint8_t length = 0;
  uint16_t sequence = 0;
};

// PPPoE session stage header (RFC 2516) and the PPP protocol field that follows it.
struct PppoeHeader {
  uint8_t version = 0;
  uint8_t type = 0;
  uint8_t code = 0;
  uint16_t session_id = 0;
  uint16_t length = 0;
  uint16_t ppp_protocol = 0;
};

// ARP (RFC 826). The addresses are filled for Ethernet/IPv4 ARP (hardware_size 6, protocol_size 4).
struct ArpHeader {
  uint16_t hardware_type = 0;
  uint16_t protocol_type = 0;
  uint8_t hardware_size = 0;
  uint8_t protocol_size = 0;
  uint16_t opcode = 0;
  MacAddress sender_mac{};
  std::array<uint8_t, 4> sender_ip{};
  MacAddress target_mac{};
  std::array<uint8_t, 4> target_ip{};
};

// IPv4 header (RFC 791). `header_length` in bytes; `fragment_offset` in 8-byte units.
struct Ipv4Header {
  uint8_t header_length = 0;
  uint8_t dscp = 0;
  uint8_t ecn = 0;
  uint16_t total_length = 0;
  uint16_t id = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  uint16_t fragment_offset = 0;
  uint8_t ttl = 0;
  uint8_t protocol = 0;
  uint16_t checksum = 0;
  std::array<uint8_t, 4> src{};
  std::array<uint8_t, 4> dst{};
};

// IPv6 fixed header (RFC 8200) and what its extension-header chain revealed. The chain itself is
// listed as Ipv6Extension layers; `protocol` is the upper-layer protocol it ends in (or the last
// next-header value seen when the walk stopped early).
struct Ipv6Header {
  uint8_t dscp = 0;
  uint8_t ecn = 0;
  uint32_t flow_label = 0;
  uint16_t payload_length = 0;
  uint8_t next_header = 0;  // the fixed header's own next-header field
  uint8_t hop_limit = 0;
  uint8_t protocol = 0;     // upper-layer protocol after the extension headers
  std::array<uint8_t, 16> src{};
  std::array<uint8_t, 16> dst{};
  // From a Fragment extension header, when present.
  bool fragmented = false;
  bool more_fragments = false;
  uint16_t fragment_offset = 0;  // 8-byte units
  uint32_t fragment_id = 0;
};

// One IPv6 extension header: hop-by-hop (0), routing (43), fragment (44), destination options
// (60), authentication (51), mobility (135), or the ESP (50) header that ends the walk.
struct Ipv6Extension {
  uint8_t type = 0;         // the next-header value that announced it
  uint8_t next_header = 0;
  uint16_t length = 0;      // bytes
  uint8_t routing_type = 0;   // routing header only
  uint8_t segments_left = 0;  // routing header only
};

// TCP header (RFC 9293) and the common options (RFC 7323, RFC 2018).
struct TcpHeader {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t header_length = 0;  // bytes
  uint16_t flags = 0;         // 12 bits: reserved(3) NS CWR ECE URG ACK PSH RST SYN FIN
  uint16_t window = 0;        // unscaled
  uint16_t checksum = 0;
  uint16_t urgent_pointer = 0;
  bool has_mss = false;
  bool has_window_scale = false;
  bool sack_permitted = false;
  bool has_timestamps = false;
  uint16_t mss = 0;
  uint8_t window_scale = 0;
  uint32_t ts_value = 0;
  uint32_t ts_echo_reply = 0;
};

enum TcpFlag : uint16_t {
  kTcpFin = 0x001,
  kTcpSyn = 0x002,
  kTcpRst = 0x004,
  kTcpPsh = 0x008,
  kTcpAck = 0x010,
  kTcpUrg = 0x020,
  kTcpEce = 0x040,
  kTcpCwr = 0x080,
  kTcpNs = 0x100,
};

struct UdpHeader {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t length = 0;
  uint16_t checksum = 0;
};

// ICMP (RFC 792) or ICMPv6 (RFC 4443). `rest` is the second 32-bit word (id/sequence, MTU,
// pointer, …). For error messages, the quoted packet follows as layers marked `quoted`.
struct IcmpHeader {
  uint8_t type = 0;
  uint8_t code = 0;
  uint16_t checksum = 0;
  uint32_t rest = 0;
};

// SCTP common header (RFC 9260).
struct SctpHeader {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t verification_tag = 0;
};

// GRE (RFC 2784, RFC 2890 key and sequence number; version 1 is PPTP's enhanced GRE, whose key
// holds payload length and call id). A Cisco MetaData header (protocol 0x8909, TrustSec) between
// GRE and its payload is read as part of the GRE layer.
struct GreHeader {
  bool has_checksum = false;
  bool has_key = false;
  bool has_sequence = false;
  bool cisco_metadata = false;
  uint8_t version = 0;
  uint16_t protocol = 0;
  uint16_t security_group_tag = 0;  // Cisco MetaData only
  uint32_t key = 0;
  uint32_t sequence = 0;
  uint32_t acknowledgment = 0;      // version 1 with the A flag
};

// PPP (RFC 1661) as carried by PPTP's GRE: only the protocol field matters here.
struct PppHeader {
  uint16_t protocol = 0;
};

// ERSPAN type II (GRE protocol 0x88be) or type III (0x22eb).
struct ErspanHeader {
  uint8_t version = 0;     // 1 = type II, 2 = type III
  uint16_t vlan = 0;
  uint8_t cos = 0;
  uint16_t session_id = 0;  // 10 bits
  uint32_t index = 0;       // type II: port index; type III: timestamp
};

// VXLAN (RFC 7348).
struct VxlanHeader {
  uint8_t flags = 0;
  uint32_t vni = 0;  // 24 bits
};

// GENEVE (RFC 8926).
struct GeneveHeader {
  uint8_t version = 0;
  uint8_t options_length = 0;  // bytes
  bool oam = false;
  bool critical = false;
  uint16_t protocol = 0;
  uint32_t vni = 0;
};

}  // namespace cistern::proto

#endif  // CISTERN_PROTO_HEADERS_H_
