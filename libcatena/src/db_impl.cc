// Db: head + WAL + blocks. Locking: `mu_` guards the head's series map and the published block
// list; the writer thread takes it exclusively to change them, readers share it to copy one series'
// state or the block list. Blocks are immutable and reference-counted, so a snapshot keeps the
// blocks it saw alive across compactions and retention (their files may already be unlinked).
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/str_cat.h"
#include "cistern/base/status_macros.h"
#include "cistern/catena/codec.h"
#include "cistern/catena/db.h"
#include "cistern/catena/wal.h"
#include "file_util.h"
#include "head.h"
#include "rollup.h"

namespace cistern::catena {

EncodedChunk EncodeChunk(const int64_t* t, const uint64_t* v, size_t n, ValueType type) {
  EncodedChunk c;
  c.mint = t[0];
  c.maxt = t[n - 1];
  c.count = static_cast<uint32_t>(n);
  c.type = type;
  EncodeTimestamps(absl::MakeConstSpan(t, n), &c.timestamps);
  EncodeValues(type, absl::MakeConstSpan(v, n), &c.values);
  return c;
}

void SortAndDedup(std::vector<Sample>* samples, uint64_t* conflicting) {
  std::stable_sort(samples->begin(), samples->end(), [](const Sample& a, const Sample& b) {
    return a.timestamp_ms < b.timestamp_ms;
  });
  size_t out = 0;
  for (size_t i = 0; i < samples->size(); ++i) {
    if (out > 0 && (*samples)[out - 1].timestamp_ms == (*samples)[i].timestamp_ms) {
      if (!((*samples)[out - 1].value == (*samples)[i].value) && conflicting) ++*conflicting;
      continue;
    }
    (*samples)[out++] = (*samples)[i];
  }
  samples->resize(out);
}

namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

std::vector<EncodedChunk> ChunkSamples(const std::vector<Sample>& samples) {
  std::vector<EncodedChunk> out;
  std::vector<int64_t> t;
  std::vector<uint64_t> v;
  ValueType type = ValueType::kFloat;
  int64_t window = 0;
  auto flush = [&] {
    if (!t.empty()) out.push_back(EncodeChunk(t.data(), v.data(), t.size(), type));
    t.clear();
    v.clear();
  };
  for (const Sample& s : samples) {
    const int64_t w = FloorDiv(s.timestamp_ms, kChunkWindowMs);
    if (!t.empty() && (w != window || s.value.type != type || t.size() >= kMaxOpenSamples)) flush();
    if (t.empty()) {
      window = w;
      type = s.value.type;
    }
    t.push_back(s.timestamp_ms);
    v.push_back(s.value.bits);
  }
  flush();
  return out;
}

namespace {

absl::Status DecodeChunkInto(const EncodedChunk& c, std::vector<Sample>* out) {
  std::vector<int64_t> t(c.count);
  std::vector<uint64_t> v(c.count);
  ValueType type;
  CISTERN_RETURN_IF_ERROR(DecodeTimestamps(c.timestamps, c.count, t.data()));
  CISTERN_RETURN_IF_ERROR(DecodeValues(c.values, c.count, &type, v.data()));
  for (size_t i = 0; i < c.count; ++i) out->push_back(Sample{t[i], Value{type, v[i]}});
  return absl::OkStatus();
}

std::string BlockFileName(uint64_t id) {
  char name[32];
  std::snprintf(name, sizeof name, "b%016" PRIx64 ".blk", id);
  return name;
}

bool ParseBlockFileName(const std::string& name, uint64_t* id) {
  if (name.size() != 21 || name[0] != 'b' || name.substr(17) != ".blk") return false;
  uint64_t v = 0;
  for (size_t i = 1; i < 17; ++i) {
    const char c = name[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return false;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  *id = v;
  return true;
}

absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("list", dir, errno);
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoStatus("mkdir", dir, errno);
  return absl::OkStatus();
}

// A published block with its ref -> series index map.
struct BlockEntry {
  std::shared_ptr<Block> block;
  absl::flat_hash_map<SeriesRef, uint32_t> by_ref;
  uint64_t file_bytes = 0;  // for stats(), without walking the block
};
using BlockList = std::vector<std::shared_ptr<const BlockEntry>>;

std::shared_ptr<const BlockEntry> MakeEntry(std::shared_ptr<Block> block) {
  auto e = std::make_shared<BlockEntry>();
  e->block = std::move(block);
  const auto& series = e->block->series();
  e->by_ref.reserve(series.size());
  for (size_t i = 0; i < series.size(); ++i) e->by_ref[series[i].ref] = static_cast<uint32_t>(i);
  e->file_bytes = e->block->stats().file_bytes;
  return e;
}

// State shared by the Db and its snapshots.
struct Shared {
  mutable absl::Mutex mu;
  absl::flat_hash_map<SeriesRef, std::unique_ptr<HeadSeries>> series ABSL_GUARDED_BY(mu);
  // "name\xffvalue" -> refs of every series ever seen (in creation order, not sorted).
  absl::flat_hash_map<std::string, std::vector<SeriesRef>> postings ABSL_GUARDED_BY(mu);
  std::shared_ptr<const BlockList> blocks ABSL_GUARDED_BY(mu) = std::make_shared<BlockList>();
  // Incremented by every flush: the moment samples move from the head into a new block.
  uint64_t flushes ABSL_GUARDED_BY(mu) = 0;
};

std::string PostingKey(std::string_view name, std::string_view value) {
  std::string k(name);
  k.push_back('\xff');
  k.append(value);
  return k;
}

// Samples of one series from blocks and head, merged.
class MergedCursor : public SeriesCursor {
 public:
  MergedCursor(std::shared_ptr<const BlockList> blocks, SeriesRef ref, SeriesState head,
               int64_t mint, int64_t maxt)
      : blocks_(std::move(blocks)), mint_(mint), maxt_(maxt) {
    for (const auto& entry : *blocks_) {
      const BlockMeta& m = entry->block->meta();
      if (m.maxt < mint || m.mint > maxt) continue;
      auto it = entry->by_ref.find(ref);
      if (it == entry->by_ref.end()) continue;
      const auto& chunks = entry->block->series()[it->second].chunks;
      for (size_t c = 0; c < chunks.size(); ++c) {
        if (chunks[c].maxt < mint || chunks[c].mint > maxt) continue;
        parts_.push_back(Part{chunks[c].mint, chunks[c].maxt, entry->block.get(), it->second, c,
                              nullptr});
      }
    }
    for (const auto& c : head.chunks) {
      if (c->maxt < mint || c->mint > maxt) continue;
      parts_.push_back(Part{c->mint, c->maxt, nullptr, 0, 0, c});
    }
    if (!head.open_t.empty() && head.open_t.back() >= mint && head.open_t.front() <= maxt) {
      auto open = std::make_shared<EncodedChunk>();  // kept raw: see open_
      open->mint = head.open_t.front();
      open->maxt = head.open_t.back();
      open->count = static_cast<uint32_t>(head.open_t.size());
      open->type = head.open_type;
      open_t_ = std::move(head.open_t);
      open_v_ = std::move(head.open_v);
      parts_.push_back(Part{open->mint, open->maxt, nullptr, 0, 0, open, true});
    }
    for (const Sample& s : head.ooo) {
      if (s.timestamp_ms >= mint && s.timestamp_ms <= maxt) ooo_.push_back(s);
    }
    std::stable_sort(parts_.begin(), parts_.end(),
                     [](const Part& a, const Part& b) { return a.mint < b.mint; });
    bool overlap = !ooo_.empty();
    for (size_t i = 1; i < parts_.size() && !overlap; ++i) {
      overlap = parts_[i].mint <= parts_[i - 1].maxt;
    }
    if (overlap) MergeAll();
  }

  size_t Next(int64_t* timestamps, Value* values, size_t capacity) override {
    size_t n = 0;
    while (n < capacity) {
      if (pos_ == buf_t_.size()) {
        if (!LoadNext()) break;
        continue;
      }
      // Fast path: the rest of the buffer lies inside the range and has one type.
      const size_t left = buf_t_.size() - pos_;
      if (buf_type_.empty() && buf_t_[pos_] >= mint_ && buf_t_.back() <= maxt_) {
        const size_t m = std::min(left, capacity - n);
        std::memcpy(timestamps + n, buf_t_.data() + pos_, m * sizeof(int64_t));
        const uint64_t* v = buf_v_.data() + pos_;
        for (size_t i = 0; i < m; ++i) values[n + i] = Value{type_, v[i]};
        n += m;
        pos_ += m;
        continue;
      }
      const int64_t t = buf_t_[pos_];
      if (t > maxt_) {
        pos_ = buf_t_.size();
        next_part_ = parts_.size();
        merged_ = false;
        break;
      }
      if (t >= mint_) {
        timestamps[n] = t;
        values[n] = Value{buf_type_.empty() ? type_ : buf_type_[pos_], buf_v_[pos_]};
        ++n;
      }
      ++pos_;
    }
    return n;
  }
  absl::Status status() const override { return status_; }

 private:
  struct Part {
    int64_t mint;
    int64_t maxt;
    const Block* block;
    size_t series;
    size_t chunk;
    std::shared_ptr<const EncodedChunk> head;
    bool open = false;
  };

  absl::Status DecodePart(const Part& p, std::vector<int64_t>* t, std::vector<uint64_t>* v,
                          ValueType* type) {
    if (p.open) {
      *t = open_t_;
      *v = open_v_;
      *type = p.head->type;
      return absl::OkStatus();
    }
    const uint32_t count = p.block ? p.block->series()[p.series].chunks[p.chunk].count : p.head->count;
    t->resize(count);
    v->resize(count);
    if (p.block) return p.block->ReadChunk(p.series, p.chunk, t->data(), v->data(), type);
    CISTERN_RETURN_IF_ERROR(DecodeTimestamps(p.head->timestamps, count, t->data()));
    return DecodeValues(p.head->values, count, type, v->data());
  }

  bool LoadNext() {
    while (next_part_ < parts_.size()) {
      const Part& p = parts_[next_part_++];
      buf_type_.clear();
      pos_ = 0;
      absl::Status s = DecodePart(p, &buf_t_, &buf_v_, &type_);
      if (s.ok()) return true;
      if (status_.ok()) status_ = s;  // skip the damaged chunk, report it at the end
      buf_t_.clear();
    }
    return false;
  }

  // Overlapping sources: decode everything once, newest source last so the first sample of a
  // timestamp (oldest source) wins, as in compaction.
  void MergeAll() {
    std::vector<Sample> all;
    std::vector<int64_t> t;
    std::vector<uint64_t> v;
    for (const Part& p : parts_) {
      ValueType type;
      absl::Status s = DecodePart(p, &t, &v, &type);
      if (!s.ok()) {
        if (status_.ok()) status_ = s;
        continue;
      }
      for (size_t i = 0; i < t.size(); ++i) all.push_back(Sample{t[i], Value{type, v[i]}});
    }
    all.insert(all.end(), ooo_.begin(), ooo_.end());
    SortAndDedup(&all, nullptr);
    buf_t_.clear();
    buf_v_.clear();
    buf_type_.clear();
    for (const Sample& s : all) {
      buf_t_.push_back(s.timestamp_ms);
      buf_v_.push_back(s.value.bits);
      buf_type_.push_back(s.value.type);
    }
    pos_ = 0;
    next_part_ = parts_.size();
    merged_ = true;
  }

  std::shared_ptr<const BlockList> blocks_;
  int64_t mint_;
  int64_t maxt_;
  std::vector<Part> parts_;
  std::vector<int64_t> open_t_;
  std::vector<uint64_t> open_v_;
  std::vector<Sample> ooo_;
  size_t next_part_ = 0;
  std::vector<int64_t> buf_t_;
  std::vector<uint64_t> buf_v_;
  std::vector<ValueType> buf_type_;
  ValueType type_ = ValueType::kFloat;
  size_t pos_ = 0;
  bool merged_ = false;
  absl::Status status_;
};

// The rollup steps of the options: positive, ascending, unique.
std::vector<int64_t> CleanSteps(std::vector<int64_t> steps) {
  steps.erase(std::remove_if(steps.begin(), steps.end(), [](int64_t s) { return s <= 0; }),
              steps.end());
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  return steps;
}

// Rows of the samples a cursor returns.
absl::Status RowsFromCursor(SeriesCursor* cursor, int64_t step, std::vector<RollupRow>* rows) {
  constexpr size_t kBatch = 256;
  int64_t t[kBatch];
  Value v[kBatch];
  RollupComputer rc(step);
  while (const size_t n = cursor->Next(t, v, kBatch)) {
    for (size_t i = 0; i < n; ++i) rc.Add(t[i], v[i]);
  }
  *rows = rc.Finish();
  return cursor->status();
}

class DbReader : public SeriesReader {
 public:
  DbReader(std::shared_ptr<const Shared> shared, const std::vector<int64_t>& steps)
      : shared_(std::move(shared)) {
    {
      absl::ReaderMutexLock lock(&shared_->mu);
      blocks_ = shared_->blocks;
      flushes_ = shared_->flushes;
    }
    // Steps every rollup-only block has (their raw samples are gone: nothing else can give them).
    for (int64_t step : steps) {
      bool everywhere = true;
      for (const auto& e : *blocks_) {
        if (e->block->meta().rollup_only && e->block->RollupStepIndex(step) < 0) everywhere = false;
      }
      if (everywhere) steps_.push_back(step);
    }
    for (const auto& e : *blocks_) {
      const BlockMeta& m = e->block->meta();
      if (m.rollup_only) {
        raw_from_ = std::max(raw_from_,
                             m.maxt == std::numeric_limits<int64_t>::max() ? m.maxt : m.maxt + 1);
      }
    }
  }

  std::vector<int64_t> RollupSteps() const override { return steps_; }
  int64_t RawRetainedFromMs() const override { return raw_from_; }

  // Rows from every source of the series: each block's stored rows (computed from its chunks when
  // it lacks the step or its rollup is damaged: only a damaged rollup-only block is an error) and
  // the head's computed ones. A bucket with rows from several sources (a
  // block boundary inside it, or overlapping blocks) is computed again from the merged raw samples
  // of all of them, deduplicated as Open does, so that it is exact; rows of rollup-only blocks are
  // merged into it as they are.
  std::unique_ptr<RollupCursor> OpenRollup(SeriesId id, int64_t step, int64_t mint,
                                           int64_t maxt) const override {
    if (std::find(steps_.begin(), steps_.end(), step) == steps_.end()) return nullptr;
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    int64_t first, last;
    if (!RollupFirstBucketFrom(mint, step, &first) || maxt < first) {
      return VectorRollupCursor({}, absl::OkStatus());
    }
    RollupBucketOf(maxt, step, &last);  // >= first: representable
    const int64_t sample_max = last > kMax - (step - 1) ? kMax : last + (step - 1);
    std::shared_ptr<const BlockList> view;
    const SeriesState head = HeadState(id, first, sample_max, /*all_open=*/true, &view);
    absl::Status status;

    struct Source {
      std::vector<RollupRow> rows;
      bool raw;
    };
    std::vector<Source> sources;
    std::vector<std::shared_ptr<const BlockEntry>> blocks(view->begin(), view->end());
    std::stable_sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) {
      return a->block->meta().mint < b->block->meta().mint;
    });
    for (const auto& e : blocks) {
      const BlockMeta& m = e->block->meta();
      if (m.maxt < first || m.mint > sample_max) continue;
      auto it = e->by_ref.find(id);
      if (it == e->by_ref.end()) continue;
      Source src{{}, !m.rollup_only};
      const int k = e->block->RollupStepIndex(step);
      absl::Status s;
      if (k >= 0) s = e->block->ReadRollup(it->second, static_cast<size_t>(k), &src.rows);
      // Without the step, or with its rollup damaged: from the block's raw samples, if it has any.
      if ((k < 0 || !s.ok()) && src.raw) {
        auto one = std::make_shared<BlockList>(BlockList{e});
        MergedCursor c(one, id, SeriesState{}, first, sample_max);
        s = RowsFromCursor(&c, step, &src.rows);
      }
      if (!s.ok()) {
        if (status.ok()) status = s;  // skip the damaged source, report it at the end
        continue;
      }
      std::erase_if(src.rows,
                    [&](const RollupRow& r) { return r.start < first || r.start > last; });
      if (!src.rows.empty()) sources.push_back(std::move(src));
    }
    {
      MergedCursor c(std::make_shared<BlockList>(), id, head, first, sample_max);
      Source src{{}, true};
      if (absl::Status s = RowsFromCursor(&c, step, &src.rows); !s.ok() && status.ok()) status = s;
      if (!src.rows.empty()) sources.push_back(std::move(src));
    }

    // (start, source) in bucket order; sources are in time order.
    std::vector<std::pair<int64_t, size_t>> order;
    std::vector<size_t> pos(sources.size(), 0);
    for (size_t i = 0; i < sources.size(); ++i) {
      for (const RollupRow& r : sources[i].rows) order.emplace_back(r.start, i);
    }
    std::stable_sort(order.begin(), order.end());
    std::vector<RollupRow> out;
    out.reserve(order.size());
    for (size_t i = 0; i < order.size();) {
      size_t j = i;
      while (j < order.size() && order[j].first == order[i].first) ++j;
      if (j - i == 1) {
        out.push_back(sources[order[i].second].rows[pos[order[i].second]++]);
        i = j;
        continue;
      }
      const int64_t start = order[i].first;
      RollupRow merged;
      merged.start = start;
      bool any_raw = false;
      for (size_t k = i; k < j; ++k) {
        const Source& src = sources[order[k].second];
        const RollupRow& r = src.rows[pos[order[k].second]++];
        if (src.raw) {
          any_raw = true;
        } else {
          MergeRows(&merged, r);
        }
      }
      if (any_raw) {
        const int64_t end = start > kMax - (step - 1) ? kMax : start + (step - 1);
        std::shared_ptr<const BlockList> bucket_view;
        SeriesState bucket_head = HeadState(id, start, end, false, &bucket_view);
        MergedCursor c(bucket_view, id, std::move(bucket_head), start, end);
        std::vector<RollupRow> rows;
        if (absl::Status s = RowsFromCursor(&c, step, &rows); !s.ok() && status.ok()) status = s;
        for (const RollupRow& r : rows) MergeRows(&merged, r);
      }
      merged.start = start;
      if (merged.count > 0) out.push_back(merged);
      i = j;
    }
    return VectorRollupCursor(std::move(out), std::move(status));
  }

  absl::StatusOr<std::vector<SeriesId>> Select(absl::Span<const Matcher> matchers) const override {
    CISTERN_ASSIGN_OR_RETURN(MatcherSet set, MatcherSet::Compile(matchers));
    absl::ReaderMutexLock lock(&shared_->mu);
    // Candidates: the shortest postings list among the equality matchers on non-empty values.
    const std::vector<SeriesRef>* best = nullptr;
    static const std::vector<SeriesRef> kNone;
    for (const Matcher& m : matchers) {
      if (m.op != MatchOp::kEqual || m.value.empty()) continue;
      auto it = shared_->postings.find(PostingKey(m.name, m.value));
      const std::vector<SeriesRef>* list = it == shared_->postings.end() ? &kNone : &it->second;
      if (best == nullptr || list->size() < best->size()) best = list;
    }
    std::vector<SeriesId> out;
    auto consider = [&](SeriesRef ref) {
      auto it = shared_->series.find(ref);
      if (it != shared_->series.end() && set.Matches(it->second->key)) {
        out.push_back(ref);
        keys_.try_emplace(ref, it->second->key);
      }
    };
    if (best != nullptr) {
      for (SeriesRef ref : *best) consider(ref);
    } else {
      for (const auto& [ref, s] : shared_->series) consider(ref);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  const SeriesKey& Key(SeriesId id) const override {
    auto it = keys_.find(id);
    if (it != keys_.end()) return it->second;
    absl::ReaderMutexLock lock(&shared_->mu);
    auto s = shared_->series.find(id);
    static const SeriesKey kUnknown;
    if (s == shared_->series.end()) return kUnknown;
    return keys_.try_emplace(id, s->second->key).first->second;
  }

  std::unique_ptr<SeriesCursor> Open(SeriesId id, int64_t mint, int64_t maxt) const override {
    std::shared_ptr<const BlockList> view;
    SeriesState head = HeadState(id, mint, maxt, false, &view);
    return std::make_unique<MergedCursor>(std::move(view), id, std::move(head), mint, maxt);
  }

 private:
  // A copy of the head's state of one series (the open chunk only when it meets [mint, maxt]).
  // With it, the blocks to read beside it: the snapshot's own, unless a flush has since moved
  // head samples into a new block — then the current list, taken under the same lock, so that no
  // sample is in neither (a snapshot's blocks stay alive either way).
  SeriesState HeadState(SeriesId id, int64_t mint, int64_t maxt, bool all_open,
                        std::shared_ptr<const BlockList>* blocks) const {
    SeriesState state;
    absl::ReaderMutexLock lock(&shared_->mu);
    *blocks = shared_->flushes == flushes_ ? blocks_ : shared_->blocks;
    auto it = shared_->series.find(id);
    if (it != shared_->series.end()) {
      const HeadSeries& s = *it->second;
      state.chunks = s.chunks;
      if (!s.open_t.empty() &&
          (all_open || (s.open_t.back() >= mint && s.open_t.front() <= maxt))) {
        state.open_t = s.open_t;
        state.open_v = s.open_v;
        state.open_type = s.open_type;
      }
      state.ooo = s.ooo;
    }
    return state;
  }

  std::shared_ptr<const Shared> shared_;
  std::shared_ptr<const BlockList> blocks_;
  uint64_t flushes_ = 0;
  std::vector<int64_t> steps_;
  int64_t raw_from_ = std::numeric_limits<int64_t>::min();
  // Keys handed out by Key() stay where they are (node map): one thread at a time (see header).
  mutable absl::node_hash_map<SeriesId, SeriesKey> keys_;
};

class DbImpl : public Db {
 public:
  DbImpl(std::string dir, DbOptions options)
      : dir_(std::move(dir)),
        options_(std::move(options)),
        rollup_steps_(CleanSteps(options_.rollup_steps_ms)),
        shared_(std::make_shared<Shared>()) {}

  ~DbImpl() override {
    if (open_) Close().IgnoreError();
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  absl::Status Init() {
    if (!options_.read_only) {
      CISTERN_RETURN_IF_ERROR(MakeDir(dir_));
      CISTERN_RETURN_IF_ERROR(MakeDir(BlocksDir()));
      const std::string lock_path = dir_ + "/LOCK";
      lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (lock_fd_ < 0) return ErrnoStatus("open", lock_path, errno);
      if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        return absl::FailedPreconditionError(
            absl::StrCat("catena: ", dir_, " is in use by another process (", lock_path, " locked)"));
      }
    }
    CISTERN_RETURN_IF_ERROR(LoadBlocks());
    CISTERN_RETURN_IF_ERROR(ReplayLog());
    if (!options_.read_only) {
      WalOptions wo;
      wo.segment_bytes = options_.wal_segment_bytes;
      wo.fsync = options_.fsync;
      wo.fsync_interval_ms = options_.fsync_interval_ms;
      CISTERN_ASSIGN_OR_RETURN(wal_, WalWriter::Open(WalDir(), wo));
    }
    open_ = true;
    return absl::OkStatus();
  }

  absl::StatusOr<SeriesRef> GetOrCreateSeries(const SeriesKey& key) override {
    CISTERN_RETURN_IF_ERROR(CheckWritable());
    std::string canonical = key.CanonicalKey();
    auto it = by_key_.find(canonical);
    if (it != by_key_.end()) return it->second;
    if (!IsValidMetricName(key.metric)) {
      return absl::InvalidArgumentError(absl::StrCat("catena: bad metric name \"", key.metric, "\""));
    }
    for (size_t i = 0; i < key.labels.size(); ++i) {
      const Label& l = key.labels[i];
      if (!IsValidLabelName(l.name) || l.name == kMetricNameLabel) {
        return absl::InvalidArgumentError(absl::StrCat("catena: bad label name \"", l.name,
                                                       "\" in ", key.ToString()));
      }
      for (size_t j = 0; j < i; ++j) {
        if (key.labels[j].name == l.name) {
          return absl::InvalidArgumentError(
              absl::StrCat("catena: label \"", l.name, "\" twice in ", key.ToString()));
        }
      }
    }
    const SeriesRef ref = next_ref_++;
    CISTERN_RETURN_IF_ERROR(wal_->AppendSeries(ref, key));
    AddSeries(ref, key, std::move(canonical));
    return ref;
  }

  absl::Status Append(SeriesRef ref, int64_t timestamp_ms, Value value) override {
    CISTERN_RETURN_IF_ERROR(CheckWritable());
    if (ref >= next_ref_) {
      return absl::InvalidArgumentError(absl::StrCat("catena: unknown series ref ", ref));
    }
    pending_.push_back(WalSample{ref, timestamp_ms, value});
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    CISTERN_RETURN_IF_ERROR(CheckWritable());
    if (!pending_.empty()) CISTERN_RETURN_IF_ERROR(wal_->AppendSamples(pending_));
    CISTERN_RETURN_IF_ERROR(wal_->Commit());
    {
      absl::MutexLock lock(&shared_->mu);
      ApplyLocked(pending_);
    }
    pending_.clear();
    if (head_samples_ > options_.head_max_samples ||
        (head_max_t_ > head_min_t_ &&
         static_cast<uint64_t>(head_max_t_) - static_cast<uint64_t>(head_min_t_) >
             static_cast<uint64_t>(options_.block_duration_ms))) {
      return Flush();
    }
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    CISTERN_RETURN_IF_ERROR(CheckWritable());
    if (!pending_.empty()) CISTERN_RETURN_IF_ERROR(Commit());
    if (head_samples_ == 0) return absl::OkStatus();
    // The writer is the only mutator, so the head can be read without the lock here. One block per
    // aligned range (FlushRange): late samples then land in a small block of their own range,
    // which compaction merges into that range's block, instead of one block that spans and
    // overlaps everything (and would keep growing through overlap merges).
    const int64_t range = FlushRange();
    std::map<int64_t, BlockBuilder> builders;
    std::vector<SeriesRef> refs;
    for (const auto& [ref, s] : UnlockedSeries()) {
      if (!s->empty()) refs.push_back(ref);
    }
    std::sort(refs.begin(), refs.end());
    for (SeriesRef ref : refs) {
      const HeadSeries& s = *UnlockedSeries().at(ref);
      CISTERN_ASSIGN_OR_RETURN(std::vector<EncodedChunk> chunks, FinalChunks(s));
      std::map<int64_t, std::vector<EncodedChunk>> by_range;
      for (EncodedChunk& c : chunks) by_range[FloorDiv(c.mint, range)].push_back(std::move(c));
      for (auto& [k, list] : by_range) builders[k].AddSeries(ref, s.key, std::move(list));
    }
    std::vector<std::shared_ptr<Block>> written;
    for (auto& [k, builder] : builders) {
      BlockMeta meta;
      meta.id = next_block_id_++;
      meta.rollup_steps = rollup_steps_;
      const std::string path = BlocksDir() + "/" + BlockFileName(meta.id);
      absl::Status status = builder.Write(path, meta);
      absl::StatusOr<std::shared_ptr<Block>> block =
          status.ok() ? Block::Open(path) : absl::StatusOr<std::shared_ptr<Block>>(status);
      if (!block.ok()) {
        // Nothing of this flush is published: the head and the log still hold every sample.
        for (const auto& b : written) ::unlink(b->path().c_str());
        ::unlink(path.c_str());
        return block.status();
      }
      written.push_back(*std::move(block));
    }
    {
      absl::MutexLock lock(&shared_->mu);
      auto blocks = std::make_shared<BlockList>(*shared_->blocks);
      for (auto& block : written) blocks->push_back(MakeEntry(std::move(block)));
      shared_->blocks = std::move(blocks);
      ++shared_->flushes;
      lookup_cache_.clear();
      for (auto& [ref, s] : shared_->series) {
        s->chunks.clear();
        s->open_t.clear();
        s->open_v.clear();
        s->ooo.clear();
        s->ooo_index.clear();
        s->samples = 0;
      }
      head_samples_ = 0;
      head_min_t_ = std::numeric_limits<int64_t>::max();
      head_max_t_ = std::numeric_limits<int64_t>::min();
      stats_.rejected_conflicting += flush_conflicting_;
      flush_conflicting_ = 0;
    }
    // The log restarts with every series, so that it never depends on removed segments.
    CISTERN_ASSIGN_OR_RETURN(uint32_t seq, wal_->Rotate());
    for (const auto& [ref, s] : UnlockedSeries()) CISTERN_RETURN_IF_ERROR(wal_->AppendSeries(ref, s->key));
    CISTERN_RETURN_IF_ERROR(wal_->Commit());
    CISTERN_RETURN_IF_ERROR(wal_->Sync());
    return wal_->RemoveSegmentsBefore(seq);
  }

  absl::Status Compact() override;
  absl::Status ApplyRetention() override;

  absl::Status Close() override {
    if (!open_) return absl::OkStatus();
    absl::Status s;
    if (!options_.read_only) {
      s = Flush();
      if (s.ok()) s = Compact();
      // Everything is in blocks now, series keys included: the log starts empty.
      if (s.ok()) {
        absl::StatusOr<uint32_t> seq = wal_->Rotate();
        s = seq.ok() ? wal_->RemoveSegmentsBefore(*seq) : seq.status();
      }
    }
    open_ = false;
    if (lock_fd_ >= 0) {
      ::close(lock_fd_);
      lock_fd_ = -1;
    }
    return s;
  }

  std::shared_ptr<const SeriesReader> Snapshot() const override {
    return std::make_shared<DbReader>(shared_, rollup_steps_);
  }

  DbStats stats() const override {
    absl::ReaderMutexLock lock(&shared_->mu);
    DbStats s = stats_;
    s.series = shared_->series.size();
    s.head_samples = head_samples_;
    s.blocks = shared_->blocks->size();
    s.min_time_ms = head_min_t_;
    s.max_time_ms = head_max_t_;
    for (const auto& b : *shared_->blocks) {
      s.block_bytes += b->file_bytes;
      s.min_time_ms = std::min(s.min_time_ms, b->block->meta().mint);
      s.max_time_ms = std::max(s.max_time_ms, b->block->meta().maxt);
    }
    for (const absl::Status& p : problems_) s.problems.emplace_back(p.message());
    return s;
  }

 private:
  std::string BlocksDir() const { return dir_ + "/blocks"; }
  std::string WalDir() const { return dir_ + "/wal"; }

  // The aligned time range a flushed block may cover: the block duration, at most the largest
  // compaction range, a whole number of chunk windows (so a chunk never straddles two).
  int64_t FlushRange() const {
    int64_t largest = 0;
    for (int64_t c : options_.compaction_ranges_ms) largest = std::max(largest, c);
    int64_t r = options_.block_duration_ms;
    if (largest > 0) r = std::min(r, largest);
    return std::max<int64_t>(kChunkWindowMs, r / kChunkWindowMs * kChunkWindowMs);
  }

  absl::Status CheckWritable() const {
    if (options_.read_only) return absl::FailedPreconditionError("catena: database opened read-only");
    if (!open_) return absl::FailedPreconditionError("catena: database is closed");
    return absl::OkStatus();
  }

  // Only the writer thread calls this (it is the only mutator).
  const absl::flat_hash_map<SeriesRef, std::unique_ptr<HeadSeries>>& UnlockedSeries() const
      ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return shared_->series;
  }

  void AddSeries(SeriesRef ref, const SeriesKey& key, std::string canonical) {
    absl::MutexLock lock(&shared_->mu);
    auto s = std::make_unique<HeadSeries>();
    s->ref = ref;
    s->key = key;
    shared_->postings[PostingKey(kMetricNameLabel, key.metric)].push_back(ref);
    for (const Label& l : key.labels) shared_->postings[PostingKey(l.name, l.value)].push_back(ref);
    HeadSeries* raw = s.get();
    if (shared_->series.emplace(ref, std::move(s)).second && ref < kMaxDenseRef) {
      if (dense_.size() <= ref) dense_.resize(ref + 1, nullptr);
      dense_[ref] = raw;
    }
    by_key_.emplace(std::move(canonical), ref);
    next_ref_ = std::max(next_ref_, ref + 1);
  }

  // The head series of `ref` (nullptr when unknown), without hashing for the usual dense refs.
  HeadSeries* FindHeadSeries(SeriesRef ref) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu) {
    if (ref < dense_.size()) return dense_[ref];
    auto it = shared_->series.find(ref);
    return it == shared_->series.end() ? nullptr : it->second.get();
  }

  void SealOpen(HeadSeries* s) {
    if (s->open_t.empty()) return;
    s->chunks.push_back(std::make_shared<const EncodedChunk>(
        EncodeChunk(s->open_t.data(), s->open_v.data(), s->open_t.size(), s->open_type)));
    s->open_t.clear();
    s->open_v.clear();
  }

  void ApplyLocked(absl::Span<const WalSample> samples) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu) {
    HeadSeries* s = nullptr;
    for (const WalSample& w : samples) {
      if (s == nullptr || s->ref != w.ref) {
        s = FindHeadSeries(w.ref);
        if (s == nullptr) {
          ++stats_.rejected_out_of_order;  // a sample for a series the log never created
          continue;
        }
      }
      const int64_t t = w.timestamp_ms;
      if (t > s->max_t) {
        const int64_t window = FloorDiv(t, kChunkWindowMs);
        if (!s->open_t.empty() && (window != s->open_window || w.value.type != s->open_type ||
                                   s->open_t.size() >= kMaxOpenSamples)) {
          SealOpen(s);
        }
        if (s->open_t.empty()) {
          s->open_window = window;
          s->open_type = w.value.type;
        }
        s->open_t.push_back(t);
        s->open_v.push_back(w.value.bits);
        s->max_t = t;
      } else if (static_cast<uint64_t>(s->max_t) - static_cast<uint64_t>(t) >
                 static_cast<uint64_t>(options_.ooo_window_ms)) {
        ++stats_.rejected_out_of_order;
        continue;
      } else {
        // At or behind the newest sample: a repeat of a stored sample is dropped (counted as a
        // duplicate when the value is the same, a conflict when not: the first value stays).
        Value stored;
        if (FindStored(s, t, &stored)) {
          ++(stored == w.value ? stats_.duplicates_ignored : stats_.rejected_conflicting);
          continue;
        }
        s->ooo.push_back(Sample{t, w.value});
        s->ooo_index.emplace(t, w.value);
      }
      ++s->samples;
      ++head_samples_;
      ++stats_.appended;
      head_min_t_ = std::min(head_min_t_, t);
      head_max_t_ = std::max(head_max_t_, t);
    }
  }

  // Whether the series already holds a sample at `t` (head or blocks), and its value. Used only
  // for samples at or behind the newest one, so its decoding (cached per series) is off the
  // in-order path.
  bool FindStored(HeadSeries* s, int64_t t, Value* found) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu) {
    if (!s->open_t.empty() && t >= s->open_t.front() && t <= s->open_t.back()) {
      auto it = std::lower_bound(s->open_t.begin(), s->open_t.end(), t);
      if (it != s->open_t.end() && *it == t) {
        *found = Value{s->open_type, s->open_v[static_cast<size_t>(it - s->open_t.begin())]};
        return true;
      }
    }
    if (auto it = s->ooo_index.find(t); it != s->ooo_index.end()) {
      *found = it->second;
      return true;
    }
    LookupCache& cache = lookup_cache_[s->ref];
    auto search_cache = [&](const void* source, size_t index) {
      if (cache.source != source || cache.index != index) return false;
      auto it = std::lower_bound(cache.t.begin(), cache.t.end(), t);
      if (it == cache.t.end() || *it != t) return false;
      *found = Value{cache.type, cache.v[static_cast<size_t>(it - cache.t.begin())]};
      return true;
    };
    for (size_t c = 0; c < s->chunks.size(); ++c) {
      const EncodedChunk& chunk = *s->chunks[c];
      if (t < chunk.mint || t > chunk.maxt) continue;
      if (cache.source != &chunk) {
        cache.t.resize(chunk.count);
        cache.v.resize(chunk.count);
        if (!DecodeTimestamps(chunk.timestamps, chunk.count, cache.t.data()).ok() ||
            !DecodeValues(chunk.values, chunk.count, &cache.type, cache.v.data()).ok()) {
          cache.source = nullptr;
          continue;
        }
        cache.source = &chunk;
        cache.index = 0;
      }
      if (search_cache(&chunk, 0)) return true;
    }
    for (const auto& entry : *shared_->blocks) {
      const BlockMeta& m = entry->block->meta();
      if (t < m.mint || t > m.maxt || m.rollup_only) continue;
      auto it = entry->by_ref.find(s->ref);
      if (it == entry->by_ref.end()) continue;
      const auto& chunks = entry->block->series()[it->second].chunks;
      for (size_t c = 0; c < chunks.size(); ++c) {
        if (t < chunks[c].mint || t > chunks[c].maxt) continue;
        const size_t index = (static_cast<size_t>(it->second) << 20) | c;
        if (cache.source != entry->block.get() || cache.index != index) {
          cache.t.resize(chunks[c].count);
          cache.v.resize(chunks[c].count);
          if (!entry->block->ReadChunk(it->second, c, cache.t.data(), cache.v.data(), &cache.type).ok()) {
            cache.source = nullptr;
            continue;  // a damaged chunk: the sample is kept (the chunk's data is unreadable anyway)
          }
          cache.source = entry->block.get();
          cache.index = index;
        }
        if (search_cache(entry->block.get(), index)) return true;
      }
    }
    return false;
  }

  // The chunks a flush writes for one series: the head's chunks and open chunk, merged with the
  // out-of-order samples when there are any.
  absl::StatusOr<std::vector<EncodedChunk>> FinalChunks(const HeadSeries& s) {
    std::vector<EncodedChunk> out;
    if (s.ooo.empty()) {
      for (const auto& c : s.chunks) out.push_back(*c);
      if (!s.open_t.empty()) {
        out.push_back(EncodeChunk(s.open_t.data(), s.open_v.data(), s.open_t.size(), s.open_type));
      }
      return out;
    }
    std::vector<Sample> all;
    for (const auto& c : s.chunks) CISTERN_RETURN_IF_ERROR(DecodeChunkInto(*c, &all));
    for (size_t i = 0; i < s.open_t.size(); ++i) {
      all.push_back(Sample{s.open_t[i], Value{s.open_type, s.open_v[i]}});
    }
    all.insert(all.end(), s.ooo.begin(), s.ooo.end());
    SortAndDedup(&all, &flush_conflicting_);
    return ChunkSamples(all);
  }

  absl::Status LoadBlocks() {
    if (::access(BlocksDir().c_str(), F_OK) != 0) return absl::OkStatus();
    CISTERN_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(BlocksDir()));
    std::vector<std::shared_ptr<Block>> blocks;
    for (const std::string& name : names) {
      const std::string path = BlocksDir() + "/" + name;
      if (name.size() > 4 && name.substr(name.size() - 4) == ".tmp") {
        if (!options_.read_only) ::unlink(path.c_str());  // an interrupted write
        continue;
      }
      uint64_t id;
      if (!ParseBlockFileName(name, &id)) continue;
      next_block_id_ = std::max(next_block_id_, id + 1);
      absl::StatusOr<std::shared_ptr<Block>> block = Block::Open(path);
      if (!block.ok()) {
        ++stats_.damaged_blocks;
        problems_.push_back(block.status());
        continue;
      }
      blocks.push_back(*std::move(block));
    }
    // A compaction that stopped after writing its output but before removing its inputs.
    absl::flat_hash_map<uint64_t, bool> replaced;
    for (const auto& b : blocks) {
      for (uint64_t p : b->meta().parents) replaced[p] = true;
    }
    auto list = std::make_shared<BlockList>();
    for (auto& b : blocks) {
      if (replaced.contains(b->meta().id)) {
        if (!options_.read_only) ::unlink(b->path().c_str());
        continue;
      }
      for (const BlockSeries& s : b->series()) {
        if (!by_key_.contains(s.key.CanonicalKey())) AddSeries(s.ref, s.key, s.key.CanonicalKey());
      }
      list->push_back(MakeEntry(std::move(b)));
    }
    absl::MutexLock lock(&shared_->mu);
    // The out-of-order window counts from each series' newest stored sample, across restarts.
    for (const auto& entry : *list) {
      for (const BlockSeries& bs : entry->block->series()) {
        auto it = shared_->series.find(bs.ref);
        if (it == shared_->series.end() || bs.chunks.empty()) continue;
        it->second->max_t = std::max(it->second->max_t, bs.chunks.back().maxt);
      }
    }
    shared_->blocks = std::move(list);
    return absl::OkStatus();
  }

  absl::Status ReplayLog() {
    WalReplayHandler handler;
    handler.on_series = [this](uint64_t ref, SeriesKey key) {
      std::string canonical = key.CanonicalKey();
      if (!by_key_.contains(canonical)) AddSeries(ref, key, std::move(canonical));
      return absl::OkStatus();
    };
    handler.on_samples = [this](absl::Span<const WalSample> samples) {
      absl::MutexLock lock(&shared_->mu);
      ApplyLocked(samples);
      return absl::OkStatus();
    };
    CISTERN_ASSIGN_OR_RETURN(WalReplayStats rs, ReplayWal(WalDir(), handler, !options_.read_only));
    stats_.wal_records_replayed = rs.records;
    stats_.wal_torn_bytes_cut = rs.torn_bytes_cut;
    if (!rs.first_error.empty()) problems_.push_back(absl::DataLossError(rs.first_error));
    stats_.appended = 0;
    return absl::OkStatus();
  }

  absl::Status MergeBlocks(const std::vector<std::shared_ptr<const BlockEntry>>& group);
  absl::Status MergeRollupBlocks(const std::vector<std::shared_ptr<const BlockEntry>>& group);
  absl::Status ToRollupOnly(const std::shared_ptr<const BlockEntry>& entry);
  // Writes `builder` as a new block replacing `group` (its parents) and publishes it.
  absl::Status ReplaceBlocks(const std::vector<std::shared_ptr<const BlockEntry>>& group,
                             BlockBuilder* builder, BlockMeta meta);

  std::string dir_;
  DbOptions options_;
  std::vector<int64_t> rollup_steps_;
  std::shared_ptr<Shared> shared_;
  int lock_fd_ = -1;
  bool open_ = false;
  std::unique_ptr<WalWriter> wal_;
  absl::flat_hash_map<std::string, SeriesRef> by_key_;
  SeriesRef next_ref_ = 0;
  uint64_t next_block_id_ = 1;
  std::vector<WalSample> pending_;
  // Written by the writer under the exclusive lock (or before the Db is shared), so that stats()
  // may read them from any thread under the shared lock.
  uint64_t head_samples_ = 0;
  int64_t head_min_t_ = std::numeric_limits<int64_t>::max();
  int64_t head_max_t_ = std::numeric_limits<int64_t>::min();
  DbStats stats_;
  std::vector<absl::Status> problems_;
  uint64_t flush_conflicting_ = 0;  // writer only
  // The last chunk each series decoded to look a repeated timestamp up (FindStored); emptied by
  // every flush.
  struct LookupCache {
    const void* source = nullptr;
    size_t index = 0;
    std::vector<int64_t> t;
    std::vector<uint64_t> v;
    ValueType type = ValueType::kFloat;
  };
  absl::flat_hash_map<SeriesRef, LookupCache> lookup_cache_;
  absl::flat_hash_set<uint64_t> failed_groups_;  // compaction groups holding damaged data
  // Head series by ref for refs below kMaxDenseRef (refs are handed out densely from 0); the map
  // in Shared owns them and stays the reference for readers.
  static constexpr SeriesRef kMaxDenseRef = SeriesRef{1} << 26;
  std::vector<HeadSeries*> dense_;
};

}  // namespace

namespace {

bool Overlaps(const BlockMeta& a, const BlockMeta& b) { return a.mint <= b.maxt && b.mint <= a.maxt; }

}  // namespace

absl::Status DbImpl::MergeBlocks(const std::vector<std::shared_ptr<const BlockEntry>>& group) {
  if (group.front()->block->meta().rollup_only) return MergeRollupBlocks(group);
  std::vector<SeriesRef> refs;
  for (const auto& e : group) {
    for (const BlockSeries& s : e->block->series()) refs.push_back(s.ref);
  }
  std::sort(refs.begin(), refs.end());
  refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
  BlockBuilder builder;
  BlockMeta meta;
  for (SeriesRef ref : refs) {
    struct Part {
      const Block* block;
      size_t series;
      size_t chunk;
      int64_t mint;
      int64_t maxt;
    };
    std::vector<Part> parts;
    const SeriesKey* key = nullptr;
    for (const auto& e : group) {
      auto it = e->by_ref.find(ref);
      if (it == e->by_ref.end()) continue;
      const BlockSeries& bs = e->block->series()[it->second];
      key = &bs.key;
      for (size_t c = 0; c < bs.chunks.size(); ++c) {
        parts.push_back(Part{e->block.get(), it->second, c, bs.chunks[c].mint, bs.chunks[c].maxt});
      }
    }
    std::stable_sort(parts.begin(), parts.end(),
                     [](const Part& a, const Part& b) { return a.mint < b.mint; });
    // Chunks are copied as they are unless two overlap, or two consecutive ones belong to one chunk
    // window (a window split by a flush): then the series is decoded, merged and re-chunked.
    bool rechunk = false;
    for (size_t i = 1; i < parts.size() && !rechunk; ++i) {
      rechunk = parts[i].mint <= parts[i - 1].maxt ||
                FloorDiv(parts[i].mint, kChunkWindowMs) == FloorDiv(parts[i - 1].maxt, kChunkWindowMs);
    }
    std::vector<EncodedChunk> chunks;
    if (!rechunk) {
      for (const Part& p : parts) {
        CISTERN_ASSIGN_OR_RETURN(EncodedChunk c, p.block->RawChunk(p.series, p.chunk));
        chunks.push_back(std::move(c));
      }
    } else {
      // Older blocks first, so that on a repeated timestamp the older sample wins.
      std::vector<Sample> all;
      for (const auto& e : group) {
        auto it = e->by_ref.find(ref);
        if (it == e->by_ref.end()) continue;
        for (size_t c = 0; c < e->block->series()[it->second].chunks.size(); ++c) {
          CISTERN_ASSIGN_OR_RETURN(EncodedChunk raw, e->block->RawChunk(it->second, c));
          CISTERN_RETURN_IF_ERROR(DecodeChunkInto(raw, &all));
        }
      }
      uint64_t conflicting = 0;
      SortAndDedup(&all, &conflicting);
      chunks = ChunkSamples(all);
    }
    builder.AddSeries(ref, *key, std::move(chunks));
  }
  meta.rollup_steps = rollup_steps_;  // computed again from the merged samples
  for (const auto& e : group) meta.level = std::max(meta.level, e->block->meta().level + 1);
  return ReplaceBlocks(group, &builder, std::move(meta));
}

// Rollup-only blocks: their rows are merged (a bucket split between two blocks becomes one row;
// its float parts, if both have some, are added once more). Steps: those every input has.
absl::Status DbImpl::MergeRollupBlocks(
    const std::vector<std::shared_ptr<const BlockEntry>>& group) {
  std::vector<std::shared_ptr<const BlockEntry>> by_time(group.begin(), group.end());
  std::stable_sort(by_time.begin(), by_time.end(), [](const auto& a, const auto& b) {
    return a->block->meta().mint < b->block->meta().mint;
  });
  BlockMeta meta;
  meta.rollup_only = true;
  meta.mint = std::numeric_limits<int64_t>::max();
  meta.maxt = std::numeric_limits<int64_t>::min();
  meta.rollup_steps = by_time.front()->block->rollup_steps();
  for (const auto& e : by_time) {
    const BlockMeta& m = e->block->meta();
    meta.level = std::max(meta.level, m.level + 1);
    meta.mint = std::min(meta.mint, m.mint);
    meta.maxt = std::max(meta.maxt, m.maxt);
    std::erase_if(meta.rollup_steps,
                  [&](int64_t step) { return e->block->RollupStepIndex(step) < 0; });
  }
  std::vector<SeriesRef> refs;
  for (const auto& e : group) {
    for (const BlockSeries& s : e->block->series()) refs.push_back(s.ref);
  }
  std::sort(refs.begin(), refs.end());
  refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
  BlockBuilder builder;
  std::vector<RollupRow> rows;
  for (SeriesRef ref : refs) {
    const SeriesKey* key = nullptr;
    std::vector<SeriesRollup> rollups;
    for (int64_t step : meta.rollup_steps) {
      SeriesRollup out{step, {}};
      for (const auto& e : by_time) {
        auto it = e->by_ref.find(ref);
        if (it == e->by_ref.end()) continue;
        key = &e->block->series()[it->second].key;
        const int k = e->block->RollupStepIndex(step);
        CISTERN_RETURN_IF_ERROR(e->block->ReadRollup(it->second, static_cast<size_t>(k), &rows));
        for (const RollupRow& r : rows) {
          if (!out.rows.empty() && out.rows.back().start >= r.start) {
            // Same bucket (a split one), or blocks that overlap: merge into the row of its bucket.
            auto at = std::lower_bound(out.rows.begin(), out.rows.end(), r.start,
                                       [](const RollupRow& a, int64_t t) { return a.start < t; });
            if (at != out.rows.end() && at->start == r.start) {
              MergeRows(&*at, r);
            } else {
              out.rows.insert(at, r);
            }
          } else {
            out.rows.push_back(r);
          }
        }
      }
      if (!out.rows.empty()) rollups.push_back(std::move(out));
    }
    if (key == nullptr) {
      for (const auto& e : by_time) {
        auto it = e->by_ref.find(ref);
        if (it != e->by_ref.end()) key = &e->block->series()[it->second].key;
      }
    }
    builder.AddSeries(ref, *key, {}, std::move(rollups));
  }
  return ReplaceBlocks(group, &builder, std::move(meta));
}

// Retention: the block's raw samples go, its rollups stay (copied when it has the step, computed
// from its chunks when it lacks it or its copy is damaged). The new block names the old one as its
// parent, so a crash between writing it and removing the old one is finished at the next open, as
// for compaction.
absl::Status DbImpl::ToRollupOnly(const std::shared_ptr<const BlockEntry>& entry) {
  const Block& b = *entry->block;
  BlockMeta meta;
  meta.rollup_only = true;
  meta.mint = b.meta().mint;
  meta.maxt = b.meta().maxt;
  meta.level = b.meta().level;
  meta.rollup_steps = rollup_steps_;
  BlockBuilder builder;
  for (size_t s = 0; s < b.series().size(); ++s) {
    std::vector<SeriesRollup> rollups;
    bool need_chunks = false;  // a step the block lacks, or whose rollup is damaged
    for (int64_t step : rollup_steps_) {
      const int k = b.RollupStepIndex(step);
      SeriesRollup r{step, {}};
      if (k < 0 || !b.ReadRollup(s, static_cast<size_t>(k), &r.rows).ok()) {
        need_chunks = true;
        continue;
      }
      if (!r.rows.empty()) rollups.push_back(std::move(r));
    }
    std::vector<EncodedChunk> chunks;
    if (need_chunks) {
      for (size_t c = 0; c < b.series()[s].chunks.size(); ++c) {
        CISTERN_ASSIGN_OR_RETURN(EncodedChunk chunk, b.RawChunk(s, c));
        chunks.push_back(std::move(chunk));
      }
    }
    builder.AddSeries(b.series()[s].ref, b.series()[s].key, std::move(chunks), std::move(rollups));
  }
  return ReplaceBlocks({entry}, &builder, std::move(meta));
}

absl::Status DbImpl::ReplaceBlocks(const std::vector<std::shared_ptr<const BlockEntry>>& group,
                                   BlockBuilder* builder, BlockMeta meta) {
  meta.id = next_block_id_++;
  for (const auto& e : group) meta.parents.push_back(e->block->meta().id);
  const std::string path = BlocksDir() + "/" + BlockFileName(meta.id);
  CISTERN_RETURN_IF_ERROR(builder->Write(path, meta));
  absl::StatusOr<std::shared_ptr<Block>> opened = Block::Open(path);
  if (!opened.ok()) {
    ::unlink(path.c_str());  // never leave a child naming parents that stay published
    return opened.status();
  }
  std::shared_ptr<Block> merged = *std::move(opened);
  {
    absl::MutexLock lock(&shared_->mu);
    auto blocks = std::make_shared<BlockList>();
    for (const auto& e : *shared_->blocks) {
      if (std::find(group.begin(), group.end(), e) == group.end()) blocks->push_back(e);
    }
    blocks->push_back(MakeEntry(std::move(merged)));
    shared_->blocks = std::move(blocks);
    lookup_cache_.clear();  // it names blocks by address: the replaced ones are about to go
  }
  for (const auto& e : group) ::unlink(e->block->path().c_str());
  return SyncDir(BlocksDir());
}

absl::Status DbImpl::Compact() {
  CISTERN_RETURN_IF_ERROR(CheckWritable());
  auto key_of = [](const std::vector<std::shared_ptr<const BlockEntry>>& group) {
    uint64_t key = 0;
    for (const auto& e : group) key = key * 1000003 + e->block->meta().id;
    return key;
  };
  for (;;) {
    std::shared_ptr<const BlockList> blocks;
    {
      absl::ReaderMutexLock lock(&shared_->mu);
      blocks = shared_->blocks;
    }
    std::vector<std::shared_ptr<const BlockEntry>> group;
    // Raw blocks merge with raw blocks, rollup-only ones with rollup-only ones (a rollup-only block
    // overlapping a raw one stays apart: readers add their rows).
    auto same_kind = [](const BlockEntry& a, const BlockEntry& b) {
      return a.block->meta().rollup_only == b.block->meta().rollup_only;
    };
    // Overlapping blocks first (out-of-order data flushed after its time range was sealed).
    for (size_t i = 0; i < blocks->size() && group.empty(); ++i) {
      for (size_t j = i + 1; j < blocks->size(); ++j) {
        if (same_kind(*(*blocks)[i], *(*blocks)[j]) &&
            Overlaps((*blocks)[i]->block->meta(), (*blocks)[j]->block->meta()) &&
            !failed_groups_.contains(key_of({(*blocks)[i], (*blocks)[j]}))) {
          group = {(*blocks)[i], (*blocks)[j]};
          break;
        }
      }
    }
    // Then blocks that share one aligned range: the compaction ranges for raw blocks, the rollup
    // compaction range for rollup-only ones.
    std::vector<std::pair<int64_t, bool>> ranges;
    for (int64_t range : options_.compaction_ranges_ms) ranges.emplace_back(range, false);
    ranges.emplace_back(options_.rollup_compaction_range_ms, true);
    for (const auto& [range, rollup_only] : ranges) {
      if (!group.empty()) break;
      if (range <= 0) continue;
      std::map<int64_t, std::vector<std::shared_ptr<const BlockEntry>>> by_range;
      for (const auto& e : *blocks) {
        if (e->block->meta().rollup_only != rollup_only) continue;
        const int64_t k = FloorDiv(e->block->meta().mint, range);
        if (FloorDiv(e->block->meta().maxt, range) == k) by_range[k].push_back(e);
      }
      for (auto& [k, members] : by_range) {
        if (members.size() >= 2 && !failed_groups_.contains(key_of(members))) {
          group = std::move(members);
          break;
        }
      }
    }
    if (group.empty()) return absl::OkStatus();
    if (absl::Status s = MergeBlocks(group); !s.ok()) {
      if (!absl::IsDataLoss(s)) return s;
      // Leave the damaged blocks as they are (the rest stays readable), say so once, and go on
      // with the other groups; this one is not tried again while the process runs.
      failed_groups_.insert(key_of(group));
      absl::MutexLock lock(&shared_->mu);
      ++stats_.damaged_chunks;
      problems_.push_back(s);
    }
  }
}

absl::Status DbImpl::ApplyRetention() {
  CISTERN_RETURN_IF_ERROR(CheckWritable());
  const int64_t raw_ms = options_.retention_ms;
  const int64_t rollup_ms = options_.rollup_retention_ms;
  if (raw_ms <= 0 && rollup_ms <= 0) return absl::OkStatus();
  // Older than its cut-off: raw blocks below raw_cut lose their samples (kept as rollups while
  // above rollup_cut), rollup-only blocks below rollup_cut go (with rollup_retention_ms 0, rollups
  // live as long as raw samples: rollup_cut is raw_cut).
  std::vector<std::shared_ptr<const BlockEntry>> drop;
  std::vector<std::shared_ptr<const BlockEntry>> convert;
  {
    absl::MutexLock lock(&shared_->mu);
    int64_t newest = head_max_t_;
    for (const auto& e : *shared_->blocks) newest = std::max(newest, e->block->meta().maxt);
    auto cut = [&](int64_t ms) {
      return ms <= 0 ? std::numeric_limits<int64_t>::min()
                     : (newest < std::numeric_limits<int64_t>::min() + ms
                            ? std::numeric_limits<int64_t>::min()
                            : newest - ms);
    };
    const int64_t raw_cut = cut(raw_ms);
    const int64_t rollup_cut = rollup_ms > 0 ? cut(rollup_ms) : raw_cut;
    auto kept = std::make_shared<BlockList>();
    for (const auto& e : *shared_->blocks) {
      const BlockMeta& m = e->block->meta();
      const bool expired = m.rollup_only ? m.maxt < rollup_cut : m.maxt < raw_cut;
      if (!expired) {
        kept->push_back(e);
      } else if (m.rollup_only || m.maxt < rollup_cut || rollup_steps_.empty()) {
        drop.push_back(e);
      } else {
        convert.push_back(e);  // published until its rollup-only replacement is
        kept->push_back(e);
      }
    }
    shared_->blocks = std::move(kept);
    lookup_cache_.clear();
  }
  for (const auto& e : drop) {
    if (::unlink(e->block->path().c_str()) != 0) return ErrnoStatus("remove", e->block->path(), errno);
  }
  if (!drop.empty()) CISTERN_RETURN_IF_ERROR(SyncDir(BlocksDir()));
  for (const auto& e : convert) {
    if (absl::Status s = ToRollupOnly(e); !s.ok()) {
      if (!absl::IsDataLoss(s)) return s;
      absl::MutexLock lock(&shared_->mu);
      ++stats_.damaged_chunks;
      problems_.push_back(s);  // the block stays as it is, raw samples and all
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Db>> Db::Open(const std::string& dir, const DbOptions& options) {
  auto db = std::make_unique<DbImpl>(dir, options);
  CISTERN_RETURN_IF_ERROR(db->Init());
  return std::unique_ptr<Db>(std::move(db));
}

}  // namespace cistern::catena
