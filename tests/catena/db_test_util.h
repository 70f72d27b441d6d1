// Helpers shared by the tests of libcatena's Db (db_test.cc, db_failure_test.cc): a temporary
// directory under CISTERN_TEST_TMPDIR, a reference model of what a database must return (first
// sample of a timestamp wins), and readers that drain a cursor with any capacity.
//
//   TempDir tmp("catena_db");
//   Model model;
//   model.Add(key, 1000, Value::Int(5));
//   model.Check(*db->Snapshot());   // every series of the model reads back bit for bit
//
// Catch2 assertions inside: call from a test's thread. Not synchronised.
#ifndef CISTERN_TESTS_CATENA_DB_TEST_UTIL_H_
#define CISTERN_TESTS_CATENA_DB_TEST_UTIL_H_

#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cistern/catena/block.h"
#include "cistern/catena/db.h"
#include "cistern/catena/series_reader.h"
#include "cistern/catena/types.h"
#include "test_temp_dir.h"

namespace Catch {
template <>
struct StringMaker<cistern::catena::Value> {
  static std::string convert(const cistern::catena::Value& v) {
    char buf[64];
    if (v.type == cistern::catena::ValueType::kInt) {
      std::snprintf(buf, sizeof buf, "int %" PRId64, v.AsInt());
    } else {
      std::snprintf(buf, sizeof buf, "float %.17g (0x%016" PRIx64 ")", v.AsDouble(), v.bits);
    }
    return buf;
  }
};
template <>
struct StringMaker<cistern::catena::Sample> {
  static std::string convert(const cistern::catena::Sample& s) {
    return "{t=" + std::to_string(s.timestamp_ms) + " " +
           StringMaker<cistern::catena::Value>::convert(s.value) + "}";
  }
};
}  // namespace Catch

namespace cistern::catena::testing {

namespace fs = std::filesystem;

inline constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kHour = 3600 * 1000;

// The shared temporary directory, with the database directory inside (so that the temporary
// directory can hold copies beside it).
class TempDir : public cistern::testing::TempDir {
 public:
  using cistern::testing::TempDir::TempDir;
  std::string db() const { return path() + "/db"; }
};

inline std::string Msg(const absl::Status& s) { return std::string(s.message()); }

inline Value FloatBits(uint64_t bits) { return Value{ValueType::kFloat, bits}; }

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void WriteFileBytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  REQUIRE(out.good());
}

// Paths of the files in `dir` whose names end with `suffix`, sorted.
inline std::vector<std::string> FilesEndingWith(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(),
                                                     suffix.data(), suffix.size()) == 0) {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}
inline std::vector<std::string> BlockFiles(const std::string& db_dir) {
  return FilesEndingWith(db_dir + "/blocks", ".blk");
}

inline std::unique_ptr<Db> OpenDb(const std::string& dir, const DbOptions& options) {
  absl::StatusOr<std::unique_ptr<Db>> db = Db::Open(dir, options);
  INFO("Db::Open(" << dir << "): " << db.status().ToString());
  REQUIRE(db.ok());
  return std::move(*db);
}

inline SeriesRef Series(Db& db, const SeriesKey& key) {
  absl::StatusOr<SeriesRef> ref = db.GetOrCreateSeries(key);
  INFO(key.ToString() << ": " << ref.status().ToString());
  REQUIRE(ref.ok());
  return *ref;
}

struct ReadResult {
  std::vector<Sample> samples;
  absl::Status status;
};

// Drains a cursor `capacity` samples at a time (checking that Next never overfills and that an
// exhausted cursor stays exhausted).
inline ReadResult ReadCursor(SeriesCursor& cursor, size_t capacity = 256) {
  ReadResult r;
  std::vector<int64_t> t(capacity + 1, 0x5a5a5a5a);
  std::vector<Value> v(capacity + 1, Value::Int(0x5a5a5a5a));
  for (;;) {
    const size_t n = cursor.Next(t.data(), v.data(), capacity);
    REQUIRE(n <= capacity);
    REQUIRE(t[capacity] == 0x5a5a5a5a);  // nothing written past capacity
    if (n == 0) break;
    for (size_t i = 0; i < n; ++i) r.samples.push_back(Sample{t[i], v[i]});
  }
  REQUIRE(cursor.Next(t.data(), v.data(), capacity) == 0);
  r.status = cursor.status();
  return r;
}

inline ReadResult ReadSeries(const SeriesReader& reader, SeriesId id, int64_t mint = kMinTime,
                             int64_t maxt = kMaxTime, size_t capacity = 256) {
  std::unique_ptr<SeriesCursor> cursor = reader.Open(id, mint, maxt);
  REQUIRE(cursor != nullptr);
  return ReadCursor(*cursor, capacity);
}

// The id of the series with exactly this key (labels in any order), if the reader has it.
inline std::optional<SeriesId> FindSeries(const SeriesReader& reader, const SeriesKey& key) {
  std::vector<Matcher> m = {{kMetricNameLabel, MatchOp::kEqual, key.metric}};
  for (const Label& l : key.labels) m.push_back({l.name, MatchOp::kEqual, l.value});
  absl::StatusOr<std::vector<SeriesId>> ids = reader.Select(m);
  REQUIRE(ids.ok());
  const std::string canonical = key.CanonicalKey();
  std::optional<SeriesId> found;
  for (SeriesId id : *ids) {
    if (reader.Key(id).CanonicalKey() == canonical) {
      REQUIRE(!found.has_value());  // one series per key
      found = id;
    }
  }
  return found;
}

// "" when `got` equals `want`; otherwise the sizes and the first difference (short enough for a
// test log, unlike a dump of both vectors).
inline std::string DiffSamples(const std::vector<Sample>& got, const std::vector<Sample>& want) {
  if (got == want) return "";
  std::string out =
      "got " + std::to_string(got.size()) + " samples, want " + std::to_string(want.size());
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  out += "; first difference at index " + std::to_string(i) + ": got ";
  out += i < got.size() ? Catch::StringMaker<Sample>::convert(got[i]) : "nothing";
  out += ", want ";
  out += i < want.size() ? Catch::StringMaker<Sample>::convert(want[i]) : "nothing";
  return out;
}

// What a database must return: per series, the first sample accepted for each timestamp.
class Model {
 public:
  // Records a sample the database accepts (a later one at the same timestamp does not replace it).
  void Add(const SeriesKey& key, int64_t t, Value v) {
    auto& s = series_[key.CanonicalKey()];
    s.key = key;
    s.samples.try_emplace(t, v);
  }
  void AddKey(const SeriesKey& key) { series_[key.CanonicalKey()].key = key; }
  // Forgets the samples in [mint, maxt] (retention).
  void Drop(int64_t mint, int64_t maxt) {
    for (auto& [k, s] : series_) {
      s.samples.erase(s.samples.lower_bound(mint), s.samples.upper_bound(maxt));
    }
  }
  std::vector<Sample> Expected(const SeriesKey& key, int64_t mint = kMinTime,
                               int64_t maxt = kMaxTime) const {
    std::vector<Sample> out;
    auto it = series_.find(key.CanonicalKey());
    if (it == series_.end()) return out;
    for (auto s = it->second.samples.lower_bound(mint);
         s != it->second.samples.end() && s->first <= maxt; ++s) {
      out.push_back(Sample{s->first, s->second});
    }
    return out;
  }
  size_t samples() const {
    size_t n = 0;
    for (const auto& [k, s] : series_) n += s.samples.size();
    return n;
  }

  // Every series of the model reads back exactly (all of it, with an OK status), and the reader
  // holds no other series with samples.
  void Check(const SeriesReader& reader, size_t capacity = 256) const {
    for (const auto& [canonical, s] : series_) {
      INFO("series " << s.key.ToString());
      std::optional<SeriesId> id = FindSeries(reader, s.key);
      if (s.samples.empty() && !id.has_value()) continue;
      REQUIRE(id.has_value());
      CHECK(reader.Key(*id).CanonicalKey() == canonical);
      ReadResult r = ReadSeries(reader, *id, kMinTime, kMaxTime, capacity);
      INFO(r.status.ToString());
      CHECK(r.status.ok());
      CHECK(DiffSamples(r.samples, Expected(s.key)) == "");
    }
    absl::StatusOr<std::vector<SeriesId>> all = reader.Select({});
    REQUIRE(all.ok());
    for (SeriesId id : *all) {
      const SeriesKey& key = reader.Key(id);
      if (series_.contains(key.CanonicalKey())) continue;
      INFO("series " << key.ToString() << " is not in the model");
      CHECK(ReadSeries(reader, id).samples.empty());
    }
  }

 private:
  struct SeriesSamples {
    SeriesKey key;
    std::map<int64_t, Value> samples;
  };
  std::map<std::string, SeriesSamples> series_;
};

}  // namespace cistern::catena::testing

#endif  // CISTERN_TESTS_CATENA_DB_TEST_UTIL_H_
