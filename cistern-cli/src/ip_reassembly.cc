#include "ip_reassembly.h"

#include <algorithm>
#include <cstring>

namespace cistern::cli {

using proto::Layer;
using proto::LayerType;

std::optional<Reassembled> IpReassembler::Add(const proto::Packet& packet,
                                              std::span<const uint8_t> bytes) {
  const proto::FlowSummary& flow = packet.outer;
  if (!flow.present || flow.fragment == proto::Fragment::kNone) return std::nullopt;
  const Layer& ip = packet.layers()[flow.ip_layer];
  if (ip.truncated) return std::nullopt;

  Key key;
  uint32_t offset = 0;        // of this fragment's payload in the datagram
  bool more = false;
  size_t payload_begin = 0;   // in `bytes`
  size_t payload_end = 0;
  if (ip.type == LayerType::kIpv4) {
    const proto::Ipv4Header& h = packet.ipv4[ip.index];
    key.version = 4;
    key.protocol = h.protocol;
    key.id = h.id;
    std::memcpy(key.src.data(), h.src.data(), 4);
    std::memcpy(key.dst.data(), h.dst.data(), 4);
    offset = uint32_t{h.fragment_offset} * 8;
    more = h.more_fragments;
    payload_begin = ip.offset + h.header_length;
    payload_end = ip.offset + h.total_length;
  } else {
    const proto::Ipv6Header& h = packet.ipv6[ip.index];
    key.version = 6;
    key.id = h.fragment_id;
    key.src = h.src;
    key.dst = h.dst;
    offset = uint32_t{h.fragment_offset} * 8;
    more = h.more_fragments;
    // The fragmentable part starts after the Fragment extension header.
    for (size_t i = flow.ip_layer + 1; i < packet.layers().size(); ++i) {
      const Layer& l = packet.layers()[i];
      if (l.type != LayerType::kIpv6Extension) break;
      payload_begin = l.offset + l.length;
      if (packet.ipv6_extension[l.index].type == 44) break;
    }
    if (payload_begin == 0) return std::nullopt;
    key.protocol = 0;  // RFC 8200: the Fragment header's next header is per datagram anyway
    payload_end = ip.offset + 40u + h.payload_length;
  }
  payload_end = std::min(payload_end, bytes.size());
  if (payload_begin > payload_end) return std::nullopt;
  const size_t length = payload_end - payload_begin;
  if (offset + length > 65535) return std::nullopt;

  auto it = std::find_if(pending_.begin(), pending_.end(),
                         [&](const Pending& p) { return p.key == key; });
  if (it == pending_.end()) {
    if (pending_.size() == kMaxPending) pending_.pop_front();
    pending_.push_back(Pending{key, {}, {}, -1});
    it = std::prev(pending_.end());
  }
  Pending& p = *it;
  if (p.data.size() < offset + length) {
    p.data.resize(offset + length);
    p.have.resize(offset + length, false);
  }
  for (size_t i = 0; i < length; ++i) {
    if (!p.have[offset + i]) {
      p.data[offset + i] = bytes[payload_begin + i];
      p.have[offset + i] = true;
    }
  }
  if (!more) p.total = offset + length;
  if (p.total < 0 || p.data.size() < static_cast<size_t>(p.total)) return std::nullopt;
  if (!std::all_of(p.have.begin(), p.have.begin() + p.total, [](bool b) { return b; })) {
    return std::nullopt;
  }
  // The upper-layer protocol: IPv4's header names it; for IPv6, the Fragment header does.
  uint8_t protocol = key.protocol;
  if (key.version == 6) protocol = flow.protocol;
  done_.assign(p.data.begin(), p.data.begin() + p.total);
  pending_.erase(it);
  return Reassembled{protocol, done_};
}

}  // namespace cistern::cli
