// NetmetricsReader (netmetrics_reader.h): netmetrics-gen's series.csv and points.bin.
//
// 1. series.csv: RFC 4180 quoting, columns found by name, CRLF, and malformed catalogues with
//    the line and column they are reported at.
// 2. Hand-made data sets: chunking (empty series, chunk boundaries), kinds and exact integer
//    conversion, and lying or truncated files: rows that do not tile points.bin, a points.bin too
//    short or too long, one that shrinks after Open, values that are not integers.
// 3. netmetrics-gen's own sets (60 series, 2 hours, jitter 5 ms and 0 ms, generated into the
//    test's temporary directory): the (series, timestamp, value) sequence read from points.bin is
//    exactly the one parsed from the set's prom.om. Skips with a warning when ../shared or python3
//    is absent.
#include "netmetrics_reader.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "openmetrics.h"
#include "test_temp_dir.h"

namespace {

namespace fs = std::filesystem;
using cistern::catena::SeriesKey;
using cistern::catena::Value;
using cistern::catena::ValueType;
using cistern::cli::NetmetricsChunk;
using cistern::cli::NetmetricsReader;
using cistern::cli::NetmetricsSeries;
using cistern::cli::ParseNetmetricsSeriesCsv;

const fs::path kGenerator = fs::path(CISTERN_SHARED_DIR) / "tools" / "netmetrics-gen";

using cistern::testing::TempDir;

std::string ErrorOf(std::string_view csv) {
  absl::StatusOr<std::vector<NetmetricsSeries>> s = ParseNetmetricsSeriesCsv(csv, "s.csv");
  INFO(csv);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(s.status().message());
}

// A data set written by the test: series.csv rows and their points.
struct Point {
  int64_t ts;
  double value;
};
struct HandSeries {
  std::string kind;
  std::string metric;
  std::string labels;  // `k="v",...`
  std::vector<Point> points;
};

void WriteSet(const fs::path& dir, const std::vector<HandSeries>& series) {
  std::ofstream csv(dir / "series.csv", std::ios::binary);
  std::ofstream bin(dir / "points.bin", std::ios::binary);
  csv << "id,kind,metric,labels,n_points,first_point\n";
  uint64_t first = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    std::string quoted;
    for (char c : series[i].labels) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    csv << i << ',' << series[i].kind << ',' << series[i].metric << ",\"" << quoted << "\","
        << series[i].points.size() << ',' << first << '\n';
    first += series[i].points.size();
    for (const Point& p : series[i].points) {
      bin.write(reinterpret_cast<const char*>(&p.ts), 8);  // the test runs on little-endian hosts
      bin.write(reinterpret_cast<const char*>(&p.value), 8);
    }
  }
}

// Every point as (series index, timestamp, value), and the chunks' shapes.
struct Read {
  std::vector<size_t> series;
  std::vector<int64_t> ts;
  std::vector<Value> values;
  std::vector<size_t> chunk_sizes;
  absl::Status status;
};

// `resume_at`: the points of the current series returned before the call.
Read ReadAll(NetmetricsReader& reader, uint64_t resume_at = 0) {
  Read out;
  NetmetricsChunk c;
  uint64_t expect_first = resume_at;
  size_t last_series = SIZE_MAX;
  while (reader.Next(&c)) {
    if (c.series_index != last_series && last_series != SIZE_MAX) expect_first = 0;
    last_series = c.series_index;
    CHECK(c.series == &reader.series()[c.series_index]);
    CHECK(c.first == expect_first);
    CHECK(c.timestamps.size() == c.values.size());
    CHECK(c.int_values.size() == (c.series->type == ValueType::kInt ? c.values.size() : 0));
    expect_first += c.timestamps.size();
    CHECK(c.last == (expect_first == c.series->n_points));
    out.chunk_sizes.push_back(c.timestamps.size());
    for (size_t i = 0; i < c.timestamps.size(); ++i) {
      out.series.push_back(c.series_index);
      out.ts.push_back(c.timestamps[i]);
      out.values.push_back(c.value(i));
    }
  }
  CHECK_FALSE(reader.Next(&c));
  out.status = reader.status();
  return out;
}

// ---------------------------------------------------------------------------------------------
// 1. series.csv

TEST_CASE("series.csv: quoting, columns by name, kinds", "[netmetrics][csv]") {
  const std::string csv =
      "id,kind,metric,labels,n_points,first_point\n"
      "0,counter,ifHCInOctets,\"job=\"\"snmp\"\",ifName=\"\"et-0/0/24\"\"\",8638,0\n"
      "1,rate_gauge,traffic_rate_mbps,\"job=\"\"sflow\"\",proto=\"\"tcp\"\"\",10,8638\r\n"
      "\n"
      "2,int_gauge,cpu_usage_percent,\"a=\"\"x,y\"\",b=\"\"q\\\"\"z\"\"\",0,8648\n"
      "7,sparse_counter,ifInErrors,,3,8648\n"
      "8,some_new_kind,m,\"\",3,8651";  // no final newline
  absl::StatusOr<std::vector<NetmetricsSeries>> s = ParseNetmetricsSeriesCsv(csv);
  REQUIRE(s.ok());
  REQUIRE(s->size() == 5);
  CHECK((*s)[0].id == 0);
  CHECK((*s)[0].kind == "counter");
  CHECK((*s)[0].type == ValueType::kInt);
  CHECK((*s)[0].key == SeriesKey{"ifHCInOctets", {{"job", "snmp"}, {"ifName", "et-0/0/24"}}});
  CHECK((*s)[0].n_points == 8638);
  CHECK((*s)[1].type == ValueType::kFloat);
  CHECK((*s)[1].first_point == 8638);
  CHECK((*s)[1].key.labels[1].value == "tcp");
  CHECK((*s)[2].type == ValueType::kInt);
  CHECK((*s)[2].key.labels == std::vector<cistern::catena::Label>{{"a", "x,y"}, {"b", "q\"z"}});
  CHECK((*s)[3].id == 7);
  CHECK((*s)[3].type == ValueType::kInt);
  CHECK((*s)[3].key == SeriesKey{"ifInErrors", {}});
  CHECK((*s)[4].type == ValueType::kFloat);  // an unknown kind holds floats

  // Columns in another order, an extra column.
  s = ParseNetmetricsSeriesCsv(
      "first_point,n_points,labels,metric,kind,id,extra\n0,2,\"a=\"\"1\"\"\",m,counter,5,x\n");
  REQUIRE(s.ok());
  CHECK((*s)[0].id == 5);
  CHECK((*s)[0].n_points == 2);
  CHECK((*s)[0].key == SeriesKey{"m", {{"a", "1"}}});

  CHECK(cistern::cli::NetmetricsKindType("counter") == ValueType::kInt);
  CHECK(cistern::cli::NetmetricsKindType("sparse_counter") == ValueType::kInt);
  CHECK(cistern::cli::NetmetricsKindType("int_gauge") == ValueType::kInt);
  CHECK(cistern::cli::NetmetricsKindType("rate_gauge") == ValueType::kFloat);
  CHECK(cistern::cli::NetmetricsKindType("") == ValueType::kFloat);
}

TEST_CASE("series.csv: malformed catalogues", "[netmetrics][csv]") {
  const std::string head = "id,kind,metric,labels,n_points,first_point\n";
  CHECK(ErrorOf("").find("empty") != std::string::npos);
  CHECK(ErrorOf("id,kind,metric,labels,n_points\n").find("no column first_point") !=
        std::string::npos);
  const std::string unterminated = head + "0,counter,m,\"a=\"\"1\"\",1,0\n";
  CHECK(ErrorOf(unterminated).find("s.csv:2:13: quoted field not terminated") != std::string::npos);
  CHECK(ErrorOf(head + "0,counter,m,\"x\"y,1,0\n").find("s.csv:2:16: expected ','") !=
        std::string::npos);
  CHECK(ErrorOf(head + "0,counter,m,a=\"1\",1,0\n").find("s.csv:2:15: '\"' inside an unquoted") !=
        std::string::npos);
  CHECK(ErrorOf(head + "0,counter,m,,1\n").find("s.csv:2:1: row has 5 fields") !=
        std::string::npos);
  CHECK(ErrorOf(head + "0,counter,m,,1,0,\n").find("row has 7 fields") != std::string::npos);
  CHECK(ErrorOf(head + "0,counter,m,,-1,0\n").find("s.csv:2:14: n_points is not a count") !=
        std::string::npos);
  CHECK(ErrorOf(head + "x,counter,m,,1,0\n").find("id is not a count") != std::string::npos);
  CHECK(ErrorOf(head + "0,counter,m,,1,99999999999999999999\n").find("first_point") !=
        std::string::npos);
  CHECK(ErrorOf(head + "0,counter,9m,,1,0\n").find("s.csv:2:11: invalid metric name") !=
        std::string::npos);
  CHECK(ErrorOf(head + "0,counter,m{,,1,0\n").find("invalid metric name") != std::string::npos);
  CHECK(ErrorOf(head + "0,counter,m,\"a=1\",1,0\n").find("s.csv:2:13: labels \"a=1\"") !=
        std::string::npos);
  CHECK(ErrorOf(head + "0,counter,m,\"a=\"\"1\"\"} x{\",1,0\n").find("labels") !=
        std::string::npos);
  CHECK(ErrorOf(head + "0,counter,m,\"a=\"\"1\"\",a=\"\"2\"\"\",1,0\n").find("given twice") !=
        std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// 2. Hand-made data sets

TEST_CASE("points in chunks, series by series, with kinds and integer conversion",
          "[netmetrics][read]") {
  TempDir dir("netmetrics_reader_test-chunks");
  std::vector<HandSeries> set = {
      {"counter", "c", "job=\"snmp\"", {}},
      {"rate_gauge", "r", "", {{1, 0.5}}},
      {"int_gauge", "g", "a=\"1\",b=\"2\"", {}},
      {"rate_gauge", "empty", "", {}},
      {"sparse_counter", "s", "x=\"y\"", {{-5, -0.0}, {0, 9007199254740992.0}, {5, -42.0}}},
  };
  for (int i = 0; i < 7; ++i) set[0].points.push_back({1000 * i, 1e15 + i});
  for (int i = 0; i < 3; ++i) set[2].points.push_back({i, static_cast<double>(i)});
  WriteSet(dir.path(), set);

  std::vector<size_t> want_series;
  std::vector<int64_t> want_ts;
  std::vector<Value> want_values;
  for (size_t i = 0; i < set.size(); ++i) {
    for (const Point& p : set[i].points) {
      want_series.push_back(i);
      want_ts.push_back(p.ts);
      want_values.push_back(set[i].kind == "rate_gauge"
                                ? Value::Float(p.value)
                                : Value::Int(static_cast<int64_t>(p.value)));
    }
  }
  for (size_t chunk : {1, 2, 3, 7, 65536}) {
    NetmetricsReader::Options options;
    options.chunk_points = chunk;
    auto reader = NetmetricsReader::Open(dir.path(), options);
    REQUIRE(reader.ok());
    CHECK((*reader)->total_points() == 14);
    REQUIRE((*reader)->series().size() == 5);
    CHECK((*reader)->series()[2].key == SeriesKey{"g", {{"a", "1"}, {"b", "2"}}});
    const Read got = ReadAll(**reader);
    INFO("chunk " << chunk << ": " << got.status);
    REQUIRE(got.status.ok());
    CHECK(got.series == want_series);
    CHECK(got.ts == want_ts);
    CHECK(got.values == want_values);
    // Every series is seen, the empty ones as one empty chunk.
    size_t empty_chunks = 0;
    for (size_t n : got.chunk_sizes) {
      CHECK(n <= chunk);
      empty_chunks += n == 0;
    }
    CHECK(empty_chunks == 1);
  }
  // -0.0 in an integer series is 0.
  auto reader = NetmetricsReader::Open(dir.path());
  REQUIRE(reader.ok());
  CHECK(ReadAll(**reader).values[11] == Value::Int(0));
}

TEST_CASE("integer kinds: a value that is not an exact int64 is refused", "[netmetrics][read]") {
  TempDir dir("netmetrics_reader_test-ints");
  const double bad_values[] = {1.5,
                               -0.25,
                               9223372036854775808.0,
                               -9.3e18,
                               std::numeric_limits<double>::quiet_NaN(),
                               std::numeric_limits<double>::infinity()};
  for (double bad : bad_values) {
    WriteSet(dir.path(),
             {{"rate_gauge", "ok", "", {{1, bad}}},
              {"counter", "ifHCInOctets", "instance=\"sw1\"", {{1, 1.0}, {2, 2.0}, {3, bad}}}});
    auto reader = NetmetricsReader::Open(dir.path());
    REQUIRE(reader.ok());
    const Read got = ReadAll(**reader);
    INFO(bad << ": " << got.status);
    CHECK(got.status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(got.status.message())
              .find("series 1 (ifHCInOctets{instance=\"sw1\"}, kind counter) point 2: value ") !=
          std::string::npos);
    CHECK(got.values.size() == 1);  // the float series before it was read
  }
  // The extremes that are exact.
  WriteSet(dir.path(),
           {{"counter", "c", "", {{1, -9223372036854775808.0}, {2, 9223372036854774784.0}}}});
  auto reader = NetmetricsReader::Open(dir.path());
  REQUIRE(reader.ok());
  const Read got = ReadAll(**reader);
  REQUIRE(got.status.ok());
  CHECK(got.values[0] == Value::Int(std::numeric_limits<int64_t>::min()));
  CHECK(got.values[1] == Value::Int(9223372036854774784));
}

TEST_CASE("lying catalogues and truncated points.bin", "[netmetrics][hostile]") {
  TempDir dir("netmetrics_reader_test-lies");
  const std::string head = "id,kind,metric,labels,n_points,first_point\n";
  const auto write_csv = [&](const std::string& rows) {
    std::ofstream(dir / "series.csv", std::ios::binary) << head << rows;
  };
  const auto write_bin = [&](size_t bytes) {
    std::ofstream bin(dir / "points.bin", std::ios::binary);
    bin << std::string(bytes, '\0');
  };
  const auto open_error = [&] {
    auto reader = NetmetricsReader::Open(dir.path());
    REQUIRE_FALSE(reader.ok());
    return reader.status();
  };

  CHECK(open_error().code() == absl::StatusCode::kNotFound);  // no series.csv
  write_csv("0,counter,a,,2,0\n1,counter,b,,3,2\n");
  CHECK(open_error().code() == absl::StatusCode::kNotFound);  // no points.bin

  // Every size of points.bin but the right one, truncations included.
  for (size_t bytes = 0; bytes <= 100; ++bytes) {
    if (bytes == 80) continue;
    write_bin(bytes);
    const absl::Status s = open_error();
    INFO(bytes << ": " << s);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(s.message()).find("holds " + std::to_string(bytes) + " bytes") !=
          std::string::npos);
  }
  write_bin(80);
  CHECK(NetmetricsReader::Open(dir.path()).ok());

  // first_point must continue where the series before ended.
  for (const char* rows :
       {"0,counter,a,,2,0\n1,counter,b,,3,1\n", "0,counter,a,,2,1\n1,counter,b,,3,3\n",
        "0,counter,a,,2,0\n1,counter,b,,3,3\n"}) {
    write_csv(rows);
    const absl::Status s = open_error();
    INFO(rows << s);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(s.message()).find("but the series before it end at point") !=
          std::string::npos);
  }
  // Counts so large that byte offsets would overflow.
  write_csv(
      "0,counter,a,,288230376151711744,0\n1,counter,b,,288230376151711744,288230376151711744\n");
  CHECK(open_error().code() == absl::StatusCode::kInvalidArgument);

  // points.bin shrinks after Open: an error from Next, no crash.
  write_csv("0,rate_gauge,a,,2,0\n1,rate_gauge,b,,3,2\n");
  write_bin(80);
  NetmetricsReader::Options one;
  one.chunk_points = 1;
  auto reader = NetmetricsReader::Open(dir.path(), one);
  REQUIRE(reader.ok());
  NetmetricsChunk c;
  REQUIRE((*reader)->Next(&c));
  fs::resize_file(dir / "points.bin", 40);
  const Read rest = ReadAll(**reader, 1);
  CHECK(rest.ts.size() == 1);  // point 1 of series 0 (bytes 16..32) is still there
  CHECK(rest.status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(rest.status.message()).find("shrank") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// 3. netmetrics-gen's sets: points.bin agrees with prom.om

TEST_CASE("netmetrics-gen: points.bin and prom.om hold the same samples", "[netmetrics][gen]") {
  if (std::system("python3 -c 'import sys' >/dev/null 2>&1") != 0) {
    WARN("skipped: python3 is not installed");
    return;
  }
  if (!fs::exists(kGenerator)) {
    WARN("skipped: " << kGenerator.string() << " is absent (../shared beside the checkout)");
    return;
  }
  TempDir dir("netmetrics_reader_test-gen");
  for (const char* jitter : {"5", "0"}) {
    const fs::path out = dir / (std::string("j") + jitter);
    const std::string cmd = "python3 '" + kGenerator.string() + "' --out '" + out.string() +
                            "' --series 60 --hours 2 --formats bin,om --jitter-ms " + jitter +
                            " > /dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    for (size_t chunk : {size_t{65536}, size_t{100}}) {
      NetmetricsReader::Options options;
      options.chunk_points = chunk;
      auto bin = NetmetricsReader::Open(out.string(), options);
      REQUIRE(bin.ok());
      REQUIRE((*bin)->series().size() == 60);
      auto om = cistern::cli::OpenMetricsReader::Open((out / "prom.om").string());
      REQUIRE(om.ok());
      NetmetricsChunk c;
      cistern::cli::OpenMetricsSample s;
      uint64_t n = 0;
      uint64_t mismatches = 0;
      size_t ints = 0;
      while ((*bin)->Next(&c)) {
        for (size_t i = 0; i < c.timestamps.size(); ++i, ++n) {
          REQUIRE((*om)->Next(&s));
          const Value v = c.value(i);
          ints += v.type == ValueType::kInt;
          if (!(*s.key == c.series->key) || s.timestamp_ms != c.timestamps[i] || !(s.value == v)) {
            if (++mismatches <= 5) {
              FAIL_CHECK("prom.om line " << s.line << ": " << s.key->ToString() << " "
                                         << s.timestamp_ms << " vs series " << c.series_index
                                         << " point " << c.first + i << " "
                                         << c.series->key.ToString() << " " << c.timestamps[i]);
            }
          }
        }
      }
      INFO("jitter " << jitter << ", chunk " << chunk);
      REQUIRE((*bin)->status().ok());
      CHECK_FALSE((*om)->Next(&s));  // nothing more in prom.om
      CHECK((*om)->status().ok());
      CHECK(n == (*bin)->total_points());
      CHECK(n > 40000);
      CHECK(ints > 0);
      CHECK(ints < n);
      CHECK(mismatches == 0);
    }
  }
}

}  // namespace
