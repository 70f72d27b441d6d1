#include "cistern/snmp/oid.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/str_cat.h"

namespace cistern::snmp {

absl::StatusOr<Oid> Oid::Parse(std::string_view text) {
  Oid oid;
  std::string_view rest = text;
  if (!rest.empty() && rest.front() == '.') rest.remove_prefix(1);
  if (rest.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("snmp: empty object identifier \"",
                                                   absl::string_view(text.data(), text.size()), "\""));
  }
  while (!rest.empty()) {
    uint32_t arc = 0;
    const char* end = rest.data() + rest.size();
    auto [ptr, ec] = std::from_chars(rest.data(), end, arc);
    if (ec != std::errc() || ptr == rest.data() || (ptr != end && *ptr != '.') ||
        (ptr != end && ptr + 1 == end)) {
      return absl::InvalidArgumentError(
          absl::StrCat("snmp: \"", absl::string_view(text.data(), text.size()),
                       "\" is not a numeric object identifier (at character ",
                       ptr - text.data() + (ec != std::errc() ? 0 : 0), ")"));
    }
    if (oid.size() == kMaxArcs) {
      return absl::InvalidArgumentError(
          absl::StrCat("snmp: object identifier has more than ", kMaxArcs, " arcs"));
    }
    oid.Append(arc);
    rest.remove_prefix(static_cast<size_t>(ptr - rest.data()));
    if (!rest.empty()) rest.remove_prefix(1);  // the '.'
  }
  return oid;
}

bool Oid::StartsWith(const Oid& prefix) const {
  return prefix.size() <= size() &&
         std::equal(prefix.arcs_.begin(), prefix.arcs_.end(), arcs_.begin());
}

std::span<const uint32_t> Oid::SuffixAfter(const Oid& prefix) const {
  if (!StartsWith(prefix)) return {};
  return arcs().subspan(prefix.size());
}

std::string Oid::ToString() const {
  std::string out;
  AppendTo(&out);
  return out;
}

void Oid::AppendTo(std::string* out) const {
  char buf[12];
  for (uint32_t arc : arcs_) {
    buf[0] = '.';
    auto [ptr, ec] = std::to_chars(buf + 1, buf + sizeof buf, arc);
    out->append(buf, ptr);
  }
}

std::strong_ordering operator<=>(const Oid& a, const Oid& b) {
  return std::lexicographical_compare_three_way(a.arcs_.begin(), a.arcs_.end(), b.arcs_.begin(),
                                                b.arcs_.end());
}

}  // namespace cistern::snmp
