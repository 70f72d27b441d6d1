// cistern-cli generate: writes a pcap of realistic sFlow v5 datagrams built with libsflow's
// encoder — the quick start's sample capture, and input for benchmarks. Deterministic for a seed.
//
// Traffic model: a few switches (agents) at a small hosting provider, each sending flow samples of
// customer traffic (web, DNS, SSH, an outbound SYN flood from one VM), interface counters every
// few datagrams, and now and then a discarded packet.
#include <pcap/pcap.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "cistern/sflow/codec.h"
#include "commands.h"

namespace cistern::cli {
namespace {

using namespace cistern::sflow;

constexpr char kGenerateUsage[] =
    "usage: cistern-cli generate -w FILE [--datagrams N] [--seed S]\n"
    "  -w FILE        the pcap to write (Ethernet/IPv4/UDP to port 6343)\n"
    "  --datagrams N  how many datagrams (default 200)\n"
    "  --seed S       random seed (default 1): same seed, same bytes\n";

void Put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void Put32(std::vector<uint8_t>& b, uint32_t v) {
  Put16(b, static_cast<uint16_t>(v >> 16));
  Put16(b, static_cast<uint16_t>(v));
}
void PutBytes(std::vector<uint8_t>& b, std::initializer_list<uint8_t> bytes) {
  b.insert(b.end(), bytes);
}
uint16_t Checksum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (n & 1) sum += p[n - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

struct Flow {
  std::array<uint8_t, 6> src_mac, dst_mac;
  std::array<uint8_t, 4> src_ip, dst_ip;
  uint8_t protocol;  // 6 TCP, 17 UDP
  uint16_t src_port, dst_port;
  uint8_t tcp_flags;
  uint16_t frame_length;
  uint16_t vlan;
};

// Ethernet + 802.1Q + IPv4 + TCP/UDP headers of `f`, then payload, truncated to `header_bytes`.
std::vector<uint8_t> FrameHeader(const Flow& f, size_t header_bytes, uint16_t ip_id) {
  std::vector<uint8_t> b;
  b.insert(b.end(), f.dst_mac.begin(), f.dst_mac.end());
  b.insert(b.end(), f.src_mac.begin(), f.src_mac.end());
  Put16(b, 0x8100);
  Put16(b, f.vlan);
  Put16(b, 0x0800);
  const size_t ip_at = b.size();
  const uint16_t ip_len = static_cast<uint16_t>(f.frame_length - 18 - 4);  // minus L2 and FCS
  PutBytes(b, {0x45, 0x00});
  Put16(b, ip_len);
  Put16(b, ip_id);
  Put16(b, 0x4000);  // don't fragment
  PutBytes(b, {64, f.protocol, 0, 0});
  b.insert(b.end(), f.src_ip.begin(), f.src_ip.end());
  b.insert(b.end(), f.dst_ip.begin(), f.dst_ip.end());
  uint16_t sum = Checksum(b.data() + ip_at, 20);
  b[ip_at + 10] = static_cast<uint8_t>(sum >> 8);
  b[ip_at + 11] = static_cast<uint8_t>(sum);
  Put16(b, f.src_port);
  Put16(b, f.dst_port);
  if (f.protocol == 6) {
    Put32(b, 0x1a2b3c4d);
    Put32(b, f.tcp_flags & 0x10 ? 0x00c0ffee : 0);
    PutBytes(b, {0x50, f.tcp_flags});
    Put16(b, 64240);
    Put16(b, 0);
    Put16(b, 0);
  } else {
    Put16(b, static_cast<uint16_t>(ip_len - 20));
    Put16(b, 0);
  }
  for (uint8_t c = 0; b.size() < header_bytes && b.size() < f.frame_length; ++c) b.push_back(c);
  b.resize(std::min<size_t>(b.size(), header_bytes));
  return b;
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  // Encodes datagram number `n` of agent `agent` into `out`.
  void Datagram(uint32_t agent, uint32_t n, std::vector<uint8_t>* out) {
    // Records live in these vectors; the samples' spans point into them.
    flow_records_.clear();
    counter_records_.clear();
    headers_.clear();
    flow_records_.reserve(64);
    counter_records_.reserve(16);
    headers_.reserve(16);

    sflow::Datagram dg;
    dg.agent = Address::IPv4(192, 0, 2, static_cast<uint8_t>(1 + agent));
    dg.sub_agent_id = 0;
    dg.sequence_number = ++sequence_[agent];
    dg.uptime_ms = 86'400'000 + n * 1000;

    const int flow_samples = 3 + static_cast<int>(rng_() % 5);
    std::vector<std::pair<size_t, size_t>> ranges;
    for (int i = 0; i < flow_samples; ++i) {
      size_t first = flow_records_.size();
      AddFlowRecords(agent);
      ranges.emplace_back(first, flow_records_.size() - first);
    }
    for (auto [first, count] : ranges) {
      Sample& s = dg.samples.emplace_back();
      s.tag = Tag{0, kFlowSampleFormat};
      FlowSample& f = s.data.emplace<FlowSample>();
      f.sequence_number = ++flow_sequence_[agent];
      f.source = DataSource{0, 3 + agent};
      f.sampling_rate = 1024;
      f.sample_pool = f.sequence_number * 1024;
      f.input = Interface{0, 3 + static_cast<uint32_t>(rng_() % 4)};
      f.output = Interface{0, 49};
      f.records = std::span<const FlowRecord>(flow_records_.data() + first, count);
    }
    if (n % 5 == 0) AddCounters(dg, agent, n);
    if (n % 17 == 0) AddDiscard(dg, agent);
    Encode(dg, out).IgnoreError();  // every value above fits its wire form
  }

 private:
  Flow PickFlow(uint32_t agent) {
    Flow f{};
    f.src_mac = {0x02, 0x00, 0x00, 0x00, static_cast<uint8_t>(agent), 0x10};
    f.dst_mac = {0x00, 0x1c, 0x73, 0x00, 0x00, 0x01};
    f.vlan = static_cast<uint16_t>(100 + agent);
    const uint8_t customer = static_cast<uint8_t>(10 + rng_() % 40);
    f.src_ip = {203, 0, 113, customer};
    const uint32_t kind = rng_() % 10;
    if (kind < 5) {  // web responses
      f.protocol = 6;
      f.src_port = 443;
      f.dst_port = static_cast<uint16_t>(32768 + rng_() % 28000);
      f.dst_ip = {198, 51, 100, static_cast<uint8_t>(rng_() % 250 + 1)};
      f.tcp_flags = 0x18;
      f.frame_length = 1518;
    } else if (kind < 7) {  // DNS
      f.protocol = 17;
      f.src_port = static_cast<uint16_t>(1024 + rng_() % 60000);
      f.dst_port = 53;
      f.dst_ip = {8, 8, 8, 8};
      f.frame_length = static_cast<uint16_t>(80 + rng_() % 40);
    } else if (kind < 8) {  // SSH
      f.protocol = 6;
      f.src_port = 22;
      f.dst_port = static_cast<uint16_t>(40000 + rng_() % 20000);
      f.dst_ip = {198, 51, 100, 7};
      f.tcp_flags = 0x10;
      f.frame_length = static_cast<uint16_t>(90 + rng_() % 200);
    } else {  // an outbound SYN flood from one customer VM
      f.protocol = 6;
      f.src_ip = {203, 0, 113, 66};
      f.src_port = static_cast<uint16_t>(1024 + rng_() % 60000);
      f.dst_port = 80;
      f.dst_ip = {192, 0, 2, 200};
      f.tcp_flags = 0x02;
      f.frame_length = 64;
    }
    return f;
  }

  void AddFlowRecords(uint32_t agent) {
    Flow f = PickFlow(agent);
    headers_.push_back(FrameHeader(f, 128, static_cast<uint16_t>(rng_())));
    FlowRecord& h = flow_records_.emplace_back();
    h.tag = Tag{0, SampledHeader::kFormat};
    SampledHeader& sh = h.data.emplace<SampledHeader>();
    sh.header_protocol = 1;
    sh.frame_length = f.frame_length;
    sh.stripped = 4;
    sh.header = Bytes(headers_.back());

    FlowRecord& sw = flow_records_.emplace_back();
    sw.tag = Tag{0, ExtendedSwitch::kFormat};
    ExtendedSwitch& s = sw.data.emplace<ExtendedSwitch>();
    s.src_vlan = f.vlan;
    s.dst_vlan = f.vlan;

    if (rng_() % 3 == 0) {
      FlowRecord& rt = flow_records_.emplace_back();
      rt.tag = Tag{0, ExtendedRouter::kFormat};
      ExtendedRouter& r = rt.data.emplace<ExtendedRouter>();
      r.next_hop = Address::IPv4(192, 0, 2, 254);
      r.src_mask_len = 24;
      r.dst_mask_len = 16;
    }
  }

  void AddCounters(sflow::Datagram& dg, uint32_t agent, uint32_t n) {
    for (uint32_t port = 3; port < 7; ++port) {
      size_t first = counter_records_.size();
      CounterRecord& g = counter_records_.emplace_back();
      g.tag = Tag{0, GenericInterfaceCounters::kFormat};
      GenericInterfaceCounters& c = g.data.emplace<GenericInterfaceCounters>();
      c.if_index = port;
      c.if_type = 6;
      c.if_speed = 10'000'000'000ull;
      c.if_direction = 1;
      c.if_status = 3;
      c.in_octets = uint64_t{n} * 1'250'000'000ull * port;
      c.in_ucast_pkts = n * 900'000u * port;
      c.out_octets = uint64_t{n} * 450'000'000ull * port;
      c.out_ucast_pkts = n * 500'000u * port;
      CounterRecord& e = counter_records_.emplace_back();
      e.tag = Tag{0, EthernetCounters::kFormat};
      e.data.emplace<EthernetCounters>();
      Sample& s = dg.samples.emplace_back();
      s.tag = Tag{0, kCountersSampleFormat};
      CountersSample& cs = s.data.emplace<CountersSample>();
      cs.sequence_number = ++counter_sequence_[agent];
      cs.source = DataSource{0, port};
      cs.records = std::span<const CounterRecord>(counter_records_.data() + first, 2);
    }
  }

  void AddDiscard(sflow::Datagram& dg, uint32_t agent) {
    size_t first = flow_records_.size();
    AddFlowRecords(agent);
    Sample& s = dg.samples.emplace_back();
    s.tag = Tag{0, kDiscardedPacketSampleFormat};
    DiscardedPacketSample& d = s.data.emplace<DiscardedPacketSample>();
    d.sequence_number = ++discard_sequence_[agent];
    d.source = DataSource{0, 3};
    d.drops = 0;
    d.input = 3;
    d.output = 0;
    d.reason = 258;  // acl
    d.records = std::span<const FlowRecord>(flow_records_.data() + first,
                                            flow_records_.size() - first);
  }

  std::mt19937 rng_;
  std::array<uint32_t, 256> sequence_{}, flow_sequence_{}, counter_sequence_{},
      discard_sequence_{};
  std::vector<FlowRecord> flow_records_;
  std::vector<CounterRecord> counter_records_;
  std::vector<std::vector<uint8_t>> headers_;
};

// Wraps a UDP payload in Ethernet/IPv4/UDP from the agent to the collector 192.0.2.100:6343.
std::vector<uint8_t> Frame(const std::vector<uint8_t>& payload, uint8_t agent) {
  std::vector<uint8_t> b;
  PutBytes(b, {0x02, 0x00, 0x00, 0x00, 0x00, 0x64, 0x02, 0x00, 0x00, 0x00, 0x00, agent});
  Put16(b, 0x0800);
  PutBytes(b, {0x45, 0x00});
  Put16(b, static_cast<uint16_t>(20 + 8 + payload.size()));
  PutBytes(b, {0x00, 0x00, 0x40, 0x00, 64, 17, 0, 0, 192, 0, 2, agent, 192, 0, 2, 100});
  uint16_t sum = Checksum(b.data() + 14, 20);
  b[24] = static_cast<uint8_t>(sum >> 8);
  b[25] = static_cast<uint8_t>(sum);
  Put16(b, 50000);
  Put16(b, 6343);
  Put16(b, static_cast<uint16_t>(8 + payload.size()));
  Put16(b, 0);  // no UDP checksum (allowed for IPv4)
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

}  // namespace

int RunGenerate(int argc, char** argv) {
  std::string out_path;
  uint64_t datagrams = 200, seed = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto number = [&](uint64_t* v) {
      if (i + 1 >= argc) return false;
      std::string_view s = argv[++i];
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
      return ec == std::errc() && end == s.data() + s.size();
    };
    if (arg == "-h" || arg == "--help") {
      std::fputs(kGenerateUsage, stdout);
      return 0;
    } else if (arg == "-w" && i + 1 < argc) {
      out_path = argv[++i];
    } else if (arg == "--datagrams" && number(&datagrams)) {
    } else if (arg == "--seed" && number(&seed)) {
    } else {
      std::fprintf(stderr, "cistern-cli generate: bad option '%s'\n%s", argv[i], kGenerateUsage);
      return 2;
    }
  }
  if (out_path.empty()) {
    std::fputs(kGenerateUsage, stderr);
    return 2;
  }
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
  pcap_dumper_t* dumper = pcap_dump_open(dead, out_path.c_str());
  if (!dumper) {
    std::fprintf(stderr, "cistern-cli generate: cannot write %s: %s\n", out_path.c_str(),
                 pcap_geterr(dead));
    pcap_close(dead);
    return 1;
  }
  Generator gen(static_cast<uint32_t>(seed));
  std::vector<uint8_t> payload;
  constexpr uint32_t kAgents = 3;
  const int64_t start_us = 1'790'000'000'000'000;  // 2026-09-21, fixed for reproducibility
  for (uint64_t n = 0; n < datagrams; ++n) {
    payload.clear();
    const uint32_t agent = static_cast<uint32_t>(n % kAgents);
    gen.Datagram(agent, static_cast<uint32_t>(n / kAgents), &payload);
    std::vector<uint8_t> frame = Frame(payload, static_cast<uint8_t>(1 + agent));
    struct pcap_pkthdr hdr {};
    const int64_t t = start_us + static_cast<int64_t>(n) * 10'000;
    hdr.ts.tv_sec = t / 1'000'000;
    hdr.ts.tv_usec = t % 1'000'000;
    hdr.caplen = hdr.len = static_cast<uint32_t>(frame.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper), &hdr, frame.data());
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
  std::fprintf(stderr, "cistern-cli generate: wrote %llu datagrams to %s\n",
               static_cast<unsigned long long>(datagrams), out_path.c_str());
  return 0;
}

}  // namespace cistern::cli
