// The query engine and MatcherSet over VectorSeriesReader: every matcher operator, raw selection,
// each range function on hand-computed data (counter resets, 64-bit counters, boundaries, anchors,
// empty buckets), cross-series aggregation, limits, error propagation, and agreement with a naive
// reference under every batch size.
// GCC 12 warns falsely inside libstdc++'s <regex> at -O1 with sanitizers (GCC bug 105616).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "cistern/catena/query.h"
#include "cistern/catena/series_reader.h"
#include "vector_series_reader.h"

namespace cistern::catena {
namespace {

constexpr int64_t kSec = 1000;

SeriesKey Key(std::string metric, std::vector<Label> labels = {}) {
  return SeriesKey{std::move(metric), std::move(labels)};
}

std::vector<Sample> Ints(std::initializer_list<std::pair<int64_t, int64_t>> points) {
  std::vector<Sample> out;
  for (auto [t, v] : points) out.push_back({t, Value::Int(v)});
  return out;
}

std::vector<Sample> Floats(std::initializer_list<std::pair<int64_t, double>> points) {
  std::vector<Sample> out;
  for (auto [t, v] : points) out.push_back({t, Value::Float(v)});
  return out;
}

Matcher Name(std::string metric) { return {kMetricNameLabel, MatchOp::kEqual, std::move(metric)}; }

QueryRequest Stepped(std::vector<Matcher> m, int64_t start, int64_t end, int64_t step,
                     RangeFunction f, Aggregation a = Aggregation::kNone) {
  QueryRequest q;
  q.matchers = std::move(m);
  q.start_ms = start;
  q.end_ms = end;
  q.step_ms = step;
  q.function = f;
  q.aggregation = a;
  return q;
}

std::vector<QueryResultSeries> Run(const SeriesReader& reader, const QueryRequest& q) {
  absl::StatusOr<std::vector<QueryResultSeries>> r = ExecuteQuery(reader, q);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *std::move(r);
}

std::vector<double> Doubles(const QueryResultSeries& s) {
  std::vector<double> out;
  for (const Value& v : s.values) out.push_back(v.AsDouble());
  return out;
}

bool AllFloat(const QueryResultSeries& s) {
  for (const Value& v : s.values) {
    if (v.type != ValueType::kFloat) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// MatcherSet

bool Match(std::vector<Matcher> m, const SeriesKey& key) {
  absl::StatusOr<MatcherSet> set = MatcherSet::Compile(m);
  REQUIRE(set.ok());
  return set->Matches(key);
}

TEST_CASE("query matchers: = and != with present and absent labels", "[catena][query]") {
  const SeriesKey k = Key("ifHCInOctets", {{"instance", "sw1"}, {"ifName", "xe-0/0/1"}});
  CHECK(Match({{"instance", MatchOp::kEqual, "sw1"}}, k));
  CHECK_FALSE(Match({{"instance", MatchOp::kEqual, "sw2"}}, k));
  CHECK(Match({{"instance", MatchOp::kNotEqual, "sw2"}}, k));
  CHECK_FALSE(Match({{"instance", MatchOp::kNotEqual, "sw1"}}, k));
  // An absent label has the value "".
  CHECK(Match({{"job", MatchOp::kEqual, ""}}, k));
  CHECK_FALSE(Match({{"job", MatchOp::kEqual, "snmp"}}, k));
  CHECK(Match({{"job", MatchOp::kNotEqual, "snmp"}}, k));
  CHECK_FALSE(Match({{"instance", MatchOp::kEqual, ""}}, k));
  CHECK(Match({{"instance", MatchOp::kNotEqual, ""}}, k));
  // The metric name is __name__.
  CHECK(Match({Name("ifHCInOctets")}, k));
  CHECK_FALSE(Match({Name("ifHCOutOctets")}, k));
  // Every matcher must hold; none selects all.
  CHECK_FALSE(Match({Name("ifHCInOctets"), {"instance", MatchOp::kEqual, "sw2"}}, k));
  CHECK(Match({}, k));
}

TEST_CASE("query matchers: regexes are anchored at both ends", "[catena][query]") {
  const SeriesKey k = Key("ifHCInOctets", {{"instance", "core-1"}, {"ifName", "xe-0/0/1"}});
  CHECK(Match({{"instance", MatchOp::kRegexMatch, "core.*"}}, k));
  CHECK(Match({{"instance", MatchOp::kRegexMatch, "core-[0-9]+"}}, k));
  CHECK_FALSE(Match({{"instance", MatchOp::kRegexMatch, "core"}}, k));
  CHECK_FALSE(Match({{"instance", MatchOp::kRegexMatch, "ore-1"}}, k));
  CHECK_FALSE(Match({{"instance", MatchOp::kRegexMatch, "xcore.*"}}, k));
  CHECK_FALSE(Match({{"instance", MatchOp::kRegexMatch, "c"}}, k));
  CHECK(Match({{"instance", MatchOp::kRegexMatch, "edge-1|core-1"}}, k));
  CHECK_FALSE(Match({{"instance", MatchOp::kRegexMatch, "edge-1|core"}}, k));
  CHECK(Match({{"instance", MatchOp::kRegexMatch, "(edge|core)-1"}}, k));
  CHECK(Match({{"instance", MatchOp::kRegexNoMatch, "edge.*"}}, k));
  CHECK_FALSE(Match({{"instance", MatchOp::kRegexNoMatch, "core.*"}}, k));
  CHECK(Match({{"instance", MatchOp::kRegexNoMatch, "core"}}, k));  // anchored: no match
  CHECK(Match({{"__name__", MatchOp::kRegexMatch, "if.*"}}, k));
  CHECK_FALSE(Match({{"__name__", MatchOp::kRegexMatch, "Octets"}}, k));
  CHECK(Match({{"ifName", MatchOp::kRegexMatch, "xe-0/0/1"}}, k));
  CHECK(Match({{"ifName", MatchOp::kRegexMatch, "xe-\\d+/\\d+/\\d+"}}, k));
}

TEST_CASE("query matchers: regexes on absent labels see the empty string", "[catena][query]") {
  const SeriesKey k = Key("m", {{"a", "x"}});
  CHECK(Match({{"job", MatchOp::kRegexMatch, ".*"}}, k));
  CHECK(Match({{"job", MatchOp::kRegexMatch, "|snmp"}}, k));
  CHECK(Match({{"job", MatchOp::kRegexMatch, "(snmp)?"}}, k));
  CHECK_FALSE(Match({{"job", MatchOp::kRegexMatch, ".+"}}, k));
  CHECK_FALSE(Match({{"job", MatchOp::kRegexMatch, "snmp.*"}}, k));
  CHECK(Match({{"job", MatchOp::kRegexNoMatch, ".+"}}, k));
  CHECK_FALSE(Match({{"job", MatchOp::kRegexNoMatch, ".*"}}, k));
  CHECK(Match({{"job", MatchOp::kRegexMatch, ""}}, k));
  CHECK_FALSE(Match({{"a", MatchOp::kRegexMatch, ""}}, k));
}

TEST_CASE("query matchers: the shortcuts agree with std::regex, line terminators included",
          "[catena][query]") {
  // ECMAScript's `.` matches neither '\n' nor '\r': the shortcuts must say the same.
  const std::vector<std::string> patterns = {".*", ".+",  "sw.*",    "sw1|sw2", "sw1",
                                             "",   "s.1", "sw[0-9]", "a|",      "(sw).*"};
  const std::vector<std::string> values = {"",   "sw1", "sw2", "sw",   "sw1\n", "sw\r2",
                                           "\n", "x",   "a",   "sw12", "s\n1"};
  for (const std::string& p : patterns) {
    const std::regex re(p, std::regex::ECMAScript);
    for (MatchOp op : {MatchOp::kRegexMatch, MatchOp::kRegexNoMatch}) {
      absl::StatusOr<MatcherSet> set = MatcherSet::Compile({{{"l", op, p}}});
      REQUIRE(set.ok());
      for (const std::string& v : values) {
        INFO("pattern " << p << " value " << v);
        const bool want = std::regex_match(v, re) == (op == MatchOp::kRegexMatch);
        CHECK(set->MatchesValue(0, v) == want);
        CHECK(set->MatchesValue(0, v) == want);  // again, from the cache
      }
    }
  }
}

TEST_CASE("query matchers: a bad regex is InvalidArgument naming the matcher", "[catena][query]") {
  absl::StatusOr<MatcherSet> set = MatcherSet::Compile(
      {{{"instance", MatchOp::kEqual, "x"}, {"ifName", MatchOp::kRegexMatch, "xe-(0"}}});
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(set.status().message()), Catch::Contains("ifName=~\"xe-(0\""));
  for (const char* bad : {"[", "*a", "a{2,1}", "(?<", "\\"}) {
    INFO(bad);
    absl::StatusOr<MatcherSet> s = MatcherSet::Compile({{{"l", MatchOp::kRegexNoMatch, bad}}});
    CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
  }
  // Equality matchers never compile a regex: any bytes are fine.
  CHECK(MatcherSet::Compile({{{"l", MatchOp::kEqual, "["}}}).ok());
}

TEST_CASE("query matchers: MatchesValue out of range is false; a set may be moved",
          "[catena][query]") {
  absl::StatusOr<MatcherSet> set = MatcherSet::Compile({{{"l", MatchOp::kEqual, "x"}}});
  REQUIRE(set.ok());
  CHECK(set->MatchesValue(0, "x"));
  CHECK_FALSE(set->MatchesValue(1, "x"));
  MatcherSet moved = *std::move(set);
  CHECK(moved.MatchesValue(0, "x"));
  CHECK(moved.matchers().size() == 1);
}

TEST_CASE("query matchers: const use from several threads (the regex cache is locked)",
          "[catena][query]") {
  absl::StatusOr<MatcherSet> set = MatcherSet::Compile({{{"l", MatchOp::kRegexMatch, "sw[0-9]+"}}});
  REQUIRE(set.ok());
  std::vector<std::thread> threads;
  std::vector<int> counts(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        counts[t] += set->MatchesValue(0, "sw" + std::to_string(i % 5000)) ? 1 : 0;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int c : counts) CHECK(c == 20000);
}

TEST_CASE("query matchers: Select through a reader, and a bad regex from ExecuteQuery",
          "[catena][query]") {
  VectorSeriesReader reader;
  reader.Add(Key("a", {{"x", "1"}}), {});
  reader.Add(Key("b", {{"x", "2"}}), {});
  reader.Add(Key("a", {{"x", "3"}, {"y", "z"}}), {});
  CHECK(*reader.Select({{Name("a")}}) == std::vector<SeriesId>{0, 2});
  CHECK(*reader.Select({{{"y", MatchOp::kEqual, ""}}}) == std::vector<SeriesId>{0, 1});
  CHECK(*reader.Select({}) == std::vector<SeriesId>{0, 1, 2});
  QueryRequest q;
  q.matchers = {{"x", MatchOp::kRegexMatch, "("}};
  absl::StatusOr<std::vector<QueryResultSeries>> r = ExecuteQuery(reader, q);
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Raw selection

TEST_CASE("query raw: samples in [start, end] inclusive, types kept, empty series left out",
          "[catena][query]") {
  VectorSeriesReader reader;
  reader.Add(Key("m", {{"i", "a"}}), Ints({{1000, 1}, {2000, 2}, {3000, 3}, {4000, 4}}));
  reader.Add(Key("m", {{"i", "b"}}), Floats({{2000, 0.5}, {2500, -0.0}, {5000, 9}}));
  reader.Add(Key("m", {{"i", "c"}}), Ints({{9000, 1}}));
  reader.Add(Key("other"), Ints({{2000, 7}}));
  QueryRequest q;
  q.matchers = {Name("m")};
  q.start_ms = 2000;
  q.end_ms = 4000;
  for (size_t batch : {size_t{1}, size_t{2}, size_t{1000}}) {
    reader.set_max_batch(batch);
    const std::vector<QueryResultSeries> r = Run(reader, q);
    REQUIRE(r.size() == 2);
    CHECK(r[0].key == Key("m", {{"i", "a"}}));
    CHECK(r[0].timestamps == std::vector<int64_t>{2000, 3000, 4000});
    CHECK(r[0].values == std::vector<Value>{Value::Int(2), Value::Int(3), Value::Int(4)});
    CHECK(r[1].key == Key("m", {{"i", "b"}}));
    CHECK(r[1].timestamps == std::vector<int64_t>{2000, 2500});
    CHECK(r[1].values == std::vector<Value>{Value::Float(0.5), Value::Float(-0.0)});
  }
}

TEST_CASE("query raw: long series are read in batches of at most 1024", "[catena][query]") {
  VectorSeriesReader reader;
  std::vector<Sample> s;
  for (int64_t i = 0; i < 5000; ++i) s.push_back({i * 10, Value::Int(i)});
  reader.Add(Key("m"), s);
  QueryRequest q;
  q.matchers = {Name("m")};
  q.start_ms = 0;
  q.end_ms = 1'000'000;
  const std::vector<QueryResultSeries> r = Run(reader, q);
  REQUIRE(r.size() == 1);
  REQUIRE(r[0].values.size() == 5000);
  CHECK(r[0].values[4999] == Value::Int(4999));
  CHECK(reader.largest_request() <= 1024);
}

TEST_CASE("query raw: a function or an aggregation without a step is InvalidArgument",
          "[catena][query]") {
  VectorSeriesReader reader;
  reader.Add(Key("m"), Ints({{0, 1}}));
  QueryRequest q = Stepped({Name("m")}, 0, 10, 0, RangeFunction::kNone, Aggregation::kSum);
  CHECK(ExecuteQuery(reader, q).status().code() == absl::StatusCode::kInvalidArgument);
  q = Stepped({Name("m")}, 0, 10, 0, RangeFunction::kRate);
  CHECK(ExecuteQuery(reader, q).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("query requests: malformed ones are InvalidArgument", "[catena][query]") {
  VectorSeriesReader reader;
  reader.Add(Key("m"), Ints({{0, 1}}));
  QueryRequest q = Stepped({Name("m")}, 10, 5, 1, RangeFunction::kNone);
  CHECK(ExecuteQuery(reader, q).status().code() == absl::StatusCode::kInvalidArgument);
  q = Stepped({Name("m")}, 0, 5, -1, RangeFunction::kNone);
  CHECK(ExecuteQuery(reader, q).status().code() == absl::StatusCode::kInvalidArgument);
  q = Stepped({Name("m")}, 0, 5, 1, RangeFunction::kNone);
  q.group_by = {"a"};
  CHECK(ExecuteQuery(reader, q).status().code() == absl::StatusCode::kInvalidArgument);
  q.group_by.clear();
  q.without = true;
  CHECK(ExecuteQuery(reader, q).status().code() == absl::StatusCode::kInvalidArgument);
  // Buckets that would end past 2^63 ms.
  q = Stepped({Name("m")}, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
              std::numeric_limits<int64_t>::max(), RangeFunction::kRate);
  CHECK(ExecuteQuery(reader, q).status().code() == absl::StatusCode::kInvalidArgument);
  q = Stepped({Name("m")}, std::numeric_limits<int64_t>::max() - 5,
              std::numeric_limits<int64_t>::max(), 10, RangeFunction::kNone);
  CHECK(ExecuteQuery(reader, q).status().code() == absl::StatusCode::kInvalidArgument);
  // The whole int64 range raw is fine.
  q = Stepped({Name("m")}, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
              0, RangeFunction::kNone);
  CHECK(Run(reader, q).size() == 1);
  // And stepped, when the buckets fit: start at the minimum with a lookback for the anchor.
  q = Stepped({Name("m")}, std::numeric_limits<int64_t>::min(), 0, int64_t{1} << 62,
              RangeFunction::kIncrease);
  const std::vector<QueryResultSeries> r = Run(reader, q);
  REQUIRE(r.size() == 1);
  CHECK(r[0].timestamps == std::vector<int64_t>{int64_t{1} << 62});
}

// ---------------------------------------------------------------------------------------------
// Range functions. A gauge with steps of 10 s from 0 to 40 s (buckets [0,10), [10,20), [20,30),
// [30,40) empty, [40,50)); 10 s sits exactly on a boundary and belongs to [10,20).

VectorSeriesReader GaugeReader() {
  VectorSeriesReader reader;
  reader.Add(
      Key("temp", {{"sensor", "a"}}),
      Ints(
          {{0, 1}, {5 * kSec, 4}, {10 * kSec, 2}, {15 * kSec, 8}, {25 * kSec, 3}, {40 * kSec, 5}}));
  return reader;
}

QueryResultSeries RunOne(const SeriesReader& reader, const QueryRequest& q) {
  std::vector<QueryResultSeries> r = Run(reader, q);
  REQUIRE(r.size() == 1);
  return std::move(r[0]);
}

TEST_CASE("query functions: last per step (kNone) keeps the raw value and the key",
          "[catena][query]") {
  const VectorSeriesReader reader = GaugeReader();
  const QueryResultSeries s =
      RunOne(reader, Stepped({Name("temp")}, 0, 40 * kSec, 10 * kSec, RangeFunction::kNone));
  CHECK(s.key == Key("temp", {{"sensor", "a"}}));
  CHECK(s.timestamps == std::vector<int64_t>{10 * kSec, 20 * kSec, 30 * kSec, 50 * kSec});
  CHECK(s.values == std::vector<Value>{Value::Int(4), Value::Int(8), Value::Int(3), Value::Int(5)});
}

TEST_CASE("query functions: the *_over_time family on a gauge", "[catena][query]") {
  const VectorSeriesReader reader = GaugeReader();
  const std::vector<int64_t> ts = {10 * kSec, 20 * kSec, 30 * kSec, 50 * kSec};
  auto run = [&](RangeFunction f) {
    QueryResultSeries s = RunOne(reader, Stepped({Name("temp")}, 0, 40 * kSec, 10 * kSec, f));
    CHECK(s.timestamps == ts);
    return s;
  };
  QueryResultSeries s = run(RangeFunction::kLastOverTime);
  CHECK(s.key.metric == "temp");  // last_over_time keeps the name
  CHECK(s.values == std::vector<Value>{Value::Int(4), Value::Int(8), Value::Int(3), Value::Int(5)});

  s = run(RangeFunction::kMinOverTime);
  CHECK(s.key == Key("", {{"sensor", "a"}}));  // the others drop it
  CHECK(s.values == std::vector<Value>{Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(5)});
  s = run(RangeFunction::kMaxOverTime);
  CHECK(s.values == std::vector<Value>{Value::Int(4), Value::Int(8), Value::Int(3), Value::Int(5)});
  s = run(RangeFunction::kSumOverTime);
  CHECK(AllFloat(s));
  CHECK(Doubles(s) == std::vector<double>{5, 10, 3, 5});
  s = run(RangeFunction::kCountOverTime);
  CHECK(Doubles(s) == std::vector<double>{2, 2, 1, 1});
  s = run(RangeFunction::kAvgOverTime);
  CHECK(Doubles(s) == std::vector<double>{2.5, 5, 3, 5});
}

TEST_CASE("query functions: delta is last - first with the previous bucket's last sample as first",
          "[catena][query]") {
  const VectorSeriesReader reader = GaugeReader();
  const QueryResultSeries s =
      RunOne(reader, Stepped({Name("temp")}, 0, 40 * kSec, 10 * kSec, RangeFunction::kDelta));
  CHECK(s.key.metric.empty());
  CHECK(s.timestamps == std::vector<int64_t>{10 * kSec, 20 * kSec, 30 * kSec, 50 * kSec});
  // [0,10): 4-1; [10,20): 8-4 (anchor 4 at 5 s); [20,30): 3-8; [40,50): no anchor, one sample.
  CHECK(Doubles(s) == std::vector<double>{3, 4, -5, 0});
  CHECK(AllFloat(s));
}

TEST_CASE(
    "query functions: min/max keep floats, ignore NaN unless all are NaN, compare ints exactly",
    "[catena][query]") {
  VectorSeriesReader reader;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  reader.Add(Key("f"), Floats({{0, nan}, {1, 2.5}, {2, -1.5}, {10, nan}, {11, nan}}));
  reader.Add(
      Key("i"),
      Ints({{0, (int64_t{1} << 60) + 1}, {1, (int64_t{1} << 60) + 2}, {2, (int64_t{1} << 60)}}));
  QueryResultSeries s =
      RunOne(reader, Stepped({Name("f")}, 0, 10, 10, RangeFunction::kMinOverTime));
  REQUIRE(s.values.size() == 2);
  CHECK(s.values[0] == Value::Float(-1.5));
  CHECK(std::isnan(s.values[1].AsDouble()));
  s = RunOne(reader, Stepped({Name("f")}, 0, 10, 10, RangeFunction::kMaxOverTime));
  CHECK(s.values[0] == Value::Float(2.5));
  s = RunOne(reader, Stepped({Name("i")}, 0, 0, 10, RangeFunction::kMaxOverTime));
  CHECK(s.values == std::vector<Value>{Value::Int((int64_t{1} << 60) + 2)});
  s = RunOne(reader, Stepped({Name("i")}, 0, 0, 10, RangeFunction::kMinOverTime));
  CHECK(s.values == std::vector<Value>{Value::Int(int64_t{1} << 60)});
}

// A counter with a reset and gaps; buckets of 10 s from 0 to 50 s.
//   [0,10): 100@0 150@5            [10,20): 200@10 50@15 (reset)   [20,30): 80@20
//   [30,40): 120@35                [40,50): nothing                [50,60): 130@50
VectorSeriesReader CounterReader() {
  VectorSeriesReader reader;
  reader.Add(Key("ifHCInOctets", {{"ifName", "xe-0"}}), Ints({{0, 100},
                                                              {5 * kSec, 150},
                                                              {10 * kSec, 200},
                                                              {15 * kSec, 50},
                                                              {20 * kSec, 80},
                                                              {35 * kSec, 120},
                                                              {50 * kSec, 130}}));
  return reader;
}

TEST_CASE("query functions: increase with resets, anchors from the previous bucket, gaps",
          "[catena][query]") {
  const VectorSeriesReader reader = CounterReader();
  const QueryResultSeries s = RunOne(
      reader, Stepped({Name("ifHCInOctets")}, 0, 50 * kSec, 10 * kSec, RangeFunction::kIncrease));
  CHECK(s.key == Key("", {{"ifName", "xe-0"}}));
  CHECK(s.timestamps ==
        std::vector<int64_t>{10 * kSec, 20 * kSec, 30 * kSec, 40 * kSec, 60 * kSec});
  // 150-100; (200-150)+50 (reset); 80-50; 120-80 (anchor 80 from [20,30)); 130 alone, no anchor
  // ([40,50) is empty) → 0.
  CHECK(Doubles(s) == std::vector<double>{50, 100, 30, 40, 0});
  CHECK(AllFloat(s));
}

TEST_CASE("query functions: rate divides by the seconds its samples span, anchor included",
          "[catena][query]") {
  const VectorSeriesReader reader = CounterReader();
  const QueryResultSeries s = RunOne(
      reader, Stepped({Name("ifHCInOctets")}, 0, 50 * kSec, 10 * kSec, RangeFunction::kRate));
  CHECK(s.timestamps == std::vector<int64_t>{10 * kSec, 20 * kSec, 30 * kSec, 40 * kSec});
  REQUIRE(s.values.size() == 4);
  CHECK(s.values[0].AsDouble() == Approx(50.0 / 5));    // 0 → 5 s
  CHECK(s.values[1].AsDouble() == Approx(100.0 / 10));  // anchor 5 s → 15 s
  CHECK(s.values[2].AsDouble() == Approx(30.0 / 5));    // anchor 15 s → 20 s
  CHECK(s.values[3].AsDouble() == Approx(40.0 / 15));   // anchor 20 s → 35 s
  // [50,60) holds one sample and no anchor: no point.
}

TEST_CASE("query functions: the anchor of the first bucket comes from before start",
          "[catena][query]") {
  const VectorSeriesReader reader = CounterReader();
  QueryResultSeries s = RunOne(reader, Stepped({Name("ifHCInOctets")}, 10 * kSec, 20 * kSec,
                                               10 * kSec, RangeFunction::kRate));
  CHECK(s.timestamps == std::vector<int64_t>{20 * kSec, 30 * kSec});
  CHECK(Doubles(s) == std::vector<double>{10, 6});
  s = RunOne(reader, Stepped({Name("ifHCInOctets")}, 10 * kSec, 20 * kSec, 10 * kSec,
                             RangeFunction::kIncrease));
  CHECK(Doubles(s) == std::vector<double>{100, 30});
  // The increases of consecutive buckets add up to the increase over the whole span.
  s = RunOne(reader, Stepped({Name("ifHCInOctets")}, 0, 0, 40 * kSec, RangeFunction::kIncrease));
  CHECK(Doubles(s) == std::vector<double>{50 + 100 + 30 + 40});
  // A sample before start anchors the first bucket only: 35 s is read, but [50,60) has no anchor.
  s = RunOne(reader, Stepped({Name("ifHCInOctets")}, 40 * kSec, 50 * kSec, 10 * kSec,
                             RangeFunction::kIncrease));
  CHECK(s.timestamps == std::vector<int64_t>{60 * kSec});
  CHECK(Doubles(s) == std::vector<double>{0});
}

TEST_CASE("query functions: a series with points only outside the range is left out",
          "[catena][query]") {
  const VectorSeriesReader reader = CounterReader();
  CHECK(Run(reader, Stepped({Name("ifHCInOctets")}, 100 * kSec, 200 * kSec, 10 * kSec,
                            RangeFunction::kRate))
            .empty());
  CHECK(Run(reader,
            Stepped({Name("ifHCInOctets")}, 36 * kSec, 44 * kSec, 4 * kSec, RangeFunction::kNone))
            .empty());
}

TEST_CASE("query functions: 64-bit counters keep every unit, passing 2^63 is no reset",
          "[catena][query]") {
  VectorSeriesReader reader;
  const uint64_t two63 = uint64_t{1} << 63;
  auto u = [](uint64_t v) { return Value::Int(static_cast<int64_t>(v)); };
  // Near 2^63: the int64 wraps negative, the counter (unsigned) does not.
  reader.Add(Key("c63"), {{0, u(two63 - 1000)},
                          {1 * kSec, u(two63 + 500)},
                          {2 * kSec, u(two63 + 501)},
                          {3 * kSec, u(10)} /* reset */});
  // Above 2^53: doubles would lose the units.
  const uint64_t two60 = uint64_t{1} << 60;
  reader.Add(Key("c60"), {{0, u(two60 + 1)}, {1 * kSec, u(two60 + 4)}, {2 * kSec, u(two60 + 8)}});
  // Near 2^64: the largest Counter64 values.
  reader.Add(Key("c64"), {{0, u(~uint64_t{0} - 10)}, {1 * kSec, u(~uint64_t{0})}});

  QueryResultSeries s =
      RunOne(reader, Stepped({Name("c63")}, 0, 0, 10 * kSec, RangeFunction::kIncrease));
  CHECK(Doubles(s) == std::vector<double>{1500 + 1 + 10});
  s = RunOne(reader, Stepped({Name("c63")}, 0, 3 * kSec, 1 * kSec, RangeFunction::kIncrease));
  CHECK(Doubles(s) == std::vector<double>{0, 1500, 1, 10});
  s = RunOne(reader, Stepped({Name("c63")}, 0, 2 * kSec, 1 * kSec, RangeFunction::kRate));
  CHECK(Doubles(s) == std::vector<double>{1500, 1});

  s = RunOne(reader, Stepped({Name("c60")}, 0, 0, 10 * kSec, RangeFunction::kIncrease));
  CHECK(Doubles(s) == std::vector<double>{7});
  s = RunOne(reader, Stepped({Name("c60")}, 0, 0, 10 * kSec, RangeFunction::kRate));
  CHECK(Doubles(s) == std::vector<double>{3.5});
  s = RunOne(reader, Stepped({Name("c60")}, 0, 0, 10 * kSec, RangeFunction::kDelta));
  CHECK(Doubles(s) == std::vector<double>{7});

  s = RunOne(reader, Stepped({Name("c64")}, 0, 0, 10 * kSec, RangeFunction::kIncrease));
  CHECK(Doubles(s) == std::vector<double>{10});
}

TEST_CASE("query functions: sums of large integers are exact until the one conversion",
          "[catena][query]") {
  VectorSeriesReader reader;
  const int64_t two53 = int64_t{1} << 53;
  reader.Add(Key("g"), Ints({{0, two53 + 1}, {1, 2}}));
  // Exactly 2^53 + 3, which rounds to 2^53 + 4; summing doubles would give 2^53 + 2.
  QueryResultSeries s = RunOne(reader, Stepped({Name("g")}, 0, 0, 10, RangeFunction::kSumOverTime));
  CHECK(Doubles(s) == std::vector<double>{static_cast<double>(two53 + 4)});
  // Overflowing int64 falls back to doubles instead of wrapping.
  reader.Add(Key("big"), Ints({{0, std::numeric_limits<int64_t>::max()}, {1, 10}}));
  s = RunOne(reader, Stepped({Name("big")}, 0, 0, 10, RangeFunction::kSumOverTime));
  CHECK(s.values[0].AsDouble() == Approx(9.223372036854775807e18));
  s = RunOne(reader, Stepped({Name("big")}, 0, 0, 10, RangeFunction::kDelta));
  CHECK(s.values[0].AsDouble() == Approx(10.0 - 9.223372036854775807e18));
}

TEST_CASE("query functions: float counters reset too", "[catena][query]") {
  VectorSeriesReader reader;
  reader.Add(Key("f"), Floats({{0, 10.5}, {1 * kSec, 12.0}, {2 * kSec, 2.0}, {3 * kSec, 3.5}}));
  const QueryResultSeries s =
      RunOne(reader, Stepped({Name("f")}, 0, 0, 10 * kSec, RangeFunction::kIncrease));
  CHECK(Doubles(s) == std::vector<double>{1.5 + 2.0 + 1.5});
}

// ---------------------------------------------------------------------------------------------
// Aggregation

VectorSeriesReader FleetReader() {
  VectorSeriesReader reader;
  reader.Add(Key("m", {{"instance", "a"}, {"if", "1"}}), Ints({{0, 1}, {10 * kSec, 2}}));
  reader.Add(Key("m", {{"instance", "b"}, {"if", "1"}}), Ints({{0, 100}}));
  reader.Add(Key("m", {{"instance", "a"}, {"if", "2"}}), Ints({{0, 10}, {10 * kSec, 20}}));
  reader.Add(Key("n", {{"if", "2"}, {"instance", "a"}}), Ints({{10 * kSec, 1000}}));
  return reader;
}

std::vector<QueryResultSeries> Agg(const SeriesReader& reader, std::vector<Matcher> m,
                                   Aggregation a, std::vector<std::string> by, bool without,
                                   RangeFunction f = RangeFunction::kNone) {
  QueryRequest q = Stepped(std::move(m), 0, 10 * kSec, 10 * kSec, f, a);
  q.group_by = std::move(by);
  q.without = without;
  return Run(reader, q);
}

TEST_CASE("query aggregation: sum/avg/min/max/count by a label", "[catena][query]") {
  const VectorSeriesReader reader = FleetReader();
  const std::vector<int64_t> both = {10 * kSec, 20 * kSec};
  std::vector<QueryResultSeries> r =
      Agg(reader, {Name("m")}, Aggregation::kSum, {"instance"}, false);
  REQUIRE(r.size() == 2);
  CHECK(r[0].key == Key("", {{"instance", "a"}}));  // groups in order of their first series
  CHECK(r[0].timestamps == both);
  CHECK(Doubles(r[0]) == std::vector<double>{11, 22});
  CHECK(AllFloat(r[0]));
  CHECK(r[1].key == Key("", {{"instance", "b"}}));
  CHECK(r[1].timestamps == std::vector<int64_t>{10 * kSec});
  CHECK(Doubles(r[1]) == std::vector<double>{100});

  r = Agg(reader, {Name("m")}, Aggregation::kAvg, {"instance"}, false);
  CHECK(Doubles(r[0]) == std::vector<double>{5.5, 11});
  r = Agg(reader, {Name("m")}, Aggregation::kMin, {"instance"}, false);
  CHECK(Doubles(r[0]) == std::vector<double>{1, 2});
  r = Agg(reader, {Name("m")}, Aggregation::kMax, {"instance"}, false);
  CHECK(Doubles(r[0]) == std::vector<double>{10, 20});
  r = Agg(reader, {Name("m")}, Aggregation::kCount, {"instance"}, false);
  CHECK(Doubles(r[0]) == std::vector<double>{2, 2});
  CHECK(Doubles(r[1]) == std::vector<double>{1});
}

TEST_CASE("query aggregation: without drops the listed labels and the metric name",
          "[catena][query]") {
  const VectorSeriesReader reader = FleetReader();
  // All four series; without (if) → groups {instance=a} (m and n alike) and {instance=b}.
  std::vector<QueryResultSeries> r =
      Agg(reader, {{"__name__", MatchOp::kRegexMatch, "m|n"}}, Aggregation::kSum, {"if"}, true);
  REQUIRE(r.size() == 2);
  CHECK(r[0].key == Key("", {{"instance", "a"}}));
  CHECK(Doubles(r[0]) == std::vector<double>{11, 1022});
  CHECK(r[1].key == Key("", {{"instance", "b"}}));
  // without () keeps every label but the name; label order does not split groups.
  r = Agg(reader, {{"__name__", MatchOp::kRegexMatch, "m|n"}}, Aggregation::kCount, {}, true);
  REQUIRE(r.size() == 3);
  CHECK(r[0].key == Key("", {{"instance", "a"}, {"if", "1"}}));
  CHECK(r[2].key == Key("", {{"instance", "a"}, {"if", "2"}}));
  CHECK(Doubles(r[2]) == std::vector<double>{1, 2});
}

TEST_CASE("query aggregation: by () is one group; by keeps the list's order; by __name__",
          "[catena][query]") {
  const VectorSeriesReader reader = FleetReader();
  std::vector<QueryResultSeries> r = Agg(reader, {Name("m")}, Aggregation::kSum, {}, false);
  REQUIRE(r.size() == 1);
  CHECK(r[0].key == Key(""));
  CHECK(Doubles(r[0]) == std::vector<double>{111, 22});

  r = Agg(reader, {Name("m")}, Aggregation::kMax, {"if", "instance", "missing"}, false);
  REQUIRE(r.size() == 3);
  CHECK(r[0].key == Key("", {{"if", "1"}, {"instance", "a"}}));

  r = Agg(reader, {{"if", MatchOp::kEqual, "2"}}, Aggregation::kSum, {"__name__"}, false);
  REQUIRE(r.size() == 2);
  CHECK(r[0].key == Key("m"));
  CHECK(r[1].key == Key("n"));
  CHECK(r[1].timestamps == std::vector<int64_t>{20 * kSec});
}

TEST_CASE("query aggregation: of a range function (sum by of rates)", "[catena][query]") {
  VectorSeriesReader reader;
  reader.Add(Key("c", {{"i", "a"}, {"if", "1"}}),
             Ints({{0, 0}, {10 * kSec, 100}, {20 * kSec, 300}}));
  reader.Add(Key("c", {{"i", "a"}, {"if", "2"}}), Ints({{0, 0}, {10 * kSec, 10}, {20 * kSec, 20}}));
  reader.Add(Key("c", {{"i", "b"}, {"if", "1"}}), Ints({{5 * kSec, 7}}));
  QueryRequest q = Stepped({Name("c")}, 10 * kSec, 20 * kSec, 10 * kSec, RangeFunction::kRate,
                           Aggregation::kSum);
  q.group_by = {"i"};
  const std::vector<QueryResultSeries> r = Run(reader, q);
  REQUIRE(r.size() == 1);  // {i="b"} has no rate point at all
  CHECK(r[0].key == Key("", {{"i", "a"}}));
  CHECK(r[0].timestamps == std::vector<int64_t>{20 * kSec, 30 * kSec});
  CHECK(Doubles(r[0]) == std::vector<double>{10 + 1, 20 + 1});
}

TEST_CASE("query aggregation: exact integer sums, NaN ignored by min and max", "[catena][query]") {
  VectorSeriesReader reader;
  const int64_t two53 = int64_t{1} << 53;
  reader.Add(Key("g", {{"i", "1"}}), Ints({{0, two53 + 1}}));
  reader.Add(Key("g", {{"i", "2"}}), Ints({{0, 2}}));
  reader.Add(Key("h", {{"i", "1"}}), Floats({{0, std::numeric_limits<double>::quiet_NaN()}}));
  reader.Add(Key("h", {{"i", "2"}}), Floats({{0, 4.0}}));
  std::vector<QueryResultSeries> r =
      Run(reader, Stepped({Name("g")}, 0, 0, 10, RangeFunction::kNone, Aggregation::kSum));
  CHECK(Doubles(r.at(0)) == std::vector<double>{static_cast<double>(two53 + 4)});
  r = Run(reader, Stepped({Name("h")}, 0, 0, 10, RangeFunction::kNone, Aggregation::kMin));
  CHECK(Doubles(r.at(0)) == std::vector<double>{4.0});
  r = Run(reader, Stepped({Name("h")}, 0, 0, 10, RangeFunction::kNone, Aggregation::kMax));
  CHECK(Doubles(r.at(0)) == std::vector<double>{4.0});
  r = Run(reader, Stepped({Name("h")}, 0, 0, 10, RangeFunction::kNone, Aggregation::kSum));
  CHECK(std::isnan(r.at(0).values.at(0).AsDouble()));
}

// ---------------------------------------------------------------------------------------------
// Limits and errors

TEST_CASE("query limits: max_series and max_points are ResourceExhausted with the numbers",
          "[catena][query]") {
  VectorSeriesReader reader;
  for (int i = 0; i < 3; ++i) {
    reader.Add(Key("m", {{"i", std::to_string(i)}}), Ints({{0, 1}, {1, 2}, {2, 3}, {3, 4}}));
  }
  QueryRequest q;
  q.matchers = {Name("m")};
  q.start_ms = 0;
  q.end_ms = 10;
  q.max_series = 2;
  absl::Status s = ExecuteQuery(reader, q).status();
  CHECK(s.code() == absl::StatusCode::kResourceExhausted);
  CHECK_THAT(std::string(s.message()), Catch::Contains("3 series") && Catch::Contains("(2)"));
  q.max_series = 3;
  CHECK(ExecuteQuery(reader, q).ok());

  // Raw: 12 samples.
  q.max_points = 11;
  s = ExecuteQuery(reader, q).status();
  CHECK(s.code() == absl::StatusCode::kResourceExhausted);
  CHECK_THAT(std::string(s.message()), Catch::Contains("(11)"));
  q.max_points = 12;
  CHECK(ExecuteQuery(reader, q).ok());

  // Stepped: 4 buckets per series, 12 points; too many buckets is refused before reading.
  q.step_ms = 1;
  q.end_ms = 3;
  q.max_points = 11;
  CHECK(ExecuteQuery(reader, q).status().code() == absl::StatusCode::kResourceExhausted);
  q.max_points = 12;
  CHECK(ExecuteQuery(reader, q).ok());
  q.max_points = 3;
  s = ExecuteQuery(reader, q).status();
  CHECK(s.code() == absl::StatusCode::kResourceExhausted);
  CHECK_THAT(std::string(s.message()), Catch::Contains("4 steps"));
  // Aggregated: one group of 4 points.
  q.max_points = 4;
  q.aggregation = Aggregation::kSum;
  CHECK(ExecuteQuery(reader, q).ok());
  q.group_by = {"i"};
  q.without = false;
  CHECK(ExecuteQuery(reader, q).status().code() == absl::StatusCode::kResourceExhausted);
}

TEST_CASE("query errors: a cursor's DataLoss is the query's error, naming the series",
          "[catena][query]") {
  VectorSeriesReader reader;
  std::vector<Sample> s;
  for (int64_t i = 0; i < 3000; ++i) s.push_back({i, Value::Int(i)});
  reader.Add(Key("m", {{"i", "good"}}), s);
  reader.Add(Key("m", {{"i", "bad"}}), s);
  reader.InjectDataLoss(1, 2500);
  for (size_t batch : {size_t{7}, size_t{5000}}) {
    reader.set_max_batch(batch);
    for (int64_t step : {int64_t{0}, int64_t{100}}) {
      QueryRequest q = Stepped({Name("m")}, 0, 5000, step, RangeFunction::kNone);
      const absl::Status st = ExecuteQuery(reader, q).status();
      CHECK(st.code() == absl::StatusCode::kDataLoss);
      CHECK_THAT(std::string(st.message()),
                 Catch::Contains("injected") && Catch::Contains("i=\"bad\""));
    }
    QueryRequest q = Stepped({Name("m")}, 0, 5000, 100, RangeFunction::kRate, Aggregation::kSum);
    CHECK(ExecuteQuery(reader, q).status().code() == absl::StatusCode::kDataLoss);
  }
  // Damage past the range read is never met.
  reader.InjectDataLoss(1, 2500);
  CHECK(ExecuteQuery(reader, Stepped({Name("m")}, 0, 100, 0, RangeFunction::kNone)).ok());
}

// ---------------------------------------------------------------------------------------------
// ForEachSample

TEST_CASE("query ForEachSample: streams every series in batches, stops on the callback's error",
          "[catena][query]") {
  VectorSeriesReader reader;
  std::vector<Sample> s;
  for (int64_t i = 0; i < 2500; ++i)
    s.push_back({i * 10, Value::Float(0.5 * static_cast<double>(i))});
  reader.Add(Key("m", {{"i", "1"}}), s);
  reader.Add(Key("m", {{"i", "2"}}), Ints({{5, 1}, {15, 2}}));
  reader.Add(Key("x"), Ints({{5, 1}}));

  std::vector<std::string> keys;
  size_t samples = 0;
  size_t largest = 0;
  int64_t last = -1;
  const absl::Status st = ForEachSample(
      reader, {{Name("m")}}, 10, 24990,
      [&](const SeriesKey& key, absl::Span<const int64_t> ts, absl::Span<const Value> v) {
        REQUIRE(ts.size() == v.size());
        REQUIRE_FALSE(ts.empty());
        if (keys.empty() || keys.back() != key.ToString()) {
          keys.push_back(key.ToString());
          last = -1;
        }
        for (int64_t t : ts) {
          CHECK(t > last);
          last = t;
        }
        samples += ts.size();
        largest = std::max(largest, ts.size());
        return absl::OkStatus();
      });
  REQUIRE(st.ok());
  CHECK(keys == std::vector<std::string>{"m{i=\"1\"}", "m{i=\"2\"}"});
  CHECK(samples == 2499 + 1);
  CHECK(largest <= 1024);

  int calls = 0;
  const absl::Status stop =
      ForEachSample(reader, {}, 0, 100000,
                    [&](const SeriesKey&, absl::Span<const int64_t>, absl::Span<const Value>) {
                      ++calls;
                      return absl::CancelledError("enough");
                    });
  CHECK(stop.code() == absl::StatusCode::kCancelled);
  CHECK(calls == 1);

  reader.InjectDataLoss(1, 1);
  const absl::Status damaged =
      ForEachSample(reader, {{Name("m")}}, 0, 100000,
                    [](const SeriesKey&, absl::Span<const int64_t>, absl::Span<const Value>) {
                      return absl::OkStatus();
                    });
  CHECK(damaged.code() == absl::StatusCode::kDataLoss);
  CHECK(ForEachSample(reader, {}, 10, 5,
                      [](const SeriesKey&, absl::Span<const int64_t>, absl::Span<const Value>) {
                        return absl::OkStatus();
                      })
            .code() == absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Agreement with a naive reference: per bucket, straight from the vector of samples.

std::optional<Value> Reference(const std::vector<Sample>& all, int64_t start, int64_t step,
                               int64_t k, RangeFunction f) {
  const int64_t lo = start + k * step;
  const int64_t hi = lo + step;
  std::vector<Sample> in;
  std::optional<Sample> anchor;
  for (const Sample& s : all) {
    if (s.timestamp_ms >= lo - step && s.timestamp_ms < lo) anchor = s;
    if (s.timestamp_ms >= lo && s.timestamp_ms < hi) in.push_back(s);
  }
  if (in.empty()) return std::nullopt;
  auto d = [](const Sample& s) { return s.value.AsDouble(); };
  double sum = 0, mn = d(in[0]), mx = d(in[0]);
  for (const Sample& s : in) {
    sum += d(s);
    mn = std::min(mn, d(s));
    mx = std::max(mx, d(s));
  }
  std::vector<Sample> window = in;
  if (anchor) window.insert(window.begin(), *anchor);
  double inc = 0;
  for (size_t i = 1; i < window.size(); ++i) {
    inc += d(window[i]) >= d(window[i - 1]) ? d(window[i]) - d(window[i - 1]) : d(window[i]);
  }
  switch (f) {
    case RangeFunction::kNone:
    case RangeFunction::kLastOverTime:
      return in.back().value;
    case RangeFunction::kSumOverTime:
      return Value::Float(sum);
    case RangeFunction::kAvgOverTime:
      return Value::Float(sum / static_cast<double>(in.size()));
    case RangeFunction::kMinOverTime:
      return Value::Float(mn);
    case RangeFunction::kMaxOverTime:
      return Value::Float(mx);
    case RangeFunction::kCountOverTime:
      return Value::Float(static_cast<double>(in.size()));
    case RangeFunction::kIncrease:
      return Value::Float(inc);
    case RangeFunction::kDelta:
      return Value::Float(d(window.back()) - d(window.front()));
    case RangeFunction::kRate:
      if (window.size() < 2) return std::nullopt;
      return Value::Float(
          inc /
          (static_cast<double>(window.back().timestamp_ms - window.front().timestamp_ms) / 1000.0));
  }
  return std::nullopt;
}

TEST_CASE("query functions: agree with a naive reference for every batch size", "[catena][query]") {
  std::mt19937_64 rng(42);
  VectorSeriesReader reader;
  std::vector<Sample> samples;
  int64_t t = 0;
  double counter = 0;
  for (int i = 0; i < 3000; ++i) {
    t += 1 + static_cast<int64_t>(rng() % 4000);
    counter = (rng() % 50 == 0) ? static_cast<double>(rng() % 10)
                                : counter + static_cast<double>(rng() % 1000);
    samples.push_back({t, Value::Float(counter)});
  }
  reader.Add(Key("r"), samples);
  const std::vector<RangeFunction> fns = {
      RangeFunction::kNone,        RangeFunction::kRate,        RangeFunction::kIncrease,
      RangeFunction::kDelta,       RangeFunction::kAvgOverTime, RangeFunction::kMinOverTime,
      RangeFunction::kMaxOverTime, RangeFunction::kSumOverTime, RangeFunction::kCountOverTime,
      RangeFunction::kLastOverTime};
  for (size_t batch : {size_t{1}, size_t{3}, size_t{1024}}) {
    reader.set_max_batch(batch);
    for (int64_t step : {int64_t{1000}, int64_t{7000}, int64_t{60000}}) {
      const int64_t start = samples[100].timestamp_ms + 13;
      const int64_t end = samples[2900].timestamp_ms;
      for (RangeFunction f : fns) {
        INFO("batch " << batch << " step " << step << " function " << static_cast<int>(f));
        std::vector<QueryResultSeries> r = Run(reader, Stepped({Name("r")}, start, end, step, f));
        REQUIRE(r.size() == 1);
        size_t j = 0;
        for (int64_t k = 0; start + k * step <= end; ++k) {
          const std::optional<Value> want = Reference(samples, start, step, k, f);
          if (!want) continue;
          REQUIRE(j < r[0].timestamps.size());
          CHECK(r[0].timestamps[j] == start + (k + 1) * step);
          CHECK(r[0].values[j].AsDouble() == Approx(want->AsDouble()).epsilon(1e-12));
          ++j;
        }
        CHECK(j == r[0].timestamps.size());
      }
    }
  }
}

// Not a unit test: `catena_query_test "[.perf]"` prints the cost of a one-hour, one-series query.
TEST_CASE("query perf: one series, one hour", "[.perf][catena][query]") {
  VectorSeriesReader reader;
  std::vector<Sample> s;
  for (int64_t i = 0; i < 360; ++i) s.push_back({i * 10 * kSec, Value::Int(i * 12345)});
  reader.Add(Key("ifHCInOctets", {{"instance", "sw1"}}), s);
  for (RangeFunction f : {RangeFunction::kNone, RangeFunction::kRate}) {
    QueryRequest q = Stepped({Name("ifHCInOctets")}, 0, 3600 * kSec - 1, 60 * kSec, f);
    const int n = 20000;
    const auto t0 = std::chrono::steady_clock::now();
    size_t points = 0;
    for (int i = 0; i < n; ++i) points += ExecuteQuery(reader, q)->at(0).values.size();
    const auto t1 = std::chrono::steady_clock::now();
    const double us = std::chrono::duration<double, std::micro>(t1 - t0).count() / n;
    WARN("function " << static_cast<int>(f) << ": " << us << " us per query, " << points / n
                     << " points");
  }
}

}  // namespace
}  // namespace cistern::catena
