// SeriesReader: the read side of a libcatena database as the query engine sees it — select series
// by label matchers, then stream each one's samples in time order. `Db::Snapshot()` returns one;
// tests may implement it over plain vectors.
//
//   std::vector<Matcher> m = {{"__name__", MatchOp::kEqual, "ifHCInOctets"},
//                             {"instance", MatchOp::kRegexMatch, "core-.*"}};
//   CISTERN_ASSIGN_OR_RETURN(std::vector<SeriesId> ids, reader.Select(m));
//   auto cursor = reader.Open(ids[0], start_ms, end_ms);
//   int64_t ts[256]; Value v[256];
//   while (size_t n = cursor->Next(ts, v, 256)) { ... }
//   CISTERN_RETURN_IF_ERROR(cursor->status());
//   // Rollups (optional): min/max/sum/count per aligned bucket of a step the reader serves.
//   if (auto rows = reader.OpenRollup(ids[0], 3600'000, start_ms, end_ms)) {
//     RollupRow r[64];
//     while (size_t n = rows->Next(r, 64)) { ... }
//   }
//
// Errors: Select returns InvalidArgument for a bad regex; a cursor (of samples or of rollup rows)
// that meets damaged data stops and reports DataLoss (file and offset) through status().
// Consistency (Db's reader): a reader pins the blocks it saw, so compaction and retention never
// take data from under it; each Select and each cursor reads what was committed when it was called
// or opened (read committed: samples and series committed after the reader was made may appear;
// nothing committed before it is ever missing, across flushes, compactions and retention).
// Lifetime: a cursor must not outlive the reader that opened it. A reader may be used from one
// thread at a time; several readers may be used concurrently with the database's writer.
#ifndef CISTERN_CATENA_SERIES_READER_H_
#define CISTERN_CATENA_SERIES_READER_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cistern/catena/types.h"

namespace cistern::catena {

// The label name a matcher uses for the metric name.
inline constexpr char kMetricNameLabel[] = "__name__";

enum class MatchOp : uint8_t { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// One label matcher. As in Prometheus: a label a series lacks has the value ""; regexes are
// anchored at both ends (`=~"core.*"` matches "core-1", not "xcore").
struct Matcher {
  std::string name;
  MatchOp op = MatchOp::kEqual;
  std::string value;
};

using SeriesId = uint64_t;

// Samples of one series within [mint, maxt] (both inclusive), ascending, one per timestamp.
class SeriesCursor {
 public:
  virtual ~SeriesCursor() = default;
  // Writes up to `capacity` samples; returns how many. 0 means the end (or an error: see status()).
  virtual size_t Next(int64_t* timestamps, Value* values, size_t capacity) = 0;
  virtual absl::Status status() const = 0;
};

// One bucket of a rollup: a summary of a series' samples in [start, start + step), `start` a
// multiple of the step (floor for negative times). Its parts are kept so that rows of consecutive
// buckets add up to exactly what the samples give (the query engine relies on it):
//   min, max  the smallest and largest sample, type kept. NaN is ignored unless every sample is
//             NaN (then the last NaN); among equal values (5 and 5.0, -0.0 and 0.0) the first wins;
//             integers and floats are compared exactly (no rounding of int64 to double).
//   sum       the integer samples' sum as an exact 128-bit two's complement number (hi:lo), plus
//             the float samples' sum in a double, added in time order from +0.0. A row with
//             float_count == 0 has float_sum +0.0, so adding rows where at most one has floats is
//             exact; adding two float parts rounds once more than the samples would. A NaN sum
//             is the default quiet NaN (which payload an addition keeps is not portable).
//   count     how many samples (>= 1), float_count how many of them are floats.
struct RollupRow {
  int64_t start = 0;
  uint64_t count = 0;
  uint64_t float_count = 0;
  Value min;
  Value max;
  uint64_t int_sum_lo = 0;
  int64_t int_sum_hi = 0;
  double float_sum = 0;

  // The integer part as a double (correctly rounded) plus the float part.
  double Sum() const;
  friend bool operator==(const RollupRow&, const RollupRow&) = default;  // float_sum by value
};

// Rows of one series at one step, ascending by start, one per bucket that holds samples.
class RollupCursor {
 public:
  virtual ~RollupCursor() = default;
  // Writes up to `capacity` rows; returns how many. 0 means the end (or an error: see status()).
  virtual size_t Next(RollupRow* rows, size_t capacity) = 0;
  virtual absl::Status status() const = 0;
};

class SeriesReader {
 public:
  virtual ~SeriesReader() = default;
  // Series matching every matcher, ascending by id. No matcher selects every series.
  virtual absl::StatusOr<std::vector<SeriesId>> Select(absl::Span<const Matcher> matchers) const = 0;
  virtual const SeriesKey& Key(SeriesId id) const = 0;
  virtual std::unique_ptr<SeriesCursor> Open(SeriesId id, int64_t mint, int64_t maxt) const = 0;

  // Rollups (optional; the defaults say there are none). RollupSteps: the steps OpenRollup serves,
  // ascending. OpenRollup: the rows of the buckets whose start lies in [mint, maxt] (each row
  // covers its whole bucket, samples after maxt included), or nullptr for a step not served.
  virtual std::vector<int64_t> RollupSteps() const { return {}; }
  virtual std::unique_ptr<RollupCursor> OpenRollup(SeriesId /*id*/, int64_t /*step_ms*/,
                                                   int64_t /*mint*/, int64_t /*maxt*/) const {
    return nullptr;
  }
  // Raw samples older than this were dropped by retention (rollups of them may remain); INT64_MIN
  // when nothing was dropped.
  virtual int64_t RawRetainedFromMs() const { return std::numeric_limits<int64_t>::min(); }
};

// Whether `key` satisfies every matcher (the definition Select implementations follow). Regexes are
// compiled by the caller: see MatcherSet.
class MatcherSet {
 public:
  // InvalidArgument when a regex does not compile (std::regex ECMAScript syntax, anchored).
  static absl::StatusOr<MatcherSet> Compile(absl::Span<const Matcher> matchers);
  bool Matches(const SeriesKey& key) const;
  // Whether a label value satisfies the matcher `index` (the value "" stands for an absent label).
  bool MatchesValue(size_t index, std::string_view value) const;
  const std::vector<Matcher>& matchers() const { return matchers_; }

  MatcherSet(MatcherSet&&) noexcept;
  MatcherSet& operator=(MatcherSet&&) noexcept;
  ~MatcherSet();

 private:
  // The compiled regexes and a per-value result cache (matcher_set.cc). The cache is locked, so the
  // const methods may be called from several threads at once.
  struct Compiled;
  MatcherSet();
  std::vector<Matcher> matchers_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_SERIES_READER_H_
