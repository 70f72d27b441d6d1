// sflowtool -l lines: the per-sample state each flow record leaves (sflowtool.c readFlowSample_*,
// readExtended*), then writeFlowLine / writeCountersLine.
#include "sflowtool_lines.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>
#include <type_traits>
#include <variant>

#include "sflowtool_header.h"
#include "sflowtool_text.h"

namespace cistern::cli {
namespace {

using namespace cistern::sflow;

// Appends one line's comma-separated fields as sflowtool's printf conversions print them (printf
// itself is most of the time a line takes).
class LineWriter {
 public:
  explicit LineWriter(std::string* out) : out_(out) {}

  LineWriter& Text(std::string_view text) {
    Comma();
    out_->append(text);
    return *this;
  }
  // %d of an unsigned 32-bit field: values of 2^31 and more print negative.
  LineWriter& SignedDecimal(uint32_t value) {
    return Decimal(static_cast<int64_t>(static_cast<int32_t>(value)));
  }
  // %d, %u and %PRIu64 of values their type holds.
  LineWriter& Decimal(int64_t value) { return Digits(value); }
  LineWriter& Decimal(uint64_t value) { return Digits(value); }
  // 0x%02x, 0x%04x: lowercase hex digits, at least `width` of them.
  LineWriter& Hex(uint32_t value, size_t width) {
    Comma();
    out_->append("0x");
    char digits[8];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value, 16);
    const size_t n = static_cast<size_t>(end - digits);
    if (n < width) out_->append(width - n, '0');
    out_->append(digits, n);
    return *this;
  }
  void End() { out_->push_back('\n'); }

 private:
  template <class Int>
  LineWriter& Digits(Int value) {
    Comma();
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out_->append(digits, end);
    return *this;
  }
  void Comma() {
    if (!first_) out_->push_back(',');
    first_ = false;
  }

  std::string* out_;
  bool first_ = true;
};

// What one flow record does to the sample's state. Records not listed leave it alone.
class FlowRecordEffect {
 public:
  FlowRecordEffect(std::span<const uint8_t> datagram, SflowtoolSampleState& state)
      : datagram_(datagram), state_(state) {}

  template <class T>
  void operator()(const T& record) {
    if constexpr (std::is_same_v<T, SampledHeader>) {
      DecodeHeaderAsSflowtool(record, datagram_, &state_, nullptr);
    } else if constexpr (std::is_same_v<T, Extended80211Payload>) {
      DecodeHeaderAsSflowtool(record.header, datagram_, &state_, nullptr);
    } else if constexpr (std::is_base_of_v<SampledEthernet, T>) {  // and the L2 tunnel records
      state_.eth_src = record.src_mac.bytes;
      state_.eth_dst = record.dst_mac.bytes;
      state_.eth_type = record.eth_type;
    } else if constexpr (std::is_base_of_v<SampledIpv4, T>) {  // and the IPv4 tunnel records
      SampledIp(record, Address::Type::kIPv4);
      state_.ip_tos = record.tos;
    } else if constexpr (std::is_base_of_v<SampledIpv6, T>) {  // and the IPv6 tunnel records
      // The same, but its priority does not set the TOS.
      SampledIp(record, Address::Type::kIPv6);
    } else if constexpr (std::is_same_v<T, ExtendedSwitch>) {
      state_.in_vlan = record.src_vlan;
      state_.out_vlan = record.dst_vlan;
    } else if constexpr (std::is_same_v<T, ExtendedSocketIpv4>) {
      state_.src_ip = AddressOf(Address::Type::kIPv4, record.local_ip.bytes);
      state_.dst_ip = AddressOf(Address::Type::kIPv4, record.remote_ip.bytes);
    } else if constexpr (std::is_same_v<T, ExtendedSocketIpv6>) {
      state_.src_ip = AddressOf(Address::Type::kIPv6, record.local_ip.bytes);
      state_.dst_ip = AddressOf(Address::Type::kIPv6, record.remote_ip.bytes);
    }
  }

 private:
  // sampled_ipv4/ipv6 replace the packet size, addresses, protocol and ports, and the TCP flags
  // only for TCP; the TTL and the stripped bytes and IP offset of a header record stay.
  template <class Ip>
  void SampledIp(const Ip& ip, Address::Type type) {
    state_.sampled_packet_size = ip.length;
    state_.src_ip = AddressOf(type, ip.src_ip.bytes);
    state_.dst_ip = AddressOf(type, ip.dst_ip.bytes);
    state_.ip_protocol = ip.protocol;
    state_.src_port = ip.src_port;
    state_.dst_port = ip.dst_port;
    if (ip.protocol == 6) state_.tcp_flags = ip.tcp_flags;
  }

  template <size_t N>
  static Address AddressOf(Address::Type type, const std::array<uint8_t, N>& bytes) {
    Address a;
    a.type = type;
    std::copy(bytes.begin(), bytes.end(), a.bytes.begin());
    return a;
  }

  std::span<const uint8_t> datagram_;
  SflowtoolSampleState& state_;
};

// writeFlowLine: "FLOW,%s,%d,%d," "%s,%s,0x%04x,%d,%d" ",%s,%s,%d,0x%02x,%d,%d,%d,0x%02x"
// ",%d,%d,%d\n".
void AppendFlowLine(const Address& agent, const SflowtoolSampleState& s, std::string* out) {
  LineWriter line(out);
  line.Text("FLOW").Text(AddressText(agent).view());
  line.SignedDecimal(s.input_port).SignedDecimal(s.output_port);
  line.Text(MacText(s.eth_src.data()).view()).Text(MacText(s.eth_dst.data()).view());
  line.Hex(s.eth_type, 4).SignedDecimal(s.in_vlan).SignedDecimal(s.out_vlan);
  line.Text(AddressText(s.src_ip).view()).Text(AddressText(s.dst_ip).view());
  line.SignedDecimal(s.ip_protocol).Hex(s.ip_tos, 2).SignedDecimal(s.ip_ttl);
  line.SignedDecimal(s.src_port).SignedDecimal(s.dst_port).Hex(s.tcp_flags, 2);
  line.SignedDecimal(s.sampled_packet_size);
  line.Decimal(int64_t{IpSizeAsSflowtool(s, s.offset_to_ipv4)});
  line.SignedDecimal(s.mean_skip_count);
  line.End();
}

// writeCountersLine: "CNTR,%s," then the generic interface counters with %u and %PRIu64, in their
// wire order, which is sflowtool's.
void AppendCountersLine(const Address& agent, const GenericInterfaceCounters& counters,
                        std::string* out) {
  LineWriter line(out);
  line.Text("CNTR").Text(AddressText(agent).view());
  GenericInterfaceCounters::Fields(
      counters, [&line](std::string_view, auto value) { line.Decimal(uint64_t{value}); });
  line.End();
}

// sflowtool checks every record's and sample's length against what it read (lengthCheck) and
// abandons the rest of the datagram when they differ. libsflow keeps such bytes instead (a later
// revision of a structure) as `trailing`. Records sflowtool does not decode it skips by their
// length, so their trailing bytes do not stop it: these are the ones libsflow decodes and
// sflowtool 6.11 does not.
bool SflowtoolSkips(const FlowRecord& r) {
  return std::holds_alternative<Extended80211Aggregation>(r.data) ||
         std::holds_alternative<ExtendedProxyRequest>(r.data) ||
         std::holds_alternative<ExtendedNavTiming>(r.data);
}
bool SflowtoolSkips(const CounterRecord&) { return false; }

template <class Record>
bool SflowtoolFindsUnreadBytes(std::span<const Record> records) {
  for (const Record& r : records) {
    if (!r.trailing.empty() && !SflowtoolSkips(r)) return true;
  }
  return false;
}

bool SflowtoolAbandonsDatagramAt(const Sample& sample) {
  if (std::holds_alternative<UnknownSample>(sample.data)) return false;  // skipped by length
  if (!sample.trailing.empty()) return true;
  return std::visit(
      [](const auto& s) {
        if constexpr (requires { s.records; }) {
          return SflowtoolFindsUnreadBytes(s.records);
        } else {
          return false;
        }
      },
      sample.data);
}

}  // namespace

void AppendSflowtoolLines(const Datagram& dg, std::span<const uint8_t> bytes, std::string* out) {
  for (const Sample& sample : dg.samples) {
    if (SflowtoolAbandonsDatagramAt(sample)) return;
    if (const auto* flow = std::get_if<FlowSample>(&sample.data)) {
      SflowtoolSampleState state;
      state.input_port = flow->input.value;
      state.output_port = flow->output.value;
      state.mean_skip_count = flow->sampling_rate;
      FlowRecordEffect effect(bytes, state);
      for (const FlowRecord& r : flow->records) std::visit(effect, r.data);
      AppendFlowLine(dg.agent, state, out);
    } else if (const auto* counters = std::get_if<CountersSample>(&sample.data)) {
      GenericInterfaceCounters generic;  // zeros unless the sample has one
      for (const CounterRecord& r : counters->records) {
        if (const auto* g = std::get_if<GenericInterfaceCounters>(&r.data)) generic = *g;
      }
      AppendCountersLine(dg.agent, generic, out);
    }
  }
}

}  // namespace cistern::cli
