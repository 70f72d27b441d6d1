// `cistern-cli decode --format=csv` against InMon sflowtool 6.11's `-l` output, and the emulation
// of sflowtool's sampled-header decode (sflowtool_header.h) on hand-built headers for the
// behaviours the shared captures do not exercise: Q-in-Q, 802.3 LLC/SNAP, IP over 802.2, Novell
// IPX, IPv4 fragments, headers cut short, reads past the end of a header, headerProtocol 11, 12 and
// 15, IPv6 extension headers, and the state carried from record to record within a sample.
#include "sflowtool_lines.h"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cistern/sflow/codec.h"
#include "json_test_support.h"
#include "sflow_json.h"
#include "sflowtool_header.h"
#include "udp_source.h"

namespace cistern::cli {
namespace {

using namespace cistern::sflow;
using Packet = std::vector<uint8_t>;

// ---------------------------------------------------------------------------------------------
// The shared captures, byte for byte.

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_CASE("every sFlow capture prints sflowtool's -l lines byte for byte",
          "[sflowtool][captures]") {
  const std::filesystem::path dir = CISTERN_SHARED_DIR "/captures/sflow";
  if (!std::filesystem::is_directory(dir)) {
    WARN("skipped: " << dir.string() << " is absent (the shared captures sit beside the checkout)");
    return;
  }
  std::vector<std::filesystem::path> pcaps;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".pcap") pcaps.push_back(entry.path());
  }
  std::sort(pcaps.begin(), pcaps.end());
  REQUIRE_FALSE(pcaps.empty());

  size_t datagrams = 0, lines_identical = 0, lines_total = 0;
  Datagram dg;
  for (const auto& pcap : pcaps) {
    std::filesystem::path theirs_path = pcap;
    theirs_path.replace_extension(".sflowtool-l.txt");
    INFO(pcap.filename().string());
    REQUIRE(std::filesystem::exists(theirs_path));
    auto reader = CaptureReader::Open(pcap.string(), 6343);
    REQUIRE(reader.ok());
    std::string ours;
    while (true) {
      auto next = (*reader)->Next();
      REQUIRE(next.ok());
      if (!next->has_value()) break;
      const std::span<const uint8_t> payload = (**next).payload;
      (void)DecodeInto(payload, &dg);  // the samples before an error still print
      AppendSflowtoolLines(dg, payload, &ours);
      ++datagrams;
    }
    const std::string theirs = ReadFile(theirs_path);
    const std::vector<std::string> our_lines = SplitLines(ours), their_lines = SplitLines(theirs);
    std::string first_difference;
    for (size_t i = 0; i < std::max(our_lines.size(), their_lines.size()); ++i) {
      const std::string a = i < our_lines.size() ? our_lines[i] : "(none)";
      const std::string b = i < their_lines.size() ? their_lines[i] : "(none)";
      if (a == b) {
        ++lines_identical;
      } else if (first_difference.empty()) {
        first_difference =
            "line " + std::to_string(i + 1) + "\n  ours:      " + a + "\n  sflowtool: " + b;
      }
    }
    lines_total += their_lines.size();
    INFO(first_difference);
    CHECK(ours == theirs);
  }
  SUCCEED(pcaps.size() << " captures, " << datagrams << " datagrams, " << lines_identical << " of "
                       << lines_total << " lines identical");  // shown with -s
  CHECK(lines_total > 0);
}

// ---------------------------------------------------------------------------------------------
// Builders (network byte order).

void Put16(Packet& p, uint16_t v) {
  p.push_back(static_cast<uint8_t>(v >> 8));
  p.push_back(static_cast<uint8_t>(v));
}
void PutBytes(Packet& p, std::initializer_list<uint8_t> bytes) {
  p.insert(p.end(), bytes.begin(), bytes.end());
}
Packet Cat(Packet a, const Packet& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Destination 00:11:22:33:44:55, source 66:77:88:99:aa:bb.
Packet Ethernet(uint16_t type_or_length) {
  Packet p = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
  Put16(p, type_or_length);
  return p;
}
Packet VlanTag(uint8_t priority, uint16_t id, uint16_t next_type) {
  Packet p;
  Put16(p, static_cast<uint16_t>((priority << 13) | id));
  Put16(p, next_type);
  return p;
}
struct Ipv4Fields {
  uint8_t first_byte = 0x45;  // version 4, IHL 5
  uint8_t tos = 0;
  uint16_t total_length = 0;
  uint16_t id = 0;
  uint16_t flags_and_offset = 0;
  uint8_t ttl = 64;
  uint8_t protocol = 6;
  uint16_t checksum = 0;
  std::array<uint8_t, 4> src = {10, 0, 0, 1};
  std::array<uint8_t, 4> dst = {10, 0, 0, 2};
};
Packet Ipv4(const Ipv4Fields& f) {
  Packet p = {f.first_byte, f.tos};
  Put16(p, f.total_length);
  Put16(p, f.id);
  Put16(p, f.flags_and_offset);
  PutBytes(p, {f.ttl, f.protocol});
  Put16(p, f.checksum);
  p.insert(p.end(), f.src.begin(), f.src.end());
  p.insert(p.end(), f.dst.begin(), f.dst.end());
  return p;
}
Packet Ipv6(uint32_t first_word, uint16_t payload_length, uint8_t next_header, uint8_t hop_limit) {
  Packet p;
  Put16(p, static_cast<uint16_t>(first_word >> 16));
  Put16(p, static_cast<uint16_t>(first_word));
  Put16(p, payload_length);
  PutBytes(p, {next_header, hop_limit});
  PutBytes(p, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  PutBytes(p, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
  return p;
}
Packet Tcp(uint16_t src_port, uint16_t dst_port, uint8_t flags) {
  Packet p;
  Put16(p, src_port);
  Put16(p, dst_port);
  PutBytes(p, {0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0});
  return p;
}
Packet Udp(uint16_t src_port, uint16_t dst_port, uint16_t length) {
  Packet p;
  Put16(p, src_port);
  Put16(p, dst_port);
  Put16(p, length);
  Put16(p, 0);
  return p;
}
Packet Icmp(uint8_t type, uint8_t code) { return {type, code, 0, 0, 0, 0, 0, 1}; }

// The keys sflowtool prints for a header, "key=value" joined by ','.
class KeyList : public SflowtoolKeySink {
 public:
  void Number(std::string_view key, int64_t value) override { Add(key, std::to_string(value)); }
  void Text(std::string_view key, std::string_view value) override { Add(key, value); }
  const std::string& text() const { return text_; }

 private:
  void Add(std::string_view key, std::string_view value) {
    if (!text_.empty()) text_ += ',';
    text_.append(key).append("=").append(value);
  }
  std::string text_;
};

SampledHeader Header(uint32_t protocol, uint32_t frame_length, uint32_t stripped,
                     std::span<const uint8_t> bytes) {
  SampledHeader h;
  h.header_protocol = protocol;
  h.frame_length = frame_length;
  h.stripped = stripped;
  h.header = sflow::Bytes(bytes);
  return h;
}

// Decodes the first `header_length` bytes of `datagram` as a header, the rest of `datagram`
// following it (what sflowtool may read past the header's end).
std::string HeaderKeys(uint32_t protocol, uint32_t frame_length, uint32_t stripped,
                       const Packet& datagram, size_t header_length,
                       SflowtoolSampleState* state = nullptr) {
  SflowtoolSampleState own;
  KeyList keys;
  DecodeHeaderAsSflowtool(
      Header(protocol, frame_length, stripped, std::span(datagram).first(header_length)), datagram,
      state ? state : &own, &keys);
  return keys.text();
}
std::string HeaderKeys(uint32_t protocol, uint32_t frame_length, uint32_t stripped,
                       const Packet& header, SflowtoolSampleState* state = nullptr) {
  return HeaderKeys(protocol, frame_length, stripped, header, header.size(), state);
}

// A datagram from agent 192.0.2.1 with the given samples.
struct DatagramBuilder {
  Datagram dg;
  std::vector<std::vector<FlowRecord>> flow_records;  // kept alive for the samples' spans

  DatagramBuilder() {
    dg.agent = Address::IPv4(192, 0, 2, 1);
    flow_records.reserve(16);
  }
  void FlowSampleOf(std::vector<FlowRecord> records, uint32_t input = 3, uint32_t output = 4) {
    flow_records.push_back(std::move(records));
    Sample& s = dg.samples.emplace_back();
    s.tag = Tag{0, kFlowSampleFormat};
    FlowSample& f = s.data.emplace<FlowSample>();
    f.sampling_rate = 512;
    f.input = Interface{0, input};
    f.output = Interface{0, output};
    f.records = flow_records.back();
  }
  std::string Lines() const {
    std::string out;
    AppendSflowtoolLines(dg, {}, &out);
    return out;
  }
};

template <class T>
FlowRecord RecordOf(const T& data) {
  FlowRecord r;
  r.tag = Tag{0, T::kFormat};
  r.data = data;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Link layer.

// Ethernet, an 802.1ad tag, an 802.1Q tag, IPv4 (ID 0x1234), TCP: 62 bytes of a 66-byte frame.
Packet QinQTcp() {
  return Cat(Cat(Cat(Cat(Ethernet(0x88a8), VlanTag(3, 100, 0x8100)), VlanTag(5, 200, 0x0800)),
                 Ipv4({.total_length = 40, .id = 0x1234, .flags_and_offset = 0x4000})),
             Tcp(443, 51000, 0x18));
}

TEST_CASE("sflowtool header: Q-in-Q tags get depth-numbered keys, the innermost is in_vlan") {
  SflowtoolSampleState state;
  CHECK(HeaderKeys(1, 66, 4, QinQTcp(), &state) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,decodedVLAN=100,decodedPriority=3,"
        "decodedVLAN.1=200,decodedPriority.1=5,ethernet_type=2048,IPSize=40,ip.tot_len=40,"
        "srcIP=10.0.0.1,dstIP=10.0.0.2,IPProtocol=6,IPTOS=0,IPTTL=64,IPID=13330,"
        "TCPSrcPort=443,TCPDstPort=51000,TCPFlags=24");
  CHECK(state.in_vlan == 200);
  CHECK(state.offset_to_ipv4 == 22);

  const Packet qinq = QinQTcp();
  DatagramBuilder b;
  b.FlowSampleOf({RecordOf(Header(1, 66, 4, qinq))});
  CHECK(b.Lines() ==
        "FLOW,192.0.2.1,3,4,66778899aabb,001122334455,0x0800,200,0,10.0.0.1,10.0.0.2,6,0x00,64,"
        "443,51000,0x18,66,40,512\n");
}

TEST_CASE("sflowtool header: 802.3 with LLC/SNAP, vendor SNAP, IP over 802.2, IPX") {
  // SNAP with OUI 0 carries an EtherType: the IPv4 header is at 22.
  const Packet snap = Cat(Cat(Cat(Ethernet(36), {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00}),
                              Ipv4({.total_length = 28,
                                    .id = 1,
                                    .ttl = 1,
                                    .protocol = 17,
                                    .src = {192, 168, 1, 1},
                                    .dst = {224, 0, 0, 9}})),
                          Udp(520, 520, 8));
  CHECK(HeaderKeys(1, 64, 4, snap) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=2048,IPSize=38,ip.tot_len=28,"
        "srcIP=192.168.1.1,dstIP=224.0.0.9,IPProtocol=17,IPTOS=0,IPTTL=1,IPID=256,"
        "UDPSrcPort=520,UDPDstPort=520,UDPBytes=8");

  // A vendor's OUI (Cisco CDP): the OUI, and nothing more (no EtherType for the -l line).
  SflowtoolSampleState state;
  const Packet cdp = Cat(Ethernet(30), {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00, 0, 0});
  CHECK(HeaderKeys(1, 64, 4, cdp, &state) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,VSNAP_OUI=00-00-0C");
  CHECK(state.eth_type == 0);

  // IP over 802.2 (SAPs 06): the IPv4 header is at 17.
  const Packet llc_ip =
      Cat(Cat(Cat(Ethernet(31), {0x06, 0x06, 0x03}), Ipv4({.total_length = 28, .protocol = 1})),
          Icmp(8, 0));
  CHECK(HeaderKeys(1, 64, 4, llc_ip) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=2048,IPSize=43,ip.tot_len=28,"
        "srcIP=10.0.0.1,dstIP=10.0.0.2,IPProtocol=1,IPTOS=0,IPTTL=64,IPID=0,ICMPType=8,"
        "ICMPCode=0");

  // Other LLC (spanning tree, SAPs 42): no EtherType.
  CHECK(HeaderKeys(1, 64, 4, Cat(Ethernet(38), Packet(38, 0x42))) ==
        "dstMAC=001122334455,srcMAC=66778899aabb");

  // Novell IPX on EtherType 0x0600 (checksum FFFF, length 64): nothing after the MACs; without
  // the IPX checksum 0x0600 is an EtherType like any other.
  Packet ipx = Cat(Ethernet(0x0600), {0xff, 0xff, 0x00, 0x40});
  ipx.resize(64);
  CHECK(HeaderKeys(1, 64, 4, ipx) == "dstMAC=001122334455,srcMAC=66778899aabb");
  ipx[14] = 0;
  CHECK(HeaderKeys(1, 64, 4, ipx) == "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=1536");

  // A type/length field from 1501 to 1535 is an EtherType to sflowtool (and a length to IEEE).
  Packet odd = Ethernet(1501);
  odd.resize(60);
  CHECK(HeaderKeys(1, 64, 4, odd) == "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=1501");
}

// ---------------------------------------------------------------------------------------------
// IPv4.

TEST_CASE("sflowtool header: a later IPv4 fragment prints its offset and no transport header") {
  const Packet later = Cat(
      Cat(Ethernet(0x0800), Ipv4({.total_length = 28, .flags_and_offset = 185, .protocol = 17})),
      Udp(1, 2, 8));
  SflowtoolSampleState state;
  CHECK(HeaderKeys(1, 64, 4, later, &state) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=2048,IPSize=46,ip.tot_len=28,"
        "srcIP=10.0.0.1,dstIP=10.0.0.2,IPProtocol=17,IPTOS=0,IPTTL=64,IPID=0,"
        "IPFragmentOffset=185");
  CHECK(state.src_port == 0);
  CHECK(state.dst_port == 0);

  // The first fragment (MF set, offset 0) holds the transport header, and it is decoded.
  const Packet first = Cat(
      Cat(Ethernet(0x0800), Ipv4({.total_length = 28, .flags_and_offset = 0x2000, .protocol = 17})),
      Udp(1, 2, 1480));
  CHECK(HeaderKeys(1, 64, 4, first) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=2048,IPSize=46,ip.tot_len=28,"
        "srcIP=10.0.0.1,dstIP=10.0.0.2,IPProtocol=17,IPTOS=0,IPTTL=64,IPID=0,UDPSrcPort=1,"
        "UDPDstPort=2,UDPBytes=1480");
}

TEST_CASE("sflowtool header: IPID printed byte-swapped, IPTOS and TCPFlags in decimal") {
  const Packet p = Cat(Cat(Ethernet(0x0800), Ipv4({.tos = 0xb8, .total_length = 40, .id = 0xab4e})),
                       Tcp(1, 2, 0x12));
  CHECK(HeaderKeys(1, 64, 4, p) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=2048,IPSize=46,ip.tot_len=40,"
        "srcIP=10.0.0.1,dstIP=10.0.0.2,IPProtocol=6,IPTOS=184,IPTTL=64,IPID=20139,TCPSrcPort=1,"
        "TCPDstPort=2,TCPFlags=18");
}

TEST_CASE("sflowtool header: headers cut short print what sflowtool's checks let through") {
  const Packet full = Cat(Cat(Ethernet(0x0800), Ipv4({.total_length = 40})), Tcp(80, 8080, 0x12));

  // Under 14 bytes: no key at all, and no MACs for the -l line.
  SflowtoolSampleState state;
  CHECK(HeaderKeys(1, 64, 4, Packet(full.begin(), full.begin() + 10), &state).empty());
  CHECK(state.eth_src == std::array<uint8_t, 6>{});

  // Cut inside the IPv4 header: the EtherType, and no IPSize (no IP header was found).
  CHECK(HeaderKeys(1, 64, 4, Packet(full.begin(), full.begin() + 30)) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=2048");

  // Cut inside an 802.1Q tag: the MACs only.
  const Packet tagged = Cat(Ethernet(0x8100), VlanTag(0, 7, 0x0800));
  CHECK(HeaderKeys(1, 64, 4, Packet(tagged.begin(), tagged.begin() + 16)) ==
        "dstMAC=001122334455,srcMAC=66778899aabb");

  // Cut 10 bytes into TCP: 8 are enough for sflowtool, which copies 20 and so reads the flags
  // (byte 13) from whatever follows the header in the datagram.
  const std::string cut_tcp =
      "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=2048,IPSize=46,ip.tot_len=40,"
      "srcIP=10.0.0.1,dstIP=10.0.0.2,IPProtocol=6,IPTOS=0,IPTTL=64,IPID=0,TCPSrcPort=80,"
      "TCPDstPort=8080,TCPFlags=";
  CHECK(HeaderKeys(1, 64, 4, full, 44) == cut_tcp + "18");
  CHECK(HeaderKeys(1, 64, 4, Packet(full.begin(), full.begin() + 44)) == cut_tcp + "0");
  // 7 bytes of TCP are not enough.
  CHECK(HeaderKeys(1, 64, 4, full, 41) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=2048,IPSize=46,ip.tot_len=40,"
        "srcIP=10.0.0.1,dstIP=10.0.0.2,IPProtocol=6,IPTOS=0,IPTTL=64,IPID=0");
}

TEST_CASE("sflowtool header: a SNAP peek past the header's end reads IPv4 from the datagram") {
  // A 20-byte header ends just after the SNAP OUI. sflowtool reads the EtherType and then the
  // whole IPv4 header from the bytes that follow it: its `(end - ptr) < sizeof(struct myiphdr)`
  // check passes when ptr is past end (an unsigned comparison). The IPv4 header's own length
  // check is signed, so no transport header follows.
  const Packet datagram =
      Cat(Cat(Cat(Ethernet(48), {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00}),
              Ipv4({.total_length = 20, .ttl = 9, .src = {1, 2, 3, 4}, .dst = {5, 6, 7, 8}})),
          Tcp(1, 2, 0x02));
  SflowtoolSampleState state;
  CHECK(HeaderKeys(1, 64, 4, datagram, 20, &state) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=2048,IPSize=38,ip.tot_len=20,"
        "srcIP=1.2.3.4,dstIP=5.6.7.8,IPProtocol=6,IPTOS=0,IPTTL=9,IPID=0");
  CHECK(state.offset_to_ipv4 == 22);
}

TEST_CASE("sflowtool header: headerProtocol 11, raw IPv4, is decoded without checking it") {
  const Packet icmp = Cat(Ipv4({.tos = 8, .total_length = 28, .protocol = 1}), Icmp(0, 0));
  SflowtoolSampleState state;
  CHECK(HeaderKeys(11, 50, 18, icmp, &state) ==
        "IPSize=32,ip.tot_len=28,srcIP=10.0.0.1,dstIP=10.0.0.2,IPProtocol=1,IPTOS=8,IPTTL=64,"
        "IPID=0,ICMPType=0,ICMPCode=0");
  DatagramBuilder b;
  b.FlowSampleOf({RecordOf(Header(11, 50, 18, icmp))});
  CHECK(b.Lines() ==
        "FLOW,192.0.2.1,3,4,000000000000,000000000000,0x0000,0,0,10.0.0.1,10.0.0.2,1,0x08,64,0,"
        "0,0x00,50,32,512\n");

  // Version 5, header length 2 (8 bytes): sflowtool reads it anyway, and the "UDP header" 8 bytes
  // in: TTL and protocol (0x4011), checksum (0xbeef), the first half of the source address.
  const Packet bogus = Cat(Ipv4({.first_byte = 0x52,
                                 .total_length = 28,
                                 .protocol = 17,
                                 .checksum = 0xbeef,
                                 .src = {10, 1, 0, 0}}),
                           Packet(8, 0));
  CHECK(HeaderKeys(11, 50, 18, bogus) ==
        "IPSize=32,ip.tot_len=28,srcIP=10.1.0.0,dstIP=10.0.0.2,IPProtocol=17,IPTOS=0,IPTTL=64,"
        "IPID=0,UDPSrcPort=16401,UDPDstPort=48879,UDPBytes=2561");
}

// ---------------------------------------------------------------------------------------------
// IPv6.

TEST_CASE("sflowtool header: headerProtocol 12, raw IPv6; the -l IP size ignores IPv6 offsets") {
  // Version 6, traffic class 0xab, flow label 0x12345.
  const Packet udp = Cat(Ipv6(0x6ab12345, 16, 17, 64), Udp(53, 5353, 16));
  CHECK(HeaderKeys(12, 60, 4, udp) ==
        "IPSize=56,IPTOS=171,IP6_label=0x12345,IPV6_payloadLen=16,IPTTL=64,"
        "srcIP6=2001:0db8:0000:0000:0000:0000:0000:0001,"
        "dstIP6=2001:0db8:0000:0000:0000:0000:0000:0002,IPProtocol=17,UDPSrcPort=53,"
        "UDPDstPort=5353,UDPBytes=16");

  // Over Ethernet the JSON IPSize subtracts the 14 bytes before the IPv6 header, the -l column
  // does not (it subtracts the IPv4 offset, 0 here). A payload length of 0 is a jumbogram.
  const Packet over_ethernet = Cat(Cat(Ethernet(0x86dd), Ipv6(0x60000000, 0, 6, 1)), Tcp(1, 2, 2));
  CHECK(HeaderKeys(1, 78, 4, over_ethernet) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=34525,IPSize=60,IPTOS=0,"
        "IP6_label=0x0,IPV6_payloadLen=<jumbo>,IPTTL=1,"
        "srcIP6=2001:0db8:0000:0000:0000:0000:0000:0001,"
        "dstIP6=2001:0db8:0000:0000:0000:0000:0000:0002,IPProtocol=6,TCPSrcPort=1,TCPDstPort=2,"
        "TCPFlags=2");
  DatagramBuilder b;
  b.FlowSampleOf({RecordOf(Header(1, 78, 4, over_ethernet))});
  CHECK(b.Lines() ==
        "FLOW,192.0.2.1,3,4,66778899aabb,001122334455,0x86dd,0,0,"
        "2001:0db8:0000:0000:0000:0000:0000:0001,2001:0db8:0000:0000:0000:0000:0000:0002,6,0x00,"
        "1,1,2,0x02,78,74,512\n");

  // A version other than 6 (reachable with headerProtocol 12): IPSize only.
  CHECK(HeaderKeys(12, 60, 4, Cat(Ipv6(0x40000000, 16, 17, 64), Udp(1, 2, 16))) == "IPSize=56");
}

TEST_CASE("sflowtool header: IPv6 extension headers are skipped as 8 * (length + 1) bytes") {
  // Hop-by-hop (8 bytes), then AH with length 4: 24 bytes by RFC 4302, 40 to sflowtool, which
  // then reads the "TCP header" 16 bytes into the real one: checksum 3333 and urgent pointer 4444
  // as ports, and the flags from byte 13 after them (the payload's byte 9).
  Packet tcp = Tcp(1111, 2222, 0x10);
  tcp[16] = 3333 >> 8;
  tcp[17] = 3333 & 0xff;
  tcp[18] = 4444 >> 8;
  tcp[19] = 4444 & 0xff;
  Packet payload(20, 0);
  payload[9] = 0x11;
  const Packet hop_by_hop = {51, 0, 1, 4, 0, 0, 0, 0};
  Packet ah(24, 0x5a);  // next header TCP, length 4, reserved, then SPI, sequence, ICV
  ah[0] = 6;
  ah[1] = 4;
  ah[2] = ah[3] = 0;
  const Packet p =
      Cat(Cat(Cat(Cat(Cat(Ethernet(0x86dd), Ipv6(0x60000000, 72, 0, 64)), hop_by_hop), ah), tcp),
          payload);
  CHECK(HeaderKeys(1, 130, 4, p) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=34525,IPSize=112,IPTOS=0,"
        "IP6_label=0x0,IPV6_payloadLen=72,IPTTL=64,"
        "srcIP6=2001:0db8:0000:0000:0000:0000:0000:0001,"
        "dstIP6=2001:0db8:0000:0000:0000:0000:0000:0002,IP6HeaderExtension=0,"
        "IP6HeaderExtension=51,IPProtocol=6,TCPSrcPort=3333,TCPDstPort=4444,TCPFlags=17");

  // A walk that runs past the header's end prints no IPProtocol and leaves the protocol as it
  // was (here from an earlier record of the sample).
  SflowtoolSampleState state;
  state.ip_protocol = 17;
  CHECK(HeaderKeys(1, 130, 4, p, 14 + 40 + 8 + 16, &state) ==
        "dstMAC=001122334455,srcMAC=66778899aabb,ethernet_type=34525,IPSize=112,IPTOS=0,"
        "IP6_label=0x0,IPV6_payloadLen=72,IPTTL=64,"
        "srcIP6=2001:0db8:0000:0000:0000:0000:0000:0001,"
        "dstIP6=2001:0db8:0000:0000:0000:0000:0000:0002,IP6HeaderExtension=0,"
        "IP6HeaderExtension=51");
  CHECK(state.ip_protocol == 17);

  // ICMPv6 gets no transport keys and no ports.
  const Packet icmpv6 = Cat(Cat(Ethernet(0x86dd), Ipv6(0x60000000, 8, 58, 255)), Icmp(128, 0));
  const std::string keys = HeaderKeys(1, 66, 4, icmpv6);
  CHECK(keys.substr(keys.size() - 13) == "IPProtocol=58");
}

// ---------------------------------------------------------------------------------------------
// 802.11 and the state carried from record to record.

TEST_CASE("sflowtool header: headerProtocol 15, 802.11 data frames") {
  // To-DS: address 1 the BSSID (receiver), 2 the source (transmitter), 3 the destination.
  Packet frame = {0x08, 0x01, 0, 0};
  PutBytes(frame, {0, 0, 0, 0, 0, 1});
  PutBytes(frame, {0, 0, 0, 0, 0, 2});
  PutBytes(frame, {0, 0, 0, 0, 0, 3});
  PutBytes(frame, {0, 0, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00});
  SflowtoolSampleState state;
  CHECK(HeaderKeys(15, 100, 4, frame, &state) ==
        "srcMAC=000000000002,dstMAC=000000000003,txMAC=000000000002,rxMAC=000000000001");
  // sflowtool copies the -l line's destination MAC from the source address.
  CHECK(state.eth_dst == state.eth_src);
  CHECK_FALSE(state.got_ipv4);
  // Management frames print nothing.
  frame[0] = 0x80;
  CHECK(HeaderKeys(15, 100, 4, frame).empty());
}

TEST_CASE("sflowtool header: state carries from record to record within a sample") {
  // A second header of a protocol sflowtool does not decode (2, token bus) redoes the IPv4
  // decode of the first one, at its offset, on its own bytes.
  const Packet qinq = QinQTcp();
  const Packet snap = Cat(Cat(Cat(Ethernet(36), {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00}),
                              Ipv4({.total_length = 28, .protocol = 17})),
                          Udp(520, 520, 8));
  SflowtoolSampleState state;
  HeaderKeys(1, 66, 4, qinq, &state);
  CHECK(HeaderKeys(2, 64, 0, snap, &state) ==
        "IPSize=42,ip.tot_len=28,srcIP=10.0.0.1,dstIP=10.0.0.2,IPProtocol=17,IPTOS=0,IPTTL=64,"
        "IPID=0,UDPSrcPort=520,UDPDstPort=520,UDPBytes=8");
  // In a fresh sample the same header decodes to nothing.
  CHECK(HeaderKeys(2, 64, 0, snap).empty());
}

TEST_CASE(
    "sflowtool header: every cut of a header decodes safely and prints a prefix of its keys") {
  Packet frame_80211 = {0x08, 0x03, 0, 0};  // To-DS and From-DS: four addresses, 30 bytes
  frame_80211.resize(40, 0x02);
  const struct {
    uint32_t protocol;
    Packet bytes;
  } headers[] = {
      {1, QinQTcp()},
      {1, Cat(Cat(Cat(Ethernet(36), {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00}),
                  Ipv4({.total_length = 28, .protocol = 17})),
              Udp(1, 2, 8))},
      {1, Cat(Cat(Cat(Ethernet(0x86dd), Ipv6(0x60000000, 24, 0, 1)), {6, 0, 1, 4, 0, 0, 0, 0}),
              Tcp(1, 2, 0x10))},
      {11, Cat(Ipv4({.total_length = 28, .protocol = 1}), Icmp(3, 1))},
      {12, Cat(Ipv6(0x6ab12345, 16, 17, 64), Udp(53, 5353, 16))},
      {15, frame_80211},
  };
  size_t cuts = 0;
  for (const auto& [protocol, bytes] : headers) {
    const std::string whole = HeaderKeys(protocol, 1500, 4, bytes);
    for (size_t size = 0; size <= bytes.size(); ++size, ++cuts) {
      // Alone, in a buffer of exactly its size: AddressSanitizer sees any read beyond it.
      HeaderKeys(protocol, 1500, 4, Packet(bytes.begin(), bytes.begin() + static_cast<long>(size)));
      // Followed by the rest of the header, which sflowtool's reads past the cut then see: its
      // checks stop the decode earlier, and until then it prints what the whole header prints.
      const std::string keys = HeaderKeys(protocol, 1500, 4, bytes, size);
      INFO("headerProtocol " << protocol << " cut to " << size << " bytes: " << keys);
      CHECK(whole.compare(0, keys.size(), keys) == 0);
    }
  }
  CHECK(cuts > 300);
}

// ---------------------------------------------------------------------------------------------
// -l lines.

TEST_CASE("sflowtool lines: record order decides, each sample starts from zeros") {
  const Packet qinq = QinQTcp();
  ExtendedSwitch sw;
  sw.src_vlan = 118;
  sw.dst_vlan = 0xffffffff;  // printed with %d
  SampledIpv4 ipv4;
  ipv4.length = 1344;
  ipv4.protocol = 17;
  ipv4.src_ip.bytes = {50, 50, 50, 50};
  ipv4.dst_ip.bytes = {51, 51, 51, 51};
  ipv4.src_port = 46622;
  ipv4.dst_port = 58631;
  ipv4.tcp_flags = 0x02;  // ignored: not TCP

  DatagramBuilder b;
  // The switch record before the header: the header's innermost tag (200) replaces in_vlan.
  b.FlowSampleOf({RecordOf(sw), RecordOf(Header(1, 66, 4, qinq))});
  // After it, the switch record's.
  b.FlowSampleOf({RecordOf(Header(1, 66, 4, qinq)), RecordOf(sw)});
  // sampled_ipv4 after the header: its size, addresses, protocol and ports; the header's TTL,
  // TCP flags, stripped bytes and IPv4 offset stay (1344 - 4 - 22).
  b.FlowSampleOf({RecordOf(Header(1, 66, 4, qinq)), RecordOf(ipv4)});
  // A sample with no records.
  b.FlowSampleOf({}, 0x3fffffff, 0);
  CHECK(b.Lines() ==
        "FLOW,192.0.2.1,3,4,66778899aabb,001122334455,0x0800,200,-1,10.0.0.1,10.0.0.2,6,0x00,64,"
        "443,51000,0x18,66,40,512\n"
        "FLOW,192.0.2.1,3,4,66778899aabb,001122334455,0x0800,118,-1,10.0.0.1,10.0.0.2,6,0x00,64,"
        "443,51000,0x18,66,40,512\n"
        "FLOW,192.0.2.1,3,4,66778899aabb,001122334455,0x0800,200,0,50.50.50.50,51.51.51.51,17,"
        "0x00,64,46622,58631,0x18,1344,1318,512\n"
        "FLOW,192.0.2.1,1073741823,0,000000000000,000000000000,0x0000,0,0,-,-,0,0x00,0,0,0,0x00,"
        "0,0,512\n");
}

TEST_CASE("sflowtool lines: counters, discards, and where sflowtool gives up") {
  DatagramBuilder b;
  std::vector<CounterRecord> counters(2);
  GenericInterfaceCounters& first = counters[0].data.emplace<GenericInterfaceCounters>();
  first.if_index = 1;
  GenericInterfaceCounters& second = counters[1].data.emplace<GenericInterfaceCounters>();
  second.if_index = 7;
  second.if_speed = 100000000000ull;
  second.in_errors = 0xffffffff;  // CNTR prints %u
  Sample& with_counters = b.dg.samples.emplace_back();
  with_counters.tag = Tag{0, kCountersSampleFormat};
  with_counters.data.emplace<CountersSample>().records = counters;
  Sample& without = b.dg.samples.emplace_back();
  without.tag = Tag{0, kCountersSampleFormat};
  without.data.emplace<CountersSample>();
  Sample& discard = b.dg.samples.emplace_back();  // no line
  discard.tag = Tag{0, kDiscardedPacketSampleFormat};
  discard.data.emplace<DiscardedPacketSample>();
  CHECK(b.Lines() ==
        "CNTR,192.0.2.1,7,0,100000000000,0,0,0,0,0,0,0,4294967295,0,0,0,0,0,0,0,0\n"
        "CNTR,192.0.2.1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n");

  // A record holding bytes beyond its fields fails sflowtool's length check: no line for its
  // sample or any after it. Unknown records are skipped by length and do not.
  const uint8_t extra[4] = {0, 0, 0, 1};
  FlowRecord unknown;
  unknown.tag = Tag{0, 999};
  unknown.data.emplace<UnknownFlowRecord>().body = sflow::Bytes(extra);
  FlowRecord longer = RecordOf(ExtendedSwitch{});
  longer.trailing = sflow::Bytes(extra);
  DatagramBuilder gives_up;
  gives_up.FlowSampleOf({unknown});
  gives_up.FlowSampleOf({longer});
  gives_up.FlowSampleOf({});
  CHECK(gives_up.Lines() ==
        "FLOW,192.0.2.1,3,4,000000000000,000000000000,0x0000,0,0,-,-,0,0x00,0,0,0,0x00,0,0,512\n");
}

TEST_CASE("sflowtool JSON: header keys are typed, and prefixed in discarded-packet samples") {
  const Packet qinq = QinQTcp();
  std::vector<FlowRecord> records = {RecordOf(Header(1, 66, 4, qinq))};
  Datagram dg;
  dg.agent = Address::IPv4(192, 0, 2, 1);
  Sample& s = dg.samples.emplace_back();
  s.tag = Tag{0, kDiscardedPacketSampleFormat};
  s.data.emplace<DiscardedPacketSample>().records = records;
  std::string line;
  AppendDatagramJson(dg, DatagramContext{}, absl::OkStatus(), &line);
  auto json = cistern::testing::ParseJson(line);
  REQUIRE(json.has_value());
  const auto& element = json->Find("samples")->array[0].Find("elements")->array[0];
  REQUIRE(element.Find("discarded_decodedVLAN.1"));
  CHECK(element.Find("discarded_decodedVLAN.1")->is_number());
  CHECK(element.Find("discarded_decodedVLAN.1")->text == "200");
  CHECK(element.Find("discarded_srcIP")->text == "10.0.0.1");
  CHECK(element.Find("discarded_IPSize")->text == "40");
  CHECK(element.members.back().first == "discarded_TCPFlags");
}

}  // namespace
}  // namespace cistern::cli
