#include "netmetrics_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>

#include "openmetrics.h"

namespace cistern::cli {
namespace {

constexpr size_t kRecordBytes = 16;
constexpr uint64_t kMaxPoints = uint64_t{1} << 58;  // keeps byte offsets far from overflow

// One field of a CSV row, and where it starts (for messages).
struct CsvField {
  std::string text;
  uint64_t line = 0;
  uint64_t column = 0;
};

// Splits RFC 4180 CSV into rows of fields: `"` opens a quoted field, `""` inside is a quote, a
// quoted field may hold commas and newlines; rows end in "\n" or "\r\n"; blank rows are dropped.
absl::StatusOr<std::vector<std::vector<CsvField>>> SplitCsv(std::string_view text,
                                                            const std::string& name) {
  std::vector<std::vector<CsvField>> rows;
  std::vector<CsvField> row;
  uint64_t line = 1;
  size_t line_start = 0;
  size_t p = 0;
  const size_t n = text.size();
  const auto error_at = [&](uint64_t at_line, uint64_t column, const std::string& what) {
    return absl::InvalidArgumentError("netmetrics: " + name + ":" + std::to_string(at_line) + ":" +
                                      std::to_string(column) + ": " + what);
  };
  const auto error = [&](size_t at, const std::string& what) {
    return error_at(line, at - line_start + 1, what);
  };
  while (p < n) {
    CsvField field;
    field.line = line;
    field.column = p - line_start + 1;
    if (text[p] == '"') {
      ++p;
      while (true) {
        if (p >= n) return error_at(field.line, field.column, "quoted field not terminated");
        const char c = text[p];
        if (c == '"') {
          if (p + 1 < n && text[p + 1] == '"') {
            field.text.push_back('"');
            p += 2;
            continue;
          }
          ++p;
          break;
        }
        if (c == '\n') {
          ++line;
          line_start = p + 1;
        }
        field.text.push_back(c);
        ++p;
      }
      if (p < n && text[p] == '\r' && p + 1 < n && text[p + 1] == '\n') ++p;
      if (p < n && text[p] != ',' && text[p] != '\n') {
        return error(p, "expected ',' or the end of the row after a quoted field");
      }
    } else {
      const size_t start = p;
      while (p < n && text[p] != ',' && text[p] != '\n') {
        if (text[p] == '"') return error(p, "'\"' inside an unquoted field");
        ++p;
      }
      size_t end = p;
      if (end > start && text[end - 1] == '\r' && (p == n || text[p] == '\n')) --end;
      field.text.assign(text.data() + start, end - start);
    }
    row.push_back(std::move(field));
    if (p >= n || text[p] == '\n') {
      const bool blank = row.size() == 1 && row[0].text.empty();
      if (!blank) rows.push_back(std::move(row));
      row.clear();
      if (p < n) {
        ++p;
        ++line;
        line_start = p;
      }
    } else {
      ++p;  // ','
      if (p == n) row.push_back(CsvField{"", line, p - line_start + 1});
    }
  }
  if (!row.empty()) rows.push_back(std::move(row));
  return rows;
}

std::optional<uint64_t> ParseUint(std::string_view s) {
  uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "netmetrics: cannot open " + path);
  std::string out;
  char buf[1 << 16];
  while (true) {
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got > 0) {
      out.append(buf, static_cast<size_t>(got));
    } else if (got == 0) {
      break;
    } else if (errno != EINTR) {
      const int e = errno;
      ::close(fd);
      return absl::ErrnoToStatus(e, "netmetrics: cannot read " + path);
    }
  }
  ::close(fd);
  return out;
}

}  // namespace

catena::ValueType NetmetricsKindType(std::string_view kind) {
  if (kind == "counter" || kind == "sparse_counter" || kind == "int_gauge") {
    return catena::ValueType::kInt;
  }
  return catena::ValueType::kFloat;
}

absl::StatusOr<std::vector<NetmetricsSeries>> ParseNetmetricsSeriesCsv(std::string_view text,
                                                                       const std::string& name) {
  absl::StatusOr<std::vector<std::vector<CsvField>>> rows = SplitCsv(text, name);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::InvalidArgumentError("netmetrics: " + name + ": empty");
  const std::vector<CsvField>& header = (*rows)[0];
  enum Column { kId, kKind, kMetric, kLabels, kNPoints, kFirstPoint, kColumns };
  static constexpr std::string_view kNames[kColumns] = {"id",     "kind",     "metric",
                                                        "labels", "n_points", "first_point"};
  size_t col[kColumns];
  for (size_t c = 0; c < kColumns; ++c) {
    const auto it = std::find_if(header.begin(), header.end(),
                                 [&](const CsvField& f) { return f.text == kNames[c]; });
    if (it == header.end()) {
      return absl::InvalidArgumentError("netmetrics: " + name + ":1: no column " +
                                        std::string(kNames[c]) + " in the header");
    }
    col[c] = static_cast<size_t>(it - header.begin());
  }
  std::vector<NetmetricsSeries> out;
  out.reserve(rows->size() - 1);
  for (size_t r = 1; r < rows->size(); ++r) {
    const std::vector<CsvField>& row = (*rows)[r];
    const auto where = [&](const CsvField& f) {
      return "netmetrics: " + name + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) +
             ": ";
    };
    if (row.size() != header.size()) {
      return absl::InvalidArgumentError(where(row[0]) + "row has " + std::to_string(row.size()) +
                                        " fields, the header " + std::to_string(header.size()));
    }
    NetmetricsSeries s;
    for (Column c : {kId, kNPoints, kFirstPoint}) {
      const CsvField& f = row[col[c]];
      const std::optional<uint64_t> v = ParseUint(f.text);
      if (!v.has_value() || *v > kMaxPoints) {
        return absl::InvalidArgumentError(where(f) + std::string(kNames[c]) +
                                          " is not a count: \"" + f.text + "\"");
      }
      (c == kId ? s.id : c == kNPoints ? s.n_points : s.first_point) = *v;
    }
    s.kind = row[col[kKind]].text;
    s.type = NetmetricsKindType(s.kind);
    const CsvField& metric = row[col[kMetric]];
    if (!catena::IsValidMetricName(metric.text)) {
      return absl::InvalidArgumentError(where(metric) + "invalid metric name \"" + metric.text +
                                        "\"");
    }
    const CsvField& labels = row[col[kLabels]];
    absl::StatusOr<catena::SeriesKey> key = ParseSeriesText(metric.text + "{" + labels.text + "}");
    if (!key.ok()) {
      return absl::InvalidArgumentError(where(labels) + "labels \"" + labels.text +
                                        "\": " + std::string(key.status().message()));
    }
    s.key = *std::move(key);
    out.push_back(std::move(s));
  }
  return out;
}

NetmetricsReader::NetmetricsReader(std::string bin_path, int fd,
                                   std::vector<NetmetricsSeries> series, uint64_t total_points,
                                   const Options& options)
    : bin_path_(std::move(bin_path)),
      fd_(fd),
      series_(std::move(series)),
      total_points_(total_points),
      options_(options) {
  options_.chunk_points = std::max<size_t>(options_.chunk_points, 1);
}

NetmetricsReader::~NetmetricsReader() { ::close(fd_); }

absl::StatusOr<std::unique_ptr<NetmetricsReader>> NetmetricsReader::Open(const std::string& dir,
                                                                         const Options& options) {
  const std::string csv_path = dir + "/series.csv";
  const std::string bin_path = dir + "/points.bin";
  absl::StatusOr<std::string> csv = ReadWholeFile(csv_path);
  if (!csv.ok()) return csv.status();
  absl::StatusOr<std::vector<NetmetricsSeries>> series = ParseNetmetricsSeriesCsv(*csv, csv_path);
  if (!series.ok()) return series.status();

  uint64_t total = 0;
  for (size_t i = 0; i < series->size(); ++i) {
    const NetmetricsSeries& s = (*series)[i];
    if (s.first_point != total) {
      return absl::InvalidArgumentError(
          "netmetrics: " + csv_path + ": series " + std::to_string(s.id) + " (row " +
          std::to_string(i + 1) + ") starts at point " + std::to_string(s.first_point) +
          ", but the series before it end at point " + std::to_string(total));
    }
    total += s.n_points;
    if (total > kMaxPoints) {
      return absl::InvalidArgumentError("netmetrics: " + csv_path + ": too many points");
    }
  }

  const int fd = ::open(bin_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "netmetrics: cannot open " + bin_path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return absl::ErrnoToStatus(e, "netmetrics: cannot stat " + bin_path);
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size != total * kRecordBytes) {
    ::close(fd);
    return absl::InvalidArgumentError("netmetrics: " + bin_path + " holds " + std::to_string(size) +
                                      " bytes, but " + csv_path + " lists " +
                                      std::to_string(total) + " points (" +
                                      std::to_string(total * kRecordBytes) + " bytes)");
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<NetmetricsReader>(
      new NetmetricsReader(bin_path, fd, *std::move(series), total, options));
}

bool NetmetricsReader::Fail(absl::Status status) {
  status_ = std::move(status);
  finished_ = true;
  return false;
}

bool NetmetricsReader::Next(NetmetricsChunk* chunk) {
  if (finished_) return false;
  while (index_ < series_.size() && started_ && offset_ == series_[index_].n_points) {
    ++index_;
    offset_ = 0;
    started_ = false;
  }
  if (index_ >= series_.size()) {
    finished_ = true;
    return false;
  }
  const NetmetricsSeries& s = series_[index_];
  const size_t count =
      static_cast<size_t>(std::min<uint64_t>(s.n_points - offset_, options_.chunk_points));
  const size_t bytes = count * kRecordBytes;
  raw_.resize(bytes);
  const uint64_t at = (s.first_point + offset_) * kRecordBytes;
  for (size_t done = 0; done < bytes;) {
    const ssize_t got =
        ::pread(fd_, raw_.data() + done, bytes - done, static_cast<off_t>(at + done));
    if (got > 0) {
      done += static_cast<size_t>(got);
    } else if (got == 0) {
      return Fail(absl::InvalidArgumentError(
          "netmetrics: " + bin_path_ + " ends at byte " + std::to_string(at + done) +
          " (it shrank after it was opened); series " + std::to_string(s.id) + " needs " +
          std::to_string(at + bytes)));
    } else if (errno != EINTR) {
      return Fail(absl::ErrnoToStatus(errno, "netmetrics: cannot read " + bin_path_));
    }
  }
  timestamps_.resize(count);
  values_.resize(count);
  for (size_t i = 0; i < count; ++i) {
    uint64_t t;
    uint64_t v;
    std::memcpy(&t, raw_.data() + i * kRecordBytes, 8);
    std::memcpy(&v, raw_.data() + i * kRecordBytes + 8, 8);
    if constexpr (std::endian::native == std::endian::big) {
      t = __builtin_bswap64(t);
      v = __builtin_bswap64(v);
    }
    timestamps_[i] = static_cast<int64_t>(t);
    values_[i] = std::bit_cast<double>(v);
  }
  int_values_.clear();
  if (s.type == catena::ValueType::kInt) {
    int_values_.resize(count);
    constexpr double kTwo63 = 9223372036854775808.0;
    for (size_t i = 0; i < count; ++i) {
      const double v = values_[i];
      if (!(v >= -kTwo63 && v < kTwo63) || v != std::trunc(v)) {
        std::string text;
        AppendFloatRepr(v, &text);
        return Fail(absl::InvalidArgumentError(
            "netmetrics: " + bin_path_ + ": series " + std::to_string(s.id) + " (" +
            s.key.ToString() + ", kind " + s.kind + ") point " + std::to_string(offset_ + i) +
            ": value " + text + " is not an integer in int64 range"));
      }
      int_values_[i] = static_cast<int64_t>(v);
    }
  }
  chunk->series_index = index_;
  chunk->series = &s;
  chunk->first = offset_;
  chunk->timestamps = timestamps_;
  chunk->values = values_;
  chunk->int_values = int_values_;
  offset_ += count;
  started_ = true;
  chunk->last = offset_ == s.n_points;
  return true;
}

}  // namespace cistern::cli
