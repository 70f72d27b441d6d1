// NetmetricsReader: the binary form of a data set made by ../shared/tools/netmetrics-gen (its
// `--formats bin`): the catalogue series.csv and the points of points.bin, series by series, in
// chunks, for `cistern-cli tsdb import` and for checking an import against the generator's data.
//
//   auto reader = cistern::cli::NetmetricsReader::Open("/tmp/nm/d5");
//   if (!reader.ok()) return reader.status();
//   cistern::cli::NetmetricsChunk c;
//   while ((*reader)->Next(&c)) {
//     for (size_t i = 0; i < c.timestamps.size(); ++i) {
//       Add(c.series->key, c.timestamps[i], c.value(i));  // Value::Int or Value::Float by kind
//     }
//   }
//   if (!(*reader)->status().ok()) return (*reader)->status();
//
// The files (netmetrics-gen's docstring and render()):
//   series.csv  `id,kind,metric,labels,n_points,first_point`, one row per series in points.bin
//               order; RFC 4180 quoting (labels is quoted, its quotes doubled). Columns are found
//               by the header's names. labels is `k="v",k2="v2"`, read with the OpenMetrics
//               label rules of openmetrics.h (so the keys equal those of the set's prom.om), in
//               that order.
//   points.bin  16-byte little-endian records (int64 timestamp_ms, float64 value), series-major:
//               series i holds records [first_point, first_point + n_points).
// Kinds: counter, sparse_counter and int_gauge hold integers (ValueType::kInt; points.bin holds
// them as doubles, and each is converted exactly or refused); rate_gauge and any other kind hold
// floats (kFloat). Open checks that the rows tile points.bin exactly: each first_point is the sum
// of the n_points before it and the file holds exactly their total of records.
//
// Chunks: Next yields each series' points in order, at most Options::chunk_points at a time; a
// series without points yields one empty chunk, so every series is seen.
//
// Errors: Open gives NotFound / PermissionDenied / ... (from errno) for a file that cannot be
// read, InvalidArgument for a malformed series.csv (line and column named) or a points.bin whose
// size does not match it. Next returns false at the end and on error, and status() tells them
// apart: InvalidArgument for a kInt value that is not an integer in int64 range (series and
// point named), or for a points.bin that shrank after Open; errno codes for read failures. Errors
// stick.
//
// Lifetime / thread-safety: a chunk's spans point into the reader and are valid until the next
// Next() call; series() lives as long as the reader. Not thread-safe.
#ifndef CISTERN_CLI_SRC_NETMETRICS_READER_H_
#define CISTERN_CLI_SRC_NETMETRICS_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cistern/catena/types.h"

namespace cistern::cli {

struct NetmetricsSeries {
  uint64_t id = 0;   // series.csv's id
  std::string kind;  // counter, sparse_counter, int_gauge, rate_gauge, ...
  catena::SeriesKey key;
  catena::ValueType type = catena::ValueType::kFloat;
  uint64_t n_points = 0;
  uint64_t first_point = 0;  // index of its first record in points.bin
};

// The value type of a kind: kInt for counter, sparse_counter, int_gauge; kFloat otherwise.
catena::ValueType NetmetricsKindType(std::string_view kind);

// Parses the text of a series.csv (`name` appears in error messages). Checks the columns and each
// row's fields, not the tiling of points.bin.
absl::StatusOr<std::vector<NetmetricsSeries>> ParseNetmetricsSeriesCsv(
    std::string_view text, const std::string& name = "series.csv");

struct NetmetricsChunk {
  size_t series_index = 0;  // row of series.csv, from 0
  const NetmetricsSeries* series = nullptr;
  uint64_t first = 0;  // index within the series of timestamps[0]
  bool last = false;   // the series' last chunk
  std::span<const int64_t> timestamps;
  std::span<const double> values;       // as stored in points.bin
  std::span<const int64_t> int_values;  // kInt series: `values` converted exactly; else empty

  // Point i as libcatena stores it: Value::Int for kInt series, Value::Float otherwise.
  catena::Value value(size_t i) const {
    return series->type == catena::ValueType::kInt ? catena::Value::Int(int_values[i])
                                                   : catena::Value::Float(values[i]);
  }
};

class NetmetricsReader {
 public:
  struct Options {
    size_t chunk_points = 65536;  // 1 MiB of records per read
  };

  // `dir` holds series.csv and points.bin.
  static absl::StatusOr<std::unique_ptr<NetmetricsReader>> Open(const std::string& dir,
                                                                const Options& options);
  static absl::StatusOr<std::unique_ptr<NetmetricsReader>> Open(const std::string& dir) {
    return Open(dir, Options());
  }

  ~NetmetricsReader();
  NetmetricsReader(const NetmetricsReader&) = delete;
  NetmetricsReader& operator=(const NetmetricsReader&) = delete;

  const std::vector<NetmetricsSeries>& series() const { return series_; }
  uint64_t total_points() const { return total_points_; }

  // The next chunk; false at the end or on error (see status()).
  bool Next(NetmetricsChunk* chunk);
  const absl::Status& status() const { return status_; }

 private:
  NetmetricsReader(std::string bin_path, int fd, std::vector<NetmetricsSeries> series,
                   uint64_t total_points, const Options& options);
  bool Fail(absl::Status status);

  std::string bin_path_;
  int fd_;
  std::vector<NetmetricsSeries> series_;
  uint64_t total_points_;
  Options options_;
  absl::Status status_;
  bool finished_ = false;
  size_t index_ = 0;      // series being read
  uint64_t offset_ = 0;   // points of it already returned
  bool started_ = false;  // a chunk of series index_ was returned
  std::vector<unsigned char> raw_;
  std::vector<int64_t> timestamps_;
  std::vector<double> values_;
  std::vector<int64_t> int_values_;
};

}  // namespace cistern::cli

#endif  // CISTERN_CLI_SRC_NETMETRICS_READER_H_
