// `cistern-cli decode` JSON against InMon sflowtool 6.11's `-j` output, capture by capture.
//
// Every NAME.pcap in ../shared/captures/sflow has sflowtool's output beside it
// (NAME.sflowtool-j.txt, one line per datagram, every value a JSON string). For each datagram we
// decode with libsflow, render with AppendDatagramJson and compare with sflowtool's line: every key
// that both print must agree after normalisation (sflowtool's "123" equals our 123, "0.120" equals
// 0.12; strings equal as strings), arrays element by element, and every key sflowtool prints must
// be in ours, the keys of its sampled-header decode included (dstMAC, decodedVLAN, IPID, ...;
// sflowtool_header.h), unless it is one of the exclusions below, each with its reason: only keys
// that describe the reading rather than the datagram. Independently of sflowtool, each of our lines
// must be valid JSON (UTF-8 included) and carry "error" exactly when decoding failed.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "catch2/catch.hpp"
#include "cistern/sflow/codec.h"
#include "json_test_support.h"
#include "json_writer.h"
#include "datagram_context.h"
#include "sflow_json.h"
#include "udp_source.h"

namespace cistern::cli {
namespace {

using cistern::testing::JsonValue;
using cistern::testing::ParseJson;

// Keys that describe the reading rather than the datagram: excluded at the datagram's top level.
bool IsReadingKey(std::string_view key) {
  // sflowtool prints "-" for the sender when it reads a file (it ignores the capture's IP header);
  // we print the capture's source address.
  if (key == "datagramSourceIP") return true;
  // sflowtool's own clock when it read the file (0 in these outputs), not a datagram field; we
  // print pcapTimestamp for captures and unixSecondsUTC only for live datagrams.
  if (key == "unixSecondsUTC" || key == "unixSecondsUTC_uS") return true;
  // sflowtool's read time rendered in its local time zone: again the reading, not the datagram.
  if (key == "localtime") return true;
  return false;
}

// One difference sflowtool has and we deliberately do not, by capture, datagram and JSON path
// ("*" as path: the whole datagram).
struct KnownDifference {
  std::string_view capture;
  size_t datagram;
  std::string_view path;
  std::string_view why;
};

constexpr KnownDifference kKnownDifferences[] = {
    // The capture's UDP header says 16 bytes (8 of payload) while the frame holds 872: our capture
    // reader honours the UDP length (udp_source.h) and decodes 8 bytes (a truncated header, an
    // "error"), sflowtool reads the whole frame and runs into the bogus flow record 0:13 (its line
    // is cut off there, so it is also skipped as malformed). A fuzzer reproducer for tcpdump.
    {"tcpdump_sflow_print-segv", 0, "*",
     "capture reader honours the UDP length field (16): 8 bytes decoded, sflowtool reads 872"},
};

const KnownDifference* FindKnownDifference(std::string_view capture, size_t datagram,
                                           std::string_view path) {
  for (const KnownDifference& k : kKnownDifferences) {
    if (k.capture == capture && k.datagram == datagram && (k.path == "*" || k.path == path)) {
      return &k;
    }
  }
  return nullptr;
}

struct Totals {
  size_t captures = 0;
  size_t datagrams = 0;
  size_t datagrams_compared = 0;
  size_t datagrams_with_error = 0;
  size_t sflowtool_malformed = 0;       // sflowtool lines that are not JSON: comparison skipped
  size_t known_difference_skipped = 0;  // whole datagrams under kKnownDifferences
  size_t fields_compared = 0;           // leaf values compared
  size_t excluded_reading = 0;
  size_t excluded_known = 0;
  size_t ours_only = 0;  // keys we print that sflowtool does not (allowed)
};

// Integers compare exactly as digit strings (uint64 counters do not fit a double); anything else
// numerically as doubles, so "0.120" equals 0.12.
bool IsIntegerText(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string CanonicalInteger(std::string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
  if (s == "0") negative = false;
  return (negative ? "-" : "") + std::string(s);
}

bool NumbersEqual(std::string_view a, std::string_view b) {
  if (IsIntegerText(a) && IsIntegerText(b)) return CanonicalInteger(a) == CanonicalInteger(b);
  return std::strtod(std::string(a).c_str(), nullptr) ==
         std::strtod(std::string(b).c_str(), nullptr);
}

// sflowtool's text is a number only when it is a JSON number ("0x68094" and "1e" are not).
bool IsJsonNumberText(std::string_view s) {
  std::optional<JsonValue> v = ParseJson(s);
  return v && v->is_number();
}

std::string Shown(const JsonValue& v) {
  switch (v.kind) {
    case JsonValue::Kind::kString:
      return "\"" + (v.text.size() > 80 ? v.text.substr(0, 80) + "..." : v.text) + "\"";
    case JsonValue::Kind::kNumber:
      return v.text;
    case JsonValue::Kind::kBool:
      return v.boolean ? "true" : "false";
    case JsonValue::Kind::kNull:
      return "null";
    case JsonValue::Kind::kArray:
      return "[array of " + std::to_string(v.array.size()) + "]";
    case JsonValue::Kind::kObject:
      return "{object of " + std::to_string(v.members.size()) + "}";
  }
  return "?";
}

class Comparer {
 public:
  Comparer(std::string_view capture, size_t datagram, Totals* totals,
           std::vector<std::string>* failures)
      : capture_(capture), datagram_(datagram), totals_(totals), failures_(failures) {}

  void CompareDatagram(const JsonValue& ours, const JsonValue& theirs) {
    CompareObject(ours, theirs, "", /*top=*/true);
  }

 private:
  void Fail(std::string_view path, std::string_view what) {
    std::ostringstream s;
    s << capture_ << " datagram " << datagram_ << " " << (path.empty() ? "/" : path) << ": "
      << what;
    failures_->push_back(s.str());
  }

  void CompareObject(const JsonValue& ours, const JsonValue& theirs, const std::string& path,
                     bool top) {
    // A key repeats in our object only as often as in sflowtool's: sflowtool repeats one key,
    // IP6HeaderExtension (once per IPv6 extension header), and numbers others ("decodedVLAN.1").
    for (size_t i = 0; i < ours.members.size(); ++i) {
      const std::string& key = ours.members[i].first;
      if (Occurrence(ours, i) == 1 && Count(ours, key) != std::max<size_t>(Count(theirs, key), 1)) {
        Fail(path + "/" + key, "key repeated " + std::to_string(Count(ours, key)) +
                                   " times in our object, " + std::to_string(Count(theirs, key)) +
                                   " in sflowtool's");
      }
    }
    for (size_t i = 0; i < theirs.members.size(); ++i) {
      const auto& [key, their_value] = theirs.members[i];
      const std::string child = path + "/" + key;
      if (top && IsReadingKey(key)) {
        ++totals_->excluded_reading;
        continue;
      }
      if (FindKnownDifference(capture_, datagram_, child)) {
        ++totals_->excluded_known;
        continue;
      }
      const JsonValue* our_value = FindOccurrence(ours, key, Occurrence(theirs, i));
      if (!our_value) {
        Fail(child, "missing from ours; sflowtool has " + Shown(their_value));
        continue;
      }
      CompareValue(*our_value, their_value, child);
    }
    for (const auto& [key, v] : ours.members) {
      if (!theirs.Find(key)) ++totals_->ours_only;
    }
  }

  // How many times `key` is in `object`; which occurrence of its key (1, 2, ...) member `i` is; the
  // member that is the `n`th occurrence of `key`.
  static size_t Count(const JsonValue& object, std::string_view key) {
    return static_cast<size_t>(std::count_if(object.members.begin(), object.members.end(),
                                             [&](const auto& m) { return m.first == key; }));
  }
  static size_t Occurrence(const JsonValue& object, size_t i) {
    size_t n = 0;
    for (size_t k = 0; k <= i; ++k) n += object.members[k].first == object.members[i].first;
    return n;
  }
  static const JsonValue* FindOccurrence(const JsonValue& object, std::string_view key, size_t n) {
    for (const auto& [k, v] : object.members) {
      if (k == key && --n == 0) return &v;
    }
    return nullptr;
  }

  void CompareValue(const JsonValue& ours, const JsonValue& theirs, const std::string& path) {
    using Kind = JsonValue::Kind;
    if (theirs.is_object() || theirs.is_array() || ours.is_object() || ours.is_array()) {
      if (ours.kind != theirs.kind) {
        Fail(path, "ours is " + Shown(ours) + ", sflowtool's is " + Shown(theirs));
        return;
      }
      if (ours.is_object()) {
        CompareObject(ours, theirs, path, /*top=*/false);
        return;
      }
      if (ours.array.size() != theirs.array.size()) {
        Fail(path, "ours has " + std::to_string(ours.array.size()) + " elements, sflowtool's " +
                       std::to_string(theirs.array.size()));
      }
      const size_t n = std::min(ours.array.size(), theirs.array.size());
      for (size_t i = 0; i < n; ++i) {
        CompareValue(ours.array[i], theirs.array[i], path + "/" + std::to_string(i));
      }
      return;
    }
    ++totals_->fields_compared;
    bool equal = false;
    if (ours.kind == Kind::kNumber) {
      // sflowtool prints numbers as strings; a typed number must match the string's number.
      equal = (theirs.is_string() || theirs.is_number()) && IsJsonNumberText(theirs.text) &&
              NumbersEqual(ours.text, theirs.text);
    } else if (ours.kind == Kind::kString) {
      equal = theirs.is_string() && ours.text == theirs.text;
    } else {
      equal = false;  // sflowtool never prints true/false/null
    }
    if (!equal) Fail(path, "ours " + Shown(ours) + ", sflowtool " + Shown(theirs));
  }

  std::string_view capture_;
  size_t datagram_;
  Totals* totals_;
  std::vector<std::string>* failures_;
};

std::vector<std::string> ReadLines(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::string Joined(const std::vector<std::string>& failures, size_t limit) {
  std::string s;
  for (size_t i = 0; i < failures.size() && i < limit; ++i) s += failures[i] + "\n";
  if (failures.size() > limit) {
    s += "... and " + std::to_string(failures.size() - limit) + " more\n";
  }
  return s;
}

// Decodes one capture and compares it with sflowtool's lines.
void CheckCapture(const std::filesystem::path& pcap, Totals* totals,
                  std::vector<std::string>* failures) {
  const std::string capture = pcap.stem().string();
  auto reader = CaptureReader::Open(pcap.string(), 6343);
  if (!reader.ok()) {
    failures->push_back(capture + ": cannot open: " + std::string(reader.status().message()));
    return;
  }
  std::filesystem::path theirs_path = pcap;
  theirs_path.replace_extension(".sflowtool-j.txt");
  if (!std::filesystem::exists(theirs_path)) {
    failures->push_back(capture + ": no " + theirs_path.filename().string() + " beside it");
    return;
  }
  const std::vector<std::string> theirs_lines = ReadLines(theirs_path);

  sflow::Datagram dg;
  std::string line;
  size_t index = 0;
  while (true) {
    auto next = (*reader)->Next();
    if (!next.ok()) {
      failures->push_back(capture + ": read error: " + std::string(next.status().message()));
      break;
    }
    if (!next->has_value()) break;
    const UdpDatagram& d = **next;
    const absl::Status status = sflow::DecodeInto(d.payload, &dg);
    const DatagramContext ctx = ContextOf(d, /*from_capture=*/true);
    line.clear();
    AppendDatagramJson(dg, ctx, status, &line);
    ++totals->datagrams;
    if (!status.ok()) ++totals->datagrams_with_error;
    const std::string where = capture + " datagram " + std::to_string(index);

    // Our line: valid JSON (strict UTF-8), an object, "error" exactly when decoding failed.
    std::string error;
    std::optional<JsonValue> ours = ParseJson(line, &error);
    if (!ours || !ours->is_object()) {
      failures->push_back(where + ": our line is not a JSON object: " + error);
      ++index;
      continue;
    }
    const JsonValue* error_member = ours->Find("error");
    if ((error_member != nullptr) != !status.ok()) {
      failures->push_back(where + ": \"error\" " +
                          (error_member
                               ? "present but decoding succeeded"
                               : "absent but decoding failed: " + std::string(status.message())));
    }

    if (index >= theirs_lines.size()) {
      failures->push_back(where + ": sflowtool printed only " +
                          std::to_string(theirs_lines.size()) + " lines");
      ++index;
      continue;
    }
    if (FindKnownDifference(capture, index, "*")) {
      ++totals->known_difference_skipped;
      ++index;
      continue;
    }
    // sflowtool's lines are third-party text: its strings are raw wire bytes (not necessarily
    // UTF-8), and for a malformed datagram it can stop mid-line. Such a line is skipped, counted.
    std::optional<JsonValue> theirs =
        ParseJson(theirs_lines[index], nullptr, {.allow_invalid_utf8 = true});
    if (!theirs || !theirs->is_object()) {
      ++totals->sflowtool_malformed;
      ++index;
      continue;
    }
    Comparer(capture, index, totals, failures).CompareDatagram(*ours, *theirs);
    ++totals->datagrams_compared;
    ++index;
  }
  if (index < theirs_lines.size()) {
    failures->push_back(capture + ": we read " + std::to_string(index) + " datagrams, sflowtool " +
                        std::to_string(theirs_lines.size()));
  }
}

TEST_CASE("every sFlow capture decodes as sflowtool -j does", "[sflowtool][captures]") {
  const std::filesystem::path dir = CISTERN_SHARED_DIR "/captures/sflow";
  if (!std::filesystem::is_directory(dir)) {
    WARN("skipped: " << dir.string() << " is absent (the shared captures sit beside the checkout)");
    return;
  }
  std::vector<std::filesystem::path> pcaps;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".pcap") pcaps.push_back(entry.path());
  }
  std::sort(pcaps.begin(), pcaps.end());
  REQUIRE_FALSE(pcaps.empty());

  Totals totals;
  for (const auto& pcap : pcaps) {
    std::vector<std::string> failures;
    CheckCapture(pcap, &totals, &failures);
    ++totals.captures;
    INFO(pcap.filename().string() << ": " << failures.size() << " disagreements\n"
                                  << Joined(failures, 60));
    CHECK(failures.empty());
  }
  std::ostringstream summary;
  summary << totals.captures << " captures, " << totals.datagrams << " datagrams ("
          << totals.datagrams_with_error << " with a decode error), " << totals.datagrams_compared
          << " compared, " << totals.sflowtool_malformed << " skipped (sflowtool line malformed), "
          << totals.known_difference_skipped << " skipped (known difference); "
          << totals.fields_compared << " values compared; excluded: " << totals.excluded_reading
          << " reading keys, " << totals.excluded_known << " known differences; "
          << totals.ours_only << " keys only we print";
  SUCCEED(summary.str());  // shown with -s
  CHECK(totals.datagrams_compared > 0);
}

bool DeepEqual(const JsonValue& a, const JsonValue& b) {
  if (a.kind != b.kind || a.boolean != b.boolean || a.text != b.text ||
      a.array.size() != b.array.size() || a.members.size() != b.members.size()) {
    return false;
  }
  for (size_t i = 0; i < a.array.size(); ++i) {
    if (!DeepEqual(a.array[i], b.array[i])) return false;
  }
  for (size_t i = 0; i < a.members.size(); ++i) {
    if (a.members[i].first != b.members[i].first ||
        !DeepEqual(a.members[i].second, b.members[i].second)) {
      return false;
    }
  }
  return true;
}

// Truncation sweep over real datagrams: every prefix still renders as valid JSON with "error"
// exactly when decoding failed, and whatever it prints (header fields, samples decoded before the
// cut) is what the whole datagram prints: nothing invented, such as zeros for fields not read.
TEST_CASE("a datagram cut anywhere prints only what it decoded", "[sflowtool][captures]") {
  const std::filesystem::path dir = CISTERN_SHARED_DIR "/captures/sflow";
  if (!std::filesystem::is_directory(dir)) {
    WARN("skipped: " << dir.string() << " is absent (the shared captures sit beside the checkout)");
    return;
  }
  std::vector<std::filesystem::path> pcaps;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".pcap") pcaps.push_back(entry.path());
  }
  std::sort(pcaps.begin(), pcaps.end());
  constexpr size_t kDatagramsPerCapture = 2;  // every prefix of each: enough, and quick under ASan
  size_t prefixes = 0;
  std::vector<std::string> failures;
  sflow::Datagram dg;
  for (const auto& pcap : pcaps) {
    auto reader = CaptureReader::Open(pcap.string(), 6343);
    REQUIRE(reader.ok());
    for (size_t n = 0; n < kDatagramsPerCapture; ++n) {
      auto next = (*reader)->Next();
      REQUIRE(next.ok());
      if (!next->has_value()) break;
      // Copy: each prefix gets a buffer of exactly its size, so ASan sees any overread.
      const std::vector<uint8_t> whole((*next)->payload.begin(), (*next)->payload.end());
      auto render = [&](size_t size, absl::Status* status) {
        std::vector<uint8_t> prefix(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(size));
        *status = sflow::DecodeInto(prefix, &dg);
        DatagramContext ctx;
        ctx.size = size;
        ctx.from_capture = true;
        std::string line;
        AppendDatagramJson(dg, ctx, *status, &line);
        return line;
      };
      absl::Status whole_status;
      std::optional<JsonValue> full = ParseJson(render(whole.size(), &whole_status));
      REQUIRE(full);
      const JsonValue* full_samples = full->Find("samples");
      for (size_t size = 0; size < whole.size(); ++size) {
        ++prefixes;
        const std::string where = pcap.stem().string() + " datagram " + std::to_string(n) +
                                  " cut to " + std::to_string(size) + " bytes";
        absl::Status status;
        const std::string line = render(size, &status);
        std::string error;
        std::optional<JsonValue> cut = ParseJson(line, &error);
        if (!cut || !cut->is_object()) {
          failures.push_back(where + ": not a JSON object: " + error);
          continue;
        }
        if ((cut->Find("error") != nullptr) != !status.ok()) {
          failures.push_back(
              where + ": \"error\" present: " + std::to_string(cut->Find("error") != nullptr) +
              ", decode status: " + status.ToString());
        }
        for (const auto& [key, value] : cut->members) {
          // Size-dependent by nature: the size itself, the error, the count of samples decoded and
          // the bytes after the last sample (a cut datagram has fewer).
          if (key == "datagramSize" || key == "error" || key == "samplesInPacket" ||
              key == "trailingBytes") {
            continue;
          }
          const JsonValue* whole_value = full->Find(key);
          if (key == "samples") {
            // Samples decoded before the cut are whole samples, equal to the full datagram's.
            for (size_t i = 0; i < value.array.size(); ++i) {
              if (!full_samples || i >= full_samples->array.size() ||
                  !DeepEqual(value.array[i], full_samples->array[i])) {
                failures.push_back(where + ": sample " + std::to_string(i) + " differs");
              }
            }
            continue;
          }
          if (!whole_value || !DeepEqual(value, *whole_value)) {
            failures.push_back(where + ": /" + key + " is " + Shown(value) +
                               ", the whole datagram's " +
                               (whole_value ? Shown(*whole_value) : std::string("absent")));
          }
        }
      }
    }
  }
  INFO(prefixes << " prefixes, " << failures.size() << " failures\n" << Joined(failures, 60));
  CHECK(failures.empty());
  CHECK(prefixes > 0);
}

// ---------------------------------------------------------------------------------------------
// The checker's own pieces: the strict parser must reject what is not JSON, or the test above
// would pass on broken lines.

TEST_CASE("json_test_support parses strictly", "[json]") {
  std::string error;
  auto v =
      ParseJson(R"( {"a":[1,-0.5e+3,"x\u00e9\ud83d\ude00\n"],"b":{},"c":true,"d":null} )", &error);
  REQUIRE(v);
  REQUIRE(v->is_object());
  REQUIRE(v->Find("a"));
  CHECK(v->Find("a")->array.size() == 3);
  CHECK(v->Find("a")->array[1].text == "-0.5e+3");
  CHECK(v->Find("a")->array[2].text == "x\xc3\xa9\xf0\x9f\x98\x80\n");
  CHECK(v->Find("c")->boolean);
  CHECK(v->Find("d")->kind == JsonValue::Kind::kNull);

  for (std::string_view bad :
       std::initializer_list<std::string_view>{"",
                                               "{",
                                               "{\"a\":1,}",
                                               "[1,]",
                                               "01",
                                               "1.",
                                               "-",
                                               "+1",
                                               "\"\\x\"",
                                               "\"a\nb\"",
                                               "\"\\ud800\"",
                                               "\"\\udc00\"",
                                               "{\"a\" 1}",
                                               "{a:1}",
                                               "tru",
                                               "[1] 2",
                                               "\"\xff\"",
                                               "\"\xc0\x80\"",
                                               "\"\xed\xa0\x80\"",
                                               "{\"a\":1",
                                               std::string_view("\"a\0\"", 4)}) {
    INFO("input: " << bad);
    CHECK_FALSE(ParseJson(bad, &error));
  }
  CHECK(ParseJson("\"\xff\"", nullptr, {.allow_invalid_utf8 = true}));
  std::string deep(100, '[');
  deep += std::string(100, ']');
  CHECK_FALSE(ParseJson(deep));
}

TEST_CASE("JsonWriter writes valid UTF-8 whatever the wire bytes", "[json]") {
  std::string out;
  JsonWriter j(&out);
  j.BeginArray();
  j.String("caf\xc3\xa9");       // valid two-byte sequence: kept
  j.String("\xf0\x9f\x98\x80");  // valid four-byte sequence: kept
  j.String(
      "a\xff"
      "b");          // invalid byte
  j.String("\xc3");  // truncated sequence at the end
  j.String(
      "\xe2\x82"
      "x");                                       // truncated sequence before ASCII
  j.String("\xc0\xaf");                           // overlong '/'
  j.String("\xed\xa0\x80");                       // UTF-16 surrogate encoded in UTF-8
  j.String("\xf4\x90\x80\x80");                   // above U+10FFFF
  j.String(std::string_view("\x01\x1f\x7f", 3));  // control characters
  j.EndArray();
  std::string error;
  auto v = ParseJson(out, &error);
  INFO(out << " " << error);
  REQUIRE(v);
  REQUIRE(v->array.size() == 9);
  const std::string kReplacement = "\xef\xbf\xbd";
  CHECK(v->array[0].text == "caf\xc3\xa9");
  CHECK(v->array[1].text == "\xf0\x9f\x98\x80");
  CHECK(v->array[2].text == "a" + kReplacement + "b");
  CHECK(v->array[3].text == kReplacement);
  CHECK(v->array[4].text == kReplacement + "x");
  CHECK(v->array[5].text.find(kReplacement) != std::string::npos);
  CHECK(v->array[5].text.find('/') == std::string::npos);
  CHECK(v->array[6].text.find(kReplacement) != std::string::npos);
  CHECK(v->array[7].text.find(kReplacement) != std::string::npos);
  CHECK(v->array[8].text == std::string("\x01\x1f\x7f", 3));
}

}  // namespace
}  // namespace cistern::cli
