// BER encoding and decoding of SNMP messages: RFC 1157 (v1), RFC 1901/3416 (v2c), RFC 3412 §6 and
// RFC 3414 §2.4 (v3 with USM). Structure definitions are quoted next to the code that reads them.
#include "cistern/snmp/message.h"

#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ber.h"

namespace cistern::snmp {
namespace {

using internal::BerError;
using internal::BerReader;
using internal::BerWriter;

constexpr uint8_t kTagInteger = 0x02;
constexpr uint8_t kTagOctetString = 0x04;
constexpr uint8_t kTagNull = 0x05;
constexpr uint8_t kTagOid = 0x06;
constexpr uint8_t kTagSequence = 0x30;

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsPduTag(uint8_t tag) { return tag >= 0xa0 && tag <= 0xa8; }

// Empties `usm` as `usm = {}` would, but keeping its strings' capacity.
void ClearUsm(UsmSecurityParameters* usm) {
  usm->engine_id.clear();
  usm->engine_boots = 0;
  usm->engine_time = 0;
  usm->user_name.clear();
  usm->auth_params.clear();
  usm->priv_params.clear();
}

// Why `type` cannot travel in a `version` message ("" when it can): GetBulk, Inform, SNMPv2-Trap
// and Report are v2's (RFC 3416), the Trap-PDU is v1's alone (RFC 1157 §4.1.6).
std::string PduVersionMismatch(Version version, PduType type) {
  const bool v2_only = type == PduType::kGetBulkRequest || type == PduType::kInformRequest ||
                       type == PduType::kSnmpV2Trap || type == PduType::kReport;
  if (version == Version::kV1 && v2_only) {
    return absl::StrCat("SNMPv1 has no ", Absl(PduTypeName(type)), " PDU");
  }
  if (version != Version::kV1 && type == PduType::kTrapV1) {
    return "the v1 Trap-PDU exists only in SNMPv1";
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Decoding. Each step names what it reads, so that an error says what and where.

class Decoder {
 public:
  const absl::Status& status() const { return status_; }

  bool Fail(std::string_view what, const BerReader& r) {
    if (status_.ok()) {
      status_ = absl::InvalidArgumentError(absl::StrCat("snmp: ", Absl(what), " at byte ",
                                                        r.error_offset(), ": ",
                                                        Absl(internal::BerErrorText(r.error()))));
    }
    return false;
  }
  bool FailText(std::string_view what, size_t offset, std::string_view why) {
    if (status_.ok()) {
      status_ = absl::InvalidArgumentError(
          absl::StrCat("snmp: ", Absl(what), " at byte ", offset, ": ", Absl(why)));
    }
    return false;
  }

  bool Tlv(BerReader& in, uint8_t tag, std::string_view what, BerReader* value) {
    return in.Expect(tag, value) || Fail(what, in);
  }
  bool Int32(BerReader& in, std::string_view what, int32_t* out) {
    BerReader v;
    int64_t x = 0;
    const size_t at = in.offset();
    if (!Tlv(in, kTagInteger, what, &v)) return false;
    if (!v.ValueAsInt64(&x)) return Fail(what, v);
    if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) {
      return FailText(what, at, absl::StrCat("value ", x, " is outside Integer32"));
    }
    *out = static_cast<int32_t>(x);
    return true;
  }
  // An Integer32 that RFC 3412/3414 restrict to 0..2147483647.
  bool NonNegative(BerReader& in, std::string_view what, int32_t* out) {
    const size_t at = in.offset();
    if (!Int32(in, what, out)) return false;
    return *out >= 0 || FailText(what, at, absl::StrCat("value ", *out, " is negative"));
  }
  bool Octets(BerReader& in, std::string_view what, std::string* out) {
    BerReader v;
    if (!Tlv(in, kTagOctetString, what, &v)) return false;
    v.RestInto(out);
    return true;
  }
  bool End(const BerReader& in, std::string_view what) {
    return in.empty() || FailText(what, in.offset(),
                                  absl::StrCat(in.remaining(), " unexpected trailing bytes"));
  }

  // The value of binding `n` (from 1), whose TLV starts at `tag_at`. The field's name for an error
  // is only built on failure (not on the per-binding success path).
  bool Value(uint8_t tag, size_t tag_at, BerReader v, snmp::Value* out, size_t n) {
    auto what = [n] { return absl::StrCat("varbind ", n, " value"); };
    switch (tag) {
      case kTagInteger: {
        int64_t x = 0;
        if (!v.ValueAsInt64(&x)) return Fail(what(), v);
        *out = Value::Integer(x);
        return true;
      }
      case kTagOctetString:
        *out = Value::OctetString(ViewOf(v.Rest()));
        return true;
      case kTagNull:
        *out = Value::Null();
        return true;
      case kTagOid: {
        Oid oid;
        if (!v.ValueAsOid(&oid)) return Fail(what(), v);
        *out = Value::ObjectId(std::move(oid));
        return true;
      }
      case static_cast<uint8_t>(ValueType::kIpAddress):
        *out = Value::IpAddressBytes(ViewOf(v.Rest()));
        return true;
      case static_cast<uint8_t>(ValueType::kCounter32):
      case static_cast<uint8_t>(ValueType::kGauge32):
      case static_cast<uint8_t>(ValueType::kTimeTicks): {
        uint64_t x = 0;
        if (!v.ValueAsUnsigned(32, &x)) return Fail(what(), v);
        const uint32_t x32 = static_cast<uint32_t>(x);
        *out = tag == 0x41 ? Value::Counter32(x32)
                           : tag == 0x42 ? Value::Gauge32(x32) : Value::TimeTicks(x32);
        return true;
      }
      case static_cast<uint8_t>(ValueType::kOpaque):
        *out = Value::Opaque(ViewOf(v.Rest()));
        return true;
      case static_cast<uint8_t>(ValueType::kCounter64): {
        uint64_t x = 0;
        if (!v.ValueAsUnsigned(64, &x)) return Fail(what(), v);
        *out = Value::Counter64(x);
        return true;
      }
      case static_cast<uint8_t>(ValueType::kNoSuchObject):
        *out = Value::NoSuchObject();
        return true;
      case static_cast<uint8_t>(ValueType::kNoSuchInstance):
        *out = Value::NoSuchInstance();
        return true;
      case static_cast<uint8_t>(ValueType::kEndOfMibView):
        *out = Value::EndOfMibView();
        return true;
      default:
        return FailText(what(), tag_at, absl::StrCat("unsupported value type 0x", absl::Hex(tag)));
    }
  }

  // VarBindList ::= SEQUENCE OF VarBind; VarBind ::= SEQUENCE { name ObjectName, value }
  // The bindings already in `out` are overwritten in place, so that their OIDs' capacity is reused.
  bool VarBinds(BerReader& in, std::vector<VarBind>* out) {
    BerReader list;
    if (!Tlv(in, kTagSequence, "variable-bindings", &list)) return false;
    size_t count = 0;
    while (!list.empty()) {
      if (count == kMaxVarBinds) {
        out->resize(count);
        return FailText("variable-bindings", list.offset(),
                        absl::StrCat("more than ", kMaxVarBinds, " bindings"));
      }
      const size_t n = count + 1;
      BerReader vb;
      if (!list.Expect(kTagSequence, &vb)) return Fail(absl::StrCat("varbind ", n), list);
      if (count == out->size()) out->emplace_back();
      VarBind& binding = (*out)[count++];
      BerReader name;
      if (!vb.Expect(kTagOid, &name)) return Fail(absl::StrCat("varbind ", n, " name"), vb);
      if (!name.ValueAsOid(&binding.oid)) return Fail(absl::StrCat("varbind ", n, " name"), name);
      uint8_t tag = 0;
      BerReader value;
      const size_t value_at = vb.offset();
      if (!vb.ReadTlv(&tag, &value)) return Fail(absl::StrCat("varbind ", n, " value"), vb);
      if (!Value(tag, value_at, value, &binding.value, n)) return false;
      if (!vb.empty() && !End(vb, absl::StrCat("varbind ", n))) return false;
    }
    out->resize(count);
    return true;
  }

  // `version`: the message's, whose PDU types alone are accepted (none: any type).
  bool Pdu(BerReader& in, snmp::Pdu* out, std::optional<Version> version = std::nullopt) {
    uint8_t tag = 0;
    BerReader body;
    const size_t at = in.offset();
    if (!in.ReadTlv(&tag, &body)) return Fail("PDU", in);
    if (!IsPduTag(tag)) {
      return FailText("PDU", at, absl::StrCat("unknown PDU type 0x", absl::Hex(tag)));
    }
    out->type = static_cast<PduType>(tag);
    if (version.has_value()) {
      // The encoder refuses these (EncodeMessage), so a decoded one could not be re-encoded.
      if (std::string why = PduVersionMismatch(*version, out->type); !why.empty()) {
        return FailText("PDU", at, why);
      }
    }
    if (out->type == PduType::kTrapV1) {
      // Trap-PDU ::= [4] IMPLICIT SEQUENCE { enterprise OBJECT IDENTIFIER, agent-addr NetworkAddress,
      //   generic-trap INTEGER, specific-trap INTEGER, time-stamp TimeTicks, variable-bindings }
      out->request_id = out->error_status = out->error_index = 0;
      BerReader v;
      if (!Tlv(body, kTagOid, "trap enterprise", &v)) return false;
      if (!v.ValueAsOid(&out->trap_v1.enterprise)) return Fail("trap enterprise", v);
      if (!Tlv(body, static_cast<uint8_t>(ValueType::kIpAddress), "trap agent-addr", &v)) {
        return false;
      }
      v.RestInto(&out->trap_v1.agent_address);
      if (!Int32(body, "trap generic-trap", &out->trap_v1.generic_trap)) return false;
      if (!Int32(body, "trap specific-trap", &out->trap_v1.specific_trap)) return false;
      uint64_t ticks = 0;
      if (!Tlv(body, static_cast<uint8_t>(ValueType::kTimeTicks), "trap time-stamp", &v)) {
        return false;
      }
      if (!v.ValueAsUnsigned(32, &ticks)) return Fail("trap time-stamp", v);
      out->trap_v1.time_stamp = static_cast<uint32_t>(ticks);
    } else {
      // PDU ::= SEQUENCE { request-id INTEGER, error-status INTEGER, error-index INTEGER,
      //   variable-bindings }   (GetBulk: non-repeaters, max-repetitions in the middle two)
      out->trap_v1 = {};
      if (!Int32(body, "request-id", &out->request_id)) return false;
      if (!Int32(body, "error-status", &out->error_status)) return false;
      if (!Int32(body, "error-index", &out->error_index)) return false;
    }
    if (!VarBinds(body, &out->varbinds)) return false;
    return End(body, "PDU");
  }

  // ScopedPDU ::= SEQUENCE { contextEngineID OCTET STRING, contextName OCTET STRING, data ANY }
  bool ScopedPdu(BerReader& in, Message* out, std::optional<Version> version = std::nullopt) {
    BerReader scoped;
    if (!Tlv(in, kTagSequence, "scopedPDU", &scoped)) return false;
    if (!Octets(scoped, "contextEngineID", &out->context_engine_id)) return false;
    if (!Octets(scoped, "contextName", &out->context_name)) return false;
    if (!Pdu(scoped, &out->pdu, version)) return false;
    return End(scoped, "scopedPDU");
  }

  bool V3(BerReader& msg, Message* out, MessageLayout* layout) {
    // HeaderData ::= SEQUENCE { msgID, msgMaxSize, msgFlags OCTET STRING (SIZE(1)),
    //   msgSecurityModel }
    BerReader header;
    if (!Tlv(msg, kTagSequence, "msgGlobalData", &header)) return false;
    if (!NonNegative(header, "msgID", &out->msg_id)) return false;
    if (!NonNegative(header, "msgMaxSize", &out->max_size)) return false;
    std::string flags;
    const size_t flags_at = header.offset();
    if (!Octets(header, "msgFlags", &flags)) return false;
    if (flags.size() != 1) {
      return FailText("msgFlags", flags_at, absl::StrCat("length ", flags.size(), ", not 1"));
    }
    out->flags = static_cast<uint8_t>(flags[0]);
    if (!NonNegative(header, "msgSecurityModel", &out->security_model)) return false;
    if (!End(header, "msgGlobalData")) return false;

    BerReader params;
    if (!Tlv(msg, kTagOctetString, "msgSecurityParameters", &params)) return false;
    ClearUsm(&out->usm);
    if (out->security_model == kSecurityModelUsm) {
      BerReader usm;
      if (!Tlv(params, kTagSequence, "UsmSecurityParameters", &usm)) return false;
      if (!Octets(usm, "msgAuthoritativeEngineID", &out->usm.engine_id)) return false;
      if (!NonNegative(usm, "msgAuthoritativeEngineBoots", &out->usm.engine_boots)) return false;
      if (!NonNegative(usm, "msgAuthoritativeEngineTime", &out->usm.engine_time)) return false;
      if (!Octets(usm, "msgUserName", &out->usm.user_name)) return false;
      BerReader auth;
      if (!Tlv(usm, kTagOctetString, "msgAuthenticationParameters", &auth)) return false;
      if (layout != nullptr) {
        layout->auth_params_offset = auth.offset();
        layout->auth_params_length = auth.remaining();
      }
      auth.RestInto(&out->usm.auth_params);
      if (!Octets(usm, "msgPrivacyParameters", &out->usm.priv_params)) return false;
      if (!End(usm, "UsmSecurityParameters")) return false;
      if (!End(params, "msgSecurityParameters")) return false;
    }

    // ScopedPduData ::= CHOICE { plaintext ScopedPDU, encryptedPDU OCTET STRING }
    out->encrypted_pdu.clear();
    out->context_engine_id.clear();
    out->context_name.clear();
    uint8_t tag = 0;
    BerReader peek = msg;
    const size_t at = msg.offset();
    if (!peek.ReadTlv(&tag, &params)) return Fail("msgData", peek);
    // RFC 3412 §6: the privFlag says which form msgData takes (and EncodeMessage writes the form
    // by the flag, so a message whose two disagree could not be re-encoded).
    const bool priv = (out->flags & kFlagPriv) != 0;
    if ((tag == kTagOctetString || tag == kTagSequence) && priv != (tag == kTagOctetString)) {
      return FailText("msgData", at,
                      priv ? "msgFlags has privFlag set but msgData is a plaintext scopedPDU"
                           : "msgFlags has privFlag clear but msgData is an encryptedPDU");
    }
    if (tag == kTagOctetString) {
      BerReader data;
      msg.Expect(kTagOctetString, &data);
      if (layout != nullptr) {
        layout->scoped_pdu_offset = data.offset();
        layout->scoped_pdu_length = data.remaining();
      }
      data.RestInto(&out->encrypted_pdu);
      out->pdu = {};  // (a plaintext scopedPDU overwrites every field instead, reusing capacity)
    } else if (tag == kTagSequence) {
      if (layout != nullptr) layout->scoped_pdu_offset = at;
      if (!ScopedPdu(msg, out, Version::kV3)) return false;
      if (layout != nullptr) layout->scoped_pdu_length = msg.offset() - at;
    } else {
      return FailText("msgData", at,
                      absl::StrCat("tag 0x", absl::Hex(tag), " is neither a scopedPDU nor an "
                                   "encryptedPDU"));
    }
    return End(msg, "message");
  }

  static std::string_view ViewOf(std::span<const uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }

 private:
  absl::Status status_;
};

// ---------------------------------------------------------------------------------------------
// Encoding, backwards: every structure writes its last part first.

bool EncodeValue(BerWriter& w, const Value& value) {
  const uint8_t tag = static_cast<uint8_t>(value.type());
  switch (value.type()) {
    case ValueType::kInteger:
      w.Integer(tag, value.as_int());
      return true;
    case ValueType::kOctetString:
    case ValueType::kIpAddress:
    case ValueType::kOpaque:
      w.Bytes(tag, value.bytes());
      return true;
    case ValueType::kNull:
    case ValueType::kNoSuchObject:
    case ValueType::kNoSuchInstance:
    case ValueType::kEndOfMibView:
      w.Null(tag);
      return true;
    case ValueType::kObjectId:
      return w.ObjectId(tag, value.oid());
    case ValueType::kCounter32:
    case ValueType::kGauge32:
    case ValueType::kTimeTicks:
    case ValueType::kCounter64:
      w.Unsigned(tag, value.as_uint());
      return true;
  }
  return false;
}

absl::Status Unencodable(const Oid& oid) {
  return absl::InvalidArgumentError(absl::StrCat(
      "snmp: object identifier ", oid.ToString(),
      " cannot be encoded (the first arc must be 0, 1 or 2, the second below 40 under 0 and 1, "
      "and there may be at most ", Oid::kMaxArcs, " arcs)"));
}

absl::Status EncodePduTo(BerWriter& w, const Pdu& pdu) {
  const size_t mark = w.Mark();
  const size_t list = w.Mark();
  for (size_t i = pdu.varbinds.size(); i > 0; --i) {
    const VarBind& vb = pdu.varbinds[i - 1];
    const size_t one = w.Mark();
    if (!EncodeValue(w, vb.value)) return Unencodable(vb.value.oid());
    if (!w.ObjectId(kTagOid, vb.oid)) return Unencodable(vb.oid);
    w.Header(kTagSequence, one);
  }
  w.Header(kTagSequence, list);
  if (pdu.type == PduType::kTrapV1) {
    w.Unsigned(static_cast<uint8_t>(ValueType::kTimeTicks), pdu.trap_v1.time_stamp);
    w.Integer(kTagInteger, pdu.trap_v1.specific_trap);
    w.Integer(kTagInteger, pdu.trap_v1.generic_trap);
    w.Bytes(static_cast<uint8_t>(ValueType::kIpAddress), pdu.trap_v1.agent_address);
    if (!w.ObjectId(kTagOid, pdu.trap_v1.enterprise)) return Unencodable(pdu.trap_v1.enterprise);
  } else {
    w.Integer(kTagInteger, pdu.error_index);
    w.Integer(kTagInteger, pdu.error_status);
    w.Integer(kTagInteger, pdu.request_id);
  }
  w.Header(static_cast<uint8_t>(pdu.type), mark);
  return absl::OkStatus();
}

absl::Status CheckPduForVersion(Version version, PduType type) {
  if (std::string why = PduVersionMismatch(version, type); !why.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("snmp: ", why));
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view VersionName(Version version) {
  switch (version) {
    case Version::kV1: return "1";
    case Version::kV2c: return "2c";
    case Version::kV3: return "3";
  }
  return "?";
}

absl::Status EncodeMessage(const Message& message, std::vector<uint8_t>* out,
                           MessageLayout* layout) {
  BerWriter w(out);
  const size_t mark = w.Mark();
  size_t auth_from_end = 0;
  size_t scoped_from_end = 0;
  size_t scoped_length = 0;
  switch (message.version) {
    case Version::kV1:
    case Version::kV2c:
      // Message ::= SEQUENCE { version INTEGER, community OCTET STRING, data PDU }
      if (absl::Status s = CheckPduForVersion(message.version, message.pdu.type); !s.ok()) return s;
      if (absl::Status s = EncodePduTo(w, message.pdu); !s.ok()) return s;
      w.Bytes(kTagOctetString, message.community);
      break;
    case Version::kV3: {
      // SNMPv3Message ::= SEQUENCE { msgVersion, msgGlobalData, msgSecurityParameters, msgData }
      if (absl::Status s = CheckPduForVersion(message.version, message.pdu.type); !s.ok()) return s;
      if (message.flags & kFlagPriv) {
        const size_t before = w.Mark();
        w.Bytes(kTagOctetString, message.encrypted_pdu);
        scoped_length = message.encrypted_pdu.size();
        scoped_from_end = before + scoped_length;
      } else {
        const size_t scoped = w.Mark();
        if (absl::Status s = EncodePduTo(w, message.pdu); !s.ok()) return s;
        w.Bytes(kTagOctetString, message.context_name);
        w.Bytes(kTagOctetString, message.context_engine_id);
        w.Header(kTagSequence, scoped);
        scoped_length = w.Mark() - scoped;
        scoped_from_end = w.Mark();
      }
      const size_t params = w.Mark();
      const size_t usm = w.Mark();
      w.Bytes(kTagOctetString, message.usm.priv_params);
      const size_t auth = w.Mark();
      w.Raw({reinterpret_cast<const uint8_t*>(message.usm.auth_params.data()),
             message.usm.auth_params.size()});
      auth_from_end = w.Mark();
      w.Header(kTagOctetString, auth);
      w.Bytes(kTagOctetString, message.usm.user_name);
      w.Integer(kTagInteger, message.usm.engine_time);
      w.Integer(kTagInteger, message.usm.engine_boots);
      w.Bytes(kTagOctetString, message.usm.engine_id);
      w.Header(kTagSequence, usm);
      w.Header(kTagOctetString, params);
      const size_t header = w.Mark();
      w.Integer(kTagInteger, message.security_model);
      const char flags = static_cast<char>(message.flags);
      w.Bytes(kTagOctetString, std::string_view(&flags, 1));
      w.Integer(kTagInteger, message.max_size);
      w.Integer(kTagInteger, message.msg_id);
      w.Header(kTagSequence, header);
      break;
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("snmp: cannot encode version ", static_cast<int32_t>(message.version)));
  }
  w.Integer(kTagInteger, static_cast<int32_t>(message.version));
  w.Header(kTagSequence, mark);
  const size_t total = w.size();
  w.Finish();
  if (layout != nullptr) {
    *layout = {};
    if (message.version == Version::kV3) {
      layout->auth_params_offset = total - auth_from_end;
      layout->auth_params_length = message.usm.auth_params.size();
      layout->scoped_pdu_offset = total - scoped_from_end;
      layout->scoped_pdu_length = scoped_length;
    }
  }
  return absl::OkStatus();
}

absl::Status EncodeScopedPdu(std::string_view context_engine_id, std::string_view context_name,
                             const Pdu& pdu, std::vector<uint8_t>* out) {
  BerWriter w(out);
  const size_t mark = w.Mark();
  if (absl::Status s = EncodePduTo(w, pdu); !s.ok()) return s;
  w.Bytes(kTagOctetString, context_name);
  w.Bytes(kTagOctetString, context_engine_id);
  w.Header(kTagSequence, mark);
  w.Finish();
  return absl::OkStatus();
}

absl::Status EncodePdu(const Pdu& pdu, std::vector<uint8_t>* out) {
  BerWriter w(out);
  if (absl::Status s = EncodePduTo(w, pdu); !s.ok()) return s;
  w.Finish();
  return absl::OkStatus();
}

absl::Status DecodeMessage(std::span<const uint8_t> bytes, Message* out, MessageLayout* layout) {
  Decoder d;
  BerReader top(bytes, 0);
  BerReader msg;
  if (!d.Tlv(top, kTagSequence, "message", &msg) || !d.End(top, "datagram")) return d.status();
  int32_t version = 0;
  if (!d.Int32(msg, "version", &version)) return d.status();
  if (layout != nullptr) *layout = {};
  switch (version) {
    case 0:
    case 1:
      out->version = static_cast<Version>(version);
      // The v3 fields take their defaults, as in a fresh Message (clear() keeps the capacity).
      out->msg_id = 0;
      out->max_size = Message{}.max_size;
      out->flags = 0;
      out->security_model = kSecurityModelUsm;
      ClearUsm(&out->usm);
      out->context_engine_id.clear();
      out->context_name.clear();
      out->encrypted_pdu.clear();
      if (!d.Octets(msg, "community", &out->community) ||
          !d.Pdu(msg, &out->pdu, out->version) || !d.End(msg, "message")) {
        return d.status();
      }
      return absl::OkStatus();
    case 3:
      out->version = Version::kV3;
      out->community.clear();
      if (!d.V3(msg, out, layout)) return d.status();
      return absl::OkStatus();
    default:
      return absl::UnimplementedError(
          absl::StrCat("snmp: message version ", version, " is not supported (0 = v1, 1 = v2c, "
                       "3 = v3)"));
  }
}

absl::Status DecodeScopedPdu(std::span<const uint8_t> bytes, Message* out) {
  Decoder d;
  BerReader in(bytes, 0);
  if (!d.ScopedPdu(in, out)) return d.status();
  return absl::OkStatus();
}

absl::Status DecodePdu(std::span<const uint8_t> bytes, Pdu* out) {
  Decoder d;
  BerReader in(bytes, 0);
  if (!d.Pdu(in, out) || !d.End(in, "PDU")) return d.status();
  return absl::OkStatus();
}

namespace internal {
std::string_view BerErrorText(BerError error) {
  switch (error) {
    case BerError::kNone: return "no error";
    case BerError::kTruncated: return "truncated";
    case BerError::kIndefinite: return "indefinite length (not allowed in SNMP)";
    case BerError::kLengthTooLong: return "length of more than 4 octets";
    case BerError::kHighTag: return "multi-byte tag";
    case BerError::kUnexpectedTag: return "unexpected tag";
    case BerError::kBadInteger: return "integer of no or too many octets";
    case BerError::kBadOid: return "bad object identifier (sub-identifier over 32 bits, "
                                   "unterminated, or more than 128 arcs)";
  }
  return "unknown error";
}
}  // namespace internal

}  // namespace cistern::snmp
