// libcatena on the reference network-metrics data set (../shared/tools/netmetrics-gen: 2,000
// series, 24 h at 10 s, 17.3 M points; generated once into $CATENA_DATASET, default
// build/netmetrics-d5): the codec per kind of series, ingest with the WAL on and batched fsync in
// series-major and time-major order, a full scan, and the latency of a one-hour query of one
// series. Bytes per point on disk are reported as counters of the ingest benchmarks.
//
// Run: build/release/benchmarks/catena_benchmark
//      CATENA_JITTER_MS=0 build/release/benchmarks/catena_benchmark   (the --jitter-ms 0 variant)
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cistern/catena/codec.h"
#include "cistern/catena/db.h"
#include "cistern/catena/query.h"
#include "netmetrics_reader.h"

namespace {

using namespace cistern::catena;

struct Series {
  SeriesKey key;
  std::string kind;
  ValueType type;
  std::vector<int64_t> t;
  std::vector<uint64_t> v;
};

struct Dataset {
  std::string dir;
  std::vector<Series> series;
  size_t points = 0;
  std::string error;
};

std::string DatasetDir() {
  if (const char* d = std::getenv("CATENA_DATASET")) return d;
  const char* jitter = std::getenv("CATENA_JITTER_MS");
  return std::string(CISTERN_BUILD_DIR) + "/netmetrics-d" + (jitter ? jitter : "5");
}

const Dataset& Data() {
  static const Dataset* data = [] {
    auto* d = new Dataset;
    d->dir = DatasetDir();
    if (!std::filesystem::exists(d->dir + "/points.bin")) {
      const std::string gen = std::string(CISTERN_SHARED_DIR) + "/tools/netmetrics-gen";
      const char* jitter = std::getenv("CATENA_JITTER_MS");
      const std::string cmd = gen + " --out " + d->dir + " --formats bin --jitter-ms " +
                              (jitter ? jitter : "5") + " >/dev/null";
      if (!std::filesystem::exists(gen) || std::system(cmd.c_str()) != 0) {
        d->error = "no data set: " + gen + " is absent or failed";
        return d;
      }
    }
    auto reader = cistern::cli::NetmetricsReader::Open(d->dir);
    if (!reader.ok()) {
      d->error = std::string(reader.status().message());
      return d;
    }
    d->series.resize((*reader)->series().size());
    cistern::cli::NetmetricsChunk c;
    while ((*reader)->Next(&c)) {
      Series& s = d->series[c.series_index];
      if (c.first == 0) {
        s.key = c.series->key;
        s.kind = c.series->kind;
        s.type = c.series->type;
      }
      for (size_t i = 0; i < c.timestamps.size(); ++i) {
        s.t.push_back(c.timestamps[i]);
        s.v.push_back(c.value(i).bits);
      }
      d->points += c.timestamps.size();
    }
    if (!(*reader)->status().ok()) d->error = std::string((*reader)->status().message());
    return d;
  }();
  return *data;
}

// Chunks as the head cuts them: aligned 2-hour windows.
template <typename F>
void ForEachWindow(const Series& s, F f) {
  constexpr int64_t kWindow = 2 * 3600 * 1000;
  size_t i = 0;
  while (i < s.t.size()) {
    size_t j = i;
    const int64_t w = s.t[i] / kWindow;
    while (j < s.t.size() && s.t[j] / kWindow == w) ++j;
    f(i, j);
    i = j;
  }
}

const char* const kKinds[] = {"counter", "sparse_counter", "rate_gauge", "int_gauge"};

void BM_Encode(benchmark::State& state) {
  const Dataset& d = Data();
  if (!d.error.empty()) return state.SkipWithError(d.error.c_str());
  const std::string kind = kKinds[state.range(0)];
  size_t points = 0, bytes = 0;
  std::string ts, vs;
  for (auto _ : state) {
    points = bytes = 0;
    for (const Series& s : d.series) {
      if (s.kind != kind) continue;
      ForEachWindow(s, [&](size_t i, size_t j) {
        ts.clear();
        vs.clear();
        EncodeTimestamps(absl::MakeConstSpan(s.t.data() + i, j - i), &ts);
        EncodeValues(s.type, absl::MakeConstSpan(s.v.data() + i, j - i), &vs);
        points += j - i;
        bytes += vs.size();
      });
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(points * state.iterations()));
  state.counters["value_bytes_per_point"] = static_cast<double>(bytes) / static_cast<double>(points);
  state.SetLabel(kind);
}
BENCHMARK(BM_Encode)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

void BM_Decode(benchmark::State& state) {
  const Dataset& d = Data();
  if (!d.error.empty()) return state.SkipWithError(d.error.c_str());
  const std::string kind = kKinds[state.range(0)];
  struct Chunk {
    std::string ts, vs;
    size_t n;
  };
  std::vector<Chunk> chunks;
  size_t points = 0;
  for (const Series& s : d.series) {
    if (s.kind != kind) continue;
    ForEachWindow(s, [&](size_t i, size_t j) {
      Chunk c{{}, {}, j - i};
      EncodeTimestamps(absl::MakeConstSpan(s.t.data() + i, j - i), &c.ts);
      EncodeValues(s.type, absl::MakeConstSpan(s.v.data() + i, j - i), &c.vs);
      chunks.push_back(std::move(c));
      points += j - i;
    });
  }
  std::vector<int64_t> t(8192);
  std::vector<uint64_t> v(8192);
  ValueType type;
  for (auto _ : state) {
    for (const Chunk& c : chunks) {
      if (!DecodeTimestamps(c.ts, c.n, t.data()).ok() || !DecodeValues(c.vs, c.n, &type, v.data()).ok()) {
        return state.SkipWithError("decode failed");
      }
      benchmark::DoNotOptimize(v.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(points * state.iterations()));
  state.SetLabel(kind);
}
BENCHMARK(BM_Decode)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

std::string ScratchDir(const std::string& name) {
  const std::string dir = std::string(CISTERN_BUILD_DIR) + "/catena-bench-" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

// The whole data set into a fresh database: WAL on, fsync at most once a second (batched), a
// commit every 10,000 samples (series-major) or every poll round of all series (time-major).
void BM_Ingest(benchmark::State& state) {
  const Dataset& d = Data();
  if (!d.error.empty()) return state.SkipWithError(d.error.c_str());
  const bool time_major = state.range(0) == 1;
  double close_s = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    const std::string dir = ScratchDir(time_major ? "time" : "series");
    DbOptions options;
    options.fsync = FsyncPolicy::kInterval;
    options.fsync_interval_ms = 1000;
    if (!time_major) options.block_duration_ms = int64_t{1} << 62;  // a bulk load: flush by size
    auto db = Db::Open(dir, options);
    if (!db.ok()) return state.SkipWithError(std::string(db.status().message()).c_str());
    std::vector<SeriesRef> refs;
    for (const Series& s : d.series) refs.push_back(*(*db)->GetOrCreateSeries(s.key));
    bool ok = true;
    if (!time_major) {
      size_t n = 0;
      for (size_t k = 0; k < d.series.size(); ++k) {
        const Series& s = d.series[k];
        for (size_t i = 0; i < s.t.size(); ++i) {
          ok &= (*db)->Append(refs[k], s.t[i], Value{s.type, s.v[i]}).ok();
          if (++n % 10000 == 0) ok &= (*db)->Commit().ok();
        }
      }
    } else {
      std::vector<size_t> pos(d.series.size(), 0);
      for (bool more = true; more;) {
        more = false;
        for (size_t k = 0; k < d.series.size(); ++k) {
          const Series& s = d.series[k];
          if (pos[k] == s.t.size()) continue;
          ok &= (*db)->Append(refs[k], s.t[pos[k]], Value{s.type, s.v[pos[k]]}).ok();
          ++pos[k];
          more = true;
        }
        ok &= (*db)->Commit().ok();
      }
    }
    ok &= (*db)->Commit().ok();
    state.PauseTiming();
    const auto t0 = std::chrono::steady_clock::now();
    ok &= (*db)->Close().ok();
    close_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!ok) return state.SkipWithError("an append, commit or close failed");
    bytes = DirBytes(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(d.points * state.iterations()));
  state.counters["bytes_per_point"] = static_cast<double>(bytes) / static_cast<double>(d.points);
  state.counters["close_s"] = close_s;
  state.SetLabel(time_major ? "time-major" : "series-major");
}
BENCHMARK(BM_Ingest)->Arg(0)->Arg(1)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// A closed database of the whole data set (series-major import), opened read-only.
Db& ClosedDb() {
  static std::unique_ptr<Db> db = [] {
    const Dataset& d = Data();
    const std::string dir = ScratchDir("query");
    DbOptions options;
    options.block_duration_ms = int64_t{1} << 62;
    {
      auto w = Db::Open(dir, options);
      for (const Series& s : d.series) {
        const SeriesRef ref = *(*w)->GetOrCreateSeries(s.key);
        for (size_t i = 0; i < s.t.size(); ++i) (void)(*w)->Append(ref, s.t[i], Value{s.type, s.v[i]});
        (void)(*w)->Commit();
      }
      (void)(*w)->Close();
    }
    DbOptions ro;
    ro.read_only = true;
    return *Db::Open(dir, ro);
  }();
  return *db;
}

void BM_FullScan(benchmark::State& state) {
  const Dataset& d = Data();
  if (!d.error.empty()) return state.SkipWithError(d.error.c_str());
  Db& db = ClosedDb();
  auto snapshot = db.Snapshot();
  std::vector<int64_t> t(4096);
  std::vector<Value> v(4096);
  size_t points = 0;
  auto ids = snapshot->Select({});
  for (auto _ : state) {
    points = 0;
    for (SeriesId id : *ids) {
      auto cursor = snapshot->Open(id, INT64_MIN, INT64_MAX);
      while (size_t n = cursor->Next(t.data(), v.data(), t.size())) {
        points += n;
        benchmark::DoNotOptimize(v.data());
      }
    }
  }
  if (points != d.points) state.SkipWithError("scan did not return every point");
  state.SetItemsProcessed(static_cast<int64_t>(points * state.iterations()));
}
BENCHMARK(BM_FullScan)->Unit(benchmark::kMillisecond)->UseRealTime();

// One series chosen by all its labels, one hour of it (360 samples at 10 s), through the query
// engine: select by postings, open, decode, copy out. Latency percentiles as counters.
void BM_QueryOneHour(benchmark::State& state) {
  const Dataset& d = Data();
  if (!d.error.empty()) return state.SkipWithError(d.error.c_str());
  Db& db = ClosedDb();
  std::mt19937_64 rng(42);
  std::vector<double> us;
  size_t samples = 0;
  for (auto _ : state) {
    const Series& s = d.series[rng() % d.series.size()];
    QueryRequest q;
    q.matchers.push_back({std::string(kMetricNameLabel), MatchOp::kEqual, s.key.metric});
    for (const Label& l : s.key.labels) q.matchers.push_back({l.name, MatchOp::kEqual, l.value});
    q.start_ms = s.t.front() + static_cast<int64_t>(rng() % (22 * 3600)) * 1000;
    q.end_ms = q.start_ms + 3600 * 1000 - 1;
    const auto t0 = std::chrono::steady_clock::now();
    auto snapshot = db.Snapshot();
    auto result = ExecuteQuery(*snapshot, q);
    const auto t1 = std::chrono::steady_clock::now();
    if (!result.ok() || result->size() != 1) return state.SkipWithError("query failed");
    samples += (*result)[0].timestamps.size();
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[us.size() * 99 / 100];
  state.counters["samples_per_query"] = static_cast<double>(samples) / static_cast<double>(us.size());
}
BENCHMARK(BM_QueryOneHour)->Iterations(20000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
