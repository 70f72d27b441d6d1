// Security processing of SNMPv3 messages with USM (RFC 3414 §3.1 outgoing, §3.2 incoming), on
// top of the message codec and usm_crypto. Private to libsnmp; used by the client's I/O thread.
#ifndef CISTERN_SNMP_SRC_USM_MESSAGE_H_
#define CISTERN_SNMP_SRC_USM_MESSAGE_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cistern/snmp/client.h"
#include "cistern/snmp/message.h"
#include "cistern/snmp/usm.h"

namespace cistern::snmp::internal {

// What a non-authoritative engine knows of an authoritative one (RFC 3414 §2.3).
struct EngineInfo {
  std::string engine_id;
  int32_t boots = 0;
  int32_t time = 0;
  absl::Time synced_at;  // local time when `time` was learned

  // The engine's time now, estimated from the last sync (capped at 2^31-1).
  int32_t TimeNow(absl::Time now) const;
  // RFC 3414 §3.2.7 b: adopt a newer (boots, time) seen in an authentic message.
  void Observe(int32_t message_boots, int32_t message_time, absl::Time now);
};

// The discovery probe of RFC 3414 §4: noAuthNoPriv, reportable, no user, no engine, an empty Get.
absl::Status EncodeDiscovery(int32_t msg_id, int32_t request_id, std::vector<uint8_t>* out);

// `pdu` from `target`'s user to `engine`: signed and/or encrypted as the user's level says.
// `keys` may be null only at noAuthNoPriv. `salt` is the privacy salt counter's next value.
absl::Status EncodeSecured(const Target& target, const EngineInfo& engine,
                           const LocalizedKeys* keys, int32_t msg_id, const Pdu& pdu,
                           uint64_t salt, absl::Time now, std::vector<uint8_t>* out,
                           std::vector<uint8_t>* scratch);

// Checks and opens a decoded incoming message: verifies its digest when it claims authentication
// (Unauthenticated when the user is not ours, keys are missing, or the digest is wrong), decrypts
// its PDU when it claims privacy (Unauthenticated when it does not decrypt to a scoped PDU).
// Unauthenticated messages (reports at noAuthNoPriv) pass through as they are.
absl::Status OpenSecured(std::span<const uint8_t> bytes, const MessageLayout& layout,
                         const UsmUser& user, const LocalizedKeys* keys, Message* message,
                         std::vector<uint8_t>* scratch);

// usmStats counters (RFC 3414 §5: 1.3.6.1.6.3.15.1.1.N.0) and the MPD/target ones a Report may
// carry. kNone when the report's first binding is none of them.
enum class ReportKind : uint8_t {
  kNone,
  kUnsupportedSecLevel,  // usmStatsUnsupportedSecLevels
  kNotInTimeWindow,      // usmStatsNotInTimeWindows
  kUnknownUserName,      // usmStatsUnknownUserNames
  kUnknownEngineId,      // usmStatsUnknownEngineIDs
  kWrongDigest,          // usmStatsWrongDigests
  kDecryptionError,      // usmStatsDecryptionErrors
  kUnknownContext,       // snmpUnknownContexts
  kUnavailableContext,   // snmpUnavailableContexts
  kUnknownPduHandler,    // snmpUnknownPDUHandlers
  kUnknownSecurityModel, // snmpUnknownSecurityModels
  kInvalidMessage,       // snmpInvalidMsgs
};
ReportKind ClassifyReport(const Pdu& report);
// The error a report means for the request it answers (for kinds the client does not recover
// from): Unauthenticated for the usmStats kinds, FailedPrecondition for the others.
absl::Status ReportError(ReportKind kind, const Pdu& report, const Target& target,
                         const std::string& peer);

}  // namespace cistern::snmp::internal

#endif  // CISTERN_SNMP_SRC_USM_MESSAGE_H_
