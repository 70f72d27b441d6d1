// MatcherSet: label matchers compiled once, Prometheus semantics (see series_reader.h).
//
// Every regex is compiled with std::regex (ECMAScript) and matched with std::regex_match, which
// anchors it at both ends. std::regex is slow, so the common shapes are answered without it:
//   "literal"       plain equality             "a|b|c"   one of the literals
//   ".*"            anything                   ".+"      anything non-empty
//   "literal.*"     a prefix
// ECMAScript's `.` does not match '\n' or '\r'; the shortcuts hand a value holding either to the
// regex, so they always agree with it. Other regexes remember their answers per value (a bounded
// cache under a mutex: const methods may be called from several threads at once).

// GCC 12 warns falsely inside libstdc++'s <regex> at -O1 with sanitizers (GCC bug 105616).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "cistern/catena/series_reader.h"

#include <cstdint>
#include <exception>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace cistern::catena {
namespace {

// Values remembered per regex matcher before the cache starts over.
constexpr size_t kMaxCachedValues = 4096;

enum class Kind : uint8_t {
  kEqual,         // literal == value
  kAny,           // .*
  kNonEmpty,      // .+
  kPrefix,        // literal.*
  kAlternatives,  // lit|lit|...
  kRegex,         // anything else
};

bool IsRegexMeta(char c) {
  switch (c) {
    case '\\':
    case '^':
    case '$':
    case '.':
    case '*':
    case '+':
    case '?':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '|':
      return true;
    default:
      return false;
  }
}

bool IsLiteral(std::string_view s) {
  for (char c : s) {
    if (IsRegexMeta(c)) return false;
  }
  return true;
}

bool HasLineTerminator(std::string_view s) {
  return s.find_first_of("\n\r") != std::string_view::npos;
}

std::string_view OpText(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual:
      return "=";
    case MatchOp::kNotEqual:
      return "!=";
    case MatchOp::kRegexMatch:
      return "=~";
    case MatchOp::kRegexNoMatch:
      return "!~";
  }
  return "?";
}

std::string Describe(const Matcher& m) {
  std::string out = m.name;
  out.append(OpText(m.op));
  out.push_back('"');
  for (char c : m.value) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

struct MatcherSet::Compiled {
  struct Entry {
    Kind kind = Kind::kEqual;
    bool negate = false;                    // != and !~
    bool metric = false;                    // the matcher reads the metric name
    std::string literal;                    // kEqual, kPrefix
    std::vector<std::string> alternatives;  // kAlternatives
    std::optional<std::regex> regex;        // every =~ and !~
  };
  std::vector<Entry> entries;

  absl::Mutex mu;
  // One cache per entry (empty for entries without a regex): value -> regex_match result.
  std::vector<absl::flat_hash_map<std::string, bool>> cache ABSL_GUARDED_BY(mu);

  bool RegexMatches(size_t index, std::string_view value) {
    const absl::string_view key(value.data(), value.size());
    {
      absl::MutexLock lock(&mu);
      auto it = cache[index].find(key);
      if (it != cache[index].end()) return it->second;
    }
    bool result = false;
    try {
      result = std::regex_match(value.begin(), value.end(), *entries[index].regex);
    } catch (const std::exception&) {
      // libstdc++ may give up on a pathological match (error_complexity, error_stack): no match.
      result = false;
    }
    absl::MutexLock lock(&mu);
    auto& c = cache[index];
    if (c.size() >= kMaxCachedValues) c.clear();
    c.emplace(key, result);
    return result;
  }

  bool Positive(size_t index, std::string_view value) {
    const Entry& e = entries[index];
    switch (e.kind) {
      case Kind::kEqual:
        return value == e.literal;
      case Kind::kAlternatives:
        for (const std::string& alt : e.alternatives) {
          if (value == alt) return true;
        }
        return false;
      case Kind::kAny:
        if (!HasLineTerminator(value)) return true;
        break;
      case Kind::kNonEmpty:
        if (!HasLineTerminator(value)) return !value.empty();
        break;
      case Kind::kPrefix:
        if (!value.starts_with(e.literal)) return false;
        if (!HasLineTerminator(value.substr(e.literal.size()))) return true;
        break;
      case Kind::kRegex:
        break;
    }
    return RegexMatches(index, value);
  }
};

MatcherSet::MatcherSet() = default;
MatcherSet::MatcherSet(MatcherSet&&) noexcept = default;
MatcherSet& MatcherSet::operator=(MatcherSet&&) noexcept = default;
MatcherSet::~MatcherSet() = default;

absl::StatusOr<MatcherSet> MatcherSet::Compile(absl::Span<const Matcher> matchers) {
  MatcherSet set;
  set.matchers_.assign(matchers.begin(), matchers.end());
  set.compiled_ = std::make_unique<Compiled>();
  Compiled& c = *set.compiled_;
  c.entries.resize(matchers.size());
  {
    absl::MutexLock lock(&c.mu);
    c.cache.resize(matchers.size());
  }
  for (size_t i = 0; i < matchers.size(); ++i) {
    const Matcher& m = matchers[i];
    Compiled::Entry& e = c.entries[i];
    e.metric = m.name == kMetricNameLabel;
    e.negate = m.op == MatchOp::kNotEqual || m.op == MatchOp::kRegexNoMatch;
    if (m.op == MatchOp::kEqual || m.op == MatchOp::kNotEqual) {
      e.kind = Kind::kEqual;
      e.literal = m.value;
      continue;
    }
    try {
      e.regex.emplace(m.value, std::regex::ECMAScript);
    } catch (const std::exception& ex) {
      return absl::InvalidArgumentError(absl::StrCat("catena: matcher ", Describe(m),
                                                     ": the regex does not compile: ", ex.what()));
    }
    const std::string_view v = m.value;
    if (IsLiteral(v)) {
      e.kind = Kind::kEqual;
      e.literal = m.value;
    } else if (v == ".*") {
      e.kind = Kind::kAny;
    } else if (v == ".+") {
      e.kind = Kind::kNonEmpty;
    } else if (v.size() > 2 && v.ends_with(".*") && IsLiteral(v.substr(0, v.size() - 2))) {
      e.kind = Kind::kPrefix;
      e.literal = std::string(v.substr(0, v.size() - 2));
    } else {
      e.kind = Kind::kRegex;
      // "a|b|c" with literal branches only.
      bool all_literal = v.find('|') != std::string_view::npos;
      std::vector<std::string> alts;
      size_t begin = 0;
      while (all_literal) {
        const size_t bar = v.find('|', begin);
        const std::string_view part =
            v.substr(begin, bar == std::string_view::npos ? bar : bar - begin);
        if (!IsLiteral(part)) all_literal = false;
        alts.emplace_back(part);
        if (bar == std::string_view::npos) break;
        begin = bar + 1;
      }
      if (all_literal) {
        e.kind = Kind::kAlternatives;
        e.alternatives = std::move(alts);
      }
    }
  }
  return set;
}

bool MatcherSet::MatchesValue(size_t index, std::string_view value) const {
  if (compiled_ == nullptr || index >= compiled_->entries.size()) return false;
  return compiled_->Positive(index, value) != compiled_->entries[index].negate;
}

bool MatcherSet::Matches(const SeriesKey& key) const {
  if (compiled_ == nullptr) return matchers_.empty();
  for (size_t i = 0; i < matchers_.size(); ++i) {
    std::string_view value;  // an absent label has the value ""
    if (compiled_->entries[i].metric) {
      value = key.metric;
    } else {
      for (const Label& l : key.labels) {
        if (l.name == matchers_[i].name) {
          value = l.value;
          break;
        }
      }
    }
    if (!MatchesValue(i, value)) return false;
  }
  return true;
}

}  // namespace cistern::catena
