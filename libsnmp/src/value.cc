#include "cistern/snmp/value.h"

#include <utility>

namespace cistern::snmp {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kInteger: return "INTEGER";
    case ValueType::kOctetString: return "OCTET STRING";
    case ValueType::kNull: return "NULL";
    case ValueType::kObjectId: return "OBJECT IDENTIFIER";
    case ValueType::kIpAddress: return "IpAddress";
    case ValueType::kCounter32: return "Counter32";
    case ValueType::kGauge32: return "Gauge32";
    case ValueType::kTimeTicks: return "TimeTicks";
    case ValueType::kOpaque: return "Opaque";
    case ValueType::kCounter64: return "Counter64";
    case ValueType::kNoSuchObject: return "noSuchObject";
    case ValueType::kNoSuchInstance: return "noSuchInstance";
    case ValueType::kEndOfMibView: return "endOfMibView";
  }
  return "unknown";
}

Value Value::ObjectId(Oid oid) {
  Value out;
  out.type_ = ValueType::kObjectId;
  out.oid_ = std::move(oid);
  return out;
}

Value Value::IpAddress(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  const char bytes[4] = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                         static_cast<char>(d)};
  return Value(ValueType::kIpAddress, std::string_view(bytes, 4));
}

}  // namespace cistern::snmp
