// libFuzzer target over libcatena's block and chunk decoding: the input is taken (1) as a whole
// block file, whose every chunk is then read and verified; (2) as a data region and an index with a
// correct footer and index checksum made for them, so that mutations reach the index parser instead
// of stopping at the checksum; (3) as a timestamp stream and a value stream with a count from
// the first bytes; and (4) as a rollup entry (bucket stream and columns, behind their checksum in a
// block) with a row count and step from the first bytes. Nothing may crash, hang or read out of
// bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cistern/catena/block.h"
#include "cistern/catena/codec.h"
#include "crc32c.h"
#include "rollup.h"

namespace {

void CheckBlock(std::string bytes) {
  using namespace cistern::catena;
  auto block = Block::FromBuffer(std::move(bytes), "fuzz.blk");
  if (!block.ok()) return;
  (void)(*block)->Verify();
  for (const BlockSeries& s : (*block)->series()) (void)(*block)->Postings("instance", s.key.metric);
  (void)(*block)->LabelValues("instance");
  (void)(*block)->stats();
}

void Append64(std::string* out, uint64_t v) { out->append(reinterpret_cast<const char*>(&v), 8); }
void Append32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cistern::catena;
  const std::string input(reinterpret_cast<const char*>(data), size);
  CheckBlock(input);
  if (size >= 2) {
    // "CATENAB1" + data region + index + a footer that fits them.
    const size_t split = 1 + data[0] % (size - 1);
    const std::string region = input.substr(1, split - 1);
    const std::string index = input.substr(split);
    std::string file = "CATENAB1" + region;
    const uint64_t index_offset = file.size();
    file += index;
    Append64(&file, index_offset);
    Append64(&file, index.size());
    Append32(&file, Crc32c(index));
    Append32(&file, 1);
    file += "CATENAB1";
    CheckBlock(std::move(file));
  }
  if (size >= 3) {
    const size_t count = 1 + (static_cast<size_t>(data[0]) << 8 | data[1]) % 4096;
    const size_t split = data[2] % (size - 2);
    const std::string_view rest(reinterpret_cast<const char*>(data + 3), size - 3);
    std::vector<int64_t> ts(count);
    std::vector<uint64_t> vs(count);
    ValueType type;
    (void)DecodeTimestamps(rest.substr(0, split), count, ts.data());
    (void)DecodeValues(rest.substr(split), count, &type, vs.data());
    (void)InspectValues(rest);
    std::vector<RollupRow> rows(count);
    const int64_t steps[] = {1, 10, 60000, 3600000};
    (void)DecodeRollup(rest.substr(0, split), rest.substr(split), steps[data[1] % 4], count,
                       rows.data());
  }
  return 0;
}
