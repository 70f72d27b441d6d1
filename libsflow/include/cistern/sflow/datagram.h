// An sFlow v5 datagram and its samples (sFlow v5 spec, sections 5.1-5.4, and sflow_drops.txt for
// discarded-packet samples).
//
//   cistern::sflow::Datagram dg;            // reused: steady-state decoding allocates nothing
//   absl::Status s = cistern::sflow::DecodeInto(bytes, &dg);
//   for (const Sample& sample : dg.samples) { ... }
//
// Lifetime: samples and records are views. A decoded Datagram points into the bytes it was decoded
// from (keep them alive), and each sample's `records` span points into the datagram's own record
// pools, so a Datagram can be moved but not copied. To build a datagram for encoding, point the
// samples' spans at records you own. Not thread-safe; one Datagram per decoding thread.
#ifndef CISTERN_SFLOW_DATAGRAM_H_
#define CISTERN_SFLOW_DATAGRAM_H_

#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "cistern/sflow/counter_records.h"
#include "cistern/sflow/flow_records.h"
#include "cistern/sflow/types.h"

namespace cistern::sflow {

// Sample formats, enterprise 0.
inline constexpr uint32_t kFlowSampleFormat = 1;
inline constexpr uint32_t kCountersSampleFormat = 2;
inline constexpr uint32_t kExpandedFlowSampleFormat = 3;
inline constexpr uint32_t kExpandedCountersSampleFormat = 4;
inline constexpr uint32_t kDiscardedPacketSampleFormat = 5;

// flow_sample (0:1) and flow_sample_expanded (0:3).
struct FlowSample {
  bool expanded = false;  // wire form: expanded uses full 32-bit source index and interfaces
  uint32_t sequence_number = 0;
  DataSource source;
  uint32_t sampling_rate = 0;
  uint32_t sample_pool = 0;
  uint32_t drops = 0;
  Interface input;
  Interface output;
  std::span<const FlowRecord> records;
  friend bool operator==(const FlowSample& a, const FlowSample& b) {
    return a.expanded == b.expanded && a.sequence_number == b.sequence_number &&
           a.source == b.source && a.sampling_rate == b.sampling_rate &&
           a.sample_pool == b.sample_pool && a.drops == b.drops && a.input == b.input &&
           a.output == b.output && std::ranges::equal(a.records, b.records);
  }
};

// counters_sample (0:2) and counters_sample_expanded (0:4).
struct CountersSample {
  bool expanded = false;
  uint32_t sequence_number = 0;
  DataSource source;
  std::span<const CounterRecord> records;
  friend bool operator==(const CountersSample& a, const CountersSample& b) {
    return a.expanded == b.expanded && a.sequence_number == b.sequence_number &&
           a.source == b.source && std::ranges::equal(a.records, b.records);
  }
};

// discarded_packet (0:5): a packet the device dropped, with the reason (sflow_drops.txt codes,
// e.g. 1 host_unreachable, 258 acl). input/output are plain ifIndex values (0 = unknown).
struct DiscardedPacketSample {
  uint32_t sequence_number = 0;
  DataSource source;
  uint32_t drops = 0;
  uint32_t input = 0;
  uint32_t output = 0;
  uint32_t reason = 0;
  std::span<const FlowRecord> records;
  friend bool operator==(const DiscardedPacketSample& a, const DiscardedPacketSample& b) {
    return a.sequence_number == b.sequence_number && a.source == b.source &&
           a.drops == b.drops && a.input == b.input && a.output == b.output &&
           a.reason == b.reason && std::ranges::equal(a.records, b.records);
  }
};

// A well-formed sample of a format this library does not decode: kept, counted, re-encoded as is.
struct UnknownSample {
  Bytes body;
  friend bool operator==(const UnknownSample&, const UnknownSample&) = default;
};

struct Sample {
  Tag tag;
  std::variant<FlowSample, CountersSample, DiscardedPacketSample, UnknownSample> data;
  Bytes trailing;  // bytes the sample's length covered beyond its records (kept for re-encoding)
  friend bool operator==(const Sample&, const Sample&) = default;
};

struct Datagram {
  Datagram() = default;
  Datagram(Datagram&&) = default;
  Datagram& operator=(Datagram&&) = default;
  Datagram(const Datagram&) = delete;
  Datagram& operator=(const Datagram&) = delete;

  uint32_t version = 5;
  Address agent;
  uint32_t sub_agent_id = 0;
  uint32_t sequence_number = 0;
  uint32_t uptime_ms = 0;
  std::vector<Sample> samples;
  // Bytes after the last sample. Some agents pad datagrams; tolerated on purpose, and kept so that
  // re-encoding reproduces the datagram exactly.
  Bytes trailing;

  // Storage behind the samples' record spans (filled by the decoder).
  std::vector<FlowRecord> flow_record_pool;
  std::vector<CounterRecord> counter_record_pool;

  friend bool operator==(const Datagram& a, const Datagram& b) {
    return a.version == b.version && a.agent == b.agent && a.sub_agent_id == b.sub_agent_id &&
           a.sequence_number == b.sequence_number && a.uptime_ms == b.uptime_ms &&
           a.samples == b.samples && a.trailing == b.trailing;
  }
};

}  // namespace cistern::sflow

#endif  // CISTERN_SFLOW_DATAGRAM_H_
