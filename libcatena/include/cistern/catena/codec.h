// The sample codec of libcatena: one chunk of a series (a time-ordered run of samples of one value
// type) becomes two byte streams, its timestamps and its values. Blocks store the streams side by
// side and keep each distinct timestamp stream once, so the series of one device, polled at the
// same instants, share one. The encodings (libcatena/doc/format.md has the bit layout):
//
//   timestamps  first value, then deltas (order 1) or deltas of deltas (order 2), whichever is
//               smaller, cut into frames of 64 residuals; each frame is bit-packed above its own
//               minimum (frame of reference) or Rice-coded, whichever is smaller. SNMP jitter of a
//               few ms costs a few bits; a regular series costs ~3 bytes per 64 samples.
//   integers    the int64 itself, its deltas or its deltas of deltas (counters), same frames.
//   decimals    floats that are exact decimals with at most 9 fraction digits (12.345, 0.5, 3.0)
//               are stored as the scaled integers (12345 at scale 3), then as integers; decoding
//               divides back, and the encoder checks every value comes back bit for bit.
//   floats      everything else (NaN payloads, -0.0, true binary fractions): Gorilla XOR.
//
//   std::string ts, vs;
//   EncodeTimestamps(timestamps, &ts);
//   EncodeValues(ValueType::kInt, bits, &vs);
//   CISTERN_RETURN_IF_ERROR(DecodeTimestamps(ts, n, out_ts));
//   CISTERN_RETURN_IF_ERROR(DecodeValues(vs, n, &type, out_bits));
//
// Decoding takes hostile bytes: every read is bounds-checked; a stream that is short, too long or
// inconsistent gives InvalidArgument naming the byte (callers turn it into DataLoss with the file
// and offset). Encoding never fails. Stateless functions: thread-safe.
#ifndef CISTERN_CATENA_CODEC_H_
#define CISTERN_CATENA_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cistern/catena/types.h"

namespace cistern::catena {

// The most samples one chunk may hold (a limit of the format, checked by the decoder).
inline constexpr size_t kMaxChunkSamples = 1u << 20;

void EncodeTimestamps(absl::Span<const int64_t> timestamps, std::string* out);
absl::Status DecodeTimestamps(std::string_view in, size_t count, int64_t* out);

// `bits` are the values' 64 bits (Value::bits), all of type `type`.
void EncodeValues(ValueType type, absl::Span<const uint64_t> bits, std::string* out);
absl::Status DecodeValues(std::string_view in, size_t count, ValueType* type, uint64_t* out);

enum class ValueEncoding : uint8_t { kInteger = 0, kDecimal = 1, kXor = 2 };
struct ValueStreamInfo {
  ValueType type = ValueType::kFloat;
  ValueEncoding encoding = ValueEncoding::kXor;
  int order = 0;  // 0: values, 1: deltas, 2: deltas of deltas (integer and decimal encodings)
  int scale = 0;  // decimal digits (decimal encoding)
};
// What a value stream's header says (for `cistern-cli tsdb inspect`).
absl::StatusOr<ValueStreamInfo> InspectValues(std::string_view in);

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_CODEC_H_
