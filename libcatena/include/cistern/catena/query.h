// The query engine of libcatena: select series by label matchers, reduce each one's samples per
// time step with a range function, then aggregate across series — the shape of a PromQL range
// query `sum by (instance) (rate(ifHCInOctets{ifName=~"xe-.*"}[1m]))`, evaluated over a
// SeriesReader (a Db snapshot, or anything else that implements it).
//
//   QueryRequest q;
//   q.matchers = {{"__name__", MatchOp::kEqual, "ifHCInOctets"}};
//   q.start_ms = t0; q.end_ms = t0 + 3600'000; q.step_ms = 60'000;
//   q.function = RangeFunction::kRate;
//   q.aggregation = Aggregation::kSum; q.group_by = {"instance"};
//   CISTERN_ASSIGN_OR_RETURN(std::vector<QueryResultSeries> out, ExecuteQuery(*snapshot, q));
//
// Time steps. step_ms == 0 asks for the raw samples in [start_ms, end_ms] (both inclusive), per
// series; function and aggregation must then be kNone. step_ms > 0 cuts time into buckets
// [start + k*step, start + (k+1)*step) for k = 0, 1, ... while the bucket's start <= end_ms; the
// last bucket is whole (its samples may lie after end_ms). A point's timestamp is its bucket's END,
// start + (k+1)*step: as a Prometheus range function over [step] evaluated at that instant (but
// with the start of the bucket included and its end excluded). A sample exactly on a boundary
// belongs to the bucket that starts there.
//
// Range functions, per series and bucket:
//   kNone            the last sample of the bucket (its value as stored, type kept)
//   kLastOverTime    the same
//   kMinOverTime     the smallest sample (type kept; integers and floats compared exactly; NaN
//                    only if all are; the first of equal values, 5 before 5.0)
//   kMaxOverTime     the largest sample (likewise)
//   kSumOverTime     the sum (integers summed exactly in 128 bits, floats added in time order, the
//                    two parts added at the end)
//   kAvgOverTime     the sum / the number of samples
//   kCountOverTime   the number of samples
//   kIncrease        the counter's increase: the sum of the increases between consecutive samples,
//                    starting from the anchor (below) when there is one; a decrease is a counter
//                    reset and adds the new value (as Prometheus). No extrapolation. A bucket with
//                    one sample and no anchor has the increase 0.
//   kRate            kIncrease / the seconds between its first sample (the anchor, if any) and its
//                    last: the average per-second rate over the samples that cover the bucket.
//                    Needs two samples, the anchor included; otherwise the bucket has no point.
//   kDelta           last - first (a gauge's change, no reset handling), the anchor being the first
//                    sample when there is one; one sample and no anchor gives 0.
// The anchor of a bucket is the last sample of the previous bucket (so within 2 steps of the
// point's timestamp); through it the change between two buckets is counted in the later one and
// never lost: the increases of consecutive buckets add up to the increase over their whole span.
// A bucket without samples has no point. Integer counters are read as unsigned 64-bit numbers
// (an SNMP Counter64 stored through Value::Int keeps its bits, so passing 2^63 is no reset), and
// their increases are summed as integers before the one conversion to double, so counters above
// 2^53 keep every unit of their increase.
//
// Aggregation across series, per point timestamp and group: kSum, kAvg, kMin, kMax (NaN only if
// all inputs are) and kCount (how many series have a point there). The group of a series is its
// labels named in group_by (by), or all its labels except those named and the metric name
// (without = true); a label with the value "" counts as absent. `__name__` in a by-list keeps the
// metric name in the group. A result series' key is that group: metric "" (unless grouped by
// __name__), labels in group_by order (by) or in the series' order (without). Groups come in the
// order of their first selected series. Aggregated values are Value::Float.
//
// With Aggregation::kNone each series is its own result and keeps its key — minus the metric name
// for every function but kNone and kLastOverTime (as Prometheus drops it), so series that differ
// only by metric name give results with equal keys. Results come in the order the reader selected
// the series; a series without any point in the range is left out. Raw values keep their type,
// computed ones are Value::Float.
//
// Rollups. A stepped min/max/sum/avg/count_over_time may be answered from the reader's rollups
// (RollupRow: min, max, sum and count per aligned bucket) instead of raw samples, when a rollup
// step S divides step_ms and start_ms is a multiple of S (then every query bucket is a run of whole
// rollup buckets), and — under RollupUse::kAuto — the range is longer than 6 h or starts before
// the reader's raw samples do (RawRetainedFromMs: retention kept only rollups there). The largest
// such S is used. The answer is the same bits as from the raw samples: min/max/count always, and
// sums too, because integers are summed exactly in 128 bits on both paths and a float sum is
// taken from a single row as it is. Only where one query bucket would add the float sums of two
// rows (a float series and step_ms > S) could the last bits differ: that series is then read raw
// instead, unless its raw samples are gone (then the rows are added: one more rounding per row).
// An unaligned start or another function reads raw samples.
//
// Errors: InvalidArgument for a bad request (end before start, negative step, a function or an
// aggregation without a step, group_by/without without an aggregation, a time range whose buckets
// overflow int64, a bad regex); ResourceExhausted when more than max_series series are selected, or
// more than max_points buckets are asked for, or the result would hold more than max_points points
// (the message gives the numbers); a cursor's error (DataLoss for damaged data) is the query's
// error, with the series named. Nothing throws.
//
// Thread safety: these functions keep no state; they use the reader from the calling thread only
// (as SeriesReader requires). Cost: the reader's cursors are read in batches of 1024 samples with
// no allocation per sample; memory is the result plus one batch.
#ifndef CISTERN_CATENA_QUERY_H_
#define CISTERN_CATENA_QUERY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cistern/catena/series_reader.h"
#include "cistern/catena/types.h"

namespace cistern::catena {

enum class RangeFunction : uint8_t {
  kNone,  // raw samples (step 0) or the last value per step
  kRate,
  kIncrease,
  kDelta,
  kAvgOverTime,
  kMinOverTime,
  kMaxOverTime,
  kSumOverTime,
  kCountOverTime,
  kLastOverTime,
};

enum class Aggregation : uint8_t { kNone, kSum, kAvg, kMin, kMax, kCount };

// Whether a stepped query may read rollups (SeriesReader::OpenRollup) instead of raw samples.
enum class RollupUse : uint8_t {
  kAuto,    // for ranges longer than 6 h, or when raw samples of the range were dropped
  kNever,   // raw samples only
  kAlways,  // whenever a rollup fits the query
};

// The PromQL names ("rate", "avg_over_time", "sum", ...); "" for kNone.
std::string_view RangeFunctionName(RangeFunction f);
std::string_view AggregationName(Aggregation a);

struct QueryRequest {
  std::vector<Matcher> matchers;
  int64_t start_ms = 0;
  int64_t end_ms = 0;   // inclusive
  int64_t step_ms = 0;  // 0: raw samples
  RangeFunction function = RangeFunction::kNone;
  Aggregation aggregation = Aggregation::kNone;
  std::vector<std::string> group_by;  // with without = true: the labels to leave out
  bool without = false;
  RollupUse rollups = RollupUse::kAuto;
  size_t max_series = 100000;
  size_t max_points = 50'000'000;
};

struct QueryResultSeries {
  SeriesKey key;
  std::vector<int64_t> timestamps;  // ascending
  std::vector<Value> values;        // same length as timestamps
};

absl::StatusOr<std::vector<QueryResultSeries>> ExecuteQuery(const SeriesReader& reader,
                                                            const QueryRequest& request);

// The rollup step ExecuteQuery reads for `request` (see "Rollups" above), 0 for raw samples.
int64_t RollupStepFor(const SeriesReader& reader, const QueryRequest& request);

// Called once per batch of samples (1 to 1024, ascending) of one series; the series' batches come
// one after another. The spans are valid during the call only. A non-OK status stops the walk and
// is returned by ForEachSample.
using SampleBatchCallback = std::function<absl::Status(
    const SeriesKey& key, absl::Span<const int64_t> timestamps, absl::Span<const Value> values)>;

// Streams the raw samples in [start_ms, end_ms] (inclusive) of every series the matchers select,
// series by series in the reader's order, without ever holding a whole series: for exports.
// InvalidArgument for end before start or a bad regex; a cursor's error is returned (series named).
absl::Status ForEachSample(const SeriesReader& reader, absl::Span<const Matcher> matchers,
                           int64_t start_ms, int64_t end_ms, const SampleBatchCallback& callback);

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_QUERY_H_
