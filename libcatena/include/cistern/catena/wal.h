// The write-ahead log of libcatena: series definitions and sample batches, appended to numbered
// segment files before they reach the in-memory head, and replayed into it after a restart.
//
//   CISTERN_ASSIGN_OR_RETURN(WalReplayStats replayed,
//                            ReplayWal(dir + "/wal", {.on_series = ..., .on_samples = ...},
//                                      /*repair=*/true));       // always before opening a writer
//   CISTERN_ASSIGN_OR_RETURN(std::unique_ptr<WalWriter> wal, WalWriter::Open(dir + "/wal", {}));
//   CISTERN_RETURN_IF_ERROR(wal->AppendSeries(ref, key));
//   CISTERN_RETURN_IF_ERROR(wal->AppendSamples(batch));
//   CISTERN_RETURN_IF_ERROR(wal->Commit());        // survives kill -9 from here on
//   CISTERN_ASSIGN_OR_RETURN(uint32_t seq, wal->Rotate());
//   ...seal the head into a block...
//   CISTERN_RETURN_IF_ERROR(wal->RemoveSegmentsBefore(seq));
//
// Format (all integers little-endian; varints are LEB128, zigzag for signed values):
//   segment  = "CWAL" u32(version = 1) record*          file WAL_DIR/%08u.wal, numbers ascending
//   record   = u32(payload length) u32(CRC-32C of type and payload) u8(type) payload
//   series   (type 1) = varint(ref) str(metric) varint(label count) (str(name) str(value))*
//   samples  (type 2) = varint(count) sample*,  str = varint(length) bytes
//   sample   = zigzag(ref - previous ref) zigzag(ts - previous ts) u8(0 float | 1 int)
//              (float: 8 raw bytes of the IEEE 754 double | int: zigzag(value))
//   The "previous" ref and timestamp start at 0 in every record. Records never span segments; a
//   segment exceeds segment_bytes only when a single record is larger. A record that breaks the
//   limits below (kWalMax*), has an unknown type, a bad checksum or bytes left over is damaged.
//   New record types come with a new segment version.
//
// Durability: Commit writes everything appended so far with write(2); once it returns OK the
// records survive the death of the process (kill -9). They survive power loss once fdatasync'ed:
// at every Commit (kEveryCommit), at the first Commit `fsync_interval_ms` after the previous sync
// (kInterval), or never by the log itself (kNever); Sync() syncs now whatever the policy, and a
// segment is synced when it is sealed by rotation (except under kNever). A Commit is not atomic:
// after a crash, replay returns every committed record and possibly some records appended after.
//
// Errors: InvalidArgument for a series over the limits or a value of no known type (that record
// is not appended). An I/O error returns ResourceExhausted (ENOSPC, EDQUOT, EFBIG) or Internal
// (anything else) with the file and the errno text, and leaves the writer failed: every later call
// returns that same error (the caller must replay and reopen). The writer takes a partial write
// back when it can; whatever is left is cut as a torn tail by the next replay.
// ReplayWal: the last segment's first bad or incomplete record starts its torn tail (a crash
// mid-write), which is normal: ignored and, when repairing, cut (damage there cannot be told from a
// torn write, so the records after it are lost). Damage in an earlier segment is counted in the
// stats (first_error names the file and offset) and the rest of that segment skipped, never an
// error. Errors are returned for I/O errors (as above), for a segment of an unknown version
// (Unimplemented: nothing is touched) and as-is for an error of a handler (replay stops there).
//
// Thread safety: a WalWriter belongs to one thread (stats() included). Open a writer only after
// ReplayWal(repair = true) on the same directory (else an uncut torn tail ends up in a middle
// segment, as damage), and never two writers on one directory. DecodeWalSegment and ReplayWal are
// reentrant. Handlers receive views valid during the call only.
#ifndef CISTERN_CATENA_WAL_H_
#define CISTERN_CATENA_WAL_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cistern/catena/db.h"  // FsyncPolicy
#include "cistern/catena/types.h"

namespace cistern::catena {

inline constexpr char kWalMagic[4] = {'C', 'W', 'A', 'L'};
inline constexpr uint32_t kWalVersion = 1;
inline constexpr size_t kWalSegmentHeaderBytes = 8;
inline constexpr size_t kWalRecordHeaderBytes = 9;
// Limits of a valid record (checked by the reader; the writer refuses series beyond them).
inline constexpr uint32_t kWalMaxPayloadBytes = 64u << 20;
inline constexpr size_t kWalMaxLabels = 256;
inline constexpr size_t kWalMaxStringBytes = 64u << 10;
inline constexpr size_t kWalMaxSamplesPerRecord = 1u << 16;

enum class WalRecordType : uint8_t { kSeries = 1, kSamples = 2 };

struct WalSample {
  uint64_t ref = 0;
  int64_t timestamp_ms = 0;
  Value value;
  friend bool operator==(const WalSample&, const WalSample&) = default;
};

struct WalOptions {
  size_t segment_bytes = 64u << 20;  // rotate before a record would make the segment larger
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  int64_t fsync_interval_ms = 1000;
};

struct WalWriterStats {
  uint64_t records = 0;   // records appended (series, sample batches)
  uint64_t samples = 0;   // samples appended
  uint64_t bytes = 0;     // bytes written to segment files, headers included
  uint64_t syncs = 0;     // fdatasync calls on segments
  uint64_t segments = 0;  // segments created by this writer
  uint32_t segment = 0;   // sequence number of the segment being written
};

class WalWriter {
 public:
  // Creates wal_dir (and its parents) if needed and starts a new segment numbered after the
  // highest one present: an existing segment is never appended to.
  static absl::StatusOr<std::unique_ptr<WalWriter>> Open(const std::string& wal_dir,
                                                         const WalOptions& options);
  // Closes the segment. Records appended since the last Commit are discarded; nothing is synced.
  ~WalWriter();
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Buffer one record in memory (AppendSamples: one record per 4096 samples). They write to the
  // file only when the segment fills up (rotation), so they too may return an I/O error.
  absl::Status AppendSeries(uint64_t ref, const SeriesKey& key);
  absl::Status AppendSamples(absl::Span<const WalSample> samples);
  // Writes everything buffered, then fdatasyncs as the policy says.
  absl::Status Commit();
  // fdatasync of what has been committed, now, whatever the policy (buffered records stay so).
  absl::Status Sync();
  // Commit, seal the segment (fdatasync unless kNever) and start the next one; returns its number.
  absl::StatusOr<uint32_t> Rotate();
  // Deletes the segments numbered below `seq` (never the current one), oldest first, then syncs
  // the directory. An error here does not fail the writer.
  absl::Status RemoveSegmentsBefore(uint32_t seq);

  WalWriterStats stats() const { return stats_; }

 private:
  WalWriter(std::string dir, const WalOptions& options);

  absl::Status CreateSegment(uint32_t seq);
  absl::Status SealSegment();
  absl::Status WriteBuffered(size_t n);  // the first n buffered bytes
  absl::Status SyncSegment();
  absl::Status MaybeRotateBefore(size_t record_start);
  absl::Status Fail(absl::Status status);
  char* Reserve(size_t n);  // room for n more bytes at the end of the buffer

  std::string dir_;
  WalOptions options_;
  int fd_ = -1;
  std::string path_;           // of the current segment
  uint64_t segment_size_ = 0;  // bytes written to the current segment
  bool unsynced_ = false;      // written since the last fdatasync
  std::chrono::steady_clock::time_point last_sync_;
  std::unique_ptr<char[]> buf_;  // records appended, not yet written (no zero-fill on growth)
  size_t buf_size_ = 0;
  size_t buf_capacity_ = 0;
  absl::Status failed_;
  WalWriterStats stats_;
};

// The path of segment `seq` in wal_dir, and the segments present (ascending; a missing directory
// has none). Files whose names are not segment names are ignored.
std::string WalSegmentPath(const std::string& wal_dir, uint32_t seq);
absl::StatusOr<std::vector<uint32_t>> ListWalSegments(const std::string& wal_dir);

struct WalReplayStats {
  uint64_t segments = 0;  // segments read
  uint64_t records = 0;   // records delivered
  uint64_t series_records = 0;
  uint64_t sample_records = 0;
  uint64_t samples = 0;
  uint64_t torn_bytes_cut = 0;    // bytes of the last segment's torn tail (cut when repairing)
  uint64_t corrupt_segments = 0;  // segments with damage before their end (rest of each skipped)
  uint64_t missing_segments = 0;  // numbers missing between the first and the last segment
  std::string torn_tail;          // where and why the torn tail starts, if there is one
  std::string first_error;        // the first damage: "wal: <file>: bad record at byte N: why"
};

struct WalReplayHandler {
  std::function<absl::Status(uint64_t ref, SeriesKey key)> on_series = nullptr;   // may be empty
  std::function<absl::Status(absl::Span<const WalSample>)> on_samples = nullptr;  // may be empty
};

// Replays every segment of wal_dir in order. In the last segment the first bad or incomplete
// record starts a torn tail, ignored and, with `repair`, cut from the file (ftruncate + fsync).
// In an earlier segment it is damage: counted, the rest of that segment skipped. An empty segment
// is fine anywhere; a last segment whose header is incomplete or all zeros is torn too; a full
// header that is not a WAL header is damage wherever it is (a file we did not write is never cut).
absl::StatusOr<WalReplayStats> ReplayWal(const std::string& wal_dir,
                                         const WalReplayHandler& handler, bool repair);

// Decodes one whole segment held in memory (header included; empty input is an empty segment)
// and calls the handler for each record, in order, once the record is known to be intact. Returns
// OK if every byte was decoded; DataLoss("wal: bad record at byte N: why") (or "bad segment
// header") at the first damaged or incomplete record; Unimplemented for another segment version;
// or the handler's error. *valid_prefix (optional) is set to the end of the last record delivered
// (the header's end, or 0 when the header is bad). Safe on any input: bounded allocation
// (at most kWalMaxSamplesPerRecord samples at a time), no reads outside `bytes`.
absl::Status DecodeWalSegment(std::string_view bytes, const WalReplayHandler& handler,
                              size_t* valid_prefix);

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_WAL_H_
