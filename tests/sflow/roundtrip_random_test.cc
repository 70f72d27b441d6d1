// Randomised round trips of the sFlow v5 codec: every alternative of FlowRecordData and
// CounterRecordData (found by walking the variants, so a new record type is covered as soon as it
// is added to a variant) is filled with seeded random data through its Fields() list, encoded,
// decoded and compared; then whole datagrams mixing every sample kind, unknown samples and unknown
// records are checked the same way, and re-encoding must reproduce the bytes exactly.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "cistern/sflow/codec.h"
#include "cistern/sflow/datagram.h"
#include "test_support.h"

namespace cistern::sflow {
namespace {

using testing::Arena;
using testing::ByteDiff;
using testing::kAlternatives;
using testing::RandomFiller;
using testing::RecordData;
using testing::Rng;

template <class Record, size_t I>
std::string AlternativeName() {
  using T = std::variant_alternative_t<I, RecordData<Record>>;
  return std::string(T::kName) + " (alternative " + std::to_string(I) + ")";
}

// Puts `records` in a sample of the right kind, picked at random among those that can hold them.
template <class Record>
void AddSample(std::span<const Record> records, Rng& rng, Datagram* dg) {
  Sample& sample = dg->samples.emplace_back();
  if constexpr (std::is_same_v<Record, FlowRecord>) {
    if (rng.OneIn(3)) {
      DiscardedPacketSample d;
      d.sequence_number = rng.U32();
      d.source = testing::RandomSource(rng, false);
      d.reason = rng.Below(300);
      d.records = records;
      sample.tag = Tag{0, kDiscardedPacketSampleFormat};
      sample.data = d;
    } else {
      FlowSample f;
      f.expanded = rng.OneIn(2);
      f.sequence_number = rng.U32();
      f.source = testing::RandomSource(rng, !f.expanded);
      f.sampling_rate = rng.U32();
      f.input = testing::RandomInterface(rng, !f.expanded);
      f.output = testing::RandomInterface(rng, !f.expanded);
      f.records = records;
      sample.tag = Tag{0, f.expanded ? kExpandedFlowSampleFormat : kFlowSampleFormat};
      sample.data = f;
    }
  } else {
    CountersSample c;
    c.expanded = rng.OneIn(2);
    c.sequence_number = rng.U32();
    c.source = testing::RandomSource(rng, !c.expanded);
    c.records = records;
    sample.tag = Tag{0, c.expanded ? kExpandedCountersSampleFormat : kCountersSampleFormat};
    sample.data = c;
  }
}

// The records of a sample, if it holds records of type Record.
template <class Record>
std::span<const Record> RecordsOf(const Sample& sample) {
  return std::visit(
      [](const auto& s) -> std::span<const Record> {
        using S = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<S, UnknownSample>) {
          return {};
        } else if constexpr (std::is_same_v<decltype(s.records), std::span<const Record>>) {
          return s.records;
        } else {
          return {};
        }
      },
      sample.data);
}

// Encodes records of alternative I in a datagram, decodes, and checks equality, that the decoder
// chose alternative I, and that re-encoding gives the same bytes.
template <class Record, size_t I>
void RoundTripAlternative(uint64_t seed, int iterations) {
  INFO((AlternativeName<Record, I>()));
  Rng rng(seed * 7919 + I);
  Datagram back;  // reused across iterations, as a collector would
  for (int it = 0; it < iterations; ++it) {
    INFO("iteration " << it);
    Arena arena;
    std::vector<Record> records;
    const uint32_t n = rng.Between(1, 3);
    for (uint32_t k = 0; k < n; ++k) {
      records.push_back(testing::RandomRecordAt<Record>(I, rng, arena));
    }
    Datagram dg;
    dg.agent = Address::IPv4(10, 0, 0, 1);
    AddSample<Record>(arena.Keep(std::move(records)), rng, &dg);

    std::vector<uint8_t> wire;
    const absl::Status encoded = Encode(dg, &wire);
    REQUIRE(encoded.ok());
    DecodeStats stats;
    const absl::Status decoded = DecodeInto(wire, &back, {}, &stats);
    INFO(testing::StatusString(decoded));
    REQUIRE(decoded.ok());
    REQUIRE(back == dg);
    REQUIRE(stats.unknown_records == (I == 0 ? n : 0));
    bool all_alternative_i = true;
    for (const Record& r : RecordsOf<Record>(back.samples.at(0))) {
      all_alternative_i &= r.data.index() == I;
    }
    REQUIRE(all_alternative_i);

    std::vector<uint8_t> again;
    REQUIRE(Encode(back, &again).ok());
    REQUIRE(ByteDiff(again, wire) == "");
  }
}

template <class Record, size_t... I>
void RoundTripEveryAlternative(uint64_t seed, int iterations, std::index_sequence<I...>) {
  (RoundTripAlternative<Record, I>(seed, iterations), ...);
}

TEST_CASE("roundtrip: every flow record type survives encode and decode", "[sflow][roundtrip]") {
  STATIC_REQUIRE(kAlternatives<FlowRecord> > 50);
  RoundTripEveryAlternative<FlowRecord>(0xF10Bu, 120,
                                        std::make_index_sequence<kAlternatives<FlowRecord>>{});
}

TEST_CASE("roundtrip: every counter record type survives encode and decode", "[sflow][roundtrip]") {
  STATIC_REQUIRE(kAlternatives<CounterRecord> > 35);
  RoundTripEveryAlternative<CounterRecord>(
      0xC0DEu, 120, std::make_index_sequence<kAlternatives<CounterRecord>>{});
}

// ---- properties of the Fields() lists themselves ----

// Flattens nested structures and records, for each field in wire order, whether it is a
// TrailingU32.
struct TrailingOrder {
  std::vector<bool> trailing;
  template <class T>
  void operator()(std::string_view, const T& field) {
    if constexpr (testing::HasFields<T>) {
      T::Fields(field, *this);
    } else {
      trailing.push_back(std::is_same_v<T, TrailingU32>);
    }
  }
};

template <class Record, size_t I>
void CheckTrailingLast() {
  using T = std::variant_alternative_t<I, RecordData<Record>>;
  if constexpr (I != 0) {
    TrailingOrder order;
    const T value{};
    T::Fields(value, order);
    INFO((AlternativeName<Record, I>()));
    REQUIRE(!order.trailing.empty());
    bool seen_trailing = false, ok = true;
    for (bool t : order.trailing) {
      if (seen_trailing && !t) ok = false;
      seen_trailing |= t;
    }
    // A TrailingU32 is present only when bytes are left: a fixed field after it could never be
    // told apart from it.
    CHECK(ok);
  }
}

// The random filler must reach the fields: a filled value differs from a default one.
template <class Record, size_t I>
void CheckFillerChangesValue() {
  using T = std::variant_alternative_t<I, RecordData<Record>>;
  if constexpr (I != 0) {
    INFO((AlternativeName<Record, I>()));
    bool changed = false;
    for (uint64_t seed = 1; seed <= 4 && !changed; ++seed) {
      Rng rng(seed);
      Arena arena;
      T value{};
      RandomFiller filler(rng, arena);
      T::Fields(value, filler);
      changed = !(value == T{});
    }
    CHECK(changed);
  }
}

template <class Record, size_t I>
void AppendFormat(std::vector<uint32_t>* formats) {
  if constexpr (I != 0)
    formats->push_back(std::variant_alternative_t<I, RecordData<Record>>::kFormat);
}

template <class Record, size_t... I>
void CheckEveryAlternative(std::index_sequence<I...>) {
  (CheckTrailingLast<Record, I>(), ...);
  (CheckFillerChangesValue<Record, I>(), ...);
  // The decoder picks the alternative from the tag: every known format must be distinct.
  std::vector<uint32_t> formats;
  (AppendFormat<Record, I>(&formats), ...);
  std::ranges::sort(formats);
  CHECK(std::ranges::adjacent_find(formats) == formats.end());
}

TEST_CASE("roundtrip: record field lists put TrailingU32 last and have distinct formats",
          "[sflow][roundtrip]") {
  CheckEveryAlternative<FlowRecord>(std::make_index_sequence<kAlternatives<FlowRecord>>{});
  CheckEveryAlternative<CounterRecord>(std::make_index_sequence<kAlternatives<CounterRecord>>{});
}

// ---- whole datagrams ----

TEST_CASE("roundtrip: random datagrams decode to what was encoded and re-encode exactly",
          "[sflow][roundtrip]") {
  const uint64_t seed = GENERATE(1u, 2u, 3u, 0x5F10Cu);
  INFO("seed " << seed);
  Rng rng(seed);
  Datagram reused;
  uint64_t total_samples = 0, total_records = 0, total_unknown = 0;
  for (int it = 0; it < 2500; ++it) {
    INFO("iteration " << it);
    Arena arena;
    Datagram dg;
    const testing::DatagramCounts counts = testing::RandomDatagram(rng, arena, &dg);
    total_samples += counts.samples;
    total_records += counts.flow_records + counts.counter_records;
    total_unknown += counts.unknown_records + counts.unknown_samples;

    // Encode appends: a prefix already in the vector is kept.
    std::vector<uint8_t> wire = {0xaa, 0xbb};
    REQUIRE(Encode(dg, &wire).ok());
    REQUIRE(wire.size() >= 2);
    REQUIRE((wire[0] == 0xaa && wire[1] == 0xbb));
    wire.erase(wire.begin(), wire.begin() + 2);

    DecodeStats stats;
    const absl::Status s = DecodeInto(wire, &reused, {}, &stats);
    INFO(testing::StatusString(s));
    REQUIRE(s.ok());
    REQUIRE(reused == dg);
    REQUIRE(stats.datagrams == 1);
    REQUIRE(stats.samples == counts.samples);
    REQUIRE(stats.unknown_samples == counts.unknown_samples);
    REQUIRE(stats.flow_records == counts.flow_records);
    REQUIRE(stats.counter_records == counts.counter_records);
    REQUIRE(stats.unknown_records == counts.unknown_records);
    REQUIRE(stats.malformed == 0);

    // A fresh Datagram decodes the same as the reused one.
    absl::StatusOr<Datagram> fresh = Decode(wire);
    REQUIRE(fresh.ok());
    REQUIRE(*fresh == reused);

    // encode(decode(encode(x))) == encode(x), byte for byte.
    std::vector<uint8_t> again;
    REQUIRE(Encode(reused, &again).ok());
    REQUIRE(ByteDiff(again, wire) == "");
  }
  // The generator really produced a mix (guards against a generator that degenerates).
  CHECK(total_samples > 3000);
  CHECK(total_records > 5000);
  CHECK(total_unknown > 1000);
}

TEST_CASE("roundtrip: large random datagrams with many samples and records", "[sflow][roundtrip]") {
  Rng rng(0xB16);
  testing::DatagramOptions options;
  options.max_samples = 80;  // over the 64 samples DecodeInto reserves up front
  options.max_records = 20;
  Datagram reused;
  for (int it = 0; it < 60; ++it) {
    INFO("iteration " << it);
    Arena arena;
    Datagram dg;
    testing::RandomDatagram(rng, arena, &dg, options);
    std::vector<uint8_t> wire;
    REQUIRE(Encode(dg, &wire).ok());
    const absl::Status s = DecodeInto(wire, &reused);
    INFO(testing::StatusString(s));
    REQUIRE(s.ok());
    REQUIRE(reused == dg);
    std::vector<uint8_t> again;
    REQUIRE(Encode(reused, &again).ok());
    REQUIRE(ByteDiff(again, wire) == "");
  }
}

}  // namespace
}  // namespace cistern::sflow
