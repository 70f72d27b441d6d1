// The cryptography of USM (RFC 3414, RFC 3826, RFC 7860), on OpenSSL's libcrypto. Private to
// libsnmp. Every function is thread-safe (no shared mutable state beyond OpenSSL's own, which is
// thread-safe in OpenSSL 3).
//
// DES-CBC lives in OpenSSL 3's "legacy" provider; it is loaded into a library context of our own
// (never the process default), so linking libsnmp changes nothing for the rest of the program.
#ifndef CISTERN_SNMP_SRC_USM_CRYPTO_H_
#define CISTERN_SNMP_SRC_USM_CRYPTO_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cistern/snmp/usm.h"

namespace cistern::snmp::internal {

// Digest length of the protocol's hash: MD5 16, SHA-1 20, SHA-224 28, SHA-256 32, SHA-384 48,
// SHA-512 64. 0 for kNone.
size_t DigestLength(AuthProtocol protocol);
// Key length of the privacy protocol: DES 16 (8 key + 8 pre-IV), AES-128 16, AES-192 24,
// AES-256 32. 0 for kNone.
size_t PrivKeyLength(PrivProtocol protocol);

// RFC 3414 A.2: Ku = H(the password repeated to 1,048,576 bytes). InvalidArgument for an empty
// password.
absl::StatusOr<std::string> PasswordToKey(AuthProtocol protocol, std::string_view password);
// RFC 3414 §2.6: Kul = H(Ku || engineID || Ku).
std::string LocalizeKey(AuthProtocol protocol, std::string_view ku, std::string_view engine_id);
// The localised privacy key for `priv`, derived with `auth`'s hash from `password`, extended to
// PrivKeyLength(priv) the way net-snmp 5.9 does for AES-192/256 when the digest is shorter.
absl::StatusOr<std::string> LocalizedPrivKey(AuthProtocol auth, PrivProtocol priv,
                                             std::string_view password,
                                             std::string_view engine_id);
// The same from the password's Ku (PasswordToKey(auth, password)), for callers that cache Ku.
absl::StatusOr<std::string> LocalizedPrivKeyFromKu(AuthProtocol auth, PrivProtocol priv,
                                                   std::string_view ku,
                                                   std::string_view engine_id);

// HMAC of `message` with the localised auth key, truncated to AuthParametersLength(protocol),
// written to `out` (which has exactly that size).
absl::Status Sign(AuthProtocol protocol, std::string_view auth_key,
                  std::span<const uint8_t> message, std::span<uint8_t> out);
// Constant-time comparison of Sign(message) with `received`.
bool Verify(AuthProtocol protocol, std::string_view auth_key, std::span<const uint8_t> message,
            std::span<const uint8_t> received);

// Encrypts a serialised scopedPDU. `salt` is the sender's 64-bit counter: DES uses
// engine_boots || low 32 bits of salt as msgPrivacyParameters (RFC 3414 §8.1.1.1), AES uses all
// 64 bits (RFC 3826 §3.1.2.1); `priv_params` receives those 8 bytes.
absl::Status Encrypt(PrivProtocol protocol, std::string_view priv_key, uint32_t engine_boots,
                     uint32_t engine_time, uint64_t salt, std::span<const uint8_t> plaintext,
                     std::string* ciphertext, std::string* priv_params);
// Decrypts an encryptedPDU. InvalidArgument when priv_params is not 8 bytes or a DES ciphertext
// is not a multiple of 8. The plaintext of DES keeps its padding (BER says where it ends).
absl::Status Decrypt(PrivProtocol protocol, std::string_view priv_key, uint32_t engine_boots,
                     uint32_t engine_time, std::string_view priv_params,
                     std::span<const uint8_t> ciphertext, std::string* plaintext);

}  // namespace cistern::snmp::internal

#endif  // CISTERN_SNMP_SRC_USM_CRYPTO_H_
