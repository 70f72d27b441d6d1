// OpenMetrics / Prometheus text exposition: a streaming reader of sample lines and the printer of
// the same lines, for `cistern-cli tsdb import|export`. The printed form is exactly what
// ../shared/tools/netmetrics-gen writes into prom.om, so an export of an imported prom.om is the
// file again, byte for byte (the final "# EOF" line is the caller's to print).
//
//   auto reader = cistern::cli::OpenMetricsReader::Open("prom.om");
//   if (!reader.ok()) return reader.status();
//   cistern::cli::OpenMetricsSample s;
//   while ((*reader)->Next(&s)) {
//     if (!s.same_series) series = LookUp(*s.key);    // else: the previous line's series
//     series->Append(s.timestamp_ms, s.value);
//   }
//   if (!(*reader)->status().ok()) return (*reader)->status();
//
//   cistern::cli::SampleLinePrinter printer(key);   // `name{...} ` computed once
//   for (const catena::Sample& x : samples) printer.Append(x.timestamp_ms, x.value, &out);
//
// What is read (one line at a time; lines end in "\n", a "\r" before it is dropped, the last line
// may lack it):
//   - `name{label="value",...} VALUE [TIMESTAMP] [# exemplar]`. The name follows Prometheus'
//     rules ([a-zA-Z_:][a-zA-Z0-9_:]*; labels [a-zA-Z_][a-zA-Z0-9_]*); `name` alone and `name{}`
//     have no labels; labels keep the file's order; blanks (space, tab) may surround the label
//     tokens and a trailing comma is allowed, as Prometheus' own parser allows; a label name given
//     twice is an error. Label values take the escapes \\ \" \n and no others.
//   - VALUE: a plain decimal integer (optional sign, digits only) that fits int64 is Value::Int;
//     anything else is Value::Float, read with std::from_chars (correctly rounded), or NaN / Inf /
//     +Inf / -Inf / Infinity in any letter case. A value beyond the double range (1e400) is an
//     error; one below it (1e-400) reads as 0.0 with its sign.
//   - TIMESTAMP: OpenMetrics seconds, `[-]SECONDS[.FRACTION]`, turned into milliseconds from the
//     digits (never through a double): up to 3 fraction digits; more are refused unless they are
//     all zeros (a sub-millisecond time cannot be kept exactly). Options::timestamp_unit
//     kMilliseconds reads the Prometheus 0.0.4 form instead, integer milliseconds. Without a
//     timestamp the sample gets Options::default_timestamp_ms.
//   - Lines starting with '#' (TYPE, HELP, UNIT, other comments) and blank lines are skipped;
//     "# EOF" ends the input, and anything but blank lines after it is an error. An exemplar
//     (" # {...} v [ts]" after the sample) is skipped.
//
// What is printed (FormatSampleLine, SampleLinePrinter): `name{l="v",...} VALUE SECONDS.MMM\n`,
// just `name` when there are no labels; label values escaped as above; an Int as a decimal
// integer; a Float as Python's repr() prints it (shortest round-trip digits; fixed notation with at
// least one digit after the point when the decimal exponent is in [-4, 16), else `1e-05`,
// `1.5e+16`), except NaN, +Inf and -Inf, spelt the OpenMetrics way; timestamps as seconds with
// exactly 3 decimals, negative ones as their sign and magnitude (-1 ms is "-0.001").
//
// Errors: Open gives NotFound / PermissionDenied / ... from errno. Next returns false at the end of
// the input and on error; status() then tells them apart: OK at the end, InvalidArgument for a
// malformed line ("openmetrics: prom.om:12:34: label value not terminated"), ResourceExhausted for
// a line longer than Options::max_line_bytes, errno-derived codes for read failures. Errors stick:
// after one, Next keeps returning false. Printing has no errors.
//
// Lifetime / thread-safety: OpenMetricsSample::key and ::series_text point into the reader and are
// valid until the next Next() call (when same_series is true they are the same objects with the
// same contents as before). A reader made by FromText reads the caller's text in place; the text
// must outlive it. A reader is not thread-safe; the printing functions are pure.
#ifndef CISTERN_CLI_SRC_OPENMETRICS_H_
#define CISTERN_CLI_SRC_OPENMETRICS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cistern/catena/types.h"

namespace cistern::cli {

struct OpenMetricsSample {
  const catena::SeriesKey* key = nullptr;  // owned by the reader; see the lifetime note
  std::string_view series_text;            // the line's `name{...}` as written in the file
  // True when this line's series text is byte for byte the previous sample line's: *key was not
  // parsed again and is unchanged. False says nothing (the same series written differently).
  bool same_series = false;
  bool has_timestamp = false;  // false: timestamp_ms is Options::default_timestamp_ms
  int64_t timestamp_ms = 0;
  catena::Value value;
  uint64_t line = 0;  // 1-based line number in the input
};

class OpenMetricsReader {
 public:
  enum class TimestampUnit { kSeconds, kMilliseconds };
  struct Options {
    int64_t default_timestamp_ms = 0;  // for samples without a timestamp
    TimestampUnit timestamp_unit = TimestampUnit::kSeconds;
    size_t block_size = size_t{4} << 20;       // bytes per read(); the buffer grows for long lines
    size_t max_line_bytes = size_t{64} << 20;  // longer lines: ResourceExhausted
  };

  // `path` "-" reads standard input. The name appears in error messages.
  static absl::StatusOr<std::unique_ptr<OpenMetricsReader>> Open(const std::string& path,
                                                                 const Options& options);
  static absl::StatusOr<std::unique_ptr<OpenMetricsReader>> Open(const std::string& path) {
    return Open(path, Options());
  }
  // Reads `text` in place (no copy); `name` stands for it in error messages.
  static std::unique_ptr<OpenMetricsReader> FromText(std::string_view text, const Options& options,
                                                     std::string name = "<text>");
  static std::unique_ptr<OpenMetricsReader> FromText(std::string_view text) {
    return FromText(text, Options());
  }

  ~OpenMetricsReader();
  OpenMetricsReader(const OpenMetricsReader&) = delete;
  OpenMetricsReader& operator=(const OpenMetricsReader&) = delete;

  // The next sample; false at the end of the input or on error (see status()).
  bool Next(OpenMetricsSample* sample);
  // OK while reading and after a clean end; the error otherwise.
  const absl::Status& status() const { return status_; }

  uint64_t lines() const { return line_; }                 // lines read so far
  uint64_t samples() const { return samples_; }            // samples returned so far
  bool saw_eof_marker() const { return saw_eof_marker_; }  // "# EOF" was read

 private:
  OpenMetricsReader(std::string name, const Options& options, int fd);

  bool NextLine(std::string_view* line);
  bool Refill();
  bool ParseSample(std::string_view line, OpenMetricsSample* sample);
  bool ParseSeries(std::string_view line, size_t* pos);
  bool CheckRestAfterEof();
  bool Fail(absl::StatusCode code, size_t column, const std::string& what);

  std::string name_;
  Options options_;
  int fd_ = -1;  // -1: in-memory text
  bool close_fd_ = false;
  bool input_done_ = false;  // no more bytes will arrive after [pos_, end_)
  bool finished_ = false;    // Next returned false once
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  const char* pos_ = nullptr;  // unread bytes: [pos_, end_)
  const char* end_ = nullptr;
  size_t scanned_ = 0;  // bytes after pos_ known to hold no '\n'
  uint64_t line_ = 0;
  uint64_t samples_ = 0;
  bool saw_eof_marker_ = false;
  absl::Status status_;

  catena::SeriesKey key_;
  size_t label_count_ = 0;
  std::string series_text_;  // the last sample line's series text; empty: none
};

// Parses series text as it appears on a sample line, `name` or `name{l="v",...}`, with the same
// rules and errors as the reader (InvalidArgument, with the column).
absl::StatusOr<catena::SeriesKey> ParseSeriesText(std::string_view text);

// Parses a VALUE token as the reader does; InvalidArgument when it is not one.
absl::StatusOr<catena::Value> ParseValueText(std::string_view token);

// Appends `name{l="v",...}` (just `name` without labels), values escaped.
void AppendSeriesText(const catena::SeriesKey& key, std::string* out);
// Appends a float as Python's repr() prints it, but NaN, +Inf, -Inf.
void AppendFloatRepr(double v, std::string* out);
// Appends a value: an Int as decimal, a Float as AppendFloatRepr.
void AppendValueText(catena::Value v, std::string* out);
// Appends milliseconds as seconds with 3 decimals ("1736121607.441", "-0.001").
void AppendTimestampSeconds(int64_t ms, std::string* out);

// Appends one whole line, `name{...} VALUE SECONDS.MMM\n`.
void FormatSampleLine(const catena::SeriesKey& key, int64_t ts_ms, catena::Value value,
                      std::string* out);

// Lines of one series: the `name{...} ` prefix computed once, then each sample costs only its
// value and timestamp. Output equals FormatSampleLine's.
class SampleLinePrinter {
 public:
  SampleLinePrinter() = default;
  explicit SampleLinePrinter(const catena::SeriesKey& key) { SetSeries(key); }
  void SetSeries(const catena::SeriesKey& key);

  void Append(int64_t ts_ms, catena::Value value, std::string* out) const;
  void Append(std::span<const catena::Sample> samples, std::string* out) const;
  // timestamps and values of equal length.
  void Append(std::span<const int64_t> timestamps, std::span<const catena::Value> values,
              std::string* out) const;

  const std::string& prefix() const { return prefix_; }  // `name{...} `

 private:
  std::string prefix_;
};

}  // namespace cistern::cli

#endif  // CISTERN_CLI_SRC_OPENMETRICS_H_
