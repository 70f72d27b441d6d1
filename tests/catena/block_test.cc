// libcatena blocks: what goes in comes out (keys in their label order, chunks, postings, meta),
// timestamp streams shared between series, and damage anywhere found by a checksum.
#include "cistern/catena/block.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cistern/catena/codec.h"

namespace cistern::catena {
namespace {

EncodedChunk MakeChunk(const std::vector<int64_t>& ts, ValueType type, const std::vector<uint64_t>& v) {
  EncodedChunk c;
  c.mint = ts.front();
  c.maxt = ts.back();
  c.count = static_cast<uint32_t>(ts.size());
  c.type = type;
  EncodeTimestamps(ts, &c.timestamps);
  EncodeValues(type, v, &c.values);
  return c;
}

std::string TempPath(const std::string& name) {
  return std::string(CISTERN_TEST_TMPDIR) + "/block_test_" + std::to_string(::getpid()) + "_" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Three series; two share their timestamps.
std::string WriteSample(BlockMeta meta = {}) {
  std::vector<int64_t> ts, ts2;
  std::vector<uint64_t> a, b, c;
  for (int i = 0; i < 100; ++i) {
    ts.push_back(1000 + i * 10000 + (i % 3));
    ts2.push_back(5000 + i * 10000);
    a.push_back(static_cast<uint64_t>(i * 1000));
    b.push_back(static_cast<uint64_t>(i % 7));
    double d = i * 0.5;
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    c.push_back(bits);
  }
  BlockBuilder builder;
  builder.AddSeries(3, {"ifHCInOctets", {{"instance", "sw1"}, {"ifName", "xe-0/0/1"}}},
                    {MakeChunk(ts, ValueType::kInt, a)});
  builder.AddSeries(4, {"ifHCOutOctets", {{"instance", "sw1"}, {"ifName", "xe-0/0/1"}}},
                    {MakeChunk(ts, ValueType::kInt, b)});
  builder.AddSeries(9, {"traffic_rate_mbps", {{"proto", "tcp"}, {"instance", "sw2"}}},
                    {MakeChunk(std::vector<int64_t>(ts2.begin(), ts2.begin() + 50), ValueType::kFloat,
                               std::vector<uint64_t>(c.begin(), c.begin() + 50)),
                     MakeChunk(std::vector<int64_t>(ts2.begin() + 50, ts2.end()), ValueType::kFloat,
                               std::vector<uint64_t>(c.begin() + 50, c.end()))});
  const std::string path = TempPath("sample.blk");
  REQUIRE(builder.Write(path, meta).ok());
  return path;
}

TEST_CASE("a block gives back its series, chunks, postings and meta") {
  BlockMeta meta;
  meta.id = 42;
  meta.level = 1;
  meta.parents = {7, 8};
  const std::string path = WriteSample(meta);
  auto block = Block::Open(path);
  REQUIRE(block.ok());
  const Block& b = **block;
  CHECK(b.meta().id == 42);
  CHECK(b.meta().parents == std::vector<uint64_t>{7, 8});
  CHECK(b.meta().mint == 1000);
  CHECK(b.meta().samples == 300);
  REQUIRE(b.series().size() == 3);
  CHECK(b.series()[0].ref == 3);
  CHECK(b.series()[0].key.labels[0].name == "instance");  // label order kept
  CHECK(b.series()[2].chunks.size() == 2);
  CHECK(b.stats().timestamp_streams == 3);  // series 3 and 4 share one
  CHECK(b.Postings("instance", "sw1").size() == 2);
  CHECK(b.Postings("__name__", "traffic_rate_mbps").size() == 1);
  CHECK(b.Postings("instance", "nope").empty());
  CHECK(b.LabelValues("instance").size() == 2);
  std::vector<int64_t> ts(100);
  std::vector<uint64_t> v(100);
  ValueType type;
  REQUIRE(b.ReadChunk(0, 0, ts.data(), v.data(), &type).ok());
  CHECK(type == ValueType::kInt);
  CHECK(ts[1] == 11001);
  CHECK(v[99] == 99000);
  CHECK(b.Verify().ok());
  // The same bytes in memory.
  auto mem = Block::FromBuffer(ReadAll(path), "mem");
  REQUIRE(mem.ok());
  CHECK((*mem)->series().size() == 3);
  std::remove(path.c_str());
}

TEST_CASE("every flipped byte of a block is caught by a checksum or a bounds check") {
  const std::string path = WriteSample();
  const std::string bytes = ReadAll(path);
  std::remove(path.c_str());
  size_t caught = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] ^= 0x20;
    auto block = Block::FromBuffer(damaged, "damaged.blk");
    if (!block.ok()) {
      CHECK((absl::IsDataLoss(block.status()) || absl::IsUnimplemented(block.status())));
      CHECK(std::string(block.status().message()).find("damaged.blk") != std::string::npos);
      ++caught;
      continue;
    }
    absl::Status v = (*block)->Verify();
    if (!v.ok()) {
      CHECK(absl::IsDataLoss(v));
      CHECK(std::string(v.message()).find("byte") != std::string::npos);
      ++caught;
    }
  }
  // Every byte is covered: data by stream checksums, index by its checksum, footer by its checks
  // (the only byte that may flip unseen is none).
  CHECK(caught == bytes.size());
}

TEST_CASE("truncated and random block files are refused") {
  const std::string path = WriteSample();
  const std::string bytes = ReadAll(path);
  std::remove(path.c_str());
  for (size_t len = 0; len < bytes.size(); ++len) {
    CHECK_FALSE(Block::FromBuffer(bytes.substr(0, len), "t.blk").ok());
  }
  std::mt19937_64 rng(9);
  for (int i = 0; i < 2000; ++i) {
    std::string junk = bytes;
    for (int k = 0; k < 8; ++k) junk[rng() % junk.size()] = static_cast<char>(rng());
    auto block = Block::FromBuffer(junk, "j.blk");
    if (block.ok()) (void)(*block)->Verify();
  }
  // A missing file is NotFound, a zero-length one DataLoss.
  CHECK(absl::IsNotFound(Block::Open(TempPath("missing.blk")).status()));
  const std::string empty = TempPath("empty.blk");
  { std::ofstream(empty).flush(); }
  CHECK(absl::IsDataLoss(Block::Open(empty).status()));
  std::remove(empty.c_str());
}

TEST_CASE("a failed write leaves nothing under the block's name") {
  BlockBuilder builder;
  builder.AddSeries(1, {"m", {}}, {MakeChunk({1, 2}, ValueType::kInt, {1, 2})});
  const std::string path = "/nonexistent-dir-for-catena-test/b.blk";
  absl::Status s = builder.Write(path, {});
  CHECK_FALSE(s.ok());
  CHECK_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace cistern::catena
