// sflowtool's sampled-header decode, step by step as sflowtool.c 6.11 takes it. Names in comments
// (`ptr`, `end`, decodeLinkLayer, ...) are sflowtool's. libproto reads the header fields; the
// functions here decide, as sflowtool does, which headers are read, where, and which keys print.
#include "sflowtool_header.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>

#include "cistern/proto/decoder.h"
#include "sflowtool_text.h"

namespace cistern::cli {
namespace {

// headerProtocol values (sFlow v5 SFLHeader_protocol) that sflowtool decodes.
constexpr uint32_t kHeaderEthernet = 1;    // ETHERNET_ISO8023
constexpr uint32_t kHeaderIpv4 = 11;       // IPv4
constexpr uint32_t kHeaderIpv6 = 12;       // IPv6
constexpr uint32_t kHeaderIeee80211 = 15;  // IEEE80211MAC

constexpr int64_t kEthernetHeaderSize = 14;  // NFT_ETHHDR_SIZ
constexpr int64_t kIpv4HeaderSize = 20;      // sizeof(struct myiphdr)
constexpr int64_t kIpv6HeaderSize = 40;      // sizeof(struct myip6hdr)
constexpr int64_t kMinTransportBytes = 8;    // decodeIPLayer4: `ptr > end - 8` gives up
constexpr int64_t kTcpHeaderSize = 20;       // sizeof(struct mytcphdr), what it copies for TCP
constexpr int64_t kWifiHeaderSize = 24;      // WIFI_MIN_HDR_SIZ
constexpr uint16_t kMax8023Length = 1500;    // NFT_MAX_8023_LEN
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint8_t kProtocolIcmp = 1;
constexpr uint8_t kProtocolTcp = 6;
constexpr uint8_t kProtocolUdp = 17;

class NullSink : public SflowtoolKeySink {
 public:
  void Number(std::string_view, int64_t) override {}
  void Text(std::string_view, std::string_view) override {}
};

// The sampled header as sflowtool's pointers see it. `size()` is headerLen (`end - start`), but
// several of sflowtool's reads go past `end`: those read the bytes that follow the header in the
// datagram (XDR padding, then the next record). Past the datagram sflowtool reads whatever its
// receive buffer held before, which is undefined; here it reads zeros.
class HeaderView {
 public:
  HeaderView(std::span<const uint8_t> header, std::span<const uint8_t> datagram)
      : size_(static_cast<int64_t>(header.size())), readable_(header) {
    const std::less_equal<const uint8_t*> at_or_before;
    const uint8_t* datagram_end = datagram.data() + datagram.size();
    if (!datagram.empty() && at_or_before(datagram.data(), header.data()) &&
        at_or_before(header.data() + header.size(), datagram_end)) {
      readable_ = std::span(header.data(), datagram_end);
    }
  }

  int64_t size() const { return size_; }

  // The header and the datagram bytes after it: everything sflowtool can read here.
  std::span<const uint8_t> readable() const { return readable_; }

  uint8_t At(int64_t offset) const {
    return offset >= 0 && offset < static_cast<int64_t>(readable_.size())
               ? readable_[static_cast<size_t>(offset)]
               : 0;
  }

  // The `N` bytes at `offset`, as sflowtool's memcpy of a header struct reads them.
  template <size_t N>
  std::array<uint8_t, N> Copy(int64_t offset) const {
    std::array<uint8_t, N> bytes;
    for (size_t i = 0; i < N; ++i) bytes[i] = At(offset + static_cast<int64_t>(i));
    return bytes;
  }

 private:
  int64_t size_;
  std::span<const uint8_t> readable_;
};

// The EtherTypes sflowtool's decodeLinkLayer takes for an 802.1Q/802.1ad tag.
bool IsVlanTpid(uint16_t type) {
  return type == 0x8100 || type == 0x88a8 || type == 0x9100 || type == 0x9200 || type == 0x9300;
}

// The IPv6 extension headers sflowtool's decodeIPV6 skips: hop-by-hop, routing, fragment, AH and
// destination options. ESP, mobility and anything else end the walk and become IPProtocol.
bool IsSkippedIpv6Extension(uint32_t next_header) {
  return next_header == 0 || next_header == 43 || next_header == 44 || next_header == 51 ||
         next_header == 60;
}

// sflowtool prints the IPv4 identification field without ntohs(): on the little-endian hosts it
// runs on, the value comes out byte-swapped (bytes AB 4E print as 20139, 0x4EAB).
uint32_t IpIdAsSflowtoolPrintsIt(uint16_t id) {
  return static_cast<uint16_t>((id >> 8) | (id << 8));
}

// The IPv4 TOS byte and IPv6 traffic class, which libproto splits into DSCP and ECN.
uint32_t TrafficClass(uint8_t dscp, uint8_t ecn) { return (uint32_t{dscp} << 2) | ecn; }

ShortText OuiText(const std::array<uint8_t, 3>& oui) {  // sflowtool's printOUI: "00-00-0C"
  ShortText t;
  for (size_t i = 0; i < oui.size(); ++i) {
    if (i) t.Push('-');
    t.PushHexByte(oui[i], /*upper=*/true);
  }
  return t;
}

class SflowtoolHeaderDecoder {
 public:
  SflowtoolHeaderDecoder(const HeaderView& bytes, SflowtoolSampleState& state,
                         SflowtoolKeySink& keys)
      : bytes_(bytes), state_(state), keys_(keys) {}

  // readFlowSample_header, after "headerBytes".
  void Run(const sflow::SampledHeader& header) {
    state_.sampled_packet_size = header.frame_length;
    state_.stripped = header.stripped;
    switch (header.header_protocol) {
      case kHeaderEthernet:
        DecodeLinkLayer();
        break;
      case kHeaderIpv4:
        state_.got_ipv4 = true;
        state_.offset_to_ipv4 = 0;
        break;
      case kHeaderIpv6:
        state_.got_ipv6 = true;
        state_.offset_to_ipv6 = 0;
        break;
      case kHeaderIeee80211:
        Decode80211Mac();
        break;
      default:
        // Other protocols are not decoded, and the got-IP flags are not cleared either: if an
        // earlier header of the same sample found IP, its decode is redone on these bytes.
        break;
    }
    // IPSize is printed before decodeIPV4/6 check that the IP header is there.
    if (state_.got_ipv4) {
      keys_.Number("IPSize", IpSizeAsSflowtool(state_, state_.offset_to_ipv4));
      DecodeIpv4();
    } else if (state_.got_ipv6) {
      keys_.Number("IPSize", IpSizeAsSflowtool(state_, state_.offset_to_ipv6));
      DecodeIpv6();
    }
  }

 private:
  // sflowtool's bounds checks compare `end - ptr` with a constant in one of two ways. Against an
  // int (`(end - ptr) < 4`) the comparison is signed. Against sizeof(struct ...) the signed
  // difference converts to size_t, so once `ptr` has run past `end` (after a peek beyond the
  // header) the check passes, and sflowtool reads the whole struct from the bytes that follow.
  bool HasBytesLeft(int64_t offset, int64_t n) const { return bytes_.size() - offset >= n; }
  bool PassesSizeofCheck(int64_t offset, int64_t n) const {
    return static_cast<uint64_t>(bytes_.size() - offset) >= static_cast<uint64_t>(n);
  }

  // The link-layer header of type `type` that libproto's last link-layer decode found at `offset`
  // (from the header's start), if any.
  template <typename T, size_t N>
  const T* LinkHeaderAt(const proto::HeaderList<T, N>& list, proto::LayerType type,
                        int64_t offset) const {
    for (const proto::Layer& layer : packet_.layers()) {
      if (layer.type == type && link_decode_start_ + layer.offset == offset && !layer.truncated) {
        return &list[layer.index];
      }
    }
    return nullptr;
  }
  static proto::DecodeOptions LinkLayerOnly() {
    proto::DecodeOptions options;
    options.depth = proto::DecodeOptions::Depth::kLink;
    return options;
  }

  void Text(std::string_view key, const ShortText& text) { keys_.Text(key, text.view()); }

  // decodeLinkLayer: Ethernet, 802.1Q tags, 802.3 LLC/SNAP; finds the IP header.
  void DecodeLinkLayer() {
    state_.got_ipv4 = false;
    state_.got_ipv6 = false;
    if (!HasBytesLeft(0, kEthernetHeaderSize)) return;
    proto::Decode(bytes_.readable(), proto::Start::kEthernet, LinkLayerOnly(), &packet_);
    link_decode_start_ = 0;
    const proto::EthernetHeader* eth =
        LinkHeaderAt(packet_.ethernet, proto::LayerType::kEthernet, 0);
    if (eth == nullptr) return;
    Text("dstMAC", MacText(eth->dst.data()));
    state_.eth_dst = eth->dst;
    Text("srcMAC", MacText(eth->src.data()));
    state_.eth_src = eth->src;

    uint16_t type_len = eth->type_or_length;
    int64_t pos = kEthernetHeaderSize;
    for (uint32_t depth = 0; IsVlanTpid(type_len); ++depth) {
      if (!HasBytesLeft(pos, 4)) return;
      const proto::VlanTag* tag = LinkHeaderAt(packet_.vlan, proto::LayerType::kVlan, pos);
      if (tag == nullptr) {
        // libproto stops after 8 tags (Packet::vlan); sflowtool has no limit: decode on from here.
        proto::DecodeEtherType(type_len, bytes_.readable().subspan(static_cast<size_t>(pos)),
                               LinkLayerOnly(), &packet_);
        link_decode_start_ = pos;
        tag = LinkHeaderAt(packet_.vlan, proto::LayerType::kVlan, pos);
        if (tag == nullptr) return;
      }
      ReportVlanTag(depth, *tag);
      state_.in_vlan = tag->id;  // the innermost tag wins
      type_len = tag->type;
      pos += 4;
    }

    // "Now we're just looking for IP": the check is on the whole header, not on what is left.
    if (!HasBytesLeft(0, kIpv4HeaderSize)) return;
    if (IsNovellIpx(type_len, pos)) return;
    if (type_len <= kMax8023Length && !FollowLlcAsSflowtool(&type_len, &pos)) return;
    state_.eth_type = type_len;
    keys_.Number("ethernet_type", type_len);

    // sflowtool's own acceptance tests of the IP header; decodeIPV4/6 then read it.
    const uint8_t first_byte = bytes_.At(pos);
    if (type_len == kEtherIpv4) {
      if (!PassesSizeofCheck(pos, kIpv4HeaderSize)) return;
      if ((first_byte >> 4) != 4 || (first_byte & 15) < 5) return;
      state_.got_ipv4 = true;
      state_.offset_to_ipv4 = static_cast<int32_t>(pos);
    }
    if (type_len == kEtherIpv6) {
      if ((first_byte >> 4) != 6) return;  // no length check here
      state_.got_ipv6 = true;
      state_.offset_to_ipv6 = static_cast<int32_t>(pos);
    }
  }

  // Tags after the first get their depth in the key: decodedVLAN, decodedVLAN.1, decodedVLAN.2...
  void ReportVlanTag(uint32_t depth, const proto::VlanTag& tag) {
    if (depth == 0) {
      keys_.Number("decodedVLAN", tag.id);
      keys_.Number("decodedPriority", tag.priority);
      return;
    }
    char key[32];
    int n = std::snprintf(key, sizeof key, "decodedVLAN.%u", depth);
    keys_.Number(std::string_view(key, static_cast<size_t>(n)), tag.id);
    n = std::snprintf(key, sizeof key, "decodedPriority.%u", depth);
    keys_.Number(std::string_view(key, static_cast<size_t>(n)), tag.priority);
  }

  // sflowtool takes a type/length field up to 1500 for an 802.3 length, 0 included (libproto, like
  // Wireshark, takes 0 for an unknown EtherType and 1501..1535 for lengths), and peeks at the
  // 802.2 LLC header after it without checking that its bytes are in the header. SNAP (AA AA 03)
  // with OUI 0 carries an EtherType (RFC 2895); with another OUI, a vendor's protocol, only the OUI
  // is printed. IP over 802.2 (SAPs 06, unnumbered control) carries IPv4. Anything else ends the
  // decode. False when the decode ends; otherwise the EtherType and where its payload starts.
  bool FollowLlcAsSflowtool(uint16_t* type_len, int64_t* pos) {
    const int64_t llc = *pos;
    if (bytes_.At(llc) == 0xaa && bytes_.At(llc + 1) == 0xaa && bytes_.At(llc + 2) == 0x03) {
      const std::array<uint8_t, 3> oui = bytes_.Copy<3>(llc + 3);
      if (oui != std::array<uint8_t, 3>{}) {
        Text("VSNAP_OUI", OuiText(oui));
        return false;
      }
      *type_len = static_cast<uint16_t>((bytes_.At(llc + 6) << 8) | bytes_.At(llc + 7));
      *pos = llc + 8;
      return true;
    }
    if (bytes_.At(llc) == 0x06 && bytes_.At(llc + 1) == 0x06 && (bytes_.At(llc + 2) & 1) != 0) {
      *type_len = kEtherIpv4;
      *pos = llc + 3;
      return true;
    }
    return false;
  }

  // sflowtool's peek for Novell IPX (EtherTypes 0x0200, 0x0201, 0x0600; checksum 0xFFFF and a
  // length from 30 to 576), after which it decodes nothing more. libproto knows no IPX.
  bool IsNovellIpx(uint16_t type_len, int64_t pos) const {
    if (type_len != 0x0200 && type_len != 0x0201 && type_len != 0x0600) return false;
    const uint32_t length = (uint32_t{bytes_.At(pos + 2)} << 8) | bytes_.At(pos + 3);
    return bytes_.At(pos) == 0xff && bytes_.At(pos + 1) == 0xff && length >= 30 && length <= 576;
  }

  // decode80211MAC. libproto does not decode 802.11, so the frame is read here: data frames only,
  // the addresses chosen by the To-DS/From-DS bits. sflowtool copies the destination MAC of the
  // -l line from the source address (a bug kept here), and never decodes IP after 802.11.
  void Decode80211Mac() {
    state_.got_ipv4 = false;
    state_.got_ipv6 = false;
    if (!HasBytesLeft(0, kWifiHeaderSize)) return;
    const uint32_t frame_control = (uint32_t{bytes_.At(1)} << 8) | bytes_.At(0);  // little-endian
    const uint32_t type = (frame_control >> 2) & 3;
    const bool to_ds = (frame_control >> 8) & 1;
    const bool from_ds = (frame_control >> 9) & 1;
    if (type != 2) return;  // not a data frame
    constexpr int64_t kAddress1 = 4, kAddress2 = 10, kAddress3 = 16, kAddress4 = 24;
    const int64_t rx = kAddress1;
    const int64_t tx = kAddress2;
    const int64_t dst = to_ds ? kAddress3 : kAddress1;
    const int64_t src =
        to_ds ? (from_ds ? kAddress4 : kAddress2) : (from_ds ? kAddress3 : kAddress2);
    const std::array<uint8_t, 6> src_mac = bytes_.Copy<6>(src);
    Text("srcMAC", MacText(src_mac.data()));
    state_.eth_src = src_mac;
    Text("dstMAC", MacText(bytes_.Copy<6>(dst).data()));
    state_.eth_dst = src_mac;
    Text("txMAC", MacText(bytes_.Copy<6>(tx).data()));
    Text("rxMAC", MacText(bytes_.Copy<6>(rx).data()));
  }

  // decodeIPV4.
  void DecodeIpv4() {
    if (!state_.got_ipv4) return;
    const int64_t pos = state_.offset_to_ipv4;
    if (!PassesSizeofCheck(pos, kIpv4HeaderSize)) return;
    const proto::Ipv4Header ip = Ipv4FixedHeaderAt(pos);
    state_.src_ip = Ipv4Address(ip.src);
    state_.dst_ip = Ipv4Address(ip.dst);
    state_.ip_protocol = ip.protocol;
    state_.ip_tos = TrafficClass(ip.dscp, ip.ecn);
    state_.ip_ttl = ip.ttl;
    keys_.Number("ip.tot_len", ip.total_length);
    Text("srcIP", AddressText(state_.src_ip));
    Text("dstIP", AddressText(state_.dst_ip));
    keys_.Number("IPProtocol", state_.ip_protocol);
    keys_.Number("IPTOS", state_.ip_tos);
    keys_.Number("IPTTL", state_.ip_ttl);
    keys_.Number("IPID", IpIdAsSflowtoolPrintsIt(ip.id));
    if (ip.fragment_offset > 0) {  // a later fragment; the first one (offset 0, MF) is decoded
      keys_.Number("IPFragmentOffset", ip.fragment_offset);
      return;
    }
    const int64_t header_length = (bytes_.At(pos) & 15) * 4;  // 0..60: not checked for protocol 11
    if (!HasBytesLeft(pos, header_length)) return;
    DecodeIpLayer4(pos + header_length);
  }

  // libproto reads the IPv4 fixed header from the 20 bytes sflowtool copies. sflowtool does not
  // look at their first byte (for headerProtocol 11 it is never checked), while libproto rejects a
  // version other than 4 or a header length under 20: libproto is given the copy with that byte
  // set to 0x45, and DecodeIpv4 takes the header length from the real byte.
  proto::Ipv4Header Ipv4FixedHeaderAt(int64_t pos) {
    std::array<uint8_t, kIpv4HeaderSize> copy = bytes_.Copy<kIpv4HeaderSize>(pos);
    copy[0] = 0x45;
    proto::Decode(copy, proto::Start::kIpv4, NetworkLayerOnly(), &packet_);
    return packet_.ipv4.empty() ? proto::Ipv4Header{} : packet_.ipv4[0];
  }

  // decodeIPV6.
  void DecodeIpv6() {
    const int64_t pos = state_.offset_to_ipv6;
    if (!PassesSizeofCheck(pos, kIpv6HeaderSize)) return;  // checked before got_ipv6
    if (!state_.got_ipv6) return;
    // libproto reads the fixed header from the 40 bytes sflowtool reads, and checks the version
    // as sflowtool does (which reports a wrong one only in its text output).
    const std::array<uint8_t, kIpv6HeaderSize> copy = bytes_.Copy<kIpv6HeaderSize>(pos);
    proto::Decode(copy, proto::Start::kIpv6, NetworkLayerOnly(), &packet_);
    if (packet_.ipv6.empty()) return;
    const proto::Ipv6Header ip = packet_.ipv6[0];
    state_.ip_tos = TrafficClass(ip.dscp, ip.ecn);
    keys_.Number("IPTOS", state_.ip_tos);
    char label[16];
    const int n = std::snprintf(label, sizeof label, "0x%x", ip.flow_label);
    keys_.Text("IP6_label", std::string_view(label, static_cast<size_t>(n)));
    if (ip.payload_length == 0) {
      keys_.Text("IPV6_payloadLen", "<jumbo>");
    } else {
      keys_.Number("IPV6_payloadLen", ip.payload_length);
    }
    state_.ip_ttl = ip.hop_limit;
    keys_.Number("IPTTL", state_.ip_ttl);
    state_.src_ip = Ipv6Address(ip.src);
    Text("srcIP6", AddressText(state_.src_ip));
    state_.dst_ip = Ipv6Address(ip.dst);
    Text("dstIP6", AddressText(state_.dst_ip));
    uint32_t next_header = ip.next_header;
    int64_t transport = pos + kIpv6HeaderSize;
    if (!SkipExtensionHeadersAsSflowtool(&next_header, &transport)) return;
    state_.ip_protocol = next_header;
    keys_.Number("IPProtocol", state_.ip_protocol);
    DecodeIpLayer4(transport);
  }

  // sflowtool's walk over IPv6 extension headers: every one is skipped as 8 * (length + 1) bytes,
  // the AH too (RFC 4302 counts its length in 4-byte units) and the fragment header (whose length
  // byte is reserved), with no check of the fragment offset. Each header's next-header and length
  // bytes are read before the walk checks they are in the header; once it has passed the end it
  // gives up, printing no IPProtocol. False then.
  bool SkipExtensionHeadersAsSflowtool(uint32_t* next_header, int64_t* pos) {
    while (IsSkippedIpv6Extension(*next_header)) {
      keys_.Number("IP6HeaderExtension", *next_header);
      *next_header = bytes_.At(*pos);
      *pos += 8 * (int64_t{bytes_.At(*pos + 1)} + 1);
      if (*pos > bytes_.size()) return false;
    }
    return true;
  }

  // decodeIPLayer4: ICMP, TCP and UDP, for the protocol the IP decode left in the state. It needs
  // 8 bytes left in the header, then copies its struct: 20 bytes for TCP, read past the header's
  // end when fewer are left.
  void DecodeIpLayer4(int64_t pos) {
    if (pos > bytes_.size() - kMinTransportBytes) return;
    const uint32_t protocol = state_.ip_protocol;
    if (protocol != kProtocolIcmp && protocol != kProtocolTcp && protocol != kProtocolUdp) {
      return;  // ICMPv6 included: no keys, no ports
    }
    DecodeTransportAt(pos, static_cast<uint8_t>(protocol));
    if (protocol == kProtocolIcmp && !packet_.icmp.empty()) {
      const proto::IcmpHeader& icmp = packet_.icmp[0];
      keys_.Number("ICMPType", icmp.type);
      keys_.Number("ICMPCode", icmp.code);
      state_.src_port = icmp.type;
      state_.dst_port = icmp.code;
    } else if (protocol == kProtocolTcp && !packet_.tcp.empty()) {
      const proto::TcpHeader& tcp = packet_.tcp[0];
      state_.src_port = tcp.src_port;
      state_.dst_port = tcp.dst_port;
      state_.tcp_flags = tcp.flags & 0xff;  // the flags byte: CWR..FIN, not NS
      keys_.Number("TCPSrcPort", state_.src_port);
      keys_.Number("TCPDstPort", state_.dst_port);
      keys_.Number("TCPFlags", state_.tcp_flags);
    } else if (protocol == kProtocolUdp && !packet_.udp.empty()) {
      const proto::UdpHeader& udp = packet_.udp[0];
      state_.src_port = udp.src_port;
      state_.dst_port = udp.dst_port;
      keys_.Number("UDPSrcPort", state_.src_port);
      keys_.Number("UDPDstPort", state_.dst_port);
      keys_.Number("UDPBytes", udp.length);
    }
  }

  // sflowtool reads a transport header wherever its offset arithmetic lands, whatever the IP
  // length fields say: libproto is given the 20 bytes sflowtool reads there.
  void DecodeTransportAt(int64_t pos, uint8_t protocol) {
    const std::array<uint8_t, kTcpHeaderSize> transport = bytes_.Copy<kTcpHeaderSize>(pos);
    proto::DecodeOptions options;
    options.depth = proto::DecodeOptions::Depth::kTransport;
    options.decode_icmp_quotes = false;
    proto::DecodeIpPayload(protocol, transport, options, &packet_);
  }

  static proto::DecodeOptions NetworkLayerOnly() {
    proto::DecodeOptions options;
    options.depth = proto::DecodeOptions::Depth::kNetwork;
    return options;
  }
  static sflow::Address Ipv4Address(const std::array<uint8_t, 4>& bytes) {
    sflow::Address a;
    a.type = sflow::Address::Type::kIPv4;
    std::copy(bytes.begin(), bytes.end(), a.bytes.begin());
    return a;
  }
  static sflow::Address Ipv6Address(const std::array<uint8_t, 16>& bytes) {
    sflow::Address a;
    a.type = sflow::Address::Type::kIPv6;
    a.bytes = bytes;
    return a;
  }

  const HeaderView& bytes_;
  SflowtoolSampleState& state_;
  SflowtoolKeySink& keys_;
  proto::Packet packet_;           // the last libproto decode
  int64_t link_decode_start_ = 0;  // where in the header the last link-layer decode started
};

}  // namespace

void DecodeHeaderAsSflowtool(const sflow::SampledHeader& header, std::span<const uint8_t> datagram,
                             SflowtoolSampleState* state, SflowtoolKeySink* keys) {
  NullSink no_keys;
  const HeaderView bytes(header.header.span(), datagram);
  SflowtoolHeaderDecoder(bytes, *state, keys != nullptr ? *keys : no_keys).Run(header);
}

}  // namespace cistern::cli
