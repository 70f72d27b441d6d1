// libFuzzer target over libcatena's block and chunk decoding: the input is taken (1) as a whole
// block file, whose every chunk is then read and verified, and (2) as a timestamp stream and a value
// stream with a count from the first bytes. Nothing may crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cistern/catena/block.h"
#include "cistern/catena/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cistern::catena;
  auto block = Block::FromBuffer(std::string(reinterpret_cast<const char*>(data), size), "fuzz.blk");
  if (block.ok()) {
    (void)(*block)->Verify();
    for (const BlockSeries& s : (*block)->series()) (void)(*block)->Postings("instance", s.key.metric);
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
  }
  return 0;
}
