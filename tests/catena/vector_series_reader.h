// VectorSeriesReader: a SeriesReader over plain vectors, for tests of anything that reads through
// the SeriesReader interface (the query engine, exports, the CLI).
//
//   VectorSeriesReader reader;
//   reader.Add({"ifHCInOctets", {{"instance", "sw1"}}}, {{1000, Value::Int(5)}, {2000,
//   Value::Int(9)}}); reader.InjectDataLoss(0, 1);  // cursors of series 0 fail after one sample
//   reader.set_max_batch(3);      // cursors return at most 3 samples per Next
//
// Series ids are the order of Add (0, 1, ...). Select follows MatcherSet exactly (it is the
// definition every reader follows). Open returns a cursor over the [mint, maxt] slice that hands
// out as many samples as asked (at most max_batch), then ends; with an injected fault it stops
// after the given number of samples and reports DataLoss through status(). Keys and samples must
// outlive the cursors (they are read in place). Not synchronised: one thread at a time.
//
// Rollups: set_rollup_steps({3600'000}) makes OpenRollup serve those steps, rows computed from all
// the samples by a plain implementation of RollupRow's rules written apart from the library's (so
// tests compare two); set_raw_retained_from(t) hides the samples before t from Open (as retention
// does) while OpenRollup still sees them. An injected fault applies to rollup cursors too (after
// that many rows).
#ifndef CISTERN_TESTS_CATENA_VECTOR_SERIES_READER_H_
#define CISTERN_TESTS_CATENA_VECTOR_SERIES_READER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cistern/catena/series_reader.h"
#include "cistern/catena/types.h"

namespace cistern::catena {

class VectorSeriesReader : public SeriesReader {
 public:
  struct Series {
    SeriesKey key;
    std::vector<Sample> samples;  // sorted by Add
  };

  VectorSeriesReader() = default;
  explicit VectorSeriesReader(std::vector<Series> series) {
    for (Series& s : series) Add(std::move(s.key), std::move(s.samples));
  }

  // Adds a series; samples are sorted by timestamp (keep timestamps unique). Returns its id.
  SeriesId Add(SeriesKey key, std::vector<Sample> samples) {
    std::stable_sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) {
      return a.timestamp_ms < b.timestamp_ms;
    });
    series_.push_back({std::move(key), std::move(samples)});
    faults_.push_back(kNoFault);
    return series_.size() - 1;
  }

  // Cursors of `id` opened from now on fail with DataLoss when asked for more after delivering
  // `after_samples` samples (a slice with fewer samples ends normally).
  void InjectDataLoss(SeriesId id, size_t after_samples) { faults_.at(id) = after_samples; }
  // Caps the samples one Next returns (to exercise callers with short batches).
  void set_max_batch(size_t n) { max_batch_ = n == 0 ? 1 : n; }

  void set_rollup_steps(std::vector<int64_t> steps) { rollup_steps_ = std::move(steps); }
  void set_raw_retained_from(int64_t t) { raw_from_ = t; }
  size_t rollup_opens() const { return rollup_opens_; }

  size_t opens() const { return opens_; }              // cursors opened so far
  size_t largest_request() const { return largest_; }  // the largest capacity ever asked for
  const std::vector<Series>& series() const { return series_; }

  absl::StatusOr<std::vector<SeriesId>> Select(absl::Span<const Matcher> matchers) const override {
    absl::StatusOr<MatcherSet> set = MatcherSet::Compile(matchers);
    if (!set.ok()) return set.status();
    std::vector<SeriesId> ids;
    for (size_t i = 0; i < series_.size(); ++i) {
      if (set->Matches(series_[i].key)) ids.push_back(i);
    }
    return ids;
  }

  const SeriesKey& Key(SeriesId id) const override { return series_.at(id).key; }

  std::unique_ptr<SeriesCursor> Open(SeriesId id, int64_t mint, int64_t maxt) const override {
    ++opens_;
    const std::vector<Sample>& s = series_.at(id).samples;
    mint = std::max(mint, raw_from_);
    auto lo = std::lower_bound(s.begin(), s.end(), mint,
                               [](const Sample& a, int64_t t) { return a.timestamp_ms < t; });
    auto hi = std::upper_bound(lo, s.end(), maxt,
                               [](int64_t t, const Sample& a) { return t < a.timestamp_ms; });
    if (maxt < mint) hi = lo;
    return std::make_unique<Cursor>(
        this, absl::MakeConstSpan(s.data() + (lo - s.begin()), static_cast<size_t>(hi - lo)),
        faults_[id]);
  }

  std::vector<int64_t> RollupSteps() const override { return rollup_steps_; }
  int64_t RawRetainedFromMs() const override { return raw_from_; }

  std::unique_ptr<RollupCursor> OpenRollup(SeriesId id, int64_t step, int64_t mint,
                                           int64_t maxt) const override {
    if (std::find(rollup_steps_.begin(), rollup_steps_.end(), step) == rollup_steps_.end()) {
      return nullptr;
    }
    ++rollup_opens_;
    std::vector<RollupRow> rows = ComputeRows(series_.at(id).samples, step);
    std::erase_if(rows, [&](const RollupRow& r) { return r.start < mint || r.start > maxt; });
    return std::make_unique<RowCursor>(std::move(rows), faults_[id]);
  }

  // The rows of time-ordered samples at `step`, by RollupRow's rules (see above).
  static std::vector<RollupRow> ComputeRows(absl::Span<const Sample> samples, int64_t step) {
    std::vector<RollupRow> rows;
    __extension__ typedef __int128 I128;
    std::vector<I128> sums;
    for (const Sample& s : samples) {
      I128 start128 = static_cast<I128>(s.timestamp_ms) - s.timestamp_ms % step;
      if (s.timestamp_ms % step < 0) start128 -= step;
      if (start128 < std::numeric_limits<int64_t>::min()) continue;  // in no row
      const int64_t start = static_cast<int64_t>(start128);
      if (rows.empty() || rows.back().start != start) {
        rows.emplace_back();
        rows.back().start = start;
        sums.push_back(0);
      }
      RollupRow& r = rows.back();
      const Value& v = s.value;
      if (r.count == 0 || IsNaN(r.min) || ExactLess(v, r.min)) r.min = v;
      if (r.count == 0 || IsNaN(r.max) || ExactLess(r.max, v)) r.max = v;
      ++r.count;
      if (v.type == ValueType::kInt) {
        sums.back() += v.AsInt();
      } else {
        ++r.float_count;
        r.float_sum += v.AsDouble();
        if (r.float_sum != r.float_sum) r.float_sum = std::numeric_limits<double>::quiet_NaN();
      }
      r.int_sum_lo = static_cast<uint64_t>(sums.back());
      r.int_sum_hi = static_cast<int64_t>(sums.back() >> 64);
    }
    return rows;
  }

 private:
  static constexpr size_t kNoFault = std::numeric_limits<size_t>::max();

  static bool IsNaN(const Value& v) {
    return v.type == ValueType::kFloat && v.AsDouble() != v.AsDouble();
  }
  // a < b over the exact values: long double holds every int64 and every double exactly.
  static_assert(std::numeric_limits<long double>::digits >= 64);
  static bool ExactLess(const Value& a, const Value& b) {
    auto exact = [](const Value& v) {
      return v.type == ValueType::kInt ? static_cast<long double>(v.AsInt())
                                       : static_cast<long double>(v.AsDouble());
    };
    return exact(a) < exact(b);
  }

  class RowCursor : public RollupCursor {
   public:
    RowCursor(std::vector<RollupRow> rows, size_t fault_after)
        : rows_(std::move(rows)), fault_after_(fault_after) {}
    size_t Next(RollupRow* rows, size_t capacity) override {
      if (!status_.ok()) return 0;
      size_t n = std::min(capacity, rows_.size() - pos_);
      if (fault_after_ != kNoFault) {
        if (pos_ >= fault_after_) {
          status_ =
              absl::DataLossError("vector reader: injected damage at row " + std::to_string(pos_));
          return 0;
        }
        n = std::min(n, fault_after_ - pos_);
      }
      for (size_t i = 0; i < n; ++i) rows[i] = rows_[pos_ + i];
      pos_ += n;
      return n;
    }
    absl::Status status() const override { return status_; }

   private:
    std::vector<RollupRow> rows_;
    size_t pos_ = 0;
    size_t fault_after_;
    absl::Status status_;
  };

  class Cursor : public SeriesCursor {
   public:
    Cursor(const VectorSeriesReader* reader, absl::Span<const Sample> samples, size_t fault_after)
        : reader_(reader), samples_(samples), fault_after_(fault_after) {}

    size_t Next(int64_t* timestamps, Value* values, size_t capacity) override {
      reader_->largest_ = std::max(reader_->largest_, capacity);
      if (!status_.ok()) return 0;
      size_t n = std::min({capacity, reader_->max_batch_, samples_.size() - pos_});
      if (fault_after_ != kNoFault) {
        if (delivered_ >= fault_after_) {
          status_ = absl::DataLossError("vector reader: injected damage at sample " +
                                        std::to_string(delivered_));
          return 0;
        }
        n = std::min(n, fault_after_ - delivered_);
      }
      for (size_t i = 0; i < n; ++i) {
        timestamps[i] = samples_[pos_ + i].timestamp_ms;
        values[i] = samples_[pos_ + i].value;
      }
      pos_ += n;
      delivered_ += n;
      return n;
    }
    absl::Status status() const override { return status_; }

   private:
    const VectorSeriesReader* reader_;
    absl::Span<const Sample> samples_;
    size_t pos_ = 0;
    size_t delivered_ = 0;
    size_t fault_after_;
    absl::Status status_;
  };

  std::vector<Series> series_;
  std::vector<size_t> faults_;
  size_t max_batch_ = std::numeric_limits<size_t>::max();
  mutable size_t opens_ = 0;
  mutable size_t largest_ = 0;
  std::vector<int64_t> rollup_steps_;
  int64_t raw_from_ = std::numeric_limits<int64_t>::min();
  mutable size_t rollup_opens_ = 0;
};

}  // namespace cistern::catena

#endif  // CISTERN_TESTS_CATENA_VECTOR_SERIES_READER_H_
