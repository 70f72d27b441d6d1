// Oid: an SNMP object identifier, a sequence of unsigned 32-bit arcs (RFC 2578 §3.5: at most 128).
//
//   absl::StatusOr<cistern::snmp::Oid> oid = cistern::snmp::Oid::Parse("1.3.6.1.2.1.1.5.0");
//   if (oid.ok() && oid->StartsWith(kSystemGroup)) std::puts(oid->ToString().c_str());
//
// Parse accepts net-snmp's numeric forms: "1.3.6.1", ".1.3.6.1" (leading dot optional); it does not
// read MIB names. ToString prints the leading dot, as net-snmp's `-On` does. Oids order
// lexicographically by arc, as GetNext walks them. A value type: copies own their arcs. Not synchronised; distinct objects may be used from any thread.
#ifndef CISTERN_SNMP_OID_H_
#define CISTERN_SNMP_OID_H_

#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cistern::snmp {

class Oid {
 public:
  static constexpr size_t kMaxArcs = 128;

  Oid() = default;
  Oid(std::initializer_list<uint32_t> arcs) : arcs_(arcs) {}
  explicit Oid(std::span<const uint32_t> arcs) : arcs_(arcs.begin(), arcs.end()) {}

  // Numeric dotted form, with or without a leading dot. InvalidArgument for anything else, for an
  // arc above 2^32-1, or for more than kMaxArcs arcs.
  static absl::StatusOr<Oid> Parse(std::string_view text);

  std::span<const uint32_t> arcs() const { return {arcs_.data(), arcs_.size()}; }
  size_t size() const { return arcs_.size(); }
  bool empty() const { return arcs_.empty(); }
  uint32_t operator[](size_t i) const { return arcs_[i]; }

  void Append(uint32_t arc) { arcs_.push_back(arc); }
  void Append(std::span<const uint32_t> arcs) { arcs_.insert(arcs_.end(), arcs.begin(), arcs.end()); }
  void Clear() { arcs_.clear(); }

  // True when `prefix` is a (not necessarily proper) prefix of this oid.
  bool StartsWith(const Oid& prefix) const;
  // The arcs after `prefix` (the instance index of a table cell). Empty when not a prefix.
  std::span<const uint32_t> SuffixAfter(const Oid& prefix) const;

  // ".1.3.6.1.2.1.1.5.0"; the empty oid prints as "".
  std::string ToString() const;
  void AppendTo(std::string* out) const;

  friend bool operator==(const Oid& a, const Oid& b) { return a.arcs_ == b.arcs_; }
  friend std::strong_ordering operator<=>(const Oid& a, const Oid& b);

  template <typename H>
  friend H AbslHashValue(H h, const Oid& oid) {
    return H::combine(std::move(h), oid.arcs_);
  }

 private:
  std::vector<uint32_t> arcs_;
};

}  // namespace cistern::snmp

#endif  // CISTERN_SNMP_OID_H_
