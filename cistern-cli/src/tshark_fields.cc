#include "tshark_fields.h"

#include <arpa/inet.h>

#include <cstdio>
#include <string>

#include "ip_reassembly.h"

namespace cistern::cli {

using proto::Layer;
using proto::LayerType;
using proto::Packet;

enum TsharkFields::Field : uint8_t {
  kEthSrc,
  kEthDst,
  kEthType,
  kVlanId,
  kMplsLabel,
  kIpSrc,
  kIpDst,
  kIpProto,
  kIpTtl,
  kIpLen,
  kIpId,
  kIpDscp,
  kIpFlagsMf,
  kIpFragOffset,
  kIpv6Src,
  kIpv6Dst,
  kIpv6Nxt,
  kIpv6Hlim,
  kIpv6Plen,
  kTcpSrcPort,
  kTcpDstPort,
  kTcpFlags,
  kTcpWindowSizeValue,
  kTcpMss,
  kUdpSrcPort,
  kUdpDstPort,
  kUdpLength,
  kIcmpType,
  kIcmpCode,
  kIcmpv6Type,
  kIcmpv6Code,
  kGreProto,
  kVxlanVni,
  kArpOpcode,
  kFieldCount,
};

namespace {

using Field = TsharkFields::Field;

constexpr std::array<std::string_view, TsharkFields::kFieldCount> kNames = {
    "eth.src",     "eth.dst",        "eth.type",       "vlan.id",
    "mpls.label",  "ip.src",         "ip.dst",         "ip.proto",
    "ip.ttl",      "ip.len",         "ip.id",          "ip.dsfield.dscp",
    "ip.flags.mf", "ip.frag_offset", "ipv6.src",       "ipv6.dst",
    "ipv6.nxt",    "ipv6.hlim",      "ipv6.plen",      "tcp.srcport",
    "tcp.dstport", "tcp.flags",      "tcp.window_size_value", "tcp.options.mss_val",
    "udp.srcport", "udp.dstport",    "udp.length",     "icmp.type",
    "icmp.code",   "icmpv6.type",    "icmpv6.code",    "gre.proto",
    "vxlan.vni",   "arp.opcode",
};

// Appends the occurrences of one packet's fields, Wireshark-formatted, to per-field strings.
class Occurrences {
 public:
  explicit Occurrences(std::vector<std::string>& values) : values_(values) {
    for (std::string& v : values_) v.clear();
  }

  void Unsigned(Field f, uint64_t v) {
    char buf[24];
    const int n = std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
    Append(f, std::string_view(buf, static_cast<size_t>(n)));
  }
  void Hex(Field f, uint32_t v, int digits) {
    char buf[16];
    const int n = std::snprintf(buf, sizeof buf, "0x%0*x", digits, v);
    Append(f, std::string_view(buf, static_cast<size_t>(n)));
  }
  void Mac(Field f, const proto::MacAddress& m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                  m[5]);
    Append(f, std::string_view(buf, 17));
  }
  void Ipv4(Field f, const std::array<uint8_t, 4>& a) {
    char buf[16];
    const int n = std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    Append(f, std::string_view(buf, static_cast<size_t>(n)));
  }
  // RFC 5952 text, as Wireshark prints it (the same as inet_ntop for these forms).
  void Ipv6(Field f, const std::array<uint8_t, 16>& a) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
    Append(f, buf);
  }

 private:
  void Append(Field f, std::string_view text) {
    std::string& v = values_[f];
    if (!v.empty()) v.push_back(',');
    v.append(text);
  }

  std::vector<std::string>& values_;
};

// Bytes of a layer's header that were read (fields beyond them are absent).
bool Has(const Layer& layer, uint32_t end) { return layer.length >= end; }

// The final destination of an IPv4 source route (loose 131, strict 137; RFC 791): Wireshark
// shows it as ip.dst, and the header's own destination as the "current route".
const std::array<uint8_t, 4>* SourceRouteDestination(const Layer& layer,
                                                     std::span<const uint8_t> bytes) {
  if (bytes.empty() || layer.offset + layer.length > bytes.size()) return nullptr;
  const uint8_t* options = bytes.data() + layer.offset + 20;
  const uint8_t* end = bytes.data() + layer.offset + layer.length;
  for (const uint8_t* o = options; o < end;) {
    if (*o == 0) break;  // end of options
    if (*o == 1) {       // no-operation
      ++o;
      continue;
    }
    if (end - o < 2 || o[1] < 2 || o[1] > end - o) break;
    if ((*o == 131 || *o == 137) && o[1] >= 7) {
      const size_t addresses = (o[1] - 3u) / 4;
      return reinterpret_cast<const std::array<uint8_t, 4>*>(o + 3 + 4 * (addresses - 1));
    }
    o += o[1];
  }
  return nullptr;
}

void EmitLayer(const Packet& p, const Layer& layer, std::span<const uint8_t> bytes,
               uint64_t reported_length, Occurrences& o) {
  switch (layer.type) {
    case LayerType::kEthernet: {
      const proto::EthernetHeader& h = p.ethernet[layer.index];
      if (!Has(layer, 14)) return;  // Wireshark shows nothing of a cut Ethernet header
      o.Mac(TsharkFields::kEthDst, h.dst);
      o.Mac(TsharkFields::kEthSrc, h.src);
      // Wireshark takes a type of 0 as an (unknown) EtherType, not as an 802.3 length.
      if (h.type_or_length >= 0x0600 || h.type_or_length == 0) {
        o.Hex(TsharkFields::kEthType, h.type_or_length, 4);
      }
      return;
    }
    case LayerType::kVlan:
      // Wireshark dissects 802.1ad service tags (0x88a8) as ieee8021ad, whose id is not vlan.id.
      if (Has(layer, 2) && p.vlan[layer.index].tpid != 0x88a8) {
        o.Unsigned(TsharkFields::kVlanId, p.vlan[layer.index].id);
      }
      return;
    case LayerType::kMpls:
      if (Has(layer, 4)) o.Unsigned(TsharkFields::kMplsLabel, p.mpls[layer.index].label);
      return;
    case LayerType::kIpv4: {
      const proto::Ipv4Header& h = p.ipv4[layer.index];
      if (Has(layer, 2)) o.Unsigned(TsharkFields::kIpDscp, h.dscp);
      if (Has(layer, 4)) {
        // A total length of 0 (TCP segmentation offload) shows as the length on the wire.
        const uint64_t length = h.total_length != 0 || reported_length < layer.offset
                                    ? h.total_length
                                    : reported_length - layer.offset;
        o.Unsigned(TsharkFields::kIpLen, length);
      }
      if (Has(layer, 6)) o.Hex(TsharkFields::kIpId, h.id, 4);
      if (Has(layer, 8)) {
        o.Unsigned(TsharkFields::kIpFlagsMf, h.more_fragments ? 1 : 0);
        o.Unsigned(TsharkFields::kIpFragOffset, h.fragment_offset);
      }
      if (Has(layer, 9)) o.Unsigned(TsharkFields::kIpTtl, h.ttl);
      if (Has(layer, 10)) o.Unsigned(TsharkFields::kIpProto, h.protocol);
      if (Has(layer, 16)) o.Ipv4(TsharkFields::kIpSrc, h.src);
      if (Has(layer, 20)) {
        const std::array<uint8_t, 4>* final_dst =
            h.header_length > 20 ? SourceRouteDestination(layer, bytes) : nullptr;
        o.Ipv4(TsharkFields::kIpDst, final_dst != nullptr ? *final_dst : h.dst);
      }
      return;
    }
    case LayerType::kIpv6: {
      const proto::Ipv6Header& h = p.ipv6[layer.index];
      if (Has(layer, 7)) o.Unsigned(TsharkFields::kIpv6Plen, h.payload_length);
      if (Has(layer, 7)) o.Unsigned(TsharkFields::kIpv6Nxt, h.next_header);
      if (Has(layer, 8)) o.Unsigned(TsharkFields::kIpv6Hlim, h.hop_limit);
      if (Has(layer, 24)) o.Ipv6(TsharkFields::kIpv6Src, h.src);
      if (Has(layer, 40)) o.Ipv6(TsharkFields::kIpv6Dst, h.dst);
      return;
    }
    case LayerType::kTcp: {
      const proto::TcpHeader& h = p.tcp[layer.index];
      if (Has(layer, 4)) {
        o.Unsigned(TsharkFields::kTcpSrcPort, h.src_port);
        o.Unsigned(TsharkFields::kTcpDstPort, h.dst_port);
      }
      if (Has(layer, 16)) {
        o.Hex(TsharkFields::kTcpFlags, h.flags, 4);
        o.Unsigned(TsharkFields::kTcpWindowSizeValue, h.window);
      }
      if (h.has_mss) o.Unsigned(TsharkFields::kTcpMss, h.mss);
      return;
    }
    case LayerType::kUdp: {
      const proto::UdpHeader& h = p.udp[layer.index];
      if (Has(layer, 4)) {
        o.Unsigned(TsharkFields::kUdpSrcPort, h.src_port);
        o.Unsigned(TsharkFields::kUdpDstPort, h.dst_port);
      }
      if (Has(layer, 6)) o.Unsigned(TsharkFields::kUdpLength, h.length);
      return;
    }
    case LayerType::kIcmp:
      // Wireshark reads the checksum and the next 2 bytes before it adds type and code.
      if (Has(layer, 6)) {
        o.Unsigned(TsharkFields::kIcmpType, p.icmp[layer.index].type);
        o.Unsigned(TsharkFields::kIcmpCode, p.icmp[layer.index].code);
      }
      return;
    case LayerType::kIcmpv6:
      if (Has(layer, 1)) o.Unsigned(TsharkFields::kIcmpv6Type, p.icmp[layer.index].type);
      if (Has(layer, 2)) o.Unsigned(TsharkFields::kIcmpv6Code, p.icmp[layer.index].code);
      return;
    case LayerType::kGre:
      o.Hex(TsharkFields::kGreProto, p.gre[layer.index].protocol, 4);
      return;
    case LayerType::kVxlan:
      if (Has(layer, 7)) o.Unsigned(TsharkFields::kVxlanVni, p.vxlan[layer.index].vni);
      return;
    case LayerType::kArp:
      o.Unsigned(TsharkFields::kArpOpcode, p.arp[layer.index].opcode);
      return;
    default:
      return;
  }
}

}  // namespace

std::vector<std::string_view> TsharkFields::Supported() {
  return std::vector<std::string_view>(kNames.begin(), kNames.end());
}

absl::StatusOr<TsharkFields> TsharkFields::Create(std::span<const std::string> names) {
  std::vector<int> columns;
  for (const std::string& name : names) {
    int found = -1;
    for (size_t i = 0; i < kNames.size(); ++i) {
      if (kNames[i] == name) found = static_cast<int>(i);
    }
    if (found < 0) {
      std::string supported;
      for (std::string_view n : kNames) supported.append(supported.empty() ? "" : " ").append(n);
      return absl::InvalidArgumentError("unsupported field '" + name + "' (supported: " +
                                        supported + ")");
    }
    columns.push_back(found);
  }
  return TsharkFields(std::move(columns));
}

void TsharkFields::AppendLine(const Packet& packet, std::span<const uint8_t> bytes,
                              uint64_t reported_length, const Packet* reassembled,
                              std::string* out) {
  const uint64_t reassembled_length = 0;  // a reassembled datagram never has TSO lengths
  values_.resize(kFieldCount);
  Occurrences o(values_);
  const auto layers = packet.layers();
  const bool reassembling = IpReassembler::Reassembles(packet, bytes);
  for (size_t i = 0; i < layers.size(); ++i) {
    if (reassembling && i > packet.outer.ip_layer &&
        layers[i].type != LayerType::kIpv6Extension) {
      break;  // the fragment's payload waits for reassembly
    }
    EmitLayer(packet, layers[i], bytes, reported_length, o);
  }
  if (reassembled != nullptr) {
    for (const Layer& layer : reassembled->layers()) EmitLayer(*reassembled, layer, {}, reassembled_length, o);
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) out->push_back('\t');
    out->append(values_[columns_[i]]);
  }
  out->push_back('\n');
}

}  // namespace cistern::cli
