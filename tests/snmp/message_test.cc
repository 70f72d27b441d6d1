// Tests for libsnmp's message codec (cistern/snmp/message.h, src/ber.h):
//   - every value type and PDU type round-trips and encodes as minimal BER, checked byte for byte
//     against encodings worked out by hand from X.690 (§8.1.3 lengths, §8.3 integers, §8.19
//     object identifiers), with this file's own TLV builder for the enclosing structures;
//   - v1, v2c and v3 (plaintext and encrypted) messages, and the MessageLayout that USM signs and
//     encrypts through;
//   - known bytes: rusticata/snmp-parser's test vectors (embedded here, and compared with
//     ../shared/captures/snmp/rusticata_ber when present) decode to the right fields and
//     re-encode byte for byte;
//   - every SNMP datagram of every capture under ../shared/captures/snmp, read with cistern-cli's
//     capture reader and libproto: decoded, compared field by field with tshark's dissection,
//     re-encoded byte for byte (or listed with the reason why not); the malformed ones give
//     InvalidArgument naming the field and the byte;
//   - hostile input: truncation sweeps (plain, and with every enclosing length fixed up so that
//     each inner field gets cut), lying lengths, indefinite and 5-octet lengths, the limits
//     (kMaxVarBinds, 128 arcs, sub-identifier and integer widths), unknown tags and versions, and
//     100k random buffers and 100k random mutations of valid messages.
// Every buffer handed to the decoder is a vector of exactly the input's size, so that
// AddressSanitizer sees any read past its end.
#include "cistern/snmp/message.h"

#include <stdio.h>  // popen, pclose

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "capture_file.h"
#include "cistern/proto/decoder.h"
#include "cistern/proto/packet.h"
#include "cistern/snmp/oid.h"
#include "cistern/snmp/pdu.h"
#include "cistern/snmp/value.h"

namespace cistern::snmp {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;
using std::string_literals::operator""s;

// ---- bytes ----

Bytes FromHex(std::string_view hex) {
  Bytes out;
  int high = -1;
  for (char c : hex) {
    int v = 0;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      continue;  // spaces between octets
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

std::string Hex(std::span<const uint8_t> bytes, size_t max = 512, bool spaced = true) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    if (spaced && i > 0) out += ' ';
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  if (bytes.size() > max) out += " ... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}
std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
// tshark's form of an FT_BYTES field: lower-case hex, no separators.
std::string PlainHex(std::string_view s) { return Hex(AsBytes(s), SIZE_MAX, false); }

Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A TLV with the minimal definite length of X.690 §8.1.3.4 (short form below 128) and §8.1.3.5
// (0x80 | number of length octets, then the length big-endian, no leading zero octet). This
// file's own builder, independent of ber.h.
Bytes Tlv(uint8_t tag, const Bytes& value) {
  Bytes out{tag};
  const size_t n = value.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else {
    Bytes length;
    for (size_t v = n; v != 0; v >>= 8) length.insert(length.begin(), static_cast<uint8_t>(v));
    out.push_back(static_cast<uint8_t>(0x80 | length.size()));
    out.insert(out.end(), length.begin(), length.end());
  }
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

// "" when equal; otherwise the lengths and the first differing byte.
std::string ByteDiff(std::span<const uint8_t> got, std::span<const uint8_t> want) {
  if (got.size() == want.size() && std::equal(got.begin(), got.end(), want.begin())) return "";
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  const size_t from = i >= 8 ? i - 8 : 0;
  auto around = [&](std::span<const uint8_t> b) {
    return Hex(b.subspan(std::min(from, b.size()),
                         std::min<size_t>(24, b.size() - std::min(from, b.size()))));
  };
  return "got " + std::to_string(got.size()) + " bytes, want " + std::to_string(want.size()) +
         "; first difference at byte " + std::to_string(i) + " (from byte " + std::to_string(from) +
         ": got " + around(got) + " / want " + around(want) + ")";
}

bool Printable(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e || c == '\\' || c == ',') return false;
  }
  return true;
}

// ---- descriptions (for failure messages) ----

std::string DescribeValue(const Value& v) {
  std::string out(ValueTypeName(v.type()));
  switch (v.type()) {
    case ValueType::kInteger:
      out += " " + std::to_string(v.as_int());
      break;
    case ValueType::kOctetString:
    case ValueType::kIpAddress:
    case ValueType::kOpaque:
      out += " [" + Hex(AsBytes(v.bytes()), 32) + "]";
      break;
    case ValueType::kObjectId:
      out += " " + v.oid().ToString();
      break;
    case ValueType::kCounter32:
    case ValueType::kGauge32:
    case ValueType::kTimeTicks:
    case ValueType::kCounter64:
      out += " " + std::to_string(v.as_uint());
      break;
    default:
      break;
  }
  return out;
}

std::string DescribePdu(const Pdu& p) {
  std::string out(PduTypeName(p.type));
  if (p.type == PduType::kTrapV1) {
    out += " enterprise " + p.trap_v1.enterprise.ToString() + " agent [" +
           Hex(AsBytes(p.trap_v1.agent_address)) + "] generic " +
           std::to_string(p.trap_v1.generic_trap) + " specific " +
           std::to_string(p.trap_v1.specific_trap) + " time " +
           std::to_string(p.trap_v1.time_stamp);
  } else {
    out += " id " + std::to_string(p.request_id) + " status " + std::to_string(p.error_status) +
           " index " + std::to_string(p.error_index);
  }
  out += " {";
  for (size_t i = 0; i < p.varbinds.size() && i < 8; ++i) {
    out += (i ? "; " : " ") + p.varbinds[i].oid.ToString() + " = " +
           DescribeValue(p.varbinds[i].value);
  }
  if (p.varbinds.size() > 8) out += "; ... (" + std::to_string(p.varbinds.size()) + " bindings)";
  return out + " }";
}

std::string Describe(const Message& m) {
  std::string out = "v" + std::string(VersionName(m.version));
  if (m.version != Version::kV3) {
    out += " community \"" + m.community + "\"";
  } else {
    out += " msgID " + std::to_string(m.msg_id) + " max " + std::to_string(m.max_size) + " flags " +
           std::to_string(m.flags) + " model " + std::to_string(m.security_model) + " engine [" +
           Hex(AsBytes(m.usm.engine_id)) + "] boots " + std::to_string(m.usm.engine_boots) +
           " time " + std::to_string(m.usm.engine_time) + " user \"" + m.usm.user_name +
           "\" auth [" + Hex(AsBytes(m.usm.auth_params)) + "] priv [" +
           Hex(AsBytes(m.usm.priv_params)) + "] context [" + Hex(AsBytes(m.context_engine_id)) +
           "] \"" + m.context_name + "\"";
    if (!m.encrypted_pdu.empty()) {
      out += " encrypted [" + Hex(AsBytes(m.encrypted_pdu), 16) + "]";
    }
  }
  return out + " " + DescribePdu(m.pdu);
}

// ---- encode / decode helpers ----

Bytes Encode(const Message& m, MessageLayout* layout = nullptr) {
  Bytes out;
  const absl::Status s = EncodeMessage(m, &out, layout);
  INFO(Describe(m));
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

Message Decode(const Bytes& bytes, MessageLayout* layout = nullptr) {
  Message m;
  const absl::Status s = DecodeMessage(bytes, &m, layout);
  INFO(Hex(bytes));
  INFO(s.ToString());
  REQUIRE(s.ok());
  return m;
}

// Encodes, decodes to the same message, and re-encodes to the same bytes.
Bytes RoundTrip(const Message& m) {
  const Bytes bytes = Encode(m);
  const Message back = Decode(bytes);
  INFO("sent " << Describe(m) << "\ngot  " << Describe(back));
  CHECK(back == m);
  CHECK(ByteDiff(Encode(back), bytes) == "");
  return bytes;
}

// The decoder's error contract: InvalidArgument "snmp: <what> at byte <N>: <why>", N within the
// input (N == size: a part missing at its very end). "" when `s` keeps it.
std::string ErrorViolation(const absl::Status& s, size_t input_size) {
  if (s.code() != absl::StatusCode::kInvalidArgument) return "not InvalidArgument: " + s.ToString();
  const std::string m(s.message());
  const std::string_view prefix = "snmp: ";
  const size_t at = m.find(" at byte ");
  if (m.rfind(prefix, 0) != 0 || at == std::string::npos || at <= prefix.size()) {
    return "message does not name a field and a byte: " + m;
  }
  size_t p = at + 9;
  size_t offset = 0;
  const size_t digits_from = p;
  while (p < m.size() && m[p] >= '0' && m[p] <= '9') offset = offset * 10 + size_t(m[p++] - '0');
  if (p == digits_from || m.compare(p, 2, ": ") != 0 || p + 2 >= m.size()) {
    return "message does not say why after the byte offset: " + m;
  }
  if (offset > input_size) {
    return "offset " + std::to_string(offset) + " lies beyond the " + std::to_string(input_size) +
           "-byte input: " + m;
  }
  return "";
}

// Decoding `bytes` fails with InvalidArgument "snmp: <field> at byte <at>: <why...>".
void ExpectDecodeError(const Bytes& bytes, std::string_view field, size_t at,
                       std::string_view why) {
  Message m;
  const absl::Status s = DecodeMessage(bytes, &m);
  INFO(Hex(bytes));
  INFO(s.ToString());
  CHECK(ErrorViolation(s, bytes.size()) == "");
  const std::string want = "snmp: " + std::string(field) + " at byte " + std::to_string(at) + ": ";
  const std::string got(s.message());
  CHECK(got.substr(0, want.size()) == want);
  CHECK(got.find(why) != std::string::npos);
}

// A well-formed encoding as a tree of TLVs, for the sweeps. Constructed TLVs have children, and so
// has an OCTET STRING that holds exactly one SEQUENCE (msgSecurityParameters).
struct Node {
  uint8_t tag = 0;
  size_t start = 0;  // the tag's offset
  size_t value = 0;  // the value's offset
  size_t end = 0;
  std::vector<Node> kids;
};

bool ParseNodes(const Bytes& b, size_t from, size_t to, std::vector<Node>* out) {
  while (from < to) {
    if (to - from < 2) return false;
    Node n;
    n.tag = b[from];
    n.start = from;
    size_t length = b[from + 1];
    size_t p = from + 2;
    if (length & 0x80) {
      const size_t octets = length & 0x7f;
      if (octets == 0 || octets > 4 || to - p < octets) return false;
      length = 0;
      for (size_t i = 0; i < octets; ++i) length = length << 8 | b[p + i];
      p += octets;
    }
    if (length > to - p) return false;
    n.value = p;
    n.end = p + length;
    if (n.tag & 0x20) {
      if (!ParseNodes(b, n.value, n.end, &n.kids)) return false;
    } else if (n.tag == 0x04 && length > 0 && b[n.value] == 0x30) {
      std::vector<Node> inner;
      if (ParseNodes(b, n.value, n.end, &inner) && inner.size() == 1) n.kids = std::move(inner);
    }
    from = n.end;
    out->push_back(std::move(n));
  }
  return true;
}

Node ParseTree(const Bytes& b) {
  std::vector<Node> top;
  REQUIRE(ParseNodes(b, 0, b.size(), &top));
  REQUIRE(top.size() == 1);
  return top[0];
}

// Appends node `n` of `src` cut at byte `cut`, with the length of every structure the cut falls
// inside fixed up to what is left of it. A primitive TLV (or a header) that the cut falls inside
// is kept up to the cut; the result is then where it starts in `out`.
std::optional<size_t> EmitCut(const Bytes& src, const Node& n, size_t cut, Bytes* out) {
  if (n.end <= cut) {
    out->insert(out->end(), src.begin() + ptrdiff_t(n.start), src.begin() + ptrdiff_t(n.end));
    return std::nullopt;
  }
  if (n.start >= cut) return std::nullopt;
  if (!n.kids.empty() && cut >= n.value) {
    Bytes inner;
    std::optional<size_t> straddled;
    for (const Node& kid : n.kids) {
      if (std::optional<size_t> at = EmitCut(src, kid, cut, &inner)) straddled = at;
    }
    const Bytes whole = Tlv(n.tag, inner);
    const size_t base = out->size() + (whole.size() - inner.size());
    out->insert(out->end(), whole.begin(), whole.end());
    if (straddled) return base + *straddled;
    return std::nullopt;
  }
  const size_t at = out->size();
  out->insert(out->end(), src.begin() + ptrdiff_t(n.start), src.begin() + ptrdiff_t(cut));
  return at;
}

// ---- message builders ----

Message V1(Pdu pdu, std::string community = "public") {
  Message m;
  m.version = Version::kV1;
  m.community = std::move(community);
  m.pdu = std::move(pdu);
  return m;
}

Message V2c(Pdu pdu, std::string community = "public") {
  Message m = V1(std::move(pdu), std::move(community));
  m.version = Version::kV2c;
  return m;
}

const std::string kEngineId = "\x80\x00\x1f\x88\x80\x59\xdc\x48\x61\x45\xa2\x63\x22"s;

// An authenticated v3 request, its MAC still zero (as USM encodes it before signing).
Message V3Plain(Pdu pdu) {
  Message m;
  m.version = Version::kV3;
  m.msg_id = 821490644;
  m.max_size = 65507;
  m.flags = kFlagAuth | kFlagReportable;
  m.usm.engine_id = kEngineId;
  m.usm.engine_boots = 8;
  m.usm.engine_time = 2745;
  m.usm.user_name = "pippo";
  m.usm.auth_params = std::string(12, '\0');
  m.context_engine_id = kEngineId;
  m.context_name = "bridge1";
  m.pdu = std::move(pdu);
  return m;
}

// An encrypted v3 message: decoding gives back the ciphertext and an empty Pdu and context.
Message V3Encrypted(size_t ciphertext_size) {
  Message m = V3Plain(Pdu{});
  m.flags = kFlagAuth | kFlagPriv | kFlagReportable;
  m.usm.priv_params = "\x00\x00\x00\x01\x03\xd5\x32\x1a"s;
  m.context_engine_id.clear();
  m.context_name.clear();
  for (size_t i = 0; i < ciphertext_size; ++i) m.encrypted_pdu.push_back(char(i * 37 + 11));
  return m;
}

Oid SysName() { return Oid{1, 3, 6, 1, 2, 1, 1, 5, 0}; }

// A Response carrying one binding of every value type.
Pdu EveryTypeResponse() {
  Pdu p;
  p.type = PduType::kResponse;
  p.request_id = 1234567;
  const Oid base{1, 3, 6, 1, 2, 1, 2, 2, 1};
  auto add = [&](uint32_t column, Value v) {
    Oid oid = base;
    oid.Append(column);
    oid.Append(17);
    p.varbinds.push_back({std::move(oid), std::move(v)});
  };
  add(1, Value::Integer(17));
  add(2, Value::OctetString(std::string(200, 'e')));  // long lengths all the way up
  add(3, Value::Null());
  add(4, Value::ObjectId(Oid{1, 3, 6, 1, 4, 1, 9, 1, 4294967295u}));
  add(5, Value::IpAddress(192, 0, 2, 1));
  add(6, Value::Counter32(0xfffffffeu));
  add(7, Value::Gauge32(1000000000));
  add(8, Value::TimeTicks(123456789));
  add(9, Value::Opaque("\x9f\x78\x04\x3f\x80\x00\x00"s));
  add(10, Value::Counter64(0x8000000000000001ull));
  add(11, Value::NoSuchObject());
  add(12, Value::NoSuchInstance());
  add(13, Value::EndOfMibView());
  add(14, Value::Integer(-2147483648));
  return p;
}

Pdu TrapV1Pdu() {
  Pdu p;
  p.type = PduType::kTrapV1;
  p.trap_v1.enterprise = Oid{1, 3, 6, 1, 4, 1, 8072, 3, 2, 10};
  p.trap_v1.agent_address = "\xc0\x00\x02\x07"s;
  p.trap_v1.generic_trap = 6;
  p.trap_v1.specific_trap = 17;
  p.trap_v1.time_stamp = 4294967295u;
  p.varbinds = {{Oid{1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 3}, Value::Integer(3)}};
  return p;
}

// ---- rusticata/snmp-parser's test vectors (MIT/Apache-2.0) ----

struct Vector {
  const char* file;
  const char* hex;
};
constexpr Vector kRusticata[] = {
    {"snmpv1_req.bin",
     "302602010004067075626c6963a019020126020100020100300e300c06082b060102010102000500"},
    {"snmpv1_trap_coldstart.bin",
     "303802010004067075626c6963a42b06092b060104010401021540047f000001020100020100430100300f300d"
     "06082b0601020102010002012"
     "1"},
    {"snmpv2c-get-response.bin",
     "304c02010104067075626c6963a23f020405c9610e0201000201003031301006092b060102011901010043030e"
     "cd55300e06092b0601020119010500420103300d06092b06010201190105018100"},
    {"snmpv3-report.bin",
     "30790201033011020429cdb17a020300ffcf04010002010304263024041480004f4db1aadcadbc89affa118dbd"
     "53824c6b050201030203010a1d0400040004003039041480004f4db1aadcadbc89affa118dbd53824c6b050400"
     "a81f020460ba10f60201000201003011300f060a2b060106030f01010400410104"},
    {"snmpv3_req.bin",
     "304b0201033011020430f6f3d4020300ffe30401040201030410300e0400020100020100040004000400302104"
     "0d80001f888059dc486145a263220400a00e02047d0e082e0201000201003000"},
    {"snmpv3_req_encrypted.bin",
     "3081b10201033011020430f6f3d5020300ffe304010702010304373035040d80001f888059dc486145a2632202"
     "010802020ab90405706970706f040c19395e67894fda182414849f04080000000103d5321a0460826ecf644395"
     "6d4c364bfc6f6ffc8ee0df000ffd0955af12d2c0f3c60fadea417d2bb80c0b2c1fa7a46ce44f9f16e15ee830a4"
     "9881f60ecfa757d2f04000eb39a94058121d88ca20eeef4e6bf06784c67c15f144915d9bc2c6a0461da92a4abe"},
};

Bytes RusticataBytes(std::string_view file) {
  for (const Vector& v : kRusticata) {
    if (file == v.file) return FromHex(v.hex);
  }
  FAIL("no vector " << file);
  return {};
}

// Valid messages of every shape, for the sweeps and the mutations.
std::vector<Bytes> SampleMessages() {
  std::vector<Bytes> out;
  for (const Vector& v : kRusticata) out.push_back(FromHex(v.hex));
  out.push_back(Encode(V2c(EveryTypeResponse())));
  out.push_back(Encode(V1(TrapV1Pdu())));
  out.push_back(Encode(V2c(Pdu::GetBulk(1, 25, {SysName(), Oid{1, 3, 6, 1, 2, 1, 2, 2}}))));
  Pdu trap;
  trap.type = PduType::kSnmpV2Trap;
  trap.request_id = -5;
  trap.varbinds = {
      {Oid{1, 3, 6, 1, 2, 1, 1, 3, 0}, Value::TimeTicks(5)},
      {Oid{1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0}, Value::ObjectId(Oid{1, 3, 6, 1, 6, 3, 1, 1, 5, 1})}};
  out.push_back(Encode(V2c(trap, "a community string of more than sixteen bytes")));
  Pdu response = EveryTypeResponse();
  response.varbinds.resize(5);
  out.push_back(Encode(V3Plain(response)));
  out.push_back(Encode(V3Encrypted(150)));
  return out;
}

// =================================================================================================
// Values

struct ValueCase {
  std::string name;
  Value value;
  Bytes tlv;  // the value's TLV, worked out by hand
};

Bytes Repeat(size_t n, uint8_t byte) { return Bytes(n, byte); }

std::vector<ValueCase> ValueCases() {
  std::vector<ValueCase> c = {
      // X.690 §8.3: two's complement, as few octets as hold the value and its sign.
      {"INTEGER 0", Value::Integer(0), FromHex("02 01 00")},
      {"INTEGER -1", Value::Integer(-1), FromHex("02 01 ff")},
      {"INTEGER 127", Value::Integer(127), FromHex("02 01 7f")},
      {"INTEGER 128", Value::Integer(128), FromHex("02 02 00 80")},
      {"INTEGER 255", Value::Integer(255), FromHex("02 02 00 ff")},
      {"INTEGER 256", Value::Integer(256), FromHex("02 02 01 00")},
      {"INTEGER -128", Value::Integer(-128), FromHex("02 01 80")},
      {"INTEGER -129", Value::Integer(-129), FromHex("02 02 ff 7f")},
      {"INTEGER 32767", Value::Integer(32767), FromHex("02 02 7f ff")},
      {"INTEGER 32768", Value::Integer(32768), FromHex("02 03 00 80 00")},
      {"INTEGER -32769", Value::Integer(-32769), FromHex("02 03 ff 7f ff")},
      {"INTEGER INT32_MAX", Value::Integer(2147483647), FromHex("02 04 7f ff ff ff")},
      {"INTEGER INT32_MIN", Value::Integer(-2147483648LL), FromHex("02 04 80 00 00 00")},
      {"INTEGER 2^32 (wider than Integer32, kept)", Value::Integer(4294967296LL),
       FromHex("02 05 01 00 00 00 00")},
      {"INTEGER INT64_MAX", Value::Integer(std::numeric_limits<int64_t>::max()),
       FromHex("02 08 7f ff ff ff ff ff ff ff")},
      {"INTEGER INT64_MIN", Value::Integer(std::numeric_limits<int64_t>::min()),
       FromHex("02 08 80 00 00 00 00 00 00 00")},
      // Unsigned application types: a leading 00 octet when the top bit is set.
      {"Counter32 0", Value::Counter32(0), FromHex("41 01 00")},
      {"Counter32 127", Value::Counter32(127), FromHex("41 01 7f")},
      {"Counter32 128", Value::Counter32(128), FromHex("41 02 00 80")},
      {"Counter32 255", Value::Counter32(255), FromHex("41 02 00 ff")},
      {"Counter32 256", Value::Counter32(256), FromHex("41 02 01 00")},
      {"Counter32 0x7fffffff", Value::Counter32(0x7fffffffu), FromHex("41 04 7f ff ff ff")},
      {"Counter32 0xffffffff", Value::Counter32(0xffffffffu), FromHex("41 05 00 ff ff ff ff")},
      {"Gauge32 0x80000000", Value::Gauge32(0x80000000u), FromHex("42 05 00 80 00 00 00")},
      {"Gauge32 65535", Value::Gauge32(65535), FromHex("42 03 00 ff ff")},
      {"TimeTicks 0", Value::TimeTicks(0), FromHex("43 01 00")},
      {"TimeTicks 0xffffffff", Value::TimeTicks(0xffffffffu), FromHex("43 05 00 ff ff ff ff")},
      {"Counter64 0", Value::Counter64(0), FromHex("46 01 00")},
      {"Counter64 2^32", Value::Counter64(1ull << 32), FromHex("46 05 01 00 00 00 00")},
      {"Counter64 2^63-1", Value::Counter64(0x7fffffffffffffffull),
       FromHex("46 08 7f ff ff ff ff ff ff ff")},
      {"Counter64 max", Value::Counter64(~0ull), FromHex("46 09 00 ff ff ff ff ff ff ff ff")},
      {"NULL", Value::Null(), FromHex("05 00")},
      {"noSuchObject", Value::NoSuchObject(), FromHex("80 00")},
      {"noSuchInstance", Value::NoSuchInstance(), FromHex("81 00")},
      {"endOfMibView", Value::EndOfMibView(), FromHex("82 00")},
      {"IpAddress", Value::IpAddress(10, 0, 0, 1), FromHex("40 04 0a 00 00 01")},
      {"Opaque", Value::Opaque("\x9f\x78\x04\x3f\x80\x00\x00"s),
       FromHex("44 07 9f 78 04 3f 80 00 00")},
      // X.690 §8.19: the first two arcs share a sub-identifier (40 * X + Y), base 128, high bit on
      // every octet but the last.
      {"OID sysName.0", Value::ObjectId(SysName()), FromHex("06 08 2b 06 01 02 01 01 05 00")},
      {"OID 0.0", Value::ObjectId(Oid{0, 0}), FromHex("06 01 00")},
      {"OID 1.39", Value::ObjectId(Oid{1, 39}), FromHex("06 01 4f")},
      {"OID 2.47", Value::ObjectId(Oid{2, 47}), FromHex("06 01 7f")},
      {"OID 2.48", Value::ObjectId(Oid{2, 48}), FromHex("06 02 81 00")},
      {"OID 2.999.3 (X.690's own example)", Value::ObjectId(Oid{2, 999, 3}),
       FromHex("06 03 88 37 03")},
      {"OID 1.3.127.128.16383.16384", Value::ObjectId(Oid{1, 3, 127, 128, 16383, 16384}),
       FromHex("06 09 2b 7f 81 00 ff 7f 81 80 00")},
      {"OID arc 2^32-1", Value::ObjectId(Oid{1, 3, 4294967295u}),
       FromHex("06 06 2b 8f ff ff ff 7f")},
      {"OID 2.(2^32-1): a first sub-identifier of 33 bits", Value::ObjectId(Oid{2, 4294967295u}),
       FromHex("06 05 90 80 80 80 4f")},
  };
  // OCTET STRINGs around every length-form boundary (X.690 §8.1.3).
  const std::pair<size_t, const char*> strings[] = {{0, "04 00"},
                                                    {1, "04 01"},
                                                    {127, "04 7f"},
                                                    {128, "04 81 80"},
                                                    {255, "04 81 ff"},
                                                    {256, "04 82 01 00"},
                                                    {65535, "04 82 ff ff"},
                                                    {65536, "04 83 01 00 00"},
                                                    {70000, "04 83 01 11 70"}};
  for (const auto& [n, header] : strings) {
    c.push_back({"OCTET STRING of " + std::to_string(n) + " bytes",
                 Value::OctetString(std::string(n, 'x')), Cat({FromHex(header), Repeat(n, 'x')})});
  }
  // 128 arcs, the most RFC 2578 §3.5 allows.
  Oid longest{1, 3};
  Bytes longest_bytes{0x2b};
  for (uint32_t i = 0; i < 126; ++i) {
    longest.Append(i);
    longest_bytes.push_back(static_cast<uint8_t>(i));
  }
  c.push_back({"OID of 128 arcs", Value::ObjectId(longest), Tlv(0x06, longest_bytes)});
  return c;
}

// Response { request-id 1, error-status 0, error-index 0, { { 1.3, <value> } } }.
Bytes ResponseWith(const Bytes& value_tlv) {
  return Tlv(0xa2, Cat({FromHex("02 01 01 02 01 00 02 01 00"),
                        Tlv(0x30, Tlv(0x30, Cat({FromHex("06 01 2b"), value_tlv})))}));
}
// Where the value TLV starts in ResponseWith() of a short value: a2 L, 9 bytes of integers,
// 30 L, 30 L, 06 01 2b.
constexpr size_t kValueAt = 18;

Pdu ResponseOf(Value v) {
  Pdu p;
  p.type = PduType::kResponse;
  p.request_id = 1;
  p.varbinds = {{Oid{1, 3}, std::move(v)}};
  return p;
}

TEST_CASE("values: every type and its edge values encode as minimal BER and round-trip",
          "[snmp][message][value]") {
  for (const ValueCase& c : ValueCases()) {
    INFO(c.name);
    const Pdu pdu = ResponseOf(c.value);
    Bytes bytes;
    REQUIRE(EncodePdu(pdu, &bytes).ok());
    CHECK(ByteDiff(bytes, ResponseWith(c.tlv)) == "");
    Pdu back;
    REQUIRE(DecodePdu(bytes, &back).ok());
    CHECK(back == pdu);
    RoundTrip(V2c(pdu));
    RoundTrip(V3Plain(pdu));
    // As a variable name too, where the OID can be.
    if (c.value.type() == ValueType::kObjectId) {
      Pdu named = Pdu::Get({c.value.oid()});
      RoundTrip(V1(named));
    }
  }
}

TEST_CASE("values: non-minimal but valid BER, and agents' quirks, decode",
          "[snmp][message][value]") {
  struct Case {
    const char* name;
    const char* tlv;
    Value want;
  };
  const Case cases[] = {
      {"INTEGER with a redundant 00 octet", "02 02 00 01", Value::Integer(1)},
      {"INTEGER with a redundant ff octet", "02 02 ff ff", Value::Integer(-1)},
      {"Counter32 without its sign octet (net-snmp reads it unsigned)", "41 04 ff ff ff ff",
       Value::Counter32(0xffffffffu)},
      {"Counter32 sent as the negative one-octet -1", "41 01 ff", Value::Counter32(0xffffffffu)},
      {"Gauge32 with redundant zero octets", "42 03 00 00 05", Value::Gauge32(5)},
      {"TimeTicks 0 in four octets", "43 04 00 00 00 00", Value::TimeTicks(0)},
      {"Counter64 of 9 octets", "46 09 00 ff ff ff ff ff ff ff ff", Value::Counter64(~0ull)},
      {"Counter64 sent negative", "46 01 80", Value::Counter64(0xffffffffffffff80ull)},
      {"empty OID reads as 0.0, as net-snmp does", "06 00", Value::ObjectId(Oid{0, 0})},
      {"OID sub-identifier with a redundant 80 octet", "06 03 2b 80 06",
       Value::ObjectId(Oid{1, 3, 6})},
      {"IpAddress of 5 octets is kept as sent", "40 05 01 02 03 04 05",
       Value::IpAddressBytes("\x01\x02\x03\x04\x05")},
      {"OCTET STRING with a long-form length", "04 81 03 61 62 63", Value::OctetString("abc")},
      {"OCTET STRING with a 4-octet length", "04 84 00 00 00 03 61 62 63",
       Value::OctetString("abc")},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    Pdu back;
    const absl::Status s = DecodePdu(ResponseWith(FromHex(c.tlv)), &back);
    INFO(s.ToString());
    REQUIRE(s.ok());
    REQUIRE(back.varbinds.size() == 1);
    CHECK(DescribeValue(back.varbinds[0].value) == DescribeValue(c.want));
    CHECK(back.varbinds[0].value == c.want);
    RoundTrip(V2c(back));  // the minimal re-encoding keeps the value
  }
}

TEST_CASE("values: malformed contents are InvalidArgument at the value's byte",
          "[snmp][message][value]") {
  struct Case {
    const char* name;
    const char* tlv;
    size_t at;  // offset within ResponseWith()
    const char* why;
  };
  const Case cases[] = {
      {"empty INTEGER", "02 00", kValueAt + 2, "integer of no or too many octets"},
      {"INTEGER of 9 octets", "02 09 00 80 00 00 00 00 00 00 00", kValueAt + 2, "too many octets"},
      {"empty Counter32", "41 00", kValueAt + 2, "integer"},
      {"Counter32 of 6 octets", "41 06 00 00 ff ff ff ff", kValueAt + 2, "integer"},
      {"Counter32 of 5 octets whose first is not a sign octet (2^32)", "41 05 01 00 00 00 00",
       kValueAt + 2, "integer"},
      {"TimeTicks of 5 octets, first ff", "43 05 ff 00 00 00 00", kValueAt + 2, "integer"},
      {"Counter64 of 10 octets", "46 0a 00 00 ff ff ff ff ff ff ff ff", kValueAt + 2, "integer"},
      {"Counter64 of 9 octets whose first is not a sign octet (2^64)",
       "46 09 01 00 00 00 00 00 00 00 00", kValueAt + 2, "integer"},
      {"OID sub-identifier of 6 octets", "06 07 2b 81 80 80 80 80 00", kValueAt + 2,
       "bad object identifier"},
      {"OID sub-identifier of 2^32", "06 06 2b 90 80 80 80 00", kValueAt + 2,
       "bad object identifier"},
      {"OID 2.(2^32): first sub-identifier too big", "06 05 90 80 80 81 00", kValueAt + 2,
       "bad object identifier"},
      {"OID whose last sub-identifier is unterminated", "06 03 2b 06 81", kValueAt + 2,
       "bad object identifier"},
      {"unsupported value type 0x47", "47 01 00", kValueAt, "unsupported value type 0x47"},
      {"unsupported value type with a long-form length", "47 81 01 00", kValueAt,
       "unsupported value type 0x47"},
      {"constructed OCTET STRING", "24 03 04 01 61", kValueAt, "unsupported value type 0x24"},
      {"multi-byte tag", "5f 21 01 00", kValueAt, "multi-byte tag"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Bytes pdu = ResponseWith(FromHex(c.tlv));
    Pdu back;
    const absl::Status s = DecodePdu(pdu, &back);
    INFO(Hex(pdu));
    INFO(s.ToString());
    CHECK(ErrorViolation(s, pdu.size()) == "");
    const std::string want = "snmp: varbind 1 value at byte " + std::to_string(c.at) + ": ";
    const std::string got(s.message());
    CHECK(got.substr(0, want.size()) == want);
    CHECK(got.find(c.why) != std::string::npos);
  }
}

TEST_CASE("OIDs: what BER cannot express is refused, and the 128-arc limit holds both ways",
          "[snmp][message][oid]") {
  auto encode = [](const Oid& oid) {
    Bytes out;
    return EncodeMessage(V2c(Pdu::Get({oid})), &out);
  };
  CHECK(encode(Oid{3, 1}).code() == absl::StatusCode::kInvalidArgument);
  CHECK(encode(Oid{0, 40}).code() == absl::StatusCode::kInvalidArgument);
  CHECK(encode(Oid{1, 40}).code() == absl::StatusCode::kInvalidArgument);
  CHECK(encode(Oid{2, 40}).ok());
  CHECK(std::string(encode(Oid{1, 40}).message()).find(".1.40") != std::string::npos);
  // A value OID is checked as carefully as a name.
  Bytes out;
  CHECK(EncodeMessage(V2c(ResponseOf(Value::ObjectId(Oid{5, 5}))), &out).code() ==
        absl::StatusCode::kInvalidArgument);

  // The empty and one-arc OIDs have no BER form of their own: like net-snmp's asn_build_objid the
  // encoder writes them as 0.0 and X.0, which is what they decode to.
  Bytes bytes;
  REQUIRE(EncodePdu(ResponseOf(Value::ObjectId(Oid{})), &bytes).ok());
  CHECK(ByteDiff(bytes, ResponseWith(FromHex("06 01 00"))) == "");
  REQUIRE(EncodePdu(ResponseOf(Value::ObjectId(Oid{1})), &bytes).ok());
  CHECK(ByteDiff(bytes, ResponseWith(FromHex("06 01 28"))) == "");

  // 129 arcs: the decoder refuses them (RFC 2578 §3.5), so the encoder must not write them.
  Oid too_long{1, 3};
  Bytes too_long_bytes{0x2b};
  for (uint32_t i = 0; i < 127; ++i) {
    too_long.Append(i);
    too_long_bytes.push_back(static_cast<uint8_t>(i));
  }
  REQUIRE(too_long.size() == 129);
  const absl::Status s = encode(too_long);
  INFO(s.ToString());
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  const Bytes message = Tlv(
      0x30,
      Cat({FromHex("02 01 01 04 00"),
           Tlv(0xa0,
               Cat({FromHex("02 01 00 02 01 00 02 01 00"),
                    Tlv(0x30, Tlv(0x30, Cat({Tlv(0x06, too_long_bytes), FromHex("05 00")})))}))}));
  // 30 81 9c | 02 01 01 | 04 00 | a0 81 94 | 9 bytes | 30 81 88 | 30 81 85 | 06 81 80 <value>
  REQUIRE(Hex(std::span(message).subspan(26, 3)) == "06 81 80");
  ExpectDecodeError(message, "varbind 1 name", 29, "more than 128 arcs");
}

// =================================================================================================
// PDUs and versions

Pdu SamplePdu(PduType type) {
  if (type == PduType::kTrapV1) return TrapV1Pdu();
  Pdu p;
  p.type = type;
  p.request_id = 0x7fffffff;
  p.error_status = type == PduType::kResponse ? 5 : 0;
  p.error_index = type == PduType::kResponse ? 2 : 0;
  if (type == PduType::kGetBulkRequest) {
    p.error_status = 2;   // non-repeaters
    p.error_index = 500;  // max-repetitions
  }
  p.varbinds = {{SysName(), Value::OctetString("router-1")},
                {Oid{1, 3, 6, 1, 2, 1, 1, 3, 0}, Value::TimeTicks(99)}};
  return p;
}

bool InVersion(Version v, PduType t) {
  const bool v2_only = t == PduType::kGetBulkRequest || t == PduType::kInformRequest ||
                       t == PduType::kSnmpV2Trap || t == PduType::kReport;
  if (v == Version::kV1) return !v2_only;
  return t != PduType::kTrapV1;
}

constexpr PduType kAllPduTypes[] = {
    PduType::kGetRequest,    PduType::kGetNextRequest, PduType::kResponse,
    PduType::kSetRequest,    PduType::kTrapV1,         PduType::kGetBulkRequest,
    PduType::kInformRequest, PduType::kSnmpV2Trap,     PduType::kReport};

TEST_CASE("PDUs: every type round-trips in every version that has it, and only there",
          "[snmp][message][pdu]") {
  for (PduType type : kAllPduTypes) {
    for (Version version : {Version::kV1, Version::kV2c, Version::kV3}) {
      INFO(PduTypeName(type) << " in v" << VersionName(version));
      const Pdu pdu = SamplePdu(type);
      const Message m = version == Version::kV3   ? V3Plain(pdu)
                        : version == Version::kV1 ? V1(pdu)
                                                  : V2c(pdu);
      if (InVersion(version, type)) {
        const Bytes bytes = RoundTrip(m);
        if (version != Version::kV3) {
          // 30 L 02 01 V 04 06 "public" <PDU tag>
          REQUIRE(bytes.size() > 13);
          CHECK(bytes[13] == static_cast<uint8_t>(type));
        }
        Bytes alone;
        REQUIRE(EncodePdu(pdu, &alone).ok());
        CHECK(alone[0] == static_cast<uint8_t>(type));
        Pdu back;
        REQUIRE(DecodePdu(alone, &back).ok());
        CHECK(back == pdu);
        continue;
      }
      Bytes out;
      const absl::Status s = EncodeMessage(m, &out);
      INFO(s.ToString());
      CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST_CASE("PDUs: a PDU its version lacks is refused by the decoder as by the encoder",
          "[snmp][message][pdu]") {
  // The v2c GetBulk relabelled v1, and the v1 Trap relabelled v2c: the encoder would refuse to
  // write either (CheckPduForVersion), so a decoded one could never be re-encoded.
  for (PduType type : kAllPduTypes) {
    const Version from = type == PduType::kTrapV1 ? Version::kV1 : Version::kV2c;
    const Version to = type == PduType::kTrapV1 ? Version::kV2c : Version::kV1;
    if (InVersion(to, type)) continue;
    INFO(PduTypeName(type) << " relabelled v" << VersionName(to));
    Bytes bytes = Encode(from == Version::kV1 ? V1(SamplePdu(type)) : V2c(SamplePdu(type)));
    REQUIRE(bytes[2] == 0x02);
    bytes[4] = static_cast<uint8_t>(to);
    ExpectDecodeError(bytes, "PDU", 13, type == PduType::kTrapV1 ? "Trap-PDU" : PduTypeName(type));
  }
  // And a v1 Trap inside a v3 scopedPDU.
  Message v3 = V3Plain(SamplePdu(PduType::kGetRequest));
  Bytes bytes;
  MessageLayout layout;
  REQUIRE(EncodeMessage(v3, &bytes, &layout).ok());
  Bytes trap;
  REQUIRE(EncodeScopedPdu(v3.context_engine_id, v3.context_name, TrapV1Pdu(), &trap).ok());
  // The message up to its scopedPDU, then the trap's, under a new outer header.
  const Node root = ParseTree(bytes);
  const Bytes content = Cat({Bytes(bytes.begin() + ptrdiff_t(root.value),
                                   bytes.begin() + ptrdiff_t(layout.scoped_pdu_offset)),
                             trap});
  const Bytes relabelled = Tlv(0x30, content);
  const size_t scoped_at = relabelled.size() - trap.size();
  REQUIRE(trap[1] < 0x80);  // 30 L | 04 L engine | 04 L name | PDU
  const size_t pdu_at = scoped_at + 2 + 2 + kEngineId.size() + 2 + v3.context_name.size();
  ExpectDecodeError(relabelled, "PDU", pdu_at, "Trap-PDU");
}

TEST_CASE("PDUs: GetBulk's fields, error statuses and names", "[snmp][message][pdu]") {
  const Pdu bulk = Pdu::GetBulk(1, 25, {SysName()});
  CHECK(bulk.non_repeaters() == 1);
  CHECK(bulk.max_repetitions() == 25);
  Bytes bytes;
  REQUIRE(EncodePdu(bulk, &bytes).ok());
  CHECK(Hex(bytes) ==
        "a5 19 02 01 00 02 01 01 02 01 19 30 0e 30 0c 06 08 2b 06 01 02 01 01 05 00 05 00");
  Pdu back;
  REQUIRE(DecodePdu(bytes, &back).ok());
  CHECK(back.max_repetitions() == 25);
  CHECK(back == bulk);

  CHECK(ErrorStatusName(0) == "noError");
  CHECK(ErrorStatusName(2) == "noSuchName");
  CHECK(ErrorStatusName(18) == "inconsistentName");
  CHECK(ErrorStatusName(19) == "error-status 19");
  CHECK(ErrorStatusName(-1) == "error-status -1");
  CHECK(PduTypeName(PduType::kSnmpV2Trap) == "SNMPv2-Trap");
  CHECK(VersionName(Version::kV2c) == "2c");
  CHECK(IsConfirmedClass(PduType::kInformRequest));
  CHECK(!IsConfirmedClass(PduType::kReport));

  // Negative request-ids and error fields travel as they are.
  Pdu odd = SamplePdu(PduType::kResponse);
  odd.request_id = std::numeric_limits<int32_t>::min();
  odd.error_status = -1;
  odd.error_index = std::numeric_limits<int32_t>::max();
  RoundTrip(V2c(odd));
  // No bindings at all.
  RoundTrip(V2c(Pdu::Get({})));
}

TEST_CASE("messages: exact bytes of a v2c GetRequest, built by hand from X.690",
          "[snmp][message]") {
  Message m = V2c(Pdu::Get({SysName()}));
  m.pdu.request_id = 0x12345678;
  const Bytes want =
      Tlv(0x30,
          Cat({FromHex("02 01 01"), Tlv(0x04, Str("public")),
               Tlv(0xa0,
                   Cat({FromHex("02 04 12 34 56 78 02 01 00 02 01 00"),
                        Tlv(0x30, Tlv(0x30, FromHex("06 08 2b 06 01 02 01 01 05 00 05 00")))}))}));
  CHECK(Hex(Encode(m)) == Hex(want));
  CHECK(Hex(want) ==
        "30 29 02 01 01 04 06 70 75 62 6c 69 63 a0 1c 02 04 12 34 56 78 02 01 00 02 01 00 30 0e "
        "30 0c 06 08 2b 06 01 02 01 01 05 00 05 00");
  // A community of 200 bytes takes every enclosing length to the long form.
  Message big = m;
  big.community = std::string(200, 'c');
  const Bytes big_bytes = RoundTrip(big);
  CHECK(Hex(std::span(big_bytes).first(9)) == "30 81 ec 02 01 01 04 81 c8");
}

TEST_CASE("messages: EncodeMessage replaces what the output vector held", "[snmp][message]") {
  const Message m = V2c(Pdu::Get({SysName()}));
  const Bytes want = Encode(m);
  Bytes out(5000, 0xee);
  REQUIRE(EncodeMessage(m, &out).ok());
  CHECK(ByteDiff(out, want) == "");
  out.assign(3, 0xee);
  REQUIRE(EncodeMessage(m, &out).ok());
  CHECK(ByteDiff(out, want) == "");
  // And a message much larger than the writer's first buffer.
  Message big = V2c(EveryTypeResponse());
  for (int i = 0; i < 6; ++i) {
    const std::vector<VarBind> copy = big.pdu.varbinds;
    big.pdu.varbinds.insert(big.pdu.varbinds.end(), copy.begin(), copy.end());
  }
  big.pdu.varbinds.push_back({SysName(), Value::OctetString(std::string(70000, 'z'))});
  REQUIRE(big.pdu.varbinds.size() == 14 * 64 + 1);
  const Bytes big_bytes = RoundTrip(big);
  REQUIRE(big_bytes.size() > 65535);
  CHECK(Hex(std::span(big_bytes).first(2)) == "30 83");
  out.assign(1, 0);
  REQUIRE(EncodeMessage(big, &out).ok());
  CHECK(ByteDiff(out, big_bytes) == "");
}

// =================================================================================================
// v3 and the layout

std::string DescribeLayout(const MessageLayout& l) {
  return "auth " + std::to_string(l.auth_params_offset) + "+" +
         std::to_string(l.auth_params_length) + ", scoped " + std::to_string(l.scoped_pdu_offset) +
         "+" + std::to_string(l.scoped_pdu_length);
}

TEST_CASE("v3: a plaintext message, its layout, and signing in place", "[snmp][message][v3]") {
  for (size_t mac : {size_t{0}, size_t{12}, size_t{16}, size_t{24}, size_t{32}, size_t{48}}) {
    INFO("MAC of " << mac << " bytes");
    Message m = V3Plain(EveryTypeResponse());
    m.usm.auth_params = std::string(mac, '\0');
    MessageLayout enc;
    const Bytes bytes = Encode(m, &enc);
    INFO(DescribeLayout(enc));
    CHECK(enc.auth_params_length == mac);
    REQUIRE(enc.auth_params_offset >= 2);
    REQUIRE(enc.auth_params_offset + mac <= bytes.size());
    CHECK(bytes[enc.auth_params_offset - 2] == 0x04);
    CHECK(bytes[enc.auth_params_offset - 1] == mac);
    Bytes scoped;
    REQUIRE(EncodeScopedPdu(m.context_engine_id, m.context_name, m.pdu, &scoped).ok());
    CHECK(enc.scoped_pdu_length == scoped.size());
    CHECK(enc.scoped_pdu_offset + enc.scoped_pdu_length == bytes.size());
    CHECK(ByteDiff(std::span(bytes).subspan(enc.scoped_pdu_offset, enc.scoped_pdu_length),
                   scoped) == "");

    MessageLayout dec;
    const Message back = Decode(bytes, &dec);
    CHECK(back == m);
    CHECK(DescribeLayout(dec) == DescribeLayout(enc));

    // USM signs the whole message with a zero MAC, then writes the MAC where the layout says.
    Bytes signed_bytes = bytes;
    std::string mac_bytes;
    for (size_t i = 0; i < mac; ++i) mac_bytes.push_back(char(0xa0 + i));
    std::copy(mac_bytes.begin(), mac_bytes.end(),
              signed_bytes.begin() + ptrdiff_t(enc.auth_params_offset));
    Message want = m;
    want.usm.auth_params = mac_bytes;
    CHECK(Decode(signed_bytes) == want);
    CHECK(ByteDiff(Encode(want), signed_bytes) == "");

    // The scopedPDU read on its own, with DES padding after it.
    for (size_t pad = 0; pad < 8; ++pad) {
      Bytes plain(scoped);
      plain.insert(plain.end(), pad, 0);
      Message sp;
      REQUIRE(DecodeScopedPdu(plain, &sp).ok());
      CHECK(sp.pdu == m.pdu);
      CHECK(sp.context_engine_id == m.context_engine_id);
      CHECK(sp.context_name == m.context_name);
    }
  }
}

TEST_CASE("v3: an encrypted message and its layout", "[snmp][message][v3]") {
  for (size_t n :
       {size_t{0}, size_t{8}, size_t{96}, size_t{127}, size_t{128}, size_t{300}, size_t{70000}}) {
    INFO("ciphertext of " << n << " bytes");
    const Message m = V3Encrypted(n);
    MessageLayout enc;
    const Bytes bytes = Encode(m, &enc);
    INFO(DescribeLayout(enc));
    CHECK(enc.scoped_pdu_length == n);
    CHECK(enc.scoped_pdu_offset + n == bytes.size());
    CHECK(ByteDiff(std::span(bytes).subspan(enc.scoped_pdu_offset), AsBytes(m.encrypted_pdu)) ==
          "");
    // The OCTET STRING header just before it.
    const Bytes header = Tlv(0x04, Bytes(n, 0));
    const size_t header_size = header.size() - n;
    REQUIRE(enc.scoped_pdu_offset >= header_size);
    CHECK(ByteDiff(std::span(bytes).subspan(enc.scoped_pdu_offset - header_size, header_size),
                   std::span(header).first(header_size)) == "");
    CHECK(enc.auth_params_length == 12);
    CHECK(ByteDiff(std::span(bytes).subspan(enc.auth_params_offset, 12),
                   AsBytes(m.usm.auth_params)) == "");

    MessageLayout dec;
    const Message back = Decode(bytes, &dec);
    CHECK(back == m);
    CHECK(back.pdu == Pdu{});
    CHECK(DescribeLayout(dec) == DescribeLayout(enc));
  }
}

TEST_CASE("v3: msgFlags and the form of msgData agree (RFC 3412 §6)", "[snmp][message][v3]") {
  // privFlag set: msgData must be an encryptedPDU; clear: a plaintext scopedPDU. A mismatch could
  // not be re-encoded (EncodeMessage picks the form by the flag).
  Bytes plain = Encode(V3Plain(SamplePdu(PduType::kGetRequest)));
  const Node msg_flags = ParseTree(plain).kids[1].kids[2];
  REQUIRE(msg_flags.tag == 0x04);
  REQUIRE(msg_flags.end - msg_flags.value == 1);
  const size_t flags_at = msg_flags.value;
  MessageLayout layout;
  Decode(plain, &layout);
  Bytes relabelled = plain;
  relabelled[flags_at] |= kFlagPriv;
  ExpectDecodeError(relabelled, "msgData", layout.scoped_pdu_offset, "privFlag");

  Message enc = V3Encrypted(32);
  Bytes encrypted = Encode(enc, &layout);
  const size_t encrypted_flags_at = ParseTree(encrypted).kids[1].kids[2].value;
  REQUIRE(encrypted[encrypted_flags_at] == (kFlagAuth | kFlagPriv | kFlagReportable));
  encrypted[encrypted_flags_at] = kFlagAuth;
  ExpectDecodeError(encrypted, "msgData", layout.scoped_pdu_offset - 2, "privFlag");
}

TEST_CASE("v3: header fields", "[snmp][message][v3]") {
  Message m = V3Plain(SamplePdu(PduType::kGetNextRequest));
  m.msg_id = std::numeric_limits<int32_t>::max();
  m.max_size = 484;
  m.usm.engine_boots = std::numeric_limits<int32_t>::max();
  m.usm.engine_time = 0;
  m.usm.user_name = std::string(300, 'u');
  m.context_name = "";
  m.context_engine_id = "";
  RoundTrip(m);
  // Another security model: its parameters are skipped (not USM's to read).
  Message other = V3Plain(SamplePdu(PduType::kGetRequest));
  other.security_model = 2;
  Bytes bytes = Encode(other);
  const Message back = Decode(bytes);
  CHECK(back.security_model == 2);
  CHECK(back.usm == UsmSecurityParameters{});
  CHECK(back.pdu == other.pdu);
  // msgFlags must be one octet; msgID and the USM integers are 0..2^31-1 (RFC 3412 §6,
  // RFC 3414 §2.4).
  const Bytes report = RusticataBytes("snmpv3-report.bin");
  Bytes two_flags = report;
  // 30 79 02 01 03 30 11 | 02 04 29 cd b1 7a | 02 03 00 ff cf | 04 01 00 ...
  REQUIRE(two_flags[18] == 0x04);
  two_flags[19] = 0x02;  // 04 02 00 02: flags of two octets
  ExpectDecodeError(two_flags, "msgFlags", 18, "length 2, not 1");
  Bytes negative_id = report;
  negative_id[9] = 0xa9;  // msgID 0xa9cdb17a
  ExpectDecodeError(negative_id, "msgID", 7, "negative");
}

// =================================================================================================
// Known bytes: rusticata's vectors

TEST_CASE(
    "known bytes: rusticata's test vectors decode to the right fields and re-encode "
    "byte for byte",
    "[snmp][message][known]") {
  for (const Vector& v : kRusticata) {
    INFO(v.file);
    const Bytes bytes = FromHex(v.hex);
    MessageLayout layout;
    const Message m = Decode(bytes, &layout);
    CHECK(ByteDiff(Encode(m), bytes) == "");
    const std::string file = v.file;
    if (file == "snmpv1_req.bin") {
      CHECK(m.version == Version::kV1);
      CHECK(m.community == "public");
      Pdu want = Pdu::Get({Oid{1, 3, 6, 1, 2, 1, 1, 2, 0}});
      want.request_id = 38;
      CHECK(m.pdu == want);
    } else if (file == "snmpv1_trap_coldstart.bin") {
      CHECK(m.version == Version::kV1);
      CHECK(m.pdu.type == PduType::kTrapV1);
      CHECK(m.pdu.trap_v1.enterprise == Oid{1, 3, 6, 1, 4, 1, 4, 1, 2, 21});
      CHECK(m.pdu.trap_v1.agent_address == "\x7f\x00\x00\x01"s);
      CHECK(m.pdu.trap_v1.generic_trap == 0);
      CHECK(m.pdu.trap_v1.specific_trap == 0);
      CHECK(m.pdu.trap_v1.time_stamp == 0);
      CHECK(m.pdu.varbinds ==
            std::vector<VarBind>{{Oid{1, 3, 6, 1, 2, 1, 2, 1, 0}, Value::Integer(33)}});
    } else if (file == "snmpv2c-get-response.bin") {
      CHECK(m.version == Version::kV2c);
      CHECK(m.pdu.type == PduType::kResponse);
      CHECK(m.pdu.request_id == 97083662);
      CHECK(m.pdu.varbinds ==
            std::vector<VarBind>{{Oid{1, 3, 6, 1, 2, 1, 25, 1, 1, 0}, Value::TimeTicks(970069)},
                                 {Oid{1, 3, 6, 1, 2, 1, 25, 1, 5, 0}, Value::Gauge32(3)},
                                 {Oid{1, 3, 6, 1, 2, 1, 25, 1, 5, 1}, Value::NoSuchInstance()}});
    } else if (file == "snmpv3-report.bin") {
      const std::string engine =
          "\x80\x00\x4f\x4d\xb1\xaa\xdc\xad\xbc\x89\xaf\xfa\x11\x8d\xbd\x53\x82\x4c\x6b\x05"s;
      CHECK(m.version == Version::kV3);
      CHECK(m.msg_id == 701346170);
      CHECK(m.max_size == 65487);
      CHECK(m.flags == 0);
      CHECK(m.security_model == 3);
      CHECK(m.usm == UsmSecurityParameters{engine, 3, 68125, "", "", ""});
      CHECK(m.context_engine_id == engine);
      CHECK(m.context_name == "");
      CHECK(m.pdu.type == PduType::kReport);
      CHECK(m.pdu.request_id == 1622806774);
      CHECK(m.pdu.varbinds ==
            std::vector<VarBind>{{Oid{1, 3, 6, 1, 6, 3, 15, 1, 1, 4, 0}, Value::Counter32(4)}});
      CHECK(layout.auth_params_length == 0);
      CHECK(layout.scoped_pdu_offset == 0x40);
      CHECK(layout.scoped_pdu_length == 0x3b);
    } else if (file == "snmpv3_req.bin") {
      CHECK(m.msg_id == 821490644);
      CHECK(m.max_size == 65507);
      CHECK(m.flags == kFlagReportable);
      CHECK(m.usm == UsmSecurityParameters{});
      CHECK(m.context_engine_id == kEngineId);
      CHECK(m.pdu.type == PduType::kGetRequest);
      CHECK(m.pdu.request_id == 2098071598);
      CHECK(m.pdu.varbinds.empty());
    } else if (file == "snmpv3_req_encrypted.bin") {
      CHECK(m.msg_id == 821490645);
      CHECK(m.flags == (kFlagAuth | kFlagPriv | kFlagReportable));
      CHECK(m.usm.engine_id == kEngineId);
      CHECK(m.usm.engine_boots == 8);
      CHECK(m.usm.engine_time == 2745);
      CHECK(m.usm.user_name == "pippo");
      CHECK(PlainHex(m.usm.auth_params) == "19395e67894fda182414849f");
      CHECK(PlainHex(m.usm.priv_params) == "0000000103d5321a");
      CHECK(m.encrypted_pdu.size() == 96);
      CHECK(m.pdu == Pdu{});
      CHECK(layout.auth_params_offset == 0x3c);
      CHECK(layout.auth_params_length == 12);
      CHECK(layout.scoped_pdu_offset == 0x54);
      CHECK(layout.scoped_pdu_length == 96);
    }
  }
  // The same messages built field by field encode to exactly these bytes.
  Message req = V3Plain(Pdu::Get({}));
  req.flags = kFlagReportable;
  req.usm = {};
  req.context_name = "";
  req.pdu.request_id = 2098071598;
  CHECK(Hex(Encode(req)) == Hex(RusticataBytes("snmpv3_req.bin")));
  Message trap = V1(Pdu{});
  trap.pdu.type = PduType::kTrapV1;
  trap.pdu.trap_v1 = {Oid{1, 3, 6, 1, 4, 1, 4, 1, 2, 21}, "\x7f\x00\x00\x01"s, 0, 0, 0};
  trap.pdu.varbinds = {{Oid{1, 3, 6, 1, 2, 1, 2, 1, 0}, Value::Integer(33)}};
  CHECK(Hex(Encode(trap)) == Hex(RusticataBytes("snmpv1_trap_coldstart.bin")));
}

fs::path SnmpCaptureDir() { return fs::path(CISTERN_SHARED_DIR) / "captures" / "snmp"; }

TEST_CASE("known bytes: the embedded vectors are the files of ../shared",
          "[snmp][message][known]") {
  const fs::path dir = SnmpCaptureDir() / "rusticata_ber";
  if (!fs::is_directory(dir)) {
    WARN(dir.string() << " not found: skipped");
    return;
  }
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".bin") continue;
    INFO(entry.path().string());
    std::ifstream in(entry.path(), std::ios::binary);
    const Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(Hex(bytes) == Hex(RusticataBytes(entry.path().filename().string())));
    ++files;
  }
  CHECK(files == std::size(kRusticata));
}

// =================================================================================================
// Captures

struct Datagram {
  uint64_t frame = 0;
  Bytes payload;
};

// The UDP datagrams of `file` to or from one of `ports`, found by libproto from where cistern-cli
// starts (capture_file.h); the payload is bounded by the IP and UDP lengths.
std::vector<Datagram> UdpDatagrams(const fs::path& file, const std::set<uint16_t>& ports) {
  auto capture = cli::CaptureFile::Open(file.string());
  INFO(file.string());
  REQUIRE(capture.ok());
  std::vector<Datagram> out;
  proto::DecodeOptions options;
  options.depth = proto::DecodeOptions::Depth::kTransport;
  options.decode_icmp_quotes = false;
  proto::Packet packet;
  while (true) {
    absl::StatusOr<std::optional<cli::Frame>> next = (*capture)->Next();
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    const cli::Frame& frame = **next;
    const cli::LinkStart start = cli::LocateLinkStart(frame.link_type, frame.bytes);
    if (!start.supported) continue;
    cli::DecodeLinkPayload(start, frame.bytes, options, &packet);
    const proto::FlowSummary& flow = packet.outer;
    if (!flow.present || flow.protocol != 17 || packet.udp.empty() ||
        flow.fragment != proto::Fragment::kNone) {
      continue;
    }
    const proto::UdpHeader& udp = packet.udp.front();
    if (!ports.contains(udp.src_port) && !ports.contains(udp.dst_port)) continue;
    const proto::Layer* udp_layer = nullptr;
    for (const proto::Layer& layer : packet.layers()) {
      if (layer.type == proto::LayerType::kUdp) {
        udp_layer = &layer;
        break;
      }
    }
    REQUIRE(udp_layer != nullptr);
    const std::span<const uint8_t> bytes = frame.bytes.subspan(start.offset);
    size_t end = bytes.size();
    const size_t ip_at = packet.layers()[flow.ip_layer].offset;
    if (flow.ip_length != 0 && ip_at + flow.ip_length < end) end = ip_at + flow.ip_length;
    const size_t payload_at = size_t{udp_layer->offset} + 8;
    if (payload_at > end) continue;
    if (udp.length >= 8 && payload_at + udp.length - 8 < end) end = payload_at + udp.length - 8;
    out.push_back({(*capture)->frames(),
                   Bytes(bytes.begin() + ptrdiff_t(payload_at), bytes.begin() + ptrdiff_t(end))});
  }
  return out;
}

bool HaveTshark() { return std::system("tshark -v >/dev/null 2>&1") == 0; }

// The fields tshark's SNMP dissector gives each frame: field name → value, several occurrences
// joined by ','. Frames it does not dissect as SNMP are absent.
using TsharkFrame = std::map<std::string, std::string>;
const char* const kTsharkFields[] = {"snmp.version",
                                     "snmp.msgVersion",
                                     "snmp.community",
                                     "snmp.data",
                                     "snmp.request_id",
                                     "snmp.error_status",
                                     "snmp.error_index",
                                     "snmp.non_repeaters",
                                     "snmp.max_repetitions",
                                     "snmp.name",
                                     "snmp.msgID",
                                     "snmp.msgMaxSize",
                                     "snmp.msgFlags",
                                     "snmp.msgSecurityModel",
                                     "snmp.msgAuthoritativeEngineID",
                                     "snmp.msgAuthoritativeEngineBoots",
                                     "snmp.msgAuthoritativeEngineTime",
                                     "snmp.msgUserName",
                                     "snmp.msgAuthenticationParameters",
                                     "snmp.msgPrivacyParameters",
                                     "snmp.contextEngineID",
                                     "snmp.contextName",
                                     "snmp.encryptedPDU",
                                     "snmp.enterprise",
                                     "snmp.agent_addr",
                                     "snmp.generic_trap",
                                     "snmp.specific_trap",
                                     "snmp.time_stamp",
                                     "snmp.value.int",
                                     "snmp.value.octets",
                                     "snmp.value.oid",
                                     "snmp.value.counter",
                                     "snmp.value.g32",
                                     "snmp.value.timeticks",
                                     "snmp.value.ipv4",
                                     "snmp.value.opaque"};

std::map<uint64_t, TsharkFrame> Tshark(const fs::path& file) {
  std::string command = "tshark -n -r '" + file.string() +
                        "' -d udp.port==1161,snmp -Y snmp -T fields -E header=n -E occurrence=a "
                        "-E aggregator=, -e frame.number";
  for (const char* f : kTsharkFields) command += std::string(" -e ") + f;
  command += " 2>/dev/null";
  std::map<uint64_t, TsharkFrame> out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  REQUIRE(pipe != nullptr);
  std::string text;
  char buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe.get())) > 0;) text.append(buf, n);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    const std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    std::vector<std::string> columns;
    size_t from = 0;
    while (true) {
      const size_t tab = line.find('\t', from);
      columns.push_back(
          line.substr(from, tab == std::string::npos ? std::string::npos : tab - from));
      if (tab == std::string::npos) break;
      from = tab + 1;
    }
    if (columns.size() != std::size(kTsharkFields) + 1 || columns[0].empty()) continue;
    TsharkFrame& frame = out[std::stoull(columns[0])];
    for (size_t i = 0; i < std::size(kTsharkFields); ++i) {
      // "<MISSING>" is tshark's word for an empty OCTET STRING, alone or in a list.
      std::string v;
      size_t item = 0;
      const std::string& column = columns[i + 1];
      while (true) {
        const size_t comma = column.find(',', item);
        const std::string part =
            column.substr(item, comma == std::string::npos ? std::string::npos : comma - item);
        v += part == "<MISSING>" ? "" : part;
        if (comma == std::string::npos) break;
        v += ',';
        item = comma + 1;
      }
      frame[kTsharkFields[i]] = v;
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return out;
}
std::string Dotless(const Oid& oid) { return oid.ToString().substr(oid.empty() ? 0 : 1); }
std::string Dotted(std::string_view four) {
  return std::to_string(uint8_t(four[0])) + "." + std::to_string(uint8_t(four[1])) + "." +
         std::to_string(uint8_t(four[2])) + "." + std::to_string(uint8_t(four[3]));
}

// Where our decode and tshark's dissection differ, one line per field.
std::vector<std::string> Disagreements(const Message& m, const TsharkFrame& t) {
  std::vector<std::string> out;
  auto expect = [&](const std::string& field, const std::string& ours) {
    auto it = t.find(field);
    const std::string theirs = it == t.end() ? "" : it->second;
    if (theirs != ours) out.push_back(field + ": tshark \"" + theirs + "\", ours \"" + ours + "\"");
  };
  const bool v3 = m.version == Version::kV3;
  if (v3) {
    expect("snmp.msgVersion", "3");
    expect("snmp.msgID", std::to_string(m.msg_id));
    expect("snmp.msgMaxSize", std::to_string(m.max_size));
    expect("snmp.msgFlags", PlainHex(std::string(1, char(m.flags))));
    expect("snmp.msgSecurityModel", std::to_string(m.security_model));
    expect("snmp.msgAuthoritativeEngineID", PlainHex(m.usm.engine_id));
    expect("snmp.msgAuthoritativeEngineBoots", std::to_string(m.usm.engine_boots));
    expect("snmp.msgAuthoritativeEngineTime", std::to_string(m.usm.engine_time));
    if (Printable(m.usm.user_name)) expect("snmp.msgUserName", m.usm.user_name);
    expect("snmp.msgAuthenticationParameters", PlainHex(m.usm.auth_params));
    expect("snmp.msgPrivacyParameters", PlainHex(m.usm.priv_params));
    if (m.flags & kFlagPriv) {
      expect("snmp.encryptedPDU", PlainHex(m.encrypted_pdu));
      return out;  // tshark has no keys here: nothing more to compare
    }
    expect("snmp.contextEngineID", PlainHex(m.context_engine_id));
    if (Printable(m.context_name)) expect("snmp.contextName", m.context_name);
  } else {
    expect("snmp.version", std::to_string(static_cast<int>(m.version)));
    if (Printable(m.community)) expect("snmp.community", m.community);
  }
  const Pdu& p = m.pdu;
  expect("snmp.data", std::to_string(static_cast<int>(p.type) - 0xa0));
  if (p.type == PduType::kTrapV1) {
    expect("snmp.enterprise", Dotless(p.trap_v1.enterprise));
    if (p.trap_v1.agent_address.size() == 4)
      expect("snmp.agent_addr", Dotted(p.trap_v1.agent_address));
    expect("snmp.generic_trap", std::to_string(p.trap_v1.generic_trap));
    expect("snmp.specific_trap", std::to_string(p.trap_v1.specific_trap));
    expect("snmp.time_stamp", std::to_string(p.trap_v1.time_stamp));
  } else {
    expect("snmp.request_id", std::to_string(p.request_id));
    if (p.type == PduType::kGetBulkRequest) {
      expect("snmp.non_repeaters", std::to_string(p.non_repeaters()));
      expect("snmp.max_repetitions", std::to_string(p.max_repetitions()));
    } else {
      expect("snmp.error_status", std::to_string(p.error_status));
      expect("snmp.error_index", std::to_string(p.error_index));
    }
  }
  std::vector<std::string> names, ints, octets, oids, counters, gauges, ticks, ipv4s, opaques;
  for (const VarBind& vb : p.varbinds) {
    names.push_back(Dotless(vb.oid));
    const Value& v = vb.value;
    switch (v.type()) {
      case ValueType::kInteger:
        ints.push_back(std::to_string(v.as_int()));
        break;
      case ValueType::kOctetString:
        octets.push_back(PlainHex(v.bytes()));
        break;
      case ValueType::kObjectId:
        oids.push_back(Dotless(v.oid()));
        break;
      case ValueType::kCounter32:
      case ValueType::kCounter64:
        counters.push_back(std::to_string(v.as_uint()));
        break;
      case ValueType::kGauge32:
        gauges.push_back(std::to_string(v.as_uint()));
        break;
      case ValueType::kTimeTicks:
        ticks.push_back(std::to_string(v.as_uint()));
        break;
      case ValueType::kIpAddress:
        if (v.bytes().size() == 4) ipv4s.push_back(Dotted(v.bytes()));
        break;
      case ValueType::kOpaque:
        opaques.push_back(PlainHex(v.bytes()));
        break;
      default:
        break;
    }
  }
  expect("snmp.name", Join(names));
  expect("snmp.value.int", Join(ints));
  expect("snmp.value.octets", Join(octets));
  expect("snmp.value.oid", Join(oids));
  expect("snmp.value.counter", Join(counters));
  expect("snmp.value.g32", Join(gauges));
  expect("snmp.value.timeticks", Join(ticks));
  expect("snmp.value.ipv4", Join(ipv4s));
  expect("snmp.value.opaque", Join(opaques));
  return out;
}

// Datagrams that must not decode, and why. `frames` empty: every SNMP datagram of the file.
struct KnownRejection {
  const char* file;
  std::vector<uint64_t> frames;
  const char* error;  // the start of the status message
  const char* why;
};
const std::vector<KnownRejection>& KnownRejections() {
  static const std::vector<KnownRejection> k = {
      // tcpdump's crash reproducers: not SNMP messages at all, or cut far short.
      {"tcpdump/ip-snmp-leftshift-unsigned.pcap",
       {},
       "snmp: message at byte 0: unexpected tag",
       "begins 02 02 (an INTEGER), not a SEQUENCE"},
      {"tcpdump/ip6-snmp-oid-unsigned.pcap",
       {},
       "snmp: message at byte 0: unexpected tag",
       "begins 06 60 (an OBJECT IDENTIFIER)"},
      {"tcpdump/snmp-heapoverflow-1.pcap",
       {},
       "snmp: message at byte 0: truncated",
       "the SEQUENCE claims 304 bytes, 19 follow"},
      {"tcpdump/snmp-heapoverflow-2.pcap",
       {},
       "snmp: message at byte 0: truncated",
       "the SEQUENCE claims 48 bytes, 8 follow"},
      // zeek's reproducer of an over-long sub-identifier.
      {"zeek/snmp-oid-subidentifier-too-long.pcap",
       {},
       "snmp: varbind 1 name at byte 30: bad object identifier",
       "a sub-identifier of 11 octets (2b 80 80 … 00)"},
      // The Trap-PDU's tag [4] written in the high-tag-number form (bf 04): X.690 §8.1.2.2 gives
      // tags 0-30 the one-octet form only. Wireshark tolerates it.
      {"suricata-verify/public-wiresharkwiki-c06-snmpv1-trap-app-r1-1-12.pcap",
       {7, 8, 9, 10, 11, 12},
       "snmp: PDU at byte 13: multi-byte tag",
       "tag bf 04"},
      // msgAuthoritativeEngineBoots and -Time 221 sent as the single octet dd, which BER reads as
      // -35, outside RFC 3414's 0..2147483647. Wireshark (FT_UINT32) and net-snmp (which casts to
      // unsigned) read 221.
      {"zeek/snmpv3_get_next.pcap",
       {2, 3, 4},
       "snmp: msgAuthoritativeEngineBoots at byte 42: value -35 is negative",
       "02 01 dd"},
      {"zeek/leak_test.pcapng",
       {72, 73, 74},
       "snmp: msgAuthoritativeEngineBoots at byte 42: value -35 is negative",
       "02 01 dd"},
  };
  return k;
}

// Datagrams that decode but re-encode to other (shorter) bytes: they carry non-minimal BER.
struct KnownInexact {
  const char* file;
  std::vector<uint64_t> frames;
  const char* why;
};
const std::vector<KnownInexact>& KnownInexacts() {
  static const std::vector<KnownInexact> k = {
      {"ndpi/snmp.pcap", {63, 64, 65, 72}, "lengths in the 2-octet long form (30 82 00 b5 ...)"},
      {"zeek/snmpv1_trap.pcap", {1}, "time-stamp 0 in four octets (43 04 00 00 00 00)"},
      {"zeek/leak_test.pcapng", {77}, "the same trap as zeek/snmpv1_trap.pcap"},
  };
  return k;
}

// Per file: SNMP datagrams, how many decode, how many of those re-encode byte for byte.
struct CaptureTotals {
  size_t datagrams = 0;
  size_t decoded = 0;
  size_t identical = 0;
};
const std::map<std::string, CaptureTotals>& ExpectedCaptureTotals() {
  static const std::map<std::string, CaptureTotals> k = {
      {"generated_netsnmp/netsnmp593_usm_all_combos.pcap", {420, 420, 420}},
      {"ndpi/snmp.pcap", {72, 72, 68}},
      {"suricata-verify/SNMPv2c_get_requests.pcap", {8, 8, 8}},
      {"suricata-verify/SNMPv3.pcap", {8, 8, 8}},
      {"suricata-verify/public-wiresharkwiki-c06-snmpv1-trap-app-r1-1-12.pcap", {12, 6, 6}},
      {"suricata-verify/snmp-v3-get-bulk-unauth.pcap", {8, 8, 8}},
      {"tcpdump/ip-snmp-leftshift-unsigned.pcap", {1, 0, 0}},
      {"tcpdump/ip6-snmp-oid-unsigned.pcap", {1, 0, 0}},
      {"tcpdump/snmp-heapoverflow-1.pcap", {1, 0, 0}},
      {"tcpdump/snmp-heapoverflow-2.pcap", {1, 0, 0}},
      {"zeek/leak_test.pcapng", {79, 76, 75}},
      // A fuzzer's reproducer for zeek's SNMP analyzer, but well-formed BER: three encrypted v3
      // messages (zeek crashed further in).
      {"zeek/snmp-crash-62790.pcap", {3, 3, 3}},
      {"zeek/snmp-oid-subidentifier-too-long.pcap", {1, 0, 0}},
      {"zeek/snmpv1_get.pcap", {58, 58, 58}},
      {"zeek/snmpv1_get_short.pcap", {2, 2, 2}},
      {"zeek/snmpv1_set.pcap", {2, 2, 2}},
      {"zeek/snmpv1_trap.pcap", {1, 1, 0}},
      {"zeek/snmpv2_get.pcap", {2, 2, 2}},
      {"zeek/snmpv2_get_bulk.pcap", {2, 2, 2}},
      {"zeek/snmpv2_get_next.pcap", {8, 8, 8}},
      {"zeek/snmpv3_get_next.pcap", {4, 1, 1}},
      {"zeek/snmpwalk-short.pcap", {400, 400, 400}},
  };
  return k;
}

bool Listed(const std::vector<uint64_t>& frames, uint64_t frame) {
  return frames.empty() || std::find(frames.begin(), frames.end(), frame) != frames.end();
}

TEST_CASE(
    "captures: every SNMP datagram decodes as tshark dissects it and re-encodes byte for "
    "byte, or is rejected or inexact for a listed reason",
    "[snmp][message][capture]") {
  const fs::path dir = SnmpCaptureDir();
  if (!fs::is_directory(dir)) {
    WARN(dir.string() << " not found: skipped");
    return;
  }
  const bool tshark = HaveTshark();
  if (!tshark) WARN("tshark not found: the comparison with its dissection is skipped");

  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".pcap" || ext == ".pcapng"))
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  CHECK(files.size() == ExpectedCaptureTotals().size());

  CaptureTotals all;
  size_t compared = 0, agreed = 0;
  for (const fs::path& path : files) {
    const std::string name = fs::relative(path, dir).generic_string();
    INFO(name);
    // net-snmp's generated capture ran snmpd on port 1161.
    const std::set<uint16_t> ports = name.starts_with("generated_netsnmp/")
                                         ? std::set<uint16_t>{1161}
                                         : std::set<uint16_t>{161, 162};
    const std::vector<Datagram> datagrams = UdpDatagrams(path, ports);
    std::map<uint64_t, TsharkFrame> dissected;
    if (tshark) dissected = Tshark(path);
    CaptureTotals totals;
    for (const Datagram& d : datagrams) {
      INFO("frame " << d.frame << ": " << Hex(d.payload, 64));
      ++totals.datagrams;
      Message m;
      const absl::Status s = DecodeMessage(d.payload, &m);
      const KnownRejection* rejection = nullptr;
      for (const KnownRejection& r : KnownRejections()) {
        if (name == r.file && Listed(r.frames, d.frame)) rejection = &r;
      }
      if (!s.ok()) {
        INFO(s.ToString());
        CHECK(ErrorViolation(s, d.payload.size()) == "");
        if (rejection == nullptr) {
          FAIL_CHECK("rejected, and not listed in KnownRejections()");
        } else {
          CHECK(std::string(s.message()).starts_with(rejection->error));
        }
        continue;
      }
      CHECK(rejection == nullptr);
      ++totals.decoded;
      Bytes again;
      REQUIRE(EncodeMessage(m, &again).ok());
      const Message back = Decode(again);
      CHECK(back == m);
      bool inexact_listed = false;
      for (const KnownInexact& k : KnownInexacts()) {
        if (name == k.file && Listed(k.frames, d.frame)) inexact_listed = true;
      }
      const std::string diff = ByteDiff(again, d.payload);
      if (diff.empty()) {
        ++totals.identical;
        CHECK(!inexact_listed);
      } else {
        INFO(diff);
        CHECK(inexact_listed);
        CHECK(again.size() < d.payload.size());  // only non-minimal forms, re-encoded shorter
      }
      if (tshark) {
        auto it = dissected.find(d.frame);
        if (it == dissected.end()) {
          FAIL_CHECK("tshark did not dissect this frame as SNMP");
          continue;
        }
        ++compared;
        const std::vector<std::string> diffs = Disagreements(m, it->second);
        INFO(Describe(m));
        INFO(Join(diffs));
        CHECK(diffs.empty());
        if (diffs.empty()) ++agreed;
      }
    }
    auto expected = ExpectedCaptureTotals().find(name);
    if (expected == ExpectedCaptureTotals().end()) {
      FAIL_CHECK("no expected totals: " << totals.datagrams << " datagrams, " << totals.decoded
                                        << " decoded, " << totals.identical << " identical");
    } else {
      CHECK(totals.datagrams == expected->second.datagrams);
      CHECK(totals.decoded == expected->second.decoded);
      CHECK(totals.identical == expected->second.identical);
    }
    all.datagrams += totals.datagrams;
    all.decoded += totals.decoded;
    all.identical += totals.identical;
  }
  // The totals of the report: WARN shows them in every run's output.
  WARN("SNMP captures: " << files.size() << " files, " << all.datagrams << " datagrams, "
                         << all.decoded << " decoded, " << all.identical
                         << " re-encoded byte for byte; tshark agreed on " << agreed << " of "
                         << compared);
  CHECK(agreed == compared);
}

// =================================================================================================
// Hostile input

TEST_CASE("hostile: every prefix of every message is InvalidArgument at a named field and byte",
          "[snmp][message][hostile]") {
  size_t prefixes = 0;
  for (const Bytes& whole : SampleMessages()) {
    INFO(Hex(whole, 64));
    for (size_t n = 0; n < whole.size(); ++n) {
      const Bytes prefix(whole.begin(), whole.begin() + ptrdiff_t(n));
      Message m;
      const absl::Status s = DecodeMessage(prefix, &m);
      INFO("prefix of " << n << " bytes: " << s.ToString());
      CHECK(ErrorViolation(s, n) == "");
      CHECK(std::string(s.message()).starts_with("snmp: message at byte 0: truncated"));
      ++prefixes;
    }
    // The PDU alone, too.
    Message m = Decode(whole);
    if (!m.encrypted_pdu.empty()) continue;
    Bytes pdu;
    REQUIRE(EncodePdu(m.pdu, &pdu).ok());
    for (size_t n = 0; n < pdu.size(); ++n) {
      const Bytes prefix(pdu.begin(), pdu.begin() + ptrdiff_t(n));
      Pdu p;
      const absl::Status s = DecodePdu(prefix, &p);
      INFO("PDU prefix of " << n << " bytes: " << s.ToString());
      CHECK(ErrorViolation(s, n) == "");
    }
  }
  CHECK(prefixes > 1500);
}

TEST_CASE(
    "hostile: a cut inside any field, with every enclosing length fixed up, names that "
    "field's byte",
    "[snmp][message][hostile]") {
  size_t cuts = 0, clean_ok = 0;
  for (const Bytes& whole : SampleMessages()) {
    const Node root = ParseTree(whole);
    INFO(Hex(whole, 64));
    for (size_t cut = 1; cut < whole.size(); ++cut) {
      Bytes bytes;
      const std::optional<size_t> straddled = EmitCut(whole, root, cut, &bytes);
      Message m;
      const absl::Status s = DecodeMessage(bytes, &m);
      INFO("cut at " << cut << ": " << Hex(bytes, 96) << "\n" << s.ToString());
      ++cuts;
      if (straddled.has_value()) {
        // The field cut short is reported where it starts.
        CHECK(ErrorViolation(s, bytes.size()) == "");
        const std::string want = " at byte " + std::to_string(*straddled) + ": truncated";
        CHECK(std::string(s.message()).find(want) != std::string::npos);
      } else if (s.ok()) {
        // A cut between two whole TLVs can leave a valid message (fewer bindings, say).
        ++clean_ok;
        Bytes again;
        CHECK(EncodeMessage(m, &again).ok());
      } else {
        CHECK(ErrorViolation(s, bytes.size()) == "");
      }
    }
  }
  CHECK(cuts > 1500);
  CHECK(clean_ok > 0);
}

TEST_CASE("hostile: lying lengths, one length octet off by one either way",
          "[snmp][message][hostile]") {
  size_t lies = 0;
  for (const Bytes& whole : SampleMessages()) {
    const Node root = ParseTree(whole);
    std::vector<const Node*> nodes{&root};
    for (size_t i = 0; i < nodes.size(); ++i) {
      for (const Node& kid : nodes[i]->kids) nodes.push_back(&kid);
    }
    for (const Node* n : nodes) {
      const size_t at = n->value - 1;  // the last length octet
      const bool long_form = n->value - n->start > 2;
      for (int delta : {-1, +1}) {
        const int v = whole[at] + delta;
        if (v < 0 || v > 255 || (!long_form && v >= 0x80)) continue;
        Bytes lie = whole;
        lie[at] = static_cast<uint8_t>(v);
        Message m;
        const absl::Status s = DecodeMessage(lie, &m);
        INFO("length octet at " << at << " of the TLV at " << n->start << " (tag 0x" << std::hex
                                << int(n->tag) << std::dec << ") " << (delta > 0 ? "+1" : "-1"));
        INFO(Hex(lie, 96));
        INFO(s.ToString());
        // (A version's length grown by one reads another version: Unimplemented.)
        if (s.code() != absl::StatusCode::kUnimplemented)
          CHECK(ErrorViolation(s, lie.size()) == "");
        ++lies;
      }
    }
  }
  CHECK(lies > 300);
}

TEST_CASE("hostile: indefinite, 5-octet and over-long lengths, and multi-byte tags",
          "[snmp][message][hostile]") {
  const Bytes req = RusticataBytes("snmpv1_req.bin");  // 30 26 02 01 00 04 06 public a0 19 ...
  // Indefinite form (X.690 §8.1.3.6), which SNMP forbids: outer, and the PDU.
  ExpectDecodeError(Cat({FromHex("30 80"), Bytes(req.begin() + 2, req.end()), FromHex("00 00")}),
                    "message", 0, "indefinite length");
  Bytes pdu_indefinite = req;
  pdu_indefinite[14] = 0x80;
  ExpectDecodeError(pdu_indefinite, "PDU", 13, "indefinite length");
  // Four length octets are fine; five are refused.
  const Bytes body(req.begin() + 2, req.end());
  const Message four = Decode(Cat({FromHex("30 84 00 00 00 26"), body}));
  CHECK(four == Decode(req));
  ExpectDecodeError(Cat({FromHex("30 85 00 00 00 00 26"), body}), "message", 0,
                    "length of more than 4 octets");
  // A length of 2^32-1, far past the datagram.
  ExpectDecodeError(Cat({FromHex("30 84 ff ff ff ff"), body}), "message", 0, "truncated");
  Bytes community_huge = req;
  community_huge[6] = 0x84;  // 04 84 70 75 62 6c ...: 1.88 GB of community
  ExpectDecodeError(community_huge, "community", 5, "truncated");
  // High-tag-number form: outer, and a PDU written as bf 00.
  ExpectDecodeError(Cat({FromHex("3f 26"), body}), "message", 0, "multi-byte tag");
  Bytes bf = req;
  bf[13] = 0xbf;
  ExpectDecodeError(bf, "PDU", 13, "multi-byte tag");
  // Empty input, one byte, trailing bytes.
  ExpectDecodeError({}, "message", 0, "truncated");
  ExpectDecodeError({0x30}, "message", 0, "truncated");
  ExpectDecodeError(Cat({req, FromHex("00")}), "datagram", req.size(),
                    "1 unexpected trailing bytes");
  ExpectDecodeError(Cat({FromHex("30 27"), body, FromHex("05")}), "message", 0x28,
                    "1 unexpected trailing bytes");
}

TEST_CASE("hostile: unknown PDU tags and versions", "[snmp][message][hostile]") {
  const Bytes req = RusticataBytes("snmpv1_req.bin");
  for (uint8_t tag : {0xa9, 0xaa, 0xbe, 0x9e, 0x30, 0x02, 0x04, 0x00}) {
    Bytes bad = req;
    bad[13] = tag;
    std::ostringstream hex;
    hex << "unknown PDU type 0x" << std::hex << int(tag);
    ExpectDecodeError(bad, "PDU", 13, hex.str());
  }
  // Versions: 2 (SNMPv2u/v2*), 4, -1 and 255 are Unimplemented, with the version in the message.
  for (const char* version : {"02", "04", "ff", "00 ff"}) {
    const Bytes v = FromHex(version);
    Bytes bytes =
        Cat({FromHex("02"), Bytes{uint8_t(v.size())}, v, Bytes(req.begin() + 5, req.end())});
    bytes = Tlv(0x30, bytes);
    Message m;
    const absl::Status s = DecodeMessage(bytes, &m);
    INFO(version << ": " << s.ToString());
    CHECK(s.code() == absl::StatusCode::kUnimplemented);
    CHECK(std::string(s.message()).find("version") != std::string::npos);
  }
  // A version beyond Integer32 is malformed, not merely unsupported.
  Bytes big = Cat({FromHex("02 05 01 00 00 00 00"), Bytes(req.begin() + 5, req.end())});
  ExpectDecodeError(Tlv(0x30, big), "version", 2, "outside Integer32");
  ExpectDecodeError(Tlv(0x30, Cat({FromHex("02 09 00 00 00 00 00 00 00 00 01"),
                                   Bytes(req.begin() + 5, req.end())})),
                    "version", 4, "integer of no or too many octets");
  // Encoding a version that does not exist.
  Message m = V2c(Pdu::Get({SysName()}));
  m.version = static_cast<Version>(2);
  Bytes out;
  CHECK(EncodeMessage(m, &out).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("hostile: integers too wide for their fields", "[snmp][message][hostile]") {
  // request-id of 5 octets (2^32) and of 9 octets.
  Bytes pdu =
      Tlv(0xa0, Cat({FromHex("02 05 01 00 00 00 00 02 01 00 02 01 00"),
                     Tlv(0x30, Tlv(0x30, FromHex("06 08 2b 06 01 02 01 01 05 00 05 00")))}));
  Pdu back;
  absl::Status s = DecodePdu(pdu, &back);
  CHECK(std::string(s.message()) ==
        "snmp: request-id at byte 2: value 4294967296 is outside Integer32");
  pdu =
      Tlv(0xa0,
          Cat({FromHex("02 01 00 02 09 00 00 00 00 00 00 00 00 01 02 01 00"), Tlv(0x30, Bytes{})}));
  s = DecodePdu(pdu, &back);
  CHECK(std::string(s.message()) ==
        "snmp: error-status at byte 7: integer of no or too many octets");
  // A v1 trap's time-stamp of 6 octets.
  pdu = Tlv(0xa4,
            Cat({FromHex("06 01 2b 40 04 7f 00 00 01 02 01 00 02 01 00 43 06 00 00 00 00 00 01"),
                 Tlv(0x30, Bytes{})}));
  s = DecodePdu(pdu, &back);
  CHECK(std::string(s.message()) ==
        "snmp: trap time-stamp at byte 19: integer of no or too many octets");
}

TEST_CASE("hostile: kMaxVarBinds bindings decode, one more is InvalidArgument",
          "[snmp][message][hostile]") {
  for (size_t count : {kMaxVarBinds, kMaxVarBinds + 1}) {
    INFO(count << " bindings");
    Bytes list;
    for (size_t i = 0; i < count; ++i) {
      const Bytes vb = FromHex("30 06 06 02 2b 06 05 00");
      list.insert(list.end(), vb.begin(), vb.end());
    }
    const Bytes pdu = Tlv(0xa2, Cat({FromHex("02 01 07 02 01 00 02 01 00"), Tlv(0x30, list)}));
    const Bytes message = Tlv(0x30, Cat({FromHex("02 01 01"), Tlv(0x04, Str("public")), pdu}));
    Message m;
    const absl::Status s = DecodeMessage(message, &m);
    INFO(s.ToString());
    if (count == kMaxVarBinds) {
      REQUIRE(s.ok());
      CHECK(m.pdu.varbinds.size() == kMaxVarBinds);
      CHECK(ByteDiff(Encode(m), message) == "");
    } else {
      const size_t first = ParseTree(message).kids[2].kids[3].value;  // the first binding
      REQUIRE(first == 32);  // 30 82 .. | 02 01 01 | 04 06 public | a2 82 .. | 9 bytes | 30 82 ..
      ExpectDecodeError(message, "variable-bindings", first + kMaxVarBinds * 8,
                        "more than 4096 bindings");
    }
  }
}

// ---- random ----

// Random but always encodable messages, and random bytes.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint64_t Next() { return gen_(); }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : gen_() % n; }
  bool OneIn(uint64_t n) { return Below(n) == 0; }
  std::string Exact(size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(Next());
    return s;
  }
  std::string String(size_t max) { return Exact(Below(max + 1)); }
  uint32_t Arc() {
    static constexpr uint32_t kEdges[] = {0,         1,         39,         127,        128,
                                          255,       16383,     16384,      2097151,    2097152,
                                          268435455, 268435456, 2147483647, 4294967295u};
    switch (Below(3)) {
      case 0:
        return kEdges[Below(std::size(kEdges))];
      case 1:
        return static_cast<uint32_t>(Below(200));
      default:
        return static_cast<uint32_t>(Next());
    }
  }
  Oid RandomOid() {
    Oid oid;
    const uint32_t first = static_cast<uint32_t>(Below(3));
    oid.Append(first);
    oid.Append(first < 2 ? static_cast<uint32_t>(Below(40)) : Arc());
    const size_t more = OneIn(20) ? Below(127) : Below(14);
    for (size_t i = 0; i < more; ++i) oid.Append(Arc());
    return oid;
  }
  int64_t Int64() {
    static constexpr int64_t kEdges[] = {0,
                                         -1,
                                         127,
                                         128,
                                         -128,
                                         -129,
                                         255,
                                         256,
                                         32767,
                                         -32768,
                                         2147483647,
                                         -2147483648LL,
                                         4294967295LL,
                                         std::numeric_limits<int64_t>::max(),
                                         std::numeric_limits<int64_t>::min()};
    if (OneIn(2)) return kEdges[Below(std::size(kEdges))];
    return static_cast<int64_t>(Next()) >> Below(64);
  }
  int32_t Int32() { return static_cast<int32_t>(Int64()); }
  uint64_t Uint64() { return OneIn(3) ? ~0ull >> Below(64) : Next() >> Below(64); }
  Value RandomValue() {
    switch (Below(13)) {
      case 0:
        return Value::Integer(Int64());
      case 1:
        return Value::OctetString(String(OneIn(10) ? 300 : 20));
      case 2:
        return Value::Null();
      case 3:
        return Value::ObjectId(RandomOid());
      case 4:
        return Value::IpAddressBytes(Exact(OneIn(5) ? Below(17) : 4));
      case 5:
        return Value::Counter32(static_cast<uint32_t>(Uint64()));
      case 6:
        return Value::Gauge32(static_cast<uint32_t>(Uint64()));
      case 7:
        return Value::TimeTicks(static_cast<uint32_t>(Uint64()));
      case 8:
        return Value::Opaque(String(12));
      case 9:
        return Value::Counter64(Uint64());
      case 10:
        return Value::NoSuchObject();
      case 11:
        return Value::NoSuchInstance();
      default:
        return Value::EndOfMibView();
    }
  }
  Pdu RandomPdu(Version version) {
    Pdu p;
    do {
      p.type = kAllPduTypes[Below(std::size(kAllPduTypes))];
    } while (!InVersion(version, p.type));
    if (p.type == PduType::kTrapV1) {
      p.trap_v1.enterprise = RandomOid();
      p.trap_v1.agent_address = String(4);
      p.trap_v1.generic_trap = Int32();
      p.trap_v1.specific_trap = Int32();
      p.trap_v1.time_stamp = static_cast<uint32_t>(Uint64());
    } else {
      p.request_id = Int32();
      p.error_status = Int32();
      p.error_index = Int32();
    }
    const size_t n = OneIn(30) ? Below(300) : Below(8);
    for (size_t i = 0; i < n; ++i) p.varbinds.push_back({RandomOid(), RandomValue()});
    return p;
  }
  Message RandomMessage() {
    Message m;
    const Version versions[] = {Version::kV1, Version::kV2c, Version::kV3};
    m.version = versions[Below(3)];
    if (m.version != Version::kV3) {
      m.community = String(OneIn(10) ? 200 : 16);
      m.pdu = RandomPdu(m.version);
      return m;
    }
    auto non_negative = [&] { return static_cast<int32_t>(Uint64() & 0x7fffffff); };
    m.msg_id = non_negative();
    m.max_size = non_negative();
    m.flags = static_cast<uint8_t>(Next());
    m.security_model = kSecurityModelUsm;
    m.usm.engine_id = String(32);
    m.usm.engine_boots = non_negative();
    m.usm.engine_time = non_negative();
    m.usm.user_name = String(32);
    m.usm.auth_params = String(48);
    m.usm.priv_params = String(16);
    if (m.flags & kFlagPriv) {
      m.encrypted_pdu = String(OneIn(10) ? 400 : 100);
    } else {
      m.context_engine_id = String(32);
      m.context_name = String(16);
      m.pdu = RandomPdu(m.version);
    }
    return m;
  }

 private:
  std::mt19937_64 gen_;
};

// What must hold for a successful decode `m` of some bytes: it re-encodes, the re-encoding
// decodes to `m` again, and encoding is a fixed point from there. "" when it all holds.
std::string ReencodeViolation(const Message& m) {
  Bytes once;
  absl::Status s = EncodeMessage(m, &once);
  if (!s.ok()) return "a decoded message does not re-encode: " + s.ToString();
  Message again;
  s = DecodeMessage(once, &again);
  if (!s.ok()) return "its re-encoding does not decode: " + s.ToString();
  if (!(again == m)) return "its re-encoding decodes to another message: " + Describe(again);
  Bytes twice;
  if (!EncodeMessage(again, &twice).ok() || twice != once) return "encoding is not a fixed point";
  return "";
}

// Decodes `bytes` every way the library offers; "" when every contract holds.
std::string CheckAnyInput(const Bytes& bytes, Message* reused, bool* decoded) {
  Message m;
  const absl::Status s = DecodeMessage(bytes, &m);
  *decoded = s.ok();
  // The reused Message goes through the failures too (which leave it half-written).
  const absl::Status r = DecodeMessage(bytes, reused);
  if (r.code() != s.code()) return "a reused Message decodes with another status: " + r.ToString();
  if (s.ok()) {
    if (std::string v = ReencodeViolation(m); !v.empty()) return v + " — " + Describe(m);
    if (!(*reused == m)) return "decoding into a reused Message gives another message";
  } else if (s.code() != absl::StatusCode::kUnimplemented) {
    if (std::string v = ErrorViolation(s, bytes.size()); !v.empty()) return v;
  }
  Pdu pdu;
  if (DecodePdu(bytes, &pdu).ok()) {
    Bytes out;
    Pdu again;
    if (!EncodePdu(pdu, &out).ok() || !DecodePdu(out, &again).ok() || !(again == pdu)) {
      return "DecodePdu's result does not round-trip: " + DescribePdu(pdu);
    }
  }
  Message scoped;
  if (DecodeScopedPdu(bytes, &scoped).ok()) {
    Bytes out;
    Message again;
    if (!EncodeScopedPdu(scoped.context_engine_id, scoped.context_name, scoped.pdu, &out).ok() ||
        !DecodeScopedPdu(out, &again).ok() || !(again.pdu == scoped.pdu) ||
        again.context_engine_id != scoped.context_engine_id ||
        again.context_name != scoped.context_name) {
      return "DecodeScopedPdu's result does not round-trip: " + DescribePdu(scoped.pdu);
    }
  }
  return "";
}

TEST_CASE("random: 3000 random messages round-trip", "[snmp][message][random]") {
  Rng rng(20240611);
  for (int i = 0; i < 3000; ++i) {
    const Message m = rng.RandomMessage();
    INFO("message " << i);
    const Bytes bytes = Encode(m);
    Message back;
    const absl::Status s = DecodeMessage(bytes, &back);
    INFO(Describe(m) << "\n" << s.ToString());
    REQUIRE(s.ok());
    REQUIRE(back == m);
    REQUIRE(Encode(back) == bytes);
  }
}

TEST_CASE("random: 100k random buffers never crash and keep the error contract",
          "[snmp][message][random]") {
  Rng rng(7);
  Message reused = Decode(RusticataBytes("snmpv3-report.bin"));
  size_t failures = 0, decoded_count = 0;
  for (int i = 0; i < 100000 && failures < 10; ++i) {
    Bytes bytes(rng.Below(rng.OneIn(4) ? 600 : 80));
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.Next());
    // Most start like a message, so that the decoder gets past the first TLV.
    if (bytes.size() >= 5 && !rng.OneIn(4)) {
      const size_t n = bytes.size() - 2;
      bytes[0] = 0x30;
      bytes[1] = n < 0x80 ? static_cast<uint8_t>(n) : 0x7f;
      if (n >= 0x80 && bytes.size() > 4) {
        bytes[1] = 0x82;
        bytes[2] = static_cast<uint8_t>((n - 2) >> 8);
        bytes[3] = static_cast<uint8_t>(n - 2);
      } else {
        bytes[2] = 0x02;
        bytes[3] = 0x01;
        bytes[4] = static_cast<uint8_t>(rng.Below(4));
      }
    }
    bool decoded = false;
    const std::string v = CheckAnyInput(bytes, &reused, &decoded);
    decoded_count += decoded;
    if (!v.empty()) {
      ++failures;
      FAIL_CHECK(v << "\ninput " << Hex(bytes));
    }
  }
  CHECK(failures == 0);
}

TEST_CASE(
    "random: 100k random mutations of valid messages never crash, and what decodes "
    "re-encodes to itself",
    "[snmp][message][random]") {
  Rng rng(11);
  const std::vector<Bytes> samples = SampleMessages();
  Message reused;
  size_t failures = 0, decoded_count = 0;
  static constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85,
                                             0xff, 0x30, 0x02, 0x04, 0x06, 0x05, 0x1f, 0xa4};
  for (int i = 0; i < 100000 && failures < 10; ++i) {
    Bytes bytes = samples[rng.Below(samples.size())];
    const size_t edits = 1 + rng.Below(4);
    for (size_t e = 0; e < edits && !bytes.empty(); ++e) {
      const size_t at = rng.Below(bytes.size());
      switch (rng.Below(6)) {
        case 0:
          bytes[at] ^= static_cast<uint8_t>(1u << rng.Below(8));
          break;
        case 1:
          bytes[at] = kInteresting[rng.Below(std::size(kInteresting))];
          break;
        case 2:
          bytes[at] = static_cast<uint8_t>(rng.Next());
          break;
        case 3:
          bytes.insert(bytes.begin() + ptrdiff_t(at), static_cast<uint8_t>(rng.Next()));
          break;
        case 4:
          bytes.erase(bytes.begin() + ptrdiff_t(at));
          break;
        default:
          bytes.resize(at);
          break;
      }
    }
    bool decoded = false;
    const std::string v = CheckAnyInput(bytes, &reused, &decoded);
    decoded_count += decoded;
    if (!v.empty()) {
      ++failures;
      FAIL_CHECK(v << "\ninput " << Hex(bytes));
    }
  }
  CHECK(failures == 0);
  CHECK(decoded_count > 1000);  // the mutations reach deep, not just the first bytes
}

TEST_CASE("reuse: decoding into a Message that held another gives what a fresh one gives",
          "[snmp][message]") {
  const std::vector<Bytes> samples = SampleMessages();
  Message reused;
  for (size_t round = 0; round < 2; ++round) {
    for (size_t i = 0; i < samples.size(); ++i) {
      const Bytes& bytes = samples[(i * 7 + round) % samples.size()];
      INFO(Hex(bytes, 64));
      MessageLayout layout{1, 2, 3, 4};
      REQUIRE(DecodeMessage(bytes, &reused, &layout).ok());
      MessageLayout fresh_layout;
      const Message fresh = Decode(bytes, &fresh_layout);
      INFO("reused " << Describe(reused) << "\nfresh  " << Describe(fresh));
      CHECK(reused == fresh);
      CHECK(DescribeLayout(layout) == DescribeLayout(fresh_layout));
    }
  }
}

}  // namespace
}  // namespace cistern::snmp
