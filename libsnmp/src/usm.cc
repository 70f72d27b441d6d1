#include "cistern/snmp/usm.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cistern/base/status_macros.h"
#include "usm_crypto.h"

namespace cistern::snmp {
namespace {

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string Upper(std::string_view s) { return absl::AsciiStrToUpper(Absl(s)); }

}  // namespace

absl::StatusOr<SecurityLevel> ParseSecurityLevel(std::string_view name) {
  const std::string n = Upper(name);
  if (n == "NOAUTHNOPRIV" || n == "NOAUTH" || n == "1") return SecurityLevel::kNoAuthNoPriv;
  if (n == "AUTHNOPRIV" || n == "AUTH" || n == "2") return SecurityLevel::kAuthNoPriv;
  if (n == "AUTHPRIV" || n == "PRIV" || n == "3") return SecurityLevel::kAuthPriv;
  return absl::InvalidArgumentError(
      absl::StrCat("snmp: unknown security level \"", Absl(name),
                   "\" (noAuthNoPriv, authNoPriv or authPriv)"));
}

absl::StatusOr<AuthProtocol> ParseAuthProtocol(std::string_view name) {
  const std::string n = Upper(name);
  if (n == "MD5") return AuthProtocol::kMd5;
  if (n == "SHA" || n == "SHA1" || n == "SHA-1") return AuthProtocol::kSha1;
  if (n == "SHA-224" || n == "SHA224") return AuthProtocol::kSha224;
  if (n == "SHA-256" || n == "SHA256") return AuthProtocol::kSha256;
  if (n == "SHA-384" || n == "SHA384") return AuthProtocol::kSha384;
  if (n == "SHA-512" || n == "SHA512") return AuthProtocol::kSha512;
  return absl::InvalidArgumentError(absl::StrCat(
      "snmp: unknown authentication protocol \"", Absl(name),
      "\" (MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512)"));
}

absl::StatusOr<PrivProtocol> ParsePrivProtocol(std::string_view name) {
  const std::string n = Upper(name);
  if (n == "DES") return PrivProtocol::kDes;
  if (n == "AES" || n == "AES128" || n == "AES-128") return PrivProtocol::kAes128;
  if (n == "AES192" || n == "AES-192") return PrivProtocol::kAes192;
  if (n == "AES256" || n == "AES-256") return PrivProtocol::kAes256;
  return absl::InvalidArgumentError(absl::StrCat("snmp: unknown privacy protocol \"", Absl(name),
                                                 "\" (DES, AES, AES-192 or AES-256)"));
}

std::string_view SecurityLevelName(SecurityLevel level) {
  switch (level) {
    case SecurityLevel::kNoAuthNoPriv: return "noAuthNoPriv";
    case SecurityLevel::kAuthNoPriv: return "authNoPriv";
    case SecurityLevel::kAuthPriv: return "authPriv";
  }
  return "unknown";
}

std::string_view AuthProtocolName(AuthProtocol protocol) {
  switch (protocol) {
    case AuthProtocol::kNone: return "none";
    case AuthProtocol::kMd5: return "MD5";
    case AuthProtocol::kSha1: return "SHA";
    case AuthProtocol::kSha224: return "SHA-224";
    case AuthProtocol::kSha256: return "SHA-256";
    case AuthProtocol::kSha384: return "SHA-384";
    case AuthProtocol::kSha512: return "SHA-512";
  }
  return "unknown";
}

std::string_view PrivProtocolName(PrivProtocol protocol) {
  switch (protocol) {
    case PrivProtocol::kNone: return "none";
    case PrivProtocol::kDes: return "DES";
    case PrivProtocol::kAes128: return "AES";
    case PrivProtocol::kAes192: return "AES-192";
    case PrivProtocol::kAes256: return "AES-256";
  }
  return "unknown";
}

size_t AuthParametersLength(AuthProtocol protocol) {
  switch (protocol) {
    case AuthProtocol::kNone: return 0;
    case AuthProtocol::kMd5:
    case AuthProtocol::kSha1: return 12;
    case AuthProtocol::kSha224: return 16;
    case AuthProtocol::kSha256: return 24;
    case AuthProtocol::kSha384: return 32;
    case AuthProtocol::kSha512: return 48;
  }
  return 0;
}

absl::Status UsmUser::Validate() const {
  if (name.empty() || name.size() > 32) {
    return absl::InvalidArgumentError("snmp: a v3 user name must have 1 to 32 characters (-u)");
  }
  if (level == SecurityLevel::kNoAuthNoPriv) return absl::OkStatus();
  if (auth == AuthProtocol::kNone) {
    return absl::InvalidArgumentError(absl::StrCat(
        "snmp: security level ", Absl(SecurityLevelName(level)),
        " needs an authentication protocol (-a)"));
  }
  if (auth_password.size() < 8) {
    return absl::InvalidArgumentError(
        "snmp: the authentication passphrase must have at least 8 characters (-A)");
  }
  if (level == SecurityLevel::kAuthNoPriv) return absl::OkStatus();
  if (priv == PrivProtocol::kNone) {
    return absl::InvalidArgumentError(
        "snmp: security level authPriv needs a privacy protocol (-x)");
  }
  if (priv_password.size() < 8) {
    return absl::InvalidArgumentError(
        "snmp: the privacy passphrase must have at least 8 characters (-X)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> KeyCache::Ku(AuthProtocol protocol, const std::string& password) {
  std::string key = absl::StrCat(static_cast<int>(protocol), ":", password);
  {
    absl::MutexLock lock(&mu_);
    if (auto it = ku_.find(key); it != ku_.end()) return it->second;
  }
  // Hashed outside the lock: two threads may hash the same password once each, never block.
  CISTERN_ASSIGN_OR_RETURN(std::string ku, internal::PasswordToKey(protocol, password));
  absl::MutexLock lock(&mu_);
  return ku_.emplace(std::move(key), std::move(ku)).first->second;
}

absl::StatusOr<std::shared_ptr<const LocalizedKeys>> KeyCache::Get(const UsmUser& user,
                                                                   std::string_view engine_id) {
  // The key names everything the keys depend on; the lengths keep the fields apart.
  std::string key = absl::StrCat(static_cast<int>(user.auth), ":", static_cast<int>(user.priv),
                                 ":", user.auth_password.size(), ":", user.auth_password, ":",
                                 user.priv_password.size(), ":", user.priv_password, ":",
                                 Absl(engine_id));
  {
    absl::MutexLock lock(&mu_);
    if (auto it = keys_.find(key); it != keys_.end()) return it->second;
  }
  auto keys = std::make_shared<LocalizedKeys>();
  if (user.auth != AuthProtocol::kNone) {
    CISTERN_ASSIGN_OR_RETURN(std::string ku, Ku(user.auth, user.auth_password));
    keys->auth_key = internal::LocalizeKey(user.auth, ku, engine_id);
    if (user.priv != PrivProtocol::kNone) {
      CISTERN_ASSIGN_OR_RETURN(std::string priv_ku, Ku(user.auth, user.priv_password));
      CISTERN_ASSIGN_OR_RETURN(keys->priv_key,
                               internal::LocalizedPrivKeyFromKu(user.auth, user.priv, priv_ku,
                                                                engine_id));
    }
  }
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = keys_.emplace(std::move(key), std::move(keys));
  return it->second;
}

size_t KeyCache::size() const {
  absl::MutexLock lock(&mu_);
  return keys_.size();
}

}  // namespace cistern::snmp
