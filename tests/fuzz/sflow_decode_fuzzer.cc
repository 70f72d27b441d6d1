// libFuzzer target for the sFlow v5 decoder.
//
// Properties checked on every input, beyond "no crash, no sanitizer report":
// - a datagram that decodes re-encodes, and the re-encoding decodes and re-encodes to the same
//   bytes (compared as bytes, not with ==, since a float field may hold a NaN, which is not equal
//   to itself);
// - DecodeInto into a reused Datagram gives the same result as into a fresh one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "cistern/sflow/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cistern::sflow;
  static Datagram reused;  // exercises reuse across inputs, as a collector does
  std::span<const uint8_t> bytes(data, size);

  Datagram fresh;
  absl::Status status = DecodeInto(bytes, &fresh);
  absl::Status reused_status = DecodeInto(bytes, &reused);
  if (status.code() != reused_status.code()) std::abort();
  std::vector<uint8_t> a, b;
  if (Encode(fresh, &a).ok() != Encode(reused, &b).ok() || a != b) std::abort();
  if (!status.ok()) return 0;

  std::vector<uint8_t> encoded;
  if (!Encode(fresh, &encoded).ok()) std::abort();
  Datagram again;
  if (!DecodeInto(encoded, &again).ok()) std::abort();
  std::vector<uint8_t> reencoded;
  if (!Encode(again, &reencoded).ok() || reencoded != encoded) std::abort();
  return 0;
}
