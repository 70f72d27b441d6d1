#include "cistern/snmp/pdu.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace cistern::snmp {

std::string_view PduTypeName(PduType type) {
  switch (type) {
    case PduType::kGetRequest: return "GetRequest";
    case PduType::kGetNextRequest: return "GetNextRequest";
    case PduType::kResponse: return "Response";
    case PduType::kSetRequest: return "SetRequest";
    case PduType::kTrapV1: return "Trap";
    case PduType::kGetBulkRequest: return "GetBulkRequest";
    case PduType::kInformRequest: return "InformRequest";
    case PduType::kSnmpV2Trap: return "SNMPv2-Trap";
    case PduType::kReport: return "Report";
  }
  return "unknown PDU";
}

std::string ErrorStatusName(int32_t status) {
  static constexpr std::string_view kNames[] = {
      "noError",      "tooBig",          "noSuchName",      "badValue",
      "readOnly",     "genErr",          "noAccess",        "wrongType",
      "wrongLength",  "wrongEncoding",   "wrongValue",      "noCreation",
      "inconsistentValue", "resourceUnavailable", "commitFailed", "undoFailed",
      "authorizationError", "notWritable", "inconsistentName"};
  if (status >= 0 && static_cast<size_t>(status) < std::size(kNames)) {
    return std::string(kNames[status]);
  }
  return absl::StrCat("error-status ", status);
}

namespace {
Pdu WithNulls(PduType type, std::vector<Oid> oids) {
  Pdu pdu;
  pdu.type = type;
  pdu.varbinds.reserve(oids.size());
  for (Oid& oid : oids) pdu.varbinds.push_back(VarBind{std::move(oid), Value::Null()});
  return pdu;
}
}  // namespace

Pdu Pdu::Get(std::vector<Oid> oids) { return WithNulls(PduType::kGetRequest, std::move(oids)); }
Pdu Pdu::GetNext(std::vector<Oid> oids) {
  return WithNulls(PduType::kGetNextRequest, std::move(oids));
}
Pdu Pdu::GetBulk(int32_t non_repeaters, int32_t max_repetitions, std::vector<Oid> oids) {
  Pdu pdu = WithNulls(PduType::kGetBulkRequest, std::move(oids));
  pdu.error_status = non_repeaters;
  pdu.error_index = max_repetitions;
  return pdu;
}
Pdu Pdu::Set(std::vector<VarBind> varbinds) {
  Pdu pdu;
  pdu.type = PduType::kSetRequest;
  pdu.varbinds = std::move(varbinds);
  return pdu;
}

bool IsConfirmedClass(PduType type) {
  switch (type) {
    case PduType::kGetRequest:
    case PduType::kGetNextRequest:
    case PduType::kGetBulkRequest:
    case PduType::kSetRequest:
    case PduType::kInformRequest:
      return true;
    default:
      return false;
  }
}

}  // namespace cistern::snmp
