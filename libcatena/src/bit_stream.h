// Bit streams of the sample codec: bits are packed least significant first into little-endian bytes.
// The reader never reads outside its buffer: past the end it sees zero bits, and overrun() says so,
// so a decoder checks once per frame instead of once per read.
#ifndef CISTERN_CATENA_SRC_BIT_STREAM_H_
#define CISTERN_CATENA_SRC_BIT_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace cistern::catena {

class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}

  // Appends the low `bits` bits of v (0 <= bits <= 64; higher bits of v must be zero).
  void Put(uint64_t v, int bits) {
    if (bits == 0) return;
    acc_ |= v << used_;
    if (used_ + bits < 64) {
      used_ += bits;
      return;
    }
    FlushWord();
    const int consumed = 64 - used_;
    acc_ = consumed == 64 ? 0 : v >> consumed;
    used_ = bits - consumed;
  }

  // Pads to a byte boundary with zero bits and writes what is pending.
  void Finish() {
    char bytes[8];
    std::memcpy(bytes, &acc_, 8);
    out_->append(bytes, static_cast<size_t>((used_ + 7) / 8));
    acc_ = 0;
    used_ = 0;
  }

 private:
  void FlushWord() {
    char bytes[8];
    std::memcpy(bytes, &acc_, 8);
    out_->append(bytes, 8);
  }

  std::string* out_;
  uint64_t acc_ = 0;
  int used_ = 0;
};

class BitReader {
 public:
  explicit BitReader(std::string_view in)
      : p_(reinterpret_cast<const uint8_t*>(in.data())), size_(in.size()) {}

  // The next 57 or more bits, least significant first, without consuming them.
  uint64_t Peek() const {
    const size_t byte = pos_ >> 3;
    uint64_t w = 0;
    if (byte + 8 <= size_) {
      std::memcpy(&w, p_ + byte, 8);
    } else if (byte < size_) {
      std::memcpy(&w, p_ + byte, size_ - byte);
    }
    return w >> (pos_ & 7);
  }
  void Skip(size_t bits) { pos_ += bits; }

  // Reads `bits` bits (0..64).
  uint64_t Get(int bits) {
    if (bits == 0) return 0;
    if (bits <= 56) {
      const uint64_t v = Peek() & ((uint64_t{1} << bits) - 1);
      pos_ += static_cast<size_t>(bits);
      return v;
    }
    const uint64_t lo = Get(32);
    const uint64_t hi = Get(bits - 32);
    return lo | (hi << 32);
  }

  // Reads `bits` bits (0..57) when the caller knows 8 bytes from the current byte are in bounds.
  uint64_t GetUnchecked(int bits) {
    uint64_t w;
    std::memcpy(&w, p_ + (pos_ >> 3), 8);
    const uint64_t v = (w >> (pos_ & 7)) & ((bits == 64) ? ~uint64_t{0} : ((uint64_t{1} << bits) - 1));
    pos_ += static_cast<size_t>(bits);
    return v;
  }

  size_t bit_position() const { return pos_; }
  size_t bit_size() const { return size_ * 8; }
  // Whether reads went past the end (they returned zero bits there).
  bool overrun() const { return pos_ > size_ * 8; }
  // Whether 8 bytes can be loaded at every bit position up to `bit_end`.
  bool HasWordsUpTo(size_t bit_end) const { return (bit_end >> 3) + 8 <= size_; }

 private:
  const uint8_t* p_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_SRC_BIT_STREAM_H_
