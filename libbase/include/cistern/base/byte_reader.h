// ByteReader: a bounded, big-endian reader over one contiguous buffer.
//
//   cistern::ByteReader r(bytes);
//   uint32_t version = 0, count = 0;
//   r.ReadU32(&version);
//   r.ReadU32(&count);
//   if (!r.ok()) return Malformed("header truncated at byte ", r.offset());
//
// Every Read*/Skip checks bounds as `n > remaining()` (cannot overflow). A failed read leaves its
// output untouched, does not advance, and makes the reader fail for good: a group of reads can be
// checked once with ok(). Sub() hands out a confined reader over the next n bytes, so that a
// length-prefixed record can never read past its own end.
//
// Lifetime: the reader and everything it hands out (spans, string views) point into the caller's
// buffer, which must outlive them. Not thread-safe; cheap to copy.
#ifndef CISTERN_BASE_BYTE_READER_H_
#define CISTERN_BASE_BYTE_READER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace cistern {

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}
  ByteReader(const uint8_t* data, size_t size) : data_(data, size) {}

  bool ok() const { return ok_; }
  size_t offset() const { return pos_; }
  size_t size() const { return data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }
  const uint8_t* position() const { return data_.data() + pos_; }
  std::span<const uint8_t> data() const { return data_; }

  // Marks the reader as failed (used by callers that detect a semantic error mid-structure).
  void Fail() { ok_ = false; }

  bool ReadU8(uint8_t* out) {
    if (!Check(1)) return false;
    *out = data_[pos_++];
    return true;
  }
  bool ReadU16(uint16_t* out) {
    if (!Check(2)) return false;
    const uint8_t* p = data_.data() + pos_;
    *out = static_cast<uint16_t>((p[0] << 8) | p[1]);
    pos_ += 2;
    return true;
  }
  bool ReadU32(uint32_t* out) {
    if (!Check(4)) return false;
    *out = LoadU32(data_.data() + pos_);
    pos_ += 4;
    return true;
  }
  bool ReadU64(uint64_t* out) {
    if (!Check(8)) return false;
    *out = LoadU64(data_.data() + pos_);
    pos_ += 8;
    return true;
  }
  bool ReadI32(int32_t* out) {
    uint32_t v;
    if (!ReadU32(&v)) return false;
    *out = static_cast<int32_t>(v);
    return true;
  }
  bool ReadFloat(float* out) {
    uint32_t v;
    if (!ReadU32(&v)) return false;
    std::memcpy(out, &v, sizeof v);
    return true;
  }
  bool ReadDouble(double* out) {
    uint64_t v;
    if (!ReadU64(&v)) return false;
    std::memcpy(out, &v, sizeof v);
    return true;
  }
  // A view of the next n bytes.
  bool ReadBytes(size_t n, std::span<const uint8_t>* out) {
    if (!Check(n)) return false;
    *out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool ReadString(size_t n, std::string_view* out) {
    if (!Check(n)) return false;
    *out = std::string_view(reinterpret_cast<const char*>(data_.data() + pos_), n);
    pos_ += n;
    return true;
  }
  bool Skip(size_t n) {
    if (!Check(n)) return false;
    pos_ += n;
    return true;
  }
  // A reader confined to the next n bytes; this reader advances past them.
  bool Sub(size_t n, ByteReader* out) {
    if (!Check(n)) return false;
    *out = ByteReader(data_.subspan(pos_, n));
    pos_ += n;
    return true;
  }

  static uint32_t LoadU32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
  }
  static uint64_t LoadU64(const uint8_t* p) {
    return (uint64_t{LoadU32(p)} << 32) | LoadU32(p + 4);
  }

 private:
  bool Check(size_t n) {
    if (!ok_ || n > data_.size() - pos_) {
      ok_ = false;
      return false;
    }
    return true;
  }

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace cistern

#endif  // CISTERN_BASE_BYTE_READER_H_
