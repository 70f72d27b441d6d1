// libFuzzer target for libcatena's WAL segment decoder (DecodeWalSegment, cistern/catena/wal.h).
//
// Every input is decoded as one whole segment twice: as it is, and with the checksum of every
// record whose length fits recomputed (so that mutated payloads reach the record parsers instead
// of stopping at the CRC). Properties checked, beyond "no crash, no sanitizer report, no unbounded
// allocation":
//   - OK means every byte was decoded: *valid_prefix == size;
//   - otherwise the error is DataLoss "wal: bad record at byte N: <why>" or "wal: bad segment
//     header at byte 0: <why>", with N == *valid_prefix <= size, or Unimplemented (another
//     segment version) with *valid_prefix == 0;
//   - the valid prefix decodes to OK on its own, delivering exactly the same records;
//   - every delivered sample has a float or int value, every series at most kWalMaxLabels labels.
// A violation is printed and traps, so libFuzzer keeps the input. The seeds in
// regressions/catena_wal/seed-* are segments written by WalWriter (series, both value types,
// extreme values, a split batch) and a torn one; fuzzer finds go beside them.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "cistern/catena/wal.h"
#include "crc32c.h"

namespace {

using cistern::catena::SeriesKey;
using cistern::catena::WalSample;

[[noreturn]] void Violation(const std::string& what) {
  std::fprintf(stderr, "catena_wal_fuzzer: %s\n", what.c_str());
  __builtin_trap();
}

struct Event {
  bool series = false;
  uint64_t ref = 0;
  SeriesKey key;
  std::vector<WalSample> samples;
  friend bool operator==(const Event&, const Event&) = default;
};

cistern::catena::WalReplayHandler Collect(std::vector<Event>* events) {
  return {
      .on_series =
          [events](uint64_t ref, SeriesKey key) {
            if (key.labels.size() > cistern::catena::kWalMaxLabels) Violation("too many labels");
            events->push_back(Event{true, ref, std::move(key), {}});
            return absl::OkStatus();
          },
      .on_samples =
          [events](absl::Span<const WalSample> s) {
            if (s.empty() || s.size() > cistern::catena::kWalMaxSamplesPerRecord) {
              Violation("a sample batch of a size out of bounds");
            }
            for (const WalSample& x : s) {
              if (x.value.type != cistern::catena::ValueType::kFloat &&
                  x.value.type != cistern::catena::ValueType::kInt) {
                Violation("a sample with an unknown value type");
              }
            }
            events->push_back(Event{false, 0, {}, {s.begin(), s.end()}});
            return absl::OkStatus();
          },
  };
}

// The byte offset N of "wal: bad ... at byte N: why", or SIZE_MAX if the message is not so.
size_t ErrorOffset(const std::string& m) {
  const bool record = m.rfind("wal: bad record at byte ", 0) == 0;
  const bool header = m.rfind("wal: bad segment header at byte 0: ", 0) == 0;
  if (!record && !header) return SIZE_MAX;
  size_t p = m.find(" at byte ") + 9;
  const size_t digits = p;
  size_t offset = 0;
  while (p < m.size() && m[p] >= '0' && m[p] <= '9') offset = offset * 10 + size_t(m[p++] - '0');
  if (p == digits || m.compare(p, 2, ": ") != 0 || p + 2 >= m.size()) return SIZE_MAX;
  return offset;
}

// The input with each record's checksum made right, as far as the lengths chain.
std::string FixChecksums(std::string_view in) {
  std::string out(in);
  size_t pos = cistern::catena::kWalSegmentHeaderBytes;
  while (pos < out.size() && out.size() - pos >= cistern::catena::kWalRecordHeaderBytes) {
    uint32_t length = 0;
    for (int i = 0; i < 4; ++i) length |= uint32_t{static_cast<uint8_t>(out[pos + i])} << (8 * i);
    if (length > out.size() - pos - cistern::catena::kWalRecordHeaderBytes) break;
    const uint32_t crc = cistern::catena::Crc32c(out.data() + pos + 8, size_t{length} + 1);
    for (int i = 0; i < 4; ++i) out[pos + 4 + i] = static_cast<char>(crc >> (8 * i));
    pos += cistern::catena::kWalRecordHeaderBytes + length;
  }
  return out;
}

void Check(std::string_view bytes) {
  const size_t size = bytes.size();
  std::vector<Event> events;
  size_t valid = SIZE_MAX;
  const absl::Status s = cistern::catena::DecodeWalSegment(bytes, Collect(&events), &valid);
  if (valid > size) Violation("valid prefix beyond the input");
  if (s.ok()) {
    if (valid != size) Violation("OK but the valid prefix is not the whole input");
  } else if (s.code() == absl::StatusCode::kUnimplemented) {
    if (valid != 0 || !events.empty()) Violation("Unimplemented after decoding something");
  } else {
    if (s.code() != absl::StatusCode::kDataLoss) Violation("not DataLoss: " + s.ToString());
    const std::string m(s.message());
    const size_t at = ErrorOffset(m);
    if (at == SIZE_MAX) Violation("error names no byte and reason: " + m);
    if (at != valid) Violation("error offset is not the valid prefix: " + m);
  }
  std::vector<Event> again;
  size_t valid_again = SIZE_MAX;
  const absl::Status p =
      cistern::catena::DecodeWalSegment(bytes.substr(0, valid), Collect(&again), &valid_again);
  if (!p.ok()) Violation("the valid prefix does not decode: " + p.ToString());
  if (valid_again != valid) Violation("the valid prefix decodes to another length");
  if (again != events) Violation("the valid prefix delivers other records");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Check(bytes);
  const std::string fixed = FixChecksums(bytes);
  if (fixed != bytes) Check(fixed);
  return 0;
}
