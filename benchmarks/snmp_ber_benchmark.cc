// libsnmp's BER codec against net-snmp's own library (Debian's libsnmp 5.9.3), side by side, on
// the same messages: messages/s and heap allocations per message.
//
//   BM_Encode/<case>/cistern   EncodeMessage of a prepared Message into one reused vector.
//   BM_Encode/<case>/netsnmp   snmp_build of a prepared netsnmp_pdu into one reused buffer, as
//                              net-snmp's own send path (netsnmp_build_packet) calls it.
//   BM_Decode/<case>/cistern   DecodeMessage of the bytes into one reused Message.
//   BM_Decode/<case>/netsnmp   snmp_parse of the bytes into a new netsnmp_pdu, then
//                              snmp_free_pdu, as net-snmp's receive path (_sess_process_packet)
//                              does: its PDUs cannot be reused.
//
// Cases:
//   get1         v2c GetRequest of sysName.0 (what a poller sends);
//   response25   v2c Response of 25 bindings, ifTable-like: INTEGER, OCTET STRING (names and MAC
//                addresses), Gauge32, TimeTicks, Counter32 and Counter64 (what it receives);
//   v3response10 v3 noAuthNoPriv Response of 10 such bindings with USM parameters and a scoped
//                PDU (noAuthNoPriv so that both sides do BER only: no HMAC, no cipher).
//
// The same message on both sides: each case is built once as a netsnmp_pdu and encoded by
// net-snmp; cistern decodes those bytes into its Message, must find the case's bindings in it, and
// must re-encode it to exactly net-snmp's bytes. A case that fails this is skipped with an error.
//
// Allocations: this binary replaces malloc/calloc/realloc (glibc's __libc_* underneath) to count
// every heap allocation, C++ and C alike, so net-snmp's mallocs count as much as cistern's news.
// Counter allocs_per_msg on every row.
//
// Run (Release build):
//   build/release/benchmarks/snmp_ber_benchmark --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true      (one line)
// Reading it: the speed-up of cistern is the netsnmp row's Time over the cistern row's.
#include <benchmark/benchmark.h>
// net-snmp's headers, in the order it documents (config first).
// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/snmpusm.h>
// clang-format on

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cistern/snmp/message.h"

// ---------------------------------------------------------------------------------------------
// Allocation counting: every malloc, calloc and realloc of the process (operator new included).

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* malloc(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
}

namespace {

using cistern::snmp::Message;
using cistern::snmp::Oid;
using cistern::snmp::Value;
using cistern::snmp::ValueType;
using Bytes = std::vector<uint8_t>;

// ---------------------------------------------------------------------------------------------
// The cases, described once and built for both libraries.

struct Binding {
  std::vector<uint32_t> oid;
  ValueType type;
  uint64_t number = 0;  // INTEGER (as two's complement), Gauge32, TimeTicks, Counter32/64
  std::string bytes;    // OCTET STRING
};

struct Case {
  const char* name;
  long version;  // SNMP_VERSION_*
  int command;   // SNMP_MSG_*
  std::vector<Binding> bindings;
};

std::vector<uint32_t> Column(uint32_t table_column, uint32_t index, bool ifx = false) {
  // ifTable (1.3.6.1.2.1.2.2.1) or ifXTable (1.3.6.1.2.1.31.1.1.1)
  if (ifx) return {1, 3, 6, 1, 2, 1, 31, 1, 1, 1, table_column, index};
  return {1, 3, 6, 1, 2, 1, 2, 2, 1, table_column, index};
}

// One interface's row: 5 columns of ifTable and ifXTable.
void AddRow(std::vector<Binding>* b, uint32_t index, size_t columns) {
  const std::string name = "GigabitEthernet0/" + std::to_string(index);
  const Binding row[] = {
      {Column(2, index), ValueType::kOctetString, 0, name},  // ifDescr
      {Column(8, index), ValueType::kInteger, 1, ""},        // ifOperStatus
      {Column(6, index), ValueType::kOctetString, 0,
       std::string("\x00\x1b\x21\x3c\x4d", 5) + char(index)},                       // ifPhysAddress
      {Column(10, index), ValueType::kCounter32, 3000000000u + index * 7919u, ""},  // ifInOctets
      {Column(6, index, true), ValueType::kCounter64, 0x0000123456789abcull * index,
       ""},                                                             // ifHCInOctets
      {Column(5, index), ValueType::kGauge32, 1000000000u, ""},         // ifSpeed
      {Column(9, index), ValueType::kTimeTicks, 4321000u + index, ""},  // ifLastChange
      {Column(14, index), ValueType::kCounter32, index, ""},            // ifInErrors
  };
  for (size_t i = 0; i < columns; ++i) b->push_back(row[i]);
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  cases.push_back({"get1",
                   SNMP_VERSION_2c,
                   SNMP_MSG_GET,
                   {{{1, 3, 6, 1, 2, 1, 1, 5, 0}, ValueType::kNull, 0, ""}}});
  Case response{"response25", SNMP_VERSION_2c, SNMP_MSG_RESPONSE, {}};
  for (uint32_t i = 1; i <= 5; ++i) AddRow(&response.bindings, i, 5);
  cases.push_back(response);
  Case v3{"v3response10", SNMP_VERSION_3, SNMP_MSG_RESPONSE, {}};
  for (uint32_t i = 1; i <= 2; ++i) AddRow(&v3.bindings, i, 5);
  cases.push_back(v3);
  return cases;
}

Value CisternValue(const Binding& b) {
  switch (b.type) {
    case ValueType::kInteger:
      return Value::Integer(static_cast<int64_t>(b.number));
    case ValueType::kOctetString:
      return Value::OctetString(b.bytes);
    case ValueType::kCounter32:
      return Value::Counter32(static_cast<uint32_t>(b.number));
    case ValueType::kGauge32:
      return Value::Gauge32(static_cast<uint32_t>(b.number));
    case ValueType::kTimeTicks:
      return Value::TimeTicks(static_cast<uint32_t>(b.number));
    case ValueType::kCounter64:
      return Value::Counter64(b.number);
    default:
      return Value::Null();
  }
}

// ---------------------------------------------------------------------------------------------
// net-snmp

const u_char kEngineId[] = {0x80, 0x00, 0x1f, 0x88, 0x80, 0xd1, 0x9a, 0x59, 0x76,
                            0x36, 0x39, 0x08, 0x6b, 0x00, 0x00, 0x00, 0x00};
char kCommunity[] = "public";
char kUser[] = "monitor";

void InitNetSnmp() {
  static bool done = false;
  if (done) return;
  done = true;
  // No configuration files, no persistent state, no MIBs: the library alone.
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
  setenv("MIBS", "", 1);
  setenv("MIBDIRS", "", 1);
  snmp_disable_log();
  init_snmp("cistern_snmp_ber_benchmark");
}

// A session describing the peer, as snmp_open would keep it (but no socket).
void InitSession(const Case& c, netsnmp_session* s) {
  snmp_sess_init(s);
  s->version = c.version;
  s->community = reinterpret_cast<u_char*>(kCommunity);
  s->community_len = std::strlen(kCommunity);
  if (c.version == SNMP_VERSION_3) {
    s->securityModel = SNMP_SEC_MODEL_USM;
    s->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
    s->securityName = kUser;
    s->securityNameLen = std::strlen(kUser);
    s->securityEngineID = const_cast<u_char*>(kEngineId);
    s->securityEngineIDLen = sizeof kEngineId;
    s->contextEngineID = const_cast<u_char*>(kEngineId);
    s->contextEngineIDLen = sizeof kEngineId;
    s->contextName = const_cast<char*>("");
    s->contextNameLen = 0;
    s->securityAuthProto = usmNoAuthProtocol;
    s->securityAuthProtoLen = OID_LENGTH(usmNoAuthProtocol);
    s->securityPrivProto = usmNoPrivProtocol;
    s->securityPrivProtoLen = OID_LENGTH(usmNoPrivProtocol);
  }
}

netsnmp_pdu* NetSnmpPdu(const Case& c) {
  netsnmp_pdu* pdu = snmp_pdu_create(c.command);
  pdu->version = c.version;
  pdu->reqid = 0x1234567;
  pdu->msgid = 0x7654321;
  for (const Binding& b : c.bindings) {
    std::vector<oid> name(b.oid.begin(), b.oid.end());
    switch (b.type) {
      case ValueType::kNull:
        snmp_add_null_var(pdu, name.data(), name.size());
        break;
      case ValueType::kInteger: {
        const long v = static_cast<long>(b.number);
        snmp_pdu_add_variable(pdu, name.data(), name.size(), ASN_INTEGER, &v, sizeof v);
        break;
      }
      case ValueType::kOctetString:
        snmp_pdu_add_variable(pdu, name.data(), name.size(), ASN_OCTET_STR, b.bytes.data(),
                              b.bytes.size());
        break;
      case ValueType::kCounter32:
      case ValueType::kGauge32:
      case ValueType::kTimeTicks: {
        const u_long v = static_cast<u_long>(b.number);
        const u_char type = b.type == ValueType::kCounter32 ? ASN_COUNTER
                            : b.type == ValueType::kGauge32 ? ASN_GAUGE
                                                            : ASN_TIMETICKS;
        snmp_pdu_add_variable(pdu, name.data(), name.size(), type, &v, sizeof v);
        break;
      }
      case ValueType::kCounter64: {
        counter64 v;
        v.high = static_cast<u_long>(b.number >> 32);
        v.low = static_cast<u_long>(b.number & 0xffffffffu);
        snmp_pdu_add_variable(pdu, name.data(), name.size(), ASN_COUNTER64, &v, sizeof v);
        break;
      }
      default:
        break;
    }
  }
  if (c.version == SNMP_VERSION_3) {
    pdu->securityModel = SNMP_SEC_MODEL_USM;
    pdu->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
    pdu->msgMaxSize = 65507;
  }
  return pdu;
}

// snmp_build into `*buf` (grown by net-snmp when needed), as netsnmp_build_packet does with
// reverse encoding: the message ends the buffer. Returns it, or empty on failure.
struct NetSnmpBuffer {
  u_char* data = nullptr;
  size_t size = 0;
  ~NetSnmpBuffer() { std::free(data); }
};
std::span<const uint8_t> NetSnmpBuild(netsnmp_session* session, netsnmp_pdu* pdu,
                                      NetSnmpBuffer* buf) {
  if (buf->data == nullptr) {
    buf->size = 4096;
    buf->data = static_cast<u_char*>(std::malloc(buf->size));
  }
  size_t offset = 0;
  if (snmp_build(&buf->data, &buf->size, &offset, session, pdu) != 0) return {};
  return {buf->data + buf->size - offset, offset};
}

// ---------------------------------------------------------------------------------------------
// The prepared messages

struct Prepared {
  std::string error;  // why the case cannot run ("" when it can)
  netsnmp_session session{};
  netsnmp_pdu* pdu = nullptr;
  Bytes bytes;  // net-snmp's encoding, which is also cistern's
  Message message;
};

Prepared* Prepare(const Case& c) {
  InitNetSnmp();
  auto* p = new Prepared;  // kept for the process's life, as the benchmarks are registered
  InitSession(c, &p->session);
  // The USM user that net-snmp's snmp_open would create (noAuthNoPriv), so that snmp_parse knows
  // the v3 message's user.
  if (c.version == SNMP_VERSION_3 && usm_create_user_from_session(&p->session) != SNMPERR_SUCCESS) {
    p->error = "net-snmp: usm_create_user_from_session failed";
    return p;
  }
  p->pdu = NetSnmpPdu(c);
  NetSnmpBuffer buf;
  const std::span<const uint8_t> built = NetSnmpBuild(&p->session, p->pdu, &buf);
  if (built.empty()) {
    p->error = std::string("net-snmp: snmp_build failed: ") + snmp_api_errstring(snmp_errno);
    return p;
  }
  p->bytes.assign(built.begin(), built.end());
  const absl::Status s = cistern::snmp::DecodeMessage(p->bytes, &p->message);
  if (!s.ok()) {
    p->error = "cistern cannot decode net-snmp's bytes: " + s.ToString();
    return p;
  }
  if (p->message.pdu.varbinds.size() != c.bindings.size()) {
    p->error = "cistern decodes another number of bindings";
    return p;
  }
  for (size_t i = 0; i < c.bindings.size(); ++i) {
    const Binding& b = c.bindings[i];
    const auto& vb = p->message.pdu.varbinds[i];
    if (!(vb.oid == Oid(std::span<const uint32_t>(b.oid))) || !(vb.value == CisternValue(b))) {
      p->error = "cistern decodes binding " + std::to_string(i) + " otherwise";
      return p;
    }
  }
  Bytes again;
  if (!cistern::snmp::EncodeMessage(p->message, &again).ok() || again != p->bytes) {
    p->error = "cistern re-encodes net-snmp's message to other bytes";
    return p;
  }
  // And net-snmp reads its own bytes back.
  netsnmp_pdu* parsed = static_cast<netsnmp_pdu*>(std::calloc(1, sizeof(netsnmp_pdu)));
  const int rc = snmp_parse(nullptr, &p->session, parsed, p->bytes.data(), p->bytes.size());
  size_t count = 0;
  for (netsnmp_variable_list* v = parsed->variables; v != nullptr; v = v->next_variable) ++count;
  snmp_free_pdu(parsed);
  if (rc != 0 || count != c.bindings.size()) {
    p->error = "net-snmp: snmp_parse of its own message failed (" + std::to_string(rc) + ": " +
               snmp_api_errstring(rc) + ")";
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// The benchmarks

void Report(benchmark::State& state, uint64_t allocations_before, size_t bytes) {
  const double n = static_cast<double>(state.iterations());
  state.counters["allocs_per_msg"] =
      static_cast<double>(g_allocations.load(std::memory_order_relaxed) - allocations_before) / n;
  state.counters["msgs_per_s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
}

void EncodeCistern(benchmark::State& state, const Prepared* p) {
  if (!p->error.empty()) return state.SkipWithError(p->error.c_str());
  Bytes out;
  (void)cistern::snmp::EncodeMessage(p->message, &out);  // warm-up: the vector grows once
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    const absl::Status s = cistern::snmp::EncodeMessage(p->message, &out);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, before, p->bytes.size());
}

void EncodeNetSnmp(benchmark::State& state, Prepared* p) {
  if (!p->error.empty()) return state.SkipWithError(p->error.c_str());
  NetSnmpBuffer buf;
  NetSnmpBuild(&p->session, p->pdu, &buf);
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    const std::span<const uint8_t> out = NetSnmpBuild(&p->session, p->pdu, &buf);
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, before, p->bytes.size());
}

void DecodeCistern(benchmark::State& state, const Prepared* p) {
  if (!p->error.empty()) return state.SkipWithError(p->error.c_str());
  Message m;
  (void)cistern::snmp::DecodeMessage(p->bytes, &m);
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    const absl::Status s = cistern::snmp::DecodeMessage(p->bytes, &m);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(m.pdu.varbinds.data());
  }
  Report(state, before, p->bytes.size());
}

void DecodeNetSnmp(benchmark::State& state, Prepared* p) {
  if (!p->error.empty()) return state.SkipWithError(p->error.c_str());
  Bytes bytes = p->bytes;  // snmp_parse takes a non-const buffer
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    netsnmp_pdu* pdu = static_cast<netsnmp_pdu*>(std::calloc(1, sizeof(netsnmp_pdu)));
    const int rc = snmp_parse(nullptr, &p->session, pdu, bytes.data(), bytes.size());
    benchmark::DoNotOptimize(rc);
    benchmark::DoNotOptimize(pdu->variables);
    snmp_free_pdu(pdu);
  }
  Report(state, before, p->bytes.size());
}

int RegisterAll() {
  for (const Case& c : Cases()) {
    Prepared* p = Prepare(c);
    const std::string name = c.name;
    benchmark::RegisterBenchmark(("BM_Encode/" + name + "/cistern").c_str(), EncodeCistern, p);
    benchmark::RegisterBenchmark(("BM_Encode/" + name + "/netsnmp").c_str(), EncodeNetSnmp, p);
    benchmark::RegisterBenchmark(("BM_Decode/" + name + "/cistern").c_str(), DecodeCistern, p);
    benchmark::RegisterBenchmark(("BM_Decode/" + name + "/netsnmp").c_str(), DecodeNetSnmp, p);
    if (!p->error.empty()) std::fprintf(stderr, "%s: %s\n", c.name, p->error.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
