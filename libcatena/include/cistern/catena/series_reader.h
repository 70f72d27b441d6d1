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
//
// Errors: Select returns InvalidArgument for a bad regex; a cursor that meets damaged data stops
// and reports DataLoss (file and offset) through status(). Lifetime: a cursor must not outlive the
// reader that opened it. A reader is a consistent snapshot: it may be used from one thread at a
// time; several readers may be used concurrently with the database's writer.
#ifndef CISTERN_CATENA_SERIES_READER_H_
#define CISTERN_CATENA_SERIES_READER_H_

#include <cstddef>
#include <cstdint>
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

class SeriesReader {
 public:
  virtual ~SeriesReader() = default;
  // Series matching every matcher, ascending by id. No matcher selects every series.
  virtual absl::StatusOr<std::vector<SeriesId>> Select(absl::Span<const Matcher> matchers) const = 0;
  virtual const SeriesKey& Key(SeriesId id) const = 0;
  virtual std::unique_ptr<SeriesCursor> Open(SeriesId id, int64_t mint, int64_t maxt) const = 0;
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
  struct Compiled;
  MatcherSet();
  std::vector<Matcher> matchers_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_SERIES_READER_H_
