// libsflow decode and encode throughput on real captures (../shared/captures/sflow) and on the
// project's own generated traffic, with allocations per datagram counted.
//
//   BM_Decode/<capture>   DecodeInto of every datagram of the capture, one reused Datagram:
//                         samples/s (items_per_second), bytes/s, allocs_per_datagram.
//   BM_Encode/<capture>   Encode of the decoded datagrams into one reused buffer.
//
// The sampled headers are left undecoded (that is libproto's job), as the goal asks.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "alloc_counter.h"
#include "cistern/sflow/codec.h"
#include "udp_source.h"

namespace {

using namespace cistern::sflow;

struct Capture {
  std::vector<std::vector<uint8_t>> datagrams;
  uint64_t samples = 0;
  uint64_t bytes = 0;
};

const Capture* LoadCapture(const std::string& name) {
  static std::vector<std::pair<std::string, Capture>> cache;
  for (auto& [n, c] : cache) {
    if (n == name) return &c;
  }
  const std::string path = std::string(CISTERN_SHARED_DIR) + "/captures/sflow/" + name + ".pcap";
  auto reader = cistern::cli::CaptureReader::Open(path, 6343);
  if (!reader.ok()) return nullptr;
  Capture c;
  while (true) {
    auto next = (*reader)->Next();
    if (!next.ok() || !next->has_value()) break;
    const auto& d = **next;
    std::vector<uint8_t> bytes(d.payload.begin(), d.payload.end());
    Datagram dg;
    if (!DecodeInto(bytes, &dg).ok()) continue;  // only datagrams that decode cleanly
    c.samples += dg.samples.size();
    c.bytes += bytes.size();
    c.datagrams.push_back(std::move(bytes));
  }
  cache.emplace_back(name, std::move(c));
  return &cache.back().second;
}

void BM_Decode(benchmark::State& state, const std::string& name) {
  const Capture* c = LoadCapture(name);
  if (!c || c->datagrams.empty()) {
    state.SkipWithError(("capture not found: " + name + " (../shared absent?)").c_str());
    return;
  }
  Datagram dg;
  for (const auto& d : c->datagrams) (void)DecodeInto(d, &dg);  // warm-up: reach working size
  const uint64_t allocs_before = cistern::bench::AllocationCount();
  uint64_t datagrams = 0;
  for (auto _ : state) {
    for (const auto& d : c->datagrams) {
      absl::Status s = DecodeInto(d, &dg);
      benchmark::DoNotOptimize(s);
      benchmark::DoNotOptimize(dg.samples.data());
    }
    datagrams += c->datagrams.size();
  }
  const uint64_t allocs = cistern::bench::AllocationCount() - allocs_before;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c->samples));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c->bytes));
  state.counters["allocs_per_datagram"] =
      benchmark::Counter(static_cast<double>(allocs) / static_cast<double>(datagrams));
  state.counters["ns_per_sample"] = benchmark::Counter(
      static_cast<double>(state.iterations() * c->samples),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_Encode(benchmark::State& state, const std::string& name) {
  const Capture* c = LoadCapture(name);
  if (!c || c->datagrams.empty()) {
    state.SkipWithError(("capture not found: " + name).c_str());
    return;
  }
  std::vector<Datagram> decoded(c->datagrams.size());
  for (size_t i = 0; i < decoded.size(); ++i) (void)DecodeInto(c->datagrams[i], &decoded[i]);
  std::vector<uint8_t> out;
  out.reserve(1 << 16);
  const uint64_t allocs_before = cistern::bench::AllocationCount();
  for (auto _ : state) {
    for (const Datagram& dg : decoded) {
      out.clear();
      absl::Status s = Encode(dg, &out);
      benchmark::DoNotOptimize(s);
      benchmark::DoNotOptimize(out.data());
    }
  }
  const uint64_t allocs = cistern::bench::AllocationCount() - allocs_before;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c->samples));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c->bytes));
  state.counters["allocs_per_datagram"] = benchmark::Counter(
      static_cast<double>(allocs) /
      static_cast<double>(state.iterations() * decoded.size()));
}

// Flow-sample heavy (switches), flow+counter mix (pmacct as an sFlow agent), counters and host
// structures (HP ProCurve, hsflowd).
const char* kCaptures[] = {"overflowd_sflow", "pmacct177_sfprobe_sflow5_from_mixed_input",
                           "tcpdump_sflow_multiple_counter_30_pdus", "akvorado_data-1140"};

int Register() {
  for (const char* name : kCaptures) {
    benchmark::RegisterBenchmark((std::string("BM_Decode/") + name).c_str(), BM_Decode,
                                 std::string(name));
    benchmark::RegisterBenchmark((std::string("BM_Encode/") + name).c_str(), BM_Encode,
                                 std::string(name));
  }
  return 0;
}
const int kRegistered = Register();

}  // namespace

BENCHMARK_MAIN();
