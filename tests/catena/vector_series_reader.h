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
    auto lo = std::lower_bound(s.begin(), s.end(), mint,
                               [](const Sample& a, int64_t t) { return a.timestamp_ms < t; });
    auto hi = std::upper_bound(lo, s.end(), maxt,
                               [](int64_t t, const Sample& a) { return t < a.timestamp_ms; });
    if (maxt < mint) hi = lo;
    return std::make_unique<Cursor>(
        this, absl::MakeConstSpan(s.data() + (lo - s.begin()), static_cast<size_t>(hi - lo)),
        faults_[id]);
  }

 private:
  static constexpr size_t kNoFault = std::numeric_limits<size_t>::max();

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
};

}  // namespace cistern::catena

#endif  // CISTERN_TESTS_CATENA_VECTOR_SERIES_READER_H_
