// JSON rendering of decoded sFlow datagrams for `cistern-cli decode`: one object per datagram, with
// InMon sflowtool's `-j` key names (so scripts written for sflowtool keep working) and typed values
// (numbers as JSON numbers; addresses, MACs, hex and sflowtool's composite forms as strings).
#ifndef CISTERN_CLI_SFLOW_JSON_H_
#define CISTERN_CLI_SFLOW_JSON_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "cistern/sflow/datagram.h"

namespace cistern::cli {

// Where and when a datagram was read: printed beside the decoded fields.
struct DatagramContext {
  std::array<uint8_t, 16> source_ip{};
  bool source_is_ipv6 = false;
  bool has_source = false;
  size_t size = 0;           // datagram bytes; also tells how far a failed datagram header was read
  int64_t timestamp_us = 0;  // capture or receive time
  bool from_capture = false;  // true: pcapTimestamp; false: unixSecondsUTC (receive time)
  // The datagram's bytes, when known: sflowtool's decode of a sampled header may read past the
  // header into the bytes that follow it (sflowtool_header.h). Empty: it reads zeros there.
  std::span<const uint8_t> bytes;
};

// Appends one line (without newline) for `dg`. When `status` is not OK the object carries an
// "error" member with the reason, after every sample decoded before the error; header fields the
// datagram was too short to hold are left out rather than printed as zeros. Strings are valid
// UTF-8: ill-formed bytes from the wire become U+FFFD (see JsonWriter).
void AppendDatagramJson(const sflow::Datagram& dg, const DatagramContext& context,
                        const absl::Status& status, std::string* out);

}  // namespace cistern::cli

#endif  // CISTERN_CLI_SFLOW_JSON_H_
