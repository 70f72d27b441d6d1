// libproto against Wireshark: every Ethernet sample frame of frame_builder.h goes into one pcap
// file (written by hand: the classic libpcap format, DLT 1), tshark dissects it
// (`-T fields -E occurrence=a`), and for each frame and each field below the values libproto
// decoded must equal Wireshark's, occurrence by occurrence (outer first, quoted packets included,
// as both list them in wire order).
//
// Skips with a message when tshark is not installed (scripts/install-deps installs it).
#include <arpa/inet.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cistern/proto/decoder.h"
#include "cistern/proto/packet.h"
#include "frame_builder.h"
#include "proto_test_support.h"

namespace cistern::proto {
namespace {

using testing::Bytes;
using testing::SampleFrame;
using Strings = std::vector<std::string>;

std::optional<std::filesystem::path> FindTshark() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::filesystem::path candidate = std::filesystem::path(dir) / "tshark";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// The classic libpcap file format: a 24-byte file header, then per frame a 16-byte record
// header and the bytes (little-endian, microsecond timestamps, LINKTYPE_ETHERNET).
void WritePcap(const std::filesystem::path& path, const std::vector<const SampleFrame*>& frames) {
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&out](uint32_t v) {
    char b[4] = {char(v), char(v >> 8), char(v >> 16), char(v >> 24)};
    out.write(b, 4);
  };
  auto u16 = [&out](uint16_t v) {
    char b[2] = {char(v), char(v >> 8)};
    out.write(b, 2);
  };
  u32(0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);  // thiszone
  u32(0);  // sigfigs
  u32(65535);
  u32(1);  // DLT_EN10MB
  uint32_t second = 1700000000;
  for (const SampleFrame* f : frames) {
    u32(second++);
    u32(0);
    u32(uint32_t(f->bytes.size()));
    u32(uint32_t(f->bytes.size()));
    out.write(reinterpret_cast<const char*>(f->bytes.data()), std::streamsize(f->bytes.size()));
  }
}

// Runs a command and returns its standard output and exit status.
std::pair<std::string, int> Run(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {"", -1};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  int status = pclose(pipe);
  return {output, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

Strings Split(const std::string& s, char sep) {
  Strings out;
  std::string item;
  std::stringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  if (!s.empty() && s.back() == sep) out.push_back("");
  return out;
}

std::string Mac(const MacAddress& m) {
  char b[18];
  std::snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return b;
}
std::string Ip(const std::array<uint8_t, 4>& a) {
  char b[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, a.data(), b, sizeof b);
}
std::string Ip(const std::array<uint8_t, 16>& a) {
  char b[INET6_ADDRSTRLEN];
  return inet_ntop(AF_INET6, a.data(), b, sizeof b);
}

// tshark prints numbers in each field's display base ("0x0800", "1193046", "0x00abcdef");
// numbers compare as numbers, everything else as text.
std::string Normalize(const std::string& v) {
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
    return std::to_string(std::stoull(v.substr(2), nullptr, 16));
  }
  if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos) {
    return std::to_string(std::stoull(v));
  }
  return v;
}

// One tshark field and how to read the same values out of a Packet.
struct Field {
  const char* name;
  std::function<Strings(const Packet&)> values;
};

template <typename List, typename F>
Strings Each(const List& list, F f) {
  Strings out;
  for (const auto& item : list) out.push_back(f(item));
  return out;
}
template <typename T>
std::string N(T v) {
  return std::to_string(uint64_t(v));
}

// ICMP and ICMPv6 share one array; the layer says which one an entry is.
Strings IcmpValues(const Packet& p, LayerType type, bool code) {
  Strings out;
  for (const Layer& l : p.layers()) {
    if (l.type != type) continue;
    out.push_back(N(code ? p.icmp[l.index].code : p.icmp[l.index].type));
  }
  return out;
}

std::vector<Field> Fields() {
  return {
      {"eth.dst",
       [](const Packet& p) { return Each(p.ethernet, [](auto& h) { return Mac(h.dst); }); }},
      {"eth.src",
       [](const Packet& p) { return Each(p.ethernet, [](auto& h) { return Mac(h.src); }); }},
      {"vlan.id",
       [](const Packet& p) {
         Strings out;
         for (const VlanTag& t : p.vlan)
           if (t.tpid != 0x88a8) out.push_back(N(t.id));
         return out;
       }},
      {"vlan.priority",
       [](const Packet& p) {
         Strings out;
         for (const VlanTag& t : p.vlan)
           if (t.tpid != 0x88a8) out.push_back(N(t.priority));
         return out;
       }},
      {"ieee8021ad.id",
       [](const Packet& p) {
         Strings out;
         for (const VlanTag& t : p.vlan)
           if (t.tpid == 0x88a8) out.push_back(N(t.id));
         return out;
       }},
      {"mpls.label",
       [](const Packet& p) { return Each(p.mpls, [](auto& h) { return N(h.label); }); }},
      {"mpls.exp",
       [](const Packet& p) { return Each(p.mpls, [](auto& h) { return N(h.traffic_class); }); }},
      {"mpls.bottom",
       [](const Packet& p) { return Each(p.mpls, [](auto& h) { return N(h.bottom_of_stack); }); }},
      {"mpls.ttl", [](const Packet& p) { return Each(p.mpls, [](auto& h) { return N(h.ttl); }); }},
      {"pweth.cw.sequence_number",
       [](const Packet& p) {
         return Each(p.pw_control_word, [](auto& h) { return N(h.sequence); });
       }},
      {"pppoe.session_id",
       [](const Packet& p) { return Each(p.pppoe, [](auto& h) { return N(h.session_id); }); }},
      {"ppp.protocol",  // PPPoE's and PPTP's (a frame holds one or the other)
       [](const Packet& p) {
         Strings out = Each(p.pppoe, [](auto& h) { return N(h.ppp_protocol); });
         for (const PppHeader& h : p.ppp) out.push_back(N(h.protocol));
         return out;
       }},
      {"arp.opcode",
       [](const Packet& p) { return Each(p.arp, [](auto& h) { return N(h.opcode); }); }},
      {"arp.src.hw_mac",
       [](const Packet& p) { return Each(p.arp, [](auto& h) { return Mac(h.sender_mac); }); }},
      {"arp.src.proto_ipv4",
       [](const Packet& p) { return Each(p.arp, [](auto& h) { return Ip(h.sender_ip); }); }},
      {"arp.dst.proto_ipv4",
       [](const Packet& p) { return Each(p.arp, [](auto& h) { return Ip(h.target_ip); }); }},
      {"llc.dsap", [](const Packet& p) { return Each(p.llc, [](auto& h) { return N(h.dsap); }); }},
      {"llc.ssap", [](const Packet& p) { return Each(p.llc, [](auto& h) { return N(h.ssap); }); }},
      {"llc.type",
       [](const Packet& p) {
         Strings out;
         for (const LlcHeader& h : p.llc)
           if (h.snap && h.oui == 0) out.push_back(N(h.protocol_id));
         return out;
       }},
      {"ip.src", [](const Packet& p) { return Each(p.ipv4, [](auto& h) { return Ip(h.src); }); }},
      {"ip.dst", [](const Packet& p) { return Each(p.ipv4, [](auto& h) { return Ip(h.dst); }); }},
      {"ip.proto",
       [](const Packet& p) { return Each(p.ipv4, [](auto& h) { return N(h.protocol); }); }},
      {"ip.ttl", [](const Packet& p) { return Each(p.ipv4, [](auto& h) { return N(h.ttl); }); }},
      {"ip.id", [](const Packet& p) { return Each(p.ipv4, [](auto& h) { return N(h.id); }); }},
      {"ip.hdr_len",
       [](const Packet& p) { return Each(p.ipv4, [](auto& h) { return N(h.header_length); }); }},
      {"ip.len",
       [](const Packet& p) { return Each(p.ipv4, [](auto& h) { return N(h.total_length); }); }},
      {"ip.dsfield.dscp",
       [](const Packet& p) { return Each(p.ipv4, [](auto& h) { return N(h.dscp); }); }},
      {"ip.flags.mf",
       [](const Packet& p) { return Each(p.ipv4, [](auto& h) { return N(h.more_fragments); }); }},
      {"ip.frag_offset",
       [](const Packet& p) { return Each(p.ipv4, [](auto& h) { return N(h.fragment_offset); }); }},
      {"ipv6.src", [](const Packet& p) { return Each(p.ipv6, [](auto& h) { return Ip(h.src); }); }},
      {"ipv6.dst", [](const Packet& p) { return Each(p.ipv6, [](auto& h) { return Ip(h.dst); }); }},
      {"ipv6.nxt",
       [](const Packet& p) { return Each(p.ipv6, [](auto& h) { return N(h.next_header); }); }},
      {"ipv6.hlim",
       [](const Packet& p) { return Each(p.ipv6, [](auto& h) { return N(h.hop_limit); }); }},
      {"ipv6.plen",
       [](const Packet& p) { return Each(p.ipv6, [](auto& h) { return N(h.payload_length); }); }},
      {"ipv6.flow",
       [](const Packet& p) { return Each(p.ipv6, [](auto& h) { return N(h.flow_label); }); }},
      {"ipv6.fraghdr.offset",
       [](const Packet& p) {
         Strings out;
         for (const Ipv6Header& h : p.ipv6)
           if (h.fragmented) out.push_back(N(h.fragment_offset));
         return out;
       }},
      {"ipv6.fraghdr.ident",
       [](const Packet& p) {
         Strings out;
         for (const Ipv6Header& h : p.ipv6)
           if (h.fragmented) out.push_back(N(h.fragment_id));
         return out;
       }},
      {"ipv6.routing.segleft",
       [](const Packet& p) {
         Strings out;
         for (const Ipv6Extension& e : p.ipv6_extension)
           if (e.type == 43) out.push_back(N(e.segments_left));
         return out;
       }},
      {"tcp.srcport",
       [](const Packet& p) { return Each(p.tcp, [](auto& h) { return N(h.src_port); }); }},
      {"tcp.dstport",
       [](const Packet& p) { return Each(p.tcp, [](auto& h) { return N(h.dst_port); }); }},
      // Absolute (-o tcp.relative_sequence_numbers:FALSE): tcp.seq_raw is left out for a TCP
      // header quoted by ICMP (though not by ICMPv6).
      {"tcp.seq", [](const Packet& p) { return Each(p.tcp, [](auto& h) { return N(h.seq); }); }},
      {"tcp.hdr_len",
       [](const Packet& p) { return Each(p.tcp, [](auto& h) { return N(h.header_length); }); }},
      {"tcp.flags",
       [](const Packet& p) { return Each(p.tcp, [](auto& h) { return N(h.flags); }); }},
      {"tcp.window_size_value",
       [](const Packet& p) { return Each(p.tcp, [](auto& h) { return N(h.window); }); }},
      {"tcp.options.mss_val",
       [](const Packet& p) {
         Strings out;
         for (const TcpHeader& h : p.tcp)
           if (h.has_mss) out.push_back(N(h.mss));
         return out;
       }},
      {"tcp.options.wscale.shift",
       [](const Packet& p) {
         Strings out;
         for (const TcpHeader& h : p.tcp)
           if (h.has_window_scale) out.push_back(N(h.window_scale));
         return out;
       }},
      {"tcp.options.timestamp.tsval",
       [](const Packet& p) {
         Strings out;
         for (const TcpHeader& h : p.tcp)
           if (h.has_timestamps) out.push_back(N(h.ts_value));
         return out;
       }},
      {"udp.srcport",
       [](const Packet& p) { return Each(p.udp, [](auto& h) { return N(h.src_port); }); }},
      {"udp.dstport",
       [](const Packet& p) { return Each(p.udp, [](auto& h) { return N(h.dst_port); }); }},
      {"udp.length",
       [](const Packet& p) { return Each(p.udp, [](auto& h) { return N(h.length); }); }},
      {"icmp.type", [](const Packet& p) { return IcmpValues(p, LayerType::kIcmp, false); }},
      {"icmp.code", [](const Packet& p) { return IcmpValues(p, LayerType::kIcmp, true); }},
      {"icmpv6.type", [](const Packet& p) { return IcmpValues(p, LayerType::kIcmpv6, false); }},
      {"icmpv6.code", [](const Packet& p) { return IcmpValues(p, LayerType::kIcmpv6, true); }},
      {"sctp.srcport",
       [](const Packet& p) { return Each(p.sctp, [](auto& h) { return N(h.src_port); }); }},
      {"sctp.dstport",
       [](const Packet& p) { return Each(p.sctp, [](auto& h) { return N(h.dst_port); }); }},
      {"sctp.verification_tag",
       [](const Packet& p) { return Each(p.sctp, [](auto& h) { return N(h.verification_tag); }); }},
      {"gre.proto",
       [](const Packet& p) { return Each(p.gre, [](auto& h) { return N(h.protocol); }); }},
      {"gre.key",
       [](const Packet& p) {
         Strings out;
         for (const GreHeader& h : p.gre)
           if (h.has_key && h.version == 0) out.push_back(N(h.key));
         return out;
       }},
      {"gre.key.payload_length",  // PPTP's key: payload length and call id
       [](const Packet& p) {
         Strings out;
         for (const GreHeader& h : p.gre)
           if (h.has_key && h.version == 1) out.push_back(N(h.key >> 16));
         return out;
       }},
      {"gre.key.call_id",
       [](const Packet& p) {
         Strings out;
         for (const GreHeader& h : p.gre)
           if (h.has_key && h.version == 1) out.push_back(N(h.key & 0xffff));
         return out;
       }},
      {"gre.ack_number",
       [](const Packet& p) {
         Strings out;
         for (const GreHeader& h : p.gre)
           if (h.version == 1 && h.acknowledgment) out.push_back(N(h.acknowledgment));
         return out;
       }},
      {"cmd.sgt",
       [](const Packet& p) {
         Strings out;
         for (const GreHeader& h : p.gre)
           if (h.cisco_metadata) out.push_back(N(h.security_group_tag));
         return out;
       }},
      {"gre.sequence_number",
       [](const Packet& p) {
         Strings out;
         for (const GreHeader& h : p.gre)
           if (h.has_sequence) out.push_back(N(h.sequence));
         return out;
       }},
      {"erspan.version",
       [](const Packet& p) { return Each(p.erspan, [](auto& h) { return N(h.version); }); }},
      {"erspan.vlan",
       [](const Packet& p) { return Each(p.erspan, [](auto& h) { return N(h.vlan); }); }},
      {"erspan.cos",
       [](const Packet& p) { return Each(p.erspan, [](auto& h) { return N(h.cos); }); }},
      {"erspan.spanid",
       [](const Packet& p) { return Each(p.erspan, [](auto& h) { return N(h.session_id); }); }},
      {"erspan.index",
       [](const Packet& p) {
         Strings out;
         for (const ErspanHeader& h : p.erspan)
           if (h.version == 1) out.push_back(N(h.index));
         return out;
       }},
      {"erspan.timestamp",
       [](const Packet& p) {
         Strings out;
         for (const ErspanHeader& h : p.erspan)
           if (h.version == 2) out.push_back(N(h.index));
         return out;
       }},
      {"vxlan.vni",
       [](const Packet& p) { return Each(p.vxlan, [](auto& h) { return N(h.vni); }); }},
      {"geneve.vni",
       [](const Packet& p) { return Each(p.geneve, [](auto& h) { return N(h.vni); }); }},
      {"geneve.proto_type",
       [](const Packet& p) { return Each(p.geneve, [](auto& h) { return N(h.protocol); }); }},
  };
}

// Where Wireshark 4.0 shows less than libproto decodes, by frame, with the reason. A field
// listed here is not compared for that frame.
const std::map<std::string, std::set<std::string>>& KnownDifferences() {
  // eth_mpls_eth_ipv4_udp: Wireshark's Ethernet-pseudowire heuristic does not take a frame whose
  // destination MAC starts with nibble 9 when there is no control word; it shows "MPLS Label
  // Switched Packet" and stops. libproto's guess (neither 0, 4 nor 6: Ethernet) goes on.
  static const std::map<std::string, std::set<std::string>> known = {
      {"eth_mpls_eth_ipv4_udp",
       {"eth.dst", "eth.src", "ip.src", "ip.dst", "ip.proto", "ip.ttl", "ip.id", "ip.hdr_len",
        "ip.len", "ip.dsfield.dscp", "ip.flags.mf", "ip.frag_offset", "udp.srcport", "udp.dstport",
        "udp.length"}},
  };
  return known;
}

TEST_CASE("libproto agrees with tshark on every sample frame", "[proto][tshark]") {
  std::optional<std::filesystem::path> tshark = FindTshark();
  if (!tshark) {
    WARN("skipped: tshark not found in PATH (scripts/install-deps installs it)");
    return;
  }
  std::vector<SampleFrame> all = testing::SampleFrames();
  std::vector<const SampleFrame*> frames;
  for (const SampleFrame& f : all) {
    if (f.start == Start::kEthernet) frames.push_back(&f);
  }
  REQUIRE(frames.size() > 20);

  std::filesystem::path pcap = std::filesystem::path(CISTERN_TEST_TMPDIR) /
                               ("proto_tshark_" + std::to_string(getpid()) + ".pcap");
  WritePcap(pcap, frames);
  std::vector<Field> fields = Fields();
  // Reassembly off: each frame is dissected on its own, as libproto decodes it; TCP sequence
  // numbers as they are on the wire.
  std::string command =
      tshark->string() + " -n -r '" + pcap.string() +
      "' -o ip.defragment:FALSE -o ipv6.defragment:FALSE"
      " -o tcp.relative_sequence_numbers:FALSE"
      " -T fields -E separator=/t -E occurrence=a -E aggregator=, -e frame.number";
  for (const Field& f : fields) command += std::string(" -e ") + f.name;
  command += " 2>/dev/null";
  auto [output, status] = Run(command);
  std::filesystem::remove(pcap);
  INFO(command);
  REQUIRE(status == 0);
  Strings lines = Split(output, '\n');
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  REQUIRE(lines.size() == frames.size());

  size_t compared = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    const SampleFrame& frame = *frames[i];
    Strings columns = Split(lines[i], '\t');
    REQUIRE(columns.size() == fields.size() + 1);
    REQUIRE(columns[0] == std::to_string(i + 1));
    Packet p;
    Decode(frame.bytes, frame.start, {}, &p);
    const auto known = KnownDifferences().find(frame.name);
    for (size_t k = 0; k < fields.size(); ++k) {
      if (known != KnownDifferences().end() && known->second.count(fields[k].name)) continue;
      Strings theirs;
      if (!columns[k + 1].empty()) {
        for (const std::string& v : Split(columns[k + 1], ',')) theirs.push_back(Normalize(v));
      }
      Strings ours = fields[k].values(p);
      for (std::string& v : ours) v = Normalize(v);
      INFO(frame.name << " (frame " << i + 1 << "), field " << fields[k].name
                      << "; libproto: " << testing::Describe(p));
      CHECK(ours == theirs);
      compared += theirs.size();
    }
  }
  // Guard against a silently empty comparison (a tshark that dissects nothing).
  CHECK(compared > 300);
  SUCCEED("compared " << compared << " values over " << frames.size() << " frames");
}

}  // namespace
}  // namespace cistern::proto
