// The head of a libcatena database: every series' recent samples, in memory. Each series keeps
// encoded chunks (one per aligned chunk window, or per kMaxOpenSamples), the open chunk being
// filled, and the out-of-order samples that arrived behind it. The writer mutates it under the
// exclusive lock; readers copy one series' state under the shared lock (SeriesState).
#ifndef CISTERN_CATENA_SRC_HEAD_H_
#define CISTERN_CATENA_SRC_HEAD_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "cistern/catena/block.h"
#include "cistern/catena/db.h"
#include "cistern/catena/series_reader.h"
#include "cistern/catena/types.h"

namespace cistern::catena {

inline constexpr int64_t kChunkWindowMs = 2 * 3600 * 1000;
inline constexpr size_t kMaxOpenSamples = 4096;

// A time-ordered run of samples as plain columns.
struct SampleColumns {
  std::vector<int64_t> t;
  std::vector<uint64_t> v;
  std::vector<ValueType> type;  // per sample (a series may change type between chunks)
  size_t size() const { return t.size(); }
};

struct HeadSeries {
  SeriesRef ref = 0;
  SeriesKey key;
  std::vector<std::shared_ptr<const EncodedChunk>> chunks;  // ascending, not overlapping
  std::vector<int64_t> open_t;
  std::vector<uint64_t> open_v;
  ValueType open_type = ValueType::kFloat;
  int64_t open_window = 0;
  std::vector<Sample> ooo;  // behind the newest sample, within the window; unsorted
  absl::flat_hash_map<int64_t, Value> ooo_index;  // the same, by timestamp
  int64_t max_t = std::numeric_limits<int64_t>::min();
  uint64_t samples = 0;  // in the head

  bool empty() const { return chunks.empty() && open_t.empty() && ooo.empty(); }
};

// What a reader copies of one series under the shared lock.
struct SeriesState {
  std::vector<std::shared_ptr<const EncodedChunk>> chunks;
  std::vector<int64_t> open_t;
  std::vector<uint64_t> open_v;
  ValueType open_type = ValueType::kFloat;
  std::vector<Sample> ooo;
};

// Encodes one run of samples of one type into a chunk.
EncodedChunk EncodeChunk(const int64_t* t, const uint64_t* v, size_t n, ValueType type);

// Sorts samples by time and removes repeated timestamps, keeping the first occurrence; counts the
// repeats that carried another value.
void SortAndDedup(std::vector<Sample>* samples, uint64_t* conflicting);

// Re-chunks time-ordered samples: one chunk per aligned window, type change or kMaxOpenSamples.
std::vector<EncodedChunk> ChunkSamples(const std::vector<Sample>& samples);

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_SRC_HEAD_H_
