#include "netsnmp_format.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace cistern::cli {
namespace {

using snmp::Value;
using snmp::ValueType;

template <typename T>
void AppendNumber(T n, std::string* out) {
  char buf[24];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out->append(buf, ptr);
}

// Two digits, as printf's "%02d" for 0..99.
void AppendTwoDigits(uint32_t n, std::string* out) {
  out->push_back(static_cast<char>('0' + n / 10 % 10));
  out->push_back(static_cast<char>('0' + n % 10));
}

// isprint() || isspace() in the C locale.
bool IsPrintableOrSpace(unsigned char c) {
  return (c >= 0x20 && c <= 0x7e) || (c >= '\t' && c <= '\r');
}

// sprint_realloc_hexstring with net-snmp's default hexOutputLength of 16: "XX " per byte, a
// newline after each full line of 16 when more bytes follow.
void AppendHexBytes(std::string_view bytes, std::string* out) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  constexpr size_t kLine = 16;
  out->reserve(out->size() + bytes.size() * 3 + bytes.size() / kLine);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0 && i % kLine == 0) out->push_back('\n');
    const auto c = static_cast<unsigned char>(bytes[i]);
    out->push_back(kDigits[c >> 4]);
    out->push_back(kDigits[c & 0x0f]);
    out->push_back(' ');
  }
}

// sprint_realloc_octet_string without a DISPLAY-HINT, its output format left to guess.
void AppendOctetString(std::string_view bytes, std::string* out) {
  if (bytes.empty()) {
    out->append("\"\"");
    return;
  }
  bool text = true;
  for (char c : bytes) {
    if (!IsPrintableOrSpace(static_cast<unsigned char>(c))) {
      text = false;
      break;
    }
  }
  if (!text) {
    out->append("Hex-STRING: ");
    AppendHexBytes(bytes, out);
    return;
  }
  out->append("STRING: \"");
  for (char c : bytes) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

// net-snmp's uptimeString: "H:MM:SS.cc", "1 day, H:MM:SS.cc", "N days, H:MM:SS.cc".
void AppendUptime(uint32_t ticks, std::string* out) {
  const uint32_t centis = ticks % 100;
  uint32_t seconds = ticks / 100;
  const uint32_t days = seconds / 86400;
  seconds %= 86400;
  if (days == 1) {
    out->append("1 day, ");
  } else if (days > 1) {
    AppendNumber(days, out);
    out->append(" days, ");
  }
  AppendNumber(seconds / 3600, out);
  out->push_back(':');
  AppendTwoDigits(seconds % 3600 / 60, out);
  out->push_back(':');
  AppendTwoDigits(seconds % 60, out);
  out->push_back('.');
  AppendTwoDigits(centis, out);
}

// asn_parse_int's CHECK_OVERFLOW_S: an INTEGER outside Integer32 keeps its low 32 bits (negated
// when it was below the range).
int64_t NetSnmpInteger(int64_t v) {
  if (v > INT32_MAX) return static_cast<int64_t>(static_cast<uint64_t>(v) & 0xffffffffu);
  if (v < INT32_MIN) return -static_cast<int64_t>(static_cast<uint64_t>(v) & 0xffffffffu);
  return v;
}

// snprintf(buf, 128, "%f", x), as net-snmp prints a float or double: fixed notation with 6
// decimals, cut to 127 characters (1e300 loses its tail and decimals); "nan", "-nan", "inf",
// "-inf" as glibc prints them.
void AppendFixed6(double x, std::string* out) {
  char buf[400];  // DBL_MAX has 309 integer digits
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed, 6);
  if (ec != std::errc()) {
    out->append("?");
    return;
  }
  constexpr ptrdiff_t kMax = 127;
  out->append(buf, std::min(ptr - buf, kMax));
}

// The Opaque-wrapped special types (draft-perkins-opaque-01; net-snmp's
// NETSNMP_WITH_OPAQUE_SPECIAL_TYPES): 9F <type> <length> <content> filling the whole Opaque.
// Returns false when the Opaque is not one of them, or one that net-snmp's parser rejects.
constexpr unsigned char kOpaqueTag1 = 0x9f;
constexpr unsigned char kOpaqueCounter64 = 0x76;
constexpr unsigned char kOpaqueFloat = 0x78;
constexpr unsigned char kOpaqueDouble = 0x79;
constexpr unsigned char kOpaqueInt64 = 0x7a;
constexpr unsigned char kOpaqueUInt64 = 0x7b;

bool AppendOpaqueSpecial(std::string_view b, std::string* out) {
  if (b.size() < 3 || static_cast<unsigned char>(b[0]) != kOpaqueTag1) return false;
  const auto kind = static_cast<unsigned char>(b[1]);
  if (kind != kOpaqueCounter64 && kind != kOpaqueFloat && kind != kOpaqueDouble &&
      kind != kOpaqueInt64 && kind != kOpaqueUInt64) {
    return false;
  }
  // The inner length: short form; long form only for the integer kinds (net-snmp rejects a float
  // or double with a long-form length).
  size_t pos = 2;
  size_t length = static_cast<unsigned char>(b[pos++]);
  if (length & 0x80) {
    if (kind == kOpaqueFloat || kind == kOpaqueDouble) return false;
    const size_t n = length & 0x7f;
    if (n == 0 || n > 4 || n > b.size() - pos) return false;
    length = 0;
    for (size_t i = 0; i < n; ++i) length = length << 8 | static_cast<unsigned char>(b[pos++]);
  }
  if (length != b.size() - pos) return false;  // short, or trailing bytes
  const std::string_view content = b.substr(pos);

  if (kind == kOpaqueFloat || kind == kOpaqueDouble) {
    const size_t want = kind == kOpaqueFloat ? 4 : 8;
    if (content.size() != want) return false;
    uint64_t bits = 0;
    for (char c : content) bits = bits << 8 | static_cast<unsigned char>(c);
    const double x = kind == kOpaqueFloat
                         ? static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bits)))
                         : std::bit_cast<double>(bits);
    out->append("Opaque: Float: ");  // sic: net-snmp labels its doubles "Float" too
    AppendFixed6(x, out);
    return true;
  }

  // Integers: at most 8 bytes, or 9 with a leading 00; the value is the low 64 bits.
  if (content.size() > 9 || (content.size() == 9 && content[0] != 0)) return false;
  uint64_t v = 0;
  if (kind == kOpaqueInt64 && !content.empty() && (static_cast<unsigned char>(content[0]) & 0x80)) {
    v = ~uint64_t{0};
  }
  for (char c : content) v = v << 8 | static_cast<unsigned char>(c);
  switch (kind) {
    case kOpaqueCounter64:
      out->append("Opaque: Counter64: ");
      AppendNumber(v, out);
      break;
    case kOpaqueUInt64:
      out->append("Opaque: UInt64: ");
      AppendNumber(v, out);
      break;
    default:
      out->append("Opaque: Int64: ");
      AppendNumber(static_cast<int64_t>(v), out);
      break;
  }
  return true;
}

}  // namespace

void AppendNetSnmpValue(const snmp::Value& v, std::string* out) {
  switch (v.type()) {
    case ValueType::kInteger:
      out->append("INTEGER: ");
      AppendNumber(NetSnmpInteger(v.as_int()), out);
      return;
    case ValueType::kOctetString:
      AppendOctetString(v.bytes(), out);
      return;
    case ValueType::kNull:
      out->append("NULL");
      return;
    case ValueType::kObjectId:
      out->append("OID: ");
      if (v.oid().empty()) {
        out->append(".0");
      } else {
        v.oid().AppendTo(out);
      }
      return;
    case ValueType::kIpAddress: {
      const std::string_view b = v.bytes();
      if (b.size() != 4) {
        out->append("Wrong Length (should be 4): ");
        if (b.empty()) {
          out->append("\"\"");
        } else {
          out->append("Hex-STRING: ");
          AppendHexBytes(b, out);
        }
        return;
      }
      out->append("IpAddress: ");
      for (size_t i = 0; i < 4; ++i) {
        if (i != 0) out->push_back('.');
        AppendNumber(static_cast<unsigned>(static_cast<unsigned char>(b[i])), out);
      }
      return;
    }
    case ValueType::kCounter32:
      out->append("Counter32: ");
      AppendNumber(v.as_uint() & 0xffffffffu, out);
      return;
    case ValueType::kGauge32:
      out->append("Gauge32: ");
      AppendNumber(v.as_uint() & 0xffffffffu, out);
      return;
    case ValueType::kTimeTicks: {
      const auto ticks = static_cast<uint32_t>(v.as_uint());
      out->append("Timeticks: (");
      AppendNumber(ticks, out);
      out->append(") ");
      AppendUptime(ticks, out);
      return;
    }
    case ValueType::kOpaque:
      if (AppendOpaqueSpecial(v.bytes(), out)) return;
      out->append("OPAQUE: ");
      AppendHexBytes(v.bytes(), out);
      return;
    case ValueType::kCounter64:
      out->append("Counter64: ");
      AppendNumber(v.as_uint(), out);
      return;
    case ValueType::kNoSuchObject:
      out->append("No Such Object available on this agent at this OID");
      return;
    case ValueType::kNoSuchInstance:
      out->append("No Such Instance currently exists at this OID");
      return;
    case ValueType::kEndOfMibView:
      out->append("No more variables left in this MIB View (It is past the end of the MIB tree)");
      return;
  }
  out->append("Variable has bad type");  // net-snmp's sprint_realloc_badtype
}

std::string FormatNetSnmpVarBind(const snmp::VarBind& vb) {
  std::string out;
  vb.oid.AppendTo(&out);
  out.append(" = ");
  AppendNetSnmpValue(vb.value, &out);
  return out;
}

}  // namespace cistern::cli
