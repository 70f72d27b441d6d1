// IpReassembler: puts IPv4 and IPv6 fragments back together (RFC 791, RFC 8200 §4.5), as
// Wireshark does before it decodes the transport header, so that `cistern-cli packets` shows the
// transport fields in the frame that completes a datagram, and in no other fragment.
//
//   IpReassembler r;
//   std::optional<Reassembled> whole = r.Add(packet, bytes);   // for every frame
//   if (whole) Decode(whole->payload, protocol whole->protocol, …)
//
// Only fragments whose payload was captured whole take part. Fragments are keyed by (version, source, destination, identification, and for IPv4 the
// protocol). A datagram is complete when the last fragment (MF clear) has arrived and the bytes
// from 0 to its end are all there; overlapping fragments keep the first bytes seen. Limits:
// datagrams of at most 64 KiB and at most kMaxPending incomplete ones (the oldest is dropped).
// Not thread-safe.
#ifndef CISTERN_CLI_SRC_IP_REASSEMBLY_H_
#define CISTERN_CLI_SRC_IP_REASSEMBLY_H_

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "cistern/proto/packet.h"

namespace cistern::cli {

struct Reassembled {
  uint8_t protocol = 0;                // the upper-layer protocol of the datagram
  std::span<const uint8_t> payload;    // valid until the next Add()
};

class IpReassembler {
 public:
  static constexpr size_t kMaxPending = 256;

  // Looks at the outermost IP header of `packet` (decoded from `bytes`). Returns the whole
  // payload when this fragment completes a datagram; nullopt otherwise (not a fragment too).
  std::optional<Reassembled> Add(const proto::Packet& packet, std::span<const uint8_t> bytes);

  // True when the outermost IP header of `packet` is a fragment that takes part in reassembly.
  static bool Reassembles(const proto::Packet& packet, std::span<const uint8_t> bytes);

 private:
  struct Key {
    uint8_t version = 0;
    uint8_t protocol = 0;
    uint32_t id = 0;
    std::array<uint8_t, 16> src{};
    std::array<uint8_t, 16> dst{};
    bool operator==(const Key&) const = default;
  };
  // Where one fragment's payload goes.
  struct Piece {
    Key key;
    uint8_t protocol = 0;
    bool more = false;
    uint32_t offset = 0;  // in the datagram
    size_t begin = 0;     // in the frame's bytes
    size_t length = 0;
  };
  static std::optional<Piece> Locate(const proto::Packet& packet, std::span<const uint8_t> bytes);

  struct Pending {
    Key key;
    std::vector<uint8_t> data;
    std::vector<bool> have;   // per byte
    int64_t total = -1;       // known once the last fragment arrived
  };

  std::deque<Pending> pending_;
  std::vector<uint8_t> done_;
};

}  // namespace cistern::cli

#endif  // CISTERN_CLI_SRC_IP_REASSEMBLY_H_
