// libFuzzer target for libsnmp's message codec (cistern/snmp/message.h).
//
// Every input goes through DecodeMessage, DecodePdu and DecodeScopedPdu. Properties checked,
// beyond "no crash, no sanitizer report":
//   - a failure is InvalidArgument "snmp: <what> at byte <N>: <why>" with N inside the input
//     (DecodeMessage may also say Unimplemented, for an unknown version);
//   - what decodes re-encodes, the re-encoding decodes to the same value, and encoding that again
//     gives the same bytes (a fixed point);
//   - decoding into a reused Message gives what decoding into a fresh one gives;
//   - a v3 message's MessageLayout points at its msgAuthenticationParameters and at its
//     scopedPDU (or encryptedPDU), in the input and in the re-encoding alike.
// A violation is printed and traps, so libFuzzer keeps the input. The seeds in
// regressions/snmp_decode/seed-* are rusticata/snmp-parser's test vectors and datagrams of
// ../shared/captures/snmp (v1, v2c, v3 plain, authenticated and encrypted, traps, non-minimal
// BER); fuzzer finds go beside them.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "cistern/snmp/message.h"

namespace {

using cistern::snmp::Message;
using cistern::snmp::MessageLayout;

[[noreturn]] void Violation(const std::string& what) {
  std::fprintf(stderr, "snmp_decode_fuzzer: %s\n", what.c_str());
  __builtin_trap();
}

// "snmp: <what> at byte <N>: <why>", N <= size.
void CheckError(const absl::Status& s, size_t size, bool unimplemented_ok) {
  if (unimplemented_ok && s.code() == absl::StatusCode::kUnimplemented) return;
  const std::string m(s.message());
  if (s.code() != absl::StatusCode::kInvalidArgument)
    Violation("not InvalidArgument: " + s.ToString());
  const size_t at = m.find(" at byte ");
  if (m.rfind("snmp: ", 0) != 0 || at == std::string::npos || at <= 6) {
    Violation("error names no field and byte: " + m);
  }
  size_t p = at + 9;
  size_t offset = 0;
  const size_t digits = p;
  while (p < m.size() && m[p] >= '0' && m[p] <= '9') offset = offset * 10 + size_t(m[p++] - '0');
  if (p == digits || m.compare(p, 2, ": ") != 0 || p + 2 >= m.size()) {
    Violation("error gives no reason after the byte: " + m);
  }
  if (offset > size) Violation("error offset beyond the input: " + m);
}

bool Span(std::span<const uint8_t> bytes, size_t offset, size_t length, std::string_view want) {
  return offset <= bytes.size() && length <= bytes.size() - offset && length == want.size() &&
         std::string_view(reinterpret_cast<const char*>(bytes.data()) + offset, length) == want;
}

void CheckLayout(std::span<const uint8_t> bytes, const Message& m, const MessageLayout& l,
                 const char* which) {
  if (m.version != cistern::snmp::Version::kV3) {
    if (l.auth_params_offset || l.auth_params_length || l.scoped_pdu_offset ||
        l.scoped_pdu_length) {
      Violation(std::string(which) + ": a v1/v2c layout that is not empty");
    }
    return;
  }
  if (m.security_model == cistern::snmp::kSecurityModelUsm &&
      !Span(bytes, l.auth_params_offset, l.auth_params_length, m.usm.auth_params)) {
    Violation(std::string(which) + ": the layout misses msgAuthenticationParameters");
  }
  if (l.scoped_pdu_offset + l.scoped_pdu_length != bytes.size()) {
    Violation(std::string(which) + ": the scopedPDU does not end the message");
  }
  if (!m.encrypted_pdu.empty() || (m.flags & cistern::snmp::kFlagPriv)) {
    if (!Span(bytes, l.scoped_pdu_offset, l.scoped_pdu_length, m.encrypted_pdu)) {
      Violation(std::string(which) + ": the layout misses the encryptedPDU");
    }
  } else {
    Message scoped;
    const absl::Status s = cistern::snmp::DecodeScopedPdu(
        bytes.subspan(l.scoped_pdu_offset, l.scoped_pdu_length), &scoped);
    if (!s.ok() || !(scoped.pdu == m.pdu) || scoped.context_engine_id != m.context_engine_id ||
        scoped.context_name != m.context_name) {
      Violation(std::string(which) + ": the layout's scopedPDU reads otherwise: " + s.ToString());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cistern::snmp;
  const std::span<const uint8_t> bytes(data, size);
  static Message reused;  // exercises decoding into a used Message, as the client does

  Message m;
  MessageLayout layout;
  const absl::Status s = DecodeMessage(bytes, &m, &layout);
  // The reused Message goes through the failures too (which leave it half-written).
  const absl::Status r = DecodeMessage(bytes, &reused);
  if (r.code() != s.code()) Violation("a reused Message decodes with another status");
  if (s.ok() && !(reused == m)) Violation("decoding into a reused Message gives another message");
  if (!s.ok()) {
    CheckError(s, size, /*unimplemented_ok=*/true);
  } else {
    CheckLayout(bytes, m, layout, "input");
    std::vector<uint8_t> once;
    MessageLayout once_layout;
    absl::Status e = EncodeMessage(m, &once, &once_layout);
    if (!e.ok()) Violation("a decoded message does not re-encode: " + e.ToString());
    CheckLayout(once, m, once_layout, "re-encoding");
    Message again;
    MessageLayout again_layout;
    e = DecodeMessage(once, &again, &again_layout);
    if (!e.ok()) Violation("the re-encoding does not decode: " + e.ToString());
    if (!(again == m)) Violation("the re-encoding decodes to another message");
    // (Under another security model DecodeMessage skips msgSecurityParameters and leaves the auth
    // part of the layout empty, while EncodeMessage writes USM's fields whatever the model.)
    const bool usm = m.security_model == kSecurityModelUsm;
    if ((usm && (again_layout.auth_params_offset != once_layout.auth_params_offset ||
                 again_layout.auth_params_length != once_layout.auth_params_length)) ||
        again_layout.scoped_pdu_offset != once_layout.scoped_pdu_offset ||
        again_layout.scoped_pdu_length != once_layout.scoped_pdu_length) {
      Violation("EncodeMessage's and DecodeMessage's layouts differ");
    }
    std::vector<uint8_t> twice;
    if (!EncodeMessage(again, &twice).ok() || twice != once)
      Violation("encoding is not a fixed point");
  }

  Pdu pdu;
  const absl::Status p = DecodePdu(bytes, &pdu);
  if (!p.ok()) {
    CheckError(p, size, /*unimplemented_ok=*/false);
  } else {
    std::vector<uint8_t> out;
    Pdu again;
    if (!EncodePdu(pdu, &out).ok() || !DecodePdu(out, &again).ok() || !(again == pdu)) {
      Violation("DecodePdu's result does not round-trip");
    }
  }

  Message scoped;
  const absl::Status sp = DecodeScopedPdu(bytes, &scoped);
  if (!sp.ok()) {
    CheckError(sp, size, /*unimplemented_ok=*/false);
  } else {
    std::vector<uint8_t> out;
    Message again;
    if (!EncodeScopedPdu(scoped.context_engine_id, scoped.context_name, scoped.pdu, &out).ok() ||
        !DecodeScopedPdu(out, &again).ok() || !(again.pdu == scoped.pdu) ||
        again.context_engine_id != scoped.context_engine_id ||
        again.context_name != scoped.context_name) {
      Violation("DecodeScopedPdu's result does not round-trip");
    }
  }
  return 0;
}
