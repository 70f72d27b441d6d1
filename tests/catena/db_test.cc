// libcatena's Db (cistern/catena/db.h): series keys, values bit for bit through head, blocks,
// reopen and read-only opens, the out-of-order window (also across a reopen), repeated timestamps
// (duplicates, conflicts, the first value winning in every state), cursor ranges and capacities,
// label matchers, compaction, retention, snapshots across Flush/Compact/ApplyRetention, readers
// running beside the writer, the directory lock, and timestamps at the ends of int64. Each test
// works in its own directory under CISTERN_TEST_TMPDIR, removed after. Damage, crashes and full
// disks: db_failure_test.cc.
#include "cistern/catena/db.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "cistern/catena/block.h"
#include "cistern/catena/series_reader.h"
#include "db_test_util.h"

namespace cistern::catena {
namespace {

using testing::BlockFiles;
using testing::FindSeries;
using testing::FloatBits;
using testing::kHour;
using testing::kMaxTime;
using testing::kMinTime;
using testing::Model;
using testing::Msg;
using testing::OpenDb;
using testing::ReadResult;
using testing::ReadSeries;
using testing::Series;
using testing::TempDir;

// Options of most tests: no fsync (speed), no automatic flush (the tests flush by hand).
DbOptions TestOptions() {
  DbOptions o;
  o.fsync = FsyncPolicy::kNever;
  o.block_duration_ms = 100000 * kHour;
  return o;
}

DbOptions ReadOnly(DbOptions o) {
  o.read_only = true;
  return o;
}

Value Float(double d) { return Value::Float(d); }

// Appends through the Db and records the sample in the model (as accepted).
void Put(Db& db, Model* model, const SeriesKey& key, SeriesRef ref, int64_t t, Value v) {
  REQUIRE(db.Append(ref, t, v).ok());
  if (model != nullptr) model->Add(key, t, v);
}

void RequireOk(const absl::Status& s) {
  INFO(s.ToString());
  REQUIRE(s.ok());
}
void Commit(Db& db) { RequireOk(db.Commit()); }
void Flush(Db& db) { RequireOk(db.Flush()); }
void Compact(Db& db) { RequireOk(db.Compact()); }
void Close(Db& db) { RequireOk(db.Close()); }

void VerifyBlocks(const std::string& dir) {
  for (const std::string& path : BlockFiles(dir)) {
    absl::StatusOr<std::shared_ptr<Block>> b = Block::Open(path);
    INFO(path << ": " << b.status().ToString());
    REQUIRE(b.ok());
    const absl::Status v = (*b)->Verify();
    INFO(v.ToString());
    CHECK(v.ok());
  }
}

std::vector<Sample> Samples(std::initializer_list<std::pair<int64_t, Value>> list) {
  std::vector<Sample> out;
  for (const auto& [t, v] : list) out.push_back(Sample{t, v});
  return out;
}

std::vector<Sample> ReadKey(const SeriesReader& reader, const SeriesKey& key) {
  std::optional<SeriesId> id = FindSeries(reader, key);
  REQUIRE(id.has_value());
  ReadResult r = ReadSeries(reader, *id);
  INFO(r.status.ToString());
  CHECK(r.status.ok());
  return r.samples;
}

// ---- Series keys ------------------------------------------------------------------------------

TEST_CASE("Db: series keys are validated and label order does not make another series",
          "[catena][db]") {
  TempDir tmp("catena_db");
  std::unique_ptr<Db> db = OpenDb(tmp.db(), TestOptions());
  const SeriesKey bad[] = {
      {"", {}},
      {"1metric", {}},
      {"me-tric", {}},
      {"me tric", {}},
      {"metr\xc3\xa9", {}},
      {"m", {{"", "x"}}},
      {"m", {{"1a", "x"}}},
      {"m", {{"a:b", "x"}}},
      {"m", {{"a-b", "x"}}},
      {"m", {{"a", "x"}, {"b", "y"}, {"a", "z"}}},
      {"m", {{"a", "x"}, {"a", "x"}}},
      {"m", {{"__name__", "m"}}},
      {"m", {{"a", "x"}, {"__name__", "other"}}},
  };
  for (const SeriesKey& k : bad) {
    INFO(k.ToString());
    CHECK(db->GetOrCreateSeries(k).status().code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(db->stats().series == 0);

  const SeriesKey a{"ns:metric_total",
                    {{"instance", "sw1"}, {"ifName", "xe-0/0/1"}, {"_x9", "q\"uo\\te\n"}}};
  const SeriesRef ra = Series(*db, a);
  const SeriesKey reordered{a.metric, {a.labels[2], a.labels[0], a.labels[1]}};
  CHECK(Series(*db, reordered) == ra);
  CHECK(Series(*db, {a.metric, {a.labels[1], a.labels[2], a.labels[0]}}) == ra);
  CHECK(Series(*db, a) == ra);
  const SeriesKey b{"ns:metric_total", {{"instance", "sw1"}}};
  const SeriesKey c{"ns:metric_total", {}};
  const SeriesKey d{"ns:metric_total", {{"instance", "sw2"}}};
  const SeriesKey e{"ns:metric_totals", {{"instance", "sw1"}}};
  const SeriesKey f{"ns:metric_total", {{"instanc", "esw1"}}};
  std::set<SeriesRef> refs = {ra};
  for (const SeriesKey* k : {&b, &c, &d, &e, &f}) refs.insert(Series(*db, *k));
  CHECK(refs.size() == 6);
  CHECK(db->stats().series == 6);
  {
    std::shared_ptr<const SeriesReader> snap = db->Snapshot();
    CHECK(snap->Key(ra) == a);  // labels as first given
  }
  CHECK(db->Append(1000, 0, Value::Int(1)).code() == absl::StatusCode::kInvalidArgument);

  // The refs and keys stay after a reopen (each series needs a sample to be kept in a block).
  Model model;
  for (const SeriesKey* k : {&a, &b, &c, &d, &e, &f}) {
    Put(*db, &model, *k, Series(*db, *k), 1000, Value::Int(static_cast<int64_t>(k->labels.size())));
  }
  Commit(*db);
  Close(*db);
  db = OpenDb(tmp.db(), TestOptions());
  CHECK(Series(*db, reordered) == ra);
  CHECK(db->Snapshot()->Key(ra) == a);
  model.Check(*db->Snapshot());
  CHECK(db->stats().series == 6);
  CHECK(db->GetOrCreateSeries({"m", {{"__name__", "m"}}}).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

// ---- Values -----------------------------------------------------------------------------------

std::vector<Value> SpecialFloats() {
  const uint64_t bits[] = {
      0x7FF8000000000001ull,  // quiet NaN with a payload
      0x7FF0000000000001ull,  // signalling NaN
      0xFFF8DEADBEEF0000ull,  // negative NaN with a payload
      0x7FF8000000000000ull,  // the default NaN
      0x8000000000000000ull,  // -0.0
      0x0000000000000000ull,  // +0.0
      0x7FF0000000000000ull,  // +Inf
      0xFFF0000000000000ull,  // -Inf
      0x0000000000000001ull,  // smallest denormal
      0x000FFFFFFFFFFFFFull,  // largest denormal
      0x800FFFFFFFFFFFFFull,  // negative denormal
      0x0010000000000000ull,  // DBL_MIN
      0x7FEFFFFFFFFFFFFFull,  // DBL_MAX
      0x400921FB54442D18ull,  // pi
  };
  std::vector<Value> out;
  for (uint64_t b : bits) out.push_back(FloatBits(b));
  for (uint64_t b : bits) out.push_back(FloatBits(b ^ 1));  // neighbours
  return out;
}

// Floats that look decimal (the decimal encoding) with -0.0 and non-decimal ones in between.
std::vector<Value> DecimalFloats() {
  std::vector<Value> out;
  for (double d : {0.1, 12.345, 3.0, 0.5, -0.001, 1e-9, 123456789.123456789, 100.25, 0.0, -0.0,
                   -7.0, 1e15, 0.3, 1.0 / 3.0, 2.5e-10, 99.999999999, -0.0, 42.0}) {
    out.push_back(Float(d));
  }
  return out;
}

std::vector<Value> SpecialInts() {
  const int64_t min = std::numeric_limits<int64_t>::min();
  const int64_t max = std::numeric_limits<int64_t>::max();
  std::vector<Value> out;
  for (int64_t v : {min, max, int64_t{0}, int64_t{-1}, int64_t{1}, min + 1, max - 1,
                    int64_t{1} << 62, -(int64_t{1} << 62), min, min, max, int64_t{0}, max}) {
    out.push_back(Value::Int(v));
  }
  return out;
}

struct TestSeries {
  SeriesKey key;
  std::vector<Sample> samples;  // ascending timestamps
};

std::vector<TestSeries> RoundTripSeries() {
  std::mt19937_64 rng(20240611);
  std::vector<TestSeries> out;
  auto add = [&](SeriesKey key, const std::vector<Value>& values, int64_t t0, int64_t step) {
    TestSeries s{std::move(key), {}};
    for (size_t i = 0; i < values.size(); ++i) {
      s.samples.push_back(Sample{t0 + static_cast<int64_t>(i) * step, values[i]});
    }
    out.push_back(std::move(s));
  };
  std::vector<Value> special = SpecialFloats();
  std::vector<Value> twice = special;
  twice.insert(twice.end(), special.rbegin(), special.rend());
  add({"rt_float", {{"case", "special"}}}, twice, 1736121600000, 15000);
  add({"rt_float", {{"case", "decimal"}}}, DecimalFloats(), 1736121600000, 15000);
  add({"rt_int", {{"case", "special"}}}, SpecialInts(), 1736121600000, 15000);
  {
    // A counter over more samples than one chunk holds, wrapping past INT64_MAX, 1 ms apart.
    std::vector<Value> v;
    uint64_t c = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - 3000000;
    for (int i = 0; i < 6000; ++i) {
      c += rng() % 1000;
      v.push_back(Value::Int(static_cast<int64_t>(c)));
    }
    add({"rt_int", {{"case", "counter"}}}, v, 1736121600000, 1);
  }
  {
    // Random bits over several chunk windows (17 s apart: ~9.4 hours).
    std::vector<Value> fv, iv;
    for (int i = 0; i < 2000; ++i) {
      fv.push_back(FloatBits(rng()));
      iv.push_back(Value::Int(static_cast<int64_t>(rng())));
    }
    add({"rt_random", {{"type", "float"}}}, fv, 1736121600000 - 3 * kHour, 17000);
    add({"rt_random", {{"type", "int"}}}, iv, 1736121600000 - 3 * kHour, 17000);
  }
  {
    // The value type changes mid-way, inside one chunk window and across them.
    std::vector<Value> v;
    for (int i = 0; i < 300; ++i) {
      const bool is_int = (i / 7) % 2 == 0 || rng() % 5 == 0;
      v.push_back(is_int ? Value::Int(i * 3 - 100) : Float(i * 0.5 + 0.25));
    }
    add({"rt_mixed", {}}, v, 1736121600000 - kHour, 60000);
  }
  {
    // Negative timestamps (before 1970) across a window boundary at 0.
    std::vector<Value> v;
    for (int i = 0; i < 50; ++i) v.push_back(Value::Int(i));
    add({"rt_negative_time", {}}, v, -25 * 60000, 60000);
  }
  return out;
}

TEST_CASE("Db: values round-trip bit for bit through head and blocks and reopens", "[catena][db]") {
  TempDir tmp("catena_db");
  const std::vector<TestSeries> all = RoundTripSeries();
  Model model;
  std::unique_ptr<Db> db = OpenDb(tmp.db(), TestOptions());
  std::vector<SeriesRef> refs;
  for (const TestSeries& s : all) refs.push_back(Series(*db, s.key));
  auto append = [&](bool first_half) {
    for (size_t i = 0; i < all.size(); ++i) {
      const size_t half = all[i].samples.size() / 2;
      const size_t from = first_half ? 0 : half;
      const size_t to = first_half ? half : all[i].samples.size();
      for (size_t j = from; j < to; ++j) {
        Put(*db, &model, all[i].key, refs[i], all[i].samples[j].timestamp_ms,
            all[i].samples[j].value);
      }
    }
    Commit(*db);
  };

  append(true);
  SECTION("in the head") { model.Check(*db->Snapshot()); }
  SECTION("in the head, one sample per Next") { model.Check(*db->Snapshot(), 1); }
  SECTION("read-only open beside the writer (the log replayed, not repaired)") {
    std::unique_ptr<Db> ro = OpenDb(tmp.db(), ReadOnly(TestOptions()));
    model.Check(*ro->Snapshot());
  }
  SECTION("flushed, then more in the head, then reopened") {
    Flush(*db);
    // One block per aligned 24 h range the head spanned (DbImpl::FlushRange).
    CHECK(db->stats().blocks >= 1);
    CHECK(db->stats().head_samples == 0);
    VerifyBlocks(tmp.db());
    model.Check(*db->Snapshot());
    append(false);
    model.Check(*db->Snapshot());
    model.Check(*db->Snapshot(), 3);
    CHECK(db->stats().appended == model.samples());
    Close(*db);
    VerifyBlocks(tmp.db());
    db = OpenDb(tmp.db(), TestOptions());
    model.Check(*db->Snapshot());
    db.reset();
    std::unique_ptr<Db> ro = OpenDb(tmp.db(), ReadOnly(TestOptions()));
    model.Check(*ro->Snapshot());
    CHECK(ro->stats().problems.empty());
    CHECK(ro->Append(0, 0, Value::Int(0)).code() == absl::StatusCode::kFailedPrecondition);
    CHECK(ro->GetOrCreateSeries({"new_one", {}}).status().code() ==
          absl::StatusCode::kFailedPrecondition);
    CHECK(ro->Flush().code() == absl::StatusCode::kFailedPrecondition);
  }
  SECTION("reopened without a flush (from the log)") {
    db.reset();
    db = OpenDb(tmp.db(), TestOptions());
    model.Check(*db->Snapshot());
    append(false);
    Close(*db);
    db = OpenDb(tmp.db(), ReadOnly(TestOptions()));
    model.Check(*db->Snapshot());
  }
}

// ---- Out of order, repeated timestamps ---------------------------------------------------------

TEST_CASE("Db: out-of-order samples within the window are kept and sorted and older ones refused",
          "[catena][db]") {
  TempDir tmp("catena_db");
  DbOptions opts = TestOptions();
  opts.ooo_window_ms = 1000;
  std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
  Model model;
  const SeriesKey a{"ooo", {{"k", "a"}}};
  const SeriesKey other{"ooo", {{"k", "other"}}};
  const SeriesKey mixed{"ooo", {{"k", "mixed"}}};
  const SeriesRef ra = Series(*db, a);
  const SeriesRef ro = Series(*db, other);
  const SeriesRef rm = Series(*db, mixed);
  Put(*db, &model, a, ra, 10000, Value::Int(10000));
  Commit(*db);
  Put(*db, &model, a, ra, 9500, Value::Int(9500));
  Put(*db, &model, a, ra, 9000, Value::Int(9000));       // exactly at the window's edge: kept
  REQUIRE(db->Append(ra, 8999, Value::Int(8999)).ok());  // behind it: refused
  Put(*db, &model, a, ra, 10500, Value::Int(10500));
  Put(*db, &model, a, ra, 9999, Value::Int(9999));  // the window now starts at 9500
  REQUIRE(db->Append(ra, 9499, Value::Int(9499)).ok());
  Put(*db, &model, a, ra, 10250, Float(10250.5));
  Put(*db, &model, other, ro, 100, Value::Int(100));  // the window is per series
  for (int64_t t : {1000, 2000, 3000}) Put(*db, &model, mixed, rm, t, Value::Int(t));
  Put(*db, &model, mixed, rm, 2100, FloatBits(0xFFF8DEADBEEF0000ull));  // another type, behind
  Put(*db, &model, mixed, rm, 2500, Float(-0.0));
  Commit(*db);
  CHECK(db->stats().appended == 12);
  CHECK(db->stats().rejected_out_of_order == 2);
  CHECK(db->stats().head_samples == 12);
  CHECK(ReadKey(*db->Snapshot(), a) == model.Expected(a));
  model.Check(*db->Snapshot());
  model.Check(*db->Snapshot(), 1);
  {
    std::shared_ptr<const SeriesReader> snap = db->Snapshot();
    const SeriesId id = *FindSeries(*snap, a);
    CHECK(ReadSeries(*snap, id, 9000, 9999).samples == model.Expected(a, 9000, 9999));
    CHECK(ReadSeries(*snap, id, 9001, 9998, 1).samples == model.Expected(a, 9001, 9998));
    CHECK(ReadSeries(*snap, id, 10250, 10250).samples == model.Expected(a, 10250, 10250));
  }

  Flush(*db);
  model.Check(*db->Snapshot());
  // After a flush the window still counts from the newest sample (10500).
  Put(*db, &model, a, ra, 9600, Value::Int(9600));
  REQUIRE(db->Append(ra, 9400, Value::Int(9400)).ok());
  Commit(*db);
  CHECK(db->stats().rejected_out_of_order == 3);
  model.Check(*db->Snapshot());
  Flush(*db);  // a second block overlapping the first
  CHECK(db->stats().blocks == 2);
  model.Check(*db->Snapshot());
  Compact(*db);
  CHECK(db->stats().blocks == 1);
  model.Check(*db->Snapshot());
  Close(*db);
  db = OpenDb(tmp.db(), opts);
  model.Check(*db->Snapshot());
  VerifyBlocks(tmp.db());
}

TEST_CASE("Db: the out-of-order window still holds after a reopen", "[catena][db]") {
  TempDir tmp("catena_db");
  DbOptions opts = TestOptions();
  opts.ooo_window_ms = 1000;
  Model model;
  const SeriesKey a{"ooo_reopen", {}};
  {
    std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
    const SeriesRef ref = Series(*db, a);
    for (int64_t t = 10000; t <= 20000; t += 1000) Put(*db, &model, a, ref, t, Value::Int(t));
    Commit(*db);
    Close(*db);
  }
  std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
  const SeriesRef ref = Series(*db, a);
  // The newest sample of the series is 20000 (in a block): 5000 is far outside the window.
  REQUIRE(db->Append(ref, 5000, Value::Int(-5000)).ok());
  Put(*db, &model, a, ref, 19500, Value::Int(19500));
  Commit(*db);
  CHECK(db->stats().rejected_out_of_order == 1);
  CHECK(db->stats().appended == 1);
  model.Check(*db->Snapshot());
}

TEST_CASE("Db: a repeated timestamp is a duplicate with the same value and refused with another",
          "[catena][db]") {
  TempDir tmp("catena_db");
  std::unique_ptr<Db> db = OpenDb(tmp.db(), TestOptions());
  const SeriesKey k{"dup", {}};
  SeriesRef ref = Series(*db, k);
  auto stats = [&] { return db->stats(); };

  SECTION("at the newest sample") {
    REQUIRE(db->Append(ref, 100, Value::Int(1)).ok());
    REQUIRE(db->Append(ref, 100, Value::Int(1)).ok());  // in the same batch
    Commit(*db);
    CHECK(stats().duplicates_ignored == 1);
    REQUIRE(db->Append(ref, 100, Value::Int(1)).ok());
    Commit(*db);
    CHECK(stats().duplicates_ignored == 2);
    REQUIRE(db->Append(ref, 100, Value::Int(2)).ok());
    Commit(*db);
    CHECK(stats().rejected_conflicting == 1);
    REQUIRE(db->Append(ref, 100, Float(1.0)).ok());  // the same number, another type
    Commit(*db);
    CHECK(stats().rejected_conflicting == 2);
    CHECK(stats().appended == 1);
    CHECK(ReadKey(*db->Snapshot(), k) == Samples({{100, Value::Int(1)}}));
    Flush(*db);
    CHECK(ReadKey(*db->Snapshot(), k) == Samples({{100, Value::Int(1)}}));
  }
  SECTION("at an older sample still in the head") {
    REQUIRE(db->Append(ref, 50, Value::Int(5)).ok());
    REQUIRE(db->Append(ref, 100, Value::Int(1)).ok());
    Commit(*db);
    REQUIRE(db->Append(ref, 50, Value::Int(5)).ok());
    Commit(*db);
    CHECK(stats().duplicates_ignored == 1);
    REQUIRE(db->Append(ref, 50, Value::Int(6)).ok());
    Commit(*db);
    CHECK(stats().rejected_conflicting == 1);
    CHECK(stats().appended == 2);
    CHECK(stats().head_samples == 2);
    const std::vector<Sample> want = Samples({{50, Value::Int(5)}, {100, Value::Int(1)}});
    CHECK(ReadKey(*db->Snapshot(), k) == want);
    Flush(*db);
    CHECK(ReadKey(*db->Snapshot(), k) == want);
    CHECK(stats().rejected_conflicting == 1);
  }
  SECTION("at a sample already in a block") {
    REQUIRE(db->Append(ref, 100, Value::Int(1)).ok());
    Commit(*db);
    Flush(*db);
    REQUIRE(db->Append(ref, 100, Value::Int(1)).ok());
    Commit(*db);
    CHECK(stats().duplicates_ignored == 1);
    REQUIRE(db->Append(ref, 100, Value::Int(2)).ok());
    Commit(*db);
    CHECK(stats().rejected_conflicting == 1);
    CHECK(stats().head_samples == 0);
    CHECK(ReadKey(*db->Snapshot(), k) == Samples({{100, Value::Int(1)}}));
    Flush(*db);
    CHECK(ReadKey(*db->Snapshot(), k) == Samples({{100, Value::Int(1)}}));
    Compact(*db);
    CHECK(stats().blocks == 1);
    CHECK(ReadKey(*db->Snapshot(), k) == Samples({{100, Value::Int(1)}}));
  }
  SECTION("at a sample written before a reopen") {
    REQUIRE(db->Append(ref, 100, Value::Int(1)).ok());
    Commit(*db);
    Close(*db);
    db = OpenDb(tmp.db(), TestOptions());
    ref = Series(*db, k);
    REQUIRE(db->Append(ref, 100, Value::Int(1)).ok());
    Commit(*db);
    CHECK(stats().duplicates_ignored == 1);
    REQUIRE(db->Append(ref, 100, Value::Int(2)).ok());
    Commit(*db);
    CHECK(stats().rejected_conflicting == 1);
    CHECK(ReadKey(*db->Snapshot(), k) == Samples({{100, Value::Int(1)}}));
    Close(*db);
    db = OpenDb(tmp.db(), TestOptions());
    CHECK(ReadKey(*db->Snapshot(), k) == Samples({{100, Value::Int(1)}}));
  }
}

TEST_CASE("Db: the first value written for a timestamp wins in every state", "[catena][db]") {
  TempDir tmp("catena_db");
  DbOptions opts = TestOptions();
  opts.compaction_ranges_ms = {};  // only overlaps merge
  std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
  Model model;
  const SeriesKey k{"first_wins", {}};
  SeriesRef ref = Series(*db, k);
  auto check = [&](const char* when) {
    INFO(when);
    model.Check(*db->Snapshot());
  };
  for (int64_t t = 100; t <= 200; t += 10) Put(*db, &model, k, ref, t, Value::Int(t));
  Commit(*db);
  Flush(*db);  // block 1: [100, 200]

  SECTION("a conflicting sample flushed into a second block") {
    Put(*db, &model, k, ref, 50, Value::Int(-50));
    Put(*db, &model, k, ref, 150, Value::Int(-150));  // refused: 150 is already there
    Commit(*db);
    check("in the head");
    Flush(*db);  // block 2: [50, 150], overlapping
    check("in two blocks");
    Compact(*db);
    check("compacted");
    Close(*db);
    db = OpenDb(tmp.db(), opts);
    check("reopened");
  }
  SECTION("a conflicting block compacted with a merged block") {
    for (int64_t t = 5; t <= 115; t += 10) Put(*db, &model, k, ref, t, Value::Int(t));
    Commit(*db);
    Flush(*db);  // block 2: [5, 115], overlapping block 1
    Put(*db, &model, k, ref, 150, Value::Int(-150));
    Commit(*db);
    Flush(*db);  // block 3: [150, 150], overlapping block 1
    check("in three blocks");
    Compact(*db);  // 1 + 2 first, then 3 with their merge
    CHECK(db->stats().blocks == 1);
    check("compacted");
  }
  SECTION("a conflicting sample after a reopen") {
    Close(*db);
    db = OpenDb(tmp.db(), opts);
    ref = Series(*db, k);
    Put(*db, &model, k, ref, 50, Value::Int(-50));
    Put(*db, &model, k, ref, 150, Value::Int(-150));
    Commit(*db);
    check("in the head");
    Flush(*db);
    check("in two blocks");
    Compact(*db);
    check("compacted");
  }
}

// ---- Cursors ----------------------------------------------------------------------------------

TEST_CASE("Db: a cursor returns exactly mint to maxt inclusive whatever its capacity",
          "[catena][db]") {
  TempDir tmp("catena_db");
  DbOptions opts = TestOptions();
  opts.ooo_window_ms = 100 * kHour;
  std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
  Model model;
  const SeriesKey k{"range", {}};
  const SeriesRef ref = Series(*db, k);
  // Every 10 minutes over 10 hours: samples on the 2-hour chunk window boundaries. The first half
  // goes to a block, the second stays in the head.
  const int64_t step = 600000;
  for (int64_t i = 0; i <= 30; ++i) Put(*db, &model, k, ref, i * step, Value::Int(i));
  Commit(*db);
  Flush(*db);
  for (int64_t i = 31; i <= 60; ++i) Put(*db, &model, k, ref, i * step, Float(i * 0.5));
  Commit(*db);
  SECTION("plain") {}
  SECTION("with an out-of-order sample in the head (merged reading)") {
    Put(*db, &model, k, ref, 59 * step + 1, Value::Int(-1));
    Commit(*db);
  }
  SECTION("with overlapping blocks") {
    Put(*db, &model, k, ref, 10 * step + 7, Value::Int(-7));
    Commit(*db);
    Flush(*db);
    REQUIRE(db->stats().blocks == 2);
  }
  const int64_t last = 60 * step;
  const std::pair<int64_t, int64_t> ranges[] = {
      {kMinTime, kMaxTime},
      {0, 0},
      {step, step},
      {step - 1, step - 1},
      {step + 1, step + 1},
      {0, last},
      {1, last - 1},
      {30 * step, 30 * step},
      {30 * step, 31 * step},
      {30 * step + 1, 31 * step - 1},
      {12 * step, 12 * step},
      {12 * step - 1, 12 * step + 1},
      {-100, -1},
      {last + 1, kMaxTime},
      {last, kMaxTime},
      {kMinTime, 0},
      {kMinTime, -1},
      {31 * step, 29 * step},
      {5, 4},
      {10 * step + 7, 10 * step + 7},
      {59 * step, 59 * step + 1},
      {7 * 3600000 - 1, 7 * 3600000 + 1},
  };
  std::shared_ptr<const SeriesReader> snap = db->Snapshot();
  const SeriesId id = *FindSeries(*snap, k);
  for (const auto& [mint, maxt] : ranges) {
    for (size_t capacity : {size_t{1}, size_t{2}, size_t{7}, size_t{61}, size_t{1000}}) {
      INFO("[" << mint << ", " << maxt << "], capacity " << capacity);
      ReadResult r = ReadSeries(*snap, id, mint, maxt, capacity);
      CHECK(r.status.ok());
      CHECK(testing::DiffSamples(r.samples, model.Expected(k, mint, maxt)) == "");
    }
  }
  // A series that does not exist has an empty cursor.
  CHECK(ReadSeries(*snap, 12345).samples.empty());
}

// ---- Matchers ---------------------------------------------------------------------------------

TEST_CASE("Db: Select with the four matcher operators and the empty value", "[catena][db]") {
  TempDir tmp("catena_db");
  std::unique_ptr<Db> db = OpenDb(tmp.db(), TestOptions());
  const std::vector<SeriesKey> keys = {
      {"up", {{"job", "a"}, {"instance", "x"}}},       // 0
      {"up", {{"job", "b"}}},                          // 1
      {"up", {}},                                      // 2
      {"cpu", {{"instance", "y"}, {"job", "a"}}},      // 3
      {"ns:rate5m", {{"job", "a"}}},                   // 4
      {"up", {{"job", "a12"}, {"instance", "x\ny"}}},  // 5
  };
  std::vector<SeriesRef> refs;
  for (const SeriesKey& k : keys) {
    refs.push_back(Series(*db, k));
    REQUIRE(db->Append(refs.back(), 1000, Value::Int(1)).ok());
  }
  Commit(*db);
  using M = Matcher;
  const MatchOp eq = MatchOp::kEqual, ne = MatchOp::kNotEqual, re = MatchOp::kRegexMatch,
                nre = MatchOp::kRegexNoMatch;
  struct Case {
    std::vector<Matcher> matchers;
    std::set<size_t> want;
  };
  const std::vector<Case> cases = {
      {{}, {0, 1, 2, 3, 4, 5}},
      {{M{"__name__", eq, "up"}}, {0, 1, 2, 5}},
      {{M{"__name__", eq, "nope"}}, {}},
      {{M{"__name__", ne, "up"}}, {3, 4}},
      {{M{"job", eq, "a"}}, {0, 3, 4}},
      {{M{"job", ne, "a"}}, {1, 2, 5}},
      {{M{"job", eq, ""}}, {2}},
      {{M{"job", ne, ""}}, {0, 1, 3, 4, 5}},
      {{M{"instance", eq, ""}}, {1, 2, 4}},
      {{M{"job", re, "a"}}, {0, 3, 4}},  // anchored: not "a12"
      {{M{"job", re, "a.*"}}, {0, 3, 4, 5}},
      {{M{"job", re, "a|b"}}, {0, 1, 3, 4}},
      {{M{"job", re, "[ab]"}}, {0, 1, 3, 4}},
      {{M{"job", nre, "a.*"}}, {1, 2}},
      {{M{"job", re, ""}}, {2}},
      {{M{"job", re, ".*"}}, {0, 1, 2, 3, 4, 5}},
      {{M{"job", re, ".+"}}, {0, 1, 3, 4, 5}},
      {{M{"job", nre, ".+"}}, {2}},
      {{M{"job", nre, ""}}, {0, 1, 3, 4, 5}},
      {{M{"__name__", re, "up|cpu"}, M{"job", eq, "a"}}, {0, 3}},
      {{M{"__name__", re, "ns:.*"}}, {4}},
      {{M{"__name__", re, "u"}}, {}},
      {{M{"job", eq, "a"}, M{"job", eq, "b"}}, {}},
      {{M{"job", eq, "a"}, M{"instance", ne, "x"}}, {3, 4}},
      {{M{"nolabel", eq, ""}}, {0, 1, 2, 3, 4, 5}},
      {{M{"nolabel", eq, "x"}}, {}},
      {{M{"nolabel", ne, ""}}, {}},
      {{M{"nolabel", re, ".*"}}, {0, 1, 2, 3, 4, 5}},
      {{M{"instance", re, "x\ny"}}, {5}},
      {{M{"instance", re, "x[\\s\\S]y"}}, {5}},
  };
  auto check = [&](const SeriesReader& reader) {
    for (const Case& c : cases) {
      std::string text;
      for (const Matcher& m : c.matchers) {
        text += m.name + "/" + std::to_string(static_cast<int>(m.op)) + "/" + m.value + " ";
      }
      INFO("matchers " << text);
      absl::StatusOr<std::vector<SeriesId>> ids = reader.Select(c.matchers);
      REQUIRE(ids.ok());
      CHECK(std::is_sorted(ids->begin(), ids->end()));
      std::set<size_t> got;
      for (SeriesId id : *ids) {
        const auto it = std::find(refs.begin(), refs.end(), id);
        REQUIRE(it != refs.end());
        got.insert(static_cast<size_t>(it - refs.begin()));
        CHECK(reader.Key(id) == keys[static_cast<size_t>(it - refs.begin())]);
      }
      CHECK(got == c.want);
      // Select agrees with MatcherSet, the definition.
      absl::StatusOr<MatcherSet> set = MatcherSet::Compile(c.matchers);
      REQUIRE(set.ok());
      for (size_t i = 0; i < keys.size(); ++i) CHECK(set->Matches(keys[i]) == c.want.contains(i));
    }
    // ECMAScript's '.' does not match a newline: as MatcherSet says.
    const std::vector<Matcher> dot = {{"instance", re, "x.*"}};
    absl::StatusOr<MatcherSet> set = MatcherSet::Compile(dot);
    REQUIRE(set.ok());
    absl::StatusOr<std::vector<SeriesId>> ids = reader.Select(dot);
    REQUIRE(ids.ok());
    for (size_t i = 0; i < keys.size(); ++i) {
      CHECK(set->Matches(keys[i]) == (std::find(ids->begin(), ids->end(), refs[i]) != ids->end()));
    }
    CHECK(reader.Select({{"job", re, "("}}).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(reader.Select({{"job", nre, "a["}}).status().code() ==
          absl::StatusCode::kInvalidArgument);
  };
  SECTION("in the head") { check(*db->Snapshot()); }
  SECTION("in a block") {
    Flush(*db);
    check(*db->Snapshot());
  }
  SECTION("after a reopen") {
    Close(*db);
    db = OpenDb(tmp.db(), TestOptions());
    check(*db->Snapshot());
    db.reset();
    db = OpenDb(tmp.db(), ReadOnly(TestOptions()));
    check(*db->Snapshot());
  }
}

// ---- Compaction and retention -----------------------------------------------------------------

TEST_CASE("Db: Compact merges two overlapping blocks into one with the data unchanged",
          "[catena][db]") {
  TempDir tmp("catena_db");
  DbOptions opts = TestOptions();
  opts.compaction_ranges_ms = {};  // only the overlap merges
  opts.ooo_window_ms = kHour;
  std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
  Model model;
  const SeriesKey a{"merge", {{"s", "a"}}}, b{"merge", {{"s", "b"}}}, c{"merge", {{"s", "c"}}};
  const SeriesRef ra = Series(*db, a), rb = Series(*db, b), rc = Series(*db, c);
  for (int64_t t = 0; t <= 1000; t += 20) {
    Put(*db, &model, a, ra, t, Value::Int(t));
    Put(*db, &model, b, rb, t, Float(t / 8.0));
  }
  Commit(*db);
  Flush(*db);
  // The second block: the odd tens (out of order), a conflicting value at 500 (the first block's
  // wins), the same value at 600 (a duplicate), and a series only this block has.
  for (int64_t t = 10; t < 1000; t += 20) {
    Put(*db, &model, a, ra, t, Value::Int(-t));
    Put(*db, &model, c, rc, t, FloatBits(0x7FF8000000000000ull + static_cast<uint64_t>(t)));
  }
  Put(*db, &model, a, ra, 500, Value::Int(123456));
  Put(*db, &model, b, rb, 600, Float(600 / 8.0));
  Commit(*db);
  Flush(*db);
  REQUIRE(db->stats().blocks == 2);
  REQUIRE(BlockFiles(tmp.db()).size() == 2);
  model.Check(*db->Snapshot());
  CHECK(ReadKey(*db->Snapshot(), a)[50] == Sample{500, Value::Int(500)});

  Compact(*db);
  CHECK(db->stats().blocks == 1);
  const std::vector<std::string> files = BlockFiles(tmp.db());
  REQUIRE(files.size() == 1);
  {
    absl::StatusOr<std::shared_ptr<Block>> merged = Block::Open(files[0]);
    REQUIRE(merged.ok());
    CHECK((*merged)->meta().level == 1);
    CHECK((*merged)->meta().parents == std::vector<uint64_t>{1, 2});
    CHECK((*merged)->meta().mint == 0);
    CHECK((*merged)->meta().maxt == 1000);
    CHECK((*merged)->meta().samples == model.samples());
    CHECK((*merged)->Verify().ok());
  }
  model.Check(*db->Snapshot());
  Compact(*db);  // nothing left to do
  CHECK(BlockFiles(tmp.db()) == files);
  Close(*db);
  db = OpenDb(tmp.db(), opts);
  model.Check(*db->Snapshot());
  CHECK(db->stats().problems.empty());
}

TEST_CASE("Db: Compact merges the blocks of one aligned range", "[catena][db]") {
  TempDir tmp("catena_db");
  std::unique_ptr<Db> db = OpenDb(tmp.db(), TestOptions());  // ranges 2 h and 24 h
  Model model;
  const SeriesKey k{"ranges", {}};
  const SeriesKey k2{"ranges", {{"x", "y"}}};
  const SeriesRef ref = Series(*db, k);
  const SeriesRef ref2 = Series(*db, k2);
  const int64_t day0 = 20000 * 24 * kHour;  // aligned on a day
  // Blocks: [0, 30 min] and [40 min, 90 min] (one 2-hour range), [3 h, 4 h], [10 h, 11 h], then
  // [25 h, 26 h] of the next day.
  const std::pair<int64_t, int64_t> spans[] = {{0, kHour / 2},
                                               {2 * kHour / 3, 3 * kHour / 2},
                                               {3 * kHour, 4 * kHour},
                                               {10 * kHour, 11 * kHour},
                                               {25 * kHour, 26 * kHour}};
  for (const auto& [from, to] : spans) {
    for (int64_t t = from; t <= to; t += 60000) {
      Put(*db, &model, k, ref, day0 + t, Value::Int(t));
      if (t % 120000 == 0) Put(*db, &model, k2, ref2, day0 + t, Float(t / 1000.0));
    }
    Commit(*db);
    Flush(*db);
  }
  REQUIRE(db->stats().blocks == 5);
  model.Check(*db->Snapshot());
  Compact(*db);
  CHECK(db->stats().blocks == 2);
  std::vector<BlockMeta> metas;
  for (const std::string& path : BlockFiles(tmp.db())) {
    absl::StatusOr<std::shared_ptr<Block>> b = Block::Open(path);
    REQUIRE(b.ok());
    CHECK((*b)->Verify().ok());
    metas.push_back((*b)->meta());
  }
  REQUIRE(metas.size() == 2);
  std::sort(metas.begin(), metas.end(),
            [](const BlockMeta& x, const BlockMeta& y) { return x.mint < y.mint; });
  CHECK(metas[0].mint == day0);
  CHECK(metas[0].maxt == day0 + 11 * kHour);
  CHECK(metas[0].level == 2);  // the 2-hour merge, then the day's
  CHECK(metas[1].mint == day0 + 25 * kHour);
  CHECK(metas[1].level == 0);
  CHECK(metas[1].id == 5);
  model.Check(*db->Snapshot());
  Close(*db);
  db = OpenDb(tmp.db(), TestOptions());
  model.Check(*db->Snapshot());
  CHECK(db->stats().blocks == 2);
}

TEST_CASE("Db: ApplyRetention drops only the blocks older than retention_ms", "[catena][db]") {
  TempDir tmp("catena_db");
  DbOptions opts = TestOptions();
  opts.compaction_ranges_ms = {2 * kHour};
  opts.retention_ms = 10 * kHour;
  std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
  Model model;
  const SeriesKey k{"retention", {}};
  const SeriesKey old_only{"retention", {{"old", "yes"}}};
  const SeriesRef ref = Series(*db, k);
  const SeriesRef ref_old = Series(*db, old_only);
  // Blocks [0, 1 h], [11 h, 11.5 h], [20 h, 21 h]; the head reaches 21.5 h, so everything older
  // than 11.5 h goes: the first block only (the second ends exactly at the limit).
  for (int64_t t = 0; t <= kHour; t += 60000) {
    Put(*db, &model, k, ref, t, Value::Int(t));
    Put(*db, &model, old_only, ref_old, t, Value::Int(-t));
  }
  Commit(*db);
  Flush(*db);
  for (const auto& [from, to] : {std::pair{11 * kHour, 23 * kHour / 2}, {20 * kHour, 21 * kHour}}) {
    for (int64_t t = from; t <= to; t += 60000) Put(*db, &model, k, ref, t, Value::Int(t));
    Commit(*db);
    Flush(*db);
  }
  for (int64_t t = 21 * kHour + 60000; t <= 43 * kHour / 2; t += 60000) {
    Put(*db, &model, k, ref, t, Value::Int(t));
  }
  Commit(*db);
  REQUIRE(db->stats().blocks == 3);
  const std::vector<std::string> before = BlockFiles(tmp.db());
  REQUIRE(before.size() == 3);

  SECTION("retention_ms = 0 keeps everything") {
    Close(*db);
    DbOptions keep = opts;
    keep.retention_ms = 0;
    db = OpenDb(tmp.db(), keep);
    REQUIRE(db->ApplyRetention().ok());
    CHECK(db->stats().blocks == 3);
    model.Check(*db->Snapshot());
  }
  SECTION("the old block goes") {
    const absl::Status s = db->ApplyRetention();
    INFO(s.ToString());
    REQUIRE(s.ok());
    CHECK(db->stats().blocks == 2);
    const std::vector<std::string> after = BlockFiles(tmp.db());
    CHECK(after == std::vector<std::string>(before.begin() + 1, before.end()));
    model.Drop(kMinTime, kHour);
    model.Check(*db->Snapshot());
    REQUIRE(db->ApplyRetention().ok());  // again: nothing more
    CHECK(db->stats().blocks == 2);
    Close(*db);
    db = OpenDb(tmp.db(), opts);
    model.Check(*db->Snapshot());
  }
}

// ---- Snapshots --------------------------------------------------------------------------------

TEST_CASE("Db: a snapshot reads all its data after Flush or Compact or ApplyRetention",
          "[catena][db]") {
  TempDir tmp("catena_db");
  DbOptions opts = TestOptions();
  opts.retention_ms = 10 * kHour;
  opts.compaction_ranges_ms = {2 * kHour};
  std::unique_ptr<Db> db = OpenDb(tmp.db(), opts);
  Model model;
  const SeriesKey k{"snap", {}};
  const SeriesRef ref = Series(*db, k);
  auto fill = [&](int64_t from, int64_t to) {
    for (int64_t t = from; t <= to; t += 60000) Put(*db, &model, k, ref, t, Value::Int(t / 1000));
    Commit(*db);
  };
  SECTION("Flush") {
    fill(0, kHour);
    std::shared_ptr<const SeriesReader> snap = db->Snapshot();
    model.Check(*snap);
    Flush(*db);
    model.Check(*snap);
    model.Check(*db->Snapshot());
  }
  SECTION("Flush after a block") {
    fill(0, kHour);
    Flush(*db);
    fill(kHour + 60000, 2 * kHour);
    std::shared_ptr<const SeriesReader> snap = db->Snapshot();
    Flush(*db);
    model.Check(*snap);
  }
  SECTION("Compact") {
    fill(0, kHour / 2);
    Flush(*db);
    fill(kHour / 2 + 60000, kHour);
    Flush(*db);
    std::shared_ptr<const SeriesReader> snap = db->Snapshot();
    const std::vector<std::string> inputs = BlockFiles(tmp.db());
    REQUIRE(inputs.size() == 2);
    Compact(*db);
    REQUIRE(db->stats().blocks == 1);
    for (const std::string& f : inputs) CHECK(!std::filesystem::exists(f));
    model.Check(*snap);  // its blocks are unlinked, still mapped
    model.Check(*db->Snapshot());
  }
  SECTION("ApplyRetention") {
    fill(0, kHour);
    Flush(*db);
    fill(20 * kHour, 21 * kHour);
    Flush(*db);
    std::shared_ptr<const SeriesReader> snap = db->Snapshot();
    REQUIRE(db->ApplyRetention().ok());
    REQUIRE(db->stats().blocks == 1);
    model.Check(*snap);
    model.Drop(kMinTime, kHour);
    model.Check(*db->Snapshot());
  }
  SECTION("a cursor reads what was committed when it was opened, later commits included") {
    // The contract of series_reader.h: a snapshot pins its blocks; each cursor reads the data
    // committed when it is opened (read committed, not a point-in-time view).
    fill(0, kHour);
    std::shared_ptr<const SeriesReader> snap = db->Snapshot();
    fill(kHour + 60000, 2 * kHour);
    const SeriesKey later{"snap_later", {}};
    Put(*db, &model, later, Series(*db, later), 0, Value::Int(0));
    Commit(*db);
    Flush(*db);
    model.Check(*snap);
    CHECK(FindSeries(*snap, later).has_value());
  }
}

// ---- Readers beside the writer ------------------------------------------------------------------

TEST_CASE("Db: readers see correct ascending complete data while the writer works",
          "[catena][db][threads]") {
  TempDir tmp("catena_db");
  std::unique_ptr<Db> db = OpenDb(tmp.db(), TestOptions());
  constexpr int kSeries = 40;
  constexpr int64_t kCreateEvery = 5;  // series i is created at batch i * kCreateEvery
  constexpr int64_t kStep = 1000;
  auto key = [](int i) {
    return SeriesKey{"conc", {{"i", std::to_string(i)}, {"parity", i % 2 ? "odd" : "even"}}};
  };
  auto value = [](int i, int64_t b) {
    return i % 2 == 0 ? Value::Int(b * 1000 + i)
                      : Value::Float(static_cast<double>(b) + i / 64.0 + 1.0 / 3.0);
  };

  std::atomic<int64_t> committed{-1};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads{0}, seen{0}, wrong{0}, unordered{0}, missing{0}, bad_status{0},
      missing_series{0};
  std::mutex mu;
  std::string first_problem;  // guarded by mu
  auto problem = [&](std::atomic<uint64_t>& counter, const std::string& what) {
    ++counter;
    std::lock_guard<std::mutex> lock(mu);
    if (first_problem.empty()) first_problem = what;
  };
  auto reader = [&] {
    while (!stop.load()) {
      const int64_t done = committed.load();
      if (const DbStats st = db->stats(); !st.problems.empty()) {
        problem(bad_status, st.problems[0]);  // stats() may be called from any thread
      }
      std::shared_ptr<const SeriesReader> snap = db->Snapshot();
      absl::StatusOr<std::vector<SeriesId>> ids =
          snap->Select({{kMetricNameLabel, MatchOp::kEqual, "conc"}});
      if (!ids.ok()) {
        problem(bad_status, ids.status().ToString());
        continue;
      }
      const int64_t want_series =
          done < 0 ? 0 : std::min<int64_t>(kSeries, done / kCreateEvery + 1);
      if (static_cast<int64_t>(ids->size()) < want_series) {
        problem(missing_series, "series missing after batch " + std::to_string(done));
      }
      for (SeriesId id : *ids) {
        const SeriesKey& k = snap->Key(id);
        if (k.labels.size() != 2 || k.labels[0].name != "i") {
          problem(wrong, "bad key " + k.ToString());
          continue;
        }
        const int i = std::stoi(k.labels[0].value);
        const int64_t created = i * kCreateEvery;
        std::unique_ptr<SeriesCursor> cursor = snap->Open(id, kMinTime, kMaxTime);
        int64_t ts[7];
        Value vs[7];
        int64_t prev = kMinTime;
        bool first = true;
        int64_t upto_done = 0;
        while (const size_t n = cursor->Next(ts, vs, 7)) {
          for (size_t j = 0; j < n; ++j) {
            const int64_t t = ts[j];
            if (!first && t <= prev) {
              problem(unordered,
                      k.ToString() + ": " + std::to_string(t) + " after " + std::to_string(prev));
            }
            first = false;
            prev = t;
            const int64_t b = t / kStep;
            if (t % kStep != 0 || b < created || !(vs[j] == value(i, b))) {
              problem(wrong, k.ToString() + ": wrong sample at " + std::to_string(t));
            }
            if (b <= done) ++upto_done;
            ++seen;
          }
        }
        if (!cursor->status().ok()) problem(bad_status, cursor->status().ToString());
        if (done >= created && upto_done != done - created + 1) {
          problem(missing, k.ToString() + ": " + std::to_string(upto_done) +
                               " samples up to batch " + std::to_string(done) + ", want " +
                               std::to_string(done - created + 1));
        }
      }
      ++reads;
    }
  };
  struct Joiner {
    std::atomic<bool>* stop;
    std::vector<std::thread> threads;
    ~Joiner() {
      stop->store(true);
      for (std::thread& t : threads) t.join();
    }
  } joiner{&stop, {}};
  for (int r = 0; r < 4; ++r) joiner.threads.emplace_back(reader);

  Model model;
  std::vector<SeriesRef> refs;
  const auto start = std::chrono::steady_clock::now();
  int64_t b = 0;
  uint64_t flushes = 0, compactions = 0;
  for (; std::chrono::steady_clock::now() - start < std::chrono::milliseconds(2500) && b < 20000;
       ++b) {
    if (b % kCreateEvery == 0 && refs.size() < kSeries) {
      refs.push_back(Series(*db, key(static_cast<int>(refs.size()))));
    }
    for (size_t i = 0; i < refs.size(); ++i) {
      const int ii = static_cast<int>(i);
      Put(*db, &model, key(ii), refs[i], b * kStep, value(ii, b));
    }
    Commit(*db);
    committed.store(b);
    if (b % 20 == 19) {
      Flush(*db);
      ++flushes;
    }
    if (b % 70 == 69) {
      Compact(*db);
      ++compactions;
    }
  }
  // Let the readers see the final state too.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stop.store(true);
  for (std::thread& t : joiner.threads) t.join();
  joiner.threads.clear();
  INFO(b << " batches, " << flushes << " flushes, " << compactions << " compactions, " << reads
         << " reads, " << seen << " samples seen; first problem: " << first_problem);
  CHECK(reads.load() >= 8);
  CHECK(flushes >= 2);
  CHECK(compactions >= 1);
  CHECK(wrong.load() == 0);
  CHECK(unordered.load() == 0);
  CHECK(bad_status.load() == 0);
  CHECK(missing_series.load() == 0);
  CHECK(missing.load() == 0);
  model.Check(*db->Snapshot());
  Close(*db);
  db = OpenDb(tmp.db(), TestOptions());
  model.Check(*db->Snapshot());
}

// ---- The lock ---------------------------------------------------------------------------------

TEST_CASE("Db: a directory open by a writer cannot be opened for writing again", "[catena][db]") {
  TempDir tmp("catena_db");
  std::unique_ptr<Db> db = OpenDb(tmp.db(), TestOptions());
  const SeriesRef ref = Series(*db, {"lock", {}});
  REQUIRE(db->Append(ref, 1, Value::Int(1)).ok());
  Commit(*db);

  absl::StatusOr<std::unique_ptr<Db>> second = Db::Open(tmp.db(), TestOptions());
  INFO(second.status().ToString());
  CHECK(second.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Msg(second.status()).find(tmp.db()) != std::string::npos);
  // Another process too.
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    absl::StatusOr<std::unique_ptr<Db>> other = Db::Open(tmp.db(), TestOptions());
    ::_exit(other.status().code() == absl::StatusCode::kFailedPrecondition ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // Reading needs no lock.
  {
    std::unique_ptr<Db> ro = OpenDb(tmp.db(), ReadOnly(TestOptions()));
    CHECK(ReadKey(*ro->Snapshot(), {"lock", {}}) == Samples({{1, Value::Int(1)}}));
  }
  // The writer still works, and its data is intact.
  REQUIRE(db->Append(ref, 2, Value::Int(2)).ok());
  Commit(*db);
  Close(*db);
  CHECK(db->Append(ref, 3, Value::Int(3)).code() == absl::StatusCode::kFailedPrecondition);
  CHECK(db->Close().ok());               // twice is fine
  db = OpenDb(tmp.db(), TestOptions());  // free after Close
  CHECK(ReadKey(*db->Snapshot(), {"lock", {}}) ==
        Samples({{1, Value::Int(1)}, {2, Value::Int(2)}}));
  db.reset();
  db = OpenDb(tmp.db(), TestOptions());  // and after the destructor
}

// ---- Timestamps at the ends of int64 ------------------------------------------------------------

TEST_CASE("Db: timestamps anywhere in int64 are kept", "[catena][db][extreme]") {
  TempDir tmp("catena_db");
  std::unique_ptr<Db> db = OpenDb(tmp.db(), TestOptions());
  Model model;
  const SeriesKey k{"extreme_time", {}};
  const SeriesRef ref = Series(*db, k);
  std::vector<int64_t> times;
  SECTION("the first sample at INT64_MIN") {
    times = {kMinTime, kMinTime + 1, -1, 0, 1, kMaxTime - 1, kMaxTime};
  }
  SECTION("the first sample at INT64_MIN + 1") {
    times = {kMinTime + 1, -1, 0, 1, kMaxTime - 1, kMaxTime};
  }
  SECTION("the first sample at INT64_MAX") { times = {kMaxTime}; }
  for (const int64_t t : times) Put(*db, &model, k, ref, t, Value::Int(t));
  Commit(*db);
  CHECK(db->stats().rejected_out_of_order == 0);
  model.Check(*db->Snapshot());
  Flush(*db);
  model.Check(*db->Snapshot());
  Close(*db);
  db = OpenDb(tmp.db(), TestOptions());
  model.Check(*db->Snapshot());
  CHECK(db->stats().problems.empty());
}

}  // namespace
}  // namespace cistern::catena
