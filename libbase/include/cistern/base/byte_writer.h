// ByteWriter: appends big-endian values to a caller-owned byte vector.
//
//   std::vector<uint8_t> out;
//   cistern::ByteWriter w(&out);
//   size_t len_at = w.ReserveU32();   // length prefix, patched once the body is known
//   w.WriteU32(42);
//   w.PatchU32(len_at, static_cast<uint32_t>(w.size() - len_at - 4));
//
// Appending never fails (the vector grows); a caller that reuses its vector allocates nothing once
// the vector has reached its working size. Not thread-safe.
#ifndef CISTERN_BASE_BYTE_WRITER_H_
#define CISTERN_BASE_BYTE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace cistern {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>* out) : out_(out) {}

  size_t size() const { return out_->size(); }

  void WriteU8(uint8_t v) { out_->push_back(v); }
  void WriteU16(uint16_t v) {
    uint8_t* p = Grow(2);
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
  }
  void WriteU32(uint32_t v) { StoreU32(Grow(4), v); }
  void WriteU64(uint64_t v) {
    WriteU32(static_cast<uint32_t>(v >> 32));
    WriteU32(static_cast<uint32_t>(v));
  }
  void WriteI32(int32_t v) { WriteU32(static_cast<uint32_t>(v)); }
  void WriteFloat(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    WriteU32(bits);
  }
  void WriteDouble(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    WriteU64(bits);
  }
  void WriteBytes(std::span<const uint8_t> bytes) {
    if (!bytes.empty()) std::memcpy(Grow(bytes.size()), bytes.data(), bytes.size());
  }
  void WriteString(std::string_view s) {
    if (!s.empty()) std::memcpy(Grow(s.size()), s.data(), s.size());
  }
  void WriteZeros(size_t n) { out_->resize(out_->size() + n); }

  // Appends a placeholder u32 and returns its offset, for PatchU32.
  size_t ReserveU32() {
    size_t at = out_->size();
    WriteU32(0);
    return at;
  }
  void PatchU32(size_t at, uint32_t v) { StoreU32(out_->data() + at, v); }
  void PatchU8(size_t at, uint8_t v) { (*out_)[at] = v; }

  static void StoreU32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
  }

 private:
  // Appends n bytes and returns where they start. (resize rather than insert: GCC 12 at -O3 warns
  // falsely about insert into a vector that may be empty, -Wstringop-overflow.)
  uint8_t* Grow(size_t n) {
    const size_t at = out_->size();
    out_->resize(at + n);
    return out_->data() + at;
  }

  std::vector<uint8_t>* out_;
};

}  // namespace cistern

#endif  // CISTERN_BASE_BYTE_WRITER_H_
