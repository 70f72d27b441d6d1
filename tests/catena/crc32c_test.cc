// libcatena's CRC-32C (crc32c.h): the test vectors of RFC 3720 B.4 and the customary check value,
// incremental use, and agreement of the table-driven and SSE4.2 paths on random buffers at every
// alignment and length.
#include "crc32c.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::catena {
namespace {

std::vector<uint8_t> Bytes(size_t n, uint8_t first, int step) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(first + step * static_cast<int>(i));
  return v;
}

TEST_CASE("CRC-32C: RFC 3720 B.4 vectors and the check value", "[catena][crc32c]") {
  const std::vector<uint8_t> zeros = Bytes(32, 0x00, 0);
  const std::vector<uint8_t> ones = Bytes(32, 0xFF, 0);
  const std::vector<uint8_t> ascending = Bytes(32, 0, 1);
  const std::vector<uint8_t> descending = Bytes(32, 31, -1);
  CHECK(Crc32c(zeros.data(), zeros.size()) == 0x8A9136AAu);
  CHECK(Crc32c(ones.data(), ones.size()) == 0x62A8AB43u);
  CHECK(Crc32c(ascending.data(), ascending.size()) == 0x46DD794Eu);
  CHECK(Crc32c(descending.data(), descending.size()) == 0x113FDB5Cu);
  CHECK(Crc32c(std::string_view("123456789")) == 0xE3069283u);
  CHECK(Crc32c(std::string_view()) == 0u);

  CHECK(Crc32cPortableForTest(0, zeros.data(), zeros.size()) == 0x8A9136AAu);
  CHECK(Crc32cPortableForTest(0, ones.data(), ones.size()) == 0x62A8AB43u);
  CHECK(Crc32cPortableForTest(0, ascending.data(), ascending.size()) == 0x46DD794Eu);
  CHECK(Crc32cPortableForTest(0, descending.data(), descending.size()) == 0x113FDB5Cu);
  CHECK(Crc32cPortableForTest(0, "123456789", 9) == 0xE3069283u);
}

TEST_CASE("CRC-32C: extending piece by piece gives the whole", "[catena][crc32c]") {
  std::mt19937_64 rng(20240601);
  std::vector<uint8_t> data(4099);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  const uint32_t whole = Crc32c(data.data(), data.size());
  for (size_t cut : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{1000},
                     data.size() - 1, data.size()}) {
    const uint32_t first = Crc32c(data.data(), cut);
    CHECK(Crc32cExtend(first, data.data() + cut, data.size() - cut) == whole);
    CHECK(Crc32cPortableForTest(Crc32cPortableForTest(0, data.data(), cut), data.data() + cut,
                                data.size() - cut) == whole);
  }
  // Random pieces, one byte to a few hundred.
  uint32_t crc = 0;
  for (size_t at = 0; at < data.size();) {
    const size_t n = std::min<size_t>(data.size() - at, 1 + rng() % 300);
    crc = Crc32cExtend(crc, data.data() + at, n);
    at += n;
  }
  CHECK(crc == whole);
  // "123456789" a byte at a time.
  crc = 0;
  for (char c : std::string("123456789")) crc = Crc32cExtend(crc, &c, 1);
  CHECK(crc == 0xE3069283u);
}

TEST_CASE("CRC-32C: the portable and hardware paths agree", "[catena][crc32c]") {
  std::mt19937_64 rng(7);
  std::vector<uint8_t> data(8192 + 16);
  for (int round = 0; round < 2000; ++round) {
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    const size_t offset = rng() % 16;  // every alignment
    const size_t n = round < 64 ? static_cast<size_t>(round) : rng() % 8192;
    const uint32_t seed = round % 3 == 0 ? 0u : static_cast<uint32_t>(rng());
    const uint32_t fast = Crc32cExtend(seed, data.data() + offset, n);
    const uint32_t portable = Crc32cPortableForTest(seed, data.data() + offset, n);
    REQUIRE(fast == portable);
  }
}

}  // namespace
}  // namespace cistern::catena
