#include "ip_reassembly.h"

#include <algorithm>
#include <cstring>

namespace cistern::cli {

using proto::Layer;
using proto::LayerType;

std::optional<IpReassembler::Piece> IpReassembler::Locate(const proto::Packet& packet,
                                                          std::span<const uint8_t> bytes) {
  const proto::FlowSummary& flow = packet.outer;
  if (!flow.present || flow.fragment == proto::Fragment::kNone) return std::nullopt;
  const Layer& ip = packet.layers()[flow.ip_layer];
  if (ip.truncated) return std::nullopt;

  Piece piece;
  Key& key = piece.key;
  size_t payload_end = 0;
  if (ip.type == LayerType::kIpv4) {
    const proto::Ipv4Header& h = packet.ipv4[ip.index];
    key.version = 4;
    key.protocol = h.protocol;
    key.id = h.id;
    std::memcpy(key.src.data(), h.src.data(), 4);
    std::memcpy(key.dst.data(), h.dst.data(), 4);
    piece.offset = uint32_t{h.fragment_offset} * 8;
    piece.more = h.more_fragments;
    piece.begin = ip.offset + h.header_length;
    payload_end = ip.offset + h.total_length;
  } else {
    const proto::Ipv6Header& h = packet.ipv6[ip.index];
    key.version = 6;
    key.id = h.fragment_id;
    key.src = h.src;
    key.dst = h.dst;
    piece.offset = uint32_t{h.fragment_offset} * 8;
    piece.more = h.more_fragments;
    // The fragmentable part starts after the Fragment extension header.
    for (size_t i = flow.ip_layer + 1; i < packet.layers().size(); ++i) {
      const Layer& l = packet.layers()[i];
      if (l.type != LayerType::kIpv6Extension) break;
      piece.begin = l.offset + l.length;
      if (packet.ipv6_extension[l.index].type == 44) break;
    }
    if (piece.begin == 0) return std::nullopt;
    payload_end = ip.offset + 40u + h.payload_length;
  }
  piece.protocol = flow.protocol;  // IPv6: what the Fragment header names
  // Only a fragment whose payload was captured whole takes part (Wireshark's rule too).
  if (piece.begin >= payload_end || payload_end > bytes.size()) return std::nullopt;
  piece.length = payload_end - piece.begin;
  if (piece.offset + piece.length > 65535) return std::nullopt;
  return piece;
}

bool IpReassembler::Reassembles(const proto::Packet& packet, std::span<const uint8_t> bytes) {
  return Locate(packet, bytes).has_value();
}

std::optional<Reassembled> IpReassembler::Add(const proto::Packet& packet,
                                              std::span<const uint8_t> bytes) {
  const std::optional<Piece> piece = Locate(packet, bytes);
  if (!piece) return std::nullopt;
  const Key& key = piece->key;
  const uint32_t offset = piece->offset;
  const size_t length = piece->length;
  const size_t payload_begin = piece->begin;
  const bool more = piece->more;

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
  const uint8_t protocol = piece->protocol;
  done_.assign(p.data.begin(), p.data.begin() + p.total);
  pending_.erase(it);
  return Reassembled{protocol, done_};
}

}  // namespace cistern::cli
