// The header decoder: one pass from the outermost header inwards, each step checking that its
// bytes are there before reading them. See decoder.h for the contract.
//
// Two ends bound every read: `size_`, where the captured bytes end, and `end_`, where the
// innermost IP header says its packet ends (never beyond `size_`). A header that crosses `end_`
// is truncated when the capture ran out first, malformed when the IP length itself is too short.
#include "cistern/proto/decoder.h"

#include <algorithm>
#include <cstring>

namespace cistern::proto {
namespace {

// EtherTypes (IEEE registry) and IP protocol numbers (IANA) that the decoder follows.
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherArp = 0x0806;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88a8;
constexpr uint16_t kEtherQinQLegacy1 = 0x9100;
constexpr uint16_t kEtherQinQLegacy2 = 0x9200;
constexpr uint16_t kEtherQinQLegacy3 = 0x9300;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherMplsUnicast = 0x8847;
constexpr uint16_t kEtherMplsMulticast = 0x8848;
constexpr uint16_t kEtherPppoeSession = 0x8864;
constexpr uint16_t kEtherTransparentBridging = 0x6558;  // Ethernet inside GRE / GENEVE
constexpr uint16_t kEtherErspan2 = 0x88be;
constexpr uint16_t kEtherErspan3 = 0x22eb;
constexpr uint16_t kEtherPpp = 0x880b;
constexpr uint16_t kEtherCiscoMetadata = 0x8909;

constexpr uint8_t kIpHopByHop = 0;
constexpr uint8_t kIpIcmp = 1;
constexpr uint8_t kIpIpv4 = 4;
constexpr uint8_t kIpTcp = 6;
constexpr uint8_t kIpUdp = 17;
constexpr uint8_t kIpIpv6 = 41;
constexpr uint8_t kIpRouting = 43;
constexpr uint8_t kIpFragment = 44;
constexpr uint8_t kIpGre = 47;
constexpr uint8_t kIpEsp = 50;
constexpr uint8_t kIpAh = 51;
constexpr uint8_t kIpIcmpv6 = 58;
constexpr uint8_t kIpNoNext = 59;
constexpr uint8_t kIpDestOptions = 60;
constexpr uint8_t kIpMobility = 135;
constexpr uint8_t kIpSctp = 132;
constexpr uint8_t kIpMplsInIp = 137;

constexpr uint16_t kPppIpv4 = 0x0021;
constexpr uint16_t kPppIpv6 = 0x0057;
constexpr uint16_t kPppMpls = 0x0281;

inline uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t Load32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

class Decoder {
 public:
  Decoder(std::span<const uint8_t> bytes, const DecodeOptions& options, Packet* out)
      : data_(bytes.data()),
        size_(static_cast<uint32_t>(std::min<size_t>(bytes.size(), UINT32_MAX))),
        end_(size_),
        options_(options),
        p_(*out) {}

  void Run(Start start) {
    switch (start) {
      case Start::kEthernet:
        return Ethernet(0);
      case Start::kIpv4:
        return Ipv4(0);
      case Start::kIpv6:
        return Ipv6(0);
      case Start::kIp:
        return IpByVersion(0, LayerType::kIpv4);
      case Start::kMpls:
        return Mpls(0);
    }
  }
  void RunIpPayload(uint8_t protocol) { AfterIp(protocol, 0); }
  void RunEtherType(uint16_t ether_type) {
    if (ether_type == kEtherTransparentBridging) return Ethernet(0);
    EtherType(ether_type, 0);
  }

 private:
  // --- bookkeeping -------------------------------------------------------------------------

  void Stop(StopReason reason, uint32_t offset, LayerType layer) {
    p_.stop = reason;
    p_.stop_offset = offset;
    p_.stop_layer = layer;
  }

  // True when `n` bytes at `offset` are inside the current packet; otherwise records why not.
  bool Need(uint32_t offset, uint32_t n, LayerType layer) {
    if (offset <= end_ && n <= end_ - offset) return true;
    Cut(offset, layer);
    return false;
  }
  // The bytes end inside a header: cut by the capture (truncated) or by the IP length (malformed).
  void Cut(uint32_t offset, LayerType layer) {
    Stop(end_ == size_ ? StopReason::kTruncated : StopReason::kMalformed, offset, layer);
  }

  // A header's fixed part: the bytes themselves, or, when the packet ends inside it, a zero-padded
  // copy of what is there, so that the fields that are present can still be read.
  struct HeaderBytes {
    const uint8_t* p;
    uint32_t available;  // bytes really there (< n when cut)
    bool cut;
  };
  HeaderBytes View(uint32_t offset, uint32_t n) {
    const uint32_t available = offset <= end_ ? std::min(n, end_ - offset) : 0;
    if (available == n) return {data_ + offset, n, false};
    std::memset(scratch_, 0, sizeof scratch_);
    if (available > 0) std::memcpy(scratch_, data_ + offset, available);
    return {scratch_, available, true};
  }

  // Adds a layer and its protocol entry; nullptr (and a kLimit stop) when either list is full.
  template <typename T, size_t N>
  T* Add(HeaderList<T, N>& list, LayerType type, uint32_t offset, uint32_t length,
         bool truncated = false) {
    if (list.size() == N) {
      Stop(StopReason::kLimit, offset, type);
      return nullptr;
    }
    Layer* layer = p_.AddLayer();
    if (layer == nullptr) {
      Stop(StopReason::kLimit, offset, type);
      return nullptr;
    }
    layer->type = type;
    layer->index = static_cast<uint8_t>(list.size());
    layer->depth = p_.tunnel_depth;
    layer->quoted = quoted_;
    layer->offset = offset;
    layer->length = length;
    layer->truncated = truncated;
    last_layer_ = type;
    return list.Add();
  }

  void Unsupported(uint32_t offset) { Stop(StopReason::kUnsupported, offset, last_layer_); }

  // A tunnel header was read; decide whether to go inside.
  bool EnterTunnel(uint32_t offset) {
    if (options_.depth != DecodeOptions::Depth::kAll || quoted_) {
      Stop(StopReason::kComplete, offset, last_layer_);
      return false;
    }
    if (p_.tunnel_depth >= options_.max_tunnels) {
      Stop(StopReason::kLimit, offset, last_layer_);
      return false;
    }
    ++p_.tunnel_depth;
    return true;
  }

  // The flow summaries: an IP header outside ICMP quotes starts a new flow; the first one fills
  // `outer`, later ones `inner` (Finish() copies `outer` to `inner` when there was only one).
  FlowSummary* BeginFlow(uint32_t layer_index) {
    if (quoted_) return nullptr;
    FlowSummary* f = flows_++ == 0 ? &p_.outer : &p_.inner;
    *f = FlowSummary{};
    f->present = true;
    f->ip_layer = static_cast<uint8_t>(layer_index);
    flow_ = f;
    return f;
  }

 public:
  void Finish() {
    if (flows_ == 1) p_.inner = p_.outer;
  }

 private:
  // --- link layer ----------------------------------------------------------------------------

  void Ethernet(uint32_t off) {
    const HeaderBytes h = View(off, 14);
    if (h.available == 0) return Cut(off, LayerType::kEthernet);
    EthernetHeader* eth = Add(p_.ethernet, LayerType::kEthernet, off, h.available, h.cut);
    if (eth == nullptr) return;
    const uint8_t* b = h.p;
    std::memcpy(eth->dst.data(), b, 6);
    std::memcpy(eth->src.data(), b + 6, 6);
    eth->type_or_length = Load16(b + 12);
    if (h.cut) return Cut(off + h.available, LayerType::kEthernet);
    // Below 0x0600 an 802.3 length, then LLC; 0 is no length at all, but an unknown EtherType.
    if (eth->type_or_length < 0x0600 && eth->type_or_length != 0) return Llc(off + 14);
    EtherType(eth->type_or_length, off + 14);
  }

  // IEEE 802.2 LLC; SNAP with OUI 0 carries an EtherType.
  void Llc(uint32_t off) {
    if (!Need(off, 3, LayerType::kLlc)) return;
    const uint8_t* b = data_ + off;
    const bool snap = b[0] == 0xaa && b[1] == 0xaa && b[2] == 0x03;
    if (snap && !Need(off, 8, LayerType::kLlc)) return;
    LlcHeader* llc = Add(p_.llc, LayerType::kLlc, off, snap ? 8 : 3);
    if (llc == nullptr) return;
    llc->dsap = b[0];
    llc->ssap = b[1];
    llc->control = b[2];
    if (!snap) return Unsupported(off + 3);
    llc->snap = true;
    llc->oui = (uint32_t{b[3]} << 16) | (uint32_t{b[4]} << 8) | b[5];
    llc->protocol_id = Load16(b + 6);
    if (llc->oui != 0) return Unsupported(off + 8);
    EtherType(llc->protocol_id, off + 8);
  }

  void EtherType(uint16_t type, uint32_t off) {
    switch (type) {
      case kEtherVlan:
      case kEtherQinQ:
      case kEtherQinQLegacy1:
      case kEtherQinQLegacy2:
      case kEtherQinQLegacy3:
        return Vlan(type, off);
      case kEtherMplsUnicast:
      case kEtherMplsMulticast:
        return Mpls(off);
      case kEtherPppoeSession:
        return Pppoe(off);
    }
    switch (type) {
      case kEtherIpv4:
        return Ipv4(off);
      case kEtherIpv6:
        return Ipv6(off);
      case kEtherArp:
        return Arp(off);
      default:
        return Unsupported(off);
    }
  }

  void Vlan(uint16_t tpid, uint32_t off) {
    if (p_.vlan.size() >= options_.max_vlan_tags) {
      return Stop(StopReason::kLimit, off, LayerType::kVlan);
    }
    const HeaderBytes h = View(off, 4);
    if (h.available == 0) return Cut(off, LayerType::kVlan);
    VlanTag* tag = Add(p_.vlan, LayerType::kVlan, off, h.available, h.cut);
    if (tag == nullptr) return;
    const uint16_t tci = Load16(h.p);
    tag->tpid = tpid;
    tag->priority = static_cast<uint8_t>(tci >> 13);
    tag->drop_eligible = (tci & 0x1000) != 0;
    tag->id = tci & 0x0fff;
    tag->type = Load16(h.p + 2);
    if (h.cut) return Cut(off + h.available, LayerType::kVlan);
    if (tag->type < 0x0600) return Llc(off + 4);
    EtherType(tag->type, off + 4);
  }

  // RFC 3032 label stack, then a guess at the payload from its first nibble, as routers and
  // Wireshark do: 4 is IPv4, 6 is IPv6, 0 is a pseudowire control word (RFC 4385) before an
  // Ethernet frame; anything else is taken as an Ethernet pseudowire without control word.
  void Mpls(uint32_t off) {
    for (;;) {
      if (p_.mpls.size() >= options_.max_mpls_labels) {
        return Stop(StopReason::kLimit, off, LayerType::kMpls);
      }
      const HeaderBytes h = View(off, 4);
      if (h.available == 0) return Cut(off, LayerType::kMpls);
      MplsEntry* e = Add(p_.mpls, LayerType::kMpls, off, h.available, h.cut);
      if (e == nullptr) return;
      const uint32_t v = Load32(h.p);
      e->label = v >> 12;
      e->traffic_class = static_cast<uint8_t>((v >> 9) & 7);
      e->bottom_of_stack = (v & 0x100) != 0;
      e->ttl = static_cast<uint8_t>(v);
      if (h.cut) return Cut(off + h.available, LayerType::kMpls);
      off += 4;
      if (e->bottom_of_stack) break;
    }
    if (options_.depth == DecodeOptions::Depth::kLink) {
      return Stop(StopReason::kComplete, off, LayerType::kMpls);
    }
    if (!Need(off, 1, LayerType::kMpls)) return;
    switch (data_[off] >> 4) {
      case 4:
        return Ipv4(off);
      case 6:
        return Ipv6(off);
      case 0:
        if (options_.mpls_control_word ==
                DecodeOptions::MplsControlWord::kUnlessPlainEthernet &&
            end_ - off >= 14 && (data_[off + 6] & 1) == 0) {
          return Ethernet(off);
        }
        return PwControlWordThenEthernet(off);
      default:
        return Ethernet(off);
    }
  }

  void PwControlWordThenEthernet(uint32_t off) {
    if (!Need(off, 4, LayerType::kPwControlWord)) return;
    PwControlWord* cw = Add(p_.pw_control_word, LayerType::kPwControlWord, off, 4);
    if (cw == nullptr) return;
    const uint8_t* b = data_ + off;
    cw->flags = b[0] & 0x0f;
    cw->length = b[1] & 0x3f;
    cw->sequence = Load16(b + 2);
    Ethernet(off + 4);
  }

  // RFC 2516 session stage: version/type, code, session id, length, then the PPP protocol.
  void Pppoe(uint32_t off) {
    if (!Need(off, 8, LayerType::kPppoe)) return;
    PppoeHeader* h = Add(p_.pppoe, LayerType::kPppoe, off, 8);
    if (h == nullptr) return;
    const uint8_t* b = data_ + off;
    h->version = b[0] >> 4;
    h->type = b[0] & 0x0f;
    h->code = b[1];
    h->session_id = Load16(b + 2);
    h->length = Load16(b + 4);
    h->ppp_protocol = Load16(b + 6);
    if (h->version != 1 || h->type != 1) return Stop(StopReason::kMalformed, off, LayerType::kPppoe);
    switch (h->ppp_protocol) {
      case kPppIpv4:
        return Ipv4(off + 8);
      case kPppIpv6:
        return Ipv6(off + 8);
      case kPppMpls:
        return Mpls(off + 8);
      default:
        return Unsupported(off + 8);
    }
  }

  // Depth::kLink ends the walk where the network layer (IP or ARP) would begin.
  bool LinkOnly(uint32_t off) {
    if (options_.depth != DecodeOptions::Depth::kLink || quoted_) return false;
    Stop(StopReason::kComplete, off, last_layer_);
    return true;
  }

  void Arp(uint32_t off) {
    if (LinkOnly(off)) return;
    if (!Need(off, 8, LayerType::kArp)) return;
    const uint8_t* b = data_ + off;
    const uint8_t hlen = b[4], plen = b[5];
    const uint32_t length = 8 + 2u * (hlen + plen);
    if (!Need(off, length, LayerType::kArp)) return;
    ArpHeader* arp = Add(p_.arp, LayerType::kArp, off, length);
    if (arp == nullptr) return;
    arp->hardware_type = Load16(b);
    arp->protocol_type = Load16(b + 2);
    arp->hardware_size = hlen;
    arp->protocol_size = plen;
    arp->opcode = Load16(b + 6);
    if (hlen == 6 && plen == 4) {
      std::memcpy(arp->sender_mac.data(), b + 8, 6);
      std::memcpy(arp->sender_ip.data(), b + 14, 4);
      std::memcpy(arp->target_mac.data(), b + 18, 6);
      std::memcpy(arp->target_ip.data(), b + 24, 4);
    }
    Stop(StopReason::kComplete, off + length, LayerType::kArp);
  }

  // --- network layer -------------------------------------------------------------------------

  void IpByVersion(uint32_t off, LayerType expected) {
    if (LinkOnly(off)) return;
    if (!Need(off, 1, expected)) return;
    switch (data_[off] >> 4) {
      case 4:
        return Ipv4(off);
      case 6:
        return Ipv6(off);
      default:
        return Stop(StopReason::kMalformed, off, expected);
    }
  }

  // Narrows the packet's end to what an IP header declares (outside ICMP quotes, whose lengths
  // describe the original packet). A declared length of 0 (TCP segmentation offload) or one
  // beyond the capture leaves the end where it was.
  void NarrowEnd(uint32_t off, uint32_t declared) {
    if (quoted_ || declared == 0) return;
    if (declared <= end_ - off) end_ = off + declared;
  }

  // RFC 791.
  void Ipv4(uint32_t off) {
    if (LinkOnly(off)) return;
    const HeaderBytes h = View(off, 20);
    if (h.available == 0) return Cut(off, LayerType::kIpv4);
    const uint8_t* b = h.p;
    if ((b[0] >> 4) != 4) return Stop(StopReason::kMalformed, off, LayerType::kIpv4);
    const uint32_t ihl = (b[0] & 0x0fu) * 4;
    if (ihl < 20) return Stop(StopReason::kMalformed, off, LayerType::kIpv4);
    const uint32_t available = std::min(ihl, end_ - off);
    Ipv4Header* ip = Add(p_.ipv4, LayerType::kIpv4, off, available, available < ihl);
    if (ip == nullptr) return;
    in_ipv6_ = false;
    const uint32_t layer_index = static_cast<uint32_t>(p_.layers().size() - 1);
    ip->header_length = static_cast<uint8_t>(ihl);
    ip->dscp = b[1] >> 2;
    ip->ecn = b[1] & 3;
    ip->total_length = Load16(b + 2);
    ip->id = Load16(b + 4);
    const uint16_t frag = Load16(b + 6);
    ip->dont_fragment = (frag & 0x4000) != 0;
    ip->more_fragments = (frag & 0x2000) != 0;
    ip->fragment_offset = frag & 0x1fff;
    ip->ttl = b[8];
    ip->protocol = b[9];
    ip->checksum = Load16(b + 10);
    std::memcpy(ip->src.data(), b + 12, 4);
    std::memcpy(ip->dst.data(), b + 16, 4);
    if (h.cut) return Cut(off + h.available, LayerType::kIpv4);

    const Fragment fragment = ip->fragment_offset != 0 ? Fragment::kLater
                              : ip->more_fragments     ? Fragment::kFirst
                                                       : Fragment::kNone;
    if (FlowSummary* f = BeginFlow(layer_index)) {
      f->src.family = 4;
      std::memcpy(f->src.bytes.data(), b + 12, 4);
      f->dst.family = 4;
      std::memcpy(f->dst.bytes.data(), b + 16, 4);
      f->protocol = ip->protocol;
      f->dscp = ip->dscp;
      f->ecn = ip->ecn;
      f->ttl = ip->ttl;
      f->ip_length = ip->total_length;
      f->fragment = fragment;
    }
    if (available < ihl) {
      Need(off, ihl, LayerType::kIpv4);
      return;
    }
    if (ip->total_length != 0 && ip->total_length < ihl && !quoted_) {
      return Stop(StopReason::kMalformed, off, LayerType::kIpv4);
    }
    NarrowEnd(off, ip->total_length);
    if (fragment == Fragment::kLater) {
      return Stop(StopReason::kFragment, off + ihl, LayerType::kIpv4);
    }
    AfterIp(ip->protocol, off + ihl);
  }

  // RFC 8200, with the extension-header chain.
  void Ipv6(uint32_t off) {
    if (LinkOnly(off)) return;
    const HeaderBytes h = View(off, 40);
    if (h.available == 0) return Cut(off, LayerType::kIpv6);
    const uint8_t* b = h.p;
    if ((b[0] >> 4) != 6) return Stop(StopReason::kMalformed, off, LayerType::kIpv6);
    Ipv6Header* ip = Add(p_.ipv6, LayerType::kIpv6, off, h.available, h.cut);
    if (ip == nullptr) return;
    in_ipv6_ = true;
    const uint32_t layer_index = static_cast<uint32_t>(p_.layers().size() - 1);
    const uint32_t first = Load32(b);
    const uint8_t traffic_class = static_cast<uint8_t>(first >> 20);
    ip->dscp = traffic_class >> 2;
    ip->ecn = traffic_class & 3;
    ip->flow_label = first & 0xfffff;
    ip->payload_length = Load16(b + 4);
    ip->next_header = b[6];
    ip->hop_limit = b[7];
    std::memcpy(ip->src.data(), b + 8, 16);
    std::memcpy(ip->dst.data(), b + 24, 16);
    ip->protocol = ip->next_header;
    if (h.cut) return Cut(off + h.available, LayerType::kIpv6);
    FlowSummary* f = BeginFlow(layer_index);
    if (f != nullptr) {
      f->src.family = 6;
      std::memcpy(f->src.bytes.data(), b + 8, 16);
      f->dst.family = 6;
      std::memcpy(f->dst.bytes.data(), b + 24, 16);
      f->dscp = ip->dscp;
      f->ecn = ip->ecn;
      f->ttl = ip->hop_limit;
      f->ip_length = 40u + ip->payload_length;
    }
    // Payload length 0 with a hop-by-hop header is a jumbogram (RFC 2675): the length is in an
    // option; the captured bytes bound it either way.
    NarrowEnd(off, ip->payload_length == 0 ? 0 : 40u + ip->payload_length);

    uint8_t next = ip->next_header;
    uint32_t pos = off + 40;
    Ipv6Header& v6 = *ip;  // stays valid: entries of a HeaderList never move
    auto set_protocol = [&](uint8_t protocol) {
      v6.protocol = protocol;
      if (f != nullptr) f->protocol = protocol;
    };
    for (;;) {
      const bool extension = next == kIpHopByHop || next == kIpRouting || next == kIpFragment ||
                             next == kIpDestOptions || next == kIpAh || next == kIpMobility ||
                             next == kIpEsp;
      if (!extension) break;
      if (next == kIpEsp) {
        set_protocol(next);
        if (!Need(pos, 8, LayerType::kIpv6Extension)) return;
        Ipv6Extension* esp = Add(p_.ipv6_extension, LayerType::kIpv6Extension, pos, 8);
        if (esp == nullptr) return;
        esp->type = next;
        esp->length = 8;
        return Stop(StopReason::kUnsupported, pos + 8, LayerType::kIpv6Extension);
      }
      if (!Need(pos, 8, LayerType::kIpv6Extension)) {
        set_protocol(next);
        return;
      }
      const uint8_t* e = data_ + pos;
      const uint32_t length = next == kIpFragment ? 8
                              : next == kIpAh     ? (uint32_t{e[1]} + 2) * 4
                                                  : (uint32_t{e[1]} + 1) * 8;
      if (!Need(pos, length, LayerType::kIpv6Extension)) {
        set_protocol(next);
        return;
      }
      Ipv6Extension* ext = Add(p_.ipv6_extension, LayerType::kIpv6Extension, pos, length);
      if (ext == nullptr) return;
      ext->type = next;
      ext->next_header = e[0];
      ext->length = static_cast<uint16_t>(length);
      if (next == kIpRouting) {
        ext->routing_type = e[2];
        ext->segments_left = e[3];
      } else if (next == kIpFragment) {
        const uint16_t frag = Load16(e + 2);
        v6.fragmented = true;
        v6.fragment_offset = frag >> 3;
        v6.more_fragments = (frag & 1) != 0;
        v6.fragment_id = Load32(e + 4);
      }
      next = e[0];
      pos += length;
    }
    v6.protocol = next;
    const Fragment fragment = !v6.fragmented            ? Fragment::kNone
                              : v6.fragment_offset != 0 ? Fragment::kLater
                              : v6.more_fragments       ? Fragment::kFirst
                                                        : Fragment::kNone;
    if (f != nullptr) {
      f->protocol = next;
      f->fragment = fragment;
    }
    if (fragment == Fragment::kLater) return Stop(StopReason::kFragment, pos, LayerType::kIpv6);
    if (next == kIpNoNext) return Stop(StopReason::kComplete, pos, LayerType::kIpv6);
    AfterIp(next, pos);
  }

  void AfterIp(uint8_t protocol, uint32_t off) {
    if (options_.depth == DecodeOptions::Depth::kNetwork && !quoted_) {
      return Stop(StopReason::kComplete, off, last_layer_);
    }
    switch (protocol) {
      case kIpTcp:
        return Tcp(off);
      case kIpUdp:
        return Udp(off);
      case kIpIcmp:
        return Icmp(off, LayerType::kIcmp);
      case kIpIcmpv6:
        return Icmp(off, LayerType::kIcmpv6);
      case kIpSctp:
        return Sctp(off);
      case kIpGre:
        return Gre(off);
      case kIpIpv4:
        if (!EnterTunnel(off)) return;
        return Ipv4(off);
      case kIpIpv6:
        if (!EnterTunnel(off)) return;
        return Ipv6(off);
      case kIpMplsInIp:
        if (!EnterTunnel(off)) return;
        return Mpls(off);
      default:
        return Unsupported(off);
    }
  }

  // --- transport layer -----------------------------------------------------------------------

  FlowSummary* CurrentFlow() { return quoted_ ? nullptr : flow_; }

  void SetPorts(uint16_t src, uint16_t dst) {
    if (FlowSummary* f = CurrentFlow()) {
      f->has_ports = true;
      f->src_port = src;
      f->dst_port = dst;
    }
  }

  // RFC 9293 with the options of RFC 7323 (window scale, timestamps) and RFC 2018 (SACK).
  void Tcp(uint32_t off) {
    const HeaderBytes h = View(off, 20);
    if (h.available == 0) return Cut(off, LayerType::kTcp);
    const uint8_t* b = h.p;
    const uint32_t header_length = (b[12] >> 4) * 4u;
    const uint32_t full = std::max<uint32_t>(header_length, 20);
    const uint32_t available = std::min(full, end_ - off);
    TcpHeader* tcp = Add(p_.tcp, LayerType::kTcp, off, available, available < full);
    if (tcp == nullptr) return;
    tcp->src_port = Load16(b);
    tcp->dst_port = Load16(b + 2);
    tcp->seq = Load32(b + 4);
    tcp->ack = Load32(b + 8);
    tcp->header_length = static_cast<uint8_t>(header_length);
    tcp->flags = Load16(b + 12) & 0x0fff;
    tcp->window = Load16(b + 14);
    tcp->checksum = Load16(b + 16);
    tcp->urgent_pointer = Load16(b + 18);
    if (h.available >= 4) SetPorts(tcp->src_port, tcp->dst_port);
    if (h.cut) return Cut(off + h.available, LayerType::kTcp);
    if (FlowSummary* f = CurrentFlow()) {
      f->tcp_flags = tcp->flags;
    }
    if (header_length < 20) return Stop(StopReason::kMalformed, off + 12, LayerType::kTcp);
    if (!TcpOptions(tcp, off + 20, off + available, off + header_length)) return;
    if (available < header_length) {
      Need(off, header_length, LayerType::kTcp);
      return;
    }
    Stop(StopReason::kComplete, off + header_length, LayerType::kTcp);
  }

  // Reads the options in [pos, end), `end` being where the bytes of a header that should end at
  // `header_end` stop. False (and a stop) on an option that is malformed or cut.
  bool TcpOptions(TcpHeader* tcp, uint32_t pos, uint32_t end, uint32_t header_end) {
    while (pos < end) {
      const uint8_t* o = data_ + pos;
      const uint32_t left = end - pos;
      if (o[0] <= 1) {
        if (o[0] == 0) return true;  // end of option list
        ++pos;                       // no-operation
        continue;
      }
      const uint32_t length = left >= 2 ? o[1] : 0;
      if (length < 2 || length > left) {
        if (left >= 2 && length < 2) {
          Stop(StopReason::kMalformed, pos, LayerType::kTcp);
        } else {
          // Past the bytes (cut) or past the header's own end (malformed).
          const bool cut = end < header_end && end_ == size_;
          Stop(cut ? StopReason::kTruncated : StopReason::kMalformed, pos, LayerType::kTcp);
        }
        return false;
      }
      switch (o[0] | (length << 8)) {
        case 2 | (4 << 8):  // maximum segment size
          tcp->has_mss = true;
          tcp->mss = Load16(o + 2);
          break;
        case 3 | (3 << 8):  // window scale
          tcp->has_window_scale = true;
          tcp->window_scale = o[2];
          break;
        case 4 | (2 << 8):  // SACK permitted
          tcp->sack_permitted = true;
          break;
        case 8 | (10 << 8):  // timestamps
          tcp->has_timestamps = true;
          tcp->ts_value = Load32(o + 2);
          tcp->ts_echo_reply = Load32(o + 6);
          break;
        default:
          break;
      }
      pos += length;
    }
    return true;
  }

  void Udp(uint32_t off) {
    const HeaderBytes h = View(off, 8);
    if (h.available == 0) return Cut(off, LayerType::kUdp);
    UdpHeader* udp = Add(p_.udp, LayerType::kUdp, off, h.available, h.cut);
    if (udp == nullptr) return;
    const uint8_t* b = h.p;
    udp->src_port = Load16(b);
    udp->dst_port = Load16(b + 2);
    udp->length = Load16(b + 4);
    udp->checksum = Load16(b + 6);
    if (h.available >= 4) SetPorts(udp->src_port, udp->dst_port);
    if (h.cut) return Cut(off + h.available, LayerType::kUdp);
    // RFC 768: at least 8. Only an IPv6 jumbogram (RFC 2675) says 0.
    const bool jumbogram = udp->length == 0 && in_ipv6_;
    if (udp->length < 8 && !jumbogram && !quoted_) {
      return Stop(StopReason::kMalformed, off + 4, LayerType::kUdp);
    }
    const uint32_t payload = off + 8;
    // Tunnels are told by the destination port; the source port is flow entropy (RFC 7348 §5,
    // RFC 8926 §3.3, RFC 7510 §3).
    const uint16_t dst = udp->dst_port;
    auto is = [&](uint16_t port) { return port != 0 && dst == port; };
    if (is(options_.vxlan_port)) {
      if (!EnterTunnel(payload)) return;
      return Vxlan(payload);
    }
    if (is(options_.geneve_port)) {
      if (!EnterTunnel(payload)) return;
      return Geneve(payload);
    }
    if (is(options_.mpls_udp_port)) {
      if (!EnterTunnel(payload)) return;
      return Mpls(payload);
    }
    Stop(StopReason::kComplete, payload, LayerType::kUdp);
  }

  // ICMP (RFC 792) and ICMPv6 (RFC 4443). Error messages quote the offending packet.
  void Icmp(uint32_t off, LayerType type) {
    const HeaderBytes h = View(off, 8);
    if (h.available == 0) return Cut(off, type);
    IcmpHeader* icmp = Add(p_.icmp, type, off, h.available, h.cut);
    if (icmp == nullptr) return;
    const uint8_t* b = h.p;
    icmp->type = b[0];
    icmp->code = b[1];
    icmp->checksum = Load16(b + 2);
    icmp->rest = Load32(b + 4);
    if (FlowSummary* f = CurrentFlow(); f != nullptr && h.available >= 2) {
      f->has_icmp = true;
      f->icmp_type = icmp->type;
      f->icmp_code = icmp->code;
    }
    if (h.cut) return Cut(off + h.available, type);
    const bool v6 = type == LayerType::kIcmpv6;
    const uint8_t t = icmp->type;
    const bool error = v6 ? (t >= 1 && t <= 4)
                          : (t == 3 || t == 4 || t == 5 || t == 11 || t == 12);
    Stop(StopReason::kComplete, off + 8, type);
    if (!error || quoted_ || !options_.decode_icmp_quotes || off + 8 >= end_ ||
        options_.depth != DecodeOptions::Depth::kAll) {
      return;
    }
    // The quote is as long as the router chose to make it; a header cut there is listed truncated
    // like any other.
    quoted_ = true;
    if (v6) {
      Ipv6(off + 8);
    } else {
      Ipv4(off + 8);
    }
    quoted_ = false;
  }

  void Sctp(uint32_t off) {
    const HeaderBytes h = View(off, 12);
    if (h.available == 0) return Cut(off, LayerType::kSctp);
    SctpHeader* sctp = Add(p_.sctp, LayerType::kSctp, off, h.available, h.cut);
    if (sctp == nullptr) return;
    const uint8_t* b = h.p;
    sctp->src_port = Load16(b);
    sctp->dst_port = Load16(b + 2);
    sctp->verification_tag = Load32(b + 4);
    if (h.available >= 4) SetPorts(sctp->src_port, sctp->dst_port);
    if (h.cut) return Cut(off + h.available, LayerType::kSctp);
    Stop(StopReason::kComplete, off + 12, LayerType::kSctp);
  }

  // --- tunnels -------------------------------------------------------------------------------

  // GRE: RFC 2784 (checksum), RFC 2890 (key, sequence number). Version 1 is PPTP's enhanced
  // GRE (RFC 2637): key always present (payload length, call id), an acknowledgment number when
  // the A flag is set, and PPP inside.
  void Gre(uint32_t off) {
    if (!Need(off, 4, LayerType::kGre)) return;
    const uint8_t* b = data_ + off;
    const uint16_t flags = Load16(b);
    const bool checksum = (flags & 0x8000) != 0;
    const bool routing = (flags & 0x4000) != 0;
    const bool key = (flags & 0x2000) != 0;
    const bool sequence = (flags & 0x1000) != 0;
    const uint8_t version = flags & 7;
    const bool ack = version == 1 && (flags & 0x0080) != 0;
    const uint16_t protocol_field = Load16(b + 2);
    // Cisco MetaData (TrustSec) after the GRE header: the payload's EtherType, version, length,
    // option type and the security group tag, 8 bytes in all, read as part of the GRE layer.
    const bool cisco_metadata = protocol_field == kEtherCiscoMetadata && version == 0 && !routing;
    const uint32_t length = 4 + ((checksum || routing) ? 4 : 0) + (key ? 4 : 0) +
                            (sequence ? 4 : 0) + (ack ? 4 : 0) + (cisco_metadata ? 8 : 0);
    if (!Need(off, length, LayerType::kGre)) return;
    GreHeader* gre = Add(p_.gre, LayerType::kGre, off, length);
    if (gre == nullptr) return;
    gre->has_checksum = checksum;
    gre->has_key = key;
    gre->has_sequence = sequence;
    gre->version = version;
    gre->protocol = protocol_field;
    uint32_t pos = off + 4 + ((checksum || routing) ? 4 : 0);
    if (key) {
      gre->key = Load32(data_ + pos);
      pos += 4;
    }
    if (sequence) {
      gre->sequence = Load32(data_ + pos);
      pos += 4;
    }
    if (ack) {
      gre->acknowledgment = Load32(data_ + pos);
      pos += 4;
    }
    uint16_t protocol = gre->protocol;
    if (cisco_metadata) {
      gre->cisco_metadata = true;
      gre->security_group_tag = Load16(data_ + pos + 6);
      protocol = Load16(data_ + pos);
      pos += 8;
    }
    if (routing || version > 1) return Stop(StopReason::kUnsupported, off, LayerType::kGre);
    if (!EnterTunnel(pos)) return;
    switch (protocol) {
      case kEtherIpv4:
        return Ipv4(pos);
      case kEtherIpv6:
        return Ipv6(pos);
      case kEtherTransparentBridging:
        return Ethernet(pos);
      case kEtherMplsUnicast:
      case kEtherMplsMulticast:
        return Mpls(pos);
      case kEtherErspan2:
        // ERSPAN type I has no header of its own and no sequence number.
        return sequence ? Erspan(pos, 1) : Ethernet(pos);
      case kEtherErspan3:
        return Erspan(pos, 2);
      case kEtherPpp:
        return Ppp(pos);
      default:
        return Unsupported(pos);
    }
  }

  // PPP (RFC 1661) inside PPTP's GRE: the HDLC-like address and control bytes (0xff 0x03) when
  // present, then the protocol, one byte when compressed (odd first byte).
  void Ppp(uint32_t off) {
    if (!Need(off, 1, LayerType::kPpp)) return;
    // 0xff is the HDLC address byte, never a compressed protocol (those are odd, but not 0xff).
    if (data_[off] == 0xff && !Need(off, 2, LayerType::kPpp)) return;
    uint32_t length = (end_ - off >= 2 && data_[off] == 0xff && data_[off + 1] == 0x03) ? 2 : 0;
    if (!Need(off, length + 1, LayerType::kPpp)) return;
    const bool compressed = (data_[off + length] & 1) != 0;
    if (!compressed && !Need(off, length + 2, LayerType::kPpp)) return;
    const uint16_t protocol = compressed ? data_[off + length] : Load16(data_ + off + length);
    length += compressed ? 1 : 2;
    PppHeader* ppp = Add(p_.ppp, LayerType::kPpp, off, length);
    if (ppp == nullptr) return;
    ppp->protocol = protocol;
    switch (protocol) {
      case kPppIpv4:
        return Ipv4(off + length);
      case kPppIpv6:
        return Ipv6(off + length);
      case kPppMpls:
        return Mpls(off + length);
      default:
        return Unsupported(off + length);
    }
  }

  // ERSPAN type II (8 bytes) and type III (12 bytes, plus 8 when the O flag announces the
  // platform-specific subheader), then the mirrored Ethernet frame.
  void Erspan(uint32_t off, uint8_t expected_version) {
    if (!Need(off, 8, LayerType::kErspan)) return;
    const uint8_t* b = data_ + off;
    const uint8_t version = b[0] >> 4;
    if (version != expected_version) return Stop(StopReason::kMalformed, off, LayerType::kErspan);
    uint32_t length = 8;
    if (version == 2) {
      length = 12;
      if (!Need(off, length, LayerType::kErspan)) return;
      if (b[11] & 1) length += 8;
      if (!Need(off, length, LayerType::kErspan)) return;
    }
    ErspanHeader* h = Add(p_.erspan, LayerType::kErspan, off, length);
    if (h == nullptr) return;
    h->version = version;
    h->vlan = Load16(b) & 0x0fff;
    h->cos = b[2] >> 5;
    h->session_id = Load16(b + 2) & 0x03ff;
    h->index = version == 1 ? (Load32(b + 4) & 0xfffff) : Load32(b + 4);
    Ethernet(off + length);
  }

  void Vxlan(uint32_t off) {
    const HeaderBytes b = View(off, 8);
    if (b.available == 0) return Cut(off, LayerType::kVxlan);
    VxlanHeader* h = Add(p_.vxlan, LayerType::kVxlan, off, b.available, b.cut);
    if (h == nullptr) return;
    h->flags = b.p[0];
    h->vni = Load32(b.p + 4) >> 8;
    if (b.cut) return Cut(off + b.available, LayerType::kVxlan);
    Ethernet(off + 8);
  }

  void Geneve(uint32_t off) {
    if (!Need(off, 8, LayerType::kGeneve)) return;
    const uint8_t* b = data_ + off;
    const uint32_t length = 8 + (b[0] & 0x3fu) * 4;
    if (!Need(off, length, LayerType::kGeneve)) return;
    GeneveHeader* h = Add(p_.geneve, LayerType::kGeneve, off, length);
    if (h == nullptr) return;
    h->version = b[0] >> 6;
    h->options_length = static_cast<uint8_t>(length - 8);
    h->oam = (b[1] & 0x80) != 0;
    h->critical = (b[1] & 0x40) != 0;
    h->protocol = Load16(b + 2);
    h->vni = Load32(b + 4) >> 8;
    if (h->version != 0) return Stop(StopReason::kUnsupported, off, LayerType::kGeneve);
    switch (h->protocol) {
      case kEtherTransparentBridging:
        return Ethernet(off + length);
      case kEtherIpv4:
        return Ipv4(off + length);
      case kEtherIpv6:
        return Ipv6(off + length);
      default:
        return Unsupported(off + length);
    }
  }

  const uint8_t* data_;
  uint32_t size_;
  uint32_t end_;
  const DecodeOptions& options_;
  Packet& p_;
  uint8_t scratch_[40];  // View()'s copy of a cut header (the largest fixed part: IPv6)
  bool quoted_ = false;
  uint8_t flows_ = 0;  // IP headers seen outside ICMP quotes
  bool in_ipv6_ = false;  // the innermost IP header so far is IPv6
  FlowSummary* flow_ = nullptr;  // the flow of the innermost IP header so far
  LayerType last_layer_ = LayerType::kEthernet;
};

}  // namespace

void Packet::Reset() {
  stop = StopReason::kComplete;
  stop_offset = 0;
  stop_layer = LayerType::kEthernet;
  outer = FlowSummary{};
  inner = FlowSummary{};
  tunnel_depth = 0;
  layer_count_ = 0;
  ethernet.Clear();
  llc.Clear();
  vlan.Clear();
  mpls.Clear();
  pw_control_word.Clear();
  pppoe.Clear();
  arp.Clear();
  ipv4.Clear();
  ipv6.Clear();
  ipv6_extension.Clear();
  tcp.Clear();
  udp.Clear();
  icmp.Clear();
  sctp.Clear();
  gre.Clear();
  erspan.Clear();
  ppp.Clear();
  vxlan.Clear();
  geneve.Clear();
}

namespace {

// Every entry point: reset the Packet, walk from where `run` starts, finish the summaries.
template <typename Run>
void DecodeFrom(std::span<const uint8_t> bytes, const DecodeOptions& options, Packet* out,
                Run run) {
  out->Reset();
  Decoder decoder(bytes, options, out);
  run(decoder);
  decoder.Finish();
}

}  // namespace

void Decode(std::span<const uint8_t> bytes, Start start, const DecodeOptions& options,
            Packet* out) {
  DecodeFrom(bytes, options, out, [start](Decoder& d) { d.Run(start); });
}

void DecodeIpPayload(uint8_t ip_protocol, std::span<const uint8_t> bytes,
                     const DecodeOptions& options, Packet* out) {
  DecodeFrom(bytes, options, out, [ip_protocol](Decoder& d) { d.RunIpPayload(ip_protocol); });
}

void DecodeEtherType(uint16_t ether_type, std::span<const uint8_t> bytes,
                     const DecodeOptions& options, Packet* out) {
  DecodeFrom(bytes, options, out, [ether_type](Decoder& d) { d.RunEtherType(ether_type); });
}

}  // namespace cistern::proto
