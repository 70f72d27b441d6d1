// libsnmp's USM cryptography (libsnmp/src/usm_crypto.h) on OpenSSL 3.
//
//   BM_PasswordToKey/<auth>     RFC 3414 A.2.1: one megabyte hashed per password (KeyCache keeps
//                               the result, so this is paid once per user and engine).
//   BM_Sign/<auth>              HMAC of a 100-byte message with one user's key (the steady state:
//                               the thread's HMAC context is restarted, not re-keyed).
//   BM_SignTwoKeys/<auth>       the same, alternating between two users' keys (re-keyed each time).
//   BM_Verify/<auth>            Sign plus the constant-time comparison.
//   BM_Encrypt/<priv>           an 80-byte scopedPDU, one user's key, a new salt each time.
//   BM_Decrypt/<priv>           the same bytes back.
//   BM_AuthPriv/<auth>/<priv>   what one outgoing authPriv message costs: Encrypt of 80 bytes,
//                               then Sign of the 160-byte message around it.
//
// Run (Release build):
//   build/release/benchmarks/snmp_usm_benchmark --benchmark_min_time=0.5
//
// allocs_per_op counts C++ heap allocations (operator new) only, not OpenSSL's own mallocs.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "alloc_counter.h"
#include "cistern/snmp/usm.h"
#include "usm_crypto.h"

namespace {

using cistern::snmp::AuthParametersLength;
using cistern::snmp::AuthProtocol;
using cistern::snmp::PrivProtocol;
namespace internal = cistern::snmp::internal;

constexpr std::string_view kEngineId(
    "\x80\x00\x1f\x88\x80\xd1\x9a\x59\x76\x36\x39\x08\x6b\x00\x00\x00\x00", 17);

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Pattern(size_t n, uint8_t seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 131 + seed);
  return s;
}

// A localised auth key, or an empty string after reporting the error on `state`.
std::string AuthKey(benchmark::State& state, AuthProtocol auth, std::string_view password) {
  absl::StatusOr<std::string> ku = internal::PasswordToKey(auth, password);
  if (!ku.ok()) {
    state.SkipWithError(std::string(ku.status().message()).c_str());
    return std::string();
  }
  return internal::LocalizeKey(auth, *ku, kEngineId);
}

std::string PrivKey(benchmark::State& state, PrivProtocol priv) {
  absl::StatusOr<std::string> key =
      internal::LocalizedPrivKey(AuthProtocol::kSha1, priv, "benchprivpass", kEngineId);
  if (!key.ok()) {
    state.SkipWithError(std::string(key.status().message()).c_str());
    return std::string();
  }
  return *key;
}

void CountAllocs(benchmark::State& state, uint64_t before) {
  state.counters["allocs_per_op"] =
      benchmark::Counter(static_cast<double>(cistern::bench::AllocationCount() - before) /
                         static_cast<double>(state.iterations()));
}

void BM_PasswordToKey(benchmark::State& state, AuthProtocol auth) {
  for (auto _ : state) {
    absl::StatusOr<std::string> ku = internal::PasswordToKey(auth, "benchauthpass");
    if (!ku.ok()) {
      state.SkipWithError(std::string(ku.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(ku->data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 1048576);
}

void BM_Sign(benchmark::State& state, AuthProtocol auth) {
  const std::string key = AuthKey(state, auth, "benchauthpass");
  const std::string message = Pattern(100, 1);
  std::string out(AuthParametersLength(auth), '\0');
  std::span<uint8_t> out_span(reinterpret_cast<uint8_t*>(out.data()), out.size());
  const uint64_t before = cistern::bench::AllocationCount();
  for (auto _ : state) {
    if (!internal::Sign(auth, key, Bytes(message), out_span).ok()) {
      state.SkipWithError("Sign failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  CountAllocs(state, before);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_SignTwoKeys(benchmark::State& state, AuthProtocol auth) {
  const std::string keys[2] = {AuthKey(state, auth, "benchauthpass"),
                               AuthKey(state, auth, "otherauthpass")};
  const std::string message = Pattern(100, 1);
  std::string out(AuthParametersLength(auth), '\0');
  std::span<uint8_t> out_span(reinterpret_cast<uint8_t*>(out.data()), out.size());
  size_t i = 0;
  for (auto _ : state) {
    if (!internal::Sign(auth, keys[i++ & 1], Bytes(message), out_span).ok()) {
      state.SkipWithError("Sign failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_Verify(benchmark::State& state, AuthProtocol auth) {
  const std::string key = AuthKey(state, auth, "benchauthpass");
  const std::string message = Pattern(100, 1);
  std::string mac(AuthParametersLength(auth), '\0');
  if (!internal::Sign(auth, key, Bytes(message),
                      {reinterpret_cast<uint8_t*>(mac.data()), mac.size()})
           .ok()) {
    state.SkipWithError("Sign failed");
  }
  for (auto _ : state) {
    if (!internal::Verify(auth, key, Bytes(message), Bytes(mac))) {
      state.SkipWithError("Verify failed");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_Encrypt(benchmark::State& state, PrivProtocol priv) {
  const std::string key = PrivKey(state, priv);
  const std::string pdu = Pattern(80, 2);
  std::string cipher, params;
  uint64_t salt = 0x0123456789abcdefULL;
  const uint64_t before = cistern::bench::AllocationCount();
  for (auto _ : state) {
    if (!internal::Encrypt(priv, key, 3, 12345, salt++, Bytes(pdu), &cipher, &params).ok()) {
      state.SkipWithError("Encrypt failed");
      break;
    }
    benchmark::DoNotOptimize(cipher.data());
  }
  CountAllocs(state, before);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_Decrypt(benchmark::State& state, PrivProtocol priv) {
  const std::string key = PrivKey(state, priv);
  const std::string pdu = Pattern(80, 2);
  std::string cipher, params, plain;
  if (!internal::Encrypt(priv, key, 3, 12345, 42, Bytes(pdu), &cipher, &params).ok()) {
    state.SkipWithError("Encrypt failed");
  }
  const uint64_t before = cistern::bench::AllocationCount();
  for (auto _ : state) {
    if (!internal::Decrypt(priv, key, 3, 12345, params, Bytes(cipher), &plain).ok()) {
      state.SkipWithError("Decrypt failed");
      break;
    }
    benchmark::DoNotOptimize(plain.data());
  }
  CountAllocs(state, before);
  if (plain.compare(0, pdu.size(), pdu) != 0) state.SkipWithError("Decrypt gave other bytes");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_AuthPriv(benchmark::State& state, AuthProtocol auth, PrivProtocol priv) {
  const std::string auth_key = AuthKey(state, auth, "benchauthpass");
  const std::string priv_key = PrivKey(state, priv);
  const std::string pdu = Pattern(80, 2);
  std::string message = Pattern(160, 3);  // header, security parameters and encryptedPDU
  std::string cipher, params;
  std::string mac(AuthParametersLength(auth), '\0');
  std::span<uint8_t> mac_span(reinterpret_cast<uint8_t*>(mac.data()), mac.size());
  uint64_t salt = 1;
  const uint64_t before = cistern::bench::AllocationCount();
  for (auto _ : state) {
    if (!internal::Encrypt(priv, priv_key, 3, 12345, salt++, Bytes(pdu), &cipher, &params).ok()) {
      state.SkipWithError("Encrypt failed");
      break;
    }
    message.replace(message.size() - cipher.size(), cipher.size(), cipher);
    if (!internal::Sign(auth, auth_key, Bytes(message), mac_span).ok()) {
      state.SkipWithError("Sign failed");
      break;
    }
    benchmark::DoNotOptimize(mac.data());
  }
  CountAllocs(state, before);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Each protocol as a BENCHMARK_CAPTURE of `bm`; `...` is appended to each (e.g. ->Unit(...)).
#define CISTERN_AUTH_BENCHMARKS(bm, ...)                               \
  BENCHMARK_CAPTURE(bm, MD5, AuthProtocol::kMd5) __VA_ARGS__;          \
  BENCHMARK_CAPTURE(bm, SHA, AuthProtocol::kSha1) __VA_ARGS__;         \
  BENCHMARK_CAPTURE(bm, SHA - 224, AuthProtocol::kSha224) __VA_ARGS__; \
  BENCHMARK_CAPTURE(bm, SHA - 256, AuthProtocol::kSha256) __VA_ARGS__; \
  BENCHMARK_CAPTURE(bm, SHA - 384, AuthProtocol::kSha384) __VA_ARGS__; \
  BENCHMARK_CAPTURE(bm, SHA - 512, AuthProtocol::kSha512) __VA_ARGS__

#define CISTERN_PRIV_BENCHMARKS(bm)                        \
  BENCHMARK_CAPTURE(bm, DES, PrivProtocol::kDes);          \
  BENCHMARK_CAPTURE(bm, AES, PrivProtocol::kAes128);       \
  BENCHMARK_CAPTURE(bm, AES - 192, PrivProtocol::kAes192); \
  BENCHMARK_CAPTURE(bm, AES - 256, PrivProtocol::kAes256)

CISTERN_AUTH_BENCHMARKS(BM_PasswordToKey, ->Unit(benchmark::kMillisecond));
CISTERN_AUTH_BENCHMARKS(BM_Sign);
CISTERN_AUTH_BENCHMARKS(BM_SignTwoKeys);
CISTERN_AUTH_BENCHMARKS(BM_Verify);
CISTERN_PRIV_BENCHMARKS(BM_Encrypt);
CISTERN_PRIV_BENCHMARKS(BM_Decrypt);
BENCHMARK_CAPTURE(BM_AuthPriv, SHA / DES, AuthProtocol::kSha1, PrivProtocol::kDes);
BENCHMARK_CAPTURE(BM_AuthPriv, SHA / AES, AuthProtocol::kSha1, PrivProtocol::kAes128);
BENCHMARK_CAPTURE(BM_AuthPriv, SHA - 256 / AES - 256, AuthProtocol::kSha256, PrivProtocol::kAes256);
BENCHMARK_CAPTURE(BM_AuthPriv, SHA - 512 / AES - 256, AuthProtocol::kSha512, PrivProtocol::kAes256);

}  // namespace

BENCHMARK_MAIN();
