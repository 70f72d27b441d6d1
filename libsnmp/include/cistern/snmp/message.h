// Message: one SNMP message as it travels in a UDP datagram — v1/v2c (RFC 1157, RFC 1901: version,
// community, PDU) or v3 (RFC 3412 §6: header, USM security parameters, scoped PDU, plain or
// encrypted) — and its BER encoding and decoding (X.690 definite-length BER, as SNMP uses it).
//
//   Message m;
//   m.version = Version::kV2c;
//   m.community = "public";
//   m.pdu = Pdu::Get({sys_name});
//   std::vector<uint8_t> bytes;
//   CISTERN_RETURN_IF_ERROR(EncodeMessage(m, &bytes));
//   ...
//   absl::Status s = DecodeMessage(reply_bytes, &m);   // InvalidArgument: what and at which byte
//
// This layer does no security processing: for v3 it writes and reads the USM fields as given
// (usm.h and the client sign, verify, encrypt and decrypt). Decoding is bounded and total: every
// TLV is read through a reader confined to its length, lengths beyond the datagram, indefinite
// lengths, multi-byte tags, over-long integers and sub-identifiers, OIDs longer than 128 arcs and
// PDUs of more than kMaxVarBinds bindings are InvalidArgument errors naming the field and byte
// offset; an unknown SNMP version is Unimplemented. A decoded message owns its data (no views into
// the input). Functions are reentrant; values are not synchronised.
#ifndef CISTERN_SNMP_MESSAGE_H_
#define CISTERN_SNMP_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cistern/snmp/pdu.h"

namespace cistern::snmp {

enum class Version : int32_t { kV1 = 0, kV2c = 1, kV3 = 3 };
std::string_view VersionName(Version version);  // "1", "2c", "3"

// msgFlags (RFC 3412 §6.4).
inline constexpr uint8_t kFlagAuth = 0x01;
inline constexpr uint8_t kFlagPriv = 0x02;
inline constexpr uint8_t kFlagReportable = 0x04;
// msgSecurityModel of USM (RFC 3411).
inline constexpr int32_t kSecurityModelUsm = 3;
// Bindings per PDU accepted by the decoder (a limit, not a protocol constant).
inline constexpr size_t kMaxVarBinds = 4096;

// UsmSecurityParameters (RFC 3414 §2.4).
struct UsmSecurityParameters {
  std::string engine_id;  // msgAuthoritativeEngineID
  int32_t engine_boots = 0;
  int32_t engine_time = 0;
  std::string user_name;
  std::string auth_params;  // msgAuthenticationParameters (the truncated HMAC, or empty)
  std::string priv_params;  // msgPrivacyParameters (the 8-byte salt, or empty)

  friend bool operator==(const UsmSecurityParameters&, const UsmSecurityParameters&) = default;
};

struct Message {
  Version version = Version::kV2c;
  std::string community;  // v1, v2c

  // v3 only.
  int32_t msg_id = 0;
  int32_t max_size = 65507;
  uint8_t flags = 0;
  int32_t security_model = kSecurityModelUsm;
  UsmSecurityParameters usm;
  std::string context_engine_id;
  std::string context_name;
  // With kFlagPriv: the encryptedPDU. Encoding writes it in place of the scoped PDU; decoding fills
  // it and leaves `pdu` empty (DecodeScopedPdu reads the plaintext once decrypted).
  std::string encrypted_pdu;

  Pdu pdu;

  friend bool operator==(const Message&, const Message&) = default;
};

// Where the parts that security processing touches lie in an encoded message.
struct MessageLayout {
  size_t auth_params_offset = 0;  // v3: offset of msgAuthenticationParameters' value bytes
  size_t auth_params_length = 0;
  size_t scoped_pdu_offset = 0;   // v3: offset of the scopedPDU TLV or the encryptedPDU's value
  size_t scoped_pdu_length = 0;
};

// Replaces `out` with the encoding of `message`. InvalidArgument for what cannot be encoded (an OID
// whose first arcs BER cannot express, a v1 PDU type that v1 lacks).
absl::Status EncodeMessage(const Message& message, std::vector<uint8_t>* out,
                           MessageLayout* layout = nullptr);
// Replaces `out` with ScopedPDU ::= SEQUENCE { contextEngineID, contextName, data } — the plaintext
// that USM encrypts.
absl::Status EncodeScopedPdu(std::string_view context_engine_id, std::string_view context_name,
                             const Pdu& pdu, std::vector<uint8_t>* out);

// Decodes one whole message (trailing bytes are an error).
absl::Status DecodeMessage(std::span<const uint8_t> bytes, Message* out,
                           MessageLayout* layout = nullptr);
// Decodes a decrypted ScopedPDU into out->context_engine_id, context_name and pdu. Bytes after the
// SEQUENCE (DES padding) are ignored.
absl::Status DecodeScopedPdu(std::span<const uint8_t> bytes, Message* out);

// Encoded bytes of a PDU alone (tests, fuzzing, sizing); DecodePdu reads exactly one.
absl::Status EncodePdu(const Pdu& pdu, std::vector<uint8_t>* out);
absl::Status DecodePdu(std::span<const uint8_t> bytes, Pdu* out);

}  // namespace cistern::snmp

#endif  // CISTERN_SNMP_MESSAGE_H_
