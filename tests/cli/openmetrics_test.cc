// OpenMetrics text (openmetrics.h): the reader and the printer.
//
// 1. Hand cases: every rule of the header, parsing (values, timestamps, labels and escapes,
//    comments, "# EOF", exemplars, the same-series fast path) and printing (Python's repr()
//    layout rules one by one, timestamps, escapes), and malformed lines with the line and column
//    they are reported at.
// 2. Hostile input: every prefix of a text (no crash, ASan-exact buffers), every read size from 1
//    byte on (lines cut across reads), over-long lines.
// 3. Agreement with Python: 4000 doubles drawn by python3 with a fixed seed, printed by repr()
//    there and by AppendFloatRepr here; and a million random bit patterns printed and parsed back
//    bit for bit.
// 4. netmetrics-gen's prom.om (60 series, 2 hours, jitter 5 ms and 0 ms, generated into the test's
//    temporary directory): parse then print gives the file back byte for byte, "# EOF" aside.
// Parts 3 and 4 skip with a warning when ../shared or python3 is absent.
#include "openmetrics.h"

#include <unistd.h>

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>
#include "test_temp_dir.h"

namespace {

namespace fs = std::filesystem;
using cistern::catena::Label;
using cistern::catena::SeriesKey;
using cistern::catena::Value;
using cistern::catena::ValueType;
using cistern::cli::AppendFloatRepr;
using cistern::cli::AppendTimestampSeconds;
using cistern::cli::AppendValueText;
using cistern::cli::FormatSampleLine;
using cistern::cli::OpenMetricsReader;
using cistern::cli::OpenMetricsSample;
using cistern::cli::SampleLinePrinter;

const fs::path kGenerator = fs::path(CISTERN_SHARED_DIR) / "tools" / "netmetrics-gen";

// A sample as plain values, for comparisons.
struct Got {
  SeriesKey key;
  int64_t ts = 0;
  Value value;
  bool same = false;
  bool has_ts = false;
  friend bool operator==(const Got&, const Got&) = default;
};

struct ReadResult {
  std::vector<Got> samples;
  absl::Status status;
  bool eof_marker = false;
};

ReadResult ReadAll(OpenMetricsReader& reader) {
  ReadResult out;
  OpenMetricsSample s;
  while (reader.Next(&s)) {
    out.samples.push_back(Got{*s.key, s.timestamp_ms, s.value, s.same_series, s.has_timestamp});
  }
  CHECK_FALSE(reader.Next(&s));  // errors and the end stick
  out.status = reader.status();
  out.eof_marker = reader.saw_eof_marker();
  return out;
}

ReadResult ReadText(std::string_view text,
                    const OpenMetricsReader::Options& options = OpenMetricsReader::Options()) {
  std::unique_ptr<OpenMetricsReader> reader = OpenMetricsReader::FromText(text, options);
  return ReadAll(*reader);
}

// The one sample of a one-line text; fails the test when it does not parse.
Got One(std::string_view line) {
  ReadResult r = ReadText(line);
  INFO(line << " -> " << r.status);
  REQUIRE(r.status.ok());
  REQUIRE(r.samples.size() == 1);
  return r.samples[0];
}

// The error of a text expected to be malformed.
std::string ErrorOf(std::string_view text) {
  ReadResult r = ReadText(text);
  INFO(text);
  REQUIRE_FALSE(r.status.ok());
  CHECK(r.status.code() == absl::StatusCode::kInvalidArgument);
  return std::string(r.status.message());
}

std::string Repr(double v) {
  std::string s;
  AppendFloatRepr(v, &s);
  return s;
}

std::string Ts(int64_t ms) {
  std::string s;
  AppendTimestampSeconds(ms, &s);
  return s;
}

uint64_t Bits(double d) { return std::bit_cast<uint64_t>(d); }

bool HavePython() { return std::system("python3 -c 'import sys' >/dev/null 2>&1") == 0; }

using cistern::testing::TempDir;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Why parts 3 and 4 cannot run here, or "".
std::string SkipReason(bool need_generator) {
  if (!HavePython()) return "python3 is not installed";
  if (need_generator && !fs::exists(kGenerator)) {
    return kGenerator.string() + " is absent (../shared beside the checkout)";
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// 1. Hand cases: printing

TEST_CASE("float repr: Python's layout rules", "[openmetrics][print]") {
  // Fixed notation for decimal exponents -4..15, with at least one digit after the point.
  CHECK(Repr(0.0) == "0.0");
  CHECK(Repr(-0.0) == "-0.0");
  CHECK(Repr(1.0) == "1.0");
  CHECK(Repr(12.5) == "12.5");
  CHECK(Repr(100.0) == "100.0");
  CHECK(Repr(123.456) == "123.456");
  CHECK(Repr(0.1) == "0.1");
  CHECK(Repr(1.0 / 3.0) == "0.3333333333333333");
  CHECK(Repr(0.0001) == "0.0001");
  CHECK(Repr(0.00012345) == "0.00012345");
  CHECK(Repr(-0.0001) == "-0.0001");
  CHECK(Repr(1e15) == "1000000000000000.0");
  CHECK(Repr(1234567890123456.8) == "1234567890123456.8");
  CHECK(Repr(9999999999999998.0) == "9999999999999998.0");
  // Exponent notation outside: mantissa without ".0", signed exponent of at least 2 digits.
  CHECK(Repr(1e16) == "1e+16");
  CHECK(Repr(1.5e16) == "1.5e+16");
  CHECK(Repr(-1e16) == "-1e+16");
  CHECK(Repr(1e-5) == "1e-05");
  CHECK(Repr(9.5e-5) == "9.5e-05");
  CHECK(Repr(-2.5e-7) == "-2.5e-07");
  CHECK(Repr(123456789012345680.0) == "1.2345678901234568e+17");
  CHECK(Repr(1e100) == "1e+100");
  CHECK(Repr(1e-100) == "1e-100");
  CHECK(Repr(5e-324) == "5e-324");
  CHECK(Repr(std::numeric_limits<double>::denorm_min()) == "5e-324");
  CHECK(Repr(std::numeric_limits<double>::min()) == "2.2250738585072014e-308");
  CHECK(Repr(std::numeric_limits<double>::max()) == "1.7976931348623157e+308");
  CHECK(Repr(-std::numeric_limits<double>::max()) == "-1.7976931348623157e+308");
  // The OpenMetrics spellings, not Python's nan/inf.
  CHECK(Repr(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(Repr(-std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(Repr(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(Repr(-std::numeric_limits<double>::infinity()) == "-Inf");
}

TEST_CASE("values and timestamps print as prom.om has them", "[openmetrics][print]") {
  const auto text = [](Value v) {
    std::string s;
    AppendValueText(v, &s);
    return s;
  };
  CHECK(text(Value::Int(0)) == "0");
  CHECK(text(Value::Int(-5)) == "-5");
  CHECK(text(Value::Int(102923628241023)) == "102923628241023");
  CHECK(text(Value::Int(std::numeric_limits<int64_t>::max())) == "9223372036854775807");
  CHECK(text(Value::Int(std::numeric_limits<int64_t>::min())) == "-9223372036854775808");
  CHECK(text(Value::Float(5.0)) == "5.0");  // a Float stays a float in the text
  CHECK(text(Value::Float(0.25)) == "0.25");

  CHECK(Ts(0) == "0.000");
  CHECK(Ts(1) == "0.001");
  CHECK(Ts(999) == "0.999");
  CHECK(Ts(1000) == "1.000");
  CHECK(Ts(1736121607441) == "1736121607.441");
  CHECK(Ts(1736121600000) == "1736121600.000");
  CHECK(Ts(-1) == "-0.001");
  CHECK(Ts(-999) == "-0.999");
  CHECK(Ts(-1000) == "-1.000");
  CHECK(Ts(-1001) == "-1.001");
  CHECK(Ts(std::numeric_limits<int64_t>::max()) == "9223372036854775.807");
  CHECK(Ts(std::numeric_limits<int64_t>::min()) == "-9223372036854775.808");
}

TEST_CASE("sample lines: labels in order, escapes, no labels", "[openmetrics][print]") {
  const SeriesKey key{"ifHCInOctets", {{"job", "snmp"}, {"instance", "core-site25-0000"}}};
  std::string out;
  FormatSampleLine(key, 1736121607441, Value::Int(102923628241023), &out);
  CHECK(out ==
        "ifHCInOctets{job=\"snmp\",instance=\"core-site25-0000\"} 102923628241023 "
        "1736121607.441\n");

  out.clear();
  FormatSampleLine(SeriesKey{"up", {}}, -1, Value::Float(1e-5), &out);
  CHECK(out == "up 1e-05 -0.001\n");

  out.clear();
  const SeriesKey odd{"x", {{"l", "a\\b\"c\nd"}, {"e", ""}}};
  FormatSampleLine(odd, 0, Value::Float(std::numeric_limits<double>::infinity()), &out);
  CHECK(out == "x{l=\"a\\\\b\\\"c\\nd\",e=\"\"} +Inf 0.000\n");
  CHECK(out.substr(0, out.find(' ')) == odd.ToString());  // libcatena's own spelling

  // The prefix cache prints the same lines, one at a time and in batches.
  const std::vector<cistern::catena::Sample> samples = {
      {1, Value::Int(7)}, {2000, Value::Float(0.5)}, {-3, Value::Float(-0.0)}};
  std::string want;
  for (const auto& s : samples) FormatSampleLine(odd, s.timestamp_ms, s.value, &want);
  SampleLinePrinter printer(key);
  printer.SetSeries(odd);  // reuse for another series
  CHECK(printer.prefix() == odd.ToString() + " ");
  std::string one, batch, columns = "kept:";
  for (const auto& s : samples) printer.Append(s.timestamp_ms, s.value, &one);
  printer.Append(samples, &batch);
  std::vector<int64_t> ts;
  std::vector<Value> vs;
  for (const auto& s : samples) {
    ts.push_back(s.timestamp_ms);
    vs.push_back(s.value);
  }
  printer.Append(ts, vs, &columns);
  CHECK(one == want);
  CHECK(batch == want);
  CHECK(columns == "kept:" + want);
}

// ---------------------------------------------------------------------------------------------
// 1. Hand cases: parsing

TEST_CASE("a sample line: series, value, timestamp", "[openmetrics][parse]") {
  const Got g = One(
      "ifHCInOctets{job=\"snmp\",instance=\"core-site25-0000\",ifIndex=\"460\"} 102923628241023 "
      "1736121607.441\n");
  CHECK(g.key ==
        SeriesKey{"ifHCInOctets",
                  {{"job", "snmp"}, {"instance", "core-site25-0000"}, {"ifIndex", "460"}}});
  CHECK(g.value == Value::Int(102923628241023));
  CHECK(g.ts == 1736121607441);
  CHECK(g.has_ts);
  CHECK_FALSE(g.same);

  // Labels keep the file's order.
  const Got rev = One("m{b=\"2\",a=\"1\"} 1 1");
  CHECK(rev.key.labels == std::vector<Label>{{"b", "2"}, {"a", "1"}});

  // No labels, empty braces, blanks inside braces, trailing comma, tabs between tokens.
  CHECK(One("up 1").key == SeriesKey{"up", {}});
  CHECK(One("up{} 1").key == SeriesKey{"up", {}});
  CHECK(One("a:b_c{ x = \"1\" , y=\"2\", } 1").key == SeriesKey{"a:b_c", {{"x", "1"}, {"y", "2"}}});
  CHECK(One("up\t 3 \t 4.5  ").ts == 4500);
  // Escapes.
  CHECK(One(R"(m{v="a\\b\"c\nd"} 1)").key.labels[0].value == "a\\b\"c\nd");
  CHECK(One(R"(m{v="{},= #"} 1)").key.labels[0].value == "{},= #");
}

TEST_CASE("no timestamp: the caller's default", "[openmetrics][parse]") {
  OpenMetricsReader::Options options;
  options.default_timestamp_ms = 1234;
  ReadResult r = ReadText("a 1\nb 2 5\nc 3 # {trace_id=\"x\"} 1.0 7.0\n", options);
  REQUIRE(r.status.ok());
  REQUIRE(r.samples.size() == 3);
  CHECK(r.samples[0].ts == 1234);
  CHECK_FALSE(r.samples[0].has_ts);
  CHECK(r.samples[1].ts == 5000);
  CHECK(r.samples[1].has_ts);
  CHECK(r.samples[2].ts == 1234);  // an exemplar, not a timestamp
  CHECK(r.samples[2].value == Value::Int(3));
  CHECK(One("d 4 9.5 # {a=\"b\"} 1 2").ts == 9500);
}

TEST_CASE("value typing: plain integers that fit int64, floats otherwise", "[openmetrics][parse]") {
  const auto v = [](std::string_view token) { return One("m " + std::string(token)).value; };
  CHECK(v("0") == Value::Int(0));
  CHECK(v("5") == Value::Int(5));
  CHECK(v("-5") == Value::Int(-5));
  CHECK(v("+5") == Value::Int(5));
  CHECK(v("007") == Value::Int(7));
  CHECK(v("-0") == Value::Int(0));
  CHECK(v("9223372036854775807") == Value::Int(std::numeric_limits<int64_t>::max()));
  CHECK(v("-9223372036854775808") == Value::Int(std::numeric_limits<int64_t>::min()));
  CHECK(v("00000000000000000000000000042") == Value::Int(42));
  // Beyond int64: a float, correctly rounded.
  CHECK(v("9223372036854775808") == Value::Float(9223372036854775808.0));
  CHECK(v("-9223372036854775809") == Value::Float(-9223372036854775808.0));
  CHECK(v("18446744073709551615") == Value::Float(18446744073709551616.0));
  CHECK(v("123456789012345678901234567890") == Value::Float(1.2345678901234568e+29));
  // Anything else is a float.
  CHECK(v("5.0") == Value::Float(5.0));
  CHECK(v("1e3") == Value::Float(1000.0));
  CHECK(v("1E3") == Value::Float(1000.0));
  CHECK(v("-0.0") == Value::Float(-0.0));
  CHECK(v(".5") == Value::Float(0.5));
  CHECK(v("5.") == Value::Float(5.0));
  CHECK(v("+1.5") == Value::Float(1.5));
  CHECK(v("0.1") == Value::Float(0.1));
  CHECK(v("1.7976931348623157e+308") == Value::Float(std::numeric_limits<double>::max()));
  CHECK(v("5e-324") == Value::Float(5e-324));
  CHECK(v("2.4703282292062328e-324") == Value::Float(5e-324));  // rounds up to the subnormal
  CHECK(v("1e-400") == Value::Float(0.0));                      // below every double
  CHECK(v("-1e-400") == Value::Float(-0.0));
  CHECK(v("0.000000000000000000000000000000000000000000000000001e-300") == Value::Float(0.0));
  for (const char* inf : {"Inf", "+Inf", "inf", "INF", "+inf", "Infinity", "+infinity"}) {
    CHECK(v(inf) == Value::Float(std::numeric_limits<double>::infinity()));
  }
  for (const char* inf : {"-Inf", "-inf", "-INF", "-Infinity"}) {
    CHECK(v(inf) == Value::Float(-std::numeric_limits<double>::infinity()));
  }
  for (const char* nan : {"NaN", "nan", "NAN", "Nan"}) {
    const Value x = v(nan);
    CHECK(x.type == ValueType::kFloat);
    CHECK(std::isnan(x.AsDouble()));
  }
  for (const char* bad : {"abc", "0x10", "1_000", "--5", "+-5", "1e", "1e+", ".", "-", "+", "1.2.3",
                          "nan(1)", "infx", "5,0", "1e400", "-1e400", "0x1p3", "\xd9\xa1"}) {
    INFO(bad);
    CHECK_FALSE(cistern::cli::ParseValueText(bad).ok());
  }
  CHECK(cistern::cli::ParseValueText("12").value() == Value::Int(12));
  CHECK(std::string(cistern::cli::ParseValueText("1e400").status().message())
            .find("out of the range of a double") != std::string::npos);
}

TEST_CASE("timestamps: exact milliseconds from the digits", "[openmetrics][parse]") {
  const auto ts = [](std::string_view token) { return One("m 1 " + std::string(token)).ts; };
  CHECK(ts("1736121607.441") == 1736121607441);
  CHECK(ts("1736121607") == 1736121607000);
  CHECK(ts("1736121607.4") == 1736121607400);
  CHECK(ts("1736121607.44") == 1736121607440);
  CHECK(ts("1736121607.") == 1736121607000);
  CHECK(ts(".5") == 500);
  CHECK(ts("0") == 0);
  CHECK(ts("-0.001") == -1);
  CHECK(ts("-1.5") == -1500);
  CHECK(ts("+2") == 2000);
  CHECK(ts("1.2500000") == 1250);  // more decimals, all zeros: still exact
  CHECK(ts("0.1") == 100);  // 0.1 s is 100 ms exactly (a double would hold 0.1000000000000000055)
  CHECK(ts("9223372036854775.807") == std::numeric_limits<int64_t>::max());
  CHECK(ts("-9223372036854775.808") == std::numeric_limits<int64_t>::min());
  CHECK(ErrorOf("m 1 1.0001").find("more than 3 decimals") != std::string::npos);
  CHECK(ErrorOf("m 1 1736121607.4415").find("finer than a millisecond") != std::string::npos);
  for (const char* bad :
       {"1e9", "NaN", "Inf", ".", "-", "1.2.3", "0x10", "1,5", "9223372036854775.808",
        "-9223372036854775.809", "99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(ReadText("m 1 " + std::string(bad)).status.ok());
  }

  OpenMetricsReader::Options ms;
  ms.timestamp_unit = OpenMetricsReader::TimestampUnit::kMilliseconds;
  ReadResult r = ReadText("m 1 1736121607441\nm 2 -5\n", ms);
  REQUIRE(r.status.ok());
  CHECK(r.samples[0].ts == 1736121607441);
  CHECK(r.samples[1].ts == -5);
  CHECK_FALSE(ReadText("m 1 1736121607.441", ms).status.ok());
}

TEST_CASE("comments, blank lines, CRLF, # EOF", "[openmetrics][parse]") {
  ReadResult r = ReadText(
      "# HELP m Some help.\n# TYPE m counter\n# UNIT m bytes\n#\n\n   \nm 1 1\r\n# another "
      "comment\n"
      "m 2 2\n# EOF\n");
  REQUIRE(r.status.ok());
  CHECK(r.eof_marker);
  REQUIRE(r.samples.size() == 2);
  CHECK(r.samples[1].value == Value::Int(2));

  // Input ends at "# EOF"; blank lines may follow, nothing else.
  r = ReadText("m 1\n# EOF\n\n");
  CHECK(r.status.ok());
  CHECK(r.samples.size() == 1);
  r = ReadText("m 1\n# EOF\nm 2\n");
  CHECK(r.status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(r.status.message()).find(":3:1: text after \"# EOF\"") != std::string::npos);

  // Without "# EOF" (Prometheus text) and without a final newline.
  r = ReadText("m 1\nm 2 3.5");
  REQUIRE(r.status.ok());
  CHECK_FALSE(r.eof_marker);
  REQUIRE(r.samples.size() == 2);
  CHECK(r.samples[1].ts == 3500);
  CHECK(ReadText("").samples.empty());
  CHECK(ReadText("").status.ok());
}

TEST_CASE("same-series fast path", "[openmetrics][parse]") {
  const std::string text =
      "a{x=\"1\"} 1 1\n"
      "a{x=\"1\"} 2 2\n"
      "a{x=\"1\"}\t3 3\n"  // a tab after the series: still the same text
      "a{x=\"2\"} 4 4\n"   // another series
      "a{x=\"2\"} 5 5\n"
      "a{x=\"2\",y=\"3\"} 6 6\n"  // longer text with the same beginning
      "a{ x=\"2\"} 7 7\n"         // the same series, written differently: parsed again
      "foo 8 8\n"
      "foobar 9 9\n"  // starts with the previous text, but is another name
      "foo 10 10\n"
      "foo{a=\"b\"} 11 11\n";
  std::unique_ptr<OpenMetricsReader> reader = OpenMetricsReader::FromText(text);
  OpenMetricsSample s;
  std::vector<bool> same;
  std::vector<std::string> keys;
  std::vector<std::string> texts;
  const SeriesKey* first_key = nullptr;
  while (reader->Next(&s)) {
    same.push_back(s.same_series);
    keys.push_back(s.key->ToString());
    texts.push_back(std::string(s.series_text));
    if (first_key == nullptr) first_key = s.key;
    CHECK(s.key == first_key);  // always the reader's one key object
    CHECK(s.line == reader->lines());
  }
  REQUIRE(reader->status().ok());
  CHECK(reader->samples() == 11);
  CHECK(same == std::vector<bool>{false, true, true, false, true, false, false, false, false, false,
                                  false});
  CHECK(keys == std::vector<std::string>{"a{x=\"1\"}", "a{x=\"1\"}", "a{x=\"1\"}", "a{x=\"2\"}",
                                         "a{x=\"2\"}", "a{x=\"2\",y=\"3\"}", "a{x=\"2\"}", "foo",
                                         "foobar", "foo", "foo{a=\"b\"}"});
  CHECK(texts[6] == "a{ x=\"2\"}");
}

TEST_CASE("malformed lines: InvalidArgument with line and column", "[openmetrics][parse]") {
  struct Case {
    const char* line;
    int column;
    const char* what;
  };
  const Case cases[] = {
      {"{a=\"b\"} 1", 1, "expected a metric name"},
      {"1abc 1", 1, "expected a metric name"},
      {"a{b=\"c\" 1", 9, "expected ',' or '}'"},
      {"a{b=c} 1", 5, "expected '\"'"},
      {"a{b} 1", 4, "expected '='"},
      {"a{b=\"\\t\"} 1", 6, "unknown escape '\\t'"},
      {"a{b=\"1\",b=\"2\"} 1", 9, "label b given twice"},
      {"a{1b=\"x\"} 1", 3, "expected a label name"},
      {"a{b-c=\"x\"} 1", 4, "expected '='"},
      {"a{b=\"c", 5, "label value not terminated"},
      {"a{b=\"c\\", 7, "ends in '\\'"},
      {"a{b=\"c\"", 8, "series not terminated: expected '}'"},
      {"a{b=\"c\",", 9, "expected '}'"},
      {"a", 2, "missing value"},
      {"a ", 3, "missing value"},
      {"a{b=\"c\"}x 1", 9, "expected a blank"},
      {"a-b 1", 2, "expected a blank"},
      {"a abc", 3, "not a number"},
      {"a 1 2.0001", 5, "more than 3 decimals"},
      {"a 1 2 3", 7, "unexpected text after the timestamp"},
      {"a 1e400 1", 3, "out of the range of a double"},
      {"  a 1", 3, "line starts with blanks"},
  };
  for (const Case& c : cases) {
    // On line 3, after two good lines of which the second sets up the fast path.
    const std::string text = "a 1\na{b=\"c\"} 1\n" + std::string(c.line) + "\n";
    const std::string msg = ErrorOf(text);
    INFO(c.line << " -> " << msg);
    CHECK(msg.find("openmetrics: <text>:3:" + std::to_string(c.column) + ": ") == 0);
    CHECK(msg.find(c.what) != std::string::npos);
  }
  // An error on the fast path, and the good samples before an error are returned.
  ReadResult r = ReadText("a{x=\"1\"} 1 1.000\na{x=\"1\"} zz\n");
  CHECK(r.samples.size() == 1);
  CHECK(std::string(r.status.message()).find("<text>:2:10: not a number: \"zz\"") !=
        std::string::npos);
}

TEST_CASE("ParseSeriesText", "[openmetrics][parse]") {
  CHECK(cistern::cli::ParseSeriesText("m{a=\"1\",b=\"x\\\"y\"}").value() ==
        SeriesKey{"m", {{"a", "1"}, {"b", "x\"y"}}});
  CHECK(cistern::cli::ParseSeriesText("m").value() == SeriesKey{"m", {}});
  for (const char* bad : {"", "m{", "m{a=\"1\"} ", "m x", "m{a=\"1\"}{", "{a=\"1\"}"}) {
    INFO(bad);
    CHECK(cistern::cli::ParseSeriesText(bad).status().code() == absl::StatusCode::kInvalidArgument);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Hostile input

const char kMixed[] =
    "# TYPE ifHCInOctets counter\n"
    "ifHCInOctets{job=\"snmp\",instance=\"core-site25-0000\",ifName=\"et-0/0/24\"} 102923628241023 "
    "1736121607.441\n"
    "ifHCInOctets{job=\"snmp\",instance=\"core-site25-0000\",ifName=\"et-0/0/24\"} 102929907433496 "
    "1736121617.442\n"
    "traffic_rate_mbps{job=\"sflow\",proto=\"tcp\"} 1234.567 1736121600.000\n"
    "traffic_rate_mbps{job=\"sflow\",proto=\"tcp\"} 1e-05 1736121610.000\n"
    "esc{v=\"a\\\\b\\\"c\\nd\"} NaN\n"
    "up 1\n"
    "\n"
    "up -Inf -0.5\r\n"
    "# EOF\n";

TEST_CASE("every prefix of a text: a clean end or an error, never a crash",
          "[openmetrics][hostile]") {
  const std::string full = kMixed;
  const ReadResult whole = ReadText(full);
  REQUIRE(whole.status.ok());
  REQUIRE(whole.samples.size() == 7);
  for (size_t len = 0; len <= full.size(); ++len) {
    // An allocation of exactly `len` bytes, so that ASan sees a read past its end.
    std::unique_ptr<char[]> exact(new char[len == 0 ? 1 : len]);
    std::memcpy(exact.get(), full.data(), len);
    ReadResult r = ReadText(std::string_view(exact.get(), len));
    INFO("prefix of " << len << " bytes: " << r.status);
    REQUIRE(r.samples.size() <= whole.samples.size());
    // Only the last line can be cut: every sample before the last is the whole text's, and all
    // of them are when the prefix ends at the end of a line.
    const bool at_line_end = len == 0 || exact[len - 1] == '\n';
    for (size_t i = 0; i < r.samples.size(); ++i) {
      if (i + 1 < r.samples.size() || at_line_end) CHECK(r.samples[i] == whole.samples[i]);
    }
    if (at_line_end) CHECK(r.status.ok());
  }
}

TEST_CASE("random mutations: no crash, and what parses prints and parses back the same",
          "[openmetrics][hostile]") {
  const std::string full = kMixed;
  const std::string alphabet = "{}=\",\\\n #.-+eE0123456789aNIn\t\rx";
  std::mt19937_64 rng(7);
  size_t parsed_ok = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text = full;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = rng() % text.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          text[at] = c;
          break;
        case 1:
          text.insert(at, 1, c);
          break;
        default:
          text.erase(at, 1);
          break;
      }
    }
    std::unique_ptr<char[]> exact(new char[text.size()]);
    std::memcpy(exact.get(), text.data(), text.size());
    const ReadResult r = ReadText(std::string_view(exact.get(), text.size()));
    parsed_ok += r.status.ok();
    std::string printed;
    for (const Got& g : r.samples) FormatSampleLine(g.key, g.ts, g.value, &printed);
    const ReadResult again = ReadText(printed);
    INFO(text << "\nprinted:\n" << printed);
    REQUIRE(again.status.ok());
    REQUIRE(again.samples.size() == r.samples.size());
    for (size_t i = 0; i < r.samples.size(); ++i) {
      const Got& a = r.samples[i];
      const Got& b = again.samples[i];
      CHECK(a.key == b.key);
      if (a.has_ts) CHECK(a.ts == b.ts);
      const bool both_nan = a.value.type == ValueType::kFloat &&
                            b.value.type == ValueType::kFloat && std::isnan(a.value.AsDouble()) &&
                            std::isnan(b.value.AsDouble());
      if (!both_nan) CHECK(a.value == b.value);
    }
  }
  CHECK(parsed_ok > 1000);  // the mutations do not all break the text
}

TEST_CASE("reads of every size: lines cut across reads", "[openmetrics][hostile]") {
  TempDir dir("openmetrics_test-reads");
  const fs::path path = dir / "mixed.om";
  std::string text = kMixed;
  text.insert(text.find("up 1\n"), "long{v=\"" + std::string(10000, 'x') + "\"} 1 2\n");
  std::ofstream(path, std::ios::binary) << text;
  const ReadResult want = ReadText(text);
  REQUIRE(want.status.ok());
  REQUIRE(want.samples.size() == 8);
  for (size_t block : {1, 2, 3, 5, 7, 16, 64, 100, 127, 4096, 65536, 4 << 20}) {
    OpenMetricsReader::Options options;
    options.block_size = block;
    auto reader = OpenMetricsReader::Open(path.string(), options);
    REQUIRE(reader.ok());
    const ReadResult got = ReadAll(**reader);
    INFO("block " << block << ": " << got.status);
    CHECK(got.status.ok());
    CHECK(got.eof_marker);
    CHECK(got.samples == want.samples);
  }
  // A line longer than allowed.
  OpenMetricsReader::Options small;
  small.block_size = 1000;
  small.max_line_bytes = 5000;
  auto reader = OpenMetricsReader::Open(path.string(), small);
  REQUIRE(reader.ok());
  const ReadResult got = ReadAll(**reader);
  CHECK(got.status.code() == absl::StatusCode::kResourceExhausted);
  CHECK(got.samples.size() == 5);

  CHECK(OpenMetricsReader::Open((dir / "absent.om").string()).status().code() ==
        absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------------------------
// 3. Agreement with Python

// Doubles of many shapes, each as its bits in hex and Python's repr().
constexpr char kReprScript[] = R"PY(
import random, struct
r = random.Random(20250106)
def from_bits(b): return struct.unpack('<d', struct.pack('<Q', b))[0]
for i in range(4000):
    k = i % 10
    if k == 0: x = from_bits(r.getrandbits(64))
    elif k == 1: x = r.random()
    elif k == 2: x = r.uniform(-1e6, 1e6)
    elif k == 3: x = round(r.uniform(0, 1e5), r.randrange(0, 4))
    elif k == 4: x = r.random() * 10.0 ** r.randrange(-30, 30)
    elif k == 5: x = float(r.randrange(-10**18, 10**18))
    elif k == 6: x = r.choice([1.0, -1.0]) * 10.0 ** r.randrange(-8, 20)
    elif k == 7: x = from_bits(r.getrandbits(52) | (r.choice([0, 2047]) << 52))
    elif k == 8: x = r.choice([1.0, -1.0]) * (10.0 ** r.randrange(-5, 17)) * (1 - 2.0 ** -r.randrange(1, 54))
    else: x = from_bits(r.getrandbits(63))
    print('%016x %r' % (struct.unpack('<Q', struct.pack('<d', x))[0], x))
)PY";

TEST_CASE("float repr agrees with python3's repr() on 4000 doubles", "[openmetrics][python]") {
  if (const std::string why = SkipReason(false); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  TempDir dir("openmetrics_test-repr");
  std::ofstream(dir / "repr.py") << kReprScript;
  const std::string cmd = "python3 '" + (dir / "repr.py").string() + "' > '" +
                          (dir / "repr.txt").string() + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::istringstream in(ReadFile(dir / "repr.txt"));
  size_t n = 0;
  size_t mismatches = 0;
  for (std::string hex, repr; in >> hex >> repr; ++n) {
    const double d = std::bit_cast<double>(std::stoull(hex, nullptr, 16));
    if (repr == "nan") repr = "NaN";
    if (repr == "inf") repr = "+Inf";
    if (repr == "-inf") repr = "-Inf";
    const std::string ours = Repr(d);
    if (ours != repr && ++mismatches <= 10)
      FAIL_CHECK(hex << ": python " << repr << ", ours " << ours);
    // And back: the text parses to the same bits.
    const absl::StatusOr<Value> back = cistern::cli::ParseValueText(ours);
    REQUIRE(back.ok());
    CHECK(back->type == ValueType::kFloat);
    if (!std::isnan(d)) CHECK(back->bits == Bits(d));
  }
  CHECK(n == 4000);
  CHECK(mismatches == 0);
}

TEST_CASE("a million random doubles print and parse back bit for bit", "[openmetrics][print]") {
  std::mt19937_64 rng(42);
  std::string text;
  size_t bad = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    uint64_t bits = rng();
    if (i % 3 == 1) {  // exponents near 1.0, where fixed notation is used
      bits = (bits & ~(uint64_t{0x7ff} << 52)) | ((uint64_t{1000} + rng() % 100) << 52);
    }
    const double d = std::bit_cast<double>(bits);
    text.clear();
    AppendFloatRepr(d, &text);
    const absl::StatusOr<Value> back = cistern::cli::ParseValueText(text);
    if (!back.ok() || back->type != ValueType::kFloat ||
        (std::isnan(d) ? !std::isnan(back->AsDouble()) : back->bits != bits)) {
      if (++bad <= 5) FAIL_CHECK("bits " << bits << " printed as " << text);
    }
  }
  CHECK(bad == 0);
}

// ---------------------------------------------------------------------------------------------
// 4. netmetrics-gen's prom.om

TEST_CASE("netmetrics-gen prom.om: parse then print is the file", "[openmetrics][netmetrics]") {
  if (const std::string why = SkipReason(true); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  TempDir dir("openmetrics_test-gen");
  for (const char* jitter : {"5", "0"}) {
    const fs::path out = dir / (std::string("j") + jitter);
    const std::string cmd = "python3 '" + kGenerator.string() + "' --out '" + out.string() +
                            "' --series 60 --hours 2 --formats bin,om --jitter-ms " + jitter +
                            " > /dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const std::string file = ReadFile(out / "prom.om");
    REQUIRE(file.size() > 6);
    REQUIRE(file.substr(file.size() - 6) == "# EOF\n");
    for (size_t block : {size_t{4} << 20, size_t{4093}}) {
      OpenMetricsReader::Options options;
      options.block_size = block;
      auto reader = OpenMetricsReader::Open((out / "prom.om").string(), options);
      REQUIRE(reader.ok());
      std::string printed;
      printed.reserve(file.size());
      SampleLinePrinter printer;
      OpenMetricsSample s;
      size_t series = 0;
      size_t ints = 0;
      size_t floats = 0;
      while ((*reader)->Next(&s)) {
        if (!s.same_series) {
          printer.SetSeries(*s.key);
          ++series;
        }
        printer.Append(s.timestamp_ms, s.value, &printed);
        ++(s.value.type == ValueType::kInt ? ints : floats);
      }
      INFO("jitter " << jitter << " ms, block " << block << ": " << (*reader)->status());
      REQUIRE((*reader)->status().ok());
      CHECK((*reader)->saw_eof_marker());
      CHECK(series == 60);
      CHECK(ints > 0);
      CHECK(floats > 0);
      CHECK((*reader)->samples() == ints + floats);
      CHECK(printed.size() == file.size() - 6);
      CHECK(printed == std::string_view(file).substr(0, file.size() - 6));
    }
  }
}

}  // namespace
