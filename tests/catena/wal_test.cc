// libcatena's write-ahead log (cistern/catena/wal.h): round trips of every kind of value, rotation
// and removal of segments, a torn tail cut at every byte offset, damage in a middle segment, the
// decoder on hostile records, fsync policies, kill -9 of a writing process, and a full disk
// (RLIMIT_FSIZE). Each test works in its own directory under CISTERN_TEST_TMPDIR, removed after.
// A hidden case, [.perf], times AppendSamples + Commit on 10 million samples.
#include "cistern/catena/wal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "crc32c.h"
#include "test_temp_dir.h"

namespace cistern::catena {
namespace {

namespace fs = std::filesystem;

// ---- Helpers ----------------------------------------------------------------------------------

class TempDir : public cistern::testing::TempDir {
 public:
  TempDir() : cistern::testing::TempDir("catena_wal") {}
  std::string wal() const { return path() + "/wal"; }
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

uint64_t FileSize(const std::string& path) { return fs::file_size(path); }

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

struct Event {
  bool series = false;
  uint64_t ref = 0;
  SeriesKey key;
  std::vector<WalSample> samples;
  friend bool operator==(const Event&, const Event&) = default;
};

Event SeriesEvent(uint64_t ref, SeriesKey key) { return Event{true, ref, std::move(key), {}}; }
Event SamplesEvent(std::vector<WalSample> s) { return Event{false, 0, {}, std::move(s)}; }

// Collects what a replay delivers.
struct Collector {
  std::vector<Event> events;
  WalReplayHandler Handler() {
    return WalReplayHandler{
        .on_series =
            [this](uint64_t ref, SeriesKey key) {
              events.push_back(SeriesEvent(ref, std::move(key)));
              return absl::OkStatus();
            },
        .on_samples =
            [this](absl::Span<const WalSample> s) {
              events.push_back(SamplesEvent({s.begin(), s.end()}));
              return absl::OkStatus();
            },
    };
  }
  std::vector<WalSample> AllSamples() const {
    std::vector<WalSample> out;
    for (const Event& e : events) out.insert(out.end(), e.samples.begin(), e.samples.end());
    return out;
  }
  std::vector<Event> SeriesOnly() const {
    std::vector<Event> out;
    for (const Event& e : events) {
      if (e.series) out.push_back(e);
    }
    return out;
  }
};

WalReplayStats Replay(const std::string& dir, Collector* c, bool repair = true) {
  absl::StatusOr<WalReplayStats> st = ReplayWal(dir, c->Handler(), repair);
  REQUIRE(st.ok());
  return *st;
}

std::unique_ptr<WalWriter> OpenWriter(const std::string& dir, WalOptions options = {}) {
  absl::StatusOr<std::unique_ptr<WalWriter>> w = WalWriter::Open(dir, options);
  INFO(w.status().ToString());
  REQUIRE(w.ok());
  return std::move(*w);
}

Value FloatBits(uint64_t bits) { return Value{ValueType::kFloat, bits}; }

// Floats by their bits (NaN payloads, signalling NaN, -0.0, infinities, a denormal), the int64
// extremes, extreme timestamps and refs whose deltas wrap.
std::vector<WalSample> SpecialSamples() {
  const uint64_t floats[] = {0x7FF8000000000001ull, 0x7FF0000000000001ull, 0xFFF8DEADBEEF0000ull,
                             0x8000000000000000ull, 0x0000000000000000ull, 0x7FF0000000000000ull,
                             0xFFF0000000000000ull, 0x0000000000000001ull, 0x7FEFFFFFFFFFFFFFull,
                             0x400921FB54442D18ull};
  const int64_t ints[] = {INT64_MIN,     INT64_MAX,       0, -1, 1, INT64_MIN + 1,
                          INT64_MAX - 1, int64_t{1} << 62};
  const int64_t times[] = {
      INT64_MIN,     INT64_MAX,     0, -1, 1, INT64_MIN, INT64_MAX, 1736121607441,
      1736121607442, -1736121607441};
  const uint64_t refs[] = {0, UINT64_MAX, 1, UINT64_MAX - 1, uint64_t{1} << 63, 42, 42, 0};
  std::vector<WalSample> out;
  size_t i = 0;
  for (uint64_t f : floats) {
    out.push_back({refs[i % 8], times[i % 10], FloatBits(f)});
    ++i;
  }
  for (int64_t v : ints) {
    out.push_back({refs[i % 8], times[i % 10], Value::Int(v)});
    ++i;
  }
  for (int64_t t : times) out.push_back({refs[i++ % 8], t, Value::Int(t)});
  return out;
}

std::vector<WalSample> Batch(uint32_t b, size_t n = 64) {
  std::vector<WalSample> v(n);
  for (size_t j = 0; j < n; ++j) {
    v[j].ref = uint64_t{b % 97} * 1000 + j;
    v[j].timestamp_ms = int64_t{b} * 10000 + static_cast<int64_t>(j) * 7 - 5000000;
    v[j].value = (j % 2) ? Value::Int(int64_t{b} * 1000003 - static_cast<int64_t>(j))
                         : Value::Float(b * 0.25 + static_cast<double>(j));
  }
  return v;
}

SeriesKey BatchKey(uint32_t b) {
  return SeriesKey{"wal_test_metric", {{"batch", std::to_string(b)}, {"kind", "crash"}}};
}

// Hand-made segment bytes.
void PutU32(std::string* s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s->push_back(static_cast<char>(v >> (8 * i)));
}
std::string SegmentHeader(uint32_t version = kWalVersion) {
  std::string s("CWAL");
  PutU32(&s, version);
  return s;
}
std::string Varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}
std::string Str(std::string_view v) { return Varint(v.size()) + std::string(v); }
// A record with a correct checksum around any payload.
std::string Record(uint8_t type, std::string_view payload) {
  std::string r;
  PutU32(&r, static_cast<uint32_t>(payload.size()));
  PutU32(&r, 0);
  r.push_back(static_cast<char>(type));
  r.append(payload);
  const uint32_t crc = Crc32c(r.data() + 8, payload.size() + 1);
  for (int i = 0; i < 4; ++i) r[4 + i] = static_cast<char>(crc >> (8 * i));
  return r;
}
std::string IntSample(uint64_t ref_delta_zz, uint64_t ts_delta_zz, uint64_t value_zz) {
  return Varint(ref_delta_zz) + Varint(ts_delta_zz) + std::string(1, '\1') + Varint(value_zz);
}

// DecodeWalSegment must stop at byte `at` with DataLoss naming it and saying `why`.
void CheckBad(const std::string& segment, size_t at, std::string_view why) {
  size_t valid = 999999;
  const absl::Status s = DecodeWalSegment(segment, {}, &valid);
  INFO(s.ToString());
  CHECK(s.code() == absl::StatusCode::kDataLoss);
  const std::string prefix = (at == 0 ? "wal: bad segment header at byte 0: "
                                      : "wal: bad record at byte " + std::to_string(at) + ": ");
  CHECK(Msg(s).rfind(prefix, 0) == 0);
  CHECK(Msg(s).find(why) != std::string::npos);
  CHECK(valid == (at == 0 ? 0 : at));
}

// ---- Round trips -----------------------------------------------------------------------------

TEST_CASE("WAL: series and samples of both types round-trip bit for bit", "[catena][wal]") {
  TempDir tmp;
  std::vector<Event> want;
  {
    std::unique_ptr<WalWriter> w = OpenWriter(tmp.wal());
    std::vector<std::pair<uint64_t, SeriesKey>> series = {
        {0, {"up", {}}},
        {1, {"ifHCInOctets", {{"instance", "sw1"}, {"ifName", "xe-0/0/1"}}}},
        {UINT64_MAX,
         {"m",
          {{"empty", ""}, {"utf8", "żółw \xF0\x9F\x90\xA2"}, {"nul", std::string("a\0b", 3)}}}},
        {uint64_t{1} << 40, {"", {}}},
    };
    for (auto& [ref, key] : series) {
      REQUIRE(w->AppendSeries(ref, key).ok());
      want.push_back(SeriesEvent(ref, key));
    }
    const std::vector<WalSample> special = SpecialSamples();
    REQUIRE(w->AppendSamples(special).ok());
    want.push_back(SamplesEvent(special));
    REQUIRE(w->AppendSamples({}).ok());  // nothing: no record
    REQUIRE(w->Commit().ok());
    // A single sample, a series between batches, and a batch large enough to be split.
    const std::vector<WalSample> one = {{7, -7, Value::Float(-0.0)}};
    REQUIRE(w->AppendSamples(one).ok());
    want.push_back(SamplesEvent(one));
    REQUIRE(w->AppendSeries(8, SeriesKey{"after", {{"a", "b"}}}).ok());
    want.push_back(SeriesEvent(8, SeriesKey{"after", {{"a", "b"}}}));
    std::vector<WalSample> big;
    for (uint32_t b = 0; b < 160; ++b) {
      std::vector<WalSample> part = Batch(b);
      big.insert(big.end(), part.begin(), part.end());
    }
    REQUIRE(big.size() == 10240);
    REQUIRE(w->AppendSamples(big).ok());
    for (size_t at = 0; at < big.size(); at += 4096) {  // 4096 samples per record
      want.push_back(SamplesEvent(std::vector<WalSample>(
          big.begin() + static_cast<ptrdiff_t>(at),
          big.begin() + static_cast<ptrdiff_t>(std::min(big.size(), at + 4096)))));
    }
    REQUIRE(w->Commit().ok());
    const WalWriterStats st = w->stats();
    CHECK(st.records == want.size());
    CHECK(st.samples == special.size() + 1 + big.size());
    CHECK(st.segments == 1);
    CHECK(st.segment == 0);
    CHECK(st.bytes == FileSize(WalSegmentPath(tmp.wal(), 0)));
  }
  Collector c;
  const WalReplayStats rs = Replay(tmp.wal(), &c);
  CHECK(rs.segments == 1);
  CHECK(rs.records == want.size());
  CHECK(rs.series_records == 5);
  CHECK(rs.sample_records == want.size() - 5);
  CHECK(rs.samples == c.AllSamples().size());
  CHECK(rs.torn_bytes_cut == 0);
  CHECK(rs.corrupt_segments == 0);
  CHECK(rs.missing_segments == 0);
  CHECK(rs.first_error.empty());
  CHECK(rs.torn_tail.empty());
  REQUIRE(c.events.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("event " << i);
    CHECK(c.events[i] == want[i]);
  }
  // Bit for bit: NaN payloads and the sign of zero survive.
  CHECK(c.events[4].samples[0].value.bits == 0x7FF8000000000001ull);
  CHECK(c.events[4].samples[3].value.bits == 0x8000000000000000ull);
  CHECK(std::signbit(c.events[5].samples[0].value.AsDouble()));

  // The in-memory decoder agrees with replay.
  const std::string bytes = ReadFile(WalSegmentPath(tmp.wal(), 0));
  Collector d;
  size_t valid = 0;
  REQUIRE(DecodeWalSegment(bytes, d.Handler(), &valid).ok());
  CHECK(valid == bytes.size());
  CHECK(d.events == c.events);
}

TEST_CASE("WAL: series beyond the limits are refused, at the limits accepted", "[catena][wal]") {
  TempDir tmp;
  std::unique_ptr<WalWriter> w = OpenWriter(tmp.wal());
  SeriesKey many{"many", {}};
  for (size_t i = 0; i < kWalMaxLabels; ++i) many.labels.push_back({"l" + std::to_string(i), "v"});
  SeriesKey longest{std::string(kWalMaxStringBytes, 'm'),
                    {{std::string(kWalMaxStringBytes, 'n'), std::string(kWalMaxStringBytes, 'v')}}};
  REQUIRE(w->AppendSeries(1, many).ok());
  REQUIRE(w->AppendSeries(2, longest).ok());

  SeriesKey too_many = many;
  too_many.labels.push_back({"extra", "v"});
  CHECK(w->AppendSeries(3, too_many).code() == absl::StatusCode::kInvalidArgument);
  SeriesKey too_long = longest;
  too_long.labels[0].value.push_back('v');
  CHECK(w->AppendSeries(4, too_long).code() == absl::StatusCode::kInvalidArgument);
  too_long = longest;
  too_long.metric.push_back('m');
  CHECK(w->AppendSeries(5, too_long).code() == absl::StatusCode::kInvalidArgument);
  // A sample whose value type is neither float nor int.
  std::vector<WalSample> odd = Batch(0, 3);
  odd[1].value.type = static_cast<ValueType>(7);
  CHECK(w->AppendSamples(odd).code() == absl::StatusCode::kInvalidArgument);
  // Refusals do not fail the writer.
  REQUIRE(w->AppendSamples(Batch(1)).ok());
  REQUIRE(w->Commit().ok());

  Collector c;
  Replay(tmp.wal(), &c);
  REQUIRE(c.events.size() == 3);
  CHECK(c.events[0] == SeriesEvent(1, many));
  CHECK(c.events[1] == SeriesEvent(2, longest));
  CHECK(c.events[2] == SamplesEvent(Batch(1)));
}

TEST_CASE("WAL: options are checked, a missing directory replays as empty", "[catena][wal]") {
  TempDir tmp;
  CHECK(WalWriter::Open(tmp.wal(), {.segment_bytes = 0}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(WalWriter::Open(tmp.wal(), {.fsync_interval_ms = -1}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(WalWriter::Open("", {}).status().code() == absl::StatusCode::kInvalidArgument);
  Collector c;
  const WalReplayStats st = Replay(tmp.path() + "/no/such/wal", &c);
  CHECK(st.segments == 0);
  CHECK(c.events.empty());
  // A file in the way of the directory.
  WriteFile(tmp.path() + "/file", "x");
  CHECK(!WalWriter::Open(tmp.path() + "/file/wal", {}).ok());
  CHECK(!ReplayWal(tmp.path() + "/file", {}, true).ok());
  // Open creates missing parents.
  OpenWriter(tmp.path() + "/a/b/wal/");
  CHECK(fs::exists(tmp.path() + "/a/b/wal/00000000.wal"));
}

// ---- Segments ---------------------------------------------------------------------------------

TEST_CASE("WAL: rotation by size, Rotate, RemoveSegmentsBefore, reopening", "[catena][wal]") {
  TempDir tmp;
  constexpr size_t kSegment = 4096;
  std::vector<Event> want;
  uint32_t rotated_to = 0;
  {
    std::unique_ptr<WalWriter> w = OpenWriter(tmp.wal(), {.segment_bytes = kSegment});
    for (uint32_t b = 0; b < 100; ++b) {
      if (b % 10 == 0) {
        REQUIRE(w->AppendSeries(b, BatchKey(b)).ok());
        want.push_back(SeriesEvent(b, BatchKey(b)));
      }
      const std::vector<WalSample> batch = Batch(b, 1 + b % 40);
      REQUIRE(w->AppendSamples(batch).ok());
      want.push_back(SamplesEvent(batch));
      if (b % 3 == 0) REQUIRE(w->Commit().ok());
    }
    // A record larger than a segment goes alone into one.
    const std::vector<WalSample> huge = Batch(1000, 1000);
    REQUIRE(w->AppendSamples(huge).ok());
    want.push_back(SamplesEvent(huge));
    REQUIRE(w->AppendSamples(Batch(1001, 2)).ok());
    want.push_back(SamplesEvent(Batch(1001, 2)));
    REQUIRE(w->Commit().ok());

    absl::StatusOr<std::vector<uint32_t>> segs = ListWalSegments(tmp.wal());
    REQUIRE(segs.ok());
    REQUIRE(segs->size() > 5);
    CHECK(w->stats().segments == segs->size());
    CHECK(w->stats().segment == segs->back());
    uint64_t total = 0;
    int oversized = 0;
    for (size_t i = 0; i < segs->size(); ++i) {
      CHECK((*segs)[i] == i);
      const uint64_t size = FileSize(WalSegmentPath(tmp.wal(), (*segs)[i]));
      total += size;
      if (size > kSegment) ++oversized;
      // Every segment holds whole records.
      const std::string bytes = ReadFile(WalSegmentPath(tmp.wal(), (*segs)[i]));
      CHECK(DecodeWalSegment(bytes, {}, nullptr).ok());
    }
    CHECK(oversized == 1);
    CHECK(total == w->stats().bytes);

    Collector c;
    const WalReplayStats rs = Replay(tmp.wal(), &c);
    CHECK(rs.segments == segs->size());
    CHECK(c.events == want);
    CHECK(rs.corrupt_segments == 0);

    // Rotate, then drop everything before the new segment.
    absl::StatusOr<uint32_t> next = w->Rotate();
    REQUIRE(next.ok());
    CHECK(*next == segs->back() + 1);
    rotated_to = *next;
    REQUIRE(w->AppendSamples(Batch(2000)).ok());
    REQUIRE(w->Commit().ok());
    REQUIRE(w->RemoveSegmentsBefore(*next).ok());
    segs = ListWalSegments(tmp.wal());
    REQUIRE(segs.ok());
    CHECK(*segs == std::vector<uint32_t>{*next});
    // Never the current segment, whatever is asked.
    REQUIRE(w->RemoveSegmentsBefore(UINT32_MAX).ok());
    CHECK(ListWalSegments(tmp.wal())->size() == 1);
    REQUIRE(w->AppendSamples(Batch(2001)).ok());
    REQUIRE(w->Commit().ok());
  }
  Collector c;
  Replay(tmp.wal(), &c);
  CHECK(c.events == std::vector<Event>{SamplesEvent(Batch(2000)), SamplesEvent(Batch(2001))});

  // A new writer starts a new segment after the highest and never touches the old one.
  const std::string old_path = WalSegmentPath(tmp.wal(), rotated_to);
  const std::string old_bytes = ReadFile(old_path);
  {
    std::unique_ptr<WalWriter> w = OpenWriter(tmp.wal());
    CHECK(w->stats().segment == rotated_to + 1);
    REQUIRE(w->AppendSamples(Batch(3000)).ok());
    REQUIRE(w->Commit().ok());
  }
  CHECK(ReadFile(old_path) == old_bytes);
  // Files that are not segments are ignored.
  WriteFile(tmp.wal() + "/notes.txt", "hello");
  WriteFile(tmp.wal() + "/000000001.wal", "not a segment name");
  WriteFile(tmp.wal() + "/1.wal", "not a segment name");
  Collector again;
  const WalReplayStats rs = Replay(tmp.wal(), &again);
  CHECK(rs.segments == 2);
  CHECK(again.events == std::vector<Event>{SamplesEvent(Batch(2000)), SamplesEvent(Batch(2001)),
                                           SamplesEvent(Batch(3000))});
}

// ---- Torn tails and damage --------------------------------------------------------------------

TEST_CASE("WAL: a torn tail is cut at every byte offset", "[catena][wal]") {
  TempDir src;
  std::vector<Event> want;
  std::vector<uint64_t> ends;  // the file's size after each record
  {
    std::unique_ptr<WalWriter> w = OpenWriter(src.wal(), {.fsync = FsyncPolicy::kNever});
    ends.push_back(FileSize(WalSegmentPath(src.wal(), 0)));
    auto commit = [&] {
      REQUIRE(w->Commit().ok());
      ends.push_back(FileSize(WalSegmentPath(src.wal(), 0)));
    };
    REQUIRE(w->AppendSeries(5, BatchKey(5)).ok());
    want.push_back(SeriesEvent(5, BatchKey(5)));
    commit();
    REQUIRE(w->AppendSamples(Batch(1, 5)).ok());
    want.push_back(SamplesEvent(Batch(1, 5)));
    commit();
    const std::vector<WalSample> special = SpecialSamples();
    REQUIRE(w->AppendSamples(special).ok());
    want.push_back(SamplesEvent(special));
    commit();
    REQUIRE(w->AppendSeries(6, SeriesKey{"x", {}}).ok());
    want.push_back(SeriesEvent(6, SeriesKey{"x", {}}));
    commit();
    REQUIRE(w->AppendSamples(Batch(2, 3)).ok());
    want.push_back(SamplesEvent(Batch(2, 3)));
    commit();
  }
  REQUIRE(ends.front() == kWalSegmentHeaderBytes);
  const std::string full = ReadFile(WalSegmentPath(src.wal(), 0));
  REQUIRE(full.size() == ends.back());

  // Segment 0 complete, segment 1 (the last) the truncated copy: only the last one is cut.
  TempDir dst;
  fs::create_directories(dst.wal());
  const std::string first = WalSegmentPath(dst.wal(), 0);
  const std::string last = WalSegmentPath(dst.wal(), 1);
  WriteFile(first, full);
  for (size_t len = 0; len < full.size(); ++len) {
    INFO("length " << len);
    WriteFile(last, std::string_view(full).substr(0, len));
    // The complete records, and where the valid part ends (a torn header leaves nothing).
    size_t complete = 0;
    uint64_t cut_to = 0;
    for (size_t i = 0; i < ends.size(); ++i) {
      if (ends[i] <= len) {
        complete = i;
        cut_to = ends[i];
      }
    }
    // Without repair: reported, not touched.
    Collector look;
    WalReplayStats st = Replay(dst.wal(), &look, /*repair=*/false);
    CHECK(st.torn_bytes_cut == len - cut_to);
    CHECK(FileSize(last) == len);

    Collector c;
    st = Replay(dst.wal(), &c, /*repair=*/true);
    CHECK(st.corrupt_segments == 0);
    CHECK(st.first_error.empty());
    CHECK(st.torn_bytes_cut == len - cut_to);
    CHECK(st.torn_tail.empty() == (len == cut_to));
    if (len != cut_to) CHECK(st.torn_tail.find("00000001.wal") != std::string::npos);
    CHECK(FileSize(last) == cut_to);
    REQUIRE(c.events.size() == want.size() + complete);
    CHECK(std::equal(want.begin(), want.end(), c.events.begin()));
    CHECK(std::equal(want.begin(), want.begin() + static_cast<ptrdiff_t>(complete),
                     c.events.begin() + static_cast<ptrdiff_t>(want.size())));
    // Cut once, clean afterwards.
    Collector again;
    st = Replay(dst.wal(), &again, true);
    CHECK(st.torn_bytes_cut == 0);
    CHECK(again.events == c.events);
    // The in-memory decoder reports the same valid prefix.
    size_t valid = 0;
    const absl::Status s = DecodeWalSegment(std::string_view(full).substr(0, len), {}, &valid);
    CHECK(s.ok() == (len == cut_to));
    CHECK(valid == cut_to);
  }
}

TEST_CASE("WAL: damage in a middle segment is counted and skipped", "[catena][wal]") {
  TempDir tmp;
  std::vector<std::vector<Event>> per_segment(3);
  uint64_t second_record_at = 0;  // where record 1 of the middle segment starts
  {
    std::unique_ptr<WalWriter> w = OpenWriter(tmp.wal());
    for (uint32_t seg = 0; seg < 3; ++seg) {
      for (uint32_t r = 0; r < 4; ++r) {
        const uint32_t b = seg * 10 + r;
        REQUIRE(w->AppendSamples(Batch(b, 10)).ok());
        REQUIRE(w->Commit().ok());
        per_segment[seg].push_back(SamplesEvent(Batch(b, 10)));
        if (seg == 1 && r == 0) second_record_at = FileSize(WalSegmentPath(tmp.wal(), 1));
      }
      if (seg < 2) REQUIRE(w->Rotate().ok());
    }
  }
  REQUIRE(second_record_at > kWalSegmentHeaderBytes);
  const std::string middle = WalSegmentPath(tmp.wal(), 1);
  const std::string original = ReadFile(middle);

  auto expect = [&](size_t kept_in_middle) {
    std::vector<Event> want = per_segment[0];
    want.insert(want.end(), per_segment[1].begin(),
                per_segment[1].begin() + static_cast<ptrdiff_t>(kept_in_middle));
    want.insert(want.end(), per_segment[2].begin(), per_segment[2].end());
    return want;
  };

  SECTION("a flipped payload byte") {
    std::string damaged = original;
    damaged[second_record_at + 20] ^= 0x10;
    WriteFile(middle, damaged);
    Collector c;
    const WalReplayStats st = Replay(tmp.wal(), &c, /*repair=*/true);
    CHECK(st.corrupt_segments == 1);
    CHECK(st.torn_bytes_cut == 0);
    CHECK(st.segments == 3);
    CHECK(c.events == expect(1));
    INFO(st.first_error);
    CHECK(st.first_error.find(middle) != std::string::npos);
    CHECK(st.first_error.find("bad record at byte " + std::to_string(second_record_at) + ":") !=
          std::string::npos);
    CHECK(st.first_error.find("checksum mismatch") != std::string::npos);
    CHECK(ReadFile(middle) == damaged);  // repair never touches a middle segment
  }
  SECTION("a flipped length byte") {
    std::string damaged = original;
    damaged[second_record_at + 2] ^= 0x01;  // the length grows by 64 KiB: past the file's end
    WriteFile(middle, damaged);
    Collector c;
    const WalReplayStats st = Replay(tmp.wal(), &c);
    CHECK(st.corrupt_segments == 1);
    CHECK(c.events == expect(1));
    CHECK(st.first_error.find("byte " + std::to_string(second_record_at) + ": truncated") !=
          std::string::npos);
  }
  SECTION("a middle segment cut short") {
    WriteFile(middle, std::string_view(original).substr(0, original.size() - 3));
    Collector c;
    const WalReplayStats st = Replay(tmp.wal(), &c);
    CHECK(st.corrupt_segments == 1);
    CHECK(st.torn_bytes_cut == 0);
    CHECK(c.events == expect(3));
  }
  SECTION("a damaged header") {
    std::string damaged = original;
    damaged[1] = 'X';
    WriteFile(middle, damaged);
    Collector c;
    const WalReplayStats st = Replay(tmp.wal(), &c);
    CHECK(st.corrupt_segments == 1);
    CHECK(c.events == expect(0));
    CHECK(st.first_error.find("bad segment header at byte 0: not a WAL segment") !=
          std::string::npos);
  }
  SECTION("an empty middle segment is no damage") {
    WriteFile(middle, "");
    Collector c;
    const WalReplayStats st = Replay(tmp.wal(), &c);
    CHECK(st.corrupt_segments == 0);
    CHECK(st.first_error.empty());
    CHECK(c.events == expect(0));
  }
  SECTION("a missing middle segment is reported") {
    fs::remove(middle);
    Collector c;
    const WalReplayStats st = Replay(tmp.wal(), &c);
    CHECK(st.missing_segments == 1);
    CHECK(st.segments == 2);
    CHECK(c.events == expect(0));
    CHECK(st.first_error.find("00000000.wal and 00000002.wal") != std::string::npos);
  }
}

TEST_CASE("WAL: the last segment's header", "[catena][wal]") {
  TempDir tmp;
  fs::create_directories(tmp.wal());
  const std::string path = WalSegmentPath(tmp.wal(), 0);

  SECTION("all zeros is a torn write, cut") {
    WriteFile(path, std::string(8, '\0') + "junk");
    Collector c;
    const WalReplayStats st = Replay(tmp.wal(), &c);
    CHECK(st.torn_bytes_cut == 12);
    CHECK(FileSize(path) == 0);
    CHECK(st.corrupt_segments == 0);
  }
  SECTION("a foreign file is damage, never cut") {
    WriteFile(path, "JUNKJUNKJUNK");
    Collector c;
    const WalReplayStats st = Replay(tmp.wal(), &c);
    CHECK(st.corrupt_segments == 1);
    CHECK(st.torn_bytes_cut == 0);
    CHECK(ReadFile(path) == "JUNKJUNKJUNK");
  }
  SECTION("another version is refused, untouched") {
    const std::string v2 = SegmentHeader(2) + "whatever follows";
    WriteFile(path, v2);
    Collector c;
    const absl::StatusOr<WalReplayStats> st = ReplayWal(tmp.wal(), c.Handler(), true);
    CHECK(st.status().code() == absl::StatusCode::kUnimplemented);
    CHECK(Msg(st.status()).find("version 2") != std::string::npos);
    CHECK(ReadFile(path) == v2);
    CHECK(DecodeWalSegment(v2, {}, nullptr).code() == absl::StatusCode::kUnimplemented);
  }
}

TEST_CASE("WAL: a handler's error stops replay", "[catena][wal]") {
  TempDir tmp;
  {
    std::unique_ptr<WalWriter> w = OpenWriter(tmp.wal(), {.segment_bytes = 1024});
    for (uint32_t b = 0; b < 30; ++b) REQUIRE(w->AppendSamples(Batch(b, 8)).ok());
    REQUIRE(w->Commit().ok());
  }
  int calls = 0;
  const WalReplayHandler stop_at_5{.on_samples = [&](absl::Span<const WalSample>) {
    return ++calls == 5 ? absl::AbortedError("enough") : absl::OkStatus();
  }};
  const absl::StatusOr<WalReplayStats> st = ReplayWal(tmp.wal(), stop_at_5, true);
  CHECK(st.status() == absl::AbortedError("enough"));
  CHECK(calls == 5);

  // DecodeWalSegment: valid_prefix is where the refused record starts.
  const std::string bytes = ReadFile(WalSegmentPath(tmp.wal(), 0));
  size_t all = 0;
  REQUIRE(DecodeWalSegment(bytes, {}, &all).ok());
  CHECK(all == bytes.size());
  calls = 0;
  const WalReplayHandler stop_at_2{.on_samples = [&](absl::Span<const WalSample>) {
    return ++calls == 2 ? absl::AbortedError("stop") : absl::OkStatus();
  }};
  size_t valid = 0;
  CHECK(DecodeWalSegment(bytes, stop_at_2, &valid) == absl::AbortedError("stop"));
  // `valid` ends the first record exactly.
  Collector first;
  size_t again = 0;
  CHECK(DecodeWalSegment(bytes.substr(0, valid), first.Handler(), &again).ok());
  CHECK(again == valid);
  CHECK(first.events.size() == 1);
  CHECK(valid < all);
}

// ---- The decoder on hostile records -----------------------------------------------------------

TEST_CASE("WAL: DecodeWalSegment on hostile records", "[catena][wal]") {
  const std::string h = SegmentHeader();
  const std::string good = Record(2, Varint(1) + IntSample(2, 2, 2));  // ref 1, ts 1, value 1
  {
    Collector c;
    size_t valid = 0;
    REQUIRE(DecodeWalSegment(h + good, c.Handler(), &valid).ok());
    CHECK(valid == h.size() + good.size());
    REQUIRE(c.events.size() == 1);
    CHECK(c.events[0].samples == std::vector<WalSample>{{1, 1, Value::Int(1)}});
  }
  const size_t at = h.size() + good.size();  // the second record: the one that is bad
  const std::string base = h + good;
  CHECK(DecodeWalSegment("", {}, nullptr).ok());
  CHECK(DecodeWalSegment(h, {}, nullptr).ok());
  CheckBad("CWA", 0, "truncated (3 of 8 bytes)");
  CheckBad("XWAL" + h.substr(4), 0, "not a WAL segment (magic 5857414c)");

  // Framing.
  CheckBad(base + std::string("\x05\0\0\0", 4), at, "truncated record header (4 of 9 bytes)");
  std::string r = Record(2, Varint(1) + IntSample(0, 0, 0));
  CheckBad(base + r.substr(0, r.size() - 1), at, "truncated record");
  std::string liar = r;
  liar[0] = 100;  // longer than what follows
  CheckBad(base + liar, at, "truncated record (");
  std::string huge = r;
  PutU32(&huge, 0);
  huge.replace(0, 4, std::string("\x01\x00\x00\x04", 4));  // 64 MiB + 1
  CheckBad(base + huge, at, "payload length 67108865 exceeds the limit of 67108864");
  std::string flipped = r;
  flipped.back() ^= 1;
  CheckBad(base + flipped, at, "checksum mismatch");
  std::string type_flipped = r;
  type_flipped[8] = 1;  // the type is under the checksum too
  CheckBad(base + type_flipped, at, "checksum mismatch");
  CheckBad(base + Record(3, "abc"), at, "unknown record type 3");
  CheckBad(base + Record(0, ""), at, "unknown record type 0");
  CheckBad(base + std::string(9, '\0'), at, "checksum mismatch");

  // Sample records.
  CheckBad(base + Record(2, ""), at, "samples: truncated or overlong count");
  CheckBad(base + Record(2, Varint(0)), at, "samples: empty batch");
  CheckBad(base + Record(2, Varint(kWalMaxSamplesPerRecord + 1)), at,
           "samples: 65537 samples exceed the limit of 65536");
  CheckBad(base + Record(2, Varint(1000) + IntSample(0, 0, 0)), at,
           "samples: 1000 samples cannot fit in 4 bytes");
  CheckBad(base + Record(2, Varint(2) + IntSample(0, 0, 0) + std::string(4, '\0')), at,
           "samples: sample 1 of 2");
  CheckBad(base + Record(2, Varint(1) + std::string("\0\0\x02\0", 4)), at, "unknown value type 2");
  CheckBad(base + Record(2, Varint(1) + std::string("\0\0\0\0\0\0\0", 7)), at,
           "sample 0 of 1: float value truncated");
  CheckBad(base + Record(2, Varint(1) + IntSample(0, 0, 0) + "x"), at,
           "samples: 1 bytes after the last sample");
  // An 11-byte varint, and a 10-byte one that overflows 64 bits.
  CheckBad(base + Record(2, std::string(10, '\x80') + std::string(1, '\0') + "padding"), at,
           "samples: truncated or overlong count");
  CheckBad(base + Record(2, std::string(9, '\xFF') + std::string(1, '\x02') + "padding"), at,
           "samples: truncated or overlong count");
  // The largest 64-bit varint is fine where a u64 is expected (a ref delta of -1: zigzag 1... and
  // 2^64-1 as the zigzag of INT64_MIN).
  {
    Collector c;
    const std::string max_varint = std::string(9, '\xFF') + std::string(1, '\x01');
    REQUIRE(DecodeWalSegment(h + Record(2, Varint(1) + max_varint + Varint(0) + "\x01" + Varint(0)),
                             c.Handler(), nullptr)
                .ok());
    CHECK(c.events[0].samples[0].ref == static_cast<uint64_t>(INT64_MIN));
  }

  // Series records.
  const std::string series_ok = Varint(7) + Str("m") + Varint(1) + Str("a") + Str("b");
  {
    Collector c;
    REQUIRE(DecodeWalSegment(h + Record(1, series_ok), c.Handler(), nullptr).ok());
    CHECK(c.events == std::vector<Event>{SeriesEvent(7, SeriesKey{"m", {{"a", "b"}}})});
  }
  CheckBad(base + Record(1, ""), at, "series: truncated or overlong ref");
  CheckBad(base + Record(1, Varint(7)), at, "series: metric: truncated or overlong length");
  CheckBad(base + Record(1, Varint(7) + Varint(kWalMaxStringBytes + 1) + "x"), at,
           "series: metric of 65537 bytes exceeds the limit of 65536");
  CheckBad(base + Record(1, Varint(7) + Varint(5) + "abc"), at,
           "series: metric of 5 bytes truncated");
  CheckBad(base + Record(1, Varint(7) + Str("m")), at, "series: truncated or overlong label count");
  std::string many = Varint(7) + Str("m") + Varint(kWalMaxLabels + 1);
  for (size_t i = 0; i <= kWalMaxLabels; ++i) many += Str("a") + Str("b");
  CheckBad(base + Record(1, many), at, "series: 257 labels exceed the limit of 256");
  CheckBad(base + Record(1, Varint(7) + Str("m") + Varint(200) + Str("a") + Str("b")), at,
           "series: 200 labels cannot fit in 4 bytes");
  CheckBad(
      base + Record(1, Varint(7) + Str("m") + Varint(2) + Str("a") + Str("b") + Str("c") + "\x05"),
      at, "series: label 1 value of 5 bytes truncated");
  CheckBad(base + Record(1, series_ok + "z"), at, "series: 1 bytes after the last label");
}

// ---- Fsync policies ---------------------------------------------------------------------------

TEST_CASE("WAL: fsync policies", "[catena][wal]") {
  TempDir tmp;
  SECTION("every commit") {
    std::unique_ptr<WalWriter> w = OpenWriter(tmp.wal(), {.fsync = FsyncPolicy::kEveryCommit});
    for (uint32_t b = 0; b < 3; ++b) {
      REQUIRE(w->AppendSamples(Batch(b)).ok());
      REQUIRE(w->Commit().ok());
      CHECK(w->stats().syncs == b + 1);
    }
    REQUIRE(w->Commit().ok());  // nothing new: nothing to sync
    CHECK(w->stats().syncs == 3);
    REQUIRE(w->Rotate().ok());  // the sealed segment was synced already; the new one is not
    CHECK(w->stats().syncs == 3);
    REQUIRE(w->Commit().ok());  // ...until a commit
    CHECK(w->stats().syncs == 4);
  }
  SECTION("interval") {
    std::unique_ptr<WalWriter> w =
        OpenWriter(tmp.wal(), {.fsync = FsyncPolicy::kInterval, .fsync_interval_ms = 3600000});
    for (uint32_t b = 0; b < 3; ++b) {
      REQUIRE(w->AppendSamples(Batch(b)).ok());
      REQUIRE(w->Commit().ok());
    }
    CHECK(w->stats().syncs == 0);
    REQUIRE(w->Sync().ok());
    CHECK(w->stats().syncs == 1);
    REQUIRE(w->Sync().ok());  // nothing written since
    CHECK(w->stats().syncs == 1);
    REQUIRE(w->AppendSamples(Batch(9)).ok());
    REQUIRE(w->Rotate().ok());  // sealing syncs
    CHECK(w->stats().syncs == 2);

    std::unique_ptr<WalWriter> zero =
        OpenWriter(tmp.path() + "/wal0", {.fsync = FsyncPolicy::kInterval, .fsync_interval_ms = 0});
    REQUIRE(zero->AppendSamples(Batch(0)).ok());
    REQUIRE(zero->Commit().ok());
    CHECK(zero->stats().syncs == 1);
  }
  SECTION("never") {
    std::unique_ptr<WalWriter> w = OpenWriter(tmp.wal(), {.fsync = FsyncPolicy::kNever});
    REQUIRE(w->AppendSamples(Batch(0)).ok());
    REQUIRE(w->Commit().ok());
    REQUIRE(w->Rotate().ok());
    CHECK(w->stats().syncs == 0);
    REQUIRE(w->Sync().ok());  // explicit: syncs anyway (the new segment's header)
    CHECK(w->stats().syncs == 1);
  }
}

// ---- Processes that die -----------------------------------------------------------------------

// What a child process tells its parent, one message per write(2) (atomic on a pipe).
struct ChildMessage {
  int32_t kind = 0;  // 0: batch acknowledged, 1: an error
  uint32_t batch = 0;
  int32_t code = 0;
  char text[500] = {};
};

void Send(int fd, const ChildMessage& m) {
  if (::write(fd, &m, sizeof m) != static_cast<ssize_t>(sizeof m)) ::_exit(40);
}

std::vector<ChildMessage> Drain(int fd, std::vector<ChildMessage> got = {}) {
  static_assert(sizeof(ChildMessage) <= PIPE_BUF);
  ChildMessage m;
  while (::read(fd, &m, sizeof m) == static_cast<ssize_t>(sizeof m)) got.push_back(m);
  return got;
}

// Batches as the crash tests write them: a series record before every 50th batch.
absl::Status WriteBatch(WalWriter* w, uint32_t b) {
  if (b % 50 == 0) {
    if (absl::Status s = w->AppendSeries(b, BatchKey(b)); !s.ok()) return s;
  }
  if (absl::Status s = w->AppendSamples(Batch(b)); !s.ok()) return s;
  return w->Commit();
}

// Checks that the events are batches 0, 1, ... in order, each intact, and returns their number.
uint32_t CountBatches(const std::vector<Event>& events) {
  uint32_t b = 0;
  size_t i = 0;
  while (i < events.size()) {
    if (b % 50 == 0) {
      REQUIRE(events[i] == SeriesEvent(b, BatchKey(b)));
      if (++i == events.size()) break;  // the series of a batch that did not make it
    }
    REQUIRE(events[i] == SamplesEvent(Batch(b)));
    ++i;
    ++b;
  }
  return b;
}

TEST_CASE("WAL: every acknowledged batch survives kill -9", "[catena][wal][crash]") {
  std::mt19937 rng(std::random_device{}());
  const FsyncPolicy policies[] = {FsyncPolicy::kNever, FsyncPolicy::kInterval,
                                  FsyncPolicy::kEveryCommit};
  for (int round = 0; round < 6; ++round) {
    TempDir tmp;
    const FsyncPolicy policy = policies[round % 3];
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      absl::StatusOr<std::unique_ptr<WalWriter>> w = WalWriter::Open(
          tmp.wal(), {.segment_bytes = 64u << 10, .fsync = policy, .fsync_interval_ms = 5});
      if (!w.ok()) ::_exit(2);
      for (uint32_t b = 0;; ++b) {
        if (!WriteBatch(w->get(), b).ok()) ::_exit(3);
        Send(fds[1], ChildMessage{0, b, 0, {}});
      }
    }
    ::close(fds[1]);
    // Read acknowledgements (so that the pipe never blocks the child) until a random moment.
    std::vector<ChildMessage> acks;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::microseconds(2000 + rng() % 150000);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 1) > 0) {
        ChildMessage m;
        if (::read(fds[0], &m, sizeof m) == static_cast<ssize_t>(sizeof m)) acks.push_back(m);
      }
    }
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);
    acks = Drain(fds[0], std::move(acks));
    ::close(fds[0]);
    for (size_t i = 0; i < acks.size(); ++i) REQUIRE(acks[i].batch == i);

    Collector c;
    const WalReplayStats st = Replay(tmp.wal(), &c, /*repair=*/true);
    const uint32_t replayed = CountBatches(c.events);
    INFO("round " << round << ": " << acks.size() << " acknowledged, " << replayed << " replayed, "
                  << st.segments << " segments, torn bytes " << st.torn_bytes_cut);
    CHECK(replayed >= acks.size());
    CHECK(replayed <= acks.size() + 1);  // at most the batch in flight
    CHECK(st.corrupt_segments == 0);
    CHECK(st.missing_segments == 0);
    CHECK(st.first_error.empty());

    // After the repair: clean, and a new writer continues.
    Collector again;
    const WalReplayStats st2 = Replay(tmp.wal(), &again, true);
    CHECK(st2.torn_bytes_cut == 0);
    CHECK(again.events == c.events);
    {
      std::unique_ptr<WalWriter> w = OpenWriter(tmp.wal());
      REQUIRE(w->AppendSamples(Batch(777777)).ok());
      REQUIRE(w->Commit().ok());
    }
    Collector after;
    const WalReplayStats st3 = Replay(tmp.wal(), &after, true);
    CHECK(st3.corrupt_segments == 0);
    REQUIRE(after.events.size() == c.events.size() + 1);
    CHECK(after.events.back() == SamplesEvent(Batch(777777)));
  }
}

TEST_CASE("WAL: a full disk fails the writer, replay returns exactly what was committed",
          "[catena][wal][crash]") {
  // RLIMIT_FSIZE makes write(2) stop short and then fail with EFBIG (SIGXFSZ ignored), like a
  // full disk; it is set in a child process so that the test runner keeps its own limit.
  for (const uint64_t limit : {uint64_t{20000}, uint64_t{3000}}) {
    TempDir tmp;
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      ::signal(SIGXFSZ, SIG_IGN);
      const rlimit rl{limit, limit};
      if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) ::_exit(2);
      absl::StatusOr<std::unique_ptr<WalWriter>> w =
          WalWriter::Open(tmp.wal(), {.fsync = FsyncPolicy::kEveryCommit});
      if (!w.ok()) ::_exit(3);
      for (uint32_t b = 0; b < 100000; ++b) {
        const absl::Status s = WriteBatch(w->get(), b);
        if (s.ok()) {
          Send(fds[1], ChildMessage{0, b, 0, {}});
          continue;
        }
        // Failed for good: every later call says the same.
        if ((*w)->AppendSamples(Batch(0)) != s) ::_exit(10);
        if ((*w)->AppendSeries(1, BatchKey(1)) != s) ::_exit(11);
        if ((*w)->Commit() != s) ::_exit(12);
        if ((*w)->Sync() != s) ::_exit(13);
        if ((*w)->Rotate().status() != s) ::_exit(14);
        ChildMessage m{1, b, static_cast<int32_t>(s.code()), {}};
        std::snprintf(m.text, sizeof m.text, "%s", Msg(s).c_str());
        Send(fds[1], m);
        ::_exit(0);
      }
      ::_exit(5);
    }
    ::close(fds[1]);
    int status = 0;
    std::vector<ChildMessage> got = Drain(fds[0]);
    ::close(fds[0]);
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    INFO("limit " << limit << ", child status " << status);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    REQUIRE(!got.empty());
    const ChildMessage error = got.back();
    got.pop_back();
    REQUIRE(error.kind == 1);
    for (size_t i = 0; i < got.size(); ++i) REQUIRE(got[i].batch == i);
    INFO(error.text);
    CHECK(error.code == static_cast<int32_t>(absl::StatusCode::kResourceExhausted));
    CHECK(std::string(error.text).find(WalSegmentPath(tmp.wal(), 0)) != std::string::npos);
    CHECK(std::string(error.text).find("File too large") != std::string::npos);
    CHECK(error.batch == got.size());

    Collector c;
    const WalReplayStats st = Replay(tmp.wal(), &c, true);
    CHECK(CountBatches(c.events) == got.size());
    CHECK(c.AllSamples().size() == 64 * got.size());
    CHECK(st.corrupt_segments == 0);
    CHECK(st.torn_bytes_cut == 0);  // the writer took its partial write back
  }
}

// ---- Speed ------------------------------------------------------------------------------------

// Refs in order (deltas of 1) and shuffled (deltas of thousands), half counters, half gauges.
TEST_CASE("WAL: encode speed, AppendSamples + Commit, 10M samples", "[.perf]") {
  for (const bool shuffled : {false, true}) {
    TempDir tmp;
    std::unique_ptr<WalWriter> w = OpenWriter(tmp.wal(), {.fsync = FsyncPolicy::kNever});
    constexpr size_t kSeries = 10000;
    constexpr size_t kRounds = 1000;  // 10M samples, one Commit per round of every series
    std::vector<WalSample> batch(kSeries);
    std::mt19937_64 rng(1);
    std::vector<uint64_t> refs(kSeries);
    for (size_t i = 0; i < kSeries; ++i) refs[i] = i + 1;
    if (shuffled) std::shuffle(refs.begin(), refs.end(), rng);
    std::vector<int64_t> counters(kSeries);
    for (size_t i = 0; i < kSeries; ++i) counters[i] = static_cast<int64_t>(rng() % 1000000000);
    using Clock = std::chrono::steady_clock;
    Clock::duration append{}, commit{};
    for (size_t r = 0; r < kRounds; ++r) {
      const int64_t ts = 1736121600000 + static_cast<int64_t>(r) * 15000;
      for (size_t i = 0; i < kSeries; ++i) {
        batch[i].ref = refs[i];
        batch[i].timestamp_ms = ts + static_cast<int64_t>(refs[i] % 7);
        if (refs[i] % 2) {
          counters[i] += static_cast<int64_t>(rng() % 100000);
          batch[i].value = Value::Int(counters[i]);
        } else {
          batch[i].value = Value::Float(static_cast<double>(rng() % 10000) / 100.0);
        }
      }
      const auto t0 = Clock::now();
      REQUIRE(w->AppendSamples(batch).ok());
      const auto t1 = Clock::now();
      REQUIRE(w->Commit().ok());
      const auto t2 = Clock::now();
      append += t1 - t0;
      commit += t2 - t1;
    }
    const double samples = double(kSeries) * kRounds;
    const double a = std::chrono::duration<double>(append).count();
    const double c = std::chrono::duration<double>(commit).count();
    std::printf(
        "wal encode (%s refs): %.0f samples in %.3f s (append %.3f s, commit %.3f s): "
        "%.1f M samples/s, %.1f ns/sample (append %.1f ns), %.2f bytes/sample\n",
        shuffled ? "shuffled" : "ordered", samples, a + c, a, c, samples / (a + c) / 1e6,
        (a + c) / samples * 1e9, a / samples * 1e9, double(w->stats().bytes) / samples);
  }
}

}  // namespace
}  // namespace cistern::catena
