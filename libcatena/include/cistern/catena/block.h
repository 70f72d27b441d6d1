// Blocks: the immutable files a libcatena database keeps its sealed samples in. A block covers a
// time range and holds, for each series in it, the series' key and its chunks (codec.h), rollups
// (RollupRow, series_reader.h: min/max/sum/count per aligned bucket of each step in
// meta().rollup_steps, computed by the builder from the chunks), an index of postings from label
// pairs to series, and checksums of everything: one CRC-32C per timestamp stream, per value stream
// and per series' rollup at one step, one over the index. A rollup-only block
// (meta().rollup_only) keeps the rollups and the keys of data whose raw samples retention dropped.
// Byte layout: libcatena/doc/format.md.
//
//   BlockBuilder b;
//   b.AddSeries(ref, key, {chunk, ...});
//   CISTERN_RETURN_IF_ERROR(b.Write("/db/blocks/b0000000000000007.blk", meta));
//   CISTERN_ASSIGN_OR_RETURN(std::shared_ptr<Block> block, Block::Open(path));
//   std::vector<int64_t> ts; std::vector<uint64_t> v; ValueType type;
//   CISTERN_RETURN_IF_ERROR(block->ReadChunk(series, chunk, &ts, &v, &type));
//
// Writing goes to `<path>.tmp`, is fsynced, then renamed into place and the directory fsynced, so a
// crash or a full disk never leaves a partial block under its real name. Opening checks the footer
// and the index checksum (DataLoss naming the file and offset when either is wrong); each chunk's
// checksums are checked when it is read, so one damaged chunk costs only that chunk. A Block is
// immutable once opened and safe to use from any number of threads.
#ifndef CISTERN_CATENA_BLOCK_H_
#define CISTERN_CATENA_BLOCK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cistern/catena/series_reader.h"
#include "cistern/catena/types.h"

namespace cistern::catena {

// One encoded chunk as the head produces it and a block stores it.
struct EncodedChunk {
  int64_t mint = 0;
  int64_t maxt = 0;
  uint32_t count = 0;
  ValueType type = ValueType::kFloat;
  std::string timestamps;  // EncodeTimestamps
  std::string values;      // EncodeValues
};

struct BlockMeta {
  uint64_t id = 0;
  int64_t mint = 0;
  int64_t maxt = 0;
  uint64_t samples = 0;
  uint32_t level = 0;            // 0 for a flushed head, +1 per compaction
  std::vector<uint64_t> parents;  // ids of the blocks this one replaces (compaction)
  // Rollup steps (ms, ascending, > 0) of which the block holds rows for every series with data.
  std::vector<int64_t> rollup_steps;
  // No chunks, only rollups: samples is 0, mint/maxt are the range the rollups summarise (given by
  // the writer: BlockBuilder::Write derives mint/maxt from the chunks only for raw blocks).
  bool rollup_only = false;
};

// Rows given to the builder instead of computed from chunks (merging rollup-only blocks).
struct SeriesRollup {
  int64_t step_ms = 0;
  std::vector<RollupRow> rows;  // ascending by start, aligned to step_ms
};

class BlockBuilder {
 public:
  // Series must be added in ascending ref order; chunks of a series ascending and not overlapping.
  // `rollups` are used as given for their steps; other steps are computed from the chunks.
  void AddSeries(uint64_t ref, const SeriesKey& key, std::vector<EncodedChunk> chunks,
                 std::vector<SeriesRollup> rollups = {});
  // Writes the block; meta.mint/maxt/samples are computed from the chunks (when there are any).
  // Rows are built for every step in meta.rollup_steps (sorted, deduplicated; steps <= 0 are
  // dropped). With meta.rollup_only the chunks serve to compute rollups and are not written.
  // InvalidArgument for given rows that are not ascending, not aligned or empty.
  absl::Status Write(const std::string& path, BlockMeta meta);
  size_t series() const { return series_.size(); }

 private:
  struct Entry {
    uint64_t ref;
    SeriesKey key;
    std::vector<EncodedChunk> chunks;
    std::vector<SeriesRollup> rollups;
  };
  std::vector<Entry> series_;
};

struct ChunkMeta {
  int64_t mint;
  int64_t maxt;
  uint32_t count;
  uint32_t ts_stream;    // index into the block's timestamp streams
  uint64_t value_offset;  // in the file
  uint32_t value_length;
  uint32_t value_crc;
};

struct BlockSeries {
  uint64_t ref;
  SeriesKey key;
  std::vector<ChunkMeta> chunks;
};

struct BlockStats {
  uint64_t file_bytes = 0;
  uint64_t index_bytes = 0;
  uint64_t timestamp_bytes = 0;  // distinct timestamp streams
  uint64_t timestamp_streams = 0;
  uint64_t value_bytes = 0;
  uint64_t chunks = 0;
  uint64_t rollup_bytes = 0;  // rollup columns (their bucket streams are timestamp streams)
  uint64_t rollup_rows = 0;
};

class Block {
 public:
  static absl::StatusOr<std::shared_ptr<Block>> Open(const std::string& path);
  // The same over bytes in memory (`name` stands for the path in messages): tests and fuzzing.
  static absl::StatusOr<std::shared_ptr<Block>> FromBuffer(std::string bytes, std::string name);
  ~Block();

  const std::string& path() const { return path_; }
  const BlockMeta& meta() const { return meta_; }
  const std::vector<BlockSeries>& series() const { return series_; }
  // Indexes into series() of the series carrying label `name` = `value` ("__name__" for metrics).
  absl::Span<const uint32_t> Postings(std::string_view name, std::string_view value) const;
  // Every value of label `name` present in the block, ascending.
  std::vector<std::string_view> LabelValues(std::string_view name) const;
  BlockStats stats() const;

  // Decodes one chunk (checksums first): DataLoss with the file and offset when damaged.
  absl::Status ReadChunk(size_t series, size_t chunk, int64_t* timestamps, uint64_t* values,
                         ValueType* type) const;
  // The raw streams of a chunk, checksums verified (for compaction copies and inspect).
  absl::StatusOr<EncodedChunk> RawChunk(size_t series, size_t chunk) const;
  // Checks every checksum of the block and decodes every chunk and rollup; the first problem as
  // DataLoss (file, offset).
  absl::Status Verify() const;

  // Rollups: meta().rollup_steps, the index of `step_ms` in them (-1 if absent), and the rows of
  // series `series` at step index `step` (none when the series has no samples there). Checksums
  // first; DataLoss with the file and offset when damaged.
  const std::vector<int64_t>& rollup_steps() const { return meta_.rollup_steps; }
  int RollupStepIndex(int64_t step_ms) const;
  absl::Status ReadRollup(size_t series, size_t step, std::vector<RollupRow>* rows) const;

 private:
  Block() = default;
  struct TsStream {
    uint64_t offset;
    uint32_t length;
    uint32_t crc;
  };
  absl::Status Parse();
  absl::Status ParseIndex(std::string_view index, uint64_t index_offset);
  absl::Status CheckTsStream(uint32_t id) const;

  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::string buffer_;  // the bytes when not mapped
  BlockMeta meta_;
  std::vector<std::string> symbols_;
  std::vector<TsStream> ts_streams_;
  std::vector<BlockSeries> series_;
  // (name symbol, value symbol) -> series indexes, sorted by the pair.
  struct Posting {
    uint32_t name;
    uint32_t value;
    std::vector<uint32_t> series;
  };
  std::vector<Posting> postings_;
  uint64_t index_bytes_ = 0;
  struct RollupEntry {
    uint32_t rows;
    uint32_t buckets;  // timestamp stream
    uint64_t offset;
    uint32_t length;
    uint32_t crc;
  };
  // Per step, per series: the entry, or rows == 0 when the series has none.
  std::vector<std::vector<RollupEntry>> rollups_;
};

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_BLOCK_H_
