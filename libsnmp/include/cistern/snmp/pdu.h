// Pdu: one SNMP protocol data unit (RFC 3416 §3; RFC 1157 §4.1.6 for the v1 Trap-PDU), the
// variable bindings it carries and the error statuses a response may hold.
//
//   Pdu get = Pdu::Get({Oid{1, 3, 6, 1, 2, 1, 1, 5, 0}});
//   Pdu bulk = Pdu::GetBulk(0, 25, {ifTable});
//
// A GetBulk's non-repeaters and max-repetitions travel in the error-status and error-index fields;
// the accessors name both. A value type; not synchronised.
#ifndef CISTERN_SNMP_PDU_H_
#define CISTERN_SNMP_PDU_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cistern/snmp/oid.h"
#include "cistern/snmp/value.h"

namespace cistern::snmp {

// The enumerator is the PDU's BER tag (context-specific, constructed).
enum class PduType : uint8_t {
  kGetRequest = 0xa0,
  kGetNextRequest = 0xa1,
  kResponse = 0xa2,
  kSetRequest = 0xa3,
  kTrapV1 = 0xa4,
  kGetBulkRequest = 0xa5,
  kInformRequest = 0xa6,
  kSnmpV2Trap = 0xa7,
  kReport = 0xa8,
};
std::string_view PduTypeName(PduType type);  // "GetRequest", "Response", "SNMPv2-Trap", …

// error-status (RFC 3416 §3; 0-5 are also SNMPv1's).
enum class ErrorStatus : int32_t {
  kNoError = 0,
  kTooBig = 1,
  kNoSuchName = 2,
  kBadValue = 3,
  kReadOnly = 4,
  kGenErr = 5,
  kNoAccess = 6,
  kWrongType = 7,
  kWrongLength = 8,
  kWrongEncoding = 9,
  kWrongValue = 10,
  kNoCreation = 11,
  kInconsistentValue = 12,
  kResourceUnavailable = 13,
  kCommitFailed = 14,
  kUndoFailed = 15,
  kAuthorizationError = 16,
  kNotWritable = 17,
  kInconsistentName = 18,
};
// "noError", "tooBig", …; "error-status N" for values outside the list.
std::string ErrorStatusName(int32_t status);

struct VarBind {
  Oid oid;
  Value value;

  friend bool operator==(const VarBind&, const VarBind&) = default;
};

// The extra fields of an SNMPv1 Trap-PDU (RFC 1157 §4.1.6).
struct TrapV1Fields {
  Oid enterprise;
  std::string agent_address;  // 4 bytes, as received
  int32_t generic_trap = 0;
  int32_t specific_trap = 0;
  uint32_t time_stamp = 0;

  friend bool operator==(const TrapV1Fields&, const TrapV1Fields&) = default;
};

struct Pdu {
  PduType type = PduType::kGetRequest;
  int32_t request_id = 0;
  int32_t error_status = 0;  // GetBulk: non-repeaters
  int32_t error_index = 0;   // GetBulk: max-repetitions
  std::vector<VarBind> varbinds;
  TrapV1Fields trap_v1;  // only for kTrapV1 (which has no request-id or error fields)

  int32_t non_repeaters() const { return error_status; }
  int32_t max_repetitions() const { return error_index; }

  // Requests whose variable bindings carry NULL values.
  static Pdu Get(std::vector<Oid> oids);
  static Pdu GetNext(std::vector<Oid> oids);
  static Pdu GetBulk(int32_t non_repeaters, int32_t max_repetitions, std::vector<Oid> oids);
  static Pdu Set(std::vector<VarBind> varbinds);

  friend bool operator==(const Pdu&, const Pdu&) = default;
};

// True for the PDU types that an agent answers (Get, GetNext, GetBulk, Set, Inform).
bool IsConfirmedClass(PduType type);

}  // namespace cistern::snmp

#endif  // CISTERN_SNMP_PDU_H_
