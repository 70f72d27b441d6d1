// A recursive-descent parser for the PromQL subset of query_parser.h. It reads bytes (names and
// operators are ASCII; strings may hold any bytes) and reports the offset of the first byte it
// cannot take. Depth is bounded: an aggregation and a call nest at most once each, parentheses at
// most kMaxParens deep.
#include "cistern/catena/query_parser.h"

#include <cstdint>
#include <cstdio>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cistern/base/status_macros.h"
#include "cistern/catena/series_reader.h"

namespace cistern::catena {
namespace {

constexpr int kMaxParens = 32;

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// A library message without its "catena: " prefix, to embed in another.
std::string_view WithoutPrefix(absl::string_view message) {
  absl::ConsumePrefix(&message, "catena: ");
  return std::string_view(message.data(), message.size());
}

// Prometheus' units, largest first (a duration must use them in this order).
struct Unit {
  std::string_view name;
  int64_t ms;
};
constexpr Unit kUnits[] = {{"y", 365 * 86'400'000LL},
                           {"w", 7 * 86'400'000LL},
                           {"d", 86'400'000},
                           {"h", 3'600'000},
                           {"m", 60'000},
                           {"s", 1'000},
                           {"ms", 1}};

struct DurationError {
  size_t pos = 0;
  std::string what;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }

std::optional<int64_t> ParseDuration(std::string_view text, DurationError* err) {
  if (text.empty()) {
    *err = {0, "expected a duration such as 5m, 1h30m or 250ms"};
    return std::nullopt;
  }
  if (text == "0") return 0;
  size_t pos = 0;
  size_t next_unit = 0;
  int64_t total = 0;
  while (pos < text.size()) {
    const size_t digits = pos;
    int64_t n = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, text[pos] - '0', &n)) {
        *err = {digits, "duration beyond 64-bit milliseconds"};
        return std::nullopt;
      }
      ++pos;
    }
    if (pos == digits) {
      *err = {pos, "expected a digit in the duration"};
      return std::nullopt;
    }
    const size_t unit_pos = pos;
    while (pos < text.size() && IsLower(text[pos])) ++pos;
    const std::string_view unit = text.substr(unit_pos, pos - unit_pos);
    size_t index = 0;
    while (index < std::size(kUnits) && kUnits[index].name != unit) ++index;
    if (index == std::size(kUnits)) {
      *err = {unit_pos, unit.empty() ? std::string("expected a unit (ms, s, m, h, d, w or y)")
                                     : absl::StrCat("unknown unit \"", AbslView(unit),
                                                    "\" (expected ms, s, m, h, d, w or y)")};
      return std::nullopt;
    }
    if (index < next_unit) {
      *err = {unit_pos, absl::StrCat("unit \"", AbslView(unit),
                                     "\" out of order (largest first, each at most once)")};
      return std::nullopt;
    }
    next_unit = index + 1;
    int64_t part;
    if (__builtin_mul_overflow(n, kUnits[index].ms, &part) ||
        __builtin_add_overflow(total, part, &total)) {
      *err = {digits, "duration beyond 64-bit milliseconds"};
      return std::nullopt;
    }
  }
  return total;
}

std::optional<Aggregation> AggregationFromName(std::string_view name) {
  for (Aggregation a : {Aggregation::kSum, Aggregation::kAvg, Aggregation::kMin, Aggregation::kMax,
                        Aggregation::kCount}) {
    if (AggregationName(a) == name) return a;
  }
  return std::nullopt;
}

std::optional<RangeFunction> FunctionFromName(std::string_view name) {
  for (RangeFunction f :
       {RangeFunction::kRate, RangeFunction::kIncrease, RangeFunction::kDelta,
        RangeFunction::kAvgOverTime, RangeFunction::kMinOverTime, RangeFunction::kMaxOverTime,
        RangeFunction::kSumOverTime, RangeFunction::kCountOverTime, RangeFunction::kLastOverTime}) {
    if (RangeFunctionName(f) == name) return f;
  }
  return std::nullopt;
}

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

// Where an expression sits: what it may still contain.
enum class Level { kTop, kInAggregation, kInCall };

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<QueryRequest> Parse() {
    QueryRequest q;
    CISTERN_RETURN_IF_ERROR(ParseExpr(&q, Level::kTop));
    SkipSpace();
    if (pos_ != text_.size()) return Expected(pos_, "the end of the query");
    return q;
  }

 private:
  absl::Status ErrorAt(size_t pos, std::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat("catena: query: at byte ", pos, ": ", AbslView(message)));
  }

  absl::Status Expected(size_t pos, std::string_view what) const {
    return ErrorAt(pos, absl::StrCat("expected ", AbslView(what), ", found ", Found(pos)));
  }

  // The token at `pos`, for messages.
  std::string Found(size_t pos) const {
    if (pos >= text_.size()) return "the end of the query";
    const std::string_view ident = IdentAt(pos);
    if (!ident.empty()) return absl::StrCat("\"", AbslView(ident), "\"");
    const unsigned char c = static_cast<unsigned char>(text_[pos]);
    if (c >= 0x20 && c < 0x7f)
      return absl::StrCat("\"", std::string(1, static_cast<char>(c)), "\"");
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
    return buf;
  }

  std::string_view IdentAt(size_t pos) const {
    if (pos >= text_.size() || !IsIdentStart(text_[pos])) return {};
    size_t end = pos + 1;
    while (end < text_.size() && IsIdentChar(text_[end])) ++end;
    return text_.substr(pos, end - pos);
  }

  size_t SkipSpaceFrom(size_t pos) const {
    while (pos < text_.size() &&
           (text_[pos] == ' ' || text_[pos] == '\t' || text_[pos] == '\n' || text_[pos] == '\r')) {
      ++pos;
    }
    return pos;
  }
  void SkipSpace() { pos_ = SkipSpaceFrom(pos_); }

  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool ConsumeText(std::string_view s) {
    if (text_.substr(pos_).starts_with(s)) {
      pos_ += s.size();
      return true;
    }
    return false;
  }

  absl::Status ParseExpr(QueryRequest* q, Level level) {
    SkipSpace();
    const size_t at = pos_;
    if (Consume('(')) {
      if (++parens_ > kMaxParens) return ErrorAt(at, "parentheses nested too deep");
      CISTERN_RETURN_IF_ERROR(ParseExpr(q, level));
      if (!Consume(')')) return Expected(pos_, "\")\"");
      --parens_;
      return absl::OkStatus();
    }
    const std::string_view ident = IdentAt(at);
    if (ident.empty()) {
      if (at < text_.size() && text_[at] == '{') return ParseSelector(q);
      return Expected(at, "a selector, a function or an aggregation");
    }
    const size_t after = SkipSpaceFrom(at + ident.size());
    const bool call = after < text_.size() && text_[after] == '(';
    if (std::optional<Aggregation> agg = AggregationFromName(ident)) {
      const std::string_view next = IdentAt(after);
      if (call || next == "by" || next == "without") {
        if (level == Level::kInAggregation)
          return ErrorAt(at, "nested aggregations are not supported");
        if (level == Level::kInCall) {
          return ErrorAt(at, "an aggregation inside a function is not supported");
        }
        pos_ = at + ident.size();
        return ParseAggregation(q, *agg, ident);
      }
    }
    if (call) {
      const std::optional<RangeFunction> f = FunctionFromName(ident);
      if (!f) {
        return ErrorAt(at, absl::StrCat("unknown function \"", AbslView(ident),
                                        "\" (expected rate, increase, delta, avg_over_time, "
                                        "min_over_time, max_over_time, sum_over_time, "
                                        "count_over_time or last_over_time)"));
      }
      if (level == Level::kInCall)
        return ErrorAt(at, "a function inside a function is not supported");
      pos_ = at + ident.size();
      return ParseCall(q, *f, ident);
    }
    return ParseSelector(q);
  }

  absl::Status ParseAggregation(QueryRequest* q, Aggregation agg, std::string_view name) {
    q->aggregation = agg;
    SkipSpace();
    bool grouped = false;
    const std::string_view before = IdentAt(pos_);
    if (before == "by" || before == "without") {
      CISTERN_RETURN_IF_ERROR(ParseGrouping(q));
      grouped = true;
    }
    if (!Consume('(')) return Expected(pos_, absl::StrCat("\"(\" after ", AbslView(name)));
    CISTERN_RETURN_IF_ERROR(ParseExpr(q, Level::kInAggregation));
    if (!Consume(')')) return Expected(pos_, absl::StrCat("\")\" closing ", AbslView(name), "("));
    SkipSpace();
    const std::string_view after = IdentAt(pos_);
    if (after == "by" || after == "without") {
      if (grouped) return ErrorAt(pos_, "the grouping is given twice");
      CISTERN_RETURN_IF_ERROR(ParseGrouping(q));
    }
    return absl::OkStatus();
  }

  // At "by" or "without".
  absl::Status ParseGrouping(QueryRequest* q) {
    const std::string_view keyword = IdentAt(pos_);
    q->without = keyword == "without";
    pos_ += keyword.size();
    if (!Consume('(')) return Expected(pos_, absl::StrCat("\"(\" after ", AbslView(keyword)));
    if (Consume(')')) return absl::OkStatus();
    while (true) {
      SkipSpace();
      const std::string_view label = IdentAt(pos_);
      if (label.empty() || !IsValidLabelName(label)) return Expected(pos_, "a label name");
      q->group_by.emplace_back(label);
      pos_ += label.size();
      if (Consume(',')) {
        if (Consume(')')) return absl::OkStatus();
        continue;
      }
      if (Consume(')')) return absl::OkStatus();
      return Expected(pos_, "\",\" or \")\" in the label list");
    }
  }

  // After the function's name.
  absl::Status ParseCall(QueryRequest* q, RangeFunction f, std::string_view name) {
    q->function = f;
    if (!Consume('(')) return Expected(pos_, "\"(\"");
    CISTERN_RETURN_IF_ERROR(ParseExpr(q, Level::kInCall));
    if (!Consume(')')) return Expected(pos_, absl::StrCat("\")\" closing ", AbslView(name), "("));
    return absl::OkStatus();
  }

  absl::Status ParseSelector(QueryRequest* q) {
    SkipSpace();
    const size_t selector_pos = pos_;
    std::vector<Matcher> matchers;
    const std::string_view metric = IdentAt(pos_);
    if (!metric.empty()) {
      if (!IsValidMetricName(metric)) return Expected(pos_, "a metric name");
      matchers.push_back({kMetricNameLabel, MatchOp::kEqual, std::string(metric)});
      pos_ += metric.size();
    }
    if (Consume('{')) {
      while (true) {
        if (Consume('}')) break;
        SkipSpace();
        const size_t label_pos = pos_;
        const std::string_view label = IdentAt(pos_);
        if (label.empty() || !IsValidLabelName(label)) return Expected(pos_, "a label name");
        if (label == kMetricNameLabel && !metric.empty()) {
          return ErrorAt(label_pos,
                         "the metric name is given twice (before the braces and as __name__)");
        }
        pos_ += label.size();
        SkipSpace();
        Matcher m;
        m.name = std::string(label);
        if (ConsumeText("=~")) {
          m.op = MatchOp::kRegexMatch;
        } else if (ConsumeText("!~")) {
          m.op = MatchOp::kRegexNoMatch;
        } else if (ConsumeText("!=")) {
          m.op = MatchOp::kNotEqual;
        } else if (ConsumeText("=")) {
          m.op = MatchOp::kEqual;
        } else {
          return Expected(pos_, "a matcher operator (=, !=, =~ or !~)");
        }
        SkipSpace();
        const size_t value_pos = pos_;
        CISTERN_ASSIGN_OR_RETURN(m.value, ParseString());
        if (m.op == MatchOp::kRegexMatch || m.op == MatchOp::kRegexNoMatch) {
          absl::StatusOr<MatcherSet> one = MatcherSet::Compile(absl::MakeConstSpan(&m, 1));
          if (!one.ok()) {
            return ErrorAt(value_pos, WithoutPrefix(one.status().message()));
          }
        }
        matchers.push_back(std::move(m));
        if (Consume(',')) continue;
        if (Consume('}')) break;
        return Expected(pos_, "\",\" or \"}\" after a matcher");
      }
    } else if (metric.empty()) {
      return Expected(pos_, "a metric name or \"{\"");
    }
    if (Consume('[')) {
      SkipSpace();
      const size_t duration_pos = pos_;
      size_t end = pos_;
      while (end < text_.size() && (IsDigit(text_[end]) || IsLower(text_[end]))) ++end;
      DurationError err;
      const std::optional<int64_t> range =
          ParseDuration(text_.substr(duration_pos, end - duration_pos), &err);
      if (!range) return ErrorAt(duration_pos + err.pos, err.what);
      if (*range == 0) return ErrorAt(duration_pos, "a range must be longer than 0");
      pos_ = end;
      if (!Consume(']')) return Expected(pos_, "\"]\" closing the range");
    }
    // As Prometheus: a selector must narrow the series down.
    absl::StatusOr<MatcherSet> set = MatcherSet::Compile(matchers);
    if (!set.ok()) return ErrorAt(selector_pos, WithoutPrefix(set.status().message()));
    bool narrows = false;
    for (size_t i = 0; i < matchers.size() && !narrows; ++i) narrows = !set->MatchesValue(i, "");
    if (!narrows) {
      return ErrorAt(selector_pos,
                     "a selector needs at least one matcher that does not match the empty string");
    }
    q->matchers = std::move(matchers);
    return absl::OkStatus();
  }

  // A quoted string at pos_: "..." or '...' with escapes, or `...` raw.
  absl::StatusOr<std::string> ParseString() {
    const size_t start = pos_;
    if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'' && text_[pos_] != '`')) {
      return Expected(pos_, "a quoted string");
    }
    const char quote = text_[pos_++];
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) return ErrorAt(start, "unterminated string");
      const char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        return out;
      }
      if (quote != '`') {
        if (c == '\n') return ErrorAt(pos_, "newline in a string (write \\n)");
        if (c == '\\') {
          if (pos_ + 1 >= text_.size()) return ErrorAt(start, "unterminated string");
          switch (text_[pos_ + 1]) {
            case '"':
              out.push_back('"');
              break;
            case '\'':
              out.push_back('\'');
              break;
            case '\\':
              out.push_back('\\');
              break;
            case 'n':
              out.push_back('\n');
              break;
            case 't':
              out.push_back('\t');
              break;
            case 'r':
              out.push_back('\r');
              break;
            default:
              return ErrorAt(pos_, absl::StrCat("unknown escape ", Found(pos_ + 1),
                                                " after a backslash (write \\\\ for a backslash)"));
          }
          pos_ += 2;
          continue;
        }
      }
      out.push_back(c);
      ++pos_;
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  int parens_ = 0;
};

}  // namespace

absl::StatusOr<QueryRequest> ParseQuery(std::string_view text) { return Parser(text).Parse(); }

absl::StatusOr<int64_t> ParseDurationMs(std::string_view text) {
  DurationError err;
  const std::optional<int64_t> ms = ParseDuration(text, &err);
  if (!ms) {
    return absl::InvalidArgumentError(absl::StrCat("catena: duration \"", AbslView(text),
                                                   "\": at byte ", err.pos, ": ", err.what));
  }
  return *ms;
}

}  // namespace cistern::catena
