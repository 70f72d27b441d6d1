// Rollups inside libcatena: how a bucket's summary (RollupRow, series_reader.h) is computed from
// samples, how rows of one bucket are merged, and how a series' rows are encoded in a block (the
// byte layout is in libcatena/doc/format.md, "Rollup entries"). The block builder, the Db's reader
// and the query engine all use the same rules here, so that a row computed from raw samples, a row
// read from a block and a query answered from either are the same bits.
//
//   RollupComputer c(3600'000);
//   for (...) c.Add(t, value);          // ascending timestamps, across chunks
//   std::vector<RollupRow> rows = c.Finish();
//   EncodedRollup e = EncodeRollup(rows);  // buckets: a timestamp stream; columns: value streams
//   CISTERN_RETURN_IF_ERROR(DecodeRollup(e.buckets, e.columns, step, rows.size(), out));
//
// Decoding takes hostile bytes: InvalidArgument naming what is wrong (callers add file and offset).
// Plain functions and value types: thread-compatible.
#ifndef CISTERN_CATENA_SRC_ROLLUP_H_
#define CISTERN_CATENA_SRC_ROLLUP_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "cistern/catena/series_reader.h"
#include "cistern/catena/types.h"

namespace cistern::catena {

__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

// The start of the bucket of `t`: t rounded down to a multiple of step (> 0), also for negative
// times. False when that lies below INT64_MIN (t within one step of it): such samples are in no
// row (no aligned query can reach them either).
bool RollupBucketOf(int64_t t, int64_t step, int64_t* start);
// The first bucket start at or after t; false when above INT64_MAX.
bool RollupFirstBucketFrom(int64_t t, int64_t step, int64_t* start);
inline bool IsRollupAligned(int64_t t, int64_t step) { return t % step == 0; }

bool IsNaNValue(const Value& v);
// a < b; exact between an int64 and a double (no rounding of the integer), false when either is
// NaN. A strict weak order on non-NaN values.
bool ValueLess(const Value& a, const Value& b);
// The running min/max rule of rollups and of the query engine: `first` for the first sample;
// afterwards a NaN extremum is replaced by anything, and a value replaces it when strictly smaller
// (larger). Applied to rows' extrema in time order it gives the extremum of all their samples.
inline void UpdateMin(Value* min, const Value& v, bool first) {
  if (first || IsNaNValue(*min) || ValueLess(v, *min)) *min = v;
}
inline void UpdateMax(Value* max, const Value& v, bool first) {
  if (first || IsNaNValue(*max) || ValueLess(*max, v)) *max = v;
}

inline Int128 RowIntSum(const RollupRow& r) {
  return static_cast<Int128>(static_cast<UInt128>(static_cast<uint64_t>(r.int_sum_hi)) << 64 |
                             r.int_sum_lo);
}
inline void SetRowIntSum(RollupRow* r, Int128 v) {
  r->int_sum_lo = static_cast<uint64_t>(v);
  r->int_sum_hi = static_cast<int64_t>(static_cast<uint64_t>(static_cast<UInt128>(v) >> 64));
}

// The float part of a sum: NaN comes out as the default quiet NaN, since which payload an addition
// of two NaNs keeps depends on the order the compiler picks for its operands.
inline double CanonicalSum(double d) {
  return d != d ? std::numeric_limits<double>::quiet_NaN() : d;
}

// Adds one sample to a row (the row's samples so far being earlier).
inline void AddToRow(RollupRow* r, const Value& v) {
  UpdateMin(&r->min, v, r->count == 0);
  UpdateMax(&r->max, v, r->count == 0);
  if (v.type == ValueType::kInt) {
    SetRowIntSum(r, RowIntSum(*r) + v.AsInt());
  } else {
    r->float_sum = CanonicalSum(r->float_sum + v.AsDouble());
    ++r->float_count;
  }
  ++r->count;
}

// Merges `later` (the same bucket, later samples) into `r`. Exact except when both have floats:
// then the float parts are added once more (see RollupRow).
void MergeRows(RollupRow* r, const RollupRow& later);

// Rows of samples given in ascending time order (across any number of chunks).
class RollupComputer {
 public:
  explicit RollupComputer(int64_t step) : step_(step) {}
  void Add(int64_t t, const Value& v) {
    int64_t start;
    if (!RollupBucketOf(t, step_, &start)) return;
    if (rows_.empty() || rows_.back().start != start) {
      rows_.emplace_back();
      rows_.back().start = start;
    }
    AddToRow(&rows_.back(), v);
  }
  void Add(const int64_t* t, const uint64_t* bits, ValueType type, size_t n) {
    for (size_t i = 0; i < n; ++i) Add(t[i], Value{type, bits[i]});
  }
  std::vector<RollupRow> Finish() { return std::move(rows_); }
  const std::vector<RollupRow>& rows() const { return rows_; }

 private:
  int64_t step_;
  std::vector<RollupRow> rows_;
};

// A series' rows as stored: the bucket starts as a timestamp stream (shared between series like
// chunk timestamps), the other columns as one byte string of value streams (format.md).
struct EncodedRollup {
  std::string buckets;
  std::string columns;
};
EncodedRollup EncodeRollup(absl::Span<const RollupRow> rows);
// Decodes `rows` rows of step `step`; checks every start is a multiple of the step, starts
// ascend, counts are consistent. InvalidArgument naming the problem.
absl::Status DecodeRollup(std::string_view buckets, std::string_view columns, int64_t step,
                          size_t rows, RollupRow* out);

// Rows computed on the fly from a raw cursor: the buckets whose start is in [mint, maxt] (the
// cursor must be opened over [mint, last bucket's end - 1]).
std::unique_ptr<RollupCursor> ComputeRollupCursor(std::unique_ptr<SeriesCursor> raw, int64_t step);
// A cursor over rows in memory.
std::unique_ptr<RollupCursor> VectorRollupCursor(std::vector<RollupRow> rows, absl::Status status);

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_SRC_ROLLUP_H_
