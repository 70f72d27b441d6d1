// Wireshark field output for libproto's decode: the same lines, byte for byte, that
// `tshark -r FILE -T fields -E separator=/t -E occurrence=a -e F1 -e F2 …` prints, for the fields
// listed by TsharkFields::Supported().
//
//   auto fields = cistern::cli::TsharkFields::Create({"ip.src", "tcp.dstport"});
//   std::string line;
//   fields->AppendLine(packet, &line);   // "10.0.0.1\t443\n"
//
// Each field prints every occurrence in wire order (tunnels, QinQ tags, the packet quoted by an
// ICMP error), comma-separated, formatted as Wireshark formats it; an absent field is empty. A
// header cut by the end of the capture gives the fields its bytes cover, as Wireshark does.
// Wireshark's own rules where they differ from libproto's view of the packet are written down
// next to the code that follows them (tshark_fields.cc).
//
// Errors: Create gives InvalidArgument naming an unsupported field. Thread-compatible.
#ifndef CISTERN_CLI_SRC_TSHARK_FIELDS_H_
#define CISTERN_CLI_SRC_TSHARK_FIELDS_H_

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cistern/proto/packet.h"

namespace cistern::cli {

class TsharkFields {
 public:
  static absl::StatusOr<TsharkFields> Create(std::span<const std::string> names);
  static std::vector<std::string_view> Supported();

  // Appends one line (ending in '\n') for `packet`, decoded from `bytes`. Wireshark decodes the
  // transport of a fragmented datagram only once it is whole: the transport layers of a fragment
  // are left out, and `reassembled` (when this frame completed a datagram) is the decode of the
  // whole payload (proto::DecodeIpPayload), shown after them.
  // `reported_length`: how long `bytes` were on the wire (at least bytes.size()).
  void AppendLine(const proto::Packet& packet, std::span<const uint8_t> bytes,
                  uint64_t reported_length, const proto::Packet* reassembled, std::string* out);

  enum Field : uint8_t;  // defined in tshark_fields.cc

 private:
  explicit TsharkFields(std::vector<int> columns) : columns_(std::move(columns)) {}

  std::vector<int> columns_;             // requested fields, by Field value
  std::vector<std::string> values_;      // scratch: per Field, this packet's occurrences
};

}  // namespace cistern::cli

#endif  // CISTERN_CLI_SRC_TSHARK_FIELDS_H_
