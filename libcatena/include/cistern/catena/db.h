// Db: a libcatena database in one directory — an in-memory head of recent samples guarded by a
// write-ahead log, sealed immutable blocks on disk, a series catalogue, compaction, retention and
// rollups. One writer appends; any number of readers query snapshots concurrently.
//
//   CISTERN_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open("/var/lib/cistern/tsdb", {}));
//   CISTERN_ASSIGN_OR_RETURN(SeriesRef ref, db->GetOrCreateSeries(key));
//   CISTERN_RETURN_IF_ERROR(db->Append(ref, ts_ms, Value::Int(counter)));
//   CISTERN_RETURN_IF_ERROR(db->Commit());   // durable under the fsync policy once this returns
//   std::shared_ptr<const SeriesReader> snapshot = db->Snapshot();
//
// Layout of the directory and of every file: libcatena/doc/format.md.
//
// Errors: InvalidArgument for a bad key or a sample the database cannot take (older than the
// out-of-order window, a different value at an existing timestamp); DataLoss for damaged files
// (with the file and offset; damaged blocks are skipped and counted, the rest stays readable);
// ResourceExhausted / Internal with errno text for I/O errors such as a full disk — nothing
// half-written is ever left behind as data; FailedPrecondition when the directory is locked by
// another process.
//
// Thread safety: GetOrCreateSeries, Append, Commit, Flush, Compact, ApplyRetention and Close belong
// to one writer thread. Snapshot() and stats() may be called from any thread at any time; a snapshot
// stays valid (and keeps its blocks alive) after later writes, flushes and compactions, and reads
// committed data as series_reader.h says (read committed, never missing what preceded it).
#ifndef CISTERN_CATENA_DB_H_
#define CISTERN_CATENA_DB_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cistern/catena/series_reader.h"
#include "cistern/catena/types.h"

namespace cistern::catena {

enum class FsyncPolicy : uint8_t {
  kEveryCommit,  // fdatasync before Commit returns: nothing committed is lost, even on power loss
  kInterval,     // fdatasync at a Commit when fsync_interval_ms have passed since the last one
  kNever,        // leave it to the OS (a process crash still loses nothing committed)
};

struct DbOptions {
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  int64_t fsync_interval_ms = 1000;
  // The head is sealed into a block when it spans more than this, or holds more than
  // head_max_samples, or at Flush/Close.
  int64_t block_duration_ms = 2 * 3600 * 1000;
  size_t head_max_samples = 64u << 20;
  // Samples older than (newest sample of the series - ooo_window_ms) are refused.
  int64_t ooo_window_ms = 3600 * 1000;
  // Compaction merges blocks into aligned ranges of these durations (ascending).
  std::vector<int64_t> compaction_ranges_ms = {2 * 3600 * 1000, 24 * 3600 * 1000};
  // 0 keeps everything; otherwise ApplyRetention drops blocks entirely older than this.
  int64_t retention_ms = 0;
  // Rollups: per series and step, min/max/sum/count of every aligned bucket [k*step, (k+1)*step),
  // stored in every block a flush, compaction or retention writes (computed from its samples;
  // the head's are computed when read). They answer long-range min/max/sum/avg/count_over_time
  // queries (query.h) without decoding raw samples, and outlive the raw samples (below). Cost on
  // the reference data set (2000 SNMP series polled every 10 s, 1.68 bytes per point raw): a 1 h
  // step adds 0.030 bytes per raw point (1.8 %), 15 min 0.104, 5 min 0.284 (17 %), 1 day 0.004.
  // Hence 1 h only by default; add 5 min for finer history after retention. Empty: no rollups.
  std::vector<int64_t> rollup_steps_ms = {3600 * 1000};
  // 0 keeps rollups exactly as long as raw samples (retention_ms drops blocks whole). Otherwise
  // ApplyRetention rewrites a block older than retention_ms but not older than this as a
  // rollup-only block (raw samples gone, rollups and series keys kept), and drops rollup-only
  // blocks older than this. Meant to be longer than retention_ms. Samples written later into a
  // range that is already rollup-only are added to its rows as they come (one sample written
  // twice there is counted twice: raw samples are no longer there to tell).
  int64_t rollup_retention_ms = 0;
  // Compaction merges rollup-only blocks into aligned ranges of this duration (each block repeats
  // the series keys, which outweigh a day of 1 h rollups).
  int64_t rollup_compaction_range_ms = int64_t{30} * 24 * 3600 * 1000;
  size_t wal_segment_bytes = 64u << 20;
  bool read_only = false;  // no lock, no WAL replay into files, no writes
};

using SeriesRef = uint64_t;

struct DbStats {
  uint64_t series = 0;
  // The oldest and newest timestamps held (blocks and head); min > max when empty.
  int64_t min_time_ms = INT64_MAX;
  int64_t max_time_ms = INT64_MIN;
  uint64_t head_samples = 0;
  uint64_t blocks = 0;
  uint64_t block_bytes = 0;
  uint64_t appended = 0;
  uint64_t duplicates_ignored = 0;   // same timestamp and value again (e.g. a replay)
  uint64_t rejected_out_of_order = 0;
  uint64_t rejected_conflicting = 0;  // same timestamp, another value
  uint64_t wal_records_replayed = 0;
  uint64_t wal_torn_bytes_cut = 0;
  uint64_t damaged_blocks = 0;  // refused at open (their data is not readable)
  uint64_t damaged_chunks = 0;  // met by compaction (the blocks holding them are left as they are)
  // Damaged files met at open or in compaction (DataLoss messages naming file and offset).
  std::vector<std::string> problems;
};

class Db {
 public:
  static absl::StatusOr<std::unique_ptr<Db>> Open(const std::string& dir, const DbOptions& options);
  virtual ~Db() = default;  // closes (as Close) if still open, ignoring errors

  // The series' reference, created (and logged) on first use.
  virtual absl::StatusOr<SeriesRef> GetOrCreateSeries(const SeriesKey& key) = 0;
  // Buffers one sample; it is logged and becomes visible at the next Commit.
  virtual absl::Status Append(SeriesRef ref, int64_t timestamp_ms, Value value) = 0;
  // Logs the buffered samples (fsync per policy) and makes them visible. Samples refused (too old,
  // conflicting) are counted in stats(), not errors: the call fails only for I/O errors. When the
  // head is full Commit also flushes it; an error of that flush is returned although the samples
  // were logged and are visible (they stay in the head and the log; a later Flush retries).
  virtual absl::Status Commit() = 0;
  // Seals the whole head into a block and truncates the log.
  virtual absl::Status Flush() = 0;
  // Merges small and overlapping blocks (compaction_ranges_ms; rollup-only blocks by
  // rollup_compaction_range_ms), recomputing the rollups of merged raw samples.
  virtual absl::Status Compact() = 0;
  // Blocks whose newest sample is older than (newest sample in the database - retention_ms) lose
  // their raw samples: dropped, or rewritten as rollup-only blocks while rollup_retention_ms
  // covers them; rollup-only blocks older than that are dropped. A block whose data turns out
  // damaged is left as it is (counted in damaged_chunks, reported in problems).
  virtual absl::Status ApplyRetention() = 0;
  // Commit, Flush, Compact, release the lock. The log is left empty: a series created but never
  // given a sample is not remembered (its key is in no block).
  virtual absl::Status Close() = 0;

  virtual std::shared_ptr<const SeriesReader> Snapshot() const = 0;
  virtual DbStats stats() const = 0;
};

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_DB_H_
