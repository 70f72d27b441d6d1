#include "cistern/catena/block.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "cistern/catena/codec.h"
#include "cistern/catena/series_reader.h"
#include "crc32c.h"
#include "file_util.h"
#include "rollup.h"
#include "varint.h"

namespace cistern::catena {
namespace {

// File: magic, data region (streams), index, footer. See doc/format.md.
constexpr char kMagic[8] = {'C', 'A', 'T', 'E', 'N', 'A', 'B', '1'};
constexpr size_t kFooterSize = 8 + 8 + 4 + 4 + 8;  // index offset, index length, crc, version, magic
constexpr uint32_t kVersion = 1;
constexpr size_t kMaxString = 1 << 16;

absl::Status DataLoss(const std::string& path, uint64_t offset, absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("catena: block ", path, " damaged at byte ", offset, ": ", what));
}
absl::Status DataLoss(const std::string& path, uint64_t offset, const char* what) {
  return DataLoss(path, offset, absl::string_view(what));
}

}  // namespace

void BlockBuilder::AddSeries(uint64_t ref, const SeriesKey& key, std::vector<EncodedChunk> chunks,
                             std::vector<SeriesRollup> rollups) {
  series_.push_back(Entry{ref, key, std::move(chunks), std::move(rollups)});
}

namespace {

struct RollupOut {
  uint32_t series;
  uint32_t rows;
  EncodedRollup encoded;
};

absl::Status CheckGivenRows(const SeriesRollup& r) {
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const RollupRow& row = r.rows[i];
    if (r.step_ms <= 0 || !IsRollupAligned(row.start, r.step_ms) || row.count == 0 ||
        row.float_count > row.count || (i > 0 && row.start <= r.rows[i - 1].start)) {
      return absl::InvalidArgumentError(absl::StrCat("catena: rollup row ", i, " at step ",
                                                     r.step_ms,
                                                     " is not aligned, not ascending or empty"));
    }
  }
  if (r.rows.size() > kMaxChunkSamples) {
    return absl::InvalidArgumentError("catena: more rollup rows than a block entry holds");
  }
  return absl::OkStatus();
}

// Every step's rows of every series: given ones as they are, the others computed from the chunks
// (decoded once per series).
absl::Status BuildRollups(const std::vector<int64_t>& steps, size_t series, const SeriesKey& key,
                          const std::vector<EncodedChunk>& chunks,
                          const std::vector<SeriesRollup>& given,
                          std::vector<std::vector<RollupOut>>* out) {
  std::vector<const SeriesRollup*> use(steps.size(), nullptr);
  std::vector<RollupComputer> computers;
  std::vector<size_t> computed;  // step indexes
  for (size_t k = 0; k < steps.size(); ++k) {
    for (const SeriesRollup& g : given) {
      if (g.step_ms == steps[k]) use[k] = &g;
    }
    if (use[k] == nullptr && !chunks.empty()) {
      computers.emplace_back(steps[k]);
      computed.push_back(k);
    }
  }
  if (!computers.empty()) {
    std::vector<int64_t> t;
    std::vector<uint64_t> v;
    for (const EncodedChunk& c : chunks) {
      t.resize(c.count);
      v.resize(c.count);
      ValueType type;
      absl::Status s = DecodeTimestamps(c.timestamps, c.count, t.data());
      if (s.ok()) s = DecodeValues(c.values, c.count, &type, v.data());
      if (!s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("catena: a chunk of ", key.ToString(),
                         " given to the block builder does not decode: ", s.message()));
      }
      for (RollupComputer& rc : computers) rc.Add(t.data(), v.data(), type, c.count);
    }
  }
  for (size_t k = 0; k < steps.size(); ++k) {
    std::vector<RollupRow> rows;
    if (use[k] != nullptr) {
      if (absl::Status s = CheckGivenRows(*use[k]); !s.ok()) return s;
      rows = use[k]->rows;
    } else {
      for (size_t i = 0; i < computed.size(); ++i) {
        if (computed[i] == k) rows = computers[i].Finish();
      }
    }
    if (rows.empty()) continue;
    (*out)[k].push_back(RollupOut{static_cast<uint32_t>(series), static_cast<uint32_t>(rows.size()),
                                  EncodeRollup(rows)});
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status BlockBuilder::Write(const std::string& path, BlockMeta meta) {
  // Rollups first (their bucket streams join the timestamp streams).
  std::vector<int64_t>& steps = meta.rollup_steps;
  steps.erase(std::remove_if(steps.begin(), steps.end(), [](int64_t s) { return s <= 0; }),
              steps.end());
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  std::vector<std::vector<RollupOut>> rollups(steps.size());
  for (size_t s = 0; s < series_.size(); ++s) {
    if (absl::Status st =
            BuildRollups(steps, s, series_[s].key, series_[s].chunks, series_[s].rollups, &rollups);
        !st.ok()) {
      return st;
    }
  }
  const bool write_chunks = !meta.rollup_only;
  // Data region: distinct timestamp streams first, then value streams in series order, then
  // rollup columns in step and series order.
  std::string data(kMagic, sizeof kMagic);
  absl::flat_hash_map<std::string_view, uint32_t> ts_ids;
  struct Ts {
    uint64_t offset;
    uint32_t length;
    uint32_t crc;
  };
  std::vector<Ts> ts_table;
  std::vector<std::vector<uint32_t>> chunk_ts(series_.size());
  auto ts_id = [&](const std::string& stream) {
    auto [it, inserted] = ts_ids.try_emplace(stream, static_cast<uint32_t>(ts_table.size()));
    if (inserted) {
      ts_table.push_back(Ts{data.size(), static_cast<uint32_t>(stream.size()), Crc32c(stream)});
      data.append(stream);
    }
    return it->second;
  };
  for (size_t s = 0; s < series_.size() && write_chunks; ++s) {
    for (const EncodedChunk& c : series_[s].chunks) chunk_ts[s].push_back(ts_id(c.timestamps));
  }
  std::vector<std::vector<uint32_t>> bucket_ts(steps.size());
  for (size_t k = 0; k < steps.size(); ++k) {
    for (const RollupOut& r : rollups[k]) bucket_ts[k].push_back(ts_id(r.encoded.buckets));
  }
  // Symbols.
  std::map<std::string_view, uint32_t> symbols;
  for (const Entry& e : series_) {
    symbols.emplace(e.key.metric, 0);
    symbols.emplace(kMetricNameLabel, 0);
    for (const Label& l : e.key.labels) {
      symbols.emplace(l.name, 0);
      symbols.emplace(l.value, 0);
    }
  }
  std::string index;
  PutVarint(&index, symbols.size());
  {
    uint32_t i = 0;
    for (auto& [sym, id] : symbols) {
      id = i++;
      PutString(&index, sym);
    }
  }
  PutVarint(&index, ts_table.size());
  for (const Ts& t : ts_table) {
    PutVarint(&index, t.offset);
    PutVarint(&index, t.length);
    PutFixed32(&index, t.crc);
  }
  // Value streams follow the timestamp streams, in series and chunk order: their offsets are
  // implied by their lengths.
  PutVarint(&index, data.size());
  meta.samples = 0;
  bool first = true;
  PutVarint(&index, series_.size());
  std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> postings;
  for (size_t s = 0; s < series_.size(); ++s) {
    const Entry& e = series_[s];
    PutVarint(&index, e.ref);
    PutVarint(&index, symbols[e.key.metric]);
    postings[{symbols[kMetricNameLabel], symbols[e.key.metric]}].push_back(static_cast<uint32_t>(s));
    PutVarint(&index, e.key.labels.size());
    for (const Label& l : e.key.labels) {
      PutVarint(&index, symbols[l.name]);
      PutVarint(&index, symbols[l.value]);
      postings[{symbols[l.name], symbols[l.value]}].push_back(static_cast<uint32_t>(s));
    }
    const size_t nchunks = write_chunks ? e.chunks.size() : 0;
    PutVarint(&index, nchunks);
    int64_t prev = 0;
    for (const EncodedChunk& ch : e.chunks) {  // the range and count even when not written
      if (!meta.rollup_only) {  // a rollup-only block keeps the range its caller gives
        if (first || ch.mint < meta.mint) meta.mint = ch.mint;
        if (first || ch.maxt > meta.maxt) meta.maxt = ch.maxt;
      }
      first = false;
    }
    for (size_t c = 0; c < nchunks; ++c) {
      const EncodedChunk& ch = e.chunks[c];
      PutZigzag(&index, ch.mint - prev);
      PutVarint(&index, static_cast<uint64_t>(ch.maxt - ch.mint));
      PutVarint(&index, ch.count);
      PutVarint(&index, chunk_ts[s][c]);
      PutVarint(&index, ch.values.size());
      PutFixed32(&index, Crc32c(ch.values));
      data.append(ch.values);
      prev = ch.maxt;
      meta.samples += ch.count;
    }
  }
  PutVarint(&index, postings.size());
  for (const auto& [pair, list] : postings) {
    PutVarint(&index, pair.first);
    PutVarint(&index, pair.second);
    PutVarint(&index, list.size());
    uint32_t prev_s = 0;
    for (uint32_t s : list) {
      PutVarint(&index, s - prev_s);
      prev_s = s;
    }
  }
  PutVarint(&index, meta.id);
  PutZigzag(&index, meta.mint);
  PutZigzag(&index, meta.maxt);
  PutVarint(&index, meta.samples);
  PutVarint(&index, meta.level);
  PutVarint(&index, meta.parents.size());
  for (uint64_t p : meta.parents) PutVarint(&index, p);
  PutVarint(&index, meta.rollup_only ? 1 : 0);
  // Rollups: their columns follow the value streams, in step and entry order.
  PutVarint(&index, data.size());
  PutVarint(&index, steps.size());
  for (size_t k = 0; k < steps.size(); ++k) {
    PutVarint(&index, static_cast<uint64_t>(steps[k]));
    PutVarint(&index, rollups[k].size());
    uint32_t prev_series = 0;
    for (size_t i = 0; i < rollups[k].size(); ++i) {
      const RollupOut& r = rollups[k][i];
      PutVarint(&index, r.series - prev_series);
      prev_series = r.series;
      PutVarint(&index, r.rows);
      PutVarint(&index, bucket_ts[k][i]);
      PutVarint(&index, r.encoded.columns.size());
      PutFixed32(&index, Crc32c(r.encoded.columns));
      data.append(r.encoded.columns);
    }
  }

  std::string footer;
  PutFixed64(&footer, data.size());
  PutFixed64(&footer, index.size());
  PutFixed32(&footer, Crc32c(index));
  PutFixed32(&footer, kVersion);
  footer.append(kMagic, sizeof kMagic);
  return WriteFileAtomically(path, {data, index, footer});
}

Block::~Block() {
  if (mapped_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

absl::StatusOr<std::shared_ptr<Block>> Block::FromBuffer(std::string bytes, std::string name) {
  std::shared_ptr<Block> block(new Block());
  block->path_ = std::move(name);
  block->buffer_ = std::move(bytes);
  block->data_ = reinterpret_cast<const uint8_t*>(block->buffer_.data());
  block->size_ = block->buffer_.size();
  if (absl::Status s = block->Parse(); !s.ok()) return s;
  return block;
}

absl::StatusOr<std::shared_ptr<Block>> Block::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus("stat", path, err);
  }
  std::shared_ptr<Block> block(new Block());
  block->path_ = path;
  block->size_ = static_cast<size_t>(st.st_size);
  if (block->size_ < sizeof kMagic + kFooterSize) {
    ::close(fd);
    return DataLoss(path, 0, "file shorter than a header and footer");
  }
  void* map = ::mmap(nullptr, block->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return ErrnoStatus("mmap", path, errno);
  block->data_ = static_cast<const uint8_t*>(map);
  block->mapped_ = true;
  if (absl::Status s = block->Parse(); !s.ok()) return s;
  return block;
}

absl::Status Block::Parse() {
  const std::string& path = path_;
  if (size_ < sizeof kMagic + kFooterSize) {
    return DataLoss(path, 0, "file shorter than a header and footer");
  }
  const std::string_view all(reinterpret_cast<const char*>(data_), size_);
  if (all.substr(0, 8) != std::string_view(kMagic, 8)) return DataLoss(path, 0, "bad magic");
  const size_t footer_at = size_ - kFooterSize;
  VarintReader footer(all.substr(footer_at));
  const uint64_t index_offset = footer.Fixed64();
  const uint64_t index_length = footer.Fixed64();
  const uint32_t index_crc = footer.Fixed32();
  const uint32_t version = footer.Fixed32();
  if (all.substr(size_ - 8) != std::string_view(kMagic, 8)) {
    return DataLoss(path, size_ - 8, "bad footer magic (file truncated?)");
  }
  if (version != kVersion) {
    // The version field is outside the index checksum: a value other than ours is as likely a
    // damaged byte as a newer writer, and either way the block cannot be read.
    return DataLoss(path, footer_at + 20,
                    absl::StrCat("format version ", version, " is not ", kVersion,
                                 " (damaged, or written by a newer Cistern)"));
  }
  if (index_offset < 8 || index_offset > footer_at || index_length != footer_at - index_offset) {
    return DataLoss(path, footer_at, "footer's index position is outside the file");
  }
  const std::string_view index = all.substr(index_offset, index_length);
  if (Crc32c(index) != index_crc) return DataLoss(path, index_offset, "index checksum mismatch");
  index_bytes_ = index_length + kFooterSize;
  return ParseIndex(index, index_offset);
}

absl::Status Block::ParseIndex(std::string_view index, uint64_t index_offset) {
  VarintReader r(index);
  auto bad = [&](const char* what) { return DataLoss(path_, index_offset + r.position(), what); };
  const uint64_t nsym = r.Count(1);
  symbols_.reserve(nsym);
  for (uint64_t i = 0; i < nsym && r.ok(); ++i) symbols_.emplace_back(r.String(kMaxString));
  if (!r.ok()) return bad("symbol table");
  const uint64_t nts = r.Count(6);
  ts_streams_.reserve(nts);
  for (uint64_t i = 0; i < nts && r.ok(); ++i) {
    TsStream t;
    t.offset = r.Varint();
    t.length = static_cast<uint32_t>(r.Varint());
    t.crc = r.Fixed32();
    if (t.offset > index_offset || t.length > index_offset - t.offset) return bad("timestamp stream outside the data region");
    ts_streams_.push_back(t);
  }
  if (!r.ok()) return bad("timestamp stream table");
  uint64_t value_offset = r.Varint();
  if (!r.ok() || value_offset > index_offset) return bad("value region offset");
  auto sym = [&](uint64_t id) -> const std::string* {
    return id < symbols_.size() ? &symbols_[id] : nullptr;
  };
  const uint64_t nseries = r.Count(4);
  series_.reserve(nseries);
  for (uint64_t s = 0; s < nseries; ++s) {
    BlockSeries bs;
    bs.ref = r.Varint();
    const std::string* metric = sym(r.Varint());
    if (!r.ok() || metric == nullptr) return bad("series metric");
    bs.key.metric = *metric;
    const uint64_t nlabels = r.Count(2);
    for (uint64_t l = 0; l < nlabels; ++l) {
      const std::string* name = sym(r.Varint());
      const std::string* value = sym(r.Varint());
      if (!r.ok() || name == nullptr || value == nullptr) return bad("series label");
      bs.key.labels.push_back(Label{*name, *value});
    }
    const uint64_t nchunks = r.Count(9);
    int64_t prev = 0;
    for (uint64_t c = 0; c < nchunks; ++c) {
      ChunkMeta m;
      const int64_t mint_delta = r.Zigzag();
      const uint64_t span = r.Varint();
      if (__builtin_add_overflow(prev, mint_delta, &m.mint) || span > static_cast<uint64_t>(INT64_MAX) ||
          __builtin_add_overflow(m.mint, static_cast<int64_t>(span), &m.maxt)) {
        return bad("chunk time range overflows");
      }
      const uint64_t count = r.Varint();
      const uint64_t ts = r.Varint();
      m.value_offset = value_offset;
      const uint64_t vlen = r.Varint();
      m.value_crc = r.Fixed32();
      if (!r.ok()) return bad("chunk entry");
      if (count == 0 || count > kMaxChunkSamples || ts >= ts_streams_.size() ||
          m.value_offset > index_offset || vlen > index_offset - m.value_offset) {
        return bad("chunk entry out of range");
      }
      m.count = static_cast<uint32_t>(count);
      m.ts_stream = static_cast<uint32_t>(ts);
      m.value_length = static_cast<uint32_t>(vlen);
      value_offset += vlen;
      prev = m.maxt;
      bs.chunks.push_back(m);
    }
    series_.push_back(std::move(bs));
  }
  const uint64_t npost = r.Count(3);
  postings_.reserve(npost);
  for (uint64_t p = 0; p < npost; ++p) {
    Posting post;
    post.name = static_cast<uint32_t>(r.Varint());
    post.value = static_cast<uint32_t>(r.Varint());
    const uint64_t n = r.Count(1);
    if (!r.ok() || post.name >= symbols_.size() || post.value >= symbols_.size()) return bad("postings");
    uint64_t s = 0;
    for (uint64_t i = 0; i < n; ++i) {
      s += r.Varint();
      if (s >= series_.size()) return bad("postings name a series that does not exist");
      post.series.push_back(static_cast<uint32_t>(s));
    }
    postings_.push_back(std::move(post));
  }
  meta_.id = r.Varint();
  meta_.mint = r.Zigzag();
  meta_.maxt = r.Zigzag();
  meta_.samples = r.Varint();
  meta_.level = static_cast<uint32_t>(r.Varint());
  const uint64_t nparents = r.Count(1);
  for (uint64_t i = 0; i < nparents; ++i) meta_.parents.push_back(r.Varint());
  const uint64_t flags = r.Varint();
  if (!r.ok() || flags > 1) return bad("block meta");
  meta_.rollup_only = flags & 1;
  if (meta_.rollup_only && meta_.samples != 0) return bad("a rollup-only block counts samples");
  // Rollups.
  uint64_t rollup_offset = r.Varint();
  if (!r.ok() || rollup_offset > index_offset) return bad("rollup region offset");
  const uint64_t nsteps = r.Count(2);
  if (!r.ok()) return bad("rollup steps");
  rollups_.reserve(nsteps);
  for (uint64_t k = 0; k < nsteps; ++k) {
    const uint64_t step = r.Varint();
    if (!r.ok() || step == 0 || step > static_cast<uint64_t>(INT64_MAX) ||
        (k > 0 && static_cast<int64_t>(step) <= meta_.rollup_steps.back())) {
      return bad("rollup step not ascending");
    }
    meta_.rollup_steps.push_back(static_cast<int64_t>(step));
    std::vector<RollupEntry>& entries =
        rollups_.emplace_back(series_.size(), RollupEntry{0, 0, 0, 0, 0});
    const uint64_t n = r.Count(8);
    uint64_t s = 0;
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t delta = r.Varint();
      RollupEntry e;
      const uint64_t rows = r.Varint();
      const uint64_t buckets = r.Varint();
      const uint64_t length = r.Varint();
      e.crc = r.Fixed32();
      if (!r.ok()) return bad("rollup entry");
      if ((i > 0 && delta == 0) || delta >= series_.size() - s) {
        return bad("rollup entry names a series that does not exist");
      }
      s += delta;
      if (rows == 0 || rows > kMaxChunkSamples || buckets >= ts_streams_.size() ||
          length > index_offset - rollup_offset) {
        return bad("rollup entry out of range");
      }
      e.rows = static_cast<uint32_t>(rows);
      e.buckets = static_cast<uint32_t>(buckets);
      e.offset = rollup_offset;
      e.length = static_cast<uint32_t>(length);
      rollup_offset += length;
      entries[s] = e;
    }
  }
  if (!r.ok() || !r.done()) return bad("rollup table");
  return absl::OkStatus();
}

absl::Span<const uint32_t> Block::Postings(std::string_view name, std::string_view value) const {
  auto find = [&](std::string_view s) -> int64_t {
    auto it = std::lower_bound(symbols_.begin(), symbols_.end(), s);
    return it != symbols_.end() && *it == s ? it - symbols_.begin() : -1;
  };
  const int64_t n = find(name);
  const int64_t v = find(value);
  if (n < 0 || v < 0) return {};
  auto it = std::lower_bound(postings_.begin(), postings_.end(), std::make_pair(n, v),
                             [](const Posting& p, const std::pair<int64_t, int64_t>& k) {
                               return std::make_pair<int64_t, int64_t>(p.name, p.value) < k;
                             });
  if (it == postings_.end() || it->name != n || it->value != v) return {};
  return it->series;
}

std::vector<std::string_view> Block::LabelValues(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const Posting& p : postings_) {
    if (symbols_[p.name] == name) out.push_back(symbols_[p.value]);
  }
  return out;
}

BlockStats Block::stats() const {
  BlockStats s;
  s.file_bytes = size_;
  s.index_bytes = index_bytes_;
  s.timestamp_streams = ts_streams_.size();
  for (const TsStream& t : ts_streams_) s.timestamp_bytes += t.length;
  for (const BlockSeries& bs : series_) {
    s.chunks += bs.chunks.size();
    for (const ChunkMeta& m : bs.chunks) s.value_bytes += m.value_length;
  }
  for (const std::vector<RollupEntry>& step : rollups_) {
    for (const RollupEntry& e : step) {
      s.rollup_bytes += e.length;
      s.rollup_rows += e.rows;
    }
  }
  return s;
}

absl::Status Block::CheckTsStream(uint32_t id) const {
  const TsStream& t = ts_streams_[id];
  if (Crc32c(data_ + t.offset, t.length) != t.crc) {
    return DataLoss(path_, t.offset, "timestamp stream checksum mismatch");
  }
  return absl::OkStatus();
}

absl::StatusOr<EncodedChunk> Block::RawChunk(size_t series, size_t chunk) const {
  const ChunkMeta& m = series_[series].chunks[chunk];
  if (absl::Status s = CheckTsStream(m.ts_stream); !s.ok()) return s;
  if (Crc32c(data_ + m.value_offset, m.value_length) != m.value_crc) {
    return DataLoss(path_, m.value_offset, "value stream checksum mismatch");
  }
  const TsStream& t = ts_streams_[m.ts_stream];
  EncodedChunk c;
  c.mint = m.mint;
  c.maxt = m.maxt;
  c.count = m.count;
  c.timestamps.assign(reinterpret_cast<const char*>(data_ + t.offset), t.length);
  c.values.assign(reinterpret_cast<const char*>(data_ + m.value_offset), m.value_length);
  absl::StatusOr<ValueStreamInfo> info = InspectValues(c.values);
  if (!info.ok()) return DataLoss(path_, m.value_offset, info.status().message());
  c.type = info->type;
  return c;
}

absl::Status Block::ReadChunk(size_t series, size_t chunk, int64_t* timestamps, uint64_t* values,
                              ValueType* type) const {
  const ChunkMeta& m = series_[series].chunks[chunk];
  const TsStream& t = ts_streams_[m.ts_stream];
  if (absl::Status s = CheckTsStream(m.ts_stream); !s.ok()) return s;
  if (Crc32c(data_ + m.value_offset, m.value_length) != m.value_crc) {
    return DataLoss(path_, m.value_offset, "value stream checksum mismatch");
  }
  const std::string_view ts(reinterpret_cast<const char*>(data_ + t.offset), t.length);
  const std::string_view vs(reinterpret_cast<const char*>(data_ + m.value_offset), m.value_length);
  if (absl::Status s = DecodeTimestamps(ts, m.count, timestamps); !s.ok()) {
    return DataLoss(path_, t.offset, s.message());
  }
  if (absl::Status s = DecodeValues(vs, m.count, type, values); !s.ok()) {
    return DataLoss(path_, m.value_offset, s.message());
  }
  if (timestamps[0] != m.mint || timestamps[m.count - 1] != m.maxt) {
    return DataLoss(path_, m.value_offset, "chunk's timestamps disagree with its index entry");
  }
  return absl::OkStatus();
}

absl::Status Block::Verify() const {
  std::vector<int64_t> ts;
  std::vector<uint64_t> vs;
  for (size_t s = 0; s < series_.size(); ++s) {
    for (size_t c = 0; c < series_[s].chunks.size(); ++c) {
      ts.resize(series_[s].chunks[c].count);
      vs.resize(series_[s].chunks[c].count);
      ValueType type;
      if (absl::Status st = ReadChunk(s, c, ts.data(), vs.data(), &type); !st.ok()) return st;
    }
  }
  std::vector<RollupRow> rows;
  for (size_t k = 0; k < rollups_.size(); ++k) {
    for (size_t s = 0; s < series_.size(); ++s) {
      if (absl::Status st = ReadRollup(s, k, &rows); !st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

int Block::RollupStepIndex(int64_t step_ms) const {
  for (size_t k = 0; k < meta_.rollup_steps.size(); ++k) {
    if (meta_.rollup_steps[k] == step_ms) return static_cast<int>(k);
  }
  return -1;
}

absl::Status Block::ReadRollup(size_t series, size_t step, std::vector<RollupRow>* rows) const {
  rows->clear();
  if (step >= rollups_.size() || series >= series_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("catena: block ", path_, " has no rollup ", step, " of series ", series));
  }
  const RollupEntry& e = rollups_[step][series];
  if (e.rows == 0) return absl::OkStatus();
  if (absl::Status s = CheckTsStream(e.buckets); !s.ok()) return s;
  if (Crc32c(data_ + e.offset, e.length) != e.crc) {
    return DataLoss(path_, e.offset, "rollup checksum mismatch");
  }
  const TsStream& t = ts_streams_[e.buckets];
  const std::string_view buckets(reinterpret_cast<const char*>(data_ + t.offset), t.length);
  const std::string_view columns(reinterpret_cast<const char*>(data_ + e.offset), e.length);
  const int64_t step_ms = meta_.rollup_steps[step];
  rows->resize(e.rows);
  if (absl::Status s = DecodeRollup(buckets, columns, step_ms, e.rows, rows->data()); !s.ok()) {
    rows->clear();
    return DataLoss(path_, e.offset, s.message());
  }
  int64_t lowest = std::numeric_limits<int64_t>::min();
  RollupBucketOf(meta_.mint, step_ms, &lowest);  // left as is when not representable
  if (rows->front().start < lowest || rows->back().start > meta_.maxt) {
    rows->clear();
    return DataLoss(path_, e.offset, "rollup rows outside the block's time range");
  }
  return absl::OkStatus();
}

}  // namespace cistern::catena
