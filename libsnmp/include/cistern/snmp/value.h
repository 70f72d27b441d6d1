// Value: the value of one variable binding — any SMIv2 type (RFC 2578) or one of the SNMPv2
// exceptions noSuchObject / noSuchInstance / endOfMibView (RFC 3416 §3).
//
//   Value v = Value::Counter64(123);
//   if (v.type() == ValueType::kOctetString) use(v.bytes());
//
// The type's enumerator is its BER tag. Integers keep their full width: Integer32 as signed, the
// unsigned application types (Counter32, Gauge32/Unsigned32, TimeTicks, Counter64) as unsigned.
// An OCTET STRING, IpAddress or Opaque keeps its bytes as received (an IpAddress decoded from the
// wire with a length other than 4 is kept as it came, so that a printer can say so). A value type;
// not synchronised.
#ifndef CISTERN_SNMP_VALUE_H_
#define CISTERN_SNMP_VALUE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "cistern/snmp/oid.h"

namespace cistern::snmp {

enum class ValueType : uint8_t {
  kInteger = 0x02,
  kOctetString = 0x04,
  kNull = 0x05,
  kObjectId = 0x06,
  kIpAddress = 0x40,
  kCounter32 = 0x41,
  kGauge32 = 0x42,  // also Unsigned32
  kTimeTicks = 0x43,
  kOpaque = 0x44,
  kCounter64 = 0x46,
  kNoSuchObject = 0x80,
  kNoSuchInstance = 0x81,
  kEndOfMibView = 0x82,
};

// "INTEGER", "OCTET STRING", "Counter64", "noSuchObject", …
std::string_view ValueTypeName(ValueType type);

class Value {
 public:
  Value() = default;  // NULL

  // Integer32 by the SMI; a non-conforming agent's wider INTEGER (up to 64 bits) is kept as sent.
  static Value Integer(int64_t v) { return Value(ValueType::kInteger, v); }
  static Value OctetString(std::string_view bytes) { return Value(ValueType::kOctetString, bytes); }
  static Value Null() { return Value(); }
  static Value ObjectId(Oid oid);
  static Value IpAddress(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  static Value IpAddressBytes(std::string_view bytes) { return Value(ValueType::kIpAddress, bytes); }
  static Value Counter32(uint32_t v) { return Unsigned(ValueType::kCounter32, v); }
  static Value Gauge32(uint32_t v) { return Unsigned(ValueType::kGauge32, v); }
  static Value TimeTicks(uint32_t v) { return Unsigned(ValueType::kTimeTicks, v); }
  static Value Opaque(std::string_view bytes) { return Value(ValueType::kOpaque, bytes); }
  static Value Counter64(uint64_t v) { return Unsigned(ValueType::kCounter64, v); }
  static Value NoSuchObject() { return Value(ValueType::kNoSuchObject, int64_t{0}); }
  static Value NoSuchInstance() { return Value(ValueType::kNoSuchInstance, int64_t{0}); }
  static Value EndOfMibView() { return Value(ValueType::kEndOfMibView, int64_t{0}); }

  ValueType type() const { return type_; }
  // True for noSuchObject, noSuchInstance and endOfMibView.
  bool is_exception() const { return static_cast<uint8_t>(type_) >= 0x80; }

  // Integer: the signed value. Unsigned types: the value. Other types: 0.
  int64_t as_int() const { return static_cast<int64_t>(number_); }
  uint64_t as_uint() const { return number_; }
  // OCTET STRING, IpAddress, Opaque: the bytes. Other types: empty.
  std::string_view bytes() const { return bytes_; }
  // OBJECT IDENTIFIER: the oid. Other types: empty.
  const Oid& oid() const { return oid_; }

  friend bool operator==(const Value& a, const Value& b) {
    return a.type_ == b.type_ && a.number_ == b.number_ && a.bytes_ == b.bytes_ && a.oid_ == b.oid_;
  }

 private:
  Value(ValueType type, int64_t v) : type_(type), number_(static_cast<uint64_t>(v)) {}
  Value(ValueType type, std::string_view bytes) : type_(type), bytes_(bytes) {}
  static Value Unsigned(ValueType type, uint64_t v) {
    Value out;
    out.type_ = type;
    out.number_ = v;
    return out;
  }

  ValueType type_ = ValueType::kNull;
  uint64_t number_ = 0;
  std::string bytes_;
  Oid oid_;
};

}  // namespace cistern::snmp

#endif  // CISTERN_SNMP_VALUE_H_
