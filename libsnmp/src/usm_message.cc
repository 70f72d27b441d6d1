#include "usm_message.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "cistern/base/status_macros.h"
#include "usm_crypto.h"

namespace cistern::snmp::internal {
namespace {

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

uint8_t FlagsFor(SecurityLevel level) {
  switch (level) {
    case SecurityLevel::kNoAuthNoPriv: return kFlagReportable;
    case SecurityLevel::kAuthNoPriv: return kFlagReportable | kFlagAuth;
    case SecurityLevel::kAuthPriv: return kFlagReportable | kFlagAuth | kFlagPriv;
  }
  return kFlagReportable;
}

}  // namespace

int32_t EngineInfo::TimeNow(absl::Time now) const {
  const int64_t elapsed = std::max<int64_t>(0, absl::ToInt64Seconds(now - synced_at));
  return static_cast<int32_t>(
      std::min<int64_t>(int64_t{time} + elapsed, std::numeric_limits<int32_t>::max()));
}

void EngineInfo::Observe(int32_t message_boots, int32_t message_time, absl::Time now) {
  if (message_boots > boots || (message_boots == boots && message_time > TimeNow(now))) {
    boots = message_boots;
    time = message_time;
    synced_at = now;
  }
}

absl::Status EncodeDiscovery(int32_t msg_id, int32_t request_id, std::vector<uint8_t>* out) {
  Message m;
  m.version = Version::kV3;
  m.msg_id = msg_id;
  m.flags = kFlagReportable;
  m.pdu.type = PduType::kGetRequest;
  m.pdu.request_id = request_id;
  return EncodeMessage(m, out);
}

absl::Status EncodeSecured(const Target& target, const EngineInfo& engine,
                           const LocalizedKeys* keys, int32_t msg_id, const Pdu& pdu,
                           uint64_t salt, absl::Time now, std::vector<uint8_t>* out,
                           std::vector<uint8_t>* scratch) {
  const UsmUser& user = target.user;
  Message m;
  m.version = Version::kV3;
  m.msg_id = msg_id;
  m.flags = FlagsFor(user.level);
  if (!IsConfirmedClass(pdu.type)) m.flags &= static_cast<uint8_t>(~kFlagReportable);
  m.usm.engine_id = engine.engine_id;
  m.usm.user_name = user.name;
  if (user.level != SecurityLevel::kNoAuthNoPriv) {
    if (keys == nullptr) return absl::InternalError("snmp: USM keys missing for an auth request");
    m.usm.engine_boots = engine.boots;
    m.usm.engine_time = engine.TimeNow(now);
    m.usm.auth_params.assign(AuthParametersLength(user.auth), '\0');
  }
  m.context_engine_id = target.context_engine_id.empty() ? engine.engine_id
                                                         : target.context_engine_id;
  m.context_name = target.context_name;
  if (user.level == SecurityLevel::kAuthPriv) {
    CISTERN_RETURN_IF_ERROR(EncodeScopedPdu(m.context_engine_id, m.context_name, pdu, scratch));
    CISTERN_RETURN_IF_ERROR(Encrypt(user.priv, keys->priv_key,
                                    static_cast<uint32_t>(m.usm.engine_boots),
                                    static_cast<uint32_t>(m.usm.engine_time), salt, *scratch,
                                    &m.encrypted_pdu, &m.usm.priv_params));
  } else {
    m.pdu = pdu;
  }
  MessageLayout layout;
  CISTERN_RETURN_IF_ERROR(EncodeMessage(m, out, &layout));
  if (user.level != SecurityLevel::kNoAuthNoPriv) {
    // RFC 3414 §6.3.1: the digest covers the whole message with the parameters zeroed.
    std::span<uint8_t> params(out->data() + layout.auth_params_offset, layout.auth_params_length);
    CISTERN_RETURN_IF_ERROR(Sign(user.auth, keys->auth_key, *out, params));
  }
  return absl::OkStatus();
}

absl::Status OpenSecured(std::span<const uint8_t> bytes, const MessageLayout& layout,
                         const UsmUser& user, const LocalizedKeys* keys, Message* message,
                         std::vector<uint8_t>* scratch) {
  const bool auth = message->flags & kFlagAuth;
  const bool priv = message->flags & kFlagPriv;
  if (priv && !auth) {
    return absl::UnauthenticatedError("snmp: message claims privacy without authentication");
  }
  if (!auth) return absl::OkStatus();
  if (message->usm.user_name != user.name) {
    return absl::UnauthenticatedError(absl::StrCat("snmp: authenticated reply for user \"",
                                                   message->usm.user_name, "\", not \"",
                                                   user.name, "\""));
  }
  if (keys == nullptr || user.auth == AuthProtocol::kNone ||
      layout.auth_params_length != AuthParametersLength(user.auth)) {
    return absl::UnauthenticatedError(absl::StrCat(
        "snmp: reply's authentication parameters (", layout.auth_params_length,
        " bytes) do not fit ", Absl(AuthProtocolName(user.auth))));
  }
  scratch->assign(bytes.begin(), bytes.end());
  std::memset(scratch->data() + layout.auth_params_offset, 0, layout.auth_params_length);
  if (!Verify(user.auth, keys->auth_key, *scratch, Bytes(message->usm.auth_params))) {
    return absl::UnauthenticatedError("snmp: reply failed authentication (wrong digest)");
  }
  if (!priv) return absl::OkStatus();
  if (keys->priv_key.empty()) {
    return absl::UnauthenticatedError("snmp: encrypted reply, and no privacy key");
  }
  std::string plain;
  absl::Status s = Decrypt(user.priv, keys->priv_key,
                           static_cast<uint32_t>(message->usm.engine_boots),
                           static_cast<uint32_t>(message->usm.engine_time),
                           message->usm.priv_params, Bytes(message->encrypted_pdu), &plain);
  if (!s.ok()) return absl::UnauthenticatedError(absl::StrCat("snmp: reply: ", s.message()));
  s = DecodeScopedPdu(Bytes(plain), message);
  if (!s.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("snmp: reply does not decrypt to a scoped PDU (wrong privacy key?): ",
                     s.message()));
  }
  return absl::OkStatus();
}

ReportKind ClassifyReport(const Pdu& report) {
  if (report.varbinds.empty()) return ReportKind::kNone;
  const Oid& oid = report.varbinds.front().oid;
  static const Oid kUsmStats{1, 3, 6, 1, 6, 3, 15, 1, 1};
  static const Oid kMpdStats{1, 3, 6, 1, 6, 3, 11, 2, 1};
  static const Oid kTargetStats{1, 3, 6, 1, 6, 3, 12, 1};
  const auto arc_after = [&oid](const Oid& prefix) -> uint32_t {
    return oid.size() > prefix.size() && oid.StartsWith(prefix) ? oid[prefix.size()] : 0;
  };
  switch (arc_after(kUsmStats)) {
    case 1: return ReportKind::kUnsupportedSecLevel;
    case 2: return ReportKind::kNotInTimeWindow;
    case 3: return ReportKind::kUnknownUserName;
    case 4: return ReportKind::kUnknownEngineId;
    case 5: return ReportKind::kWrongDigest;
    case 6: return ReportKind::kDecryptionError;
    default: break;
  }
  switch (arc_after(kMpdStats)) {
    case 1: return ReportKind::kUnknownSecurityModel;
    case 2: return ReportKind::kInvalidMessage;
    case 3: return ReportKind::kUnknownPduHandler;
    default: break;
  }
  switch (arc_after(kTargetStats)) {
    case 4: return ReportKind::kUnavailableContext;
    case 5: return ReportKind::kUnknownContext;
    default: break;
  }
  return ReportKind::kNone;
}

absl::Status ReportError(ReportKind kind, const Pdu& report, const Target& target,
                         const std::string& peer) {
  const std::string& user = target.user.name;
  switch (kind) {
    case ReportKind::kUnsupportedSecLevel:
      return absl::UnauthenticatedError(absl::StrCat(
          "snmp: ", peer, " refuses security level ",
          Absl(SecurityLevelName(target.user.level)), " for user \"", user,
          "\" (usmStatsUnsupportedSecLevels)"));
    case ReportKind::kNotInTimeWindow:
      return absl::UnauthenticatedError(absl::StrCat(
          "snmp: ", peer, " keeps answering that the request is outside its time window "
          "(usmStatsNotInTimeWindows)"));
    case ReportKind::kUnknownUserName:
      return absl::UnauthenticatedError(absl::StrCat("snmp: ", peer, " does not know user \"",
                                                     user, "\" (usmStatsUnknownUserNames)"));
    case ReportKind::kUnknownEngineId:
      return absl::UnauthenticatedError(absl::StrCat(
          "snmp: ", peer, " does not accept the engine ID the request was sent to "
          "(usmStatsUnknownEngineIDs)"));
    case ReportKind::kWrongDigest:
      return absl::UnauthenticatedError(absl::StrCat(
          "snmp: ", peer, " rejected the digest: wrong authentication password or protocol (",
          Absl(AuthProtocolName(target.user.auth)), ") for user \"", user,
          "\" (usmStatsWrongDigests)"));
    case ReportKind::kDecryptionError:
      return absl::UnauthenticatedError(absl::StrCat(
          "snmp: ", peer, " could not decrypt the request: wrong privacy password or protocol (",
          Absl(PrivProtocolName(target.user.priv)), ") for user \"", user,
          "\" (usmStatsDecryptionErrors)"));
    case ReportKind::kUnknownContext:
      return absl::FailedPreconditionError(absl::StrCat(
          "snmp: ", peer, " does not know context \"", target.context_name,
          "\" (snmpUnknownContexts)"));
    case ReportKind::kUnavailableContext:
      return absl::FailedPreconditionError(absl::StrCat(
          "snmp: context \"", target.context_name, "\" is unavailable on ", peer,
          " (snmpUnavailableContexts)"));
    case ReportKind::kUnknownPduHandler:
      return absl::FailedPreconditionError(
          absl::StrCat("snmp: ", peer, " has no handler for the PDU (snmpUnknownPDUHandlers)"));
    case ReportKind::kUnknownSecurityModel:
      return absl::FailedPreconditionError(absl::StrCat(
          "snmp: ", peer, " does not support the security model (snmpUnknownSecurityModels)"));
    case ReportKind::kInvalidMessage:
      return absl::FailedPreconditionError(
          absl::StrCat("snmp: ", peer, " found the message invalid (snmpInvalidMsgs)"));
    case ReportKind::kNone:
      break;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "snmp: ", peer, " answered with a Report",
      report.varbinds.empty() ? std::string()
                              : absl::StrCat(" (", report.varbinds.front().oid.ToString(), ")")));
}

}  // namespace cistern::snmp::internal
