// USM cryptography on OpenSSL 3's libcrypto (see usm_crypto.h).
//
// Algorithms are fetched once from a library context of our own that has the "default" and
// "legacy" providers loaded (DES-CBC is legacy-only); that context and the fetched algorithms live
// for the rest of the process. Each thread keeps its own cipher context and one HMAC context per
// hash, and re-keys them only when the key changes, so signing and encrypting a message allocate
// nothing after warm-up and never touch a lock.
#include "usm_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <memory>

#include "absl/strings/str_cat.h"

namespace cistern::snmp::internal {
namespace {

// RFC 3414 A.2.1: the password is repeated to fill this many octets, which are then hashed.
constexpr size_t kExpandedPasswordLength = 1048576;
constexpr size_t kMaxDigestLength = 64;   // SHA-512
constexpr size_t kMaxPrivKeyLength = 32;  // AES-256
constexpr size_t kPrivParamsLength = 8;   // msgPrivacyParameters of DES and AES
constexpr size_t kDesBlock = 8;
constexpr size_t kAuthProtocols = static_cast<size_t>(AuthProtocol::kSha512) + 1;
constexpr size_t kPrivProtocols = static_cast<size_t>(PrivProtocol::kAes256) + 1;

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The reason OpenSSL gives for its last failure; the error queue is cleared so that a failure
// here never shows up later in another caller's error.
std::string OpenSslReason() {
  const unsigned long code = ERR_peek_last_error();
  std::string reason = "unknown OpenSSL error";
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    reason = buf;
  }
  ERR_clear_error();
  return reason;
}

absl::Status OpenSslError(std::string_view what) {
  return absl::InternalError(absl::StrCat("snmp: ", Absl(what), ": ", OpenSslReason()));
}

size_t Index(AuthProtocol p) { return static_cast<size_t>(p); }
size_t Index(PrivProtocol p) { return static_cast<size_t>(p); }

// OpenSSL's names for the hashes and ciphers, indexed by the enums.
constexpr std::array<const char*, kAuthProtocols> kDigestNames = {
    nullptr, "MD5", "SHA1", "SHA2-224", "SHA2-256", "SHA2-384", "SHA2-512"};
constexpr std::array<const char*, kPrivProtocols> kCipherNames = {nullptr, "DES-CBC", "AES-128-CFB",
                                                                  "AES-192-CFB", "AES-256-CFB"};

// Everything fetched once. Never freed: the thread-local contexts below may outlive any static
// destructor, and OpenSSL frees its own state at exit.
struct Algorithms {
  OSSL_LIB_CTX* libctx = nullptr;
  std::array<EVP_MD*, kAuthProtocols> digests{};
  std::array<EVP_CIPHER*, kPrivProtocols> ciphers{};
  EVP_MAC* hmac = nullptr;
  // Why an algorithm is missing (empty when the context was set up); per-algorithm reasons are
  // kept so that a system without the legacy provider still does everything but DES.
  std::string context_error;
  std::array<std::string, kAuthProtocols> digest_errors;
  std::array<std::string, kPrivProtocols> cipher_errors;
  std::string hmac_error;
};

const Algorithms& Algos() {
  static const Algorithms* const algos = [] {
    auto* a = new Algorithms;
    a->libctx = OSSL_LIB_CTX_new();
    if (a->libctx == nullptr) {
      a->context_error = "cannot create an OpenSSL library context: " + OpenSslReason();
      return a;
    }
    if (OSSL_PROVIDER_load(a->libctx, "default") == nullptr) {
      a->context_error = "cannot load OpenSSL's default provider: " + OpenSslReason();
      return a;
    }
    std::string legacy_error;
    if (OSSL_PROVIDER_load(a->libctx, "legacy") == nullptr) {
      legacy_error = " (OpenSSL's legacy provider did not load: " + OpenSslReason() + ")";
    }
    for (size_t i = 1; i < kAuthProtocols; ++i) {
      a->digests[i] = EVP_MD_fetch(a->libctx, kDigestNames[i], nullptr);
      if (a->digests[i] == nullptr) a->digest_errors[i] = OpenSslReason();
    }
    for (size_t i = 1; i < kPrivProtocols; ++i) {
      a->ciphers[i] = EVP_CIPHER_fetch(a->libctx, kCipherNames[i], nullptr);
      if (a->ciphers[i] == nullptr) a->cipher_errors[i] = OpenSslReason() + legacy_error;
    }
    a->hmac = EVP_MAC_fetch(a->libctx, OSSL_MAC_NAME_HMAC, nullptr);
    if (a->hmac == nullptr) a->hmac_error = OpenSslReason();
    return a;
  }();
  return *algos;
}

absl::StatusOr<const EVP_MD*> FetchedDigest(AuthProtocol protocol) {
  const Algorithms& a = Algos();
  if (!a.context_error.empty()) return absl::InternalError("snmp: " + a.context_error);
  const EVP_MD* md = a.digests[Index(protocol)];
  if (md == nullptr) {
    return absl::InternalError(absl::StrCat("snmp: OpenSSL cannot provide ",
                                            kDigestNames[Index(protocol)], ": ",
                                            a.digest_errors[Index(protocol)]));
  }
  return md;
}

absl::StatusOr<const EVP_CIPHER*> FetchedCipher(PrivProtocol protocol) {
  const Algorithms& a = Algos();
  if (!a.context_error.empty()) return absl::InternalError("snmp: " + a.context_error);
  const EVP_CIPHER* cipher = a.ciphers[Index(protocol)];
  if (cipher == nullptr) {
    return absl::InternalError(absl::StrCat("snmp: OpenSSL cannot provide ",
                                            kCipherNames[Index(protocol)], ": ",
                                            a.cipher_errors[Index(protocol)]));
  }
  return cipher;
}

bool ValidAuth(AuthProtocol p) { return p > AuthProtocol::kNone && p <= AuthProtocol::kSha512; }
bool ValidPriv(PrivProtocol p) { return p > PrivProtocol::kNone && p <= PrivProtocol::kAes256; }

absl::Status NeedAuth(AuthProtocol protocol, std::string_view where) {
  if (ValidAuth(protocol)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("snmp: ", Absl(where),
                                                 " needs an authentication protocol, not ",
                                                 Absl(AuthProtocolName(protocol))));
}

absl::Status NeedPriv(PrivProtocol protocol, std::string_view where) {
  if (ValidPriv(protocol)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "snmp: ", Absl(where), " needs a privacy protocol, not ", Absl(PrivProtocolName(protocol))));
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// H(part1 || part2 || part3) into `out`, which must have room for the digest.
absl::Status Hash(const EVP_MD* md, std::initializer_list<std::string_view> parts, uint8_t* out) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) {
    return OpenSslError("hash init");
  }
  for (std::string_view p : parts) {
    if (EVP_DigestUpdate(ctx.get(), p.data(), p.size()) != 1) return OpenSslError("hash update");
  }
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out, &n) != 1) return OpenSslError("hash final");
  return absl::OkStatus();
}

// A string of secret bytes, wiped when it goes out of scope.
struct WipedString {
  std::string s;
  WipedString() = default;
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  ~WipedString() { OPENSSL_cleanse(s.data(), s.size()); }
};

void PutBe32(uint32_t v, uint8_t* p) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// One thread's OpenSSL contexts and the keys they hold. The keys are copies of secrets, wiped when
// the thread ends.
class ThreadContexts {
 public:
  ThreadContexts() = default;
  ThreadContexts(const ThreadContexts&) = delete;
  ThreadContexts& operator=(const ThreadContexts&) = delete;
  ~ThreadContexts() {
    for (MacSlot& m : macs_) {
      EVP_MAC_CTX_free(m.ctx);
      OPENSSL_cleanse(m.key.data(), m.key.size());
    }
    EVP_CIPHER_CTX_free(cipher_ctx_);
    OPENSSL_cleanse(cipher_key_.data(), cipher_key_.size());
  }

  // An HMAC context for `protocol`, keyed with `key` (at most kMaxDigestLength bytes) and ready
  // for EVP_MAC_update.
  absl::StatusOr<EVP_MAC_CTX*> Mac(AuthProtocol protocol, std::string_view key) {
    MacSlot& m = macs_[Index(protocol)];
    if (m.ctx == nullptr) {
      const Algorithms& a = Algos();
      if (!a.context_error.empty()) return absl::InternalError("snmp: " + a.context_error);
      if (a.hmac == nullptr) {
        return absl::InternalError("snmp: OpenSSL cannot provide HMAC: " + a.hmac_error);
      }
      EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(a.hmac);
      if (ctx == nullptr) return OpenSslError("HMAC context");
      // The digest is set once here; a name lookup per message would cost a fetch.
      const OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                           const_cast<char*>(kDigestNames[Index(protocol)]), 0),
          OSSL_PARAM_construct_end()};
      if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return OpenSslError(absl::StrCat("HMAC-", kDigestNames[Index(protocol)]));
      }
      m.ctx = ctx;
      m.key_len = 0;
      m.keyed = false;
    }
    const bool same_key = m.keyed && m.key_len == key.size() &&
                          CRYPTO_memcmp(m.key.data(), key.data(), key.size()) == 0;
    // With the same key, a NULL key restarts from the saved inner/outer pads (no re-keying).
    const int ok = same_key
                       ? EVP_MAC_init(m.ctx, nullptr, 0, nullptr)
                       : EVP_MAC_init(m.ctx, reinterpret_cast<const unsigned char*>(key.data()),
                                      key.size(), nullptr);
    if (ok != 1) {
      m.keyed = false;
      return OpenSslError("HMAC init");
    }
    if (!same_key) {
      std::memcpy(m.key.data(), key.data(), key.size());
      m.key_len = key.size();
      m.keyed = true;
    }
    return m.ctx;
  }

  // A cipher context set up for `cipher` in direction `encrypt` with `key` and `iv`.
  absl::StatusOr<EVP_CIPHER_CTX*> Cipher(const EVP_CIPHER* cipher, bool encrypt,
                                         std::string_view key, const uint8_t* iv) {
    if (cipher_ctx_ == nullptr) {
      cipher_ctx_ = EVP_CIPHER_CTX_new();
      if (cipher_ctx_ == nullptr) return OpenSslError("cipher context");
    }
    const int enc = encrypt ? 1 : 0;
    const bool same = cipher == cipher_ && enc == cipher_enc_ && key.size() == cipher_key_len_ &&
                      CRYPTO_memcmp(cipher_key_.data(), key.data(), key.size()) == 0;
    // Unchanged cipher, direction and key: only the IV is new, and the key schedule is kept.
    const int ok = same ? EVP_CipherInit_ex2(cipher_ctx_, nullptr, nullptr, iv, enc, nullptr)
                        : EVP_CipherInit_ex2(cipher_ctx_, cipher,
                                             reinterpret_cast<const unsigned char*>(key.data()), iv,
                                             enc, nullptr);
    if (ok != 1 || EVP_CIPHER_CTX_set_padding(cipher_ctx_, 0) != 1) {
      cipher_ = nullptr;
      return OpenSslError(absl::StrCat(EVP_CIPHER_get0_name(cipher), " init"));
    }
    if (!same) {
      cipher_ = cipher;
      cipher_enc_ = enc;
      std::memcpy(cipher_key_.data(), key.data(), key.size());
      cipher_key_len_ = key.size();
    }
    return cipher_ctx_;
  }

 private:
  struct MacSlot {
    EVP_MAC_CTX* ctx = nullptr;
    std::array<uint8_t, kMaxDigestLength> key{};
    size_t key_len = 0;
    bool keyed = false;
  };
  std::array<MacSlot, kAuthProtocols> macs_;
  EVP_CIPHER_CTX* cipher_ctx_ = nullptr;
  const EVP_CIPHER* cipher_ = nullptr;
  int cipher_enc_ = -1;
  std::array<uint8_t, kMaxPrivKeyLength> cipher_key_{};
  size_t cipher_key_len_ = 0;
};

ThreadContexts& Contexts() {
  thread_local ThreadContexts contexts;
  return contexts;
}

// Runs the cipher over `in` into `out` (same length, may be the same buffer; DES inputs are whole
// blocks, CFB needs none).
absl::Status RunCipher(EVP_CIPHER_CTX* ctx, const uint8_t* in, size_t n, uint8_t* out) {
  size_t done = 0;
  while (done < n) {  // EVP_CipherUpdate takes an int length
    const int chunk = static_cast<int>(std::min<size_t>(n - done, 1 << 30));
    int written = 0;
    if (EVP_CipherUpdate(ctx, out + done, &written, in + done, chunk) != 1) {
      return OpenSslError("cipher update");
    }
    done += static_cast<size_t>(written);
    if (written != chunk) return absl::InternalError("snmp: cipher update wrote a short block");
  }
  int tail = 0;
  if (EVP_CipherFinal_ex(ctx, out + done, &tail) != 1) return OpenSslError("cipher final");
  if (tail != 0) return absl::InternalError("snmp: cipher final wrote unexpected bytes");
  return absl::OkStatus();
}

// Checks shared by Encrypt and Decrypt.
absl::Status CheckPrivKey(PrivProtocol protocol, std::string_view priv_key, std::string_view op) {
  if (absl::Status s = NeedPriv(protocol, op); !s.ok()) return s;
  if (priv_key.size() != PrivKeyLength(protocol)) {
    return absl::InvalidArgumentError(
        absl::StrCat("snmp: ", Absl(op), ": a ", Absl(PrivProtocolName(protocol)), " key has ",
                     PrivKeyLength(protocol), " bytes, not ", priv_key.size()));
  }
  return absl::OkStatus();
}

// The IV of RFC 3414 §8.1.1.1 (DES: pre-IV XOR salt) or RFC 3826 §3.1.2.1 (AES: boots, time,
// salt), from msgPrivacyParameters.
void MakeIv(PrivProtocol protocol, std::string_view priv_key, uint32_t engine_boots,
            uint32_t engine_time, const uint8_t* priv_params, uint8_t* iv) {
  if (protocol == PrivProtocol::kDes) {
    for (size_t i = 0; i < kDesBlock; ++i) {
      iv[i] = static_cast<uint8_t>(priv_key[kDesBlock + i]) ^ priv_params[i];
    }
  } else {
    PutBe32(engine_boots, iv);
    PutBe32(engine_time, iv + 4);
    std::memcpy(iv + 8, priv_params, kPrivParamsLength);
  }
}

std::string_view CipherKey(PrivProtocol protocol, std::string_view priv_key) {
  // DES-CBC keys with the first 8 bytes; the last 8 are the pre-IV.
  return protocol == PrivProtocol::kDes ? priv_key.substr(0, kDesBlock) : priv_key;
}

}  // namespace

size_t DigestLength(AuthProtocol protocol) {
  switch (protocol) {
    case AuthProtocol::kNone:
      return 0;
    case AuthProtocol::kMd5:
      return 16;
    case AuthProtocol::kSha1:
      return 20;
    case AuthProtocol::kSha224:
      return 28;
    case AuthProtocol::kSha256:
      return 32;
    case AuthProtocol::kSha384:
      return 48;
    case AuthProtocol::kSha512:
      return 64;
  }
  return 0;
}

size_t PrivKeyLength(PrivProtocol protocol) {
  switch (protocol) {
    case PrivProtocol::kNone:
      return 0;
    case PrivProtocol::kDes:
      return 16;
    case PrivProtocol::kAes128:
      return 16;
    case PrivProtocol::kAes192:
      return 24;
    case PrivProtocol::kAes256:
      return 32;
  }
  return 0;
}

absl::StatusOr<std::string> PasswordToKey(AuthProtocol protocol, std::string_view password) {
  if (absl::Status s = NeedAuth(protocol, "password to key"); !s.ok()) return s;
  if (password.empty()) {
    return absl::InvalidArgumentError("snmp: password to key: the password is empty");
  }
  absl::StatusOr<const EVP_MD*> md = FetchedDigest(protocol);
  if (!md.ok()) return md.status();

  // The 1 MiB stream is the password repeated. A buffer holding a whole number of repetitions
  // (at least 4 KiB) is hashed again and again; as every chunk starts at a multiple of the
  // password's length, the last one is simply a prefix of the buffer.
  // A password of 1 MiB or more is its own stream, cut.
  WipedString buf;
  std::string_view chunk = password;
  if (password.size() < kExpandedPasswordLength) {
    const size_t reps = (4096 + password.size() - 1) / password.size();
    buf.s.reserve(reps * password.size());
    for (size_t i = 0; i < reps; ++i) buf.s.append(password);
    chunk = buf.s;
  }

  MdCtx ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), *md, nullptr) != 1) {
    return OpenSslError("password to key: hash init");
  }
  for (size_t left = kExpandedPasswordLength; left > 0;) {
    const size_t n = std::min(left, chunk.size());
    if (EVP_DigestUpdate(ctx.get(), chunk.data(), n) != 1) {
      return OpenSslError("password to key: hash update");
    }
    left -= n;
  }
  std::string ku(DigestLength(protocol), '\0');
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(ku.data()), &n) != 1) {
    return OpenSslError("password to key: hash final");
  }
  return ku;
}

std::string LocalizeKey(AuthProtocol protocol, std::string_view ku, std::string_view engine_id) {
  // No Status in the signature: an unknown protocol or a missing digest gives an empty key, which
  // every later use rejects (and PasswordToKey has already failed the same way).
  if (!ValidAuth(protocol)) return std::string();
  absl::StatusOr<const EVP_MD*> md = FetchedDigest(protocol);
  if (!md.ok()) return std::string();
  std::string kul(DigestLength(protocol), '\0');
  if (!Hash(*md, {ku, engine_id, ku}, reinterpret_cast<uint8_t*>(kul.data())).ok()) {
    return std::string();
  }
  return kul;
}

absl::StatusOr<std::string> LocalizedPrivKey(AuthProtocol auth, PrivProtocol priv,
                                             std::string_view password,
                                             std::string_view engine_id) {
  if (absl::Status s = NeedAuth(auth, "privacy key"); !s.ok()) return s;
  if (absl::Status s = NeedPriv(priv, "privacy key"); !s.ok()) return s;
  absl::StatusOr<std::string> ku = PasswordToKey(auth, password);
  if (!ku.ok()) return ku.status();
  absl::StatusOr<std::string> key = LocalizedPrivKeyFromKu(auth, priv, *ku, engine_id);
  OPENSSL_cleanse(ku->data(), ku->size());
  return key;
}

absl::StatusOr<std::string> LocalizedPrivKeyFromKu(AuthProtocol auth, PrivProtocol priv,
                                                   std::string_view ku,
                                                   std::string_view engine_id) {
  if (absl::Status s = NeedAuth(auth, "privacy key"); !s.ok()) return s;
  if (absl::Status s = NeedPriv(priv, "privacy key"); !s.ok()) return s;
  if (ku.size() != DigestLength(auth)) {
    return absl::InvalidArgumentError(absl::StrCat("snmp: privacy key: a ",
                                                   Absl(AuthProtocolName(auth)), " Ku has ",
                                                   DigestLength(auth), " bytes, not ", ku.size()));
  }
  absl::StatusOr<const EVP_MD*> md = FetchedDigest(auth);
  if (!md.ok()) return md.status();
  std::string key = LocalizeKey(auth, ku, engine_id);
  if (key.empty()) return absl::InternalError("snmp: privacy key: localisation failed");

  // net-snmp 5.9 (snmplib/keytools.c, netsnmp_extend_kul → _kul_extend_blumenthal), which is
  // what -x AES-192 / AES-256 select: while the localised key is shorter than the cipher key,
  // Kul = Kul || H(Kul) over the whole key so far (draft-blumenthal-aes-usm-04 §3.1.2.1). It
  // matters for MD5 and SHA-1 with AES-192/256 and SHA-224 with AES-256; longer digests are cut.
  // (The Reeder extension of -x AES-192-C / AES-256-C, with other OIDs, is not offered.)
  const size_t need = PrivKeyLength(priv);
  while (key.size() < need) {
    std::array<uint8_t, kMaxDigestLength> h;
    if (absl::Status s = Hash(*md, {key}, h.data()); !s.ok()) return s;
    key.append(reinterpret_cast<const char*>(h.data()), DigestLength(auth));
    OPENSSL_cleanse(h.data(), h.size());
  }
  if (key.size() > need) {
    OPENSSL_cleanse(key.data() + need, key.size() - need);
    key.resize(need);
  }
  return key;
}

absl::Status Sign(AuthProtocol protocol, std::string_view auth_key,
                  std::span<const uint8_t> message, std::span<uint8_t> out) {
  if (absl::Status s = NeedAuth(protocol, "sign"); !s.ok()) return s;
  if (auth_key.size() != DigestLength(protocol)) {
    return absl::InvalidArgumentError(
        absl::StrCat("snmp: sign: a localised ", Absl(AuthProtocolName(protocol)), " key has ",
                     DigestLength(protocol), " bytes, not ", auth_key.size()));
  }
  if (out.size() != AuthParametersLength(protocol)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "snmp: sign: msgAuthenticationParameters of ", Absl(AuthProtocolName(protocol)), " has ",
        AuthParametersLength(protocol), " bytes, not ", out.size()));
  }
  absl::StatusOr<EVP_MAC_CTX*> ctx = Contexts().Mac(protocol, auth_key);
  if (!ctx.ok()) return ctx.status();
  std::array<uint8_t, kMaxDigestLength> mac;
  size_t n = 0;
  if (EVP_MAC_update(*ctx, message.data(), message.size()) != 1 ||
      EVP_MAC_final(*ctx, mac.data(), &n, mac.size()) != 1) {
    return OpenSslError("HMAC");
  }
  if (n != DigestLength(protocol)) return absl::InternalError("snmp: HMAC has an unexpected size");
  std::memcpy(out.data(), mac.data(), out.size());
  return absl::OkStatus();
}

bool Verify(AuthProtocol protocol, std::string_view auth_key, std::span<const uint8_t> message,
            std::span<const uint8_t> received) {
  const size_t n = AuthParametersLength(protocol);
  if (n == 0 || received.size() != n) return false;
  std::array<uint8_t, kMaxDigestLength> expected;
  if (!Sign(protocol, auth_key, message, std::span<uint8_t>(expected.data(), n)).ok()) return false;
  return CRYPTO_memcmp(expected.data(), received.data(), n) == 0;
}

absl::Status Encrypt(PrivProtocol protocol, std::string_view priv_key, uint32_t engine_boots,
                     uint32_t engine_time, uint64_t salt, std::span<const uint8_t> plaintext,
                     std::string* ciphertext, std::string* priv_params) {
  if (ciphertext == nullptr || priv_params == nullptr) {
    return absl::InvalidArgumentError("snmp: encrypt: null output");
  }
  if (absl::Status s = CheckPrivKey(protocol, priv_key, "encrypt"); !s.ok()) return s;
  absl::StatusOr<const EVP_CIPHER*> cipher = FetchedCipher(protocol);
  if (!cipher.ok()) return cipher.status();

  // msgPrivacyParameters: DES engineBoots || low 32 bits of the counter (RFC 3414 §8.1.1.1),
  // AES the 64-bit counter (RFC 3826 §3.1.2.1), both big-endian.
  std::array<uint8_t, kPrivParamsLength> params;
  if (protocol == PrivProtocol::kDes) {
    PutBe32(engine_boots, params.data());
    PutBe32(static_cast<uint32_t>(salt), params.data() + 4);
  } else {
    PutBe32(static_cast<uint32_t>(salt >> 32), params.data());
    PutBe32(static_cast<uint32_t>(salt), params.data() + 4);
  }
  std::array<uint8_t, 16> iv;
  MakeIv(protocol, priv_key, engine_boots, engine_time, params.data(), iv.data());

  absl::StatusOr<EVP_CIPHER_CTX*> ctx =
      Contexts().Cipher(*cipher, /*encrypt=*/true, CipherKey(protocol, priv_key), iv.data());
  if (!ctx.ok()) return ctx.status();

  if (protocol == PrivProtocol::kDes) {
    // RFC 3414 §8.1.1.2: pad to a whole number of blocks; the pad's value does not matter, zeros.
    // The padded copy is encrypted in place.
    const size_t padded = (plaintext.size() + kDesBlock - 1) / kDesBlock * kDesBlock;
    ciphertext->assign(padded, '\0');
    auto* out = reinterpret_cast<uint8_t*>(ciphertext->data());
    if (!plaintext.empty()) std::memcpy(out, plaintext.data(), plaintext.size());
    if (absl::Status s = RunCipher(*ctx, out, padded, out); !s.ok()) return s;
  } else {
    ciphertext->resize(plaintext.size());
    auto* out = reinterpret_cast<uint8_t*>(ciphertext->data());
    if (absl::Status s = RunCipher(*ctx, plaintext.data(), plaintext.size(), out); !s.ok()) {
      return s;
    }
  }
  priv_params->assign(reinterpret_cast<const char*>(params.data()), params.size());
  return absl::OkStatus();
}

absl::Status Decrypt(PrivProtocol protocol, std::string_view priv_key, uint32_t engine_boots,
                     uint32_t engine_time, std::string_view priv_params,
                     std::span<const uint8_t> ciphertext, std::string* plaintext) {
  if (plaintext == nullptr) return absl::InvalidArgumentError("snmp: decrypt: null output");
  if (absl::Status s = CheckPrivKey(protocol, priv_key, "decrypt"); !s.ok()) return s;
  if (priv_params.size() != kPrivParamsLength) {
    return absl::InvalidArgumentError(absl::StrCat("snmp: decrypt: msgPrivacyParameters has ",
                                                   priv_params.size(), " bytes, not 8"));
  }
  if (protocol == PrivProtocol::kDes && ciphertext.size() % kDesBlock != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("snmp: decrypt: a DES encryptedPDU of ", ciphertext.size(),
                     " bytes is not a whole number of 8-byte blocks"));
  }
  absl::StatusOr<const EVP_CIPHER*> cipher = FetchedCipher(protocol);
  if (!cipher.ok()) return cipher.status();
  std::array<uint8_t, 16> iv;
  MakeIv(protocol, priv_key, engine_boots, engine_time,
         reinterpret_cast<const uint8_t*>(priv_params.data()), iv.data());
  absl::StatusOr<EVP_CIPHER_CTX*> ctx =
      Contexts().Cipher(*cipher, /*encrypt=*/false, CipherKey(protocol, priv_key), iv.data());
  if (!ctx.ok()) return ctx.status();
  plaintext->resize(ciphertext.size());
  return RunCipher(*ctx, ciphertext.data(), ciphertext.size(),
                   reinterpret_cast<uint8_t*>(plaintext->data()));
}

}  // namespace cistern::snmp::internal
