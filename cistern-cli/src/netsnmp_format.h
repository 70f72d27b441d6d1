// net-snmp's text for SNMP variables: what `snmpget -On`, `snmpwalk -On` and `snmpbulkwalk -On` of
// net-snmp 5.9.3 (Debian 12's `snmp` package) print for one variable, so that
// `cistern-cli snmp get|walk|bulkwalk` and net-snmp print the same lines for the same agent.
//
//   std::string line = FormatNetSnmpVarBind({oid, snmp::Value::OctetString("name")});
//   // ".1.3.6.1.2.1.1.5.0 = STRING: \"name\""
//
// Which net-snmp: no MIB modules loaded and no snmp.conf printing options. That is Debian 12's
// default (/etc/snmp/snmp.conf says `mibs :`, because Debian ships no IETF MIB files;
// /usr/share/snmp/mibs holds only net-snmp's own 13 modules, which do not load without SNMPv2-SMI),
// and the agreement test (tests/cli/netsnmp_format_test.cc) pins it whatever the machine says: it
// runs net-snmp as `snmpbulkwalk -v2c -On -m "" ...` (no MIB modules, overriding $MIBS and any
// `mibs` line) with SNMPCONFPATH set to an empty directory (no system or user snmp.conf, so no
// hexOutputLength, printNumericTimeticks, quickPrinting, ...) and LC_ALL=C. With MIBs loaded
// net-snmp would print INTEGER enums ("up(1)"), apply DISPLAY-HINTs (a DisplayString is always
// STRING, a MacAddress "0:1a:2b:..."), UNITS, and other OID forms; none of that is done here.
//
// The rules (net-snmp snmplib/mib.c, sprint_realloc_by_type and friends, each confirmed against
// the real binary; the unit cases in the test hold the evidence):
//   - OCTET STRING: empty prints `""`, with no type label. Otherwise, when every byte is
//     printable or white space in the C locale (0x20-0x7E, \t \n \v \f \r), `STRING: "..."`
//     with `"` and `\` preceded by a backslash and everything else (newlines too) as it is. A
//     single other byte (a NUL anywhere, trailing ones included; DEL; any byte >= 0x80, so UTF-8
//     text too) makes it `Hex-STRING: ` and every byte as two upper-case hex digits and a space
//     ("61 62 63 "), with a newline after every 16 bytes when more follow: each line, the last
//     one included, ends in a space. (net-snmp calls setlocale(LC_CTYPE, ""): in a legacy 8-bit
//     locale such as ISO-8859-1 it prints Latin-1 letters as text; in C and UTF-8 locales it does
//     what we do.)
//   - INTEGER: `INTEGER: -5`. A wider INTEGER than Integer32 is cut to 32 bits as net-snmp's
//     parser does: above 2^31-1 its low 32 bits as an unsigned number (00 FF FF FF FF prints
//     4294967295), below -2^31 minus its low 32 bits.
//   - Counter32, Gauge32 (also Unsigned32), TimeTicks: their low 32 bits, unsigned. TimeTicks as
//     `Timeticks: (N) H:MM:SS.cc`, `1 day, H:MM:SS.cc`, `N days, H:MM:SS.cc`. Counter64 unsigned.
//   - OBJECT IDENTIFIER: `OID: .1.3.6.1`; an empty one prints `.0` (net-snmp's reading of 06 00).
//   - IpAddress: `IpAddress: 10.0.0.1`.
//   - Opaque: `OPAQUE: ` (sic, upper case) and the bytes as a Hex-STRING. net-snmp decodes the
//     Opaque-wrapped types of draft-perkins-opaque (9F 78 float, 9F 79 double, 9F 76 Counter64,
//     9F 7A Int64, 9F 7B UInt64) and prints `Opaque: Float: 1.500000` (printf "%f" cut to 127
//     characters; a double is labelled "Float" too), `Opaque: Counter64: N`,
//     `Opaque: Int64: -N`, `Opaque: UInt64: N`.
//   - NULL `NULL`; noSuchObject `No Such Object available on this agent at this OID`;
//     noSuchInstance `No Such Instance currently exists at this OID`; endOfMibView
//     `No more variables left in this MIB View (It is past the end of the MIB tree)`.
// Values net-snmp never prints, because its parser drops the whole response (snmpget reports a
// timeout): an IpAddress that is not 4 bytes, and a malformed Opaque-wrapped value (a float that
// is not 4 bytes, an integer longer than 8 bytes, trailing bytes, ...). For those we print
// `Wrong Length (should be 4): Hex-STRING: 01 02 03 ` (net-snmp's "Wrong Type (should be ...)"
// idiom) and the plain `OPAQUE: ` hex form respectively.
//
// Errors: none; every Value prints. Thread-safety: pure functions.
#ifndef CISTERN_CLI_NETSNMP_FORMAT_H_
#define CISTERN_CLI_NETSNMP_FORMAT_H_

#include <string>

#include "cistern/snmp/pdu.h"
#include "cistern/snmp/value.h"

namespace cistern::cli {

// Appends the part of net-snmp's line after " = ", e.g. `STRING: "cistern"`.
void AppendNetSnmpValue(const snmp::Value& v, std::string* out);

// The whole text of one variable, `.1.3.6.1.2.1.1.5.0 = STRING: "name"`, without a trailing
// newline; it can hold newlines (a wrapped Hex-STRING, a string that contains them).
std::string FormatNetSnmpVarBind(const snmp::VarBind& vb);

}  // namespace cistern::cli

#endif  // CISTERN_CLI_NETSNMP_FORMAT_H_
