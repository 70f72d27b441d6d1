// The query engine (query.h): per series, samples stream from the cursor in batches into one
// bucket state at a time (a template per range function, so the per-sample loop only does what the
// function needs); the series' points then either become a result or are merged into the
// accumulators of their group. Memory: one batch, the current series' points and the result.
#include "cistern/catena/query.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "cistern/base/status_macros.h"
#include "rollup.h"

namespace cistern::catena {
namespace {

constexpr size_t kBatchSize = 1024;

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The buffers cursors fill, left uninitialised: int64_t and Value are implicit-lifetime types
// (C++20), so the cursor's stores create the objects; zeroing 24 KiB per query would cost more
// than reading a short series.
class Batch {
 public:
  Batch()
      : timestamps_(std::allocator<int64_t>().allocate(kBatchSize)),
        values_(std::allocator<Value>().allocate(kBatchSize)) {}
  ~Batch() {
    std::allocator<int64_t>().deallocate(timestamps_, kBatchSize);
    std::allocator<Value>().deallocate(values_, kBatchSize);
  }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // Reads the next batch (the previous one is then no longer valid): its size, 0 at the end.
  // More than capacity() means the cursor overran the buffers.
  size_t Fill(SeriesCursor* cursor) { return cursor->Next(timestamps_, values_, kBatchSize); }
  static constexpr size_t capacity() { return kBatchSize; }
  const int64_t* timestamps() const { return timestamps_; }
  const Value* values() const { return values_; }

 private:
  int64_t* timestamps_;
  Value* values_;
};

absl::Status Overran() { return absl::InternalError("catena: a cursor overran its batch"); }

// A counter's value as a double: integers are unsigned 64-bit counters.
double CounterDouble(const Value& v) {
  return v.type == ValueType::kInt ? static_cast<double>(v.bits) : v.AsDouble();
}

// A sum that adds up exactly across rollup rows: integers in 128 bits (exact for any 2^64
// int64 samples), floats in a double in time order from +0.0 (see RollupRow).
struct Sum {
  Int128 integers = 0;
  double floats = 0;
  void Add(const Value& v) {
    if (v.type == ValueType::kInt) {
      integers += v.AsInt();
    } else {
      floats = CanonicalSum(floats + v.AsDouble());
    }
  }
  void Add(const RollupRow& row) {
    integers += RowIntSum(row);
    if (row.float_count > 0) floats = CanonicalSum(floats + row.float_sum);
  }
  double Total() const { return CanonicalSum(static_cast<double>(integers) + floats); }
};

// A counter's increase over consecutive samples: integer pairs in uint64 (exact up to 2^64, the
// carry kept as a double), other pairs in double. A decrease is a reset: the increase is the new
// value.
struct Increase {
  uint64_t integers = 0;
  double floats = 0;
  void Add(const Value& prev, const Value& cur) {
    if (prev.type == ValueType::kInt && cur.type == ValueType::kInt) {
      const uint64_t inc = cur.bits >= prev.bits ? cur.bits - prev.bits : cur.bits;
      if (__builtin_add_overflow(integers, inc, &integers)) floats += 18446744073709551616.0;
    } else {
      const double p = CounterDouble(prev);
      const double c = CounterDouble(cur);
      floats += c >= p ? c - p : c;
    }
  }
  double Total() const { return static_cast<double>(integers) + floats; }
};

double Delta(const Value& first, const Value& last) {
  if (first.type == ValueType::kInt && last.type == ValueType::kInt) {
    int64_t d;
    if (!__builtin_sub_overflow(last.AsInt(), first.AsInt(), &d)) return static_cast<double>(d);
  }
  return last.AsDouble() - first.AsDouble();
}

// The buckets of a stepped query and the time range to read for them.
struct Grid {
  int64_t start = 0;
  int64_t step = 0;
  int64_t buckets = 0;
  int64_t read_min = 0;  // start, or start - step for the anchor of the first bucket
  int64_t read_max = 0;  // the last bucket's end - 1

  // The end of bucket `bucket` (checked by MakeGrid to fit in int64).
  int64_t Timestamp(int64_t bucket) const {
    return static_cast<int64_t>(static_cast<uint64_t>(start) +
                                static_cast<uint64_t>(bucket + 1) * static_cast<uint64_t>(step));
  }
  // The bucket of t >= start (t - start may exceed int64).
  int64_t BucketOf(int64_t t) const {
    return static_cast<int64_t>((static_cast<uint64_t>(t) - static_cast<uint64_t>(start)) /
                                static_cast<uint64_t>(step));
  }
};

constexpr bool UsesAnchor(RangeFunction f) {
  return f == RangeFunction::kRate || f == RangeFunction::kIncrease || f == RangeFunction::kDelta;
}

absl::StatusOr<Grid> MakeGrid(const QueryRequest& r) {
  // Unsigned arithmetic throughout: every true value is in range once checked, and the wrapping
  // intermediate sums then land on it.
  Grid g;
  g.start = r.start_ms;
  g.step = r.step_ms;
  const uint64_t span = static_cast<uint64_t>(r.end_ms) - static_cast<uint64_t>(r.start_ms);
  const uint64_t buckets = span / static_cast<uint64_t>(r.step_ms) + 1;
  if (buckets > r.max_points) {
    return absl::ResourceExhaustedError(
        absl::StrCat("catena: query asks for ", buckets, " steps of ", r.step_ms,
                     " ms, more than max_points (", r.max_points, ")"));
  }
  uint64_t length;
  const uint64_t room = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) -
                        static_cast<uint64_t>(r.start_ms);  // max - start, in [0, 2^64)
  if (__builtin_mul_overflow(buckets, static_cast<uint64_t>(r.step_ms), &length) || length > room) {
    return absl::InvalidArgumentError(absl::StrCat("catena: query range [", r.start_ms, ", ",
                                                   r.end_ms, "] with step ", r.step_ms,
                                                   " ms overflows 64-bit milliseconds"));
  }
  g.buckets = static_cast<int64_t>(buckets);
  g.read_max = static_cast<int64_t>(static_cast<uint64_t>(r.start_ms) + length - 1);
  g.read_min = r.start_ms;
  if (UsesAnchor(r.function) && __builtin_sub_overflow(r.start_ms, r.step_ms, &g.read_min)) {
    g.read_min = std::numeric_limits<int64_t>::min();
  }
  return g;
}

struct BucketState {
  int64_t count = 0;
  int64_t first_ts = 0;  // the anchor's when there is one
  int64_t last_ts = 0;
  Value first;
  Value last;
  Value min;
  Value max;
  Sum sum;
  Increase increase;
};

template <RangeFunction F, typename Sink>
void Emit(const BucketState& st, bool anchored, int64_t bucket, Sink& sink) {
  switch (F) {
    case RangeFunction::kNone:
    case RangeFunction::kLastOverTime:
      sink(bucket, st.last);
      return;
    case RangeFunction::kMinOverTime:
      sink(bucket, st.min);
      return;
    case RangeFunction::kMaxOverTime:
      sink(bucket, st.max);
      return;
    case RangeFunction::kSumOverTime:
      sink(bucket, Value::Float(st.sum.Total()));
      return;
    case RangeFunction::kAvgOverTime:
      sink(bucket, Value::Float(st.sum.Total() / static_cast<double>(st.count)));
      return;
    case RangeFunction::kCountOverTime:
      sink(bucket, Value::Float(static_cast<double>(st.count)));
      return;
    case RangeFunction::kIncrease:
      sink(bucket, Value::Float(st.increase.Total()));
      return;
    case RangeFunction::kRate:
      if (!anchored && st.count < 2) return;
      sink(bucket, Value::Float(st.increase.Total() /
                                (static_cast<double>(st.last_ts - st.first_ts) / 1000.0)));
      return;
    case RangeFunction::kDelta:
      sink(bucket, Value::Float(Delta(st.first, st.last)));
      return;
  }
}

// Reads the cursor to its end and calls sink(bucket index, value) for each bucket with a point, in
// ascending order. Returns the cursor's status.
template <RangeFunction F, typename Sink>
absl::Status ReduceSeries(SeriesCursor* cursor, const Grid& g, Batch* batch, Sink& sink) {
  constexpr bool kAnchor = UsesAnchor(F);
  constexpr bool kCounter = F == RangeFunction::kRate || F == RangeFunction::kIncrease;
  int64_t current = -1;  // the bucket being filled; -1 before the first
  bool anchored = false;
  BucketState st;
  bool have_prev = false;  // the previous sample (the next one's partner, or an anchor)
  int64_t prev_ts = 0;
  int64_t prev_bucket = -2;
  Value prev;
  while (const size_t n = batch->Fill(cursor)) {
    if (n > batch->capacity()) return Overran();
    const int64_t* const timestamps = batch->timestamps();
    const Value* const values = batch->values();
    for (size_t i = 0; i < n; ++i) {
      const int64_t t = timestamps[i];
      const Value v = values[i];
      if (have_prev && t <= prev_ts) {
        return absl::InternalError(
            absl::StrCat("catena: cursor returned timestamp ", t, " after ", prev_ts));
      }
      int64_t bucket;
      if (t < g.start) {
        if (!kAnchor) continue;
        bucket = -1;
      } else {
        bucket = g.BucketOf(t);
        if (bucket >= g.buckets) continue;  // beyond maxt: the cursor should not return it
      }
      if (bucket >= 0) {
        if (bucket != current) {
          if (current >= 0) Emit<F>(st, anchored, current, sink);
          current = bucket;
          st = BucketState{};
          anchored = kAnchor && have_prev && prev_bucket == bucket - 1;
          if (anchored) {
            st.first = prev;
            st.first_ts = prev_ts;
          }
        }
        ++st.count;
        if constexpr (kAnchor) {
          if (st.count == 1 && !anchored) {
            st.first = v;
            st.first_ts = t;
          }
        }
        st.last = v;
        st.last_ts = t;
        if constexpr (kCounter) {
          if (anchored || st.count > 1) st.increase.Add(prev, v);
        }
        if constexpr (F == RangeFunction::kMinOverTime) {
          UpdateMin(&st.min, v, st.count == 1);
        }
        if constexpr (F == RangeFunction::kMaxOverTime) {
          UpdateMax(&st.max, v, st.count == 1);
        }
        if constexpr (F == RangeFunction::kSumOverTime || F == RangeFunction::kAvgOverTime) {
          st.sum.Add(v);
        }
      }
      prev = v;
      prev_ts = t;
      prev_bucket = bucket;
      have_prev = true;
    }
  }
  if (current >= 0) Emit<F>(st, anchored, current, sink);
  return cursor->status();
}

template <typename Sink>
absl::Status Reduce(RangeFunction f, SeriesCursor* cursor, const Grid& g, Batch* batch,
                    Sink& sink) {
  switch (f) {
    case RangeFunction::kNone:
      return ReduceSeries<RangeFunction::kNone>(cursor, g, batch, sink);
    case RangeFunction::kRate:
      return ReduceSeries<RangeFunction::kRate>(cursor, g, batch, sink);
    case RangeFunction::kIncrease:
      return ReduceSeries<RangeFunction::kIncrease>(cursor, g, batch, sink);
    case RangeFunction::kDelta:
      return ReduceSeries<RangeFunction::kDelta>(cursor, g, batch, sink);
    case RangeFunction::kAvgOverTime:
      return ReduceSeries<RangeFunction::kAvgOverTime>(cursor, g, batch, sink);
    case RangeFunction::kMinOverTime:
      return ReduceSeries<RangeFunction::kMinOverTime>(cursor, g, batch, sink);
    case RangeFunction::kMaxOverTime:
      return ReduceSeries<RangeFunction::kMaxOverTime>(cursor, g, batch, sink);
    case RangeFunction::kSumOverTime:
      return ReduceSeries<RangeFunction::kSumOverTime>(cursor, g, batch, sink);
    case RangeFunction::kCountOverTime:
      return ReduceSeries<RangeFunction::kCountOverTime>(cursor, g, batch, sink);
    case RangeFunction::kLastOverTime:
      return ReduceSeries<RangeFunction::kLastOverTime>(cursor, g, batch, sink);
  }
  return absl::InvalidArgumentError("catena: unknown range function");
}

// ---- rollups

constexpr size_t kRollupBatch = 256;
constexpr int64_t kRollupMinRangeMs = 6 * 3600 * 1000;

constexpr bool RollupServes(RangeFunction f) {
  return f == RangeFunction::kMinOverTime || f == RangeFunction::kMaxOverTime ||
         f == RangeFunction::kSumOverTime || f == RangeFunction::kAvgOverTime ||
         f == RangeFunction::kCountOverTime;
}

void EmitRollup(RangeFunction f, const BucketState& st, int64_t bucket,
                const std::function<void(int64_t, const Value&)>& sink) {
  switch (f) {
    case RangeFunction::kMinOverTime:
      return Emit<RangeFunction::kMinOverTime>(st, false, bucket, sink);
    case RangeFunction::kMaxOverTime:
      return Emit<RangeFunction::kMaxOverTime>(st, false, bucket, sink);
    case RangeFunction::kSumOverTime:
      return Emit<RangeFunction::kSumOverTime>(st, false, bucket, sink);
    case RangeFunction::kAvgOverTime:
      return Emit<RangeFunction::kAvgOverTime>(st, false, bucket, sink);
    case RangeFunction::kCountOverTime:
      return Emit<RangeFunction::kCountOverTime>(st, false, bucket, sink);
    default:
      return;
  }
}

// Reduces rollup rows (whose step divides the query's step, the grid's start aligned to it) into
// the query's buckets. *float_merged: some bucket added the float parts of two rows, so its sum
// may differ from the samples' in the last bits.
absl::Status ReduceRollup(RangeFunction f, RollupCursor* cursor, const Grid& g,
                          std::vector<RollupRow>* rows,
                          const std::function<void(int64_t, const Value&)>& sink,
                          bool* float_merged) {
  rows->resize(kRollupBatch);
  int64_t current = -1;
  int64_t prev_start = 0;
  bool have_prev = false;
  int float_rows = 0;
  BucketState st;
  while (const size_t n = cursor->Next(rows->data(), kRollupBatch)) {
    if (n > kRollupBatch) return Overran();
    for (size_t i = 0; i < n; ++i) {
      const RollupRow& row = (*rows)[i];
      if (have_prev && row.start <= prev_start) {
        return absl::InternalError(absl::StrCat("catena: rollup cursor returned bucket ", row.start,
                                                " after ", prev_start));
      }
      prev_start = row.start;
      have_prev = true;
      if (row.start < g.start || row.count == 0) continue;
      const int64_t bucket = g.BucketOf(row.start);
      if (bucket >= g.buckets) continue;
      if (bucket != current) {
        if (current >= 0) EmitRollup(f, st, current, sink);
        current = bucket;
        st = BucketState{};
        float_rows = 0;
      }
      UpdateMin(&st.min, row.min, st.count == 0);
      UpdateMax(&st.max, row.max, st.count == 0);
      st.count += static_cast<int64_t>(row.count);
      st.sum.Add(row);
      if (row.float_count > 0 && ++float_rows > 1) *float_merged = true;
    }
  }
  if (current >= 0) EmitRollup(f, st, current, sink);
  return cursor->status();
}

// One group's accumulator at one bucket.
struct Acc {
  Sum sum;
  double min = 0;
  double max = 0;
  uint64_t count = 0;
  void Add(const Value& v) {
    sum.Add(v);
    const double d = v.AsDouble();
    if (count == 0) {
      min = max = d;
    } else {
      if (std::isnan(min) || d < min) min = d;
      if (std::isnan(max) || d > max) max = d;
    }
    ++count;
  }
  double Result(Aggregation a) const {
    switch (a) {
      case Aggregation::kSum:
        return sum.Total();
      case Aggregation::kAvg:
        return sum.Total() / static_cast<double>(count);
      case Aggregation::kMin:
        return min;
      case Aggregation::kMax:
        return max;
      case Aggregation::kCount:
        return static_cast<double>(count);
      case Aggregation::kNone:
        break;
    }
    return 0;
  }
};

struct Group {
  SeriesKey key;
  std::vector<int64_t> buckets;  // ascending
  std::vector<Acc> accs;
};

SeriesKey GroupKey(const SeriesKey& key, const QueryRequest& r) {
  SeriesKey g;
  auto has = [](const std::vector<Label>& labels, const std::string& name) {
    for (const Label& l : labels) {
      if (l.name == name) return true;
    }
    return false;
  };
  if (r.without) {
    for (const Label& l : key.labels) {
      if (l.value.empty() || l.name == kMetricNameLabel) continue;
      bool excluded = false;
      for (const std::string& name : r.group_by) excluded = excluded || name == l.name;
      if (!excluded) g.labels.push_back(l);
    }
    return g;
  }
  for (const std::string& name : r.group_by) {
    if (name == kMetricNameLabel) {
      g.metric = key.metric;
      continue;
    }
    if (has(g.labels, name)) continue;
    for (const Label& l : key.labels) {
      if (l.name == name) {
        if (!l.value.empty()) g.labels.push_back(l);
        break;
      }
    }
  }
  return g;
}

absl::Status Validate(const QueryRequest& r) {
  if (r.end_ms < r.start_ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("catena: query end ", r.end_ms, " is before its start ", r.start_ms));
  }
  if (r.step_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("catena: query step ", r.step_ms, " is negative"));
  }
  const std::string_view fname = RangeFunctionName(r.function);
  const std::string_view aname = AggregationName(r.aggregation);
  if (r.function != RangeFunction::kNone && fname.empty()) {
    return absl::InvalidArgumentError("catena: unknown range function");
  }
  if (r.aggregation != Aggregation::kNone && aname.empty()) {
    return absl::InvalidArgumentError("catena: unknown aggregation");
  }
  if (r.step_ms == 0 && r.function != RangeFunction::kNone) {
    return absl::InvalidArgumentError(absl::StrCat("catena: the range function ", AbslView(fname),
                                                   " needs a step (step_ms > 0)"));
  }
  if (r.step_ms == 0 && r.aggregation != Aggregation::kNone) {
    return absl::InvalidArgumentError(
        absl::StrCat("catena: the aggregation ", AbslView(aname), " needs a step (step_ms > 0)"));
  }
  if (r.aggregation == Aggregation::kNone && (!r.group_by.empty() || r.without)) {
    return absl::InvalidArgumentError("catena: group_by/without given without an aggregation");
  }
  return absl::OkStatus();
}

absl::Status InSeries(const absl::Status& s, const SeriesKey& key) {
  return absl::Status(s.code(), absl::StrCat(s.message(), " (series ", key.ToString(), ")"));
}

absl::StatusOr<std::unique_ptr<SeriesCursor>> OpenCursor(const SeriesReader& reader, SeriesId id,
                                                         int64_t mint, int64_t maxt) {
  std::unique_ptr<SeriesCursor> cursor = reader.Open(id, mint, maxt);
  if (cursor == nullptr) {
    return absl::InternalError(
        absl::StrCat("catena: reader returned no cursor for series ", reader.Key(id).ToString()));
  }
  return cursor;
}

absl::Status TooManyPoints(const QueryRequest& r, const SeriesKey& key) {
  return absl::ResourceExhaustedError(
      absl::StrCat("catena: query result holds more than max_points (", r.max_points,
                   ") points, reached at series ", key.ToString()));
}

absl::StatusOr<std::vector<QueryResultSeries>> ExecuteRaw(const SeriesReader& reader,
                                                          const QueryRequest& r,
                                                          const std::vector<SeriesId>& ids) {
  std::vector<QueryResultSeries> out;
  Batch batch;
  size_t points = 0;
  for (SeriesId id : ids) {
    const SeriesKey& key = reader.Key(id);
    CISTERN_ASSIGN_OR_RETURN(std::unique_ptr<SeriesCursor> cursor,
                             OpenCursor(reader, id, r.start_ms, r.end_ms));
    QueryResultSeries s;
    while (const size_t n = batch.Fill(cursor.get())) {
      if (n > batch.capacity()) return Overran();
      if (n > r.max_points - points) return TooManyPoints(r, key);
      points += n;
      s.timestamps.insert(s.timestamps.end(), batch.timestamps(), batch.timestamps() + n);
      s.values.insert(s.values.end(), batch.values(), batch.values() + n);
    }
    if (!cursor->status().ok()) return InSeries(cursor->status(), key);
    if (s.timestamps.empty()) continue;
    s.key = key;
    out.push_back(std::move(s));
  }
  return out;
}

// The series' points (bucket index, value) merged into its group's accumulators.
void MergeInto(Group* g, const std::vector<int64_t>& buckets, const std::vector<Value>& values,
               std::vector<int64_t>* tmp_buckets, std::vector<Acc>* tmp_accs) {
  const size_t n = buckets.size();
  if (g->buckets == buckets) {
    for (size_t i = 0; i < n; ++i) g->accs[i].Add(values[i]);
    return;
  }
  tmp_buckets->clear();
  tmp_accs->clear();
  size_t i = 0;
  size_t j = 0;
  while (i < g->buckets.size() || j < n) {
    if (j == n || (i < g->buckets.size() && g->buckets[i] < buckets[j])) {
      tmp_buckets->push_back(g->buckets[i]);
      tmp_accs->push_back(g->accs[i++]);
    } else if (i == g->buckets.size() || buckets[j] < g->buckets[i]) {
      tmp_buckets->push_back(buckets[j]);
      tmp_accs->emplace_back().Add(values[j++]);
    } else {
      tmp_buckets->push_back(g->buckets[i]);
      tmp_accs->push_back(g->accs[i++]);
      tmp_accs->back().Add(values[j++]);
    }
  }
  std::swap(g->buckets, *tmp_buckets);
  std::swap(g->accs, *tmp_accs);
}

absl::StatusOr<std::vector<QueryResultSeries>> ExecuteStepped(const SeriesReader& reader,
                                                              const QueryRequest& r,
                                                              const std::vector<SeriesId>& ids) {
  CISTERN_ASSIGN_OR_RETURN(const Grid g, MakeGrid(r));
  const int64_t rollup_step = RollupStepFor(reader, r);
  const bool raw_complete = g.read_min >= reader.RawRetainedFromMs();
  std::vector<RollupRow> rollup_rows;
  const bool keep_metric =
      r.function == RangeFunction::kNone || r.function == RangeFunction::kLastOverTime;
  std::vector<QueryResultSeries> out;
  Batch batch;
  size_t points = 0;

  // Per series, its points; per group, the accumulators.
  std::vector<int64_t> series_buckets;
  std::vector<Value> series_values;
  auto collect = [&](int64_t bucket, const Value& v) {
    series_buckets.push_back(bucket);
    series_values.push_back(v);
  };
  const std::function<void(int64_t, const Value&)> collect_fn = collect;
  std::vector<Group> groups;
  absl::flat_hash_map<std::string, size_t> group_of;
  std::vector<int64_t> tmp_buckets;
  std::vector<Acc> tmp_accs;

  for (SeriesId id : ids) {
    const SeriesKey& key = reader.Key(id);
    series_buckets.clear();
    series_values.clear();
    bool reduced = false;
    if (rollup_step > 0) {
      if (std::unique_ptr<RollupCursor> rc =
              reader.OpenRollup(id, rollup_step, g.start, g.read_max)) {
        bool float_merged = false;
        const absl::Status s =
            ReduceRollup(r.function, rc.get(), g, &rollup_rows, collect_fn, &float_merged);
        if (!s.ok()) return InSeries(s, key);
        reduced = true;
        // Exact sums where the samples are there to give them.
        const bool sums =
            r.function == RangeFunction::kSumOverTime || r.function == RangeFunction::kAvgOverTime;
        if (float_merged && sums && raw_complete) {
          reduced = false;
          series_buckets.clear();
          series_values.clear();
        }
      }
    }
    if (!reduced) {
      CISTERN_ASSIGN_OR_RETURN(std::unique_ptr<SeriesCursor> cursor,
                               OpenCursor(reader, id, g.read_min, g.read_max));
      const absl::Status s = Reduce(r.function, cursor.get(), g, &batch, collect);
      if (!s.ok()) return InSeries(s, key);
    }
    if (series_buckets.empty()) continue;

    if (r.aggregation == Aggregation::kNone) {
      if (series_buckets.size() > r.max_points - points) return TooManyPoints(r, key);
      points += series_buckets.size();
      QueryResultSeries& res = out.emplace_back();
      res.key.metric = keep_metric ? key.metric : std::string();
      res.key.labels = key.labels;
      res.timestamps.reserve(series_buckets.size());
      for (int64_t b : series_buckets) res.timestamps.push_back(g.Timestamp(b));
      res.values = series_values;
      continue;
    }

    SeriesKey gkey = GroupKey(key, r);
    auto [it, inserted] = group_of.try_emplace(gkey.CanonicalKey(), groups.size());
    if (inserted) groups.push_back(Group{std::move(gkey), {}, {}});
    Group& grp = groups[it->second];
    const size_t before = grp.buckets.size();
    MergeInto(&grp, series_buckets, series_values, &tmp_buckets, &tmp_accs);
    const size_t added = grp.buckets.size() - before;
    if (added > r.max_points - points) return TooManyPoints(r, key);
    points += added;
  }

  for (Group& grp : groups) {
    QueryResultSeries& res = out.emplace_back();
    res.key = std::move(grp.key);
    res.timestamps.reserve(grp.buckets.size());
    res.values.reserve(grp.buckets.size());
    for (size_t i = 0; i < grp.buckets.size(); ++i) {
      res.timestamps.push_back(g.Timestamp(grp.buckets[i]));
      res.values.push_back(Value::Float(grp.accs[i].Result(r.aggregation)));
    }
  }
  return out;
}

}  // namespace

std::string_view RangeFunctionName(RangeFunction f) {
  switch (f) {
    case RangeFunction::kNone:
      return "";
    case RangeFunction::kRate:
      return "rate";
    case RangeFunction::kIncrease:
      return "increase";
    case RangeFunction::kDelta:
      return "delta";
    case RangeFunction::kAvgOverTime:
      return "avg_over_time";
    case RangeFunction::kMinOverTime:
      return "min_over_time";
    case RangeFunction::kMaxOverTime:
      return "max_over_time";
    case RangeFunction::kSumOverTime:
      return "sum_over_time";
    case RangeFunction::kCountOverTime:
      return "count_over_time";
    case RangeFunction::kLastOverTime:
      return "last_over_time";
  }
  return "";
}

std::string_view AggregationName(Aggregation a) {
  switch (a) {
    case Aggregation::kNone:
      return "";
    case Aggregation::kSum:
      return "sum";
    case Aggregation::kAvg:
      return "avg";
    case Aggregation::kMin:
      return "min";
    case Aggregation::kMax:
      return "max";
    case Aggregation::kCount:
      return "count";
  }
  return "";
}

int64_t RollupStepFor(const SeriesReader& reader, const QueryRequest& r) {
  if (r.rollups == RollupUse::kNever || r.step_ms <= 0 || !RollupServes(r.function) ||
      r.end_ms < r.start_ms) {
    return 0;
  }
  if (r.rollups == RollupUse::kAuto) {
    const uint64_t span = static_cast<uint64_t>(r.end_ms) - static_cast<uint64_t>(r.start_ms);
    const bool long_range = span > static_cast<uint64_t>(kRollupMinRangeMs);
    const bool raw_missing = r.start_ms < reader.RawRetainedFromMs();
    if (!long_range && !raw_missing) return 0;
  }
  int64_t best = 0;
  for (int64_t step : reader.RollupSteps()) {
    if (step > 0 && r.step_ms % step == 0 && IsRollupAligned(r.start_ms, step)) {
      best = std::max(best, step);
    }
  }
  return best;
}

absl::StatusOr<std::vector<QueryResultSeries>> ExecuteQuery(const SeriesReader& reader,
                                                            const QueryRequest& request) {
  CISTERN_RETURN_IF_ERROR(Validate(request));
  CISTERN_ASSIGN_OR_RETURN(const std::vector<SeriesId> ids, reader.Select(request.matchers));
  if (ids.size() > request.max_series) {
    return absl::ResourceExhaustedError(absl::StrCat("catena: query selects ", ids.size(),
                                                     " series, more than max_series (",
                                                     request.max_series, ")"));
  }
  if (request.step_ms == 0) return ExecuteRaw(reader, request, ids);
  return ExecuteStepped(reader, request, ids);
}

absl::Status ForEachSample(const SeriesReader& reader, absl::Span<const Matcher> matchers,
                           int64_t start_ms, int64_t end_ms, const SampleBatchCallback& callback) {
  if (end_ms < start_ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("catena: export end ", end_ms, " is before its start ", start_ms));
  }
  CISTERN_ASSIGN_OR_RETURN(const std::vector<SeriesId> ids, reader.Select(matchers));
  Batch batch;
  for (SeriesId id : ids) {
    const SeriesKey& key = reader.Key(id);
    CISTERN_ASSIGN_OR_RETURN(std::unique_ptr<SeriesCursor> cursor,
                             OpenCursor(reader, id, start_ms, end_ms));
    while (const size_t n = batch.Fill(cursor.get())) {
      if (n > batch.capacity()) return Overran();
      CISTERN_RETURN_IF_ERROR(callback(key, absl::MakeConstSpan(batch.timestamps(), n),
                                       absl::MakeConstSpan(batch.values(), n)));
    }
    if (!cursor->status().ok()) return InSeries(cursor->status(), key);
  }
  return absl::OkStatus();
}

}  // namespace cistern::catena
