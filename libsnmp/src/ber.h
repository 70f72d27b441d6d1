// BER as SNMP uses it (X.690 §8, definite lengths, one-byte tags): a bounded reader over one
// buffer and a writer that builds a message from its end backwards, so that every length is known
// when its header is written and nothing is moved or patched. Private to libsnmp.
//
// BerReader follows cistern::ByteReader's contract: a failed read leaves its output untouched and
// makes the reader fail for good; offsets are absolute within the datagram, for error messages.
#ifndef CISTERN_SNMP_SRC_BER_H_
#define CISTERN_SNMP_SRC_BER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cistern/snmp/oid.h"

namespace cistern::snmp::internal {

// Why a read failed, for the decoder's error messages.
enum class BerError : uint8_t {
  kNone,
  kTruncated,        // the bytes end inside a header or value
  kIndefinite,       // length form 0x80 (not allowed in SNMP)
  kLengthTooLong,    // more than 4 length octets
  kHighTag,          // multi-byte tag
  kUnexpectedTag,    // a different tag than the structure requires
  kBadInteger,       // empty, or more octets than the type holds
  kBadOid,           // sub-identifier over 32 bits or unterminated, or more than 128 arcs
};
std::string_view BerErrorText(BerError error);

class BerReader {
 public:
  BerReader() = default;
  BerReader(std::span<const uint8_t> data, size_t base) : data_(data), base_(base) {}

  bool ok() const { return error_ == BerError::kNone; }
  BerError error() const { return error_; }
  bool empty() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }
  // Absolute offset of the next byte.
  size_t offset() const { return base_ + pos_; }
  // Absolute offset where the last failing read began.
  size_t error_offset() const { return error_offset_; }

  // Reads one TLV header and hands out a reader confined to its value.
  bool ReadTlv(uint8_t* tag, BerReader* value) {
    const size_t start = pos_;
    if (!ok()) return false;
    if (remaining() < 2) return Fail(BerError::kTruncated, start);
    const uint8_t t = data_[pos_];
    if ((t & 0x1f) == 0x1f) return Fail(BerError::kHighTag, start);
    uint8_t first = data_[pos_ + 1];
    size_t p = pos_ + 2;
    size_t length = first;
    if (first & 0x80) {
      const size_t n = first & 0x7f;
      if (n == 0) return Fail(BerError::kIndefinite, start);
      if (n > 4) return Fail(BerError::kLengthTooLong, start);
      if (data_.size() - p < n) return Fail(BerError::kTruncated, start);
      length = 0;
      for (size_t i = 0; i < n; ++i) length = (length << 8) | data_[p + i];
      p += n;
    }
    if (length > data_.size() - p) return Fail(BerError::kTruncated, start);
    *tag = t;
    *value = BerReader(data_.subspan(p, length), base_ + p);
    pos_ = p + length;
    return true;
  }

  // Reads a TLV that must carry `tag`.
  bool Expect(uint8_t tag, BerReader* value) {
    const size_t start = pos_;
    uint8_t t = 0;
    BerReader v;
    if (!ReadTlv(&t, &v)) return false;
    if (t != tag) {
      pos_ = start;
      return Fail(BerError::kUnexpectedTag, start);
    }
    *value = v;
    return true;
  }

  // The whole remaining value as bytes (this reader is then empty).
  std::span<const uint8_t> Rest() {
    auto out = data_.subspan(pos_);
    pos_ = data_.size();
    return out;
  }
  std::string RestAsString() {
    auto bytes = Rest();
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  // The same into `out`, reusing its capacity.
  void RestInto(std::string* out) {
    auto bytes = Rest();
    out->assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }

  // Value decoders: each consumes this (value) reader entirely.
  // Two's-complement integer of 1..8 octets.
  bool ValueAsInt64(int64_t* out) {
    const size_t n = remaining();
    if (n == 0 || n > 8) return Fail(BerError::kBadInteger, pos_);
    uint64_t v = (data_[pos_] & 0x80) ? ~uint64_t{0} : 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
    *out = static_cast<int64_t>(v);
    pos_ += n;
    return true;
  }
  // An unsigned type of `bits` (32 or 64): up to bits/8 + 1 octets, the extra one a leading 00
  // sign octet (anything else there is a value beyond the type: refused, as net-snmp does).
  // Agents that encode a large Counter32 without the leading zero send a "negative" number; like
  // net-snmp we keep its low `bits` bits.
  bool ValueAsUnsigned(int bits, uint64_t* out) {
    const size_t n = remaining();
    const size_t max = static_cast<size_t>(bits / 8 + 1);
    if (n == 0 || n > max || (n == max && data_[pos_] != 0)) {
      return Fail(BerError::kBadInteger, pos_);
    }
    uint64_t v = (data_[pos_] & 0x80) ? ~uint64_t{0} : 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
    if (bits == 32) v &= 0xffffffffu;
    *out = v;
    pos_ += n;
    return true;
  }
  // OBJECT IDENTIFIER contents (X.690 §8.19). A zero-length value reads as 0.0, as net-snmp does.
  // The arcs are gathered on the stack and then copied into `out`, whose capacity is reused (a
  // decode into a reused Message allocates nothing for its OIDs).
  bool ValueAsOid(Oid* out) {
    uint32_t arcs[Oid::kMaxArcs];
    size_t count = 0;
    if (empty()) {
      arcs[count++] = 0;
      arcs[count++] = 0;
    }
    const size_t start = pos_;
    bool first = true;
    while (pos_ < data_.size()) {
      uint64_t sub = 0;
      int octets = 0;
      uint8_t byte = 0;
      do {
        if (pos_ == data_.size() || ++octets > 5) return Fail(BerError::kBadOid, start);
        byte = data_[pos_++];
        sub = (sub << 7) | (byte & 0x7f);
      } while (byte & 0x80);
      if (first) {
        // The first sub-identifier carries two arcs: 40 * X + Y (X = 2 takes Y >= 40).
        const uint64_t x = sub < 40 ? 0 : sub < 80 ? 1 : 2;
        const uint64_t y = sub - 40 * x;
        if (y > 0xffffffffu) return Fail(BerError::kBadOid, start);
        arcs[count++] = static_cast<uint32_t>(x);
        arcs[count++] = static_cast<uint32_t>(y);
        first = false;
      } else {
        if (sub > 0xffffffffu || count == Oid::kMaxArcs) return Fail(BerError::kBadOid, start);
        arcs[count++] = static_cast<uint32_t>(sub);
      }
    }
    out->Clear();
    out->Append(std::span<const uint32_t>(arcs, count));
    return true;
  }

  bool Fail(BerError error, size_t at) {
    if (error_ == BerError::kNone) {
      error_ = error;
      error_offset_ = base_ + at;
    }
    return false;
  }

 private:
  std::span<const uint8_t> data_;
  size_t base_ = 0;
  size_t pos_ = 0;
  BerError error_ = BerError::kNone;
  size_t error_offset_ = 0;
};

// Builds an encoding backwards from the end of a caller-owned vector: write a structure's parts
// last to first, then its header with the length written since Mark(). Finish() moves the bytes
// to the front of the vector. Reusing the vector allocates nothing once it has grown.
class BerWriter {
 public:
  explicit BerWriter(std::vector<uint8_t>* buf) : buf_(buf) {
    if (buf_->size() < 256) buf_->resize(256);
    pos_ = buf_->size();
  }

  // Bytes written so far.
  size_t size() const { return buf_->size() - pos_; }
  size_t Mark() const { return size(); }

  // Prepends the header of a TLV whose value is everything written since `mark`.
  void Header(uint8_t tag, size_t mark) {
    const size_t length = size() - mark;
    uint8_t head[1 + sizeof(size_t)];
    size_t n = 0;
    if (length < 0x80) {
      head[n++] = static_cast<uint8_t>(length);
    } else {
      uint8_t digits[sizeof(size_t)];  // (a length of 4 GiB or more takes more than 4)
      size_t d = 0;
      for (size_t v = length; v != 0; v >>= 8) digits[d++] = static_cast<uint8_t>(v);
      head[n++] = static_cast<uint8_t>(0x80 | d);
      while (d > 0) head[n++] = digits[--d];
    }
    uint8_t* p = Room(n + 1);
    p[0] = tag;
    std::memcpy(p + 1, head, n);
  }

  void Raw(std::span<const uint8_t> bytes) {
    if (!bytes.empty()) std::memcpy(Room(bytes.size()), bytes.data(), bytes.size());
  }
  void Bytes(uint8_t tag, std::string_view bytes) {
    const size_t mark = Mark();
    Raw({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    Header(tag, mark);
  }
  void Null(uint8_t tag) {
    uint8_t* p = Room(2);
    p[0] = tag;
    p[1] = 0;
  }
  // Minimal two's-complement encoding.
  void Integer(uint8_t tag, int64_t v) {
    uint8_t octets[8];
    size_t n = 0;
    int64_t rest = v;
    bool done = false;
    while (!done) {
      octets[n++] = static_cast<uint8_t>(rest);
      rest >>= 8;  // arithmetic: the rest is 0 or -1 once only sign extension is left
      const bool top = octets[n - 1] & 0x80;
      done = n == 8 || (rest == 0 && !top) || (rest == -1 && top);
    }
    PutOctets(tag, octets, n);
  }
  // Minimal encoding of an unsigned value (a leading zero octet when the top bit is set).
  void Unsigned(uint8_t tag, uint64_t v) {
    uint8_t octets[9];
    size_t n = 0;
    do {
      octets[n++] = static_cast<uint8_t>(v);
      v >>= 8;
    } while (v != 0);
    if (octets[n - 1] & 0x80) octets[n++] = 0;
    PutOctets(tag, octets, n);
  }
  // False when the oid cannot be encoded (first arc above 2, or second above 39 under arc 0/1) or
  // has more than Oid::kMaxArcs arcs (which the reader refuses).
  bool ObjectId(uint8_t tag, const Oid& oid) {
    const size_t mark = Mark();
    const auto arcs = oid.arcs();
    if (arcs.size() > Oid::kMaxArcs) return false;
    for (size_t i = arcs.size(); i > 2; --i) Base128(arcs[i - 1]);
    uint64_t first = 0;
    if (arcs.size() >= 1) {
      if (arcs[0] > 2) return false;
      const uint64_t second = arcs.size() >= 2 ? arcs[1] : 0;
      if (arcs[0] < 2 && second >= 40) return false;
      first = uint64_t{arcs[0]} * 40 + second;
    }
    Base128(first);
    Header(tag, mark);
    return true;
  }

  // Moves the bytes to the start of the vector and trims it to them.
  void Finish() {
    const size_t n = size();
    std::memmove(buf_->data(), buf_->data() + pos_, n);
    buf_->resize(n);
    pos_ = n;  // the writer is spent
  }

 private:
  uint8_t* Room(size_t n) {
    if (pos_ < n) Grow(n);
    pos_ -= n;
    return buf_->data() + pos_;
  }
  void Grow(size_t n) {
    const size_t used = size();
    const size_t old_size = buf_->size();
    size_t new_size = old_size * 2;
    while (new_size - used < n) new_size *= 2;
    buf_->resize(new_size);
    std::memmove(buf_->data() + new_size - used, buf_->data() + old_size - used, used);
    pos_ = new_size - used;
  }
  void PutOctets(uint8_t tag, const uint8_t* little_endian, size_t n) {
    uint8_t* p = Room(n + 2);
    p[0] = tag;
    p[1] = static_cast<uint8_t>(n);
    for (size_t i = 0; i < n; ++i) p[2 + i] = little_endian[n - 1 - i];
  }
  void Base128(uint64_t v) {
    uint8_t octets[10];
    size_t n = 0;
    octets[n++] = static_cast<uint8_t>(v & 0x7f);
    for (v >>= 7; v != 0; v >>= 7) octets[n++] = static_cast<uint8_t>(0x80 | (v & 0x7f));
    uint8_t* p = Room(n);
    for (size_t i = 0; i < n; ++i) p[i] = octets[n - 1 - i];
  }

  std::vector<uint8_t>* buf_;
  size_t pos_;
};

}  // namespace cistern::snmp::internal

#endif  // CISTERN_SNMP_SRC_BER_H_
