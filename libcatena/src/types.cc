#include "cistern/catena/types.h"

#include <algorithm>

namespace cistern::catena {
namespace {

bool IsNameChar(char c, bool first, bool colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

bool IsValidName(std::string_view name, bool colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, colon)) return false;
  }
  return true;
}

void AppendEscaped(std::string* out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '"': out->append("\\\""); break;
      case '\n': out->append("\\n"); break;
      default: out->push_back(c);
    }
  }
}

}  // namespace

bool IsValidMetricName(std::string_view name) { return IsValidName(name, true); }
bool IsValidLabelName(std::string_view name) { return IsValidName(name, false); }

std::string SeriesKey::CanonicalKey() const {
  // '\xff' and '\xfe' never occur in valid names; values are length-prefixed so any bytes are fine.
  std::vector<const Label*> sorted;
  sorted.reserve(labels.size());
  for (const Label& l : labels) sorted.push_back(&l);
  std::sort(sorted.begin(), sorted.end(),
            [](const Label* a, const Label* b) { return a->name < b->name; });
  std::string out = metric;
  for (const Label* l : sorted) {
    out.push_back('\xff');
    out.append(l->name);
    out.push_back('\xfe');
    const uint32_t n = static_cast<uint32_t>(l->value.size());
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    out.append(l->value);
  }
  return out;
}

std::string SeriesKey::ToString() const {
  std::string out = metric;
  if (labels.empty()) return out;
  out.push_back('{');
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out.push_back(',');
    out.append(labels[i].name);
    out.append("=\"");
    AppendEscaped(&out, labels[i].value);
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

}  // namespace cistern::catena
