// FormatNetSnmpVarBind against net-snmp 5.9.3 itself (netsnmp_format.h), in three parts:
//
// 1. Unit cases, every type and edge case with the text net-snmp prints. The expected strings
//    were taken from real `snmpget -On` output, and the test keeps proving them: when net-snmp's
//    tools are installed, a fake agent in this process (127.0.0.1, a port of its own) answers
//    snmpget with each case's value, BER-encoded here, and snmpget's line must be the expected
//    one. Cases net-snmp cannot print (it drops the whole response: a 3-byte IpAddress, a
//    malformed Opaque float, ...) are checked to be dropped (snmpget times out); our text for
//    them is our own choice, documented in netsnmp_format.h.
// 2. The snmprec reader (../snmp/snmprec_reader.h) on its own.
// 3. Agreement on real devices: for each recording in ../shared/snmprec, snmpsim serves it on
//    127.0.0.1 (../shared/tools/snmpsim-fleet, one agent, its own port and run directory, stopped
//    by the PID it recorded when the test ends, failed or not), net-snmp walks it with
//    `snmpbulkwalk -v2c -On -m "" -Cc ... .1`, and every variable of the walk must be exactly
//    FormatNetSnmpVarBind of the file's record for that OID, line for line. Known differences,
//    none of them the printer's:
//      - snmpsim's variation modules: `TAG:numeric` records get a value made up at run time; for
//        those only the type label ("INTEGER: ", "Timeticks: ") is compared.
//      - snmpsim answers the last GETBULK with endOfMibView varbinds named after the last OID,
//        which snmpbulkwalk prints; they are checked as FormatNetSnmpVarBind({oid, endOfMibView})
//        and counted apart.
//      - h3c-e528-2's recording has one line out of OID order; snmpsim serves walks in file
//        order, so the walk runs with -Cc (do not stop at a non-increasing OID) and the walk's
//        variables are sorted by OID before the comparison.
//    net-snmp runs with -m "" and SNMPCONFPATH pointing at an empty directory, LC_ALL=C: no MIB
//    and no snmp.conf can change its output (netsnmp_format.h says why this is Debian's default).
// Parts 1 (live half) and 3 skip with a warning when ../shared, snmpsim or net-snmp's tools are
// absent.
#include "netsnmp_format.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "../snmp/snmp_peers.h"
#include "../snmp/snmprec_reader.h"
#include "catch2/catch.hpp"
#include "cistern/snmp/oid.h"
#include "cistern/snmp/pdu.h"
#include "cistern/snmp/value.h"

extern char** environ;

namespace cistern::cli {
namespace {

using snmp::Oid;
using snmp::Value;
using snmp::ValueType;
using snmp::VarBind;
using testing::ReadSnmprecRecords;
using testing::SnmprecRecord;

const std::string kSharedDir = CISTERN_SHARED_DIR;
const std::string kTmpDir = CISTERN_TEST_TMPDIR;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

// Bytes 0, 1, ..., n-1 (mod 256).
std::string Counting(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>(i & 0xff));
  return out;
}

std::string BigEndian(uint64_t v, int width) {
  std::string out;
  for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

// Opaque-wrapped float and double (draft-perkins-opaque: 9F 78 len, 9F 79 len).
Value OpaqueFloat(float f) {
  return Value::Opaque(Bytes({0x9f, 0x78, 0x04}) + BigEndian(std::bit_cast<uint32_t>(f), 4));
}
Value OpaqueDouble(double d) {
  return Value::Opaque(Bytes({0x9f, 0x79, 0x08}) + BigEndian(std::bit_cast<uint64_t>(d), 8));
}

// ---------------------------------------------------------------------------------------------
// Part 1: unit cases.

struct UnitCase {
  std::string name;
  Value value;
  std::string expected;        // the text after " = "
  bool netsnmp_drops = false;  // net-snmp rejects the whole response: `expected` is our own text
};

std::vector<UnitCase> UnitCases() {
  std::vector<UnitCase> c;
  auto add = [&](std::string name, Value v, std::string expected) {
    c.push_back({std::move(name), std::move(v), std::move(expected), false});
  };
  auto ours = [&](std::string name, Value v, std::string expected) {
    c.push_back({std::move(name), std::move(v), std::move(expected), true});
  };
  // OCTET STRING: text when every byte is printable or white space (C locale), else hex.
  add("plain text", Value::OctetString("cistern"), "STRING: \"cistern\"");
  add("empty string: no type label", Value::OctetString(""), "\"\"");
  add("quote and backslash escaped", Value::OctetString("a\"b\\c"), "STRING: \"a\\\"b\\\\c\"");
  add("newline kept as is", Value::OctetString("line1\nline2"), "STRING: \"line1\nline2\"");
  add("tab", Value::OctetString("tab\there"), "STRING: \"tab\there\"");
  add("CR LF", Value::OctetString("\r\n"), "STRING: \"\r\n\"");
  add("lone newline", Value::OctetString("\n"), "STRING: \"\n\"");
  add("VT and FF are white space", Value::OctetString("\v\f"), "STRING: \"\v\f\"");
  add("spaces only", Value::OctetString("   "), "STRING: \"   \"");
  add("tilde", Value::OctetString("~"), "STRING: \"~\"");
  add("long text is not wrapped", Value::OctetString(std::string(300, 'x')),
      "STRING: \"" + std::string(300, 'x') + "\"");
  add("trailing NUL: hex", Value::OctetString(std::string("abc\0", 4)), "Hex-STRING: 61 62 63 00 ");
  add("two trailing NULs", Value::OctetString(std::string("abc\0\0", 5)),
      "Hex-STRING: 61 62 63 00 00 ");
  add("lone NUL", Value::OctetString(std::string(1, '\0')), "Hex-STRING: 00 ");
  add("inner NUL", Value::OctetString(std::string("a\0b", 3)), "Hex-STRING: 61 00 62 ");
  add("leading NUL", Value::OctetString(std::string("\0abc", 4)), "Hex-STRING: 00 61 62 63 ");
  add("Latin-1 byte", Value::OctetString("caf\xe9"), "Hex-STRING: 63 61 66 E9 ");
  add("UTF-8 text", Value::OctetString("h\xc3\xa9llo"), "Hex-STRING: 68 C3 A9 6C 6C 6F ");
  add("NBSP", Value::OctetString(Bytes({'a', 0xa0, 'b'})), "Hex-STRING: 61 A0 62 ");
  add("0x80", Value::OctetString("\x80"), "Hex-STRING: 80 ");
  add("DEL", Value::OctetString("x\x7fy"), "Hex-STRING: 78 7F 79 ");
  add("ESC", Value::OctetString(Bytes({'a', 0x1b, 'b'})), "Hex-STRING: 61 1B 62 ");
  add("MAC address", Value::OctetString(Bytes({0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e})),
      "Hex-STRING: 00 1A 2B 3C 4D 5E ");
  add("8 bytes", Value::OctetString(Counting(8)), "Hex-STRING: 00 01 02 03 04 05 06 07 ");
  add("15 bytes", Value::OctetString(Counting(15)),
      "Hex-STRING: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E ");
  add("16 bytes: one line", Value::OctetString(Counting(16)),
      "Hex-STRING: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F ");
  add("17 bytes: wrapped after 16", Value::OctetString(Counting(17)),
      "Hex-STRING: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F \n10 ");
  add("32 bytes: two full lines", Value::OctetString(Counting(32)),
      "Hex-STRING: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F \n"
      "10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F ");
  add("33 bytes", Value::OctetString(Counting(33)),
      "Hex-STRING: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F \n"
      "10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F \n20 ");
  add("48 bytes", Value::OctetString(Counting(48)),
      "Hex-STRING: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F \n"
      "10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F \n"
      "20 21 22 23 24 25 26 27 28 29 2A 2B 2C 2D 2E 2F ");

  // INTEGER, and net-snmp's 32-bit cut of a wider one.
  add("zero", Value::Integer(0), "INTEGER: 0");
  add("five", Value::Integer(5), "INTEGER: 5");
  add("minus one", Value::Integer(-1), "INTEGER: -1");
  add("Integer32 max", Value::Integer(2147483647), "INTEGER: 2147483647");
  add("Integer32 min", Value::Integer(-2147483648LL), "INTEGER: -2147483648");
  add("-32769", Value::Integer(-32769), "INTEGER: -32769");
  add("2^31 (00 80 00 00 00)", Value::Integer(2147483648LL), "INTEGER: 2147483648");
  add("2^32-1 (00 FF FF FF FF)", Value::Integer(4294967295LL), "INTEGER: 4294967295");
  add("2^32: low 32 bits", Value::Integer(4294967296LL), "INTEGER: 0");
  add("2^32+1", Value::Integer(4294967297LL), "INTEGER: 1");
  add("-2^31-1: minus the low 32 bits", Value::Integer(-2147483649LL), "INTEGER: -2147483647");
  add("-2^32", Value::Integer(-4294967296LL), "INTEGER: 0");
  add("int64 max", Value::Integer(std::numeric_limits<int64_t>::max()), "INTEGER: 4294967295");
  add("int64 min", Value::Integer(std::numeric_limits<int64_t>::min()), "INTEGER: 0");

  // The unsigned types.
  add("Counter32 0", Value::Counter32(0), "Counter32: 0");
  add("Counter32 max", Value::Counter32(4294967295u), "Counter32: 4294967295");
  add("Gauge32 5", Value::Gauge32(5), "Gauge32: 5");
  add("Gauge32 max", Value::Gauge32(4294967295u), "Gauge32: 4294967295");
  add("Counter64 0", Value::Counter64(0), "Counter64: 0");
  add("Counter64 2^63", Value::Counter64(uint64_t{1} << 63), "Counter64: 9223372036854775808");
  add("Counter64 max", Value::Counter64(std::numeric_limits<uint64_t>::max()),
      "Counter64: 18446744073709551615");
  add("TimeTicks 0", Value::TimeTicks(0), "Timeticks: (0) 0:00:00.00");
  add("TimeTicks 5", Value::TimeTicks(5), "Timeticks: (5) 0:00:00.05");
  add("TimeTicks 99", Value::TimeTicks(99), "Timeticks: (99) 0:00:00.99");
  add("TimeTicks 12345", Value::TimeTicks(12345), "Timeticks: (12345) 0:02:03.45");
  add("TimeTicks just under an hour", Value::TimeTicks(359999), "Timeticks: (359999) 0:59:59.99");
  add("TimeTicks one hour", Value::TimeTicks(360000), "Timeticks: (360000) 1:00:00.00");
  add("TimeTicks one day", Value::TimeTicks(8640000), "Timeticks: (8640000) 1 day, 0:00:00.00");
  add("TimeTicks two days", Value::TimeTicks(17403456), "Timeticks: (17403456) 2 days, 0:20:34.56");
  add("TimeTicks max", Value::TimeTicks(4294967295u),
      "Timeticks: (4294967295) 497 days, 2:27:52.95");

  // OBJECT IDENTIFIER.
  add("enterprise OID", Value::ObjectId(Oid{1, 3, 6, 1, 4, 1, 8072, 3, 2, 10}),
      "OID: .1.3.6.1.4.1.8072.3.2.10");
  add("zeroDotZero", Value::ObjectId(Oid{0, 0}), "OID: .0.0");
  add("arc above 39 under joint-iso-itu-t", Value::ObjectId(Oid{2, 999, 3}), "OID: .2.999.3");
  add("arc 2^32-1", Value::ObjectId(Oid{1, 3, 6, 1, 4294967295u}), "OID: .1.3.6.1.4294967295");
  add("empty OID (06 00)", Value::ObjectId(Oid{}), "OID: .0");
  {
    Oid long_oid{1, 3};
    std::string text = "OID: .1.3";
    for (uint32_t i = 0; i < 126; ++i) {
      long_oid.Append(i);
      text += "." + std::to_string(i);
    }
    add("128 arcs", Value::ObjectId(long_oid), text);
  }

  // IpAddress.
  add("IpAddress", Value::IpAddress(10, 0, 0, 1), "IpAddress: 10.0.0.1");
  add("IpAddress broadcast", Value::IpAddress(255, 255, 255, 255), "IpAddress: 255.255.255.255");
  add("IpAddress zero", Value::IpAddress(0, 0, 0, 0), "IpAddress: 0.0.0.0");
  ours("IpAddress of 3 bytes", Value::IpAddressBytes(Bytes({1, 2, 3})),
       "Wrong Length (should be 4): Hex-STRING: 01 02 03 ");
  ours("IpAddress of 5 bytes", Value::IpAddressBytes(Bytes({1, 2, 3, 4, 5})),
       "Wrong Length (should be 4): Hex-STRING: 01 02 03 04 05 ");
  ours("IpAddress of 0 bytes", Value::IpAddressBytes(""), "Wrong Length (should be 4): \"\"");

  // NULL and the exceptions.
  add("NULL", Value::Null(), "NULL");
  add("noSuchObject", Value::NoSuchObject(), "No Such Object available on this agent at this OID");
  add("noSuchInstance", Value::NoSuchInstance(), "No Such Instance currently exists at this OID");
  add("endOfMibView", Value::EndOfMibView(),
      "No more variables left in this MIB View (It is past the end of the MIB tree)");

  // Opaque: plain bytes, and the wrapped special types.
  add("Opaque bytes", Value::Opaque("abc"), "OPAQUE: 61 62 63 ");
  add("Opaque empty", Value::Opaque(""), "OPAQUE: ");
  add("Opaque 20 bytes, wrapped", Value::Opaque(Counting(20)),
      "OPAQUE: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F \n10 11 12 13 ");
  add("Opaque BER REAL (UCD laLoadFloat as recorded)",
      Value::Opaque(Bytes({0x09, 0x06, 0x03, 0x34, 0x35, 0x45, 0x2d, 0x32})),
      "OPAQUE: 09 06 03 34 35 45 2D 32 ");
  add("Opaque 9F 76 without length", Value::Opaque(Bytes({0x9f, 0x76})), "OPAQUE: 9F 76 ");
  add("Opaque 9F alone", Value::Opaque(Bytes({0x9f})), "OPAQUE: 9F ");
  add("Opaque 9F 77: not a special type", Value::Opaque(Bytes({0x9f, 0x77, 0x01, 0x00})),
      "OPAQUE: 9F 77 01 00 ");
  add("Opaque 9F 46: not a special type", Value::Opaque(Bytes({0x9f, 0x46, 0x01, 0x00})),
      "OPAQUE: 9F 46 01 00 ");
  add("Opaque float 1.5", OpaqueFloat(1.5f), "Opaque: Float: 1.500000");
  add("Opaque float -0.1", OpaqueFloat(-0.1f), "Opaque: Float: -0.100000");
  add("Opaque float 0.1", OpaqueFloat(0.1f), "Opaque: Float: 0.100000");
  add("Opaque float 1e20", OpaqueFloat(1e20f), "Opaque: Float: 100000002004087734272.000000");
  add("Opaque float 1234567.125", OpaqueFloat(1234567.125f), "Opaque: Float: 1234567.125000");
  add("Opaque float 0.0000005 rounds to 0", OpaqueFloat(0.0000005f), "Opaque: Float: 0.000000");
  add("Opaque float 0.0000015", OpaqueFloat(0.0000015f), "Opaque: Float: 0.000002");
  add("Opaque float max", OpaqueFloat(std::numeric_limits<float>::max()),
      "Opaque: Float: 340282346638528859811704183484516925440.000000");
  add("Opaque float -0", OpaqueFloat(-0.0f), "Opaque: Float: -0.000000");
  add("Opaque float denormal", OpaqueFloat(std::bit_cast<float>(uint32_t{1})),
      "Opaque: Float: 0.000000");
  add("Opaque float NaN", OpaqueFloat(std::bit_cast<float>(uint32_t{0x7fc00000})),
      "Opaque: Float: nan");
  add("Opaque float -NaN", OpaqueFloat(std::bit_cast<float>(uint32_t{0xffc00000})),
      "Opaque: Float: -nan");
  add("Opaque float inf", OpaqueFloat(std::numeric_limits<float>::infinity()),
      "Opaque: Float: inf");
  add("Opaque float -inf", OpaqueFloat(-std::numeric_limits<float>::infinity()),
      "Opaque: Float: -inf");
  add("Opaque float bytes 00 00 80 3F", Value::Opaque(Bytes({0x9f, 0x78, 4, 0, 0, 0x80, 0x3f})),
      "Opaque: Float: 0.000000");
  add("Opaque double 2.25: labelled Float", OpaqueDouble(2.25), "Opaque: Float: 2.250000");
  add("Opaque double 0.1", OpaqueDouble(0.1), "Opaque: Float: 0.100000");
  add("Opaque double 2.5e-7", OpaqueDouble(2.5e-7), "Opaque: Float: 0.000000");
  add("Opaque double 1e300: cut to 127 characters", OpaqueDouble(1e300),
      "Opaque: Float: 10000000000000000525047602552044202487044685811081591549158541155118024579889"
      "08195786371375080447864043704443832883878176942523");
  add("Opaque double -1e200: cut to 127 characters", OpaqueDouble(-1e200),
      "Opaque: Float: -9999999999999999697331222125103616594745032754550236264824175095034684843555"
      "40755341963384047062518680275124159738824081821357");
  add("Opaque double 1e120: 127 characters, last decimal cut", OpaqueDouble(1e120),
      "Opaque: Float: 99999999999999998000346834739420118166880519289700851818864831183077241462742"
      "8725464789434929992439754776075181077037056.000000");
  add("Opaque double 1e119: 126 characters", OpaqueDouble(1e119),
      "Opaque: Float: 99999999999999994416755247254933381274972870380190006824232035607637985622760"
      "311004411949604741731366073618283536318464.000000");
  add("Opaque Counter64", Value::Opaque(Bytes({0x9f, 0x76, 0x06, 0x01, 0, 0, 0, 0, 0})),
      "Opaque: Counter64: 1099511627776");
  add("Opaque Counter64 empty content", Value::Opaque(Bytes({0x9f, 0x76, 0x00})),
      "Opaque: Counter64: 0");
  add("Opaque Counter64 FF is 255", Value::Opaque(Bytes({0x9f, 0x76, 0x01, 0xff})),
      "Opaque: Counter64: 255");
  add("Opaque Counter64 8 bytes",
      Value::Opaque(Bytes({0x9f, 0x76, 0x08, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef})),
      "Opaque: Counter64: 81985529216486895");
  add("Opaque Counter64 9 bytes with leading 00",
      Value::Opaque(Bytes({0x9f, 0x76, 0x09, 0x00}) + std::string(8, '\xff')),
      "Opaque: Counter64: 18446744073709551615");
  add("Opaque Int64 -5", Value::Opaque(Bytes({0x9f, 0x7a, 0x01, 0xfb})), "Opaque: Int64: -5");
  add("Opaque Int64 -128", Value::Opaque(Bytes({0x9f, 0x7a, 0x01, 0x80})), "Opaque: Int64: -128");
  add("Opaque Int64 empty content", Value::Opaque(Bytes({0x9f, 0x7a, 0x00})), "Opaque: Int64: 0");
  add("Opaque Int64 min", Value::Opaque(Bytes({0x9f, 0x7a, 0x08, 0x80}) + std::string(7, '\0')),
      "Opaque: Int64: -9223372036854775808");
  add("Opaque Int64 -2^32", Value::Opaque(Bytes({0x9f, 0x7a, 0x05, 0xff, 0, 0, 0, 0})),
      "Opaque: Int64: -4294967296");
  add("Opaque Int64 9 bytes 00 FF..FF: low 64 bits",
      Value::Opaque(Bytes({0x9f, 0x7a, 0x09, 0x00}) + std::string(8, '\xff')), "Opaque: Int64: -1");
  add("Opaque UInt64 max", Value::Opaque(Bytes({0x9f, 0x7b, 0x09, 0x00}) + std::string(8, '\xff')),
      "Opaque: UInt64: 18446744073709551615");
  add("Opaque UInt64 128", Value::Opaque(Bytes({0x9f, 0x7b, 0x01, 0x80})), "Opaque: UInt64: 128");
  add("Opaque UInt64 long-form length", Value::Opaque(Bytes({0x9f, 0x7b, 0x81, 0x01, 0x05})),
      "Opaque: UInt64: 5");
  ours("Opaque float with a trailing byte",
       Value::Opaque(Bytes({0x9f, 0x78, 0x04, 0x3f, 0xc0, 0, 0, 0x01})),
       "OPAQUE: 9F 78 04 3F C0 00 00 01 ");
  ours("Opaque float of 3 bytes", Value::Opaque(Bytes({0x9f, 0x78, 0x03, 'a', 'b', 'c'})),
       "OPAQUE: 9F 78 03 61 62 63 ");
  ours("Opaque float truncated", Value::Opaque(Bytes({0x9f, 0x78, 0x04, 0x3f, 0xc0})),
       "OPAQUE: 9F 78 04 3F C0 ");
  ours("Opaque float with long-form length",
       Value::Opaque(Bytes({0x9f, 0x78, 0x81, 0x04, 0x3f, 0xc0, 0, 0})),
       "OPAQUE: 9F 78 81 04 3F C0 00 00 ");
  ours("Opaque double of 4 bytes", Value::Opaque(Bytes({0x9f, 0x79, 0x04, 0x3f, 0xc0, 0, 0})),
       "OPAQUE: 9F 79 04 3F C0 00 00 ");
  ours("Opaque Counter64 with a trailing byte", Value::Opaque(Bytes({0x9f, 0x76, 1, 5, 7})),
       "OPAQUE: 9F 76 01 05 07 ");
  ours("Opaque Counter64 of 10 bytes",
       Value::Opaque(Bytes({0x9f, 0x76, 0x0a, 0, 0}) + std::string(8, '\xff')),
       "OPAQUE: 9F 76 0A 00 00 FF FF FF FF FF FF FF FF ");
  ours("Opaque Counter64 of 9 bytes not starting 00",
       Value::Opaque(Bytes({0x9f, 0x76, 0x09, 0x01}) + std::string(8, '\0')),
       "OPAQUE: 9F 76 09 01 00 00 00 00 00 00 00 00 ");
  ours("Opaque Int64 of 9 bytes starting FF",
       Value::Opaque(Bytes({0x9f, 0x7a, 0x09, 0xff, 0x80}) + std::string(7, '\0')),
       "OPAQUE: 9F 7A 09 FF 80 00 00 00 00 00 00 00 ");
  return c;
}

TEST_CASE("net-snmp text of every type and edge case", "[netsnmp]") {
  for (const UnitCase& u : UnitCases()) {
    INFO(u.name);
    std::string text;
    AppendNetSnmpValue(u.value, &text);
    CHECK(text == u.expected);
  }
}

TEST_CASE("net-snmp text of a whole variable", "[netsnmp]") {
  const Oid sys_name{1, 3, 6, 1, 2, 1, 1, 5, 0};
  CHECK(FormatNetSnmpVarBind({sys_name, Value::OctetString("name")}) ==
        ".1.3.6.1.2.1.1.5.0 = STRING: \"name\"");
  CHECK(FormatNetSnmpVarBind({Oid{1, 3, 6, 1, 2, 1, 2, 2, 1, 6, 1},
                              Value::OctetString(Bytes({0, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e}))}) ==
        ".1.3.6.1.2.1.2.2.1.6.1 = Hex-STRING: 00 1A 2B 3C 4D 5E ");
  CHECK(FormatNetSnmpVarBind({Oid{1, 3, 6, 1, 2, 1, 1, 1, 0}, Value::OctetString("a\nb")}) ==
        ".1.3.6.1.2.1.1.1.0 = STRING: \"a\nb\"");
  CHECK(FormatNetSnmpVarBind({Oid{1, 3, 6, 1, 2, 1, 1, 3, 0}, Value::TimeTicks(12345)}) ==
        ".1.3.6.1.2.1.1.3.0 = Timeticks: (12345) 0:02:03.45");
  std::string appended = "prefix ";
  AppendNetSnmpValue(Value::Counter64(5), &appended);
  CHECK(appended == "prefix Counter64: 5");
}

// ---------------------------------------------------------------------------------------------
// Processes and net-snmp.

bool HaveProgram(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/bin:/bin";
  while (true) {
    const size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    if (dir.empty()) dir = ".";
    if (access((dir + "/" + std::string(name)).c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) return false;
    rest.remove_prefix(colon + 1);
  }
}

struct ProcessResult {
  int exit_code = -1;  // -1: killed by a signal
  bool timed_out = false;
  std::string out, err;
};

// Runs argv (argv[0] looked up in PATH) with the environment plus `env` ("KEY=VALUE"), stdin from
// /dev/null, in a process group of its own that is killed when `timeout` passes. posix_spawn, so
// that it is safe while the fake agent's thread runs.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         std::chrono::milliseconds timeout) {
  ProcessResult result;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    result.err = "pipe2 failed";
    return result;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    result.err = "pipe2 failed";
    return result;
  }

  std::vector<std::string> env_strings = env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry = *e;
    const std::string_view key = entry.substr(0, entry.find('='));
    const bool overridden = std::any_of(env.begin(), env.end(), [&](const std::string& o) {
      return std::string_view(o).substr(0, o.find('=')) == key;
    });
    if (!overridden) env_strings.emplace_back(entry);
  }
  std::vector<char*> envp, args;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (std::string& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.err = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return result;
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 1000))) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[65536];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

// net-snmp's environment for every run: no snmp.conf (an empty SNMPCONFPATH directory) and the C
// locale, with -m "" on the command line (NetSnmpArgs) for no MIB modules.
std::vector<std::string> NetSnmpEnv() {
  const std::string dir = kTmpDir + "/netsnmp_format_empty_snmpconf";
  std::filesystem::create_directories(dir);
  return {"SNMPCONFPATH=" + dir, "LC_ALL=C"};
}

// Why net-snmp's tools cannot run here, or empty.
std::string NetSnmpSkipReason() {
  for (const char* tool : {"snmpget", "snmpbulkwalk"}) {
    if (!HaveProgram(tool)) {
      return std::string(tool) + " (Debian package snmp, net-snmp 5.9.3) not installed";
    }
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// A fake SNMPv2c agent: answers every GetRequest with the value of case N for OID
// .1.3.6.1.4.1.99999.1.N, encoded here in BER.

const Oid kCaseBase{1, 3, 6, 1, 4, 1, 99999, 1};

std::string Tlv(uint8_t tag, std::string_view content) {
  std::string out(1, static_cast<char>(tag));
  const size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<char>(n));
  } else {
    std::string len;
    for (size_t v = n; v != 0; v >>= 8) len.insert(len.begin(), static_cast<char>(v & 0xff));
    out.push_back(static_cast<char>(0x80 | len.size()));
    out += len;
  }
  out.append(content);
  return out;
}

std::string EncodeSigned(int64_t v) {
  std::string out = BigEndian(static_cast<uint64_t>(v), 8);
  while (out.size() > 1 &&
         ((out[0] == 0 && !(out[1] & 0x80)) || (out[0] == '\xff' && (out[1] & 0x80)))) {
    out.erase(out.begin());
  }
  return out;
}

std::string EncodeUnsigned(uint64_t v) {
  std::string out = BigEndian(v, 8);
  while (out.size() > 1 && out[0] == 0) out.erase(out.begin());
  if (static_cast<unsigned char>(out[0]) & 0x80) out.insert(out.begin(), '\0');
  return out;
}

std::string EncodeOidContent(const Oid& oid) {
  std::string out;
  auto put = [&](uint64_t arc) {
    std::string chunk(1, static_cast<char>(arc & 0x7f));
    for (arc >>= 7; arc != 0; arc >>= 7) {
      chunk.insert(chunk.begin(), static_cast<char>(0x80 | (arc & 0x7f)));
    }
    out += chunk;
  };
  if (oid.empty()) return out;
  put(uint64_t{oid[0]} * 40 + (oid.size() > 1 ? oid[1] : 0));
  for (size_t i = 2; i < oid.size(); ++i) put(oid[i]);
  return out;
}

std::string EncodeValue(const Value& v) {
  const auto tag = static_cast<uint8_t>(v.type());
  switch (v.type()) {
    case ValueType::kInteger:
      return Tlv(tag, EncodeSigned(v.as_int()));
    case ValueType::kOctetString:
    case ValueType::kIpAddress:
    case ValueType::kOpaque:
      return Tlv(tag, v.bytes());
    case ValueType::kObjectId:
      return Tlv(tag, EncodeOidContent(v.oid()));
    case ValueType::kCounter32:
    case ValueType::kGauge32:
    case ValueType::kTimeTicks:
    case ValueType::kCounter64:
      return Tlv(tag, EncodeUnsigned(v.as_uint()));
    default:
      return Tlv(tag, "");  // NULL and the exceptions
  }
}

// Reads one TLV from the front of *in (definite lengths only).
bool ReadTlv(std::string_view* in, uint8_t* tag, std::string_view* content,
             std::string_view* whole = nullptr) {
  const std::string_view start = *in;
  if (in->size() < 2) return false;
  *tag = static_cast<uint8_t>((*in)[0]);
  size_t pos = 2;
  size_t len = static_cast<unsigned char>((*in)[1]);
  if (len & 0x80) {
    const size_t n = len & 0x7f;
    if (n == 0 || n > 4 || in->size() < 2 + n) return false;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = len << 8 | static_cast<unsigned char>((*in)[2 + i]);
    pos += n;
  }
  if (len > in->size() - pos) return false;
  *content = in->substr(pos, len);
  if (whole != nullptr) *whole = start.substr(0, pos + len);
  in->remove_prefix(pos + len);
  return true;
}

class FakeAgent {
 public:
  explicit FakeAgent(std::vector<std::string> encoded_values) : values_(std::move(encoded_values)) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  FakeAgent(const FakeAgent&) = delete;
  FakeAgent& operator=(const FakeAgent&) = delete;
  ~FakeAgent() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }

 private:
  void Serve() {
    std::string buf(65536, '\0');
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      sockaddr_in peer{};
      socklen_t peer_len = sizeof peer;
      const ssize_t n =
          recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&peer), &peer_len);
      if (n <= 0) continue;
      const std::string reply = Answer(std::string_view(buf.data(), static_cast<size_t>(n)));
      if (!reply.empty()) {
        sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), peer_len);
      }
    }
  }

  // Message ::= SEQUENCE { version, community, GetRequest-PDU { request-id, error-status,
  // error-index, VarBindList } } (RFC 3416, RFC 1901); empty when the request is not understood.
  std::string Answer(std::string_view packet) const {
    uint8_t tag = 0;
    std::string_view msg, version, community, pdu, request_id, ignored, vbl;
    if (!ReadTlv(&packet, &tag, &msg) || tag != 0x30) return "";
    std::string_view version_tlv, community_tlv, request_id_tlv;
    if (!ReadTlv(&msg, &tag, &version, &version_tlv)) return "";
    if (!ReadTlv(&msg, &tag, &community, &community_tlv)) return "";
    if (!ReadTlv(&msg, &tag, &pdu) || tag != 0xa0) return "";
    if (!ReadTlv(&pdu, &tag, &request_id, &request_id_tlv)) return "";
    if (!ReadTlv(&pdu, &tag, &ignored) || !ReadTlv(&pdu, &tag, &ignored)) return "";
    if (!ReadTlv(&pdu, &tag, &vbl) || tag != 0x30) return "";
    std::string out_vbl;
    while (!vbl.empty()) {
      std::string_view vb, name, name_tlv;
      if (!ReadTlv(&vbl, &tag, &vb) || !ReadTlv(&vb, &tag, &name, &name_tlv)) return "";
      std::string value = Tlv(0x80, "");  // noSuchObject for anything else
      const std::string base = EncodeOidContent(kCaseBase);
      if (name.size() > base.size() && name.substr(0, base.size()) == base) {
        size_t index = 0;
        for (char c : name.substr(base.size())) index = index << 7 | (c & 0x7f);
        if (index < values_.size()) value = values_[index];
      }
      out_vbl += Tlv(0x30, std::string(name_tlv) + value);
    }
    const std::string body = std::string(request_id_tlv) + Tlv(0x02, std::string(1, '\0')) +
                             Tlv(0x02, std::string(1, '\0')) + Tlv(0x30, out_vbl);
    return Tlv(0x30, std::string(version_tlv) + std::string(community_tlv) + Tlv(0xa2, body));
  }

  std::vector<std::string> values_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_CASE("unit cases agree with real snmpget", "[netsnmp][live]") {
  if (const std::string why = NetSnmpSkipReason(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  const std::vector<UnitCase> cases = UnitCases();
  std::vector<std::string> encoded;
  for (const UnitCase& u : cases) encoded.push_back(EncodeValue(u.value));
  FakeAgent agent(encoded);
  const std::string target = "127.0.0.1:" + std::to_string(agent.port());
  size_t agreed = 0, dropped = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const UnitCase& u = cases[i];
    Oid oid = kCaseBase;
    oid.Append(static_cast<uint32_t>(i));
    INFO(u.name << " (" << oid.ToString() << ")");
    const ProcessResult r =
        RunProcess({"snmpget", "-v2c", "-c", "public", "-On", "-m", "", "-t",
                    u.netsnmp_drops ? "0.3" : "3", "-r", "0", target, oid.ToString()},
                   NetSnmpEnv(), std::chrono::seconds(30));
    REQUIRE(!r.timed_out);
    if (u.netsnmp_drops) {
      // net-snmp's parser rejects the response as a whole: nothing printed, a timeout reported.
      CHECK(r.out.empty());
      CHECK(r.err.find("Timeout") != std::string::npos);
      dropped += r.out.empty() ? 1 : 0;
      continue;
    }
    INFO("stderr: " << r.err);
    const std::string expected_line = oid.ToString() + " = " + u.expected + "\n";
    CHECK(r.out == expected_line);
    CHECK(r.out == FormatNetSnmpVarBind({oid, u.value}) + "\n");
    agreed += r.out == expected_line ? 1 : 0;
  }
  std::cout << "netsnmp_format unit cases: " << agreed
            << " printed by snmpget exactly as expected, " << dropped
            << " dropped by net-snmp as expected, of " << cases.size() << "\n";
}

// ---------------------------------------------------------------------------------------------
// Part 2: the snmprec reader.

SnmprecRecord ParseLine(std::string_view text) {
  SnmprecRecord r;
  absl::StatusOr<bool> parsed = testing::ParseSnmprecLine(text, 7, &r);
  INFO(text);
  REQUIRE(parsed.ok());
  REQUIRE(*parsed);
  return r;
}

bool LineFails(std::string_view text) {
  SnmprecRecord r;
  return !testing::ParseSnmprecLine(text, 7, &r).ok();
}

TEST_CASE("snmprec lines are read as snmpsim reads them", "[snmprec]") {
  SnmprecRecord r = ParseLine("1.3.6.1.2.1.1.5.0|4|DUMSYS-87");
  CHECK(r.varbind.oid == Oid{1, 3, 6, 1, 2, 1, 1, 5, 0});
  CHECK(r.varbind.value == Value::OctetString("DUMSYS-87"));
  CHECK(r.line == 7);
  CHECK(r.variation.empty());
  CHECK_FALSE(r.dynamic());

  // snmpsim strips the line: a plain value loses its trailing white space.
  CHECK(ParseLine(" 1.3.6|4|D-Link Port 1 \r").varbind.value ==
        Value::OctetString("D-Link Port 1"));
  CHECK(ParseLine(".1.3.6|4|x").varbind.oid == Oid{1, 3, 6});
  CHECK(ParseLine("1.3.6|4|a|b").varbind.value == Value::OctetString("a|b"));
  CHECK(ParseLine("1.3.6|4|").varbind.value == Value::OctetString(""));
  CHECK(ParseLine("1.3.6|4|caf\xe9").varbind.value == Value::OctetString("caf\xe9"));
  CHECK(ParseLine("1.3.6|4x|00a1FF").varbind.value == Value::OctetString(Bytes({0, 0xa1, 0xff})));
  CHECK(ParseLine("1.3.6|4x|abc").varbind.value == Value::OctetString(Bytes({0xab, 0xc0})));
  CHECK(ParseLine("1.3.6|4x|").varbind.value == Value::OctetString(""));
  // The `e` encoding, snmpsim's quirks included (checked against its evaluateRawString).
  CHECK(ParseLine("1.3.6|4e|a\\nb\\x41").varbind.value == Value::OctetString("a\nbA"));
  CHECK(ParseLine("1.3.6|4e|a\\\\\\\\nb").varbind.value == Value::OctetString("a\nb"));
  CHECK(ParseLine("1.3.6|4e|q\\\"x\\'\\t").varbind.value == Value::OctetString("q\"x'\t"));
  CHECK(ParseLine("1.3.6|4e|\\x5cnz").varbind.value == Value::OctetString("\nz"));

  CHECK(ParseLine("1.3.6|2|-5").varbind.value == Value::Integer(-5));
  CHECK(ParseLine("1.3.6|2| +5 ").varbind.value == Value::Integer(5));
  CHECK(ParseLine("1.3.6|2|-2147483648").varbind.value == Value::Integer(-2147483648LL));
  CHECK(ParseLine("1.3.6|65|4294967295").varbind.value == Value::Counter32(4294967295u));
  CHECK(ParseLine("1.3.6|66|7").varbind.value == Value::Gauge32(7));
  CHECK(ParseLine("1.3.6|67|12345").varbind.value == Value::TimeTicks(12345));
  CHECK(ParseLine("1.3.6|70|18446744073709551615").varbind.value ==
        Value::Counter64(std::numeric_limits<uint64_t>::max()));
  CHECK(ParseLine("1.3.6|6|1.3.6.1.4.1.9.1.516").varbind.value ==
        Value::ObjectId(Oid{1, 3, 6, 1, 4, 1, 9, 1, 516}));
  CHECK(ParseLine("1.3.6|64x|0a000001").varbind.value == Value::IpAddress(10, 0, 0, 1));
  CHECK(ParseLine("1.3.6|64|192.168.1.254").varbind.value == Value::IpAddress(192, 168, 1, 254));
  CHECK(ParseLine("1.3.6|68x|0906033435452d32").varbind.value ==
        Value::Opaque(Bytes({0x09, 0x06, 0x03, 0x34, 0x35, 0x45, 0x2d, 0x32})));
  CHECK(ParseLine("1.3.6|5|").varbind.value == Value::Null());
  CHECK(ParseLine("1.3.6|128|").varbind.value == Value::NoSuchObject());
  CHECK(ParseLine("1.3.6|129|").varbind.value == Value::NoSuchInstance());
  CHECK(ParseLine("1.3.6|130|").varbind.value == Value::EndOfMibView());

  // Variation modules.
  r = ParseLine("1.3.6.1.2.1.1.3.0|67:numeric|rate=100");
  CHECK(r.variation == "numeric");
  CHECK(r.variation_args == "rate=100");
  CHECK(r.dynamic());
  CHECK(r.varbind.value == Value::TimeTicks(0));
  r = ParseLine("1.3.6.1.4.1.171.12.1.1.12.0|4:writecache|value=R3MD1DB002523");
  CHECK(r.variation == "writecache");
  CHECK_FALSE(r.dynamic());
  CHECK(r.varbind.value == Value::OctetString("R3MD1DB002523"));

  // Blank and comment lines.
  SnmprecRecord untouched;
  for (std::string_view skip : {"", "   ", "#arista-7150s", "  # indented comment", "\r"}) {
    absl::StatusOr<bool> parsed = testing::ParseSnmprecLine(skip, 1, &untouched);
    REQUIRE(parsed.ok());
    CHECK_FALSE(*parsed);
  }

  // What snmpsim could not serve either.
  CHECK(LineFails("1.3.6|4"));
  CHECK(LineFails("1.3.6"));
  CHECK(LineFails("|4|x"));
  CHECK(LineFails("1.3.6||x"));
  CHECK(LineFails("abc|4|x"));
  CHECK(LineFails("1.3.6|99|x"));
  CHECK(LineFails("1.3.6|4x|0g"));
  CHECK(LineFails("1.3.6|4e|\\q"));
  CHECK(LineFails("1.3.6|2|2147483648"));
  CHECK(LineFails("1.3.6|2|five"));
  CHECK(LineFails("1.3.6|65|4294967296"));
  CHECK(LineFails("1.3.6|65|-1"));
  CHECK(LineFails("1.3.6|70|18446744073709551616"));
  CHECK(LineFails("1.3.6|64x|0a0000"));
  CHECK(LineFails("1.3.6|64|10.0.0"));
  CHECK(LineFails("1.3.6|64|10.0.0.256"));
  CHECK(LineFails("1.3.6|5|x"));
  CHECK(LineFails("1.3.6|4:writecache|max=5"));
  SnmprecRecord failed;
  absl::StatusOr<bool> error = testing::ParseSnmprecLine("1.3.6|99|x", 42, &failed);
  CHECK(error.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(error.status().message()).find("line 42") != std::string::npos);
}

TEST_CASE("snmprec files come back sorted by OID, the first of duplicates kept", "[snmprec]") {
  const std::string path = kTmpDir + "/netsnmp_format_test.snmprec";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "#a comment\n"
           "1.3.6.1.2.1.1.5.0|4|two\n"
           "\n"
           "1.3.6.1.2.1.1.1.0|4|one\r\n"
           "1.3.6.1.2.1.1.10.0|2|10\n"
           "1.3.6.1.2.1.1.9.0|65|0\n"
           "1.3.6.1.2.1.1.9.0|4|\n";
  }
  absl::StatusOr<std::vector<SnmprecRecord>> records = ReadSnmprecRecords(path);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 4);
  CHECK((*records)[0].varbind ==
        VarBind{Oid{1, 3, 6, 1, 2, 1, 1, 1, 0}, Value::OctetString("one")});
  CHECK((*records)[0].line == 4);
  CHECK((*records)[1].varbind ==
        VarBind{Oid{1, 3, 6, 1, 2, 1, 1, 5, 0}, Value::OctetString("two")});
  CHECK((*records)[2].varbind == VarBind{Oid{1, 3, 6, 1, 2, 1, 1, 9, 0}, Value::Counter32(0)});
  CHECK((*records)[2].line == 6);
  CHECK((*records)[3].varbind.oid == Oid{1, 3, 6, 1, 2, 1, 1, 10, 0});

  absl::StatusOr<std::vector<VarBind>> varbinds = testing::ReadSnmprec(path);
  REQUIRE(varbinds.ok());
  CHECK(varbinds->size() == 4);

  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "1.3.6|4|ok\n1.3.7|4x|zz\n";
  }
  absl::StatusOr<std::vector<SnmprecRecord>> bad = ReadSnmprecRecords(path);
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(bad.status().message()).find("line 2") != std::string::npos);
  CHECK(ReadSnmprecRecords(kTmpDir + "/no-such.snmprec").status().code() ==
        absl::StatusCode::kNotFound);
  std::filesystem::remove(path);
}

TEST_CASE("every shared recording reads", "[snmprec]") {
  const std::string dir = kSharedDir + "/snmprec";
  if (!std::filesystem::is_directory(dir)) {
    WARN("skipped: " << dir << " absent");
    return;
  }
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".snmprec") continue;
    INFO(entry.path());
    absl::StatusOr<std::vector<SnmprecRecord>> records = ReadSnmprecRecords(entry.path());
    REQUIRE(records.ok());
    CHECK(records->size() > 1000);
    CHECK(std::is_sorted(records->begin(), records->end(),
                         [](const SnmprecRecord& a, const SnmprecRecord& b) {
                           return a.varbind.oid < b.varbind.oid;
                         }));
    ++files;
  }
  CHECK(files >= 12);
}

// ---------------------------------------------------------------------------------------------
// Part 3: agreement on real devices, served by snmpsim and walked by net-snmp.

const std::string kFleetScript = kSharedDir + "/tools/snmpsim-fleet";

struct WalkEntry {
  Oid oid;
  std::string text;  // the whole variable, newlines inside included, no trailing newline
};

// The length of ".1.3.6 = " at the start of `line` when it starts a variable (a numeric OID, then
// " = "), else 0.
size_t VariableHeadLength(std::string_view line) {
  if (line.size() < 2 || line[0] != '.' || line[1] < '0' || line[1] > '9') return 0;
  size_t i = 1;
  while (i < line.size() && ((line[i] >= '0' && line[i] <= '9') || line[i] == '.')) ++i;
  return line.substr(i, 3) == " = " ? i + 3 : 0;
}

// snmpbulkwalk's output as variables: one starts at every line that begins with ".N.N... = ", the
// lines in between (a wrapped Hex-STRING, a string with newlines) belong to the one before.
std::vector<WalkEntry> SplitWalk(std::string_view out) {
  std::vector<WalkEntry> entries;
  if (!out.empty() && out.back() == '\n') out.remove_suffix(1);
  if (out.empty()) return entries;
  while (true) {
    const size_t nl = out.find('\n');
    const std::string_view line = out.substr(0, nl);
    if (const size_t head = VariableHeadLength(line); head != 0) {
      absl::StatusOr<Oid> oid = Oid::Parse(line.substr(0, head - 3));
      entries.push_back({oid.ok() ? *oid : Oid{}, std::string(line)});
    } else if (!entries.empty()) {
      entries.back().text.append("\n").append(line);
    } else {
      entries.push_back({Oid{}, std::string(line)});  // garbage before the first variable
    }
    if (nl == std::string_view::npos) break;
    out.remove_prefix(nl + 1);
  }
  return entries;
}

size_t LineCount(std::string_view text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// The text up to and including the type label: ".1.3 = INTEGER: ", ".1.3 = Timeticks: ".
std::string_view UpToTypeLabel(std::string_view text) {
  const size_t eq = text.find(" = ");
  const size_t colon = eq == std::string_view::npos ? eq : text.find(": ", eq + 3);
  return colon == std::string_view::npos ? text : text.substr(0, colon + 2);
}

std::string Excerpt(std::string_view text) {
  return text.size() <= 400 ? std::string(text) : std::string(text.substr(0, 400)) + "...";
}

void CheckAgreement(const std::string& device) {
  const std::string recording = kSharedDir + "/snmprec/" + device + ".snmprec";
  if (!std::filesystem::exists(recording) || !std::filesystem::exists(kFleetScript)) {
    WARN("skipped: " << kSharedDir << " (snmprec/" << device
                     << ".snmprec, tools/snmpsim-fleet) absent");
    return;
  }
  if (!HaveProgram("snmpsimd")) {
    WARN("skipped: snmpsimd (Debian package snmpsim) not installed");
    return;
  }
  if (const std::string why = NetSnmpSkipReason(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  absl::StatusOr<std::vector<SnmprecRecord>> records = ReadSnmprecRecords(recording);
  REQUIRE(records.ok());

  // One agent of its own per recording (so cases may run in parallel), started and stopped by PID
  // by the shared test support (with its watchdog, should this test die).
  cistern::testing::SnmpsimFleetOptions fleet_options;
  fleet_options.agents = 1;
  fleet_options.devices = {device};
  auto fleet = cistern::testing::SnmpsimFleet::Start(fleet_options);
  INFO((fleet.ok() ? std::string() : std::string(fleet.status().message())));
  REQUIRE(fleet.ok());
  const cistern::testing::SnmpsimAgent& agent = (*fleet)->agents().front();

  // -Cc: h3c-e528-2's recording has a line out of order, and snmpsim serves walks in file order.
  const ProcessResult walk = RunProcess({"snmpbulkwalk", "-v2c", "-c", "public", "-On", "-m", "",
                                         "-Cc", "-t", "10", "-r", "2", agent.address(), ".1"},
                                        NetSnmpEnv(), std::chrono::seconds(240));
  INFO("snmpbulkwalk stderr: " << Excerpt(walk.err));
  REQUIRE_FALSE(walk.timed_out);
  REQUIRE(walk.exit_code == 0);
  CHECK(walk.err.empty());
  const size_t walk_lines = walk.out.empty() ? 0 : LineCount(walk.out) - (walk.out.back() == '\n');
  std::vector<WalkEntry> entries = SplitWalk(walk.out);

  // snmpsim pads its last GETBULK answer with endOfMibView varbinds named after the last OID.
  size_t agreed_lines = 0, padding = 0, mismatched_lines = 0, mismatches = 0, dynamic = 0;
  auto mismatch = [&](const std::string& what, size_t lines) {
    mismatched_lines += lines;
    if (++mismatches <= 20) FAIL_CHECK(device << ": " << what);
  };
  while (!entries.empty()) {
    const WalkEntry& last = entries.back();
    const std::string eom = FormatNetSnmpVarBind({last.oid, Value::EndOfMibView()});
    if (last.text.size() < eom.size() ||
        last.text.find("= No more variables") == std::string::npos) {
      break;
    }
    if (last.text == eom) {
      agreed_lines += 1;
    } else {
      mismatch("endOfMibView line differs:\n  net-snmp: " + last.text + "\n  ours:     " + eom, 1);
    }
    ++padding;
    entries.pop_back();
  }

  std::stable_sort(entries.begin(), entries.end(),
                   [](const WalkEntry& a, const WalkEntry& b) { return a.oid < b.oid; });
  size_t i = 0, j = 0;
  while (i < records->size() || j < entries.size()) {
    const SnmprecRecord* record = i < records->size() ? &(*records)[i] : nullptr;
    const WalkEntry* entry = j < entries.size() ? &entries[j] : nullptr;
    if (record != nullptr && (entry == nullptr || record->varbind.oid < entry->oid)) {
      const std::string ours = FormatNetSnmpVarBind(record->varbind);
      mismatch("line " + std::to_string(record->line) + " not in the walk: " + Excerpt(ours),
               LineCount(ours));
      ++i;
      continue;
    }
    if (record == nullptr || entry->oid < record->varbind.oid) {
      mismatch("in the walk but not in the recording: " + Excerpt(entry->text),
               LineCount(entry->text));
      ++j;
      continue;
    }
    const std::string ours = FormatNetSnmpVarBind(record->varbind);
    bool same = false;
    if (record->dynamic()) {
      // A variation module's value, made up when served: only the type label can agree.
      ++dynamic;
      same = UpToTypeLabel(ours) == UpToTypeLabel(entry->text);
    } else {
      same = ours == entry->text;
    }
    if (same) {
      agreed_lines += LineCount(entry->text);
    } else {
      mismatch("line " + std::to_string(record->line) + " differs:\n  net-snmp: " +
                   Excerpt(entry->text) + "\n  ours:     " + Excerpt(ours),
               std::max(LineCount(entry->text), LineCount(ours)));
    }
    ++i;
    ++j;
  }
  const size_t total = agreed_lines + mismatched_lines;
  std::cout << "netsnmp agreement " << device << ": " << agreed_lines << " of " << total
            << " lines agree (snmpbulkwalk printed " << walk_lines << " lines: " << records->size()
            << " variables of the recording, " << padding << " endOfMibView padding lines; "
            << dynamic << " variation-module values compared by type only)\n";
  CHECK(mismatches == 0);
  CHECK(walk_lines == agreed_lines);
}

TEST_CASE("agreement with net-snmp: arista-dcs-7150s-52-cl", "[netsnmp][snmpsim]") {
  CheckAgreement("arista-dcs-7150s-52-cl");
}
TEST_CASE("agreement with net-snmp: brocade-icx6430-24", "[netsnmp][snmpsim]") {
  CheckAgreement("brocade-icx6430-24");
}
TEST_CASE("agreement with net-snmp: cisco-c3560", "[netsnmp][snmpsim]") {
  CheckAgreement("cisco-c3560");
}
TEST_CASE("agreement with net-snmp: cisco-c3750", "[netsnmp][snmpsim]") {
  CheckAgreement("cisco-c3750");
}
TEST_CASE("agreement with net-snmp: cisco-n5000", "[netsnmp][snmpsim]") {
  CheckAgreement("cisco-n5000");
}
TEST_CASE("agreement with net-snmp: dlink-des3200", "[netsnmp][snmpsim]") {
  CheckAgreement("dlink-des3200");
}
TEST_CASE("agreement with net-snmp: h3c-e528-2", "[netsnmp][snmpsim]") {
  CheckAgreement("h3c-e528-2");
}
TEST_CASE("agreement with net-snmp: hpe-procurve-516733-b21", "[netsnmp][snmpsim]") {
  CheckAgreement("hpe-procurve-516733-b21");
}
TEST_CASE("agreement with net-snmp: huawei-s5720", "[netsnmp][snmpsim]") {
  CheckAgreement("huawei-s5720");
}
TEST_CASE("agreement with net-snmp: juniper-mx960-12-3r6-6", "[netsnmp][snmpsim]") {
  CheckAgreement("juniper-mx960-12-3r6-6");
}
TEST_CASE("agreement with net-snmp: juniper-mx960-13-3r9-13", "[netsnmp][snmpsim]") {
  CheckAgreement("juniper-mx960-13-3r9-13");
}
TEST_CASE("agreement with net-snmp: vyatta-unknown", "[netsnmp][snmpsim]") {
  CheckAgreement("vyatta-unknown");
}

}  // namespace
}  // namespace cistern::cli
