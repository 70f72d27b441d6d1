#include "openmetrics.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>
#include <utility>

namespace cistern::cli {
namespace {

using catena::Label;
using catena::SeriesKey;
using catena::Value;

// The longest text WriteValue and WriteTimestamp produce: "-1.7976931348623157e+308" (24),
// "-9223372036854775808" (20); "-9223372036854775.808" (21).
constexpr size_t kMaxValueChars = 32;
constexpr size_t kMaxTimestampChars = 24;
constexpr size_t kMaxTailChars = kMaxValueChars + 1 + kMaxTimestampChars + 1;  // " " and "\n"

// Character classes of Prometheus names.
enum : uint8_t { kNameStart = 1, kNameChar = 2, kLabelStart = 4, kLabelChar = 8 };

constexpr std::array<uint8_t, 256> MakeCharClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    uint8_t v = 0;
    if (alpha || c == ':') v |= kNameStart | kNameChar;
    if (digit) v |= kNameChar | kLabelChar;
    if (alpha) v |= kLabelStart | kLabelChar;
    t[static_cast<size_t>(c)] = v;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kCharClasses = MakeCharClasses();

bool Is(char c, uint8_t cls) { return (kCharClasses[static_cast<unsigned char>(c)] & cls) != 0; }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A syntax error: 0-based byte position in the parsed text and what is wrong.
struct SyntaxError {
  size_t pos = 0;
  std::string what;
};

bool Error(SyntaxError* err, size_t pos, std::string what) {
  err->pos = pos;
  err->what = std::move(what);
  return false;
}

std::string Quoted(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  out.append(s.substr(0, kMax));
  if (s.size() > kMax) out.append("...");
  out.push_back('"');
  return out;
}

// Parses a label value at s[*pos] == '"' into *value, leaving *pos after the closing quote.
bool ParseLabelValue(std::string_view s, size_t* pos, std::string* value, SyntaxError* err) {
  const size_t open = *pos;
  size_t p = open + 1;
  value->clear();
  size_t run = p;
  while (true) {
    while (p < s.size() && s[p] != '"' && s[p] != '\\') ++p;
    if (p >= s.size()) return Error(err, open, "label value not terminated (no closing '\"')");
    value->append(s.data() + run, p - run);
    if (s[p] == '"') {
      *pos = p + 1;
      return true;
    }
    if (p + 1 >= s.size()) return Error(err, p, "label value not terminated (ends in '\\')");
    switch (s[p + 1]) {
      case '\\':
        value->push_back('\\');
        break;
      case '"':
        value->push_back('"');
        break;
      case 'n':
        value->push_back('\n');
        break;
      default:
        return Error(err, p,
                     std::string("unknown escape '\\") + s[p + 1] +
                         "' in a label value (only \\\\, \\\" and \\n are allowed)");
    }
    p += 2;
    run = p;
  }
}

// Parses `name` or `name{l="v",...}` at the start of `s` into *key, reusing its strings' storage;
// *pos is left after the series text.
bool ParseSeriesInto(std::string_view s, size_t* pos, SeriesKey* key, SyntaxError* err) {
  size_t p = 0;
  const size_t n = s.size();
  if (n == 0 || !Is(s[0], kNameStart)) return Error(err, 0, "expected a metric name");
  while (p < n && Is(s[p], kNameChar)) ++p;
  key->metric.assign(s.data(), p);
  size_t count = 0;
  if (p < n && s[p] == '{') {
    ++p;
    const auto skip_blanks = [&] {
      while (p < n && IsBlank(s[p])) ++p;
    };
    while (true) {
      skip_blanks();
      if (p >= n) return Error(err, p, "series not terminated: expected '}'");
      if (s[p] == '}') break;  // `{}`, or after a trailing comma
      if (!Is(s[p], kLabelStart)) return Error(err, p, "expected a label name");
      const size_t name_start = p;
      while (p < n && Is(s[p], kLabelChar)) ++p;
      const std::string_view name = s.substr(name_start, p - name_start);
      for (size_t j = 0; j < count; ++j) {
        if (key->labels[j].name == name) {
          return Error(err, name_start, "label " + std::string(name) + " given twice");
        }
      }
      skip_blanks();
      if (p >= n || s[p] != '=') return Error(err, p, "expected '=' after a label name");
      ++p;
      skip_blanks();
      if (p >= n || s[p] != '"') return Error(err, p, "expected '\"' to open a label value");
      if (count == key->labels.size()) key->labels.emplace_back();
      Label& label = key->labels[count];
      if (!ParseLabelValue(s, &p, &label.value, err)) return false;
      label.name.assign(name.data(), name.size());
      ++count;
      skip_blanks();
      if (p < n && s[p] == ',') {
        ++p;
        continue;
      }
      if (p < n && s[p] == '}') break;
      if (p >= n) return Error(err, p, "series not terminated: expected '}'");
      return Error(err, p, "expected ',' or '}' after a label value");
    }
    ++p;  // the '}'
  }
  key->labels.resize(count);
  *pos = p;
  return true;
}

bool EqualsIgnoreCase(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// For a decimal number std::from_chars found out of range: whether it is too large (true) or too
// small (false). Its decimal magnitude (the exponent of its leading digit, plus one) decides:
// doubles span magnitudes -323 to 309, so the sign of the magnitude tells the two apart.
bool IsOverflow(std::string_view digits) {
  const size_t e = digits.find_first_of("eE");
  const std::string_view mantissa = digits.substr(0, e);
  int64_t exponent = 0;
  if (e != std::string_view::npos) {
    size_t p = e + 1;
    bool neg = false;
    if (p < digits.size() && (digits[p] == '+' || digits[p] == '-')) neg = digits[p++] == '-';
    for (; p < digits.size() && IsDigit(digits[p]); ++p) {
      exponent = std::min<int64_t>(exponent * 10 + (digits[p] - '0'), int64_t{1} << 40);
    }
    if (neg) exponent = -exponent;
  }
  const size_t point = std::min(mantissa.find('.'), mantissa.size());
  const std::string_view int_part = mantissa.substr(0, point);
  const size_t first = int_part.find_first_not_of('0');
  int64_t magnitude;
  if (first != std::string_view::npos) {
    magnitude = static_cast<int64_t>(int_part.size() - first);
  } else {
    const std::string_view frac = point < mantissa.size() ? mantissa.substr(point + 1) : "";
    magnitude = -static_cast<int64_t>(std::min(frac.find_first_not_of('0'), frac.size()));
  }
  return magnitude + exponent > 0;
}

// The VALUE rules of the header. On failure *why says what is wrong.
bool ParseValueToken(std::string_view tok, Value* out, std::string* why) {
  const char* p = tok.data();
  const char* const end = p + tok.size();
  bool neg = false;
  if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
  const char* const unsigned_start = p;
  // A plain decimal integer that fits int64.
  const char* digits = p;
  while (p < end && IsDigit(*p)) ++p;
  if (p == end && p != digits) {
    while (digits + 1 < end && *digits == '0') ++digits;  // leading zeros
    const size_t count = static_cast<size_t>(end - digits);
    uint64_t v = 0;
    if (count <= 19) {
      for (const char* q = digits; q < end; ++q) v = v * 10 + static_cast<uint64_t>(*q - '0');
      const uint64_t limit = neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
      if (v <= limit) {
        *out = Value::Int(neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v));
        return true;
      }
    }
    // Does not fit int64: a float, below.
  }
  p = unsigned_start;
  const std::string_view rest(p, static_cast<size_t>(end - p));
  double d;
  if (EqualsIgnoreCase(rest, "inf") || EqualsIgnoreCase(rest, "infinity")) {
    d = std::numeric_limits<double>::infinity();
  } else if (EqualsIgnoreCase(rest, "nan")) {
    d = std::numeric_limits<double>::quiet_NaN();
  } else {
    if (rest.empty() || !(IsDigit(rest[0]) || rest[0] == '.')) {
      *why = "not a number: " + Quoted(tok);
      return false;
    }
    const std::from_chars_result r = std::from_chars(p, end, d, std::chars_format::general);
    if (r.ec == std::errc::result_out_of_range && r.ptr == end) {
      if (IsOverflow(rest)) {
        *why = "value out of the range of a double: " + Quoted(tok);
        return false;
      }
      d = 0.0;  // below the smallest subnormal: rounds to zero
    } else if (r.ec != std::errc() || r.ptr != end) {
      *why = "not a number: " + Quoted(tok);
      return false;
    }
  }
  *out = Value::Float(neg ? -d : d);
  return true;
}

// OpenMetrics seconds to exact milliseconds.
bool ParseSecondsToken(std::string_view tok, int64_t* ms, std::string* why) {
  const char* p = tok.data();
  const char* const end = p + tok.size();
  bool neg = false;
  if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
  constexpr uint64_t kMaxSeconds = 10'000'000'000'000'000;  // beyond int64 milliseconds anyway
  uint64_t seconds = 0;
  size_t int_digits = 0;
  for (; p < end && IsDigit(*p); ++p, ++int_digits) {
    seconds = seconds * 10 + static_cast<uint64_t>(*p - '0');
    if (seconds > kMaxSeconds) {
      *why = "timestamp out of range: " + Quoted(tok);
      return false;
    }
  }
  uint64_t frac = 0;
  size_t frac_digits = 0;
  if (p < end && *p == '.') {
    ++p;
    for (; p < end && IsDigit(*p); ++p, ++frac_digits) {
      if (frac_digits < 3) {
        frac = frac * 10 + static_cast<uint64_t>(*p - '0');
      } else if (*p != '0') {
        *why = "timestamp " + Quoted(tok) +
               " has more than 3 decimals: a time finer than a millisecond cannot be kept exactly";
        return false;
      }
    }
  }
  if (p != end || int_digits + frac_digits == 0) {
    *why = "timestamp is not a decimal number of seconds: " + Quoted(tok);
    return false;
  }
  for (size_t i = frac_digits; i < 3; ++i) frac *= 10;
  const uint64_t total = seconds * 1000 + frac;
  const uint64_t limit = neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (total > limit) {
    *why = "timestamp out of range: " + Quoted(tok);
    return false;
  }
  *ms = neg ? static_cast<int64_t>(0 - total) : static_cast<int64_t>(total);
  return true;
}

bool ParseMillisecondsToken(std::string_view tok, int64_t* ms, std::string* why) {
  Value v;
  std::string ignored;
  if (!ParseValueToken(tok, &v, &ignored) || v.type != catena::ValueType::kInt) {
    *why = "timestamp is not an integer number of milliseconds: " + Quoted(tok);
    return false;
  }
  *ms = v.AsInt();
  return true;
}

// --- printing

char* WriteFloatRepr(double v, char* out) {
  if (std::isnan(v)) return std::copy_n("NaN", 3, out);
  if (std::isinf(v)) return std::copy_n(v < 0 ? "-Inf" : "+Inf", 4, out);
  // Shortest round-trip digits in scientific form: [-]d[.ddd]e(+|-)XX[X]. That is Python's repr
  // already whenever repr uses exponent notation; otherwise lay the digits out in fixed notation.
  char sci[kMaxValueChars];
  const std::to_chars_result r =
      std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  const char* p = sci;
  const char* const end = r.ptr;
  const char* e = p;
  while (*e != 'e') ++e;
  int exponent = 0;
  std::from_chars(e + (e[1] == '+' ? 2 : 1), end, exponent);
  if (exponent < -4 || exponent >= 16) return std::copy(p, end, out);
  if (*p == '-') *out++ = *p++;
  // The digits: p[0], then p[2..e) when there is a point.
  char digits[20];
  size_t nd = 0;
  digits[nd++] = p[0];
  for (const char* q = p + 2; q < e; ++q) digits[nd++] = *q;
  if (exponent >= 0) {
    const size_t int_digits = static_cast<size_t>(exponent) + 1;
    if (nd <= int_digits) {
      out = std::copy_n(digits, nd, out);
      out = std::fill_n(out, int_digits - nd, '0');
      *out++ = '.';
      *out++ = '0';
    } else {
      out = std::copy_n(digits, int_digits, out);
      *out++ = '.';
      out = std::copy(digits + int_digits, digits + nd, out);
    }
  } else {
    *out++ = '0';
    *out++ = '.';
    out = std::fill_n(out, -exponent - 1, '0');
    out = std::copy_n(digits, nd, out);
  }
  return out;
}

char* WriteValue(Value v, char* out) {
  if (v.type == catena::ValueType::kInt) {
    return std::to_chars(out, out + kMaxValueChars, v.AsInt()).ptr;
  }
  return WriteFloatRepr(v.AsDouble(), out);
}

char* WriteTimestamp(int64_t ms, char* out) {
  uint64_t u = static_cast<uint64_t>(ms);
  if (ms < 0) {
    *out++ = '-';
    u = 0 - u;
  }
  out = std::to_chars(out, out + 20, u / 1000).ptr;
  const unsigned frac = static_cast<unsigned>(u % 1000);
  out[0] = '.';
  out[1] = static_cast<char>('0' + frac / 100);
  out[2] = static_cast<char>('0' + frac / 10 % 10);
  out[3] = static_cast<char>('0' + frac % 10);
  return out + 4;
}

// " VALUE SECONDS\n" after a series text without its trailing blank.
char* WriteTail(int64_t ts_ms, Value v, char* out) {
  out = WriteValue(v, out);
  *out++ = ' ';
  out = WriteTimestamp(ts_ms, out);
  *out++ = '\n';
  return out;
}

}  // namespace

// --- OpenMetricsReader

OpenMetricsReader::OpenMetricsReader(std::string name, const Options& options, int fd)
    : name_(std::move(name)), options_(options), fd_(fd) {
  options_.block_size = std::max<size_t>(options_.block_size, 1);
}

OpenMetricsReader::~OpenMetricsReader() {
  if (close_fd_) ::close(fd_);
}

absl::StatusOr<std::unique_ptr<OpenMetricsReader>> OpenMetricsReader::Open(const std::string& path,
                                                                           const Options& options) {
  int fd = 0;
  if (path != "-") {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return absl::ErrnoToStatus(errno, "openmetrics: cannot open " + path);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  std::unique_ptr<OpenMetricsReader> reader(
      new OpenMetricsReader(path == "-" ? "<stdin>" : path, options, fd));
  reader->close_fd_ = path != "-";
  return reader;
}

std::unique_ptr<OpenMetricsReader> OpenMetricsReader::FromText(std::string_view text,
                                                               const Options& options,
                                                               std::string name) {
  std::unique_ptr<OpenMetricsReader> reader(new OpenMetricsReader(std::move(name), options, -1));
  reader->pos_ = text.data();
  reader->end_ = text.data() + text.size();
  reader->input_done_ = true;
  return reader;
}

bool OpenMetricsReader::Fail(absl::StatusCode code, size_t column, const std::string& what) {
  status_ = absl::Status(code, "openmetrics: " + name_ + ":" + std::to_string(line_) + ":" +
                                   std::to_string(column) + ": " + what);
  finished_ = true;
  return false;
}

bool OpenMetricsReader::Refill() {
  const size_t have = static_cast<size_t>(end_ - pos_);
  if (buffer_ == nullptr || have == capacity_) {
    if (have >= options_.max_line_bytes) {
      status_ = absl::ResourceExhaustedError("openmetrics: " + name_ + ":" +
                                             std::to_string(line_ + 1) + ": line longer than " +
                                             std::to_string(options_.max_line_bytes) + " bytes");
      return false;
    }
    const size_t capacity = buffer_ == nullptr ? options_.block_size : 2 * capacity_;
    std::unique_ptr<char[]> bigger(new char[capacity]);
    if (have > 0) std::memcpy(bigger.get(), pos_, have);
    buffer_ = std::move(bigger);
    capacity_ = capacity;
  } else if (pos_ != buffer_.get() && have > 0) {
    std::memmove(buffer_.get(), pos_, have);
  }
  pos_ = buffer_.get();
  end_ = pos_ + have;
  while (true) {
    const ssize_t n = ::read(fd_, buffer_.get() + have, capacity_ - have);
    if (n > 0) {
      end_ += n;
      return true;
    }
    if (n == 0) {
      input_done_ = true;
      return true;
    }
    if (errno != EINTR) {
      status_ = absl::ErrnoToStatus(errno, "openmetrics: cannot read " + name_);
      return false;
    }
  }
}

bool OpenMetricsReader::NextLine(std::string_view* line) {
  while (true) {
    const size_t avail = static_cast<size_t>(end_ - pos_);
    const char* nl =
        avail > scanned_
            ? static_cast<const char*>(std::memchr(pos_ + scanned_, '\n', avail - scanned_))
            : nullptr;
    const char* stop;
    if (nl != nullptr) {
      stop = nl;
    } else if (input_done_) {
      if (pos_ == end_) return false;
      stop = end_;
    } else {
      scanned_ = avail;
      if (!Refill()) return false;
      continue;
    }
    const char* begin = pos_;
    pos_ = nl != nullptr ? nl + 1 : end_;
    scanned_ = 0;
    ++line_;
    size_t len = static_cast<size_t>(stop - begin);
    if (len > options_.max_line_bytes) {
      status_ = absl::ResourceExhaustedError("openmetrics: " + name_ + ":" + std::to_string(line_) +
                                             ": line longer than " +
                                             std::to_string(options_.max_line_bytes) + " bytes");
      return false;
    }
    if (len > 0 && begin[len - 1] == '\r') --len;
    *line = std::string_view(begin, len);
    return true;
  }
}

bool OpenMetricsReader::CheckRestAfterEof() {
  std::string_view line;
  while (NextLine(&line)) {
    if (line.find_first_not_of(" \t") != std::string_view::npos) {
      return Fail(absl::StatusCode::kInvalidArgument, 1, "text after \"# EOF\"");
    }
  }
  return status_.ok();
}

bool OpenMetricsReader::ParseSeries(std::string_view line, size_t* pos) {
  SyntaxError err;
  if (!ParseSeriesInto(line, pos, &key_, &err)) {
    return Fail(absl::StatusCode::kInvalidArgument, err.pos + 1, err.what);
  }
  return true;
}

bool OpenMetricsReader::ParseSample(std::string_view line, OpenMetricsSample* sample) {
  const char* d = line.data();
  const size_t n = line.size();
  const size_t k = series_text_.size();
  size_t p;
  bool same;
  if (k != 0 && n > k && IsBlank(d[k]) && std::memcmp(d, series_text_.data(), k) == 0) {
    p = k;
    same = true;
  } else {
    series_text_.clear();
    if (!ParseSeries(line, &p)) return false;
    series_text_.assign(d, p);
    same = false;
  }
  if (p >= n) return Fail(absl::StatusCode::kInvalidArgument, p + 1, "missing value");
  if (!IsBlank(d[p])) {
    return Fail(absl::StatusCode::kInvalidArgument, p + 1,
                "expected a blank after the series, not '" + std::string(1, d[p]) + "'");
  }
  while (p < n && IsBlank(d[p])) ++p;
  if (p >= n) return Fail(absl::StatusCode::kInvalidArgument, p + 1, "missing value");
  const size_t value_start = p;
  while (p < n && !IsBlank(d[p])) ++p;
  std::string why;
  if (!ParseValueToken(line.substr(value_start, p - value_start), &sample->value, &why)) {
    return Fail(absl::StatusCode::kInvalidArgument, value_start + 1, why);
  }
  while (p < n && IsBlank(d[p])) ++p;
  if (p == n || d[p] == '#') {  // no timestamp (and perhaps an exemplar)
    sample->has_timestamp = false;
    sample->timestamp_ms = options_.default_timestamp_ms;
  } else {
    const size_t ts_start = p;
    while (p < n && !IsBlank(d[p])) ++p;
    const std::string_view tok = line.substr(ts_start, p - ts_start);
    const bool ok = options_.timestamp_unit == TimestampUnit::kSeconds
                        ? ParseSecondsToken(tok, &sample->timestamp_ms, &why)
                        : ParseMillisecondsToken(tok, &sample->timestamp_ms, &why);
    if (!ok) return Fail(absl::StatusCode::kInvalidArgument, ts_start + 1, why);
    sample->has_timestamp = true;
    while (p < n && IsBlank(d[p])) ++p;
    if (p < n && d[p] != '#') {
      return Fail(absl::StatusCode::kInvalidArgument, p + 1, "unexpected text after the timestamp");
    }
  }
  sample->key = &key_;
  sample->series_text = series_text_;
  sample->same_series = same;
  sample->line = line_;
  return true;
}

bool OpenMetricsReader::Next(OpenMetricsSample* sample) {
  if (finished_) return false;
  std::string_view line;
  while (true) {
    if (!NextLine(&line)) {
      finished_ = true;
      return false;
    }
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (line == "# EOF") {
        saw_eof_marker_ = true;
        CheckRestAfterEof();
        finished_ = true;
        return false;
      }
      continue;  // # TYPE, # HELP, # UNIT, comments
    }
    if (IsBlank(line[0])) {
      const size_t text = line.find_first_not_of(" \t");
      if (text == std::string_view::npos) continue;  // a blank line
      return Fail(absl::StatusCode::kInvalidArgument, text + 1, "line starts with blanks");
    }
    if (!ParseSample(line, sample)) return false;
    ++samples_;
    return true;
  }
}

// --- free functions

absl::StatusOr<catena::SeriesKey> ParseSeriesText(std::string_view text) {
  SeriesKey key;
  size_t pos = 0;
  SyntaxError err;
  if (!ParseSeriesInto(text, &pos, &key, &err)) {
    return absl::InvalidArgumentError("openmetrics: column " + std::to_string(err.pos + 1) + ": " +
                                      err.what);
  }
  if (pos != text.size()) {
    return absl::InvalidArgumentError("openmetrics: column " + std::to_string(pos + 1) +
                                      ": unexpected text after the series");
  }
  return key;
}

absl::StatusOr<catena::Value> ParseValueText(std::string_view token) {
  Value v;
  std::string why;
  if (!ParseValueToken(token, &v, &why)) return absl::InvalidArgumentError("openmetrics: " + why);
  return v;
}

void AppendSeriesText(const catena::SeriesKey& key, std::string* out) {
  out->append(key.metric);
  if (key.labels.empty()) return;
  out->push_back('{');
  for (size_t i = 0; i < key.labels.size(); ++i) {
    if (i != 0) out->push_back(',');
    out->append(key.labels[i].name);
    out->append("=\"");
    const std::string& v = key.labels[i].value;
    size_t run = 0;
    for (size_t j = 0; j < v.size(); ++j) {
      const char c = v[j];
      if (c != '\\' && c != '"' && c != '\n') continue;
      out->append(v, run, j - run);
      out->append(c == '\\' ? "\\\\" : c == '"' ? "\\\"" : "\\n");
      run = j + 1;
    }
    out->append(v, run, std::string::npos);
    out->push_back('"');
  }
  out->push_back('}');
}

void AppendFloatRepr(double v, std::string* out) {
  char buf[kMaxValueChars];
  const char* end = WriteFloatRepr(v, buf);
  out->append(buf, static_cast<size_t>(end - buf));
}

void AppendValueText(catena::Value v, std::string* out) {
  char buf[kMaxValueChars];
  const char* end = WriteValue(v, buf);
  out->append(buf, static_cast<size_t>(end - buf));
}

void AppendTimestampSeconds(int64_t ms, std::string* out) {
  char buf[kMaxTimestampChars];
  const char* end = WriteTimestamp(ms, buf);
  out->append(buf, static_cast<size_t>(end - buf));
}

void FormatSampleLine(const catena::SeriesKey& key, int64_t ts_ms, catena::Value value,
                      std::string* out) {
  AppendSeriesText(key, out);
  out->push_back(' ');
  char buf[kMaxTailChars];
  const char* end = WriteTail(ts_ms, value, buf);
  out->append(buf, static_cast<size_t>(end - buf));
}

// --- SampleLinePrinter

void SampleLinePrinter::SetSeries(const catena::SeriesKey& key) {
  prefix_.clear();
  AppendSeriesText(key, &prefix_);
  prefix_.push_back(' ');
}

void SampleLinePrinter::Append(int64_t ts_ms, catena::Value value, std::string* out) const {
  char buf[kMaxTailChars];
  const char* end = WriteTail(ts_ms, value, buf);
  out->append(prefix_);
  out->append(buf, static_cast<size_t>(end - buf));
}

void SampleLinePrinter::Append(std::span<const catena::Sample> samples, std::string* out) const {
  const size_t old = out->size();
  const size_t k = prefix_.size();
  out->resize(old + samples.size() * (k + kMaxTailChars));
  char* w = out->data() + old;
  for (const catena::Sample& s : samples) {
    std::memcpy(w, prefix_.data(), k);
    w = WriteTail(s.timestamp_ms, s.value, w + k);
  }
  out->resize(static_cast<size_t>(w - out->data()));
}

void SampleLinePrinter::Append(std::span<const int64_t> timestamps,
                               std::span<const catena::Value> values, std::string* out) const {
  const size_t count = std::min(timestamps.size(), values.size());
  const size_t old = out->size();
  const size_t k = prefix_.size();
  out->resize(old + count * (k + kMaxTailChars));
  char* w = out->data() + old;
  for (size_t i = 0; i < count; ++i) {
    std::memcpy(w, prefix_.data(), k);
    w = WriteTail(timestamps[i], values[i], w + k);
  }
  out->resize(static_cast<size_t>(w - out->data()));
}

}  // namespace cistern::cli
