// The User-based Security Model (RFC 3414) as a user of it sees it: security levels, the
// authentication and privacy protocols, a user's credentials, and the cache of localised keys.
//
//   UsmUser user{.name = "shaaesuser", .level = SecurityLevel::kAuthPriv,
//                .auth = AuthProtocol::kSha1, .auth_password = "shaauthpass1",
//                .priv = PrivProtocol::kAes128, .priv_password = "aesprivpass1"};
//   absl::StatusOr<AuthProtocol> a = ParseAuthProtocol("SHA-256");   // net-snmp's -a names
//
// Authentication: HMAC-MD5-96 and HMAC-SHA-96 (RFC 3414), HMAC-SHA-2 (RFC 7860: SHA-224/128,
// SHA-256/192, SHA-384/256, SHA-512/384). Privacy: DES-CBC (RFC 3414 §8), AES-128-CFB (RFC 3826);
// AES-192 and AES-256 with the key extension net-snmp applies when the auth hash is shorter than
// the key (draft-blumenthal-aes-usm-04 §3.1.2.1, net-snmp's "AES-192"/"AES-256"). All crypto is
// OpenSSL's libcrypto (linked privately). Key localisation hashes a megabyte per password
// (RFC 3414 A.2.1), so KeyCache keeps the result per (protocol, password, engine).
//
// KeyCache is thread-safe. The other types are plain values.
#ifndef CISTERN_SNMP_USM_H_
#define CISTERN_SNMP_USM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace cistern::snmp {

enum class SecurityLevel : uint8_t { kNoAuthNoPriv, kAuthNoPriv, kAuthPriv };
enum class AuthProtocol : uint8_t { kNone, kMd5, kSha1, kSha224, kSha256, kSha384, kSha512 };
enum class PrivProtocol : uint8_t { kNone, kDes, kAes128, kAes192, kAes256 };

// net-snmp's names: -l noAuthNoPriv|authNoPriv|authPriv (also noauth/auth/priv);
// -a MD5|SHA|SHA-224|SHA-256|SHA-384|SHA-512 (SHA1 and SHA-1 accepted);
// -x DES|AES|AES-128|AES-192|AES-256 (also AES128/AES192/AES256). Case-insensitive.
absl::StatusOr<SecurityLevel> ParseSecurityLevel(std::string_view name);
absl::StatusOr<AuthProtocol> ParseAuthProtocol(std::string_view name);
absl::StatusOr<PrivProtocol> ParsePrivProtocol(std::string_view name);
std::string_view SecurityLevelName(SecurityLevel level);
std::string_view AuthProtocolName(AuthProtocol protocol);
std::string_view PrivProtocolName(PrivProtocol protocol);

// The length of msgAuthenticationParameters for a protocol: 12 (MD5, SHA), 16, 24, 32, 48.
size_t AuthParametersLength(AuthProtocol protocol);

struct UsmUser {
  std::string name;
  SecurityLevel level = SecurityLevel::kNoAuthNoPriv;
  AuthProtocol auth = AuthProtocol::kNone;
  std::string auth_password;
  PrivProtocol priv = PrivProtocol::kNone;
  std::string priv_password;

  // InvalidArgument when the level asks for a protocol that is missing, or a password is shorter
  // than the 8 characters RFC 3414 §11.2 requires.
  absl::Status Validate() const;
};

// A user's keys localised to one authoritative engine (RFC 3414 §2.6).
struct LocalizedKeys {
  std::string auth_key;  // digest length of the auth protocol
  std::string priv_key;  // 16 (DES: key + pre-IV; AES-128), 24 (AES-192) or 32 (AES-256) bytes
};

class KeyCache {
 public:
  // The localised keys of `user` for `engine_id`. The megabyte hash of each password (Ku) is
  // computed once per (protocol, password) and the localisation once per engine, so that polling
  // a thousand devices with one user costs one Ku and a thousand cheap localisations.
  absl::StatusOr<std::shared_ptr<const LocalizedKeys>> Get(const UsmUser& user,
                                                           std::string_view engine_id);
  size_t size() const;  // localised key sets held

 private:
  absl::StatusOr<std::string> Ku(AuthProtocol protocol, const std::string& password);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> ku_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<const LocalizedKeys>> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cistern::snmp

#endif  // CISTERN_SNMP_USM_H_
