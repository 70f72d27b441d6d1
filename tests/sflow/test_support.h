// Shared helpers for the libsflow codec tests (codec_test.cc, roundtrip_random_test.cc,
// capture_test.cc):
//
//   Arena        owns the bytes and record vectors that views (Bytes, string_view, record spans)
//                point into, so that hand-built and random datagrams outlive their builders.
//   Rng          a seeded, platform-independent random source (mt19937_64 is fully specified).
//   RandomFiller a Fields() visitor that fills every field type with random data that round-trips;
//                a field type it does not know fails to compile, so new types force an update.
//   RandomRecord / RandomDatagram
//                records of any variant alternative (by index) and datagrams mixing every sample
//                kind, unknown samples and unknown records.
//   XdrBuilder   hand-builds wire bytes and reports offsets, for exact "at byte N" expectations.
//   Describe     a readable dump of a datagram (Catch prints it when a comparison fails).
//   ByteDiff     "" when two byte strings are equal, else where and how they differ.
//
// Everything here is header-only and single-threaded, like the tests.
#ifndef CISTERN_TESTS_SFLOW_TEST_SUPPORT_H_
#define CISTERN_TESTS_SFLOW_TEST_SUPPORT_H_

#include <bit>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "cistern/base/byte_reader.h"
#include "cistern/base/byte_writer.h"
#include "cistern/sflow/codec.h"
#include "cistern/sflow/counter_records.h"
#include "cistern/sflow/datagram.h"
#include "cistern/sflow/field_types.h"
#include "cistern/sflow/flow_records.h"
#include "cistern/sflow/types.h"

namespace cistern::sflow::testing {

// ---- small utilities ----

template <class>
inline constexpr bool kAlwaysFalse = false;

// A visitor that ignores everything: used to ask whether a type describes itself with Fields().
struct IgnoreFields {
  template <class T>
  void operator()(std::string_view, const T&) {}
};

template <class T>
concept HasFields = requires(const T& t, IgnoreFields& v) {
  T::Fields(t, v);
};

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

inline std::string StatusMessage(const absl::Status& s) {
  return std::string(s.message().data(), s.message().size());
}

inline std::string StatusString(const absl::Status& s) { return s.ToString(); }

// "" when equal; otherwise the sizes and the first differing offset with a little context.
inline std::string ByteDiff(std::span<const uint8_t> got, std::span<const uint8_t> want) {
  if (std::ranges::equal(got, want)) return "";
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  std::string out = "sizes " + std::to_string(got.size()) + " vs " + std::to_string(want.size()) +
                    ", first difference at byte " + std::to_string(i) + ":";
  auto dump = [&](std::span<const uint8_t> b, const char* label) {
    out += std::string(" ") + label + "[";
    for (size_t j = i; j < b.size() && j < i + 16; ++j) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%02x", b[j]);
      out += hex;
    }
    out += "]";
  };
  dump(got, "got");
  dump(want, "want");
  return out;
}

inline std::optional<std::vector<uint8_t>> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string SharedDir() { return CISTERN_SHARED_DIR; }

// ---- Arena: storage behind views ----

class Arena {
 public:
  std::span<uint8_t> Allocate(size_t n) {
    std::vector<uint8_t>& b = bytes_.emplace_back(n);
    return b;
  }
  std::span<const uint8_t> Copy(std::span<const uint8_t> data) {
    std::span<uint8_t> b = Allocate(data.size());
    std::ranges::copy(data, b.begin());
    return b;
  }
  std::string_view CopyString(std::string_view s) {
    std::span<const uint8_t> b = Copy(AsBytes(s));
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  std::span<const FlowRecord> Keep(std::vector<FlowRecord> records) {
    return flow_.emplace_back(std::move(records));
  }
  std::span<const CounterRecord> Keep(std::vector<CounterRecord> records) {
    return counter_.emplace_back(std::move(records));
  }
  void Clear() {
    bytes_.clear();
    flow_.clear();
    counter_.clear();
  }

 private:
  // Deques: adding an element never moves the others, so earlier views stay valid.
  std::deque<std::vector<uint8_t>> bytes_;
  std::deque<std::vector<FlowRecord>> flow_;
  std::deque<std::vector<CounterRecord>> counter_;
};

// ---- Rng ----

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t U64() { return engine_(); }
  uint32_t U32() { return static_cast<uint32_t>(engine_() >> 32); }
  // Uniform in [0, n) (n > 0); the modulo bias is irrelevant for tests.
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>(engine_() % n); }
  uint32_t Between(uint32_t lo, uint32_t hi) { return lo + Below(hi - lo + 1); }
  bool OneIn(uint32_t n) { return Below(n) == 0; }
  // Mostly uniform, sometimes an edge value: 0, 1, all ones, a power of two.
  uint32_t Edgy32() {
    switch (Below(8)) {
      case 0:
        return 0;
      case 1:
        return 0xffffffffu;
      case 2:
        return uint32_t{1} << Below(32);
      default:
        return U32();
    }
  }
  uint64_t Edgy64() {
    switch (Below(8)) {
      case 0:
        return 0;
      case 1:
        return ~uint64_t{0};
      case 2:
        return uint64_t{1} << Below(64);
      default:
        return U64();
    }
  }
  template <size_t N>
  void Fill(std::array<uint8_t, N>& a) {
    for (uint8_t& b : a) b = static_cast<uint8_t>(U32());
  }
  void Fill(std::span<uint8_t> a) {
    for (uint8_t& b : a) b = static_cast<uint8_t>(U32());
  }

 private:
  std::mt19937_64 engine_;
};

// ---- random fields ----

// Fills every field a Fields() walk visits with random data that survives encode + decode:
//  - Address: types 0/1/2 only, unused bytes zero (the wire carries only 0/4/16 bytes);
//  - float: random bit patterns, never NaN (NaN != NaN would make == fail on equal bytes);
//  - strings, opaques: 0..max_len bytes, any content, lengths not multiples of 4 included;
//  - TrailingU32: present or absent, but once one is absent every later one is too (the decoder
//    sets `present` from the bytes left, so an absent field can only be followed by absent ones);
//  - AsPath, AdapterList, SfpLaneList: random wire bytes, validated by their own ReadXdr.
class RandomFiller {
 public:
  RandomFiller(Rng& rng, Arena& arena, uint32_t max_len = 50)
      : rng_(rng), arena_(arena), max_len_(max_len) {}

  // True if some TrailingU32 was left absent: then the record must not carry trailing bytes
  // (the decoder would read them as that field).
  bool trailing_absent() const { return trailing_absent_; }

  template <class T>
  void operator()(std::string_view, T& field) {
    if constexpr (HasFields<T>) {
      T::Fields(field, *this);
    } else if constexpr (std::is_same_v<T, uint32_t>) {
      field = rng_.Edgy32();
    } else if constexpr (std::is_same_v<T, int32_t>) {
      field = static_cast<int32_t>(rng_.Edgy32());
    } else if constexpr (std::is_same_v<T, uint64_t>) {
      field = rng_.Edgy64();
    } else if constexpr (std::is_same_v<T, uint8_t>) {
      field = static_cast<uint8_t>(rng_.U32());
    } else if constexpr (std::is_same_v<T, float>) {
      uint32_t bits = rng_.U32();
      if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0) bits &= 0xff800000u;
      field = std::bit_cast<float>(bits);  // NaN turned into +/-infinity
    } else if constexpr (std::is_same_v<T, Address>) {
      field = Address{};
      switch (rng_.Below(3)) {
        case 0:
          break;
        case 1:
          field.type = Address::Type::kIPv4;
          for (size_t i = 0; i < 4; ++i) field.bytes[i] = static_cast<uint8_t>(rng_.U32());
          break;
        default:
          field.type = Address::Type::kIPv6;
          rng_.Fill(field.bytes);
      }
    } else if constexpr (std::is_same_v<T, Ipv4Address> || std::is_same_v<T, Ipv6Address> ||
                         std::is_same_v<T, MacAddress> || std::is_same_v<T, Uuid>) {
      rng_.Fill(field.bytes);
    } else if constexpr (std::is_same_v<T, std::string_view>) {
      std::span<uint8_t> b = arena_.Allocate(Length());
      rng_.Fill(b);
      field = std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
    } else if constexpr (std::is_same_v<T, Bytes>) {
      std::span<uint8_t> b = arena_.Allocate(Length());
      rng_.Fill(b);
      field = Bytes(b);
    } else if constexpr (std::is_same_v<T, U32List>) {
      std::span<uint8_t> b = arena_.Allocate(4 * size_t{rng_.Below(9)});
      rng_.Fill(b);
      field = U32List(b);
    } else if constexpr (std::is_same_v<T, Percentage>) {
      field.hundredths = rng_.OneIn(4) ? Percentage::kUnknown : rng_.Below(10001);
    } else if constexpr (std::is_same_v<T, DatapathId>) {
      field.value = rng_.Edgy64();
    } else if constexpr (std::is_same_v<T, TrailingU32>) {
      if (!trailing_absent_ && rng_.OneIn(3)) trailing_absent_ = true;
      field = trailing_absent_ ? TrailingU32{} : TrailingU32{true, rng_.Edgy32()};
    } else if constexpr (std::is_same_v<T, AsPath>) {
      std::vector<uint8_t> wire;
      ByteWriter w(&wire);
      const uint32_t segments = rng_.Below(5);
      w.WriteU32(segments);
      for (uint32_t s = 0; s < segments; ++s) {
        w.WriteU32(rng_.OneIn(4) ? rng_.U32() : rng_.Between(1, 2));
        const uint32_t n = rng_.Below(7);
        w.WriteU32(n);
        for (uint32_t i = 0; i < n; ++i) w.WriteU32(rng_.U32());
      }
      ByteReader r(arena_.Copy(wire));
      REQUIRE(AsPath::ReadXdr(r, &field));
      REQUIRE(r.empty());
    } else if constexpr (std::is_same_v<T, AdapterList>) {
      std::vector<uint8_t> wire;
      ByteWriter w(&wire);
      const uint32_t adapters = rng_.Below(4);
      w.WriteU32(adapters);
      for (uint32_t a = 0; a < adapters; ++a) {
        w.WriteU32(rng_.U32());
        const uint32_t macs = rng_.Below(4);
        w.WriteU32(macs);
        for (uint32_t m = 0; m < macs; ++m) {
          std::array<uint8_t, 6> mac;
          rng_.Fill(mac);
          w.WriteBytes(mac);
          w.WriteZeros(2);
        }
      }
      ByteReader r(arena_.Copy(wire));
      REQUIRE(AdapterList::ReadXdr(r, &field));
      REQUIRE(r.empty());
    } else if constexpr (std::is_same_v<T, SfpLaneList>) {
      std::vector<uint8_t> wire;
      ByteWriter w(&wire);
      const uint32_t lanes = rng_.Below(5);
      w.WriteU32(lanes);
      for (uint32_t i = 0; i < lanes * 10; ++i) w.WriteU32(rng_.U32());
      ByteReader r(arena_.Copy(wire));
      REQUIRE(SfpLaneList::ReadXdr(r, &field));
      REQUIRE(r.empty());
    } else if constexpr (std::is_same_v<T, PduList>) {
      // PDUs of flow records: well-formed extended_switch records and opaque unknown ones.
      std::vector<uint8_t> wire;
      ByteWriter w(&wire);
      const uint32_t pdus = rng_.Below(4);
      w.WriteU32(pdus);
      for (uint32_t p = 0; p < pdus; ++p) {
        const uint32_t records = rng_.Below(4);
        w.WriteU32(records);
        for (uint32_t i = 0; i < records; ++i) {
          const bool known = rng_.OneIn(2);
          w.WriteU32(known ? ExtendedSwitch::kFormat : (77u << 12) | 9u);
          const uint32_t words = known ? 4 : rng_.Below(5);
          w.WriteU32(words * 4);
          for (uint32_t k = 0; k < words; ++k) w.WriteU32(rng_.U32());
        }
      }
      ByteReader r(arena_.Copy(wire));
      REQUIRE(PduList::ReadXdr(r, &field));
      REQUIRE(r.empty());
    } else {
      static_assert(kAlwaysFalse<T>, "RandomFiller: a field type it does not know; add it here");
    }
  }

 private:
  // Lengths 0..max_len, biased towards the small and the not-multiple-of-4.
  size_t Length() { return rng_.OneIn(4) ? rng_.Below(4) : rng_.Below(max_len_ + 1); }

  Rng& rng_;
  Arena& arena_;
  uint32_t max_len_;
  bool trailing_absent_ = false;
};

// ---- records and datagrams ----

template <class Record>
using RecordData = decltype(Record{}.data);

template <class Record>
inline constexpr size_t kAlternatives = std::variant_size_v<RecordData<Record>>;

// The enterprise-0 format of alternative I, or nothing for alternative 0 (the unknown record).
template <class Record, size_t I>
constexpr std::optional<uint32_t> FormatOf() {
  if constexpr (I == 0) {
    return std::nullopt;
  } else {
    return std::variant_alternative_t<I, RecordData<Record>>::kFormat;
  }
}

// True if (enterprise 0, format) is the tag of a known alternative of the record variant.
template <class Record>
constexpr bool IsKnownFormat(uint32_t format) {
  return []<size_t... I>(uint32_t f, std::index_sequence<I...>) {
    return ((FormatOf<Record, I>() == f) || ...);
  }
  (format, std::make_index_sequence<kAlternatives<Record>>{});
}

// A tag no decoder knows: another enterprise, or an unused enterprise-0 format.
template <class Record>
Tag RandomUnknownRecordTag(Rng& rng) {
  if (rng.OneIn(2)) return Tag{rng.Between(1, 0xfffff), rng.Below(0x1000)};
  while (true) {
    const uint32_t format = rng.OneIn(2) ? rng.Below(0x1000) : rng.Between(1, 3000);
    if (!IsKnownFormat<Record>(format)) return Tag{0, format};
  }
}

struct RecordOptions {
  uint32_t trailing_one_in = 6;  // how often a known record gets extra trailing bytes
};

// A random record of variant alternative I (0 = the unknown record).
template <class Record, size_t I>
Record MakeRandomRecord(Rng& rng, Arena& arena, const RecordOptions& options) {
  using T = std::variant_alternative_t<I, RecordData<Record>>;
  Record record;
  if constexpr (I == 0) {
    record.tag = RandomUnknownRecordTag<Record>(rng);
    std::span<uint8_t> body = arena.Allocate(rng.Below(41));
    rng.Fill(body);
    record.data.template emplace<0>().body = Bytes(body);
  } else {
    T& value = record.data.template emplace<I>();
    RandomFiller filler(rng, arena);
    T::Fields(value, filler);
    record.tag = Tag{0, T::kFormat};
    if (!filler.trailing_absent() && options.trailing_one_in != 0 &&
        rng.OneIn(options.trailing_one_in)) {
      std::span<uint8_t> extra = arena.Allocate(rng.Between(1, 12));
      rng.Fill(extra);
      record.trailing = Bytes(extra);
    }
  }
  return record;
}

// A random record of the alternative with runtime index `index`.
template <class Record>
Record RandomRecordAt(size_t index, Rng& rng, Arena& arena, const RecordOptions& options = {}) {
  using Fn = Record (*)(Rng&, Arena&, const RecordOptions&);
  static constexpr auto kMakers = []<size_t... I>(std::index_sequence<I...>) {
    return std::array<Fn, sizeof...(I)>{&MakeRandomRecord<Record, I>...};
  }
  (std::make_index_sequence<kAlternatives<Record>>{});
  return kMakers[index](rng, arena, options);
}

template <class Record>
std::span<const Record> RandomRecords(Rng& rng, Arena& arena, uint32_t max_records) {
  std::vector<Record> records;
  const uint32_t n = rng.Below(max_records + 1);
  for (uint32_t i = 0; i < n; ++i) {
    // A quarter of the records unknown; the rest spread over every known alternative.
    const size_t index = rng.OneIn(4) ? 0 : rng.Between(1, kAlternatives<Record> - 1);
    records.push_back(RandomRecordAt<Record>(index, rng, arena));
  }
  return arena.Keep(std::move(records));
}

inline DataSource RandomSource(Rng& rng, bool compact) {
  if (compact) return DataSource{rng.Below(256), rng.OneIn(8) ? 0xffffffu : rng.Below(1u << 24)};
  return DataSource{rng.Edgy32(), rng.Edgy32()};
}

inline Interface RandomInterface(Rng& rng, bool compact) {
  if (compact) return Interface{rng.Below(4), rng.OneIn(8) ? 0x3fffffffu : rng.Below(1u << 30)};
  return Interface{rng.Edgy32(), rng.Edgy32()};
}

struct DatagramOptions {
  uint32_t max_samples = 6;
  uint32_t max_records = 5;
  bool trailing = true;  // datagram and sample trailing bytes allowed
};

// What RandomDatagram put in, for checking DecodeStats.
struct DatagramCounts {
  uint64_t samples = 0;
  uint64_t unknown_samples = 0;
  uint64_t flow_records = 0;
  uint64_t counter_records = 0;
  uint64_t unknown_records = 0;
};

// Fills `dg` (whose views point into `arena`) with a random mix of compact and expanded flow and
// counter samples, discarded-packet samples and unknown samples, their records drawn from every
// variant alternative including unknown ones.
inline DatagramCounts RandomDatagram(Rng& rng, Arena& arena, Datagram* dg,
                                     const DatagramOptions& options = {}) {
  DatagramCounts counts;
  dg->samples.clear();
  dg->version = 5;
  dg->agent = Address{};
  switch (rng.Below(4)) {
    case 0:
      break;  // an agent of unknown address type: legal on the wire (no address bytes)
    case 1:
      dg->agent.type = Address::Type::kIPv6;
      rng.Fill(dg->agent.bytes);
      break;
    default:
      dg->agent = Address::IPv4(192, 0, 2, static_cast<uint8_t>(rng.U32()));
  }
  dg->sub_agent_id = rng.Edgy32();
  dg->sequence_number = rng.Edgy32();
  dg->uptime_ms = rng.Edgy32();
  auto count_records = [&](auto records, uint64_t* known) {
    for (const auto& r : records) {
      ++*known;
      if (r.data.index() == 0) ++counts.unknown_records;
    }
  };
  const uint32_t n = rng.Below(options.max_samples + 1);
  for (uint32_t i = 0; i < n; ++i) {
    Sample& sample = dg->samples.emplace_back();
    switch (rng.Below(6)) {
      case 0:
      case 1: {
        FlowSample f;
        f.expanded = rng.OneIn(2);
        f.sequence_number = rng.Edgy32();
        f.source = RandomSource(rng, !f.expanded);
        f.sampling_rate = rng.Edgy32();
        f.sample_pool = rng.Edgy32();
        f.drops = rng.Edgy32();
        f.input = RandomInterface(rng, !f.expanded);
        f.output = RandomInterface(rng, !f.expanded);
        f.records = RandomRecords<FlowRecord>(rng, arena, options.max_records);
        count_records(f.records, &counts.flow_records);
        sample.tag = Tag{0, f.expanded ? kExpandedFlowSampleFormat : kFlowSampleFormat};
        sample.data = f;
        break;
      }
      case 2:
      case 3: {
        CountersSample c;
        c.expanded = rng.OneIn(2);
        c.sequence_number = rng.Edgy32();
        c.source = RandomSource(rng, !c.expanded);
        c.records = RandomRecords<CounterRecord>(rng, arena, options.max_records);
        count_records(c.records, &counts.counter_records);
        sample.tag = Tag{0, c.expanded ? kExpandedCountersSampleFormat : kCountersSampleFormat};
        sample.data = c;
        break;
      }
      case 4: {
        DiscardedPacketSample d;
        d.sequence_number = rng.Edgy32();
        d.source = RandomSource(rng, false);
        d.drops = rng.Edgy32();
        d.input = rng.Edgy32();
        d.output = rng.Edgy32();
        d.reason = rng.OneIn(2) ? rng.Below(400) : rng.Edgy32();
        d.records = RandomRecords<FlowRecord>(rng, arena, options.max_records);
        count_records(d.records, &counts.flow_records);
        sample.tag = Tag{0, kDiscardedPacketSampleFormat};
        sample.data = d;
        break;
      }
      default: {
        if (rng.OneIn(2)) {
          sample.tag = Tag{rng.Between(1, 0xfffff), rng.Below(0x1000)};
        } else {
          sample.tag = Tag{0, rng.OneIn(3) ? 0 : rng.Between(6, 0xfff)};
        }
        std::span<uint8_t> body = arena.Allocate(rng.Below(60));
        rng.Fill(body);
        sample.data = UnknownSample{Bytes(body)};
        ++counts.unknown_samples;
        break;
      }
    }
    if (options.trailing && !std::holds_alternative<UnknownSample>(sample.data) && rng.OneIn(8)) {
      std::span<uint8_t> extra = arena.Allocate(rng.Between(1, 9));
      rng.Fill(extra);
      sample.trailing = Bytes(extra);
    }
    ++counts.samples;
  }
  dg->trailing = Bytes();
  if (options.trailing && rng.OneIn(8)) {
    std::span<uint8_t> extra = arena.Allocate(rng.Between(1, 9));
    rng.Fill(extra);
    dg->trailing = Bytes(extra);
  }
  return counts;
}

// Offsets where each sample of an encoded datagram ends (walking the sample lengths), or nothing
// if the bytes are not a well-formed v5 datagram header plus samples.
inline std::vector<size_t> SampleEnds(std::span<const uint8_t> wire) {
  std::vector<size_t> ends;
  ByteReader r(wire);
  uint32_t version = 0, agent_type = 0, count = 0;
  r.ReadU32(&version);
  r.ReadU32(&agent_type);
  r.Skip(agent_type == 1 ? 4 : agent_type == 2 ? 16 : 0);
  r.Skip(12);
  r.ReadU32(&count);
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    uint32_t tag = 0, length = 0;
    r.ReadU32(&tag);
    r.ReadU32(&length);
    if (r.Skip(length)) ends.push_back(r.offset());
  }
  return ends;
}

// ---- hand-built wire bytes ----

class XdrBuilder {
 public:
  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::span<const uint8_t> span() const { return bytes_; }

  XdrBuilder& U32(uint32_t v) {
    ByteWriter(&bytes_).WriteU32(v);
    return *this;
  }
  XdrBuilder& U64(uint64_t v) {
    ByteWriter(&bytes_).WriteU64(v);
    return *this;
  }
  XdrBuilder& Raw(std::span<const uint8_t> b) {
    bytes_.insert(bytes_.end(), b.begin(), b.end());
    return *this;
  }
  XdrBuilder& Raw(std::initializer_list<uint8_t> b) { return Raw(std::span(b.begin(), b.size())); }
  XdrBuilder& Zeros(size_t n) {
    bytes_.insert(bytes_.end(), n, 0);
    return *this;
  }
  // XDR string<> / opaque<>: length, bytes, zero padding to 4.
  XdrBuilder& Opaque(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    Raw(AsBytes(s));
    return Zeros((4 - s.size() % 4) % 4);
  }
  XdrBuilder& Ipv4Agent(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    U32(1);
    return Raw({a, b, c, d});
  }
  // Starts a length-prefixed block; returns the offset of its length word, for End().
  size_t Begin() {
    const size_t at = size();
    U32(0);
    return at;
  }
  XdrBuilder& End(size_t at) {
    ByteWriter(&bytes_).PatchU32(at, static_cast<uint32_t>(size() - at - 4));
    return *this;
  }
  XdrBuilder& Patch(size_t at, uint32_t v) {
    ByteWriter(&bytes_).PatchU32(at, v);
    return *this;
  }

 private:
  std::vector<uint8_t> bytes_;
};

// The usual datagram header: version 5, IPv4 agent 192.0.2.1, sub-agent 7, sequence 1000,
// uptime 123456 and `samples`. The first sample starts at byte kFirstSampleAt.
inline constexpr size_t kFirstSampleAt = 28;
inline XdrBuilder DatagramHeader(uint32_t samples) {
  XdrBuilder b;
  b.U32(5).Ipv4Agent(192, 0, 2, 1).U32(7).U32(1000).U32(123456).U32(samples);
  return b;
}

// ---- Describe: a readable dump for failure messages ----

class Describer {
 public:
  explicit Describer(std::string* out) : out_(*out) {}

  template <class T>
  void operator()(std::string_view name, const T& v) {
    out_ += " ";
    out_ += name;
    out_ += "=";
    Value(v);
  }

  template <class T>
  void Value(const T& v) {
    if constexpr (HasFields<T>) {
      out_ += "{";
      T::Fields(v, *this);
      out_ += " }";
    } else if constexpr (std::is_same_v<T, float>) {
      out_ += std::to_string(v) + "(0x" + Hex32(std::bit_cast<uint32_t>(v)) + ")";
    } else if constexpr (std::is_integral_v<T>) {
      out_ += std::to_string(v);
    } else if constexpr (std::is_same_v<T, Address>) {
      out_ += std::to_string(static_cast<uint32_t>(v.type)) + ":" + Hex(v.bytes);
    } else if constexpr (std::is_same_v<T, Ipv4Address> || std::is_same_v<T, Ipv6Address> ||
                         std::is_same_v<T, MacAddress> || std::is_same_v<T, Uuid>) {
      out_ += Hex(v.bytes);
    } else if constexpr (std::is_same_v<T, std::string_view>) {
      out_ += "\"" + Hex(AsBytes(v)) + "\"";
    } else if constexpr (std::is_same_v<T, Bytes>) {
      out_ += Hex(v.span());
    } else if constexpr (std::is_same_v<T, U32List>) {
      out_ += "[" + Hex(v.wire()) + "]";
    } else if constexpr (std::is_same_v<T, Percentage>) {
      out_ += std::to_string(v.hundredths);
    } else if constexpr (std::is_same_v<T, DatapathId>) {
      out_ += std::to_string(v.value);
    } else if constexpr (std::is_same_v<T, TrailingU32>) {
      out_ += v.present ? std::to_string(v.value) : std::string("absent");
    } else if constexpr (requires { v.wire(); }) {
      out_ += std::to_string(v.size()) + "x[" + Hex(v.wire()) + "]";
    } else {
      out_ += "?";
    }
  }

  static std::string Hex32(uint32_t v) {
    char b[9];
    std::snprintf(b, sizeof b, "%08x", v);
    return b;
  }
  static std::string Hex(std::span<const uint8_t> b) {
    std::string s;
    for (uint8_t c : b) {
      char h[3];
      std::snprintf(h, sizeof h, "%02x", c);
      s += h;
    }
    return s;
  }

 private:
  std::string& out_;
};

template <class Record>
std::string Describe(const Record& r) requires requires {
  r.tag;
  r.data;
  r.trailing;
}
{
  std::string out = std::to_string(r.tag.enterprise) + ":" + std::to_string(r.tag.format) + " #" +
                    std::to_string(r.data.index());
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        Describer d(&out);
        if constexpr (HasFields<T>) {
          T::Fields(v, d);
        } else {
          d("body", v.body);
        }
      },
      r.data);
  if (!r.trailing.empty()) out += " trailing=" + Describer::Hex(r.trailing.span());
  return out;
}

inline std::string Describe(const Sample& s) {
  std::string out =
      "sample " + std::to_string(s.tag.enterprise) + ":" + std::to_string(s.tag.format);
  auto records = [&](const auto& rs) {
    for (const auto& r : rs) out += "\n    " + Describe(r);
  };
  if (const auto* f = std::get_if<FlowSample>(&s.data)) {
    out += " flow expanded=" + std::to_string(f->expanded) +
           " seq=" + std::to_string(f->sequence_number) + " src=" + std::to_string(f->source.type) +
           ":" + std::to_string(f->source.index) + " rate=" + std::to_string(f->sampling_rate) +
           " pool=" + std::to_string(f->sample_pool) + " drops=" + std::to_string(f->drops) +
           " in=" + std::to_string(f->input.format) + "/" + std::to_string(f->input.value) +
           " out=" + std::to_string(f->output.format) + "/" + std::to_string(f->output.value);
    records(f->records);
  } else if (const auto* c = std::get_if<CountersSample>(&s.data)) {
    out += " counters expanded=" + std::to_string(c->expanded) +
           " seq=" + std::to_string(c->sequence_number) + " src=" + std::to_string(c->source.type) +
           ":" + std::to_string(c->source.index);
    records(c->records);
  } else if (const auto* d = std::get_if<DiscardedPacketSample>(&s.data)) {
    out += " discarded seq=" + std::to_string(d->sequence_number) +
           " src=" + std::to_string(d->source.type) + ":" + std::to_string(d->source.index) +
           " drops=" + std::to_string(d->drops) + " in=" + std::to_string(d->input) +
           " out=" + std::to_string(d->output) + " reason=" + std::to_string(d->reason);
    records(d->records);
  } else {
    out += " unknown body=" + Describer::Hex(std::get<UnknownSample>(s.data).body.span());
  }
  if (!s.trailing.empty()) out += "\n    sample trailing=" + Describer::Hex(s.trailing.span());
  return out;
}

inline std::string Describe(const Datagram& dg) {
  std::string out = "datagram v" + std::to_string(dg.version) +
                    " agent=" + std::to_string(static_cast<uint32_t>(dg.agent.type)) + ":" +
                    Describer::Hex(dg.agent.bytes) + " sub=" + std::to_string(dg.sub_agent_id) +
                    " seq=" + std::to_string(dg.sequence_number) +
                    " uptime=" + std::to_string(dg.uptime_ms) +
                    " samples=" + std::to_string(dg.samples.size());
  for (const Sample& s : dg.samples) out += "\n  " + Describe(s);
  if (!dg.trailing.empty()) out += "\n  trailing=" + Describer::Hex(dg.trailing.span());
  return out;
}

}  // namespace cistern::sflow::testing

// Catch prints these when a comparison of them fails.
namespace Catch {
template <>
struct StringMaker<cistern::sflow::Datagram> {
  static std::string convert(const cistern::sflow::Datagram& dg) {
    return cistern::sflow::testing::Describe(dg);
  }
};
template <>
struct StringMaker<cistern::sflow::FlowRecord> {
  static std::string convert(const cistern::sflow::FlowRecord& r) {
    return cistern::sflow::testing::Describe(r);
  }
};
template <>
struct StringMaker<cistern::sflow::CounterRecord> {
  static std::string convert(const cistern::sflow::CounterRecord& r) {
    return cistern::sflow::testing::Describe(r);
  }
};
template <>
struct StringMaker<cistern::sflow::Sample> {
  static std::string convert(const cistern::sflow::Sample& s) {
    return cistern::sflow::testing::Describe(s);
  }
};
}  // namespace Catch

#endif  // CISTERN_TESTS_SFLOW_TEST_SUPPORT_H_
