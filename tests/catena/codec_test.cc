// libcatena's sample codec: bit-exact round trips of every kind of series the encoder may choose a
// different encoding for, the choices themselves, and hostile streams (truncation sweep, flipped
// bits, lying counts) that must give an error, never a crash.
#include "cistern/catena/codec.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "catch2/catch.hpp"

namespace cistern::catena {
namespace {

uint64_t Bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

struct Encoded {
  std::string ts;
  std::string vs;
};

Encoded RoundTrip(const std::vector<int64_t>& ts, ValueType type, const std::vector<uint64_t>& vs) {
  Encoded e;
  EncodeTimestamps(ts, &e.ts);
  EncodeValues(type, vs, &e.vs);
  std::vector<int64_t> t(ts.size());
  std::vector<uint64_t> v(vs.size());
  ValueType got;
  REQUIRE(DecodeTimestamps(e.ts, ts.size(), t.data()).ok());
  REQUIRE(DecodeValues(e.vs, vs.size(), &got, v.data()).ok());
  CHECK(got == type);
  CHECK(t == ts);
  CHECK(v == vs);
  return e;
}

std::vector<int64_t> Regular(size_t n, int64_t start, int64_t step, int jitter, std::mt19937_64* rng) {
  std::vector<int64_t> ts(n);
  std::normal_distribution<double> g(0, jitter);
  for (size_t i = 0; i < n; ++i) {
    ts[i] = start + static_cast<int64_t>(i) * step +
            (jitter ? static_cast<int64_t>(std::llround(std::fabs(g(*rng)))) : 0);
  }
  return ts;
}

TEST_CASE("regular timestamps cost almost nothing; SNMP jitter a few bits") {
  std::mt19937_64 rng(1);
  auto regular = RoundTrip(Regular(720, 1736121600000, 10000, 0, &rng), ValueType::kInt,
                           std::vector<uint64_t>(720, 7));
  CHECK(regular.ts.size() < 60);
  auto jittered = RoundTrip(Regular(720, 1736121600000, 10000, 5, &rng), ValueType::kInt,
                            std::vector<uint64_t>(720, 7));
  CHECK(jittered.ts.size() < 720 * 6 / 8);
  CHECK(regular.vs.size() < 40);  // a constant
}

TEST_CASE("busy counters: deltas of deltas; wraps and resets survive") {
  std::mt19937_64 rng(2);
  std::normal_distribution<double> g(0, 0.05);
  std::vector<uint64_t> v;
  double rate = 1e9;
  uint64_t c = (uint64_t{1} << 47) + 12345;
  for (int i = 0; i < 720; ++i) {
    rate *= std::exp(g(rng));
    c += static_cast<uint64_t>(rate);
    if (i == 300) c = 0;                  // reset
    if (i == 500) c = ~uint64_t{0} - 5;   // about to wrap the 64-bit space
    v.push_back(c);
  }
  auto e = RoundTrip(Regular(720, 0, 10000, 0, &rng), ValueType::kInt, v);
  auto info = InspectValues(e.vs);
  REQUIRE(info.ok());
  CHECK(info->encoding == ValueEncoding::kInteger);
  CHECK(info->order == 2);
  CHECK(e.vs.size() < 720 * 5);  // ~30-bit residuals, well below 8 bytes each
}

TEST_CASE("integer gauges and sparse counters") {
  std::mt19937_64 rng(3);
  std::vector<uint64_t> cpu, errors;
  uint64_t err = 0;
  for (int i = 0; i < 720; ++i) {
    cpu.push_back(static_cast<uint64_t>(20 + static_cast<int>(rng() % 7)));
    if (rng() % 500 == 0) err += rng() % 10;
    errors.push_back(err);
  }
  auto e1 = RoundTrip(Regular(720, 0, 10000, 0, &rng), ValueType::kInt, cpu);
  CHECK(e1.vs.size() < 720 * 4 / 8 + 60);
  auto e2 = RoundTrip(Regular(720, 0, 10000, 0, &rng), ValueType::kInt, errors);
  CHECK(e2.vs.size() < 80);
  // Extremes of int64.
  RoundTrip({1, 2, 3, 4, 5}, ValueType::kInt,
            {static_cast<uint64_t>(std::numeric_limits<int64_t>::min()),
             static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), 0,
             static_cast<uint64_t>(int64_t{-1}), static_cast<uint64_t>(std::numeric_limits<int64_t>::min())});
}

TEST_CASE("exact decimals are stored as scaled integers") {
  std::mt19937_64 rng(4);
  std::vector<uint64_t> v;
  for (int i = 0; i < 720; ++i) {
    const double x = std::round((1000.0 + static_cast<double>(rng() % 100000) / 7.0) * 1000.0) / 1000.0;
    v.push_back(Bits(x));
  }
  auto e = RoundTrip(Regular(720, 0, 10000, 0, &rng), ValueType::kFloat, v);
  auto info = InspectValues(e.vs);
  REQUIRE(info.ok());
  CHECK(info->encoding == ValueEncoding::kDecimal);
  CHECK(info->scale == 3);
  CHECK(e.vs.size() < 720 * 4);
  // Integral floats: scale 0, still floats on the way out.
  auto e0 = RoundTrip({1, 2, 3}, ValueType::kFloat, {Bits(1.0), Bits(2.0), Bits(1e15)});
  CHECK(InspectValues(e0.vs)->scale == 0);
}

TEST_CASE("floats that are not decimals go through XOR, bit for bit") {
  std::mt19937_64 rng(5);
  std::vector<uint64_t> v;
  for (int i = 0; i < 500; ++i) v.push_back(Bits(std::sin(i * 0.01) * 1e-3 + 1.0 / 3.0));
  auto e = RoundTrip(Regular(500, 0, 1000, 0, &rng), ValueType::kFloat, v);
  CHECK(InspectValues(e.vs)->encoding == ValueEncoding::kXor);
  // Specials: -0.0 (not a decimal: it would come back as +0.0), NaN payloads, infinities,
  // denormals, extremes.
  const std::vector<uint64_t> specials = {
      Bits(-0.0), Bits(0.0), 0x7FF8000000000001ull, 0xFFF0000000000123ull, 0x7FF4000000000000ull,
      Bits(std::numeric_limits<double>::infinity()), Bits(-std::numeric_limits<double>::infinity()),
      Bits(std::numeric_limits<double>::denorm_min()), Bits(std::numeric_limits<double>::max()),
      Bits(std::numeric_limits<double>::lowest()), Bits(1.5), Bits(1.5)};
  std::vector<int64_t> ts(specials.size());
  for (size_t i = 0; i < ts.size(); ++i) ts[i] = static_cast<int64_t>(i) * 7;
  auto s = RoundTrip(ts, ValueType::kFloat, specials);
  CHECK(InspectValues(s.vs)->encoding == ValueEncoding::kXor);
  // A later value that needs a larger scale must not break an earlier one (0x4314d36687d07340
  // is exact at scale 0 but not at the scale 0xc2c2d612f3be6f93 needs).
  auto rescaled = RoundTrip({1, 2}, ValueType::kFloat, {0x4314d36687d07340ull, 0xc2c2d612f3be6f93ull});
  (void)rescaled;
  std::mt19937_64 mix(11);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint64_t> decimals;
    for (int i = 0; i < 8; ++i) {
      const int digits = static_cast<int>(mix() % 10);
      const double x = static_cast<double>(static_cast<int64_t>(mix() >> (mix() % 64))) /
                       std::pow(10.0, digits);
      decimals.push_back(Bits(x));
    }
    RoundTrip({1, 2, 3, 4, 5, 6, 7, 8}, ValueType::kFloat, decimals);
  }
  // -0.0 alone among decimals forces XOR too.
  auto z = RoundTrip({1, 2}, ValueType::kFloat, {Bits(1.5), Bits(-0.0)});
  CHECK(InspectValues(z.vs)->encoding == ValueEncoding::kXor);
}

TEST_CASE("random sequences of every shape round-trip") {
  std::mt19937_64 rng(6);
  for (int round = 0; round < 300; ++round) {
    const size_t n = 1 + rng() % 2000;
    std::vector<int64_t> ts(n);
    uint64_t t = rng() >> (rng() % 64);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t step = rng() >> (rng() % 63 + 1);
      t = rng() % 8 == 0 ? t - step : t + step;  // wrapping on purpose
      ts[i] = static_cast<int64_t>(t);  // any int64 sequence, even unsorted, must round-trip
    }
    std::vector<uint64_t> v(n);
    const int shape = static_cast<int>(rng() % 4);
    for (size_t i = 0; i < n; ++i) {
      switch (shape) {
        case 0: v[i] = rng(); break;
        case 1: v[i] = rng() >> (rng() % 64); break;
        case 2: v[i] = Bits(static_cast<double>(rng() % 100000) / 100.0); break;
        default: v[i] = i % 3 ? v[i > 0 ? i - 1 : 0] : rng(); break;
      }
    }
    RoundTrip(ts, rng() % 2 ? ValueType::kInt : ValueType::kFloat, v);
  }
}

TEST_CASE("hostile streams: truncation, flipped bits and lying counts give errors, not crashes") {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> v;
  for (int i = 0; i < 300; ++i) v.push_back(Bits(std::round(static_cast<double>(rng() % 1000000)) / 100.0));
  auto ts = Regular(300, 1736121600000, 10000, 5, &rng);
  std::string tsb, vsb;
  EncodeTimestamps(ts, &tsb);
  EncodeValues(ValueType::kFloat, v, &vsb);
  std::vector<int64_t> t(4096);
  std::vector<uint64_t> out(4096);
  ValueType type;
  for (size_t len = 0; len < tsb.size(); ++len) {
    CHECK_FALSE(DecodeTimestamps(std::string_view(tsb).substr(0, len), 300, t.data()).ok());
  }
  for (size_t len = 0; len < vsb.size(); ++len) {
    CHECK_FALSE(DecodeValues(std::string_view(vsb).substr(0, len), 300, &type, out.data()).ok());
  }
  // A count larger than the stream holds, or smaller (trailing bytes).
  CHECK_FALSE(DecodeTimestamps(tsb, 4000, t.data()).ok());
  CHECK_FALSE(DecodeValues(vsb, 4000, &type, out.data()).ok());
  CHECK_FALSE(DecodeTimestamps(tsb, 100, t.data()).ok());
  CHECK_FALSE(DecodeValues(vsb, 100, &type, out.data()).ok());
  CHECK_FALSE(DecodeValues(vsb, kMaxChunkSamples + 1, &type, out.data()).ok());
  // Flipped bits decode to something or to an error; never outside the buffers.
  for (int i = 0; i < 2000; ++i) {
    std::string a = tsb, b = vsb;
    a[rng() % a.size()] ^= static_cast<char>(1 << (rng() % 8));
    b[rng() % b.size()] ^= static_cast<char>(1 << (rng() % 8));
    (void)DecodeTimestamps(a, 300, t.data());
    (void)DecodeValues(b, 300, &type, out.data());
  }
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    (void)DecodeTimestamps(junk, 1 + rng() % 300, t.data());
    (void)DecodeValues(junk, 1 + rng() % 300, &type, out.data());
  }
}

}  // namespace
}  // namespace cistern::catena
