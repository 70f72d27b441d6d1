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
    uint8_t b[2] = {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
    out_->insert(out_->end(), b, b + 2);
  }
  void WriteU32(uint32_t v) {
    uint8_t b[4];
    StoreU32(b, v);
    out_->insert(out_->end(), b, b + 4);
  }
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
    out_->insert(out_->end(), bytes.begin(), bytes.end());
  }
  void WriteString(std::string_view s) {
    out_->insert(out_->end(), s.begin(), s.end());
  }
  void WriteZeros(size_t n) { out_->insert(out_->end(), n, uint8_t{0}); }

  // Appends a placeholder u32 and returns its offset, for PatchU32.
  size_t ReserveU32() {
    size_t at = out_->size();
    WriteU32(0);
    return at;
  }
  void PatchU32(size_t at, uint32_t v) { StoreU32(out_->data() + at, v); }

  static void StoreU32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
  }

 private:
  std::vector<uint8_t>* out_;
};

}  // namespace cistern

#endif  // CISTERN_BASE_BYTE_WRITER_H_
