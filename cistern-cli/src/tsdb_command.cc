// cistern-cli tsdb: a libcatena database from the command line.
//
//   tsdb import  --dir DB SRC     SRC: a netmetrics-gen directory (series.csv + points.bin) or an
//                                 OpenMetrics / Prometheus text file
//   tsdb export  --dir DB         every sample as OpenMetrics text, series in creation order
//   tsdb query   --dir DB QUERY   a PromQL-subset query over a range (--start --end --step)
//   tsdb inspect --dir DB         per-block statistics: bytes per point by kind of series
//   tsdb verify  --dir DB         every checksum of every block and of the log
//
// Export after import prints the imported text again, byte for byte (values keep their type and
// bits; labels their order; series their order of first appearance).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <dirent.h>

#include "absl/strings/str_cat.h"
#include "cistern/catena/block.h"
#include "cistern/catena/codec.h"
#include "cistern/catena/db.h"
#include "cistern/catena/query.h"
#include "cistern/catena/query_parser.h"
#include "cistern/catena/wal.h"
#include "cli_args.h"
#include "commands.h"
#include "netmetrics_reader.h"
#include "openmetrics.h"

namespace cistern::cli {
namespace {

using catena::Db;
using catena::DbOptions;
using catena::SeriesRef;
using catena::Value;

constexpr char kUsage[] =
    "usage: cistern-cli tsdb import  --dir DB SRC [--order series|time] [--fsync every|interval|never]\n"
    "       cistern-cli tsdb export  --dir DB [--match SELECTOR] [--start T] [--end T]\n"
    "       cistern-cli tsdb query   --dir DB QUERY [--start T] [--end T] [--step D] [--format text|json]\n"
    "       cistern-cli tsdb inspect --dir DB\n"
    "       cistern-cli tsdb verify  --dir DB\n"
    "SRC is a directory written by netmetrics-gen (series.csv + points.bin) or an OpenMetrics /\n"
    "Prometheus text file. T is unix seconds (1736121600.5), RFC 3339 UTC (2025-01-06T10:00:00Z),\n"
    "or newest[-D] (relative to the newest sample; D a duration like 1h30m). QUERY examples:\n"
    "  'ifHCInOctets{instance=\"core-site25-0000\"}'   'sum by (site) (rate(ifHCInOctets[5m]))'\n";

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "cistern-cli tsdb: %s\n", Message(s).c_str());
  return 1;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const char* sub : {"/blocks", "/wal"}) {
    const std::string d = dir + sub;
    auto names = [&]() {
      std::vector<std::string> out;
      if (DIR* h = ::opendir(d.c_str())) {
        while (dirent* e = ::readdir(h)) out.emplace_back(e->d_name);
        ::closedir(h);
      }
      return out;
    }();
    for (const std::string& n : names) {
      struct stat st;
      if (::stat((d + "/" + n).c_str(), &st) == 0 && S_ISREG(st.st_mode)) total += static_cast<uint64_t>(st.st_size);
    }
  }
  return total;
}

// Progress on a terminal: one line on stderr, rewritten at most 4 times a second.
class Progress {
 public:
  explicit Progress(uint64_t total) : total_(total), on_(isatty(STDERR_FILENO)) {}
  void Update(uint64_t done) {
    if (!on_ || (done & 0xFFFF) != 0) return;
    const double now = Seconds(start_);
    if (now - last_ < 0.25) return;
    last_ = now;
    if (total_ > 0) {
      std::fprintf(stderr, "\r%" PRIu64 " / %" PRIu64 " points (%.0f%%), %.2f M points/s   ", done,
                   total_, 100.0 * static_cast<double>(done) / static_cast<double>(total_),
                   static_cast<double>(done) / now / 1e6);
    } else {
      std::fprintf(stderr, "\r%" PRIu64 " points, %.2f M points/s   ", done,
                   static_cast<double>(done) / now / 1e6);
    }
  }
  void Done() {
    if (on_ && last_ > 0) std::fputs("\r\033[K", stderr);
  }

 private:
  uint64_t total_;
  bool on_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double last_ = 0;
};

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// ---- import

constexpr size_t kCommitEvery = 16384;

absl::Status ImportNetmetrics(Db* db, const std::string& src, bool time_major, uint64_t* points) {
  auto reader = NetmetricsReader::Open(src);
  if (!reader.ok()) return reader.status();
  std::vector<SeriesRef> refs;
  for (const NetmetricsSeries& s : (*reader)->series()) {
    auto ref = db->GetOrCreateSeries(s.key);
    if (!ref.ok()) return ref.status();
    refs.push_back(*ref);
  }
  Progress progress((*reader)->total_points());
  NetmetricsChunk c;
  if (!time_major) {
    size_t pending = 0;
    while ((*reader)->Next(&c)) {
      const SeriesRef ref = refs[c.series_index];
      for (size_t i = 0; i < c.timestamps.size(); ++i) {
        if (absl::Status s = db->Append(ref, c.timestamps[i], c.value(i)); !s.ok()) return s;
        if (++pending == kCommitEvery) {
          if (absl::Status s = db->Commit(); !s.ok()) return s;
          pending = 0;
        }
        progress.Update(++*points);
      }
    }
    if (!(*reader)->status().ok()) return (*reader)->status();
  } else {
    // As a live collector writes: every series' next point in turn, one commit per round.
    std::vector<std::vector<int64_t>> ts((*reader)->series().size());
    std::vector<std::vector<Value>> vs((*reader)->series().size());
    while ((*reader)->Next(&c)) {
      for (size_t i = 0; i < c.timestamps.size(); ++i) {
        ts[c.series_index].push_back(c.timestamps[i]);
        vs[c.series_index].push_back(c.value(i));
      }
    }
    if (!(*reader)->status().ok()) return (*reader)->status();
    std::vector<size_t> pos(ts.size(), 0);
    for (bool more = true; more;) {
      more = false;
      for (size_t k = 0; k < ts.size(); ++k) {
        if (pos[k] == ts[k].size()) continue;
        if (absl::Status s = db->Append(refs[k], ts[k][pos[k]], vs[k][pos[k]]); !s.ok()) return s;
        ++pos[k];
        more = true;
        progress.Update(++*points);
      }
      if (absl::Status s = db->Commit(); !s.ok()) return s;
    }
  }
  progress.Done();
  return db->Commit();
}

absl::Status ImportText(Db* db, const std::string& src, uint64_t* points) {
  auto reader = OpenMetricsReader::Open(src);
  if (!reader.ok()) return reader.status();
  Progress progress(0);
  OpenMetricsSample sample;
  SeriesRef ref = 0;
  size_t pending = 0;
  while ((*reader)->Next(&sample)) {
    if (!sample.same_series) {
      auto r = db->GetOrCreateSeries(*sample.key);
      if (!r.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(src, ":", sample.line, ": ", r.status().message()));
      }
      ref = *r;
    }
    if (absl::Status s = db->Append(ref, sample.timestamp_ms, sample.value); !s.ok()) return s;
    if (++pending == kCommitEvery) {
      if (absl::Status s = db->Commit(); !s.ok()) return s;
      pending = 0;
    }
    progress.Update(++*points);
  }
  progress.Done();
  if (!(*reader)->status().ok()) return (*reader)->status();
  return db->Commit();
}

int RunImport(int argc, char** argv) {
  std::string dir, src, order = "series", fsync = "interval";
  for (int i = 1; i < argc; ++i) {
    if (auto v = OptionValue(argc, argv, &i, "--dir")) {
      dir = *v;
    } else if (auto o = OptionValue(argc, argv, &i, "--order")) {
      order = *o;
    } else if (auto f = OptionValue(argc, argv, &i, "--fsync")) {
      fsync = *f;
    } else if (argv[i][0] != '-' && src.empty()) {
      src = argv[i];
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (dir.empty() || src.empty() || (order != "series" && order != "time") ||
      (fsync != "every" && fsync != "interval" && fsync != "never")) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  DbOptions options;
  options.fsync = fsync == "every"      ? catena::FsyncPolicy::kEveryCommit
                  : fsync == "interval" ? catena::FsyncPolicy::kInterval
                                        : catena::FsyncPolicy::kNever;
  if (::access(src.c_str(), R_OK) != 0 && src != "-") {
    return Fail(absl::NotFoundError("cannot read " + src + ": " + std::strerror(errno)));
  }
  // A bulk load in series order spans the whole range with its first series: seal by size only.
  if (order == "series") options.block_duration_ms = int64_t{1} << 62;
  auto db = Db::Open(dir, options);
  if (!db.ok()) return Fail(db.status());
  const auto start = std::chrono::steady_clock::now();
  uint64_t points = 0;
  absl::Status s = IsDirectory(src) ? ImportNetmetrics(db->get(), src, order == "time", &points)
                                    : ImportText(db->get(), src, &points);
  const double ingest_s = Seconds(start);
  if (!s.ok()) return Fail(s);
  const auto close_start = std::chrono::steady_clock::now();
  if (absl::Status c = (*db)->Close(); !c.ok()) return Fail(c);
  const double close_s = Seconds(close_start);
  const catena::DbStats stats = (*db)->stats();
  const uint64_t bytes = DirBytes(dir);
  std::printf("imported %" PRIu64 " points of %" PRIu64 " series in %.2f s (%.2f M points/s), "
              "closed in %.2f s\n",
              points, stats.series, ingest_s, static_cast<double>(points) / ingest_s / 1e6, close_s);
  std::printf("on disk: %" PRIu64 " bytes, %.3f bytes per point (%" PRIu64 " blocks)\n", bytes,
              points ? static_cast<double>(bytes) / static_cast<double>(points) : 0.0, stats.blocks);
  const uint64_t refused = stats.rejected_out_of_order + stats.rejected_conflicting;
  if (refused > 0 || stats.duplicates_ignored > 0) {
    std::printf("refused: %" PRIu64 " out of order, %" PRIu64 " conflicting; %" PRIu64
                " duplicates ignored\n",
                stats.rejected_out_of_order, stats.rejected_conflicting, stats.duplicates_ignored);
  }
  return 0;
}

// ---- times

absl::StatusOr<int64_t> ParseTime(std::string_view text, int64_t newest_ms) {
  if (text.substr(0, 6) == "newest") {
    std::string_view rest = text.substr(6);
    if (rest.empty()) return newest_ms;
    if (rest[0] != '-') return absl::InvalidArgumentError(absl::StrCat("bad time: ", std::string(text)));
    auto d = catena::ParseDurationMs(rest.substr(1));
    if (!d.ok()) return d.status();
    int64_t t;
    if (__builtin_sub_overflow(newest_ms, *d, &t)) {
      return absl::InvalidArgumentError(absl::StrCat("time out of range: ", std::string(text)));
    }
    return t;
  }
  if (text.find('T') != std::string_view::npos) {
    std::tm tm{};
    const std::string s(text);
    const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (end == nullptr) return absl::InvalidArgumentError("bad RFC 3339 time: " + s);
    int64_t ms = 0;
    if (*end == '.') {
      int digits = 0;
      for (++end; *end >= '0' && *end <= '9'; ++end) {
        if (digits < 3) ms = ms * 10 + (*end - '0');
        ++digits;
      }
      for (; digits < 3; ++digits) ms *= 10;
    }
    if (std::string_view(end) != "Z") return absl::InvalidArgumentError("RFC 3339 times must be UTC (Z): " + s);
    return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
  }
  // Unix seconds with up to 3 decimals, read from the digits as OpenMetrics timestamps are.
  const std::string line = "t 0 " + std::string(text);
  auto reader = OpenMetricsReader::FromText(line);
  OpenMetricsSample sample;
  if (!reader->Next(&sample) || !sample.has_timestamp) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad time \"", std::string(text),
        "\": expected unix seconds (up to 3 decimals), RFC 3339 UTC or newest[-DURATION]"));
  }
  return sample.timestamp_ms;
}

// Opens for reading (no lock: a running writer may hold it). Damaged files met at open are
// reported on stderr; with `strict` they make the open fail, so that an export or a query never
// passes off part of the data as all of it.
absl::StatusOr<std::unique_ptr<Db>> OpenReadOnly(const std::string& dir, bool strict = true) {
  if (!IsDirectory(dir)) return absl::NotFoundError("no database at " + dir);
  DbOptions options;
  options.read_only = true;
  auto db = Db::Open(dir, options);
  if (!db.ok()) return db;
  const std::vector<std::string> problems = (*db)->stats().problems;
  for (const std::string& p : problems) std::fprintf(stderr, "cistern-cli tsdb: %s\n", p.c_str());
  if (strict && !problems.empty()) {
    return absl::DataLossError(absl::StrCat(problems.size(), " damaged file(s) in ", dir,
                                            " (see above; `cistern-cli tsdb verify` checks all)"));
  }
  return db;
}

// ---- export

int RunExport(int argc, char** argv) {
  std::string dir, match, start_text, end_text;
  for (int i = 1; i < argc; ++i) {
    if (auto v = OptionValue(argc, argv, &i, "--dir")) dir = *v;
    else if (auto m = OptionValue(argc, argv, &i, "--match")) match = *m;
    else if (auto s = OptionValue(argc, argv, &i, "--start")) start_text = *s;
    else if (auto e = OptionValue(argc, argv, &i, "--end")) end_text = *e;
    else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (dir.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto db = OpenReadOnly(dir);
  if (!db.ok()) return Fail(db.status());
  const catena::DbStats stats = (*db)->stats();
  if (stats.min_time_ms > stats.max_time_ms) {  // empty: nothing to select, whatever the times
    std::fputs("# EOF\n", stdout);
    return 0;
  }
  int64_t start = INT64_MIN, end = INT64_MAX;
  if (!start_text.empty()) {
    auto t = ParseTime(start_text, stats.max_time_ms);
    if (!t.ok()) return Fail(t.status());
    start = *t;
  }
  if (!end_text.empty()) {
    auto t = ParseTime(end_text, stats.max_time_ms);
    if (!t.ok()) return Fail(t.status());
    end = *t;
  }
  std::vector<catena::Matcher> matchers;
  if (!match.empty()) {
    auto q = catena::ParseQuery(match);
    if (!q.ok()) return Fail(q.status());
    if (q->function != catena::RangeFunction::kNone ||
        q->aggregation != catena::Aggregation::kNone) {
      return Fail(absl::InvalidArgumentError("--match takes a series selector, not a function or an aggregation"));
    }
    matchers = q->matchers;
  }
  auto snapshot = (*db)->Snapshot();
  std::string out;
  out.reserve(1 << 22);
  SampleLinePrinter printer;
  const catena::SeriesKey* last = nullptr;
  absl::Status s = catena::ForEachSample(
      *snapshot, matchers, start, end,
      [&](const catena::SeriesKey& key, absl::Span<const int64_t> ts, absl::Span<const Value> vs) {
        if (&key != last) {
          printer.SetSeries(key);
          last = &key;
        }
        printer.Append(std::span<const int64_t>(ts.data(), ts.size()),
                       std::span<const Value>(vs.data(), vs.size()), &out);
        if (out.size() >= (1 << 22)) {
          if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) {
            return absl::InternalError("write to standard output failed");
          }
          out.clear();
        }
        return absl::OkStatus();
      });
  // "# EOF" only after everything: a cut-short export must not look complete.
  if (s.ok()) out.append("# EOF\n");
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return Fail(absl::InternalError("write to standard output failed"));
  if (!s.ok()) return Fail(s);
  return 0;
}

// ---- query

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

int RunQuery(int argc, char** argv) {
  std::string dir, text, start_text, end_text, step_text, format = "text";
  for (int i = 1; i < argc; ++i) {
    if (auto v = OptionValue(argc, argv, &i, "--dir")) dir = *v;
    else if (auto s = OptionValue(argc, argv, &i, "--start")) start_text = *s;
    else if (auto e = OptionValue(argc, argv, &i, "--end")) end_text = *e;
    else if (auto st = OptionValue(argc, argv, &i, "--step")) step_text = *st;
    else if (auto f = OptionValue(argc, argv, &i, "--format")) format = *f;
    else if (argv[i][0] != '-' && text.empty()) text = argv[i];
    else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (dir.empty() || text.empty() || (format != "text" && format != "json")) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto request = catena::ParseQuery(text);
  if (!request.ok()) return Fail(request.status());
  auto db = OpenReadOnly(dir);
  if (!db.ok()) return Fail(db.status());
  const catena::DbStats stats = (*db)->stats();
  if (stats.min_time_ms > stats.max_time_ms) {
    std::fputs("cistern-cli tsdb: the database is empty\n", stderr);
    return 1;
  }
  auto end = ParseTime(end_text.empty() ? "newest" : end_text, stats.max_time_ms);
  if (!end.ok()) return Fail(end.status());
  auto start = ParseTime(start_text.empty() ? "newest-1h" : start_text, stats.max_time_ms);
  if (!start.ok()) return Fail(start.status());
  request->start_ms = *start;
  request->end_ms = *end;
  if (!step_text.empty()) {
    auto step = catena::ParseDurationMs(step_text);
    if (!step.ok()) return Fail(step.status());
    request->step_ms = *step;
  } else if (request->function != catena::RangeFunction::kNone ||
             request->aggregation != catena::Aggregation::kNone) {
    // A function or an aggregation needs buckets: about 60 over the range by default.
    request->step_ms = std::max<int64_t>(1000, (*end - *start) / 60 / 1000 * 1000);
  }
  auto snapshot = (*db)->Snapshot();
  auto result = catena::ExecuteQuery(*snapshot, *request);
  if (!result.ok()) return Fail(result.status());
  std::string out;
  if (format == "text") {
    for (const catena::QueryResultSeries& r : *result) {
      SampleLinePrinter printer(r.key);
      if (r.key.metric.empty()) {
        // An aggregation's result has no metric name: print its labels as `{l="v"}` (or `{}`).
        std::string prefix = "{";
        for (size_t i = 0; i < r.key.labels.size(); ++i) {
          catena::SeriesKey one{"x", {r.key.labels[i]}};
          std::string one_text;
          AppendSeriesText(one, &one_text);  // x{l="v"}
          if (i) prefix.push_back(',');
          prefix.append(one_text.substr(2, one_text.size() - 3));
        }
        prefix.append("} ");
        for (size_t k = 0; k < r.timestamps.size(); ++k) {
          out.append(prefix);
          AppendValueText(r.values[k], &out);
          out.push_back(' ');
          AppendTimestampSeconds(r.timestamps[k], &out);
          out.push_back('\n');
        }
        continue;
      }
      printer.Append(std::span<const int64_t>(r.timestamps), std::span<const Value>(r.values), &out);
    }
  } else {
    out.append("[");
    for (size_t i = 0; i < result->size(); ++i) {
      const catena::QueryResultSeries& r = (*result)[i];
      out.append(i ? ",\n {\"metric\":{" : "\n {\"metric\":{");
      bool first = true;
      if (!r.key.metric.empty()) {
        out.append("\"__name__\":");
        AppendJsonString(r.key.metric, &out);
        first = false;
      }
      for (const catena::Label& l : r.key.labels) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonString(l.name, &out);
        out.push_back(':');
        AppendJsonString(l.value, &out);
      }
      out.append("},\"values\":[");
      for (size_t k = 0; k < r.timestamps.size(); ++k) {
        if (k) out.push_back(',');
        out.push_back('[');
        AppendTimestampSeconds(r.timestamps[k], &out);
        out.append(",\"");
        AppendValueText(r.values[k], &out);
        out.append("\"]");
      }
      out.append("]}");
    }
    out.append("\n]\n");
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

// ---- inspect and verify

std::string Describe(const catena::ValueStreamInfo& info) {
  switch (info.encoding) {
    case catena::ValueEncoding::kInteger:
      return info.order == 2 ? "int, delta of delta" : info.order == 1 ? "int, delta" : "int";
    case catena::ValueEncoding::kDecimal:
      return absl::StrCat("decimal/", info.scale, info.order == 2   ? ", delta of delta"
                                                  : info.order == 1 ? ", delta"
                                                                    : "");
    case catena::ValueEncoding::kXor:
      return "float, xor";
  }
  return "?";
}

std::vector<std::string> BlockFiles(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* h = ::opendir((dir + "/blocks").c_str())) {
    while (dirent* e = ::readdir(h)) {
      const std::string n = e->d_name;
      if (n.size() > 4 && n.substr(n.size() - 4) == ".blk") out.push_back(dir + "/blocks/" + n);
    }
    ::closedir(h);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string FormatTime(int64_t ms) {
  const time_t s = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int RunInspect(int argc, char** argv) {
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    if (auto v = OptionValue(argc, argv, &i, "--dir")) dir = *v;
    else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (dir.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto db = OpenReadOnly(dir, /*strict=*/false);
  if (!db.ok()) return Fail(db.status());
  const catena::DbStats stats = (*db)->stats();
  std::printf("database %s: %" PRIu64 " series, %" PRIu64 " blocks (%" PRIu64 " bytes), %" PRIu64
              " samples in the head (log)\n",
              dir.c_str(), stats.series, stats.blocks, stats.block_bytes, stats.head_samples);
  uint64_t all_samples = 0;
  int problems = 0;
  for (const std::string& path : BlockFiles(dir)) {
    auto block = catena::Block::Open(path);
    if (!block.ok()) {
      std::printf("\n%s: %s\n", path.c_str(), Message(block.status()).c_str());
      ++problems;
      continue;
    }
    const catena::Block& b = **block;
    const catena::BlockStats bs = b.stats();
    const catena::BlockMeta& m = b.meta();
    const double n = static_cast<double>(m.samples);
    all_samples += m.samples;
    std::printf("\nblock %016" PRIx64 " level %u, %s .. %s, %zu series, %" PRIu64 " chunks, %" PRIu64
                " samples\n",
                m.id, m.level, FormatTime(m.mint).c_str(), FormatTime(m.maxt).c_str(), b.series().size(),
                bs.chunks, m.samples);
    if (m.samples == 0) {  // a rollup-only block: its raw samples are past retention
      std::printf("  %" PRIu64 " bytes, rollup-only: %" PRIu64 " rollup rows in %" PRIu64 " bytes\n",
                  bs.file_bytes, bs.rollup_rows, bs.rollup_bytes);
      continue;
    }
    std::printf("  %" PRIu64 " bytes = %.3f bytes per point: values %.3f, timestamps %.3f (%" PRIu64
                " distinct streams), rollups %.3f (%" PRIu64 " rows), index %.3f\n",
                bs.file_bytes, static_cast<double>(bs.file_bytes) / n,
                static_cast<double>(bs.value_bytes) / n, static_cast<double>(bs.timestamp_bytes) / n,
                bs.timestamp_streams, static_cast<double>(bs.rollup_bytes) / n, bs.rollup_rows,
                static_cast<double>(bs.index_bytes) / n);
    // Value bytes by kind of series (the encoding the codec chose) and by metric.
    struct Tally {
      uint64_t bytes = 0, samples = 0, chunks = 0;
    };
    std::map<std::string, Tally> by_kind, by_metric;
    for (size_t s = 0; s < b.series().size(); ++s) {
      const catena::BlockSeries& series = b.series()[s];
      for (size_t c = 0; c < series.chunks.size(); ++c) {
        auto raw = b.RawChunk(s, c);
        std::string kind = "damaged";
        if (raw.ok()) {
          auto info = catena::InspectValues(raw->values);
          if (info.ok()) kind = Describe(*info);
        }
        if (kind == "damaged") {
          std::printf("  %s\n", Message(raw.ok() ? absl::DataLossError("bad value stream header") : raw.status()).c_str());
          ++problems;
        }
        for (Tally* t : {&by_kind[kind], &by_metric[series.key.metric]}) {
          t->bytes += series.chunks[c].value_length;
          t->samples += series.chunks[c].count;
          ++t->chunks;
        }
      }
    }
    std::printf("  values by encoding:\n");
    for (const auto& [kind, t] : by_kind) {
      std::printf("    %-26s %10" PRIu64 " samples %8.3f bytes per point\n", kind.c_str(), t.samples,
                  static_cast<double>(t.bytes) / static_cast<double>(t.samples));
    }
    std::printf("  values by metric:\n");
    for (const auto& [metric, t] : by_metric) {
      std::printf("    %-26s %10" PRIu64 " samples %8.3f bytes per point\n", metric.c_str(), t.samples,
                  static_cast<double>(t.bytes) / static_cast<double>(t.samples));
    }
  }
  const uint64_t bytes = DirBytes(dir);
  if (all_samples > 0) {
    std::printf("\nall files: %" PRIu64 " bytes for %" PRIu64 " samples in blocks = %.3f bytes per point\n",
                bytes, all_samples, static_cast<double>(bytes) / static_cast<double>(all_samples));
  }
  for (const std::string& p : stats.problems) std::printf("problem: %s\n", p.c_str());
  return problems == 0 && stats.problems.empty() ? 0 : 1;
}

int RunVerify(int argc, char** argv) {
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    if (auto v = OptionValue(argc, argv, &i, "--dir")) dir = *v;
    else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (dir.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (!IsDirectory(dir)) return Fail(absl::NotFoundError("no database at " + dir));
  int bad = 0;
  uint64_t samples = 0;
  const std::vector<std::string> files = BlockFiles(dir);
  for (const std::string& path : files) {
    auto block = catena::Block::Open(path);
    absl::Status s = block.ok() ? (*block)->Verify() : block.status();
    if (!s.ok()) {
      std::printf("%s\n", Message(s).c_str());
      ++bad;
    } else {
      samples += (*block)->meta().samples;
    }
  }
  catena::WalReplayHandler none;
  auto wal = catena::ReplayWal(dir + "/wal", none, /*repair=*/false);
  if (!wal.ok()) {
    std::printf("%s\n", Message(wal.status()).c_str());
    ++bad;
  } else {
    if (!wal->first_error.empty()) {
      std::printf("%s\n", wal->first_error.c_str());
      ++bad;
    }
    if (wal->torn_bytes_cut > 0) {
      std::printf("wal: a torn tail of %" PRIu64 " bytes in the last segment (cut at the next open)\n",
                  wal->torn_bytes_cut);
    }
  }
  std::printf("%s: %zu blocks (%" PRIu64 " samples) and %" PRIu64 " log records checked, %d damaged\n",
              dir.c_str(), files.size(), samples, wal.ok() ? wal->records : 0, bad);
  return bad == 0 ? 0 : 1;
}

}  // namespace

int RunTsdb(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string_view sub = argv[1];
  if (sub == "import") return RunImport(argc - 1, argv + 1);
  if (sub == "export") return RunExport(argc - 1, argv + 1);
  if (sub == "query") return RunQuery(argc - 1, argv + 1);
  if (sub == "inspect") return RunInspect(argc - 1, argv + 1);
  if (sub == "verify") return RunVerify(argc - 1, argv + 1);
  std::fputs(kUsage, stderr);
  return sub == "--help" || sub == "-h" ? 0 : 2;
}

}  // namespace cistern::cli
