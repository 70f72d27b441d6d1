// Reader for snmpsim's `.snmprec` recordings (../shared/snmprec): the variables a simulated agent
// serves, as snmpsim 0.4.5 (Debian 12's `snmpsim`) reads them. Test support: the net-snmp
// agreement test compares our printer with a walk of snmpsim, and device inventories are checked
// against the same files.
//
//   absl::StatusOr<std::vector<snmp::VarBind>> vbs = ReadSnmprec(dir + "/cisco-c3560.snmprec");
//   if (vbs.ok()) for (const snmp::VarBind& vb : *vbs) Use(vb.oid, vb.value);
//
// Format (snmpsim's grammar/snmprec.py and record/snmprec.py, read there): one record per line,
// `OID|TAG|VALUE`, split at the first two '|' (the value may hold more). snmpsim strips white space
// from both ends of each line (Python's str.strip() on the line read as Latin-1, so also \x1c-\x1f,
// \x85 and \xa0), skips blank lines and lines starting with '#'. The OID is numeric, empty arcs
// ignored ("1..3" and ".1.3" are 1.3). TAG is the BER tag in decimal: 2 INTEGER (Integer32),
// 4 OCTET STRING, 5 NULL, 6 OBJECT IDENTIFIER, 64 IpAddress, 65 Counter32, 66 Gauge32,
// 67 TimeTicks, 68 Opaque, 70 Counter64, 128 noSuchObject, 129 noSuchInstance, 130 endOfMibView;
// with a suffix `x` the value is hex ("4x|00a1ff"; an odd last digit is padded with 0, as pyasn1
// does), with `e` a Python-escaped string (\\ \' \" \a \b \f \n \r \t \v \xHH, including
// snmpsim's quirk that an escape yielding a backslash starts a new escape). Otherwise the value is
// the text itself: the raw bytes of the line for strings and Opaque, decimal for the numbers,
// dotted for an OID or IpAddress, empty for NULL and the exceptions. `TAG:MODULE` (e.g.
// `2:numeric`, `4:writecache`) hands the record to a snmpsim variation module with VALUE as its
// arguments: `writecache` serves its `value=` argument (until a SET), every other module makes the
// value up at run time.
//
// Order and duplicates: the records come back sorted by OID. snmpsim serves a walk in file order
// (GETNEXT takes the next line) and a GET from the last line with that OID; when a file repeats
// an OID (several recordings end with `OID|4|` repeating the previous line's OID) the first record
// is kept, the one a walk sees.
//
// Errors: NotFound when the file cannot be opened; InvalidArgument, with file and line, for a
// record snmpsim could not serve either (missing field, unknown tag, number out of the type's
// range, bad hex or escape, an IpAddress that is not 4 bytes, a NULL or exception with a value).
// Thread-safety: pure functions.
#ifndef CISTERN_TESTS_SNMP_SNMPREC_READER_H_
#define CISTERN_TESTS_SNMP_SNMPREC_READER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cistern/snmp/pdu.h"

namespace cistern::testing {

struct SnmprecRecord {
  snmp::VarBind varbind;
  // The variation module of a `TAG:MODULE` record ("numeric", "writecache", ...), empty for a
  // recorded value, and its arguments (the VALUE field as written).
  std::string variation;
  std::string variation_args;
  int line = 0;  // 1-based line in the file

  // True when snmpsim makes the value up at run time (any module but writecache): varbind.value
  // then holds the record's type with a zero value, a placeholder.
  bool dynamic() const { return !variation.empty() && variation != "writecache"; }
};

// Every record of the file, sorted by OID, the first of duplicates kept.
absl::StatusOr<std::vector<SnmprecRecord>> ReadSnmprecRecords(const std::string& path);

// The variables of ReadSnmprecRecords, sorted by OID (dynamic values as placeholders).
absl::StatusOr<std::vector<snmp::VarBind>> ReadSnmprec(const std::string& path);

// One line (without its newline) as ReadSnmprecRecords reads it: true with *out filled for a
// record, false for a blank or comment line; `line` is stored in *out and names it in errors.
absl::StatusOr<bool> ParseSnmprecLine(std::string_view text, int line, SnmprecRecord* out);

}  // namespace cistern::testing

#endif  // CISTERN_TESTS_SNMP_SNMPREC_READER_H_
