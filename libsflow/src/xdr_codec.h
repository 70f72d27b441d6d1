// Internal: generic XDR decoding and encoding of the structures described by `Fields`
// (see field_types.h for the wire form of each field type).
#ifndef CISTERN_SFLOW_SRC_XDR_CODEC_H_
#define CISTERN_SFLOW_SRC_XDR_CODEC_H_

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "cistern/base/byte_reader.h"
#include "cistern/base/byte_writer.h"
#include "cistern/sflow/field_types.h"
#include "cistern/sflow/types.h"

namespace cistern::sflow::internal {

inline size_t XdrPadding(size_t n) { return (4 - (n & 3)) & 3; }

// A visitor that does nothing: used to ask a type whether it has Fields().
struct NullVisitor {
  template <class T>
  void operator()(std::string_view, T&) {}
};

template <class T>
concept HasFields = requires(T& t, NullVisitor& v) { T::Fields(t, v); };

template <class T>
concept HasXdrHooks = requires(ByteReader& r, T* out, const T& t, ByteWriter& w) {
  { T::ReadXdr(r, out) } -> std::same_as<bool>;
  t.WriteXdr(w);
};

// ---- primitive reads: each returns false (and leaves `r` failed) on truncation or bad values ----

inline bool ReadField(ByteReader& r, uint32_t& v) { return r.ReadU32(&v); }
inline bool ReadField(ByteReader& r, int32_t& v) { return r.ReadI32(&v); }
inline bool ReadField(ByteReader& r, uint64_t& v) { return r.ReadU64(&v); }
inline bool ReadField(ByteReader& r, float& v) { return r.ReadFloat(&v); }
inline bool ReadField(ByteReader& r, uint8_t& v) { return r.ReadU8(&v); }
inline bool ReadField(ByteReader& r, Percentage& v) { return r.ReadU32(&v.hundredths); }
inline bool ReadField(ByteReader& r, DatapathId& v) { return r.ReadU64(&v.value); }
inline bool ReadField(ByteReader& r, TrailingU32& v) {
  // Present only if the record has room for it (a field added in a later revision).
  v.present = r.remaining() >= 4;
  v.value = 0;
  return !v.present || r.ReadU32(&v.value);
}
template <size_t N>
inline bool ReadFixed(ByteReader& r, std::array<uint8_t, N>& out) {
  std::span<const uint8_t> b;
  if (!r.ReadBytes(N, &b)) return false;
  std::copy(b.begin(), b.end(), out.begin());
  return true;
}
inline bool ReadField(ByteReader& r, Ipv4Address& v) { return ReadFixed(r, v.bytes); }
inline bool ReadField(ByteReader& r, Ipv6Address& v) { return ReadFixed(r, v.bytes); }
inline bool ReadField(ByteReader& r, Uuid& v) { return ReadFixed(r, v.bytes); }
inline bool ReadField(ByteReader& r, MacAddress& v) {
  return ReadFixed(r, v.bytes) && r.Skip(2);
}
inline bool ReadField(ByteReader& r, Address& v) {
  uint32_t type;
  if (!r.ReadU32(&type)) return false;
  // The type is set only once its bytes are read: a truncated address stays of unknown type.
  v = Address();
  switch (type) {
    case 0:
      return true;
    case 1: {
      std::span<const uint8_t> b;
      if (!r.ReadBytes(4, &b)) return false;
      std::copy(b.begin(), b.end(), v.bytes.begin());
      v.type = Address::Type::kIPv4;
      return true;
    }
    case 2:
      if (!ReadFixed(r, v.bytes)) return false;
      v.type = Address::Type::kIPv6;
      return true;
    default:
      r.Fail();
      return false;
  }
}
inline bool ReadOpaque(ByteReader& r, std::span<const uint8_t>* out) {
  uint32_t n;
  return r.ReadU32(&n) && r.ReadBytes(n, out) && r.Skip(XdrPadding(n));
}
inline bool ReadField(ByteReader& r, Bytes& v) {
  std::span<const uint8_t> b;
  if (!ReadOpaque(r, &b)) return false;
  v = Bytes(b);
  return true;
}
inline bool ReadField(ByteReader& r, std::string_view& v) {
  std::span<const uint8_t> b;
  if (!ReadOpaque(r, &b)) return false;
  v = std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
  return true;
}
inline bool ReadField(ByteReader& r, U32List& v) {
  uint32_t n;
  std::span<const uint8_t> b;
  if (!r.ReadU32(&n)) return false;
  if (n > r.remaining() / 4) {
    r.Fail();
    return false;
  }
  if (!r.ReadBytes(size_t{n} * 4, &b)) return false;
  v = U32List(b);
  return true;
}

// ---- primitive writes ----

inline void WriteField(ByteWriter& w, uint32_t v) { w.WriteU32(v); }
inline void WriteField(ByteWriter& w, int32_t v) { w.WriteI32(v); }
inline void WriteField(ByteWriter& w, uint64_t v) { w.WriteU64(v); }
inline void WriteField(ByteWriter& w, float v) { w.WriteFloat(v); }
inline void WriteField(ByteWriter& w, uint8_t v) { w.WriteU8(v); }
inline void WriteField(ByteWriter& w, const Percentage& v) { w.WriteU32(v.hundredths); }
inline void WriteField(ByteWriter& w, const DatapathId& v) { w.WriteU64(v.value); }
inline void WriteField(ByteWriter& w, const TrailingU32& v) {
  if (v.present) w.WriteU32(v.value);
}
inline void WriteField(ByteWriter& w, const Ipv4Address& v) { w.WriteBytes(v.bytes); }
inline void WriteField(ByteWriter& w, const Ipv6Address& v) { w.WriteBytes(v.bytes); }
inline void WriteField(ByteWriter& w, const Uuid& v) { w.WriteBytes(v.bytes); }
inline void WriteField(ByteWriter& w, const MacAddress& v) {
  w.WriteBytes(v.bytes);
  w.WriteZeros(2);
}
inline void WriteField(ByteWriter& w, const Address& v) {
  w.WriteU32(static_cast<uint32_t>(v.type));
  if (v.type == Address::Type::kIPv4) w.WriteBytes(std::span(v.bytes).first(4));
  if (v.type == Address::Type::kIPv6) w.WriteBytes(v.bytes);
}
inline void WriteOpaque(ByteWriter& w, std::span<const uint8_t> b) {
  w.WriteU32(static_cast<uint32_t>(b.size()));
  w.WriteBytes(b);
  w.WriteZeros(XdrPadding(b.size()));
}
inline void WriteField(ByteWriter& w, const Bytes& v) { WriteOpaque(w, v.span()); }
inline void WriteField(ByteWriter& w, std::string_view v) {
  WriteOpaque(w, std::span(reinterpret_cast<const uint8_t*>(v.data()), v.size()));
}
inline void WriteField(ByteWriter& w, const U32List& v) {
  w.WriteU32(static_cast<uint32_t>(v.size()));
  w.WriteBytes(v.wire());
}

// ---- visitors over Fields() ----

// Reads fields in order; remembers the first field that failed and where it started.
struct FieldReader {
  explicit FieldReader(ByteReader& reader) : r(reader) {}
  ByteReader& r;
  std::string_view failed_field;
  size_t failed_at = 0;

  template <class T>
  void operator()(std::string_view name, T& field) {
    if (!r.ok()) return;
    size_t at = r.offset();
    bool ok;
    if constexpr (HasFields<T>) {
      T::Fields(field, *this);
      return;  // a nested failure is recorded by the nested call
    } else if constexpr (HasXdrHooks<T>) {
      ok = T::ReadXdr(r, &field);
    } else {
      ok = ReadField(r, field);
    }
    if (!ok) {
      r.Fail();
      failed_field = name;
      failed_at = at;
    }
  }
};

// Writes fields in order. Remembers where it wrote XDR padding (so the encoder can restore an
// agent's original padding bytes) and whether a value could not be represented.
struct FieldWriter {
  explicit FieldWriter(ByteWriter& writer) : w(writer) {}
  ByteWriter& w;
  bool ok = true;
  struct Padding {
    size_t at;
    size_t size;
  };
  static constexpr size_t kMaxPaddings = 32;
  std::array<Padding, kMaxPaddings> paddings;  // only the first padding_count are set or read
  size_t padding_count = 0;
  bool too_many_paddings = false;

  void NotePadding(size_t at, size_t size) {
    if (size == 0) return;
    if (padding_count == kMaxPaddings) {
      too_many_paddings = true;
      return;
    }
    paddings[padding_count++] = Padding{at, size};
  }

  template <class T>
  void operator()(std::string_view, const T& field) {
    if constexpr (HasFields<T>) {
      T::Fields(field, *this);
    } else if constexpr (HasXdrHooks<T>) {
      field.WriteXdr(w);
    } else if constexpr (std::is_same_v<T, Bytes> || std::is_same_v<T, std::string_view>) {
      WriteField(w, field);
      NotePadding(w.size() - XdrPadding(field.size()), XdrPadding(field.size()));
    } else if constexpr (std::is_same_v<T, MacAddress>) {
      WriteField(w, field);
      NotePadding(w.size() - 2, 2);
    } else if constexpr (std::is_same_v<T, Address>) {
      if (field.type != Address::Type::kUnknown && field.type != Address::Type::kIPv4 &&
          field.type != Address::Type::kIPv6) {
        ok = false;
      }
      WriteField(w, field);
    } else {
      WriteField(w, field);
    }
  }
};

// ---- format → variant alternative dispatch ----

template <class T>
constexpr uint32_t EnterpriseOf() {
  if constexpr (requires { T::kEnterprise; }) {
    return T::kEnterprise;
  } else {
    return 0;
  }
}

// For a variant whose alternative 0 is the "unknown" record and whose others have kFormat:
// a table from (enterprise 0) format to alternative index, 0 when unknown.
template <class Variant>
struct FormatTable;

template <class Unknown, class... Known>
struct FormatTable<std::variant<Unknown, Known...>> {
  static constexpr size_t kMaxFormat = 4096;
  static constexpr std::array<uint8_t, kMaxFormat> Build() {
    static_assert(sizeof...(Known) < 255);
    static_assert(((EnterpriseOf<Known>() == 0) && ...), "only enterprise 0 is tabled");
    std::array<uint8_t, kMaxFormat> t{};
    uint8_t i = 1;
    ((t[Known::kFormat] = i++), ...);
    return t;
  }
  static constexpr std::array<uint8_t, kMaxFormat> kIndex = Build();

  static size_t IndexOf(Tag tag) {
    if (tag.enterprise != 0 || tag.format >= kMaxFormat) return 0;
    return kIndex[tag.format];
  }
};

}  // namespace cistern::sflow::internal

#endif  // CISTERN_SFLOW_SRC_XDR_CODEC_H_
