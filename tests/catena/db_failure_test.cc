// libcatena's Db (cistern/catena/db.h) when things go wrong: a writer killed with SIGKILL at random
// moments (inside commits, flushes and compactions; fsync kNever and kEveryCommit), a torn or
// garbage-extended log tail, damaged, truncated and empty block files, a full disk (RLIMIT_FSIZE in
// a child process), and a compaction interrupted between writing its output and removing its
// inputs. Each test works in its own directory under CISTERN_TEST_TMPDIR, removed after. The
// random delays are seeded (kSeed) so that a failure can be replayed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "cistern/catena/block.h"
#include "cistern/catena/db.h"
#include "cistern/catena/series_reader.h"
#include "cistern/catena/wal.h"
#include "db_test_util.h"

namespace cistern::catena {
namespace {

namespace fs = std::filesystem;
using testing::BlockFiles;
using testing::DiffSamples;
using testing::FilesEndingWith;
using testing::FindSeries;
using testing::FloatBits;
using testing::kHour;
using testing::kMaxTime;
using testing::kMinTime;
using testing::Model;
using testing::Msg;
using testing::OpenDb;
using testing::ReadFileBytes;
using testing::ReadResult;
using testing::ReadSeries;
using testing::Series;
using testing::TempDir;
using testing::WriteFileBytes;

constexpr uint32_t kSeed = 20240611;

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

void CopyDir(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::remove_all(to, ec);
  fs::copy(from, to, fs::copy_options::recursive);
}

uint64_t FixedAt(std::string_view bytes, size_t at, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) {
    v = v << 8 | static_cast<uint8_t>(bytes[at + static_cast<size_t>(i)]);
  }
  return v;
}

DbOptions ReadOnlyOptions() {
  DbOptions o;
  o.read_only = true;
  return o;
}

// ---- Child processes --------------------------------------------------------------------------

// What a child process tells its parent, one message per write(2) (atomic on a pipe).
struct ChildMessage {
  enum Kind : int32_t { kAck = 0, kError = 1, kFlushing = 2, kCompacting = 3, kIdle = 4 };
  int32_t kind = kAck;
  uint32_t batch = 0;
  int32_t code = 0;
  char text[480] = {};
};
static_assert(sizeof(ChildMessage) <= PIPE_BUF);

void Send(int fd, ChildMessage::Kind kind, uint32_t batch,
          const absl::Status& s = absl::OkStatus()) {
  ChildMessage m;
  m.kind = kind;
  m.batch = batch;
  m.code = static_cast<int32_t>(s.code());
  std::snprintf(m.text, sizeof m.text, "%s", Msg(s).c_str());
  if (::write(fd, &m, sizeof m) != static_cast<ssize_t>(sizeof m)) ::_exit(40);
}

std::vector<ChildMessage> Drain(int fd, std::vector<ChildMessage> got = {}) {
  ChildMessage m;
  while (::read(fd, &m, sizeof m) == static_cast<ssize_t>(sizeof m)) got.push_back(m);
  return got;
}

// The data the child processes write: batch b gives series i the sample at b minutes, an exact
// int or decimal for most series, arbitrary float bits for every third one.
SeriesKey CrashKey(int i) { return SeriesKey{"crash", {{"series", std::to_string(i)}}}; }
int64_t CrashTime(int64_t b) { return b * 60000; }
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
Value CrashValue(int i, int64_t b) {
  switch (i % 3) {
    case 0:
      return Value::Int(b * 1000 + i);
    case 1:
      return Value::Float(static_cast<double>(b * 1000 + i) + 0.25);
    default:
      return FloatBits(Mix(static_cast<uint64_t>(b) << 20 | static_cast<uint64_t>(i)));
  }
}

absl::Status AppendBatch(Db& db, const std::vector<SeriesRef>& refs, int64_t b) {
  for (size_t i = 0; i < refs.size(); ++i) {
    if (absl::Status s = db.Append(refs[i], CrashTime(b), CrashValue(static_cast<int>(i), b));
        !s.ok()) {
      return s;
    }
  }
  return db.Commit();
}

// Checks that every series holds exactly batches 0 .. n-1 with n = acked or (the batch in flight)
// acked + 1, each sample exact; returns how many series hold the batch in flight.
int CheckBatches(const SeriesReader& reader, int series, int64_t acked) {
  int in_flight = 0;
  for (int i = 0; i < series; ++i) {
    INFO("series " << i << ", " << acked << " batches acknowledged");
    std::optional<SeriesId> id = FindSeries(reader, CrashKey(i));
    if (!id.has_value()) {
      CHECK(acked == 0);
      continue;
    }
    ReadResult r = ReadSeries(reader, *id, kMinTime, kMaxTime, 100);
    INFO(r.status.ToString());
    CHECK(r.status.ok());
    std::vector<Sample> want;
    for (int64_t b = 0; b < acked; ++b) want.push_back(Sample{CrashTime(b), CrashValue(i, b)});
    if (static_cast<int64_t>(r.samples.size()) == acked + 1) {
      ++in_flight;
      want.push_back(Sample{CrashTime(acked), CrashValue(i, acked)});
    }
    CHECK(DiffSamples(r.samples, want) == "");
  }
  return in_flight;
}

// ---- 1. kill -9 -------------------------------------------------------------------------------

TEST_CASE("Db failure: every acknowledged batch survives kill -9 at any moment",
          "[catena][db][crash]") {
  constexpr int kSeriesCount = 24;
  const FsyncPolicy policy = GENERATE(FsyncPolicy::kNever, FsyncPolicy::kEveryCommit);
  std::mt19937 rng(kSeed + static_cast<uint32_t>(policy));
  int landed_in_flush = 0, landed_in_compaction = 0, in_flight_present = 0;
  for (int round = 0; round < 10; ++round) {
    TempDir tmp("catena_dbkill");
    DbOptions opts;
    opts.fsync = policy;
    opts.wal_segment_bytes = 16 << 10;  // rotations inside the run as well
    // Flushes every few batches or seldom, so that kills land in commits, flushes and compactions.
    const uint32_t flush_every = 4 + static_cast<uint32_t>(round % 4) * 6;
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      absl::StatusOr<std::unique_ptr<Db>> db = Db::Open(tmp.db(), opts);
      if (!db.ok()) {
        Send(fds[1], ChildMessage::kError, 0, db.status());
        ::_exit(2);
      }
      std::vector<SeriesRef> refs;
      for (int i = 0; i < kSeriesCount; ++i) {
        absl::StatusOr<SeriesRef> ref = (*db)->GetOrCreateSeries(CrashKey(i));
        if (!ref.ok()) ::_exit(3);
        refs.push_back(*ref);
      }
      for (uint32_t b = 0;; ++b) {
        if (absl::Status s = AppendBatch(**db, refs, b); !s.ok()) {
          Send(fds[1], ChildMessage::kError, b, s);
          ::_exit(4);
        }
        Send(fds[1], ChildMessage::kAck, b);
        if (b % flush_every == flush_every - 1) {
          Send(fds[1], ChildMessage::kFlushing, b);
          if (absl::Status s = (*db)->Flush(); !s.ok()) {
            Send(fds[1], ChildMessage::kError, b, s);
            ::_exit(5);
          }
          Send(fds[1], ChildMessage::kIdle, b);
        }
        if (b % 17 == 16) {
          Send(fds[1], ChildMessage::kCompacting, b);
          if (absl::Status s = (*db)->Compact(); !s.ok()) {
            Send(fds[1], ChildMessage::kError, b, s);
            ::_exit(6);
          }
          Send(fds[1], ChildMessage::kIdle, b);
        }
      }
    }
    ::close(fds[1]);
    std::vector<ChildMessage> got;
    const int delay_ms = 5 + static_cast<int>(rng() % 296);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 1) > 0) {
        ChildMessage m;
        if (::read(fds[0], &m, sizeof m) == static_cast<ssize_t>(sizeof m)) got.push_back(m);
      }
    }
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    got = Drain(fds[0], std::move(got));
    ::close(fds[0]);
    int64_t acked = 0;
    for (const ChildMessage& m : got) {
      INFO("child error at batch " << m.batch << ": " << m.text);
      REQUIRE(m.kind != ChildMessage::kError);
      if (m.kind == ChildMessage::kAck) {
        REQUIRE(m.batch == acked);
        ++acked;
      }
    }
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);
    if (!got.empty() && got.back().kind == ChildMessage::kFlushing) ++landed_in_flush;
    if (!got.empty() && got.back().kind == ChildMessage::kCompacting) ++landed_in_compaction;

    INFO("policy " << static_cast<int>(policy) << ", round " << round << ", killed after "
                   << delay_ms << " ms, " << acked << " batches acknowledged, last message kind "
                   << (got.empty() ? -1 : got.back().kind));
    // A read-only open first: it sees the same data without repairing anything.
    {
      std::unique_ptr<Db> ro = OpenDb(tmp.db(), ReadOnlyOptions());
      CheckBatches(*ro->Snapshot(), kSeriesCount, acked);
      CHECK(ro->stats().problems.empty());
    }
    int present = 0;
    {
      std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
      present = CheckBatches(*db->Snapshot(), kSeriesCount, acked);
      const DbStats st = db->stats();
      INFO("problems: " << (st.problems.empty() ? "" : st.problems[0]));
      CHECK(st.problems.empty());
      CHECK(st.damaged_blocks == 0);
      CHECK(FilesEndingWith(tmp.db() + "/blocks", ".tmp").empty());
      for (const std::string& path : BlockFiles(tmp.db())) {
        absl::StatusOr<std::shared_ptr<Block>> b = Block::Open(path);
        REQUIRE(b.ok());
        CHECK((*b)->Verify().ok());
      }
      const absl::Status closed = db->Close();
      INFO(closed.ToString());
      CHECK(closed.ok());
    }
    if (present > 0) ++in_flight_present;
    {
      std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
      CHECK(CheckBatches(*db->Snapshot(), kSeriesCount, acked) == present);
      CHECK(db->stats().problems.empty());
      // Close compacted: no two blocks overlap any more.
      std::vector<std::pair<int64_t, int64_t>> spans;
      for (const std::string& path : BlockFiles(tmp.db())) {
        absl::StatusOr<std::shared_ptr<Block>> b = Block::Open(path);
        REQUIRE(b.ok());
        spans.emplace_back((*b)->meta().mint, (*b)->meta().maxt);
      }
      std::sort(spans.begin(), spans.end());
      for (size_t i = 1; i < spans.size(); ++i) CHECK(spans[i].first > spans[i - 1].second);
    }
  }
  INFO("kills inside Flush: " << landed_in_flush << ", inside Compact: " << landed_in_compaction
                              << ", rounds with the batch in flight present: "
                              << in_flight_present);
  SUCCEED();
}

// ---- 2. Torn log tail -------------------------------------------------------------------------

struct RecordSpan {
  size_t start;
  size_t end;
  uint8_t type;
};

// The records of a whole log segment (header, then u32 length, u32 crc, u8 type, payload).
std::vector<RecordSpan> SegmentRecords(std::string_view seg) {
  std::vector<RecordSpan> out;
  size_t at = kWalSegmentHeaderBytes;
  while (at + kWalRecordHeaderBytes <= seg.size()) {
    const size_t len = FixedAt(seg, at, 4);
    const size_t end = at + kWalRecordHeaderBytes + len;
    REQUIRE(end <= seg.size());
    out.push_back(RecordSpan{at, end, static_cast<uint8_t>(seg[at + 8])});
    at = end;
  }
  REQUIRE(at == seg.size());
  return out;
}

TEST_CASE("Db failure: a torn or garbage log tail is cut and the rest replayed",
          "[catena][db][crash]") {
  constexpr int kSeriesCount = 10;
  constexpr int kBatches = 20;
  TempDir tmp("catena_dbtorn");
  DbOptions opts;
  opts.fsync = FsyncPolicy::kNever;
  // A writer that dies without closing: the log is all there is.
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    absl::StatusOr<std::unique_ptr<Db>> db = Db::Open(tmp.db(), opts);
    if (!db.ok()) ::_exit(2);
    std::vector<SeriesRef> refs;
    for (int i = 0; i < kSeriesCount; ++i) {
      absl::StatusOr<SeriesRef> ref = (*db)->GetOrCreateSeries(CrashKey(i));
      if (!ref.ok()) ::_exit(3);
      refs.push_back(*ref);
    }
    for (int b = 0; b < kBatches; ++b) {
      if (!AppendBatch(**db, refs, b).ok()) ::_exit(4);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const std::string orig = tmp.path() + "/orig";
  CopyDir(tmp.db(), orig);
  absl::StatusOr<std::vector<uint32_t>> segs = ListWalSegments(orig + "/wal");
  REQUIRE(segs.ok());
  REQUIRE(!segs->empty());
  const std::string seg_name = fs::path(WalSegmentPath(orig + "/wal", segs->back())).filename();
  const std::string seg_bytes = ReadFileBytes(orig + "/wal/" + seg_name);
  const std::vector<RecordSpan> records = SegmentRecords(seg_bytes);
  REQUIRE(records.size() >= kBatches);
  const RecordSpan last = records.back();
  REQUIRE(last.type == static_cast<uint8_t>(WalRecordType::kSamples));  // batch kBatches - 1

  // Opens the damaged copy, checks it, then writes more, closes and reopens.
  auto check = [&](int64_t complete_batches, uint64_t torn_bytes) {
    const std::string seg_path = tmp.db() + "/wal/" + seg_name;
    const uint64_t size_before = fs::file_size(seg_path);
    {
      std::unique_ptr<Db> ro = OpenDb(tmp.db(), ReadOnlyOptions());
      CHECK(CheckBatches(*ro->Snapshot(), kSeriesCount, complete_batches) == 0);
      CHECK(fs::file_size(seg_path) == size_before);  // read-only: nothing cut
    }
    std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
    const DbStats st = db->stats();
    CHECK(st.wal_torn_bytes_cut == torn_bytes);
    CHECK(st.problems.empty());
    CHECK(CheckBatches(*db->Snapshot(), kSeriesCount, complete_batches) == 0);
    // The database works on: the lost batch again, and one more.
    std::vector<SeriesRef> refs;
    for (int i = 0; i < kSeriesCount; ++i) refs.push_back(Series(*db, CrashKey(i)));
    for (int64_t b = complete_batches; b < kBatches + 1; ++b) {
      REQUIRE(AppendBatch(*db, refs, b).ok());
    }
    CHECK(CheckBatches(*db->Snapshot(), kSeriesCount, kBatches + 1) == 0);
    REQUIRE(db->Close().ok());
    db = OpenDb(tmp.db(), opts);
    CHECK(CheckBatches(*db->Snapshot(), kSeriesCount, kBatches + 1) == 0);
    CHECK(db->stats().problems.empty());
    CHECK(db->stats().wal_torn_bytes_cut == 0);
  };

  SECTION("intact") {
    CopyDir(orig, tmp.db());
    check(kBatches, 0);
  }
  const size_t record_len = last.end - last.start;
  for (const size_t keep :
       {size_t{1}, size_t{4}, size_t{8}, size_t{9}, size_t{10}, record_len / 2, record_len - 1}) {
    DYNAMIC_SECTION("last record cut after " << keep << " of its " << record_len << " bytes") {
      CopyDir(orig, tmp.db());
      fs::resize_file(tmp.db() + "/wal/" + seg_name, last.start + keep);
      check(kBatches - 1, keep);
    }
  }
  SECTION("cut exactly at the last record's start") {
    CopyDir(orig, tmp.db());
    fs::resize_file(tmp.db() + "/wal/" + seg_name, last.start);
    check(kBatches - 1, 0);
  }
  for (const size_t garbage : {size_t{1}, size_t{9}, size_t{100}, size_t{5000}}) {
    DYNAMIC_SECTION(garbage << " bytes of garbage after the last record") {
      CopyDir(orig, tmp.db());
      std::mt19937 rng(kSeed + static_cast<uint32_t>(garbage));
      std::string junk(garbage, '\0');
      for (char& c : junk) c = static_cast<char>(rng());
      WriteFileBytes(tmp.db() + "/wal/" + seg_name, seg_bytes + junk);
      check(kBatches, garbage);
    }
  }
  SECTION("zeros after the last record (a file extended but never written)") {
    CopyDir(orig, tmp.db());
    WriteFileBytes(tmp.db() + "/wal/" + seg_name, seg_bytes + std::string(4096, '\0'));
    check(kBatches, 4096);
  }
}

// ---- 3. Damaged blocks ------------------------------------------------------------------------

constexpr int kBlockSeries = 4;
SeriesKey BlockKey(int i) { return SeriesKey{"damage", {{"s", std::to_string(i)}}}; }

// Two blocks, [0, 6 h) and [10 h, 16 h), every series in both, three chunks per series per block
// (one per 2-hour window); no compaction, so the two stay apart. Returns the model.
DbOptions NoCompaction() {
  DbOptions o;
  o.fsync = FsyncPolicy::kNever;
  o.compaction_ranges_ms = {};
  o.block_duration_ms = 1000 * kHour;
  return o;
}
Model MakeTwoBlocks(const std::string& dir) {
  Model model;
  std::unique_ptr<Db> db = OpenDb(dir, NoCompaction());
  std::vector<SeriesRef> refs;
  for (int i = 0; i < kBlockSeries; ++i) refs.push_back(Series(*db, BlockKey(i)));
  for (const int64_t from : {int64_t{0}, 10 * kHour}) {
    for (int64_t t = from; t < from + 6 * kHour; t += 60000) {
      for (int i = 0; i < kBlockSeries; ++i) {
        const Value v = i % 2 ? Value::Int(t / 1000 + i) : Value::Float(t / 1000.0 + i / 7.0);
        REQUIRE(db->Append(refs[static_cast<size_t>(i)], t, v).ok());
        model.Add(BlockKey(i), t, v);
      }
    }
    REQUIRE(db->Commit().ok());
    REQUIRE(db->Flush().ok());
  }
  REQUIRE(db->Close().ok());
  REQUIRE(BlockFiles(dir).size() == 2);
  return model;
}

void FlipByte(const std::string& path, size_t at, uint8_t mask = 0x01) {
  std::string bytes = ReadFileBytes(path);
  REQUIRE(at < bytes.size());
  bytes[at] = static_cast<char>(bytes[at] ^ mask);
  WriteFileBytes(path, bytes);
}

// The model restricted to the second block's time range.
Model SecondBlockOnly(Model m) {
  m.Drop(kMinTime, 10 * kHour - 1);
  return m;
}

TEST_CASE("Db failure: a damaged chunk costs that chunk only", "[catena][db][damage]") {
  TempDir tmp("catena_dbdamage");
  Model model = MakeTwoBlocks(tmp.db());
  const std::vector<std::string> files = BlockFiles(tmp.db());
  // Damage the middle chunk of series 1 in the first block (its value stream).
  absl::StatusOr<std::shared_ptr<Block>> block = Block::Open(files[0]);
  REQUIRE(block.ok());
  size_t index = 0;
  while (index < (*block)->series().size() && !((*block)->series()[index].key == BlockKey(1))) {
    ++index;
  }
  REQUIRE(index < (*block)->series().size());
  const std::vector<ChunkMeta> chunks = (*block)->series()[index].chunks;
  REQUIRE(chunks.size() == 3);
  const ChunkMeta damaged = chunks[1];
  block->reset();
  FlipByte(files[0], damaged.value_offset + damaged.value_length / 2);
  const std::string where = "byte " + std::to_string(damaged.value_offset);

  // The block still opens (its index is intact); Verify finds the chunk.
  {
    absl::StatusOr<std::shared_ptr<Block>> b = Block::Open(files[0]);
    REQUIRE(b.ok());
    const absl::Status v = (*b)->Verify();
    INFO(v.ToString());
    CHECK(v.code() == absl::StatusCode::kDataLoss);
    CHECK(Contains(Msg(v), files[0]));
    CHECK(Contains(Msg(v), where));
    absl::StatusOr<std::shared_ptr<Block>> other = Block::Open(files[1]);
    REQUIRE(other.ok());
    CHECK((*other)->Verify().ok());
  }
  Model lost = model;
  lost.Drop(damaged.mint, damaged.maxt);
  auto check_reads = [&](const SeriesReader& reader) {
    for (int i = 0; i < kBlockSeries; ++i) {
      INFO("series " << i);
      const SeriesId id = *FindSeries(reader, BlockKey(i));
      ReadResult r = ReadSeries(reader, id, kMinTime, kMaxTime, 50);
      if (i != 1) {
        CHECK(r.status.ok());
        CHECK(DiffSamples(r.samples, model.Expected(BlockKey(i))) == "");
        continue;
      }
      INFO(r.status.ToString());
      CHECK(r.status.code() == absl::StatusCode::kDataLoss);
      CHECK(Contains(Msg(r.status), files[0]));
      CHECK(Contains(Msg(r.status), where));
      CHECK(DiffSamples(r.samples, lost.Expected(BlockKey(1))) == "");
      // A range that avoids the damaged chunk reads cleanly.
      ReadResult before = ReadSeries(reader, id, kMinTime, damaged.mint - 1);
      CHECK(before.status.ok());
      CHECK(DiffSamples(before.samples, model.Expected(BlockKey(1), kMinTime, damaged.mint - 1)) ==
            "");
      ReadResult after = ReadSeries(reader, id, damaged.maxt + 1, kMaxTime, 1);
      CHECK(after.status.ok());
      CHECK(DiffSamples(after.samples, model.Expected(BlockKey(1), damaged.maxt + 1, kMaxTime)) ==
            "");
    }
  };
  SECTION("read-write, no compaction") {
    std::unique_ptr<Db> db = OpenDb(tmp.db(), NoCompaction());
    CHECK(db->stats().problems.empty());
    CHECK(db->stats().blocks == 2);
    check_reads(*db->Snapshot());
    // New samples in the head, one out of order: the cursor merges everything (another path).
    const SeriesRef ref = Series(*db, BlockKey(1));
    for (const int64_t t : {20 * kHour, 20 * kHour - 1000}) {
      REQUIRE(db->Append(ref, t, Value::Int(-t)).ok());
      lost.Add(BlockKey(1), t, Value::Int(-t));
      model.Add(BlockKey(1), t, Value::Int(-t));
    }
    REQUIRE(db->Commit().ok());
    check_reads(*db->Snapshot());
  }
  SECTION("read-only") {
    std::unique_ptr<Db> db = OpenDb(tmp.db(), ReadOnlyOptions());
    check_reads(*db->Snapshot());
  }
  SECTION("a compaction that meets it leaves both blocks and reports the damage") {
    DbOptions opts;  // ranges 2 h and 24 h: the two blocks share a day
    opts.fsync = FsyncPolicy::kNever;
    std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
    const absl::Status c = db->Compact();
    INFO(c.ToString());
    CHECK(c.ok());
    const DbStats st = db->stats();
    CHECK(st.blocks == 2);
    REQUIRE(st.problems.size() == 1);
    CHECK(Contains(st.problems[0], files[0]));
    CHECK(Contains(st.problems[0], where));
    CHECK(st.damaged_chunks >= 1);
    CHECK(BlockFiles(tmp.db()) == files);
    check_reads(*db->Snapshot());
    REQUIRE(db->Close().ok());
    db = OpenDb(tmp.db(), opts);
    check_reads(*db->Snapshot());
  }
}

TEST_CASE("Db failure: a block with a damaged index or footer is skipped and reported",
          "[catena][db][damage]") {
  TempDir tmp("catena_dbdamage");
  const Model model = MakeTwoBlocks(tmp.db());
  const std::vector<std::string> files = BlockFiles(tmp.db());
  const std::string saved = ReadFileBytes(files[0]);
  const size_t size = saved.size();
  const size_t footer_at = size - 32;
  const size_t index_at = FixedAt(saved, footer_at, 8);
  REQUIRE(FixedAt(saved, footer_at + 8, 8) == footer_at - index_at);
  const size_t version_at = footer_at + 20;

  SECTION("every byte of the index and footer, one at a time (Block::Open)") {
    for (size_t at = index_at; at < size; ++at) {
      for (const uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}}) {
        std::string bytes = saved;
        bytes[at] = static_cast<char>(bytes[at] ^ mask);
        WriteFileBytes(files[0], bytes);
        absl::StatusOr<std::shared_ptr<Block>> b = Block::Open(files[0]);
        INFO("byte " << at << " of " << size << " (index at " << index_at << "), mask " << +mask
                     << ": " << b.status().ToString());
        REQUIRE(!b.ok());
        CHECK(Contains(Msg(b.status()), files[0]));
        if (at < version_at || at >= version_at + 4) {
          CHECK(b.status().code() == absl::StatusCode::kDataLoss);
          CHECK(Contains(Msg(b.status()), "byte"));
        }
      }
    }
    WriteFileBytes(files[0], saved);
  }
  struct Damage {
    const char* what;
    size_t at;
  };
  const Damage damages[] = {
      {"first index byte", index_at},
      {"middle of the index", index_at + (footer_at - index_at) / 2},
      {"last index byte", footer_at - 1},
      {"footer: index offset", footer_at},
      {"footer: index length", footer_at + 8},
      {"footer: index checksum", footer_at + 16},
      {"footer: version", version_at},
      {"footer: magic", size - 1},
      {"header magic", 0},
  };
  for (const Damage& d : damages) {
    DYNAMIC_SECTION("Db::Open with a flipped byte: " << d.what) {
      FlipByte(files[0], d.at);
      std::unique_ptr<Db> db = OpenDb(tmp.db(), NoCompaction());
      const DbStats st = db->stats();
      CHECK(st.damaged_blocks == 1);
      CHECK(st.blocks == 1);
      REQUIRE(st.problems.size() == 1);
      INFO(st.problems[0]);
      CHECK(Contains(st.problems[0], files[0]));
      CHECK(Contains(st.problems[0], "byte"));
      SecondBlockOnly(model).Check(*db->Snapshot());
      // Writing and closing leave the damaged file alone (evidence, never deleted or merged).
      const SeriesRef ref = Series(*db, BlockKey(0));
      REQUIRE(db->Append(ref, 20 * kHour, Value::Int(7)).ok());
      REQUIRE(db->Close().ok());
      CHECK(fs::exists(files[0]));
      db = OpenDb(tmp.db(), NoCompaction());
      CHECK(db->stats().damaged_blocks == 1);
      Model more = SecondBlockOnly(model);
      more.Add(BlockKey(0), 20 * kHour, Value::Int(7));
      more.Check(*db->Snapshot());
    }
  }
}

TEST_CASE("Db failure: truncated and empty block files are skipped and reported",
          "[catena][db][damage]") {
  TempDir tmp("catena_dbdamage");
  const Model model = MakeTwoBlocks(tmp.db());
  const std::vector<std::string> files = BlockFiles(tmp.db());
  const std::string saved = ReadFileBytes(files[0]);
  const size_t size = saved.size();
  for (const size_t keep : {size - 1, size - 31, size - 32, size - 33, size / 2, size_t{40},
                            size_t{39}, size_t{8}, size_t{1}, size_t{0}}) {
    DYNAMIC_SECTION("first block cut to " << keep << " of " << size << " bytes") {
      WriteFileBytes(files[0], std::string_view(saved).substr(0, keep));
      absl::StatusOr<std::shared_ptr<Block>> b = Block::Open(files[0]);
      INFO(b.status().ToString());
      REQUIRE(!b.ok());
      CHECK(b.status().code() == absl::StatusCode::kDataLoss);
      CHECK(Contains(Msg(b.status()), files[0]));
      CHECK(Contains(Msg(b.status()), "byte"));
      std::unique_ptr<Db> db = OpenDb(tmp.db(), NoCompaction());
      const DbStats st = db->stats();
      CHECK(st.damaged_blocks == 1);
      REQUIRE(st.problems.size() == 1);
      CHECK(Contains(st.problems[0], files[0]));
      CHECK(Contains(st.problems[0], "byte"));
      SecondBlockOnly(model).Check(*db->Snapshot());
      absl::StatusOr<std::shared_ptr<Block>> other = Block::Open(files[1]);
      REQUIRE(other.ok());
      CHECK((*other)->Verify().ok());
    }
  }
}

// ---- 4. Full disk -----------------------------------------------------------------------------

struct DiskCase {
  const char* name;
  const char* file;  // the end of the name of the file that fills
  FsyncPolicy fsync;
  size_t wal_segment_bytes;
  uint32_t flush_every;    // 0: never
  uint32_t compact_every;  // 0: never
};

TEST_CASE("Db failure: a full disk fails the call with ResourceExhausted and loses nothing acked",
          "[catena][db][crash]") {
  constexpr int kSeriesCount = 200;
  constexpr uint64_t kLimit = 256 << 10;
  const DiskCase c = GENERATE(
      DiskCase{"the log fills the disk", ".wal", FsyncPolicy::kEveryCommit, 64u << 20, 0, 0},
      DiskCase{"a compaction fills the disk", ".blk.tmp", FsyncPolicy::kEveryCommit, 32u << 10, 10,
               10},
      DiskCase{"a flush fills the disk", ".blk.tmp", FsyncPolicy::kNever, 32u << 10, 1000, 0});
  INFO(c.name);
  TempDir tmp("catena_dbfull");
  DbOptions opts;
  opts.fsync = c.fsync;
  opts.wal_segment_bytes = c.wal_segment_bytes;
  opts.block_duration_ms = 1000 * kHour;  // flushes only when the test says
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit rl{kLimit, kLimit};
    if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) ::_exit(2);
    {
      absl::StatusOr<std::unique_ptr<Db>> db = Db::Open(tmp.db(), opts);
      if (!db.ok()) ::_exit(3);
      std::vector<SeriesRef> refs;
      for (int i = 0; i < kSeriesCount; ++i) {
        absl::StatusOr<SeriesRef> ref = (*db)->GetOrCreateSeries(CrashKey(i));
        if (!ref.ok()) ::_exit(4);
        refs.push_back(*ref);
      }
      for (uint32_t b = 0; b < 5000; ++b) {
        absl::Status s = AppendBatch(**db, refs, b);
        if (s.ok()) Send(fds[1], ChildMessage::kAck, b);
        if (s.ok() && c.flush_every > 0 && b % c.flush_every == c.flush_every - 1) {
          s = (*db)->Flush();
        }
        if (s.ok() && c.compact_every > 0 && b % c.compact_every == c.compact_every - 1) {
          s = (*db)->Compact();
        }
        if (s.ok()) continue;
        Send(fds[1], ChildMessage::kError, b, s);
        // Everything after keeps failing or working, never crashes.
        (*db)->Commit().IgnoreError();
        (*db)->Flush().IgnoreError();
        (*db)->Compact().IgnoreError();
        (*db)->Snapshot();
        (*db)->stats();
        db->reset();  // closes, ignoring errors
        ::_exit(0);
      }
    }
    ::_exit(5);
  }
  ::close(fds[1]);
  std::vector<ChildMessage> got = Drain(fds[0]);
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO("child status " << status);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(!got.empty());
  const ChildMessage error = got.back();
  got.pop_back();
  REQUIRE(error.kind == ChildMessage::kError);
  int64_t acked = 0;
  for (const ChildMessage& m : got) {
    REQUIRE(m.kind == ChildMessage::kAck);
    REQUIRE(m.batch == acked);
    ++acked;
  }
  INFO("failed at batch " << error.batch << " after " << acked << " acknowledged: " << error.text);
  CHECK(error.code == static_cast<int32_t>(absl::StatusCode::kResourceExhausted));
  CHECK(Contains(error.text, "File too large"));
  CHECK(Contains(error.text, std::string(c.file) + ": File too large"));
  CHECK(acked > 0);

  // Every block under its real name is whole.
  for (const std::string& path : BlockFiles(tmp.db())) {
    absl::StatusOr<std::shared_ptr<Block>> b = Block::Open(path);
    INFO(path << ": " << b.status().ToString());
    REQUIRE(b.ok());
    CHECK((*b)->Verify().ok());
  }
  // A leftover temporary file goes at the next open.
  WriteFileBytes(tmp.db() + "/blocks/b00000000000000ff.blk.tmp", "half a block");
  DbOptions unlimited = opts;
  {
    std::unique_ptr<Db> db = OpenDb(tmp.db(), unlimited);
    CHECK(FilesEndingWith(tmp.db() + "/blocks", ".tmp").empty());
    CHECK(db->stats().problems.empty());
    const int present = CheckBatches(*db->Snapshot(), kSeriesCount, acked);
    CHECK((present == 0 || present == kSeriesCount));
    const absl::Status closed = db->Close();
    INFO(closed.ToString());
    CHECK(closed.ok());
  }
  std::unique_ptr<Db> db = OpenDb(tmp.db(), unlimited);
  CheckBatches(*db->Snapshot(), kSeriesCount, acked);
  CHECK(db->stats().problems.empty());
}

// ---- 5. Interrupted compaction ----------------------------------------------------------------

TEST_CASE("Db failure: a compaction interrupted before removing its inputs is finished at open",
          "[catena][db][crash]") {
  TempDir tmp("catena_dbcompact");
  DbOptions opts;
  opts.fsync = FsyncPolicy::kNever;
  opts.compaction_ranges_ms = {2 * kHour};
  Model model;
  const SeriesKey a{"interrupted", {{"s", "a"}}}, b{"interrupted", {{"s", "b"}}};
  std::vector<std::string> inputs;
  std::string merged;
  const std::string saved = tmp.path() + "/saved";
  {
    std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
    const SeriesRef ra = Series(*db, a), rb = Series(*db, b);
    for (const auto& [from, to] : {std::pair{int64_t{0}, kHour / 2}, {kHour / 2 + 1000, kHour}}) {
      for (int64_t t = from; t <= to; t += 1000) {
        REQUIRE(db->Append(ra, t, Value::Int(t)).ok());
        model.Add(a, t, Value::Int(t));
        if (t % 3000 == 0) {
          REQUIRE(db->Append(rb, t, Value::Float(t / 3.0)).ok());
          model.Add(b, t, Value::Float(t / 3.0));
        }
      }
      REQUIRE(db->Commit().ok());
      REQUIRE(db->Flush().ok());
    }
    inputs = BlockFiles(tmp.db());
    REQUIRE(inputs.size() == 2);
    fs::create_directories(saved);
    for (const std::string& f : inputs)
      fs::copy_file(f, saved + "/" + fs::path(f).filename().string());
    REQUIRE(db->Compact().ok());
    const std::vector<std::string> after = BlockFiles(tmp.db());
    REQUIRE(after.size() == 1);
    merged = after[0];
    REQUIRE(db->Close().ok());
  }
  {
    absl::StatusOr<std::shared_ptr<Block>> m = Block::Open(merged);
    REQUIRE(m.ok());
    std::vector<uint64_t> ids;
    for (const std::string& f : inputs) {
      absl::StatusOr<std::shared_ptr<Block>> in =
          Block::Open(saved + "/" + fs::path(f).filename().string());
      REQUIRE(in.ok());
      ids.push_back((*in)->meta().id);
    }
    CHECK((*m)->meta().parents == ids);
  }
  auto restore = [&](size_t i) {
    fs::copy_file(saved + "/" + fs::path(inputs[i]).filename().string(), inputs[i]);
  };
  auto check_finished = [&] {
    {
      // Read-only: the replaced inputs are ignored (not removed), nothing is read twice.
      std::unique_ptr<Db> ro = OpenDb(tmp.db(), ReadOnlyOptions());
      CHECK(ro->stats().blocks == 1);
      CHECK(ro->stats().problems.empty());
      model.Check(*ro->Snapshot());
    }
    std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
    CHECK(db->stats().blocks == 1);
    CHECK(db->stats().problems.empty());
    CHECK(BlockFiles(tmp.db()) == std::vector<std::string>{merged});
    model.Check(*db->Snapshot());
    REQUIRE(db->Close().ok());
    db = OpenDb(tmp.db(), opts);
    CHECK(BlockFiles(tmp.db()) == std::vector<std::string>{merged});
    model.Check(*db->Snapshot());
  };
  SECTION("both inputs still there") {
    restore(0);
    restore(1);
    check_finished();
  }
  SECTION("one input still there") {
    restore(1);
    check_finished();
  }
  SECTION("the output damaged: the inputs stay in use") {
    restore(0);
    restore(1);
    FlipByte(merged, fs::file_size(merged) - 1);
    std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
    CHECK(db->stats().blocks == 2);
    REQUIRE(db->stats().problems.size() == 1);
    CHECK(Contains(db->stats().problems[0], merged));
    model.Check(*db->Snapshot());
  }
}

}  // namespace
}  // namespace cistern::catena
