// LEB128 varints for block indexes: appended to a std::string, read back through a bounded cursor
// whose failure sticks (check ok() once after a group of reads).
#ifndef CISTERN_CATENA_SRC_VARINT_H_
#define CISTERN_CATENA_SRC_VARINT_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace cistern::catena {

inline void PutVarint(std::string* out, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, static_cast<size_t>(n));
}
inline void PutZigzag(std::string* out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
inline void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}
inline void PutFixed32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // little-endian hosts
  out->append(b, 4);
}
inline void PutFixed64(std::string* out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out->append(b, 8);
}

class VarintReader {
 public:
  explicit VarintReader(std::string_view in) : in_(in) {}
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      const auto b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    return Fail();
  }
  int64_t Zigzag() {
    const uint64_t u = Varint();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  uint32_t Fixed32() {
    if (in_.size() - pos_ < 4 || pos_ > in_.size()) return static_cast<uint32_t>(Fail());
    uint32_t v;
    std::memcpy(&v, in_.data() + pos_, 4);
    pos_ += 4;
    return v;
  }
  uint64_t Fixed64() {
    if (in_.size() - pos_ < 8 || pos_ > in_.size()) return Fail();
    uint64_t v;
    std::memcpy(&v, in_.data() + pos_, 8);
    pos_ += 8;
    return v;
  }
  std::string_view String(size_t max_len) {
    const uint64_t n = Varint();
    if (!ok_ || n > max_len || n > in_.size() - pos_) {
      Fail();
      return {};
    }
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // A count that must be plausible: each item needs at least `min_item_bytes` of what remains.
  uint64_t Count(size_t min_item_bytes) {
    const uint64_t n = Varint();
    if (ok_ && min_item_bytes > 0 && n > (in_.size() - pos_) / min_item_bytes) return Fail();
    return n;
  }
  bool ok() const { return ok_; }
  size_t position() const { return pos_; }
  bool done() const { return pos_ == in_.size(); }

 private:
  uint64_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_SRC_VARINT_H_
