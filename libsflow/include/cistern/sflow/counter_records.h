// Counter records: the structures inside counter samples and expanded counter samples (sFlow v5
// spec section 5.4 and sflow.org's structure documents: host, application, LAG, optics, OpenFlow).
// Every enterprise-0 counter structure that InMon's sflowtool decodes is here, with its field
// order and JSON keys taken from sflowtool's readCounters_* functions.
//
//   for (const CounterRecord& r : sample.records) {
//     if (const auto* g = std::get_if<GenericInterfaceCounters>(&r.data)) Track(g->if_index);
//   }
//
// Each structure lists its fields once, in wire order, in `Fields` (see field_types.h). Unknown
// (enterprise, format) pairs decode to UnknownCounterRecord: kept, counted, re-encoded unchanged.
//
// Two structures hold variable-length lists of sub-structures: host_adapters (AdapterList) and
// sfp (SfpLaneList). They are views like AsPath: ReadXdr validates every length once, so that
// iteration afterwards cannot fail; a malformed list makes ReadXdr fail the reader, never crash.
//
// Lifetime: views (std::string_view, Bytes, AdapterList, SfpLaneList) point into the decoded
// datagram's buffer and are valid for as long as it is (see types.h). Plain values; not
// thread-aware.
#ifndef CISTERN_SFLOW_COUNTER_RECORDS_H_
#define CISTERN_SFLOW_COUNTER_RECORDS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "cistern/base/byte_reader.h"
#include "cistern/base/byte_writer.h"
#include "cistern/sflow/field_types.h"
#include "cistern/sflow/types.h"

namespace cistern::sflow {

// ---- Interface counters (formats 1-10) ----

// generic_interface_counters (0:1), after RFC 2233 ifTable/ifXTable.
struct GenericInterfaceCounters {
  static constexpr uint32_t kFormat = 1;
  static constexpr std::string_view kName = "generic_interface";
  uint32_t if_index = 0;
  uint32_t if_type = 0;
  uint64_t if_speed = 0;
  uint32_t if_direction = 0;  // 0 unknown, 1 full-duplex, 2 half-duplex, 3 in, 4 out
  uint32_t if_status = 0;     // bit 0 ifAdminStatus up, bit 1 ifOperStatus up
  uint64_t in_octets = 0;
  uint32_t in_ucast_pkts = 0;
  uint32_t in_multicast_pkts = 0;
  uint32_t in_broadcast_pkts = 0;
  uint32_t in_discards = 0;
  uint32_t in_errors = 0;
  uint32_t in_unknown_protos = 0;
  uint64_t out_octets = 0;
  uint32_t out_ucast_pkts = 0;
  uint32_t out_multicast_pkts = 0;
  uint32_t out_broadcast_pkts = 0;
  uint32_t out_discards = 0;
  uint32_t out_errors = 0;
  uint32_t promiscuous_mode = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("ifIndex", s.if_index);
    v("networkType", s.if_type);
    v("ifSpeed", s.if_speed);
    v("ifDirection", s.if_direction);
    v("ifStatus", s.if_status);
    v("ifInOctets", s.in_octets);
    v("ifInUcastPkts", s.in_ucast_pkts);
    v("ifInMulticastPkts", s.in_multicast_pkts);
    v("ifInBroadcastPkts", s.in_broadcast_pkts);
    v("ifInDiscards", s.in_discards);
    v("ifInErrors", s.in_errors);
    v("ifInUnknownProtos", s.in_unknown_protos);
    v("ifOutOctets", s.out_octets);
    v("ifOutUcastPkts", s.out_ucast_pkts);
    v("ifOutMulticastPkts", s.out_multicast_pkts);
    v("ifOutBroadcastPkts", s.out_broadcast_pkts);
    v("ifOutDiscards", s.out_discards);
    v("ifOutErrors", s.out_errors);
    v("ifPromiscuousMode", s.promiscuous_mode);
  }
  friend bool operator==(const GenericInterfaceCounters&,
                         const GenericInterfaceCounters&) = default;
};

// ethernet_interface_counters (0:2), after RFC 2358 dot3StatsTable.
struct EthernetCounters {
  static constexpr uint32_t kFormat = 2;
  static constexpr std::string_view kName = "ethernet_interface";
  uint32_t alignment_errors = 0;
  uint32_t fcs_errors = 0;
  uint32_t single_collision_frames = 0;
  uint32_t multiple_collision_frames = 0;
  uint32_t sqe_test_errors = 0;
  uint32_t deferred_transmissions = 0;
  uint32_t late_collisions = 0;
  uint32_t excessive_collisions = 0;
  uint32_t internal_mac_transmit_errors = 0;
  uint32_t carrier_sense_errors = 0;
  uint32_t frame_too_longs = 0;
  uint32_t internal_mac_receive_errors = 0;
  uint32_t symbol_errors = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("dot3StatsAlignmentErrors", s.alignment_errors);
    v("dot3StatsFCSErrors", s.fcs_errors);
    v("dot3StatsSingleCollisionFrames", s.single_collision_frames);
    v("dot3StatsMultipleCollisionFrames", s.multiple_collision_frames);
    v("dot3StatsSQETestErrors", s.sqe_test_errors);
    v("dot3StatsDeferredTransmissions", s.deferred_transmissions);
    v("dot3StatsLateCollisions", s.late_collisions);
    v("dot3StatsExcessiveCollisions", s.excessive_collisions);
    v("dot3StatsInternalMacTransmitErrors", s.internal_mac_transmit_errors);
    v("dot3StatsCarrierSenseErrors", s.carrier_sense_errors);
    v("dot3StatsFrameTooLongs", s.frame_too_longs);
    v("dot3StatsInternalMacReceiveErrors", s.internal_mac_receive_errors);
    v("dot3StatsSymbolErrors", s.symbol_errors);
  }
  friend bool operator==(const EthernetCounters&, const EthernetCounters&) = default;
};

// tokenring_counters (0:3), after RFC 1748 dot5StatsTable.
struct TokenRingCounters {
  static constexpr uint32_t kFormat = 3;
  static constexpr std::string_view kName = "tokenring";
  uint32_t line_errors = 0;
  uint32_t burst_errors = 0;
  uint32_t ac_errors = 0;
  uint32_t abort_trans_errors = 0;
  uint32_t internal_errors = 0;
  uint32_t lost_frame_errors = 0;
  uint32_t receive_congestions = 0;
  uint32_t frame_copied_errors = 0;
  uint32_t token_errors = 0;
  uint32_t soft_errors = 0;
  uint32_t hard_errors = 0;
  uint32_t signal_loss = 0;
  uint32_t transmit_beacons = 0;
  uint32_t recoverys = 0;
  uint32_t lobe_wires = 0;
  uint32_t removes = 0;
  uint32_t singles = 0;
  uint32_t freq_errors = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("dot5StatsLineErrors", s.line_errors);
    v("dot5StatsBurstErrors", s.burst_errors);
    v("dot5StatsACErrors", s.ac_errors);
    v("dot5StatsAbortTransErrors", s.abort_trans_errors);
    v("dot5StatsInternalErrors", s.internal_errors);
    v("dot5StatsLostFrameErrors", s.lost_frame_errors);
    v("dot5StatsReceiveCongestions", s.receive_congestions);
    v("dot5StatsFrameCopiedErrors", s.frame_copied_errors);
    v("dot5StatsTokenErrors", s.token_errors);
    v("dot5StatsSoftErrors", s.soft_errors);
    v("dot5StatsHardErrors", s.hard_errors);
    v("dot5StatsSignalLoss", s.signal_loss);
    v("dot5StatsTransmitBeacons", s.transmit_beacons);
    v("dot5StatsRecoverys", s.recoverys);
    v("dot5StatsLobeWires", s.lobe_wires);
    v("dot5StatsRemoves", s.removes);
    v("dot5StatsSingles", s.singles);
    v("dot5StatsFreqErrors", s.freq_errors);
  }
  friend bool operator==(const TokenRingCounters&, const TokenRingCounters&) = default;
};

// vg_counters (0:4): 100BaseVG, after RFC 2020 dot12.
struct VgCounters {
  static constexpr uint32_t kFormat = 4;
  static constexpr std::string_view kName = "vg";
  uint32_t in_high_priority_frames = 0;
  uint64_t in_high_priority_octets = 0;
  uint32_t in_norm_priority_frames = 0;
  uint64_t in_norm_priority_octets = 0;
  uint32_t in_ipm_errors = 0;
  uint32_t in_oversize_frame_errors = 0;
  uint32_t in_data_errors = 0;
  uint32_t in_null_addressed_frames = 0;
  uint32_t out_high_priority_frames = 0;
  uint64_t out_high_priority_octets = 0;
  uint32_t transition_into_trainings = 0;
  uint64_t hc_in_high_priority_octets = 0;
  uint64_t hc_in_norm_priority_octets = 0;
  uint64_t hc_out_high_priority_octets = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("dot12InHighPriorityFrames", s.in_high_priority_frames);
    v("dot12InHighPriorityOctets", s.in_high_priority_octets);
    v("dot12InNormPriorityFrames", s.in_norm_priority_frames);
    v("dot12InNormPriorityOctets", s.in_norm_priority_octets);
    v("dot12InIPMErrors", s.in_ipm_errors);
    v("dot12InOversizeFrameErrors", s.in_oversize_frame_errors);
    v("dot12InDataErrors", s.in_data_errors);
    v("dot12InNullAddressedFrames", s.in_null_addressed_frames);
    v("dot12OutHighPriorityFrames", s.out_high_priority_frames);
    v("dot12OutHighPriorityOctets", s.out_high_priority_octets);
    v("dot12TransitionIntoTrainings", s.transition_into_trainings);
    v("dot12HCInHighPriorityOctets", s.hc_in_high_priority_octets);
    v("dot12HCInNormPriorityOctets", s.hc_in_norm_priority_octets);
    v("dot12HCOutHighPriorityOctets", s.hc_out_high_priority_octets);
  }
  friend bool operator==(const VgCounters&, const VgCounters&) = default;
};

// vlan_counters (0:5). sflowtool prints the VLAN id as "in_vlan".
struct VlanCounters {
  static constexpr uint32_t kFormat = 5;
  static constexpr std::string_view kName = "vlan";
  uint32_t vlan_id = 0;
  uint64_t octets = 0;
  uint32_t ucast_pkts = 0;
  uint32_t multicast_pkts = 0;
  uint32_t broadcast_pkts = 0;
  uint32_t discards = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("in_vlan", s.vlan_id);
    v("octets", s.octets);
    v("ucastPkts", s.ucast_pkts);
    v("multicastPkts", s.multicast_pkts);
    v("broadcastPkts", s.broadcast_pkts);
    v("discards", s.discards);
  }
  friend bool operator==(const VlanCounters&, const VlanCounters&) = default;
};

// ieee80211_counters (0:6), after IEEE 802.11 dot11CountersTable.
struct Ieee80211Counters {
  static constexpr uint32_t kFormat = 6;
  static constexpr std::string_view kName = "ieee80211";
  uint32_t transmitted_fragment_count = 0;
  uint32_t multicast_transmitted_frame_count = 0;
  uint32_t failed_count = 0;
  uint32_t retry_count = 0;
  uint32_t multiple_retry_count = 0;
  uint32_t frame_duplicate_count = 0;
  uint32_t rts_success_count = 0;
  uint32_t rts_failure_count = 0;
  uint32_t ack_failure_count = 0;
  uint32_t received_fragment_count = 0;
  uint32_t multicast_received_frame_count = 0;
  uint32_t fcs_error_count = 0;
  uint32_t transmitted_frame_count = 0;
  uint32_t wep_undecryptable_count = 0;
  uint32_t qos_discarded_fragment_count = 0;
  uint32_t associated_station_count = 0;
  uint32_t qos_cf_polls_received_count = 0;
  uint32_t qos_cf_polls_unused_count = 0;
  uint32_t qos_cf_polls_unusable_count = 0;
  uint32_t qos_cf_polls_lost_count = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("dot11TransmittedFragmentCount", s.transmitted_fragment_count);
    v("dot11MulticastTransmittedFrameCount", s.multicast_transmitted_frame_count);
    v("dot11FailedCount", s.failed_count);
    v("dot11RetryCount", s.retry_count);
    v("dot11MultipleRetryCount", s.multiple_retry_count);
    v("dot11FrameDuplicateCount", s.frame_duplicate_count);
    v("dot11RTSSuccessCount", s.rts_success_count);
    v("dot11RTSFailureCount", s.rts_failure_count);
    v("dot11ACKFailureCount", s.ack_failure_count);
    v("dot11ReceivedFragmentCount", s.received_fragment_count);
    v("dot11MulticastReceivedFrameCount", s.multicast_received_frame_count);
    v("dot11FCSErrorCount", s.fcs_error_count);
    v("dot11TransmittedFrameCount", s.transmitted_frame_count);
    v("dot11WEPUndecryptableCount", s.wep_undecryptable_count);
    v("dot11QoSDiscardedFragmentCount", s.qos_discarded_fragment_count);
    v("dot11AssociatedStationCount", s.associated_station_count);
    v("dot11QoSCFPollsReceivedCount", s.qos_cf_polls_received_count);
    v("dot11QoSCFPollsUnusedCount", s.qos_cf_polls_unused_count);
    v("dot11QoSCFPollsUnusableCount", s.qos_cf_polls_unusable_count);
    v("dot11QoSCFPollsLostCount", s.qos_cf_polls_lost_count);
  }
  friend bool operator==(const Ieee80211Counters&, const Ieee80211Counters&) = default;
};

// lag_port_stats (0:7), after IEEE8023-LAG-MIB. The port state is one 32-bit word on the wire made
// of four octets in this order (dot3adAggPortActorAdminState, ...ActorOperState,
// ...PartnerAdminState, ...PartnerOperState), hence four uint8_t fields.
struct LagPortStats {
  static constexpr uint32_t kFormat = 7;
  static constexpr std::string_view kName = "lag_port_stats";
  MacAddress actor_system_id;
  MacAddress partner_system_id;
  uint32_t attached_agg_id = 0;
  uint8_t actor_admin_port_state = 0;
  uint8_t actor_oper_port_state = 0;
  uint8_t partner_admin_port_state = 0;
  uint8_t partner_oper_port_state = 0;
  uint32_t lacpdus_rx = 0;
  uint32_t marker_pdus_rx = 0;
  uint32_t marker_response_pdus_rx = 0;
  uint32_t unknown_rx = 0;
  uint32_t illegal_rx = 0;
  uint32_t lacpdus_tx = 0;
  uint32_t marker_pdus_tx = 0;
  uint32_t marker_response_pdus_tx = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("actorSystemID", s.actor_system_id);
    v("partnerSystemID", s.partner_system_id);
    v("attachedAggID", s.attached_agg_id);
    v("actorAdminPortState", s.actor_admin_port_state);
    v("actorOperPortState", s.actor_oper_port_state);
    v("partnerAdminPortState", s.partner_admin_port_state);
    v("partnerOperPortState", s.partner_oper_port_state);
    v("LACPDUsRx", s.lacpdus_rx);
    v("markerPDUsRx", s.marker_pdus_rx);
    v("markerResponsePDUsRx", s.marker_response_pdus_rx);
    v("unknownRx", s.unknown_rx);
    v("illegalRx", s.illegal_rx);
    v("LACPDUsTx", s.lacpdus_tx);
    v("markerPDUsTx", s.marker_pdus_tx);
    v("markerResponsePDUsTx", s.marker_response_pdus_tx);
  }
  friend bool operator==(const LagPortStats&, const LagPortStats&) = default;
};

// The lanes of an sfp record (lane<>): a count, then that many 40-byte lanes. A validated view:
// ReadXdr checks count*40 against the bytes left, so that indexing and iteration cannot fail.
class SfpLaneList {
 public:
  static constexpr size_t kLaneSize = 40;  // 10 unsigned ints
  // sflowtool prints the count under this key before the "sfp_lanes" array.
  static constexpr std::string_view kCountKey = "sfp_module_active_lanes";

  struct Lane {
    uint32_t index = 0;               // lane in the module, from 1
    uint32_t tx_bias_current_ua = 0;  // microamps
    uint32_t tx_power_uw = 0;         // microwatts
    uint32_t tx_power_min_uw = 0;
    uint32_t tx_power_max_uw = 0;
    uint32_t tx_wavelength_nm = 0;  // nanometres
    uint32_t rx_power_uw = 0;
    uint32_t rx_power_min_uw = 0;
    uint32_t rx_power_max_uw = 0;
    uint32_t rx_wavelength_nm = 0;
    // Keys exactly as sflowtool's JSON prints them: readCounters_SFP passes "tx_power_uW.%u"
    // (and so on) as a key name, not a format, so the ".%u" is part of the key.
    template <class Self, class V>
    static void Fields(Self& s, V&& v) {
      v("index", s.index);
      v("tx_bias_current_uA", s.tx_bias_current_ua);
      v("tx_power_uW.%u", s.tx_power_uw);
      v("tx_power_min_uW.%u", s.tx_power_min_uw);
      v("tx_power_max_uW.%u", s.tx_power_max_uw);
      v("tx_wavelength_nM.%u", s.tx_wavelength_nm);
      v("rx_power_uW.%u", s.rx_power_uw);
      v("rx_power_min_uW.%u", s.rx_power_min_uw);
      v("rx_power_max_uW.%u", s.rx_power_max_uw);
      v("rx_wavelength_nM.%u", s.rx_wavelength_nm);
    }
    friend bool operator==(const Lane&, const Lane&) = default;
  };

  SfpLaneList() = default;
  // `wire` holds count*kLaneSize bytes; a shorter tail is ignored.
  explicit SfpLaneList(std::span<const uint8_t> wire)
      : wire_(wire.first(wire.size() - wire.size() % kLaneSize)) {}
  size_t size() const { return wire_.size() / kLaneSize; }
  bool empty() const { return wire_.empty(); }
  std::span<const uint8_t> wire() const { return wire_; }
  Lane operator[](size_t i) const {
    const uint8_t* p = wire_.data() + kLaneSize * i;
    Lane l;
    uint32_t* out[] = {&l.index,           &l.tx_bias_current_ua, &l.tx_power_uw,
                       &l.tx_power_min_uw, &l.tx_power_max_uw,    &l.tx_wavelength_nm,
                       &l.rx_power_uw,     &l.rx_power_min_uw,    &l.rx_power_max_uw,
                       &l.rx_wavelength_nm};
    for (uint32_t* o : out) {
      *o = ByteReader::LoadU32(p);
      p += 4;
    }
    return l;
  }

  class Iterator {
   public:
    using value_type = Lane;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(const SfpLaneList* list, size_t i) : list_(list), i_(i) {}
    Lane operator*() const { return (*list_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++i_;
      return old;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.i_ == b.i_; }

   private:
    const SfpLaneList* list_ = nullptr;
    size_t i_ = 0;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size()); }

  // Reads the count and the lanes. On a count the bytes left cannot hold, fails `r` and leaves
  // `out` untouched.
  static bool ReadXdr(ByteReader& r, SfpLaneList* out) {
    uint32_t count = 0;
    if (!r.ReadU32(&count)) return false;
    if (count > r.remaining() / kLaneSize) {
      r.Fail();
      return false;
    }
    std::span<const uint8_t> wire;
    if (!r.ReadBytes(size_t{count} * kLaneSize, &wire)) return false;
    *out = SfpLaneList(wire);
    return true;
  }
  void WriteXdr(ByteWriter& w) const {
    w.WriteU32(static_cast<uint32_t>(size()));
    w.WriteBytes(wire_);
  }

  friend bool operator==(const SfpLaneList& a, const SfpLaneList& b) {
    return std::ranges::equal(a.wire_, b.wire_);
  }

 private:
  std::span<const uint8_t> wire_;
};

// sfp (0:10): optical SFP/QSFP module gauges, one entry per active lane.
struct SfpCounters {
  static constexpr uint32_t kFormat = 10;
  static constexpr std::string_view kName = "sfp";
  uint32_t module_id = 0;
  uint32_t module_total_lanes = 0;
  uint32_t module_supply_voltage = 0;  // millivolts
  int32_t module_temperature = 0;      // thousandths of a degree Celsius
  SfpLaneList lanes;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("sfp_module_id", s.module_id);
    v("sfp_module_total_lanes", s.module_total_lanes);
    v("sfp_module_supply_voltage", s.module_supply_voltage);
    v("sfp_module_temperature", s.module_temperature);
    v("sfp_lanes", s.lanes);
  }
  friend bool operator==(const SfpCounters&, const SfpCounters&) = default;
};

// ---- Device counters (formats 1001-1005) ----

// processor (0:1001).
struct ProcessorCounters {
  static constexpr uint32_t kFormat = 1001;
  static constexpr std::string_view kName = "processor";
  Percentage cpu_5s;
  Percentage cpu_1m;
  Percentage cpu_5m;
  uint64_t total_memory = 0;  // bytes
  uint64_t free_memory = 0;   // bytes
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("5s_cpu", s.cpu_5s);
    v("1m_cpu", s.cpu_1m);
    v("5m_cpu", s.cpu_5m);
    v("total_memory_bytes", s.total_memory);
    v("free_memory_bytes", s.free_memory);
  }
  friend bool operator==(const ProcessorCounters&, const ProcessorCounters&) = default;
};

// radio_utilization (0:1002): times in milliseconds.
struct RadioUtilization {
  static constexpr uint32_t kFormat = 1002;
  static constexpr std::string_view kName = "radio_utilization";
  uint32_t elapsed_time_ms = 0;
  uint32_t on_channel_time_ms = 0;
  uint32_t on_channel_busy_time_ms = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("radio_elapsed_time", s.elapsed_time_ms);
    v("radio_on_channel_time", s.on_channel_time_ms);
    v("radio_on_channel_busy_time", s.on_channel_busy_time_ms);
  }
  friend bool operator==(const RadioUtilization&, const RadioUtilization&) = default;
};

// of_port (0:1004): the OpenFlow datapath and port of the data source.
struct OpenFlowPort {
  static constexpr uint32_t kFormat = 1004;
  static constexpr std::string_view kName = "of_port";
  DatapathId datapath_id;
  uint32_t port_no = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("openflow_datapath_id", s.datapath_id);
    v("openflow_port", s.port_no);
  }
  friend bool operator==(const OpenFlowPort&, const OpenFlowPort&) = default;
};

// port_name (0:1005): ifName of the data source (at most 255 bytes).
struct PortName {
  static constexpr uint32_t kFormat = 1005;
  static constexpr std::string_view kName = "port_name";
  std::string_view name;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("ifName", s.name);
  }
  friend bool operator==(const PortName&, const PortName&) = default;
};

// ---- Host counters (sflow.org sflow_host.txt, formats 2000-2010) ----

// host_descr (0:2000). machine_type: SFLMachine_type (3 = x86_64, 10 = arm ...); os_name:
// SFLOS_name (2 = linux, 3 = windows ...).
struct HostDescr {
  static constexpr uint32_t kFormat = 2000;
  static constexpr std::string_view kName = "host_descr";
  std::string_view hostname;
  Uuid uuid;
  uint32_t machine_type = 0;
  uint32_t os_name = 0;
  std::string_view os_release;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("hostname", s.hostname);
    v("UUID", s.uuid);
    v("machine_type", s.machine_type);
    v("os_name", s.os_name);
    v("os_release", s.os_release);
  }
  friend bool operator==(const HostDescr&, const HostDescr&) = default;
};

// The adapters of a host_adapters record (adapter<>): a count, then that many
// { unsigned int ifIndex; mac mac_address<> } where each MAC is 6 bytes + 2 of padding.
// A validated view: ReadXdr checks every MAC count against the bytes left, so that iteration
// afterwards cannot fail. (The iterator also stays inside `wire` if handed unvalidated bytes.)
class AdapterList {
 public:
  static constexpr size_t kHeaderSize = 8;  // ifIndex + MAC count
  static constexpr size_t kMacSize = 8;     // 6 bytes + 2 padding

  struct Adapter {
    uint32_t if_index = 0;
    uint32_t mac_count = 0;
    std::span<const uint8_t> macs;  // mac_count * kMacSize bytes
    MacAddress mac(size_t i) const {
      MacAddress m;
      std::copy_n(macs.data() + kMacSize * i, m.bytes.size(), m.bytes.begin());
      return m;
    }
    // Bytes this adapter occupies on the wire.
    size_t wire_size() const { return kHeaderSize + kMacSize * size_t{mac_count}; }
  };

  AdapterList() = default;
  // `wire` holds exactly `count` well-formed adapters (ReadXdr guarantees it).
  AdapterList(uint32_t count, std::span<const uint8_t> wire) : count_(count), wire_(wire) {}
  uint32_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::span<const uint8_t> wire() const { return wire_; }

  class Iterator {
   public:
    using value_type = Adapter;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(std::span<const uint8_t> rest, uint32_t left) : rest_(rest), left_(left) {}
    Adapter operator*() const { return Parse(rest_); }
    Iterator& operator++() {
      const size_t n = std::min(Parse(rest_).wire_size(), rest_.size());
      rest_ = rest_.subspan(n);
      if (left_ > 0) --left_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.left_ == b.left_; }

   private:
    // Never reads outside `rest`: a short header gives an empty adapter, a MAC count larger than
    // the bytes left is clamped (neither happens after ReadXdr).
    static Adapter Parse(std::span<const uint8_t> rest) {
      Adapter a;
      if (rest.size() < kHeaderSize) return a;
      a.if_index = ByteReader::LoadU32(rest.data());
      const uint32_t n = ByteReader::LoadU32(rest.data() + 4);
      const size_t fit = (rest.size() - kHeaderSize) / kMacSize;
      a.mac_count = n > fit ? static_cast<uint32_t>(fit) : n;
      a.macs = rest.subspan(kHeaderSize, kMacSize * size_t{a.mac_count});
      return a;
    }

    std::span<const uint8_t> rest_;
    uint32_t left_ = 0;
  };
  Iterator begin() const { return Iterator(wire_, count_); }
  Iterator end() const { return Iterator({}, 0); }

  // Reads the count and every adapter, checking each length before it is used. On a count or MAC
  // count the bytes left cannot hold, fails `r` and leaves `out` untouched.
  static bool ReadXdr(ByteReader& r, AdapterList* out) {
    uint32_t count = 0;
    if (!r.ReadU32(&count)) return false;
    // Every adapter takes at least kHeaderSize bytes: reject a lying count before looping on it.
    if (count > r.remaining() / kHeaderSize) {
      r.Fail();
      return false;
    }
    const size_t start = r.offset();
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t if_index = 0, mac_count = 0;
      if (!r.ReadU32(&if_index) || !r.ReadU32(&mac_count)) return false;
      if (mac_count > r.remaining() / kMacSize) {  // n*8 > remaining, without overflow
        r.Fail();
        return false;
      }
      if (!r.Skip(kMacSize * size_t{mac_count})) return false;
    }
    *out = AdapterList(count, r.data().subspan(start, r.offset() - start));
    return true;
  }
  void WriteXdr(ByteWriter& w) const {
    w.WriteU32(count_);
    w.WriteBytes(wire_);
  }

  friend bool operator==(const AdapterList& a, const AdapterList& b) {
    return a.count_ == b.count_ && std::ranges::equal(a.wire_, b.wire_);
  }

 private:
  uint32_t count_ = 0;
  std::span<const uint8_t> wire_;
};

// host_adapters (0:2001): the host's network adapters and their MACs. sflowtool prints
// "adaptor_list":[{"ifIndex":..,"MACs":n,"mac_list":[...]}].
struct HostAdapters {
  static constexpr uint32_t kFormat = 2001;
  static constexpr std::string_view kName = "host_adapters";
  AdapterList adapters;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("adaptor_list", s.adapters);
  }
  friend bool operator==(const HostAdapters&, const HostAdapters&) = default;
};

// host_parent (0:2002): the data source of the containing entity (e.g. a VM's hypervisor).
struct HostParent {
  static constexpr uint32_t kFormat = 2002;
  static constexpr std::string_view kName = "host_parent";
  uint32_t container_type = 0;  // sFlowDataSource class
  uint32_t container_index = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("parent_dsClass", s.container_type);
    v("parent_dsIndex", s.container_index);
  }
  friend bool operator==(const HostParent&, const HostParent&) = default;
};

// host_cpu (0:2003). Times in milliseconds. cpu_steal, cpu_guest and cpu_guest_nice were added in
// December 2014: older agents send the 68-byte record without them.
struct HostCpu {
  static constexpr uint32_t kFormat = 2003;
  static constexpr std::string_view kName = "host_cpu";
  float load_one = 0;
  float load_five = 0;
  float load_fifteen = 0;
  uint32_t proc_run = 0;
  uint32_t proc_total = 0;
  uint32_t cpu_num = 0;
  uint32_t cpu_speed_mhz = 0;
  uint32_t uptime_s = 0;
  uint32_t cpu_user = 0;
  uint32_t cpu_nice = 0;
  uint32_t cpu_system = 0;
  uint32_t cpu_idle = 0;
  uint32_t cpu_wio = 0;
  uint32_t cpu_intr = 0;
  uint32_t cpu_sintr = 0;
  uint32_t interrupts = 0;
  uint32_t contexts = 0;
  TrailingU32 cpu_steal;
  TrailingU32 cpu_guest;
  TrailingU32 cpu_guest_nice;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("cpu_load_one", s.load_one);
    v("cpu_load_five", s.load_five);
    v("cpu_load_fifteen", s.load_fifteen);
    v("cpu_proc_run", s.proc_run);
    v("cpu_proc_total", s.proc_total);
    v("cpu_num", s.cpu_num);
    v("cpu_speed", s.cpu_speed_mhz);
    v("cpu_uptime", s.uptime_s);
    v("cpu_user", s.cpu_user);
    v("cpu_nice", s.cpu_nice);
    v("cpu_system", s.cpu_system);
    v("cpu_idle", s.cpu_idle);
    v("cpu_wio", s.cpu_wio);
    v("cpuintr", s.cpu_intr);
    v("cpu_sintr", s.cpu_sintr);
    v("cpuinterrupts", s.interrupts);
    v("cpu_contexts", s.contexts);
    v("cpu_steal", s.cpu_steal);
    v("cpu_guest", s.cpu_guest);
    v("cpu_guest_nice", s.cpu_guest_nice);
  }
  friend bool operator==(const HostCpu&, const HostCpu&) = default;
};

// host_memory (0:2004): sizes in bytes.
struct HostMemory {
  static constexpr uint32_t kFormat = 2004;
  static constexpr std::string_view kName = "host_memory";
  uint64_t mem_total = 0;
  uint64_t mem_free = 0;
  uint64_t mem_shared = 0;
  uint64_t mem_buffers = 0;
  uint64_t mem_cached = 0;
  uint64_t swap_total = 0;
  uint64_t swap_free = 0;
  uint32_t page_in = 0;
  uint32_t page_out = 0;
  uint32_t swap_in = 0;
  uint32_t swap_out = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("mem_total", s.mem_total);
    v("mem_free", s.mem_free);
    v("mem_shared", s.mem_shared);
    v("mem_buffers", s.mem_buffers);
    v("mem_cached", s.mem_cached);
    v("swap_total", s.swap_total);
    v("swap_free", s.swap_free);
    v("page_in", s.page_in);
    v("page_out", s.page_out);
    v("swap_in", s.swap_in);
    v("swap_out", s.swap_out);
  }
  friend bool operator==(const HostMemory&, const HostMemory&) = default;
};

// host_disk_io (0:2005). Times in milliseconds.
struct HostDiskIo {
  static constexpr uint32_t kFormat = 2005;
  static constexpr std::string_view kName = "host_disk_io";
  uint64_t disk_total = 0;
  uint64_t disk_free = 0;
  Percentage part_max_used;
  uint32_t reads = 0;
  uint64_t bytes_read = 0;
  uint32_t read_time = 0;
  uint32_t writes = 0;
  uint64_t bytes_written = 0;
  uint32_t write_time = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("disk_total", s.disk_total);
    v("disk_free", s.disk_free);
    v("disk_partition_max_used", s.part_max_used);
    v("disk_reads", s.reads);
    v("disk_bytes_read", s.bytes_read);
    v("disk_read_time", s.read_time);
    v("disk_writes", s.writes);
    v("disk_bytes_written", s.bytes_written);
    v("disk_write_time", s.write_time);
  }
  friend bool operator==(const HostDiskIo&, const HostDiskIo&) = default;
};

// host_net_io (0:2006).
struct HostNetIo {
  static constexpr uint32_t kFormat = 2006;
  static constexpr std::string_view kName = "host_net_io";
  uint64_t bytes_in = 0;
  uint32_t pkts_in = 0;
  uint32_t errs_in = 0;
  uint32_t drops_in = 0;
  uint64_t bytes_out = 0;
  uint32_t pkts_out = 0;
  uint32_t errs_out = 0;
  uint32_t drops_out = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("nio_bytes_in", s.bytes_in);
    v("nio_pkts_in", s.pkts_in);
    v("nio_errs_in", s.errs_in);
    v("nio_drops_in", s.drops_in);
    v("nio_bytes_out", s.bytes_out);
    v("nio_pkts_out", s.pkts_out);
    v("nio_errs_out", s.errs_out);
    v("nio_drops_out", s.drops_out);
  }
  friend bool operator==(const HostNetIo&, const HostNetIo&) = default;
};

// mib2_ip_group (0:2007), after RFC 1213 / RFC 4293.
struct Mib2IpGroup {
  static constexpr uint32_t kFormat = 2007;
  static constexpr std::string_view kName = "mib2_ip_group";
  uint32_t forwarding = 0;
  uint32_t default_ttl = 0;
  uint32_t in_receives = 0;
  uint32_t in_hdr_errors = 0;
  uint32_t in_addr_errors = 0;
  uint32_t forw_datagrams = 0;
  uint32_t in_unknown_protos = 0;
  uint32_t in_discards = 0;
  uint32_t in_delivers = 0;
  uint32_t out_requests = 0;
  uint32_t out_discards = 0;
  uint32_t out_no_routes = 0;
  uint32_t reasm_timeout = 0;
  uint32_t reasm_reqds = 0;
  uint32_t reasm_oks = 0;
  uint32_t reasm_fails = 0;
  uint32_t frag_oks = 0;
  uint32_t frag_fails = 0;
  uint32_t frag_creates = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("ipForwarding", s.forwarding);
    v("ipDefaultTTL", s.default_ttl);
    v("ipInReceives", s.in_receives);
    v("ipInHdrErrors", s.in_hdr_errors);
    v("ipInAddrErrors", s.in_addr_errors);
    v("ipForwDatagrams", s.forw_datagrams);
    v("ipInUnknownProtos", s.in_unknown_protos);
    v("ipInDiscards", s.in_discards);
    v("ipInDelivers", s.in_delivers);
    v("ipOutRequests", s.out_requests);
    v("ipOutDiscards", s.out_discards);
    v("ipOutNoRoutes", s.out_no_routes);
    v("ipReasmTimeout", s.reasm_timeout);
    v("ipReasmReqds", s.reasm_reqds);
    v("ipReasmOKs", s.reasm_oks);
    v("ipReasmFails", s.reasm_fails);
    v("ipFragOKs", s.frag_oks);
    v("ipFragFails", s.frag_fails);
    v("ipFragCreates", s.frag_creates);
  }
  friend bool operator==(const Mib2IpGroup&, const Mib2IpGroup&) = default;
};

// mib2_icmp_group (0:2008), after RFC 1213 / RFC 4293.
struct Mib2IcmpGroup {
  static constexpr uint32_t kFormat = 2008;
  static constexpr std::string_view kName = "mib2_icmp_group";
  uint32_t in_msgs = 0;
  uint32_t in_errors = 0;
  uint32_t in_dest_unreachs = 0;
  uint32_t in_time_excds = 0;
  uint32_t in_param_probs = 0;
  uint32_t in_src_quenchs = 0;
  uint32_t in_redirects = 0;
  uint32_t in_echos = 0;
  uint32_t in_echo_reps = 0;
  uint32_t in_timestamps = 0;
  uint32_t in_addr_masks = 0;
  uint32_t in_addr_mask_reps = 0;
  uint32_t out_msgs = 0;
  uint32_t out_errors = 0;
  uint32_t out_dest_unreachs = 0;
  uint32_t out_time_excds = 0;
  uint32_t out_param_probs = 0;
  uint32_t out_src_quenchs = 0;
  uint32_t out_redirects = 0;
  uint32_t out_echos = 0;
  uint32_t out_echo_reps = 0;
  uint32_t out_timestamps = 0;
  uint32_t out_timestamp_reps = 0;
  uint32_t out_addr_masks = 0;
  uint32_t out_addr_mask_reps = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("icmpInMsgs", s.in_msgs);
    v("icmpInErrors", s.in_errors);
    v("icmpInDestUnreachs", s.in_dest_unreachs);
    v("icmpInTimeExcds", s.in_time_excds);
    v("icmpInParamProbs", s.in_param_probs);
    v("icmpInSrcQuenchs", s.in_src_quenchs);
    v("icmpInRedirects", s.in_redirects);
    v("icmpInEchos", s.in_echos);
    v("icmpInEchoReps", s.in_echo_reps);
    v("icmpInTimestamps", s.in_timestamps);
    v("icmpInAddrMasks", s.in_addr_masks);
    v("icmpInAddrMaskReps", s.in_addr_mask_reps);
    v("icmpOutMsgs", s.out_msgs);
    v("icmpOutErrors", s.out_errors);
    v("icmpOutDestUnreachs", s.out_dest_unreachs);
    v("icmpOutTimeExcds", s.out_time_excds);
    v("icmpOutParamProbs", s.out_param_probs);
    v("icmpOutSrcQuenchs", s.out_src_quenchs);
    v("icmpOutRedirects", s.out_redirects);
    v("icmpOutEchos", s.out_echos);
    v("icmpOutEchoReps", s.out_echo_reps);
    v("icmpOutTimestamps", s.out_timestamps);
    v("icmpOutTimestampReps", s.out_timestamp_reps);
    v("icmpOutAddrMasks", s.out_addr_masks);
    v("icmpOutAddrMaskReps", s.out_addr_mask_reps);
  }
  friend bool operator==(const Mib2IcmpGroup&, const Mib2IcmpGroup&) = default;
};

// mib2_tcp_group (0:2009), after RFC 1213 / RFC 4022.
struct Mib2TcpGroup {
  static constexpr uint32_t kFormat = 2009;
  static constexpr std::string_view kName = "mib2_tcp_group";
  uint32_t rto_algorithm = 0;
  uint32_t rto_min = 0;
  uint32_t rto_max = 0;
  uint32_t max_conn = 0;
  uint32_t active_opens = 0;
  uint32_t passive_opens = 0;
  uint32_t attempt_fails = 0;
  uint32_t estab_resets = 0;
  uint32_t curr_estab = 0;
  uint32_t in_segs = 0;
  uint32_t out_segs = 0;
  uint32_t retrans_segs = 0;
  uint32_t in_errs = 0;
  uint32_t out_rsts = 0;
  uint32_t in_csum_errors = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("tcpRtoAlgorithm", s.rto_algorithm);
    v("tcpRtoMin", s.rto_min);
    v("tcpRtoMax", s.rto_max);
    v("tcpMaxConn", s.max_conn);
    v("tcpActiveOpens", s.active_opens);
    v("tcpPassiveOpens", s.passive_opens);
    v("tcpAttemptFails", s.attempt_fails);
    v("tcpEstabResets", s.estab_resets);
    v("tcpCurrEstab", s.curr_estab);
    v("tcpInSegs", s.in_segs);
    v("tcpOutSegs", s.out_segs);
    v("tcpRetransSegs", s.retrans_segs);
    v("tcpInErrs", s.in_errs);
    v("tcpOutRsts", s.out_rsts);
    v("tcpInCsumErrors", s.in_csum_errors);
  }
  friend bool operator==(const Mib2TcpGroup&, const Mib2TcpGroup&) = default;
};

// mib2_udp_group (0:2010), after RFC 1213 / RFC 4113.
struct Mib2UdpGroup {
  static constexpr uint32_t kFormat = 2010;
  static constexpr std::string_view kName = "mib2_udp_group";
  uint32_t in_datagrams = 0;
  uint32_t no_ports = 0;
  uint32_t in_errors = 0;
  uint32_t out_datagrams = 0;
  uint32_t rcvbuf_errors = 0;
  uint32_t sndbuf_errors = 0;
  uint32_t in_csum_errors = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("udpInDatagrams", s.in_datagrams);
    v("udpNoPorts", s.no_ports);
    v("udpInErrors", s.in_errors);
    v("udpOutDatagrams", s.out_datagrams);
    v("udpRcvbufErrors", s.rcvbuf_errors);
    v("udpSndbufErrors", s.sndbuf_errors);
    v("udpInCsumErrors", s.in_csum_errors);
  }
  friend bool operator==(const Mib2UdpGroup&, const Mib2UdpGroup&) = default;
};

// ---- Virtualization counters (formats 2100-2104, after libvirt) ----

// virt_node (0:2100): the hypervisor.
struct VirtNode {
  static constexpr uint32_t kFormat = 2100;
  static constexpr std::string_view kName = "virt_node";
  uint32_t mhz = 0;
  uint32_t cpus = 0;
  uint64_t memory = 0;       // bytes
  uint64_t memory_free = 0;  // bytes
  uint32_t num_domains = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("vnode_mhz", s.mhz);
    v("vnode_cpus", s.cpus);
    v("vnode_memory", s.memory);
    v("vnode_memory_free", s.memory_free);
    v("vnode_num_domains", s.num_domains);
  }
  friend bool operator==(const VirtNode&, const VirtNode&) = default;
};

// virt_cpu (0:2101). state: virDomainState (1 running, 2 blocked, 3 paused ...).
struct VirtCpu {
  static constexpr uint32_t kFormat = 2101;
  static constexpr std::string_view kName = "virt_cpu";
  uint32_t state = 0;
  uint32_t cpu_time_ms = 0;
  uint32_t cpu_count = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("vcpu_state", s.state);
    v("vcpu_cpu_mS", s.cpu_time_ms);
    v("vcpu_cpuCount", s.cpu_count);
  }
  friend bool operator==(const VirtCpu&, const VirtCpu&) = default;
};

// virt_memory (0:2102): bytes.
struct VirtMemory {
  static constexpr uint32_t kFormat = 2102;
  static constexpr std::string_view kName = "virt_memory";
  uint64_t memory = 0;
  uint64_t max_memory = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("vmem_memory", s.memory);
    v("vmem_maxMemory", s.max_memory);
  }
  friend bool operator==(const VirtMemory&, const VirtMemory&) = default;
};

// virt_disk_io (0:2103).
struct VirtDiskIo {
  static constexpr uint32_t kFormat = 2103;
  static constexpr std::string_view kName = "virt_disk_io";
  uint64_t capacity = 0;
  uint64_t allocation = 0;
  uint64_t available = 0;
  uint32_t rd_req = 0;
  uint64_t rd_bytes = 0;
  uint32_t wr_req = 0;
  uint64_t wr_bytes = 0;
  uint32_t errs = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("vdsk_capacity", s.capacity);
    v("vdsk_allocation", s.allocation);
    v("vdsk_available", s.available);
    v("vdsk_rd_req", s.rd_req);
    v("vdsk_rd_bytes", s.rd_bytes);
    v("vdsk_wr_req", s.wr_req);
    v("vdsk_wr_bytes", s.wr_bytes);
    v("vdsk_errs", s.errs);
  }
  friend bool operator==(const VirtDiskIo&, const VirtDiskIo&) = default;
};

// virt_net_io (0:2104).
struct VirtNetIo {
  static constexpr uint32_t kFormat = 2104;
  static constexpr std::string_view kName = "virt_net_io";
  uint64_t bytes_in = 0;
  uint32_t pkts_in = 0;
  uint32_t errs_in = 0;
  uint32_t drops_in = 0;
  uint64_t bytes_out = 0;
  uint32_t pkts_out = 0;
  uint32_t errs_out = 0;
  uint32_t drops_out = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("vnio_bytes_in", s.bytes_in);
    v("vnio_pkts_in", s.pkts_in);
    v("vnio_errs_in", s.errs_in);
    v("vnio_drops_in", s.drops_in);
    v("vnio_bytes_out", s.bytes_out);
    v("vnio_pkts_out", s.pkts_out);
    v("vnio_errs_out", s.errs_out);
    v("vnio_drops_out", s.drops_out);
  }
  friend bool operator==(const VirtNetIo&, const VirtNetIo&) = default;
};

// ---- Java VM counters (sflow.org sflow_jvm.txt, formats 2105-2106) ----

// jvm_runtime (0:2105).
struct JvmRuntime {
  static constexpr uint32_t kFormat = 2105;
  static constexpr std::string_view kName = "jvm_runtime";
  std::string_view vm_name;
  std::string_view vm_vendor;
  std::string_view vm_version;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("jvm_name", s.vm_name);
    v("jvm_vendor", s.vm_vendor);
    v("jvm_version", s.vm_version);
  }
  friend bool operator==(const JvmRuntime&, const JvmRuntime&) = default;
};

// jvm_statistics (0:2106), from JMX. fds_open and fds_max were added later: older agents send the
// 100-byte record without them.
struct JvmStatistics {
  static constexpr uint32_t kFormat = 2106;
  static constexpr std::string_view kName = "jvm_statistics";
  uint64_t heap_initial = 0;
  uint64_t heap_used = 0;
  uint64_t heap_committed = 0;
  uint64_t heap_max = 0;
  uint64_t non_heap_initial = 0;
  uint64_t non_heap_used = 0;
  uint64_t non_heap_committed = 0;
  uint64_t non_heap_max = 0;
  uint32_t gc_count = 0;
  uint32_t gc_time_ms = 0;
  uint32_t classes_loaded = 0;
  uint32_t classes_total = 0;
  uint32_t classes_unloaded = 0;
  uint32_t compilation_time_ms = 0;
  uint32_t threads_live = 0;
  uint32_t threads_daemon = 0;
  uint32_t threads_started = 0;
  TrailingU32 fds_open;
  TrailingU32 fds_max;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("heap_mem_initial", s.heap_initial);
    v("heap_mem_used", s.heap_used);
    v("heap_mem_committed", s.heap_committed);
    v("heap_mem_max", s.heap_max);
    v("non_heap_mem_initial", s.non_heap_initial);
    v("non_heap_mem_used", s.non_heap_used);
    v("non_heap_mem_committed", s.non_heap_committed);
    v("non_heap_mem_max", s.non_heap_max);
    v("gc_count", s.gc_count);
    v("gc_mS", s.gc_time_ms);
    v("classes_loaded", s.classes_loaded);
    v("classes_total", s.classes_total);
    v("classes_unloaded", s.classes_unloaded);
    v("compilation_mS", s.compilation_time_ms);
    v("threads_live", s.threads_live);
    v("threads_daemon", s.threads_daemon);
    v("threads_started", s.threads_started);
    v("fds_open", s.fds_open);
    v("fds_max", s.fds_max);
  }
  friend bool operator==(const JvmStatistics&, const JvmStatistics&) = default;
};

// ---- Application counters (sflow.org sflow_memcache/http/application.txt, 2200-2207) ----

// memcache_counters, first revision (0:2200, deprecated by 2204).
struct MemcacheCountersV1 {
  static constexpr uint32_t kFormat = 2200;
  static constexpr std::string_view kName = "memcache_counters_v1";
  uint32_t uptime = 0;
  uint32_t rusage_user = 0;
  uint32_t rusage_system = 0;
  uint32_t curr_connections = 0;
  uint32_t total_connections = 0;
  uint32_t connection_structures = 0;
  uint32_t cmd_get = 0;
  uint32_t cmd_set = 0;
  uint32_t cmd_flush = 0;
  uint32_t get_hits = 0;
  uint32_t get_misses = 0;
  uint32_t delete_misses = 0;
  uint32_t delete_hits = 0;
  uint32_t incr_misses = 0;
  uint32_t incr_hits = 0;
  uint32_t decr_misses = 0;
  uint32_t decr_hits = 0;
  uint32_t cas_misses = 0;
  uint32_t cas_hits = 0;
  uint32_t cas_badval = 0;
  uint32_t auth_cmds = 0;
  uint32_t auth_errors = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint32_t limit_maxbytes = 0;
  uint32_t accepting_conns = 0;
  uint32_t listen_disabled_num = 0;
  uint32_t threads = 0;
  uint32_t conn_yields = 0;
  uint64_t bytes = 0;
  uint32_t curr_items = 0;
  uint32_t total_items = 0;
  uint32_t evictions = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("memcache_uptime", s.uptime);
    v("memcache_rusage_user", s.rusage_user);
    v("memcache_rusage_system", s.rusage_system);
    v("memcache_curr_connections", s.curr_connections);
    v("memcache_total_connections", s.total_connections);
    v("memcache_connection_structures", s.connection_structures);
    v("memcache_cmd_get", s.cmd_get);
    v("memcache_cmd_set", s.cmd_set);
    v("memcache_cmd_flush", s.cmd_flush);
    v("memcache_get_hits", s.get_hits);
    v("memcache_get_misses", s.get_misses);
    v("memcache_delete_misses", s.delete_misses);
    v("memcache_delete_hits", s.delete_hits);
    v("memcache_incr_misses", s.incr_misses);
    v("memcache_incr_hits", s.incr_hits);
    v("memcache_decr_misses", s.decr_misses);
    v("memcache_decr_hits", s.decr_hits);
    v("memcache_cas_misses", s.cas_misses);
    v("memcache_cas_hits", s.cas_hits);
    v("memcache_cas_badval", s.cas_badval);
    v("memcache_auth_cmds", s.auth_cmds);
    v("memcache_auth_errors", s.auth_errors);
    v("memcache_bytes_read", s.bytes_read);
    v("memcache_bytes_written", s.bytes_written);
    v("memcache_limit_maxbytes", s.limit_maxbytes);
    v("memcache_accepting_conns", s.accepting_conns);
    v("memcache_listen_disabled_num", s.listen_disabled_num);
    v("memcache_threads", s.threads);
    v("memcache_conn_yields", s.conn_yields);
    v("memcache_bytes", s.bytes);
    v("memcache_curr_items", s.curr_items);
    v("memcache_total_items", s.total_items);
    v("memcache_evictions", s.evictions);
  }
  friend bool operator==(const MemcacheCountersV1&, const MemcacheCountersV1&) = default;
};

// http_counters (0:2201). "http_methd_connect_count" is sflowtool's spelling.
struct HttpCounters {
  static constexpr uint32_t kFormat = 2201;
  static constexpr std::string_view kName = "http_counters";
  uint32_t method_option_count = 0;
  uint32_t method_get_count = 0;
  uint32_t method_head_count = 0;
  uint32_t method_post_count = 0;
  uint32_t method_put_count = 0;
  uint32_t method_delete_count = 0;
  uint32_t method_trace_count = 0;
  uint32_t method_connect_count = 0;
  uint32_t method_other_count = 0;
  uint32_t status_1xx_count = 0;
  uint32_t status_2xx_count = 0;
  uint32_t status_3xx_count = 0;
  uint32_t status_4xx_count = 0;
  uint32_t status_5xx_count = 0;
  uint32_t status_other_count = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("http_method_option_count", s.method_option_count);
    v("http_method_get_count", s.method_get_count);
    v("http_method_head_count", s.method_head_count);
    v("http_method_post_count", s.method_post_count);
    v("http_method_put_count", s.method_put_count);
    v("http_method_delete_count", s.method_delete_count);
    v("http_method_trace_count", s.method_trace_count);
    v("http_methd_connect_count", s.method_connect_count);
    v("http_method_other_count", s.method_other_count);
    v("http_status_1XX_count", s.status_1xx_count);
    v("http_status_2XX_count", s.status_2xx_count);
    v("http_status_3XX_count", s.status_3xx_count);
    v("http_status_4XX_count", s.status_4xx_count);
    v("http_status_5XX_count", s.status_5xx_count);
    v("http_status_other_count", s.status_other_count);
  }
  friend bool operator==(const HttpCounters&, const HttpCounters&) = default;
};

// app_operations (0:2202): operation counts of an application, by status.
struct AppOperations {
  static constexpr uint32_t kFormat = 2202;
  static constexpr std::string_view kName = "app_operations";
  std::string_view application;
  uint32_t success = 0;
  uint32_t other = 0;
  uint32_t timeout = 0;
  uint32_t internal_error = 0;
  uint32_t bad_request = 0;
  uint32_t forbidden = 0;
  uint32_t too_large = 0;
  uint32_t not_implemented = 0;
  uint32_t not_found = 0;
  uint32_t unavailable = 0;
  uint32_t unauthorized = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("application", s.application);
    v("status_OK", s.success);
    v("errors_OTHER", s.other);
    v("errors_TIMEOUT", s.timeout);
    v("errors_INTERNAL_ERROR", s.internal_error);
    v("errors_BAD_REQUEST", s.bad_request);
    v("errors_FORBIDDEN", s.forbidden);
    v("errors_TOO_LARGE", s.too_large);
    v("errors_NOT_IMPLEMENTED", s.not_implemented);
    v("errors_NOT_FOUND", s.not_found);
    v("errors_UNAVAILABLE", s.unavailable);
    v("errors_UNAUTHORIZED", s.unauthorized);
  }
  friend bool operator==(const AppOperations&, const AppOperations&) = default;
};

// app_resources (0:2203). Times in milliseconds, memory in bytes.
struct AppResources {
  static constexpr uint32_t kFormat = 2203;
  static constexpr std::string_view kName = "app_resources";
  uint32_t user_time = 0;
  uint32_t system_time = 0;
  uint64_t mem_used = 0;
  uint64_t mem_max = 0;
  uint32_t fd_open = 0;
  uint32_t fd_max = 0;
  uint32_t conn_open = 0;
  uint32_t conn_max = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("user_time", s.user_time);
    v("system_time", s.system_time);
    v("memory_used", s.mem_used);
    v("memory_max", s.mem_max);
    v("files_open", s.fd_open);
    v("files_max", s.fd_max);
    v("connections_open", s.conn_open);
    v("connections_max", s.conn_max);
  }
  friend bool operator==(const AppResources&, const AppResources&) = default;
};

// memcache_counters (0:2204), the current revision.
struct MemcacheCounters {
  static constexpr uint32_t kFormat = 2204;
  static constexpr std::string_view kName = "memcache_counters";
  uint32_t cmd_set = 0;
  uint32_t cmd_touch = 0;
  uint32_t cmd_flush = 0;
  uint32_t get_hits = 0;
  uint32_t get_misses = 0;
  uint32_t delete_hits = 0;
  uint32_t delete_misses = 0;
  uint32_t incr_hits = 0;
  uint32_t incr_misses = 0;
  uint32_t decr_hits = 0;
  uint32_t decr_misses = 0;
  uint32_t cas_hits = 0;
  uint32_t cas_misses = 0;
  uint32_t cas_badval = 0;
  uint32_t auth_cmds = 0;
  uint32_t auth_errors = 0;
  uint32_t threads = 0;
  uint32_t conn_yields = 0;
  uint32_t listen_disabled_num = 0;
  uint32_t curr_connections = 0;
  uint32_t rejected_connections = 0;
  uint32_t total_connections = 0;
  uint32_t connection_structures = 0;
  uint32_t evictions = 0;
  uint32_t reclaimed = 0;
  uint32_t curr_items = 0;
  uint32_t total_items = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t bytes = 0;
  uint64_t limit_maxbytes = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("memcache_cmd_set", s.cmd_set);
    v("memcache_cmd_touch", s.cmd_touch);
    v("memcache_cmd_flush", s.cmd_flush);
    v("memcache_get_hits", s.get_hits);
    v("memcache_get_misses", s.get_misses);
    v("memcache_delete_hits", s.delete_hits);
    v("memcache_delete_misses", s.delete_misses);
    v("memcache_incr_hits", s.incr_hits);
    v("memcache_incr_misses", s.incr_misses);
    v("memcache_decr_hits", s.decr_hits);
    v("memcache_decr_misses", s.decr_misses);
    v("memcache_cas_hits", s.cas_hits);
    v("memcache_cas_misses", s.cas_misses);
    v("memcache_cas_badval", s.cas_badval);
    v("memcache_auth_cmds", s.auth_cmds);
    v("memcache_auth_errors", s.auth_errors);
    v("memcache_threads", s.threads);
    v("memcache_conn_yields", s.conn_yields);
    v("memcache_listen_disabled_num", s.listen_disabled_num);
    v("memcache_curr_connections", s.curr_connections);
    v("memcache_rejected_connections", s.rejected_connections);
    v("memcache_total_connections", s.total_connections);
    v("memcache_connection_structures", s.connection_structures);
    v("memcache_evictions", s.evictions);
    v("memcache_reclaimed", s.reclaimed);
    v("memcache_curr_items", s.curr_items);
    v("memcache_total_items", s.total_items);
    v("memcache_bytes_read", s.bytes_read);
    v("memcache_bytes_written", s.bytes_written);
    v("memcache_bytes", s.bytes);
    v("memcache_limit_maxbytes", s.limit_maxbytes);
  }
  friend bool operator==(const MemcacheCounters&, const MemcacheCounters&) = default;
};

// vdi_counters (0:2205): virtual desktop sessions. Bytes, packets; latencies in milliseconds;
// image quality 0-100.
struct VdiCounters {
  static constexpr uint32_t kFormat = 2205;
  static constexpr std::string_view kName = "vdi_counters";
  uint32_t sessions_current = 0;
  uint32_t sessions_total = 0;
  uint32_t sessions_duration_s = 0;
  uint32_t rx_bytes = 0;
  uint32_t tx_bytes = 0;
  uint32_t rx_packets = 0;
  uint32_t tx_packets = 0;
  uint32_t rx_packets_lost = 0;
  uint32_t tx_packets_lost = 0;
  uint32_t rtt_min_ms = 0;
  uint32_t rtt_max_ms = 0;
  uint32_t rtt_avg_ms = 0;
  uint32_t audio_rx_bytes = 0;
  uint32_t audio_tx_bytes = 0;
  uint32_t audio_tx_limit = 0;  // bits per second
  uint32_t img_rx_bytes = 0;
  uint32_t img_tx_bytes = 0;
  uint32_t img_frames = 0;
  uint32_t img_qual_min = 0;
  uint32_t img_qual_max = 0;
  uint32_t img_qual_avg = 0;
  uint32_t usb_rx_bytes = 0;
  uint32_t usb_tx_bytes = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("vdi_sessions_current", s.sessions_current);
    v("vdi_sessions_total", s.sessions_total);
    v("vdi_sessions_duration", s.sessions_duration_s);
    v("vdi_rx_bytes", s.rx_bytes);
    v("vdi_tx_bytes", s.tx_bytes);
    v("vdi_rx_packets", s.rx_packets);
    v("vdi_tx_packets", s.tx_packets);
    v("vdi_rx_packets_lost", s.rx_packets_lost);
    v("vdi_tx_packets_lost", s.tx_packets_lost);
    v("vdi_rtt_min_ms", s.rtt_min_ms);
    v("vdi_rtt_max_ms", s.rtt_max_ms);
    v("vdi_rtt_avg_ms", s.rtt_avg_ms);
    v("vdi_audio_rx_bytes", s.audio_rx_bytes);
    v("vdi_audio_tx_bytes", s.audio_tx_bytes);
    v("vdi_audio_tx_limit", s.audio_tx_limit);
    v("vdi_img_rx_bytes", s.img_rx_bytes);
    v("vdi_img_tx_bytes", s.img_tx_bytes);
    v("vdi_img_frames", s.img_frames);
    v("vdi_img_qual_min", s.img_qual_min);
    v("vdi_img_qual_max", s.img_qual_max);
    v("vdi_img_qual_avg", s.img_qual_avg);
    v("vdi_usb_rx_bytes", s.usb_rx_bytes);
    v("vdi_usb_tx_bytes", s.usb_tx_bytes);
  }
  friend bool operator==(const VdiCounters&, const VdiCounters&) = default;
};

// app_workers (0:2206).
struct AppWorkers {
  static constexpr uint32_t kFormat = 2206;
  static constexpr std::string_view kName = "app_workers";
  uint32_t workers_active = 0;
  uint32_t workers_idle = 0;
  uint32_t workers_max = 0;
  uint32_t req_delayed = 0;
  uint32_t req_dropped = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("workers_active", s.workers_active);
    v("workers_idle", s.workers_idle);
    v("workers_max", s.workers_max);
    v("requests_delayed", s.req_delayed);
    v("requests_dropped", s.req_dropped);
  }
  friend bool operator==(const AppWorkers&, const AppWorkers&) = default;
};

// ovs_dp_stats (0:2207): Open vSwitch datapath statistics.
struct OvsDpStats {
  static constexpr uint32_t kFormat = 2207;
  static constexpr std::string_view kName = "ovs_dp_stats";
  uint32_t hits = 0;
  uint32_t misses = 0;
  uint32_t lost = 0;
  uint32_t mask_hits = 0;
  uint32_t flows = 0;
  uint32_t masks = 0;
  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("OVS_dp_hits", s.hits);
    v("OVS_dp_misses", s.misses);
    v("OVS_dp_lost", s.lost);
    v("OVS_dp_mask_hits", s.mask_hits);
    v("OVS_dp_flows", s.flows);
    v("OVS_dp_masks", s.masks);
  }
  friend bool operator==(const OvsDpStats&, const OvsDpStats&) = default;
};

// Any counter record this library does not know: kept as its tag and bytes.
struct UnknownCounterRecord {
  static constexpr std::string_view kName = "unknown";
  Bytes body;
  friend bool operator==(const UnknownCounterRecord&, const UnknownCounterRecord&) = default;
};

using CounterRecordData = std::variant<
    UnknownCounterRecord, GenericInterfaceCounters, EthernetCounters, TokenRingCounters, VgCounters,
    VlanCounters, Ieee80211Counters, LagPortStats, SfpCounters, ProcessorCounters, RadioUtilization,
    OpenFlowPort, PortName, HostDescr, HostAdapters, HostParent, HostCpu, HostMemory, HostDiskIo,
    HostNetIo, Mib2IpGroup, Mib2IcmpGroup, Mib2TcpGroup, Mib2UdpGroup, VirtNode, VirtCpu,
    VirtMemory, VirtDiskIo, VirtNetIo, JvmRuntime, JvmStatistics, MemcacheCountersV1, HttpCounters,
    AppOperations, AppResources, MemcacheCounters, VdiCounters, AppWorkers, OvsDpStats>;

// One counter record: its tag, its decoded content, and any bytes its length covered beyond the
// known fields (a later revision of the structure; kept so that re-encoding is exact).
struct CounterRecord {
  Tag tag;
  CounterRecordData data;
  Bytes trailing;
  // The record's body as received; see FlowRecord::wire. Not part of the record's value (==).
  Bytes wire;
  friend bool operator==(const CounterRecord& a, const CounterRecord& b) {
    return a.tag == b.tag && a.data == b.data && a.trailing == b.trailing;
  }
};

}  // namespace cistern::sflow

#endif  // CISTERN_SFLOW_COUNTER_RECORDS_H_
