// Decoding and encoding of sFlow v5 datagrams.
//
//   cistern::sflow::Datagram dg;
//   cistern::sflow::DecodeStats stats;
//   absl::Status s = cistern::sflow::DecodeInto(payload, &dg, {}, &stats);
//   if (!s.ok()) Log(s);                  // dg still holds every sample decoded before the error
//
//   std::vector<uint8_t> out;
//   CISTERN_RETURN_IF_ERROR(cistern::sflow::Encode(dg, &out));   // appends to out
//
// Errors (absl::Status): InvalidArgument for malformed bytes, naming what and where
// ("sflow: sample 3 (0:1 flow_sample), record 2 (0:1003 extended_gateway): dst_as_path truncated
// at byte 212"); Unimplemented for a datagram version other than 5; ResourceExhausted when a count
// exceeds DecodeOptions' limits. A malformed sample ends decoding: the samples before it are kept.
// Unknown sample and record formats are not errors: they are kept as opaque views and counted.
//
// Steady state: DecodeInto reuses `out` (its vectors keep their capacity), so decoding a stream of
// datagrams allocates nothing once the largest has been seen. Thread-compatible: no shared state.
#ifndef CISTERN_SFLOW_CODEC_H_
#define CISTERN_SFLOW_CODEC_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cistern/sflow/datagram.h"

namespace cistern::sflow {

struct DecodeOptions {
  // Sanity limits on counts read from the wire (the datagram's own length bounds them too).
  uint32_t max_samples = 4096;
  uint32_t max_records_per_sample = 1024;
};

// Running totals, added to by every DecodeInto call that is given them.
struct DecodeStats {
  uint64_t datagrams = 0;
  uint64_t samples = 0;
  uint64_t flow_records = 0;
  uint64_t counter_records = 0;
  uint64_t unknown_samples = 0;   // well-formed samples of unknown format, kept as opaque
  uint64_t unknown_records = 0;   // well-formed records of unknown format, kept as opaque
  uint64_t malformed = 0;         // datagrams that ended in an error
  uint64_t unsupported = 0;       // datagrams of another sFlow version
};

absl::Status DecodeInto(std::span<const uint8_t> bytes, Datagram* out,
                        const DecodeOptions& options = {}, DecodeStats* stats = nullptr);

// Convenience form: allocates a Datagram. It still points into `bytes`.
absl::StatusOr<Datagram> Decode(std::span<const uint8_t> bytes, const DecodeOptions& options = {});

// Appends the encoding of `datagram` to `out`. Fails with InvalidArgument on values that cannot be
// represented (an interface value wider than 30 bits in a compact flow sample, an address of
// unknown type where one is required, a source index wider than 24 bits in a compact sample).
absl::Status Encode(const Datagram& datagram, std::vector<uint8_t>* out);

// Decodes the flow records of one PDU of an extended_80211_aggregation record, appending them to
// `out` (their views point into the same datagram). Same error contract as DecodeInto.
absl::Status DecodeFlowRecords(const PduList::Pdu& pdu, std::vector<FlowRecord>* out,
                               const DecodeOptions& options = {});

// Name of a record or sample format ("extended_gateway", "flow_sample"), "unknown" if unknown.
std::string_view FlowRecordName(const FlowRecordData& data);
std::string_view CounterRecordName(const CounterRecordData& data);
std::string_view SampleName(Tag tag);

}  // namespace cistern::sflow

#endif  // CISTERN_SFLOW_CODEC_H_
