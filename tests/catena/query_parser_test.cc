// ParseQuery and ParseDurationMs: every accepted form to its exact QueryRequest fields, every kind
// of mistake to InvalidArgument at the right byte.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "cistern/catena/query.h"
#include "cistern/catena/query_parser.h"
#include "vector_series_reader.h"

namespace cistern::catena {
namespace {

QueryRequest Parse(std::string_view text) {
  absl::StatusOr<QueryRequest> r = ParseQuery(text);
  INFO(text << " -> " << r.status().ToString());
  REQUIRE(r.ok());
  return *std::move(r);
}

struct M {
  std::string name;
  MatchOp op;
  std::string value;
};

void CheckMatchers(const QueryRequest& q, const std::vector<M>& want) {
  REQUIRE(q.matchers.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("matcher " << i);
    CHECK(q.matchers[i].name == want[i].name);
    CHECK(q.matchers[i].op == want[i].op);
    CHECK(q.matchers[i].value == want[i].value);
  }
}

// The caller's fields stay at their defaults.
void CheckDefaults(const QueryRequest& q) {
  const QueryRequest d;
  CHECK(q.start_ms == d.start_ms);
  CHECK(q.end_ms == d.end_ms);
  CHECK(q.step_ms == d.step_ms);
  CHECK(q.max_series == d.max_series);
  CHECK(q.max_points == d.max_points);
}

void CheckBad(std::string_view text, size_t pos, std::string_view says) {
  absl::StatusOr<QueryRequest> r = ParseQuery(text);
  INFO("query: " << text);
  REQUIRE_FALSE(r.ok());
  const std::string message(r.status().message());
  INFO("message: " << message);
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(message, Catch::Contains("at byte " + std::to_string(pos) + ":"));
  CHECK_THAT(message, Catch::Contains(std::string(says)));
}

const M kName = {"__name__", MatchOp::kEqual, "m"};

TEST_CASE("query parser: a bare metric name", "[catena][query_parser]") {
  const QueryRequest q = Parse("ifHCInOctets");
  CheckMatchers(q, {{"__name__", MatchOp::kEqual, "ifHCInOctets"}});
  CHECK(q.function == RangeFunction::kNone);
  CHECK(q.aggregation == Aggregation::kNone);
  CHECK(q.group_by.empty());
  CHECK_FALSE(q.without);
  CheckDefaults(q);
  CheckMatchers(Parse("job:rate5m:sum"), {{"__name__", MatchOp::kEqual, "job:rate5m:sum"}});
  CheckMatchers(Parse("  m \n"), {kName});
}

TEST_CASE("query parser: every matcher operator, in order, after the metric",
          "[catena][query_parser]") {
  const QueryRequest q =
      Parse(R"(ifHCInOctets{instance="sw1", ifName!="lo", ifAlias=~"uplink.*", ifType!~"6|24"})");
  CheckMatchers(q, {{"__name__", MatchOp::kEqual, "ifHCInOctets"},
                    {"instance", MatchOp::kEqual, "sw1"},
                    {"ifName", MatchOp::kNotEqual, "lo"},
                    {"ifAlias", MatchOp::kRegexMatch, "uplink.*"},
                    {"ifType", MatchOp::kRegexNoMatch, "6|24"}});
  CheckMatchers(Parse(R"(m{ a = "x" , b !~ "y" , })"),
                {kName, {"a", MatchOp::kEqual, "x"}, {"b", MatchOp::kRegexNoMatch, "y"}});
  CheckMatchers(Parse("m{}"), {kName});
}

TEST_CASE("query parser: a selector by __name__ alone", "[catena][query_parser]") {
  CheckMatchers(Parse(R"({__name__=~"if.*"})"), {{"__name__", MatchOp::kRegexMatch, "if.*"}});
  CheckMatchers(Parse(R"({__name__=~"if.*",})"), {{"__name__", MatchOp::kRegexMatch, "if.*"}});
  CheckMatchers(Parse(R"({job="snmp", ifName=""})"),
                {{"job", MatchOp::kEqual, "snmp"}, {"ifName", MatchOp::kEqual, ""}});
}

TEST_CASE("query parser: strings, escapes and quotes", "[catena][query_parser]") {
  CheckMatchers(Parse(R"(m{a="q\"uo\\te\n", b='it\'s', c=`\d+"`, d="\t\r", e="é"})"),
                {kName,
                 {"a", MatchOp::kEqual, "q\"uo\\te\n"},
                 {"b", MatchOp::kEqual, "it's"},
                 {"c", MatchOp::kEqual, "\\d+\""},
                 {"d", MatchOp::kEqual, "\t\r"},
                 {"e", MatchOp::kEqual, "\xc3\xa9"}});
  CheckMatchers(Parse(R"(m{a=~"xe-\\d+"})"), {kName, {"a", MatchOp::kRegexMatch, "xe-\\d+"}});
}

TEST_CASE("query parser: every range function, with or without a range", "[catena][query_parser]") {
  const std::vector<std::pair<std::string, RangeFunction>> fns = {
      {"rate", RangeFunction::kRate},
      {"increase", RangeFunction::kIncrease},
      {"delta", RangeFunction::kDelta},
      {"avg_over_time", RangeFunction::kAvgOverTime},
      {"min_over_time", RangeFunction::kMinOverTime},
      {"max_over_time", RangeFunction::kMaxOverTime},
      {"sum_over_time", RangeFunction::kSumOverTime},
      {"count_over_time", RangeFunction::kCountOverTime},
      {"last_over_time", RangeFunction::kLastOverTime}};
  for (const auto& [name, f] : fns) {
    for (const std::string& text : {name + "(m[5m])", name + "(m)", name + " ( m [ 1h30m ] )",
                                    name + "(m{a=\"b\"}[250ms])"}) {
      INFO(text);
      const QueryRequest q = Parse(text);
      CHECK(q.function == f);
      CHECK(q.aggregation == Aggregation::kNone);
      CHECK(q.matchers.at(0).value == "m");
      CheckDefaults(q);
    }
    CHECK(RangeFunctionName(f) == name);
  }
  // A range on a bare selector is accepted (and ignored) too.
  CheckMatchers(Parse("m[1w]"), {kName});
}

TEST_CASE("query parser: aggregations with leading, trailing or no grouping",
          "[catena][query_parser]") {
  QueryRequest q = Parse("sum(m)");
  CHECK(q.aggregation == Aggregation::kSum);
  CHECK(q.function == RangeFunction::kNone);
  CHECK(q.group_by.empty());
  CHECK_FALSE(q.without);

  q = Parse("sum by (a, b) (rate(m[1m]))");
  CHECK(q.aggregation == Aggregation::kSum);
  CHECK(q.function == RangeFunction::kRate);
  CHECK(q.group_by == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(q.without);
  CheckMatchers(q, {kName});
  CheckDefaults(q);

  q = Parse("avg without (if) (m)");
  CHECK(q.aggregation == Aggregation::kAvg);
  CHECK(q.group_by == std::vector<std::string>{"if"});
  CHECK(q.without);

  q = Parse("max(rate(m[5m])) by (instance)");
  CHECK(q.aggregation == Aggregation::kMax);
  CHECK(q.function == RangeFunction::kRate);
  CHECK(q.group_by == std::vector<std::string>{"instance"});
  CHECK_FALSE(q.without);

  q = Parse("count(m) without (a,)");
  CHECK(q.aggregation == Aggregation::kCount);
  CHECK(q.group_by == std::vector<std::string>{"a"});
  CHECK(q.without);

  q = Parse("min by () (m)");
  CHECK(q.aggregation == Aggregation::kMin);
  CHECK(q.group_by.empty());
  CHECK_FALSE(q.without);

  q = Parse("sum by (__name__) (m)");
  CHECK(q.group_by == std::vector<std::string>{"__name__"});

  q = Parse("sum by(instance)(\n  rate(ifHCInOctets{ifName=~\"xe-.*\"}[5m])\n)\n");
  CHECK(q.function == RangeFunction::kRate);
  CHECK(q.group_by == std::vector<std::string>{"instance"});
  CheckMatchers(q, {{"__name__", MatchOp::kEqual, "ifHCInOctets"},
                    {"ifName", MatchOp::kRegexMatch, "xe-.*"}});

  for (Aggregation a : {Aggregation::kSum, Aggregation::kAvg, Aggregation::kMin, Aggregation::kMax,
                        Aggregation::kCount}) {
    CHECK(Parse(std::string(AggregationName(a)) + "(m)").aggregation == a);
  }
}

TEST_CASE("query parser: parentheses, and aggregation names as metric names",
          "[catena][query_parser]") {
  QueryRequest q = Parse("(sum((rate(m[1m]))))");
  CHECK(q.aggregation == Aggregation::kSum);
  CHECK(q.function == RangeFunction::kRate);
  CheckMatchers(q, {kName});
  q = Parse(std::string(30, '(') + "m" + std::string(30, ')'));
  CheckMatchers(q, {kName});

  CheckMatchers(Parse("sum"), {{"__name__", MatchOp::kEqual, "sum"}});
  CheckMatchers(Parse(R"(count{job="x"})"),
                {{"__name__", MatchOp::kEqual, "count"}, {"job", MatchOp::kEqual, "x"}});
  CheckMatchers(Parse("by"), {{"__name__", MatchOp::kEqual, "by"}});
  q = Parse("sum(sum)");
  CHECK(q.aggregation == Aggregation::kSum);
  CheckMatchers(q, {{"__name__", MatchOp::kEqual, "sum"}});
}

TEST_CASE("query parser: mistakes are InvalidArgument at the byte where they are",
          "[catena][query_parser]") {
  CheckBad("", 0, "expected a selector, a function or an aggregation, found the end of the query");
  CheckBad("   ", 3, "expected a selector");
  CheckBad("rate(m[5m]", 10, "expected \")\" closing rate(");
  CheckBad("sum(m", 5, "expected \")\" closing sum(");
  CheckBad(R"(m{a="x" b="y"})", 8, "expected \",\" or \"}\" after a matcher, found \"b\"");
  CheckBad(R"(m{a="x")", 7, "found the end of the query");
  CheckBad(R"(m{a=="x"})", 4, "expected a quoted string");
  CheckBad(R"(m{a~"x"})", 3, "expected a matcher operator");
  CheckBad(R"(m{a="x})", 4, "unterminated string");
  CheckBad("m{a=\"x\ny\"}", 6, "newline");
  CheckBad(R"(m{a="\d"})", 5, "unknown escape");
  CheckBad(R"(m{a=~"("})", 5, "does not compile");
  CheckBad(R"(m{a!~"[z-a]"})", 5, "does not compile");
  CheckBad(R"(m{a="x",,})", 8, "expected a label name");
  CheckBad(R"(m{1a="x"})", 2, "expected a label name");
  CheckBad(R"(m{a:b="x"})", 2, "expected a label name");
  CheckBad(R"(m{__name__="x"})", 2, "metric name is given twice");
  CheckBad("{}", 0, "at least one matcher that does not match the empty string");
  CheckBad(R"({a="", b=~".*", c!~".+"})", 0, "at least one matcher");
  CheckBad("foo(m)", 0, "unknown function \"foo\"");
  CheckBad("sum(sum(m))", 4, "nested aggregations");
  CheckBad("sum by (a) (avg(m))", 12, "nested aggregations");
  CheckBad("rate(rate(m))", 5, "function inside a function");
  CheckBad("rate(sum(m))", 5, "aggregation inside a function");
  CheckBad("sum by (a) (m) by (b)", 15, "grouping is given twice");
  CheckBad("sum by a (m)", 7, "expected \"(\" after by");
  CheckBad("sum by (a-b) (m)", 9, "expected \",\" or \")\" in the label list");
  CheckBad("sum by (a (m)", 10, "expected \",\" or \")\"");
  CheckBad("sum without (1) (m)", 13, "expected a label name");
  CheckBad("sum by (a)", 10, "expected \"(\" after sum");
  CheckBad("count_over_time()", 16, "expected a selector");
  CheckBad("m[5x]", 3, "unknown unit \"x\"");
  CheckBad("m[5]", 3, "expected a unit");
  CheckBad("m[]", 2, "expected a duration");
  CheckBad("m[0s]", 2, "longer than 0");
  CheckBad("m[5m:1m]", 4, "expected \"]\" closing the range");
  CheckBad("m + 1", 2, "expected the end of the query, found \"+\"");
  CheckBad("m offset 5m", 2, "found \"offset\"");
  CheckBad("rate(m[5m]) by (a)", 12, "expected the end of the query");
  CheckBad("m{a=\"x\"} m", 9, "expected the end of the query");
  CheckBad("\xc3\xa9", 0, "found byte 0xc3");
  CheckBad("42", 0, "found \"4\"");
  CheckBad("(m", 2, "expected \")\"");
  CheckBad(std::string(100, '(') + "m" + std::string(100, ')'), 32, "too deep");
}

TEST_CASE("query parser: a parsed query runs on the engine", "[catena][query_parser]") {
  VectorSeriesReader reader;
  reader.Add({"ifHCInOctets", {{"instance", "sw1"}, {"ifName", "xe-0"}}},
             {{0, Value::Int(0)}, {60'000, Value::Int(6000)}, {120'000, Value::Int(18000)}});
  reader.Add({"ifHCInOctets", {{"instance", "sw1"}, {"ifName", "lo"}}},
             {{0, Value::Int(0)}, {60'000, Value::Int(1)}, {120'000, Value::Int(2)}});
  reader.Add({"ifHCInOctets", {{"instance", "sw2"}, {"ifName", "xe-0"}}},
             {{0, Value::Int(0)}, {60'000, Value::Int(60)}, {120'000, Value::Int(120)}});
  QueryRequest q = Parse(R"(sum by (instance) (rate(ifHCInOctets{ifName=~"xe-.*"}[1m])))");
  q.start_ms = 60'000;
  q.end_ms = 120'000;
  q.step_ms = 60'000;
  absl::StatusOr<std::vector<QueryResultSeries>> r = ExecuteQuery(reader, q);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].key == SeriesKey{"", {{"instance", "sw1"}}});
  CHECK((*r)[0].timestamps == std::vector<int64_t>{120'000, 180'000});
  CHECK((*r)[0].values == std::vector<Value>{Value::Float(100), Value::Float(200)});
  CHECK((*r)[1].key == SeriesKey{"", {{"instance", "sw2"}}});
  CHECK((*r)[1].values == std::vector<Value>{Value::Float(1), Value::Float(1)});
}

TEST_CASE("query durations: every unit and combinations", "[catena][query_parser]") {
  const std::vector<std::pair<std::string, int64_t>> good = {
      {"250ms", 250},
      {"10s", 10'000},
      {"5m", 300'000},
      {"1h30m", 5'400'000},
      {"2d", 172'800'000},
      {"1w", 604'800'000},
      {"1y", 31'536'000'000},
      {"1y2w3d4h5m6s7ms", 31'536'000'000 + 2 * 604'800'000 + 3 * 86'400'000LL + 4 * 3'600'000 +
                              5 * 60'000 + 6'000 + 7},
      {"0", 0},
      {"0s", 0},
      {"90s", 90'000},
      {"106751991167d", 106751991167LL * 86'400'000},
  };
  for (const auto& [text, ms] : good) {
    INFO(text);
    absl::StatusOr<int64_t> d = ParseDurationMs(text);
    REQUIRE(d.ok());
    CHECK(*d == ms);
  }
}

TEST_CASE("query durations: mistakes with their byte", "[catena][query_parser]") {
  const std::vector<std::pair<std::string, size_t>> bad = {
      {"", 0},
      {"5", 1},
      {"m", 0},
      {"5x", 1},
      {"30m1h", 4},
      {"1h1h", 3},
      {"-5m", 0},
      {"1.5h", 1},
      {"5M", 1},
      {"1ms1s", 4},
      {"5m ", 2},
      {"106751991168d", 0},
      {"99999999999999999999s", 0},
  };
  for (const auto& [text, pos] : bad) {
    INFO(text);
    absl::StatusOr<int64_t> d = ParseDurationMs(text);
    REQUIRE_FALSE(d.ok());
    CHECK(d.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(d.status().message()),
               Catch::Contains("at byte " + std::to_string(pos) + ":"));
  }
}

}  // namespace
}  // namespace cistern::catena
