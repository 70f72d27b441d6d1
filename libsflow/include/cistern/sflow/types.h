// Value types shared by every sFlow v5 structure: addresses, MACs, data sources, interfaces, and
// zero-copy views of variable-length XDR data (strings, opaques, counted arrays).
//
// Views (std::string_view, Bytes, U32List and the list views in flow_records.h/counter_records.h)
// point into the datagram the structure was decoded from: they are valid for as long as that buffer
// is. Equality on views compares contents, never addresses, so decode(encode(x)) == x holds.
// All types are plain values; none is thread-aware.
#ifndef CISTERN_SFLOW_TYPES_H_
#define CISTERN_SFLOW_TYPES_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace cistern::sflow {

// sFlow v5 "address" (sFlow v5 spec, section 5.1): type 1 = IPv4, 2 = IPv6, 0 = unknown (no bytes).
struct Address {
  enum class Type : uint32_t { kUnknown = 0, kIPv4 = 1, kIPv6 = 2 };
  Type type = Type::kUnknown;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4 bytes; the rest stay zero.

  static Address IPv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    Address x;
    x.type = Type::kIPv4;
    x.bytes = {a, b, c, d};
    return x;
  }
  friend bool operator==(const Address&, const Address&) = default;
};

// A bare IPv4 address (4 bytes on the wire, no type tag), as in sampled_ipv4 and socket4.
struct Ipv4Address {
  std::array<uint8_t, 4> bytes{};
  friend bool operator==(const Ipv4Address&, const Ipv4Address&) = default;
};

// A bare IPv6 address (16 bytes on the wire), as in sampled_ipv6 and socket6.
struct Ipv6Address {
  std::array<uint8_t, 16> bytes{};
  friend bool operator==(const Ipv6Address&, const Ipv6Address&) = default;
};

// A MAC address: 6 bytes followed by 2 bytes of XDR padding on the wire.
struct MacAddress {
  std::array<uint8_t, 6> bytes{};
  friend bool operator==(const MacAddress&, const MacAddress&) = default;
};

// A 16-byte UUID (host_descr).
struct Uuid {
  std::array<uint8_t, 16> bytes{};
  friend bool operator==(const Uuid&, const Uuid&) = default;
};

// A view of XDR opaque<> data (the bytes only; the length prefix and padding are not part of it).
class Bytes {
 public:
  Bytes() = default;
  explicit Bytes(std::span<const uint8_t> data) : data_(data) {}
  std::span<const uint8_t> span() const { return data_; }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  uint8_t operator[](size_t i) const { return data_[i]; }
  friend bool operator==(const Bytes& a, const Bytes& b) {
    return std::ranges::equal(a.data_, b.data_);
  }

 private:
  std::span<const uint8_t> data_;
};

// A view of a counted XDR array of unsigned ints (AS path segments, communities, MPLS label stacks,
// VLAN stacks). Values are decoded from network order on access.
class U32List {
 public:
  U32List() = default;
  // `wire` holds size()*4 bytes of big-endian values.
  explicit U32List(std::span<const uint8_t> wire) : wire_(wire) {}
  size_t size() const { return wire_.size() / 4; }
  bool empty() const { return wire_.empty(); }
  uint32_t operator[](size_t i) const {
    const uint8_t* p = wire_.data() + 4 * i;
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  }
  std::span<const uint8_t> wire() const { return wire_; }

  class Iterator {
   public:
    using value_type = uint32_t;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(const U32List* list, size_t i) : list_(list), i_(i) {}
    uint32_t operator*() const { return (*list_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++i_;
      return old;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.i_ == b.i_; }

   private:
    const U32List* list_ = nullptr;
    size_t i_ = 0;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size()); }

  friend bool operator==(const U32List& a, const U32List& b) {
    return std::ranges::equal(a.wire_, b.wire_);
  }

 private:
  std::span<const uint8_t> wire_;
};

// sFlow data source (sFlowDataSource): class 0 = ifIndex, 1 = smonVlanDataSource,
// 2 = entPhysicalEntry; index = the instance.
struct DataSource {
  uint32_t type = 0;
  uint32_t index = 0;
  friend bool operator==(const DataSource&, const DataSource&) = default;
};

// An interface of a flow sample (sFlow v5 spec, "interface"): format 0 = ifIndex (0 unknown),
// 1 = packet discarded (value is the reason code), 2 = multiple interfaces (value is their number,
// 0 unknown). In compact samples format and value share 32 bits (format in the top 2 bits).
struct Interface {
  uint32_t format = 0;
  uint32_t value = 0;
  friend bool operator==(const Interface&, const Interface&) = default;
};

// Identifies a structure: enterprise (20 bits) and format (12 bits), printed "enterprise:format".
struct Tag {
  uint32_t enterprise = 0;
  uint32_t format = 0;
  uint32_t packed() const { return (enterprise << 12) | format; }
  static Tag Unpack(uint32_t v) { return Tag{v >> 12, v & 0xfffu}; }
  friend bool operator==(const Tag&, const Tag&) = default;
};

}  // namespace cistern::sflow

#endif  // CISTERN_SFLOW_TYPES_H_
