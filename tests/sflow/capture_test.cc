// The codec against real sFlow captures (../shared/captures/sflow/*.pcap and the raw UDP payloads
// in ../shared/captures/sflow-raw/*.dump): every datagram that decodes re-encodes to its exact
// bytes; totals per capture match PROVENANCE.md; every datagram's sample and record tags, sequence
// numbers and sources match InMon sflowtool's own decode (the .sflowtool-j.txt files); values
// listed in sflow-raw/PROVENANCE.md and DECODED.txt are checked; and a Datagram reused across all
// of them decodes each exactly as a fresh one does. Skipped with a warning when the captures are
// absent.
#include <arpa/inet.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cistern/sflow/codec.h"
#include "cistern/sflow/datagram.h"
#include "cistern/sflow/drop_reasons.h"
#include "test_support.h"
#include "udp_source.h"

namespace cistern::sflow {
namespace {

namespace fs = std::filesystem;
using testing::ByteDiff;
using testing::StatusString;

fs::path SflowDir() { return fs::path(testing::SharedDir()) / "captures" / "sflow"; }
fs::path RawDir() { return fs::path(testing::SharedDir()) / "captures" / "sflow-raw"; }

// The UDP payloads (port 6343) of a capture, in file order.
std::vector<std::vector<uint8_t>> LoadPcap(const fs::path& path) {
  auto reader = cli::CaptureReader::Open(path.string(), 6343);
  INFO(path.string() << ": " << StatusString(reader.status()));
  REQUIRE(reader.ok());
  std::vector<std::vector<uint8_t>> out;
  while (true) {
    absl::StatusOr<std::optional<cli::UdpDatagram>> d = (*reader)->Next();
    INFO(StatusString(d.status()));
    REQUIRE(d.ok());
    if (!d->has_value()) break;
    out.emplace_back((*d)->payload.begin(), (*d)->payload.end());
  }
  return out;
}

std::vector<fs::path> SflowPcaps() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(SflowDir(), ec)) {
    if (entry.path().extension() == ".pcap") files.push_back(entry.path());
  }
  std::ranges::sort(files);
  return files;
}

std::vector<uint8_t> LoadRaw(std::string_view name) {
  std::optional<std::vector<uint8_t>> bytes = testing::ReadFile((RawDir() / name).string());
  INFO(name);
  REQUIRE(bytes.has_value());
  return *bytes;
}

std::string TagString(Tag tag) {
  return std::to_string(tag.enterprise) + ":" + std::to_string(tag.format);
}

// Tallies of what decoded, keyed "0:1" and so on.
struct Totals {
  size_t datagrams = 0;
  size_t ok = 0;
  size_t unimplemented = 0;
  size_t malformed = 0;
  std::map<std::string, size_t> samples;
  std::map<std::string, size_t> flow_records;  // in flow and discarded-packet samples
  std::map<std::string, size_t> counter_records;

  void Add(const Datagram& dg) {
    for (const Sample& s : dg.samples) {
      ++samples[TagString(s.tag)];
      if (const auto* f = std::get_if<FlowSample>(&s.data)) {
        for (const FlowRecord& r : f->records) ++flow_records[TagString(r.tag)];
      } else if (const auto* c = std::get_if<CountersSample>(&s.data)) {
        for (const CounterRecord& r : c->records) ++counter_records[TagString(r.tag)];
      } else if (const auto* d = std::get_if<DiscardedPacketSample>(&s.data)) {
        for (const FlowRecord& r : d->records) ++flow_records[TagString(r.tag)];
      }
    }
  }
};

using Counts = std::map<std::string, size_t>;

// Facts from captures/sflow/PROVENANCE.md (its structure inventory), per capture.
struct Expected {
  std::string_view file;
  size_t datagrams, ok, unimplemented, malformed;
  Counts samples, flow_records, counter_records;
};

const std::vector<Expected>& ExpectedTotals() {
  static const std::vector<Expected> kExpected = {
      {"akvorado_data-1140.pcap",
       1,
       1,
       0,
       0,
       {{"0:1", 5}},
       {{"0:1", 5}, {"0:1001", 5}, {"0:1002", 2}, {"0:1003", 2}},
       {}},
      {"akvorado_data-discard-interface.pcap",
       1,
       1,
       0,
       0,
       {{"0:1", 1}},
       {{"0:1", 1}, {"0:1001", 1}},
       {}},
      {"akvorado_data-encap-vxlan.pcap", 1, 1, 0, 0, {{"0:1", 1}}, {{"0:1", 1}, {"0:1001", 1}}, {}},
      {"akvorado_data-icmpv4.pcap", 1, 1, 0, 0, {{"0:1", 1}}, {{"0:1", 1}, {"0:1001", 1}}, {}},
      {"akvorado_data-icmpv6.pcap", 1, 1, 0, 0, {{"0:1", 1}}, {{"0:1", 1}, {"0:1001", 1}}, {}},
      {"akvorado_data-local-interface.pcap",
       1,
       1,
       0,
       0,
       {{"0:1", 1}},
       {{"0:1", 1}, {"0:1001", 1}},
       {}},
      {"akvorado_data-multiple-interfaces.pcap",
       1,
       1,
       0,
       0,
       {{"0:1", 1}},
       {{"0:1", 1}, {"0:1001", 1}},
       {}},
      {"akvorado_data-qinq.pcap", 1, 1, 0, 0, {{"0:3", 1}}, {{"0:1", 1}}, {}},
      {"akvorado_data-sflow-ipv4-data.pcap",
       1,
       1,
       0,
       0,
       {{"0:3", 1}},
       {{"0:1", 1}, {"0:1001", 1}, {"0:2", 1}, {"0:3", 1}},
       {}},
      {"akvorado_data-sflow-raw-ipv4.pcap", 1, 1, 0, 0, {{"0:1", 2}}, {{"0:1", 2}}, {}},
      {"ndpi_sflow.pcap", 9, 9, 0, 0, {{"0:1", 1}, {"0:2", 8}}, {{"0:1", 1}}, {{"0:1", 8}}},
      {"nxthdr_sflow.pcap", 1, 1, 0, 0, {{"0:1", 1}}, {{"0:3", 1}}, {}},
      {"overflowd_sflow.pcap",
       1000,
       1000,
       0,
       0,
       {{"0:1", 5855}, {"0:2", 502}},
       {{"0:1", 5855}, {"0:1001", 5855}},
       {{"0:1", 502}, {"0:2", 502}}},
      // Not in the inventory: counts from the capture's own sflowtool decode.
      {"pmacct177_sfprobe_sflow5_from_mixed_input.pcap",
       685,
       685,
       0,
       0,
       {{"0:1", 4834}, {"0:2", 1}},
       {{"0:1", 4834}, {"0:1001", 4834}},
       {{"0:1", 1}}},
      {"tcpdump_sflow-print-v6.pcap",
       25,
       25,
       0,
       0,
       {{"0:1", 13}, {"0:2", 48}},
       {{"0:1", 13}, {"0:1001", 13}},
       {{"0:1", 48}, {"0:2", 48}}},
      {"tcpdump_sflow_expanded.pcap",
       1,
       1,
       0,
       0,
       {{"0:3", 1}},
       {{"0:1", 1}, {"0:1002", 1}, {"0:1003", 1}},
       {}},
      {"tcpdump_sflow_multiple_counter_30_pdus.pcap",
       30,
       25,
       5,
       0,
       {{"0:2", 2}, {"0:4", 142}},
       {},
       {{"0:1", 142},
        {"0:2", 142},
        {"0:2000", 2},
        {"0:2001", 2},
        {"0:2003", 2},
        {"0:2004", 2},
        {"0:2005", 2},
        {"0:2006", 2}}},
      // Malformed on purpose: a flow record (0:13) whose length runs past its sample.
      {"tcpdump_sflow_print-segv.pcap", 1, 0, 0, 1, {}, {}, {}},
      {"telegraf_sflow_issue_15375.pcap", 1, 1, 0, 0, {{"0:5", 1}}, {{"0:1036", 1}}, {}},
      {"telegraf_sflow_issue_15918.pcap",
       1,
       1,
       0,
       0,
       {{"0:1", 6}, {"0:2", 1}},
       {{"0:1", 6}, {"0:1001", 6}},
       {{"0:1", 1}, {"0:2", 1}}},
      {"telegraf_sflow_issue_18876.pcap", 1, 1, 0, 0, {{"0:4", 1}}, {}, {{"0:1", 1}, {"0:2", 1}}},
      {"telegraf_sflow_v5_example.pcap", 1, 1, 0, 0, {{"0:2", 1}}, {}, {{"0:1", 1}, {"0:1005", 1}}},
  };
  return kExpected;
}

bool CapturesPresent() {
  if (fs::is_directory(SflowDir())) return true;
  WARN("sFlow captures not found at " << SflowDir().string() << ": skipped");
  return false;
}

// Offsets where two equally long byte strings differ, as "a,b,c" (at most 8).
std::string DifferingOffsets(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  std::string out;
  size_t shown = 0;
  for (size_t i = 0; i < a.size() && i < b.size() && shown < 8; ++i) {
    if (a[i] != b[i]) {
      out += (shown++ ? "," : "") + std::to_string(i);
    }
  }
  return out;
}

// Decodes every datagram of `payloads` and tallies the results. Each one that decodes must
// re-encode to bytes that decode to the same Datagram (always), and to exactly its original bytes
// (collected in `inexact`, one line per datagram).
Totals DecodeAll(const std::vector<std::vector<uint8_t>>& payloads,
                 std::vector<std::string>* inexact) {
  Totals totals;
  Datagram dg, again;
  for (size_t i = 0; i < payloads.size(); ++i) {
    ++totals.datagrams;
    const absl::Status s = DecodeInto(payloads[i], &dg);
    if (s.code() == absl::StatusCode::kUnimplemented) {
      ++totals.unimplemented;
      continue;
    }
    if (!s.ok()) {
      ++totals.malformed;
      continue;
    }
    ++totals.ok;
    totals.Add(dg);
    std::vector<uint8_t> out;
    const absl::Status e = Encode(dg, &out);
    if (!e.ok()) FAIL("datagram " << i << " does not re-encode: " << StatusString(e));
    if (!DecodeInto(out, &again).ok() || !(again == dg)) {
      FAIL("datagram " << i << " re-encodes to something else: " << ByteDiff(out, payloads[i]));
    }
    const std::string diff = ByteDiff(out, payloads[i]);
    if (!diff.empty()) {
      // Whatever differs must be XDR padding the encoder wrote as zeros (never at a 4-aligned
      // offset here, where every structure starts 4-aligned): anything else is a real loss.
      REQUIRE(out.size() == payloads[i].size());
      for (size_t k = 0; k < out.size(); ++k) {
        if (out[k] != payloads[i][k] && (out[k] != 0 || k % 4 == 0)) {
          FAIL("datagram " << i << " re-encodes differently beyond padding at byte " << k);
        }
      }
      inexact->push_back("datagram " + std::to_string(i) + ": " + diff + "; differing bytes " +
                         DifferingOffsets(out, payloads[i]));
    }
  }
  return totals;
}

// The first few lines, one per line.
std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size() && i < 5; ++i) out += lines[i] + "\n";
  if (lines.size() > 5) out += "...\n";
  return out;
}

TEST_CASE(
    "capture: every sFlow capture decodes and re-encodes byte for byte, with the expected "
    "totals",
    "[sflow][capture]") {
  if (!CapturesPresent()) return;
  std::map<std::string, const Expected*> expected;
  for (const Expected& e : ExpectedTotals()) expected[std::string(e.file)] = &e;

  const std::vector<fs::path> files = SflowPcaps();
  CHECK(files.size() >= ExpectedTotals().size());
  size_t checked = 0;
  for (const fs::path& file : files) {
    const std::string name = file.filename().string();
    INFO(name);
    const std::vector<std::vector<uint8_t>> payloads = LoadPcap(file);
    CHECK(!payloads.empty());
    std::vector<std::string> inexact;
    const Totals totals = DecodeAll(payloads, &inexact);
    // Encode(Decode(x)) must be x itself, byte for byte.
    INFO(inexact.size() << " datagrams re-encode inexactly:\n" << Lines(inexact));
    CHECK(inexact.empty());
    auto it = expected.find(name);
    if (it == expected.end()) {
      WARN(name << ": no expected totals; checked re-encoding only");
      CHECK(totals.malformed == 0);
      continue;
    }
    const Expected& e = *it->second;
    CHECK(totals.datagrams == e.datagrams);
    CHECK(totals.ok == e.ok);
    CHECK(totals.unimplemented == e.unimplemented);
    CHECK(totals.malformed == e.malformed);
    CHECK(totals.samples == e.samples);
    CHECK(totals.flow_records == e.flow_records);
    CHECK(totals.counter_records == e.counter_records);
    ++checked;
  }
  CHECK(checked == ExpectedTotals().size());
}

// ---- against sflowtool ----

// The "key":"value" pairs of one sflowtool -j line, in order.
std::vector<std::pair<std::string, std::string>> JsonPairs(std::string_view line) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (true) {
    const size_t k = line.find('"', pos);
    if (k == std::string_view::npos) break;
    const size_t k_end = line.find('"', k + 1);
    if (k_end == std::string_view::npos) break;
    if (k_end + 2 < line.size() && line[k_end + 1] == ':' && line[k_end + 2] == '"') {
      const size_t v_end = line.find('"', k_end + 3);
      if (v_end == std::string_view::npos) break;
      out.emplace_back(std::string(line.substr(k + 1, k_end - k - 1)),
                       std::string(line.substr(k_end + 3, v_end - k_end - 3)));
      pos = v_end + 1;
    } else {
      pos = k_end + 1;
    }
  }
  return out;
}

// sflowtool prints IPv6 agents in full ("0030:0000:..."): compare canonical forms.
std::string NormalAddress(const std::string& text) {
  uint8_t bytes[16];
  char out[INET6_ADDRSTRLEN] = {};
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    inet_ntop(AF_INET6, bytes, out, sizeof out);
    return out;
  }
  return text;
}

// What sflowtool printed for a datagram, reduced to what both decoders must agree on.
struct ToolSample {
  std::string tag, sequence, source;
  std::vector<std::string> elements;  // record tags, in order
};
struct ToolDatagram {
  std::string version, agent, sub_agent, sequence, uptime;
  std::vector<ToolSample> samples;
};

ToolDatagram ParseTool(std::string_view line) {
  ToolDatagram d;
  for (auto& [key, value] : JsonPairs(line)) {
    if (key == "datagramVersion") {
      d.version = value;
    } else if (key == "agent") {
      d.agent = NormalAddress(value);
    } else if (key == "agentSubId") {
      d.sub_agent = value;
    } else if (key == "packetSequenceNo") {
      d.sequence = value;
    } else if (key == "sysUpTime") {
      d.uptime = value;
    } else if (key == "sampleType_tag") {
      d.samples.push_back(ToolSample{value, "", "", {}});
    } else if (d.samples.empty()) {
      continue;
    } else if (key == "sampleSequenceNo" && d.samples.back().sequence.empty()) {
      d.samples.back().sequence = value;
    } else if (key == "sourceId" && d.samples.back().source.empty()) {
      d.samples.back().source = value;
    } else if (key == "flowBlock_tag" || key == "counterBlock_tag" ||
               key == "discarded_flowBlock_tag") {
      d.samples.back().elements.push_back(value);
    }
  }
  return d;
}

std::string AddressString(const Address& a) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.type == Address::Type::kIPv4) inet_ntop(AF_INET, a.bytes.data(), text, sizeof text);
  if (a.type == Address::Type::kIPv6) inet_ntop(AF_INET6, a.bytes.data(), text, sizeof text);
  return text;
}

ToolDatagram FromOurs(const Datagram& dg) {
  ToolDatagram d;
  d.version = std::to_string(dg.version);
  d.agent = AddressString(dg.agent);
  d.sub_agent = std::to_string(dg.sub_agent_id);
  d.sequence = std::to_string(dg.sequence_number);
  d.uptime = std::to_string(dg.uptime_ms);
  for (const Sample& s : dg.samples) {
    ToolSample t{TagString(s.tag), "", "", {}};
    auto fill = [&](uint32_t seq, DataSource src, const auto& records) {
      t.sequence = std::to_string(seq);
      t.source = std::to_string(src.type) + ":" + std::to_string(src.index);
      for (const auto& r : records) t.elements.push_back(TagString(r.tag));
    };
    if (const auto* f = std::get_if<FlowSample>(&s.data)) {
      fill(f->sequence_number, f->source, f->records);
    } else if (const auto* c = std::get_if<CountersSample>(&s.data)) {
      fill(c->sequence_number, c->source, c->records);
    } else if (const auto* x = std::get_if<DiscardedPacketSample>(&s.data)) {
      fill(x->sequence_number, x->source, x->records);
    }
    d.samples.push_back(std::move(t));
  }
  return d;
}

std::string Show(const ToolDatagram& d) {
  std::string out = "v" + d.version + " agent " + d.agent + " sub " + d.sub_agent + " seq " +
                    d.sequence + " uptime " + d.uptime;
  for (const ToolSample& s : d.samples) {
    out += " | " + s.tag + " seq " + s.sequence + " src " + s.source + " [";
    for (const std::string& e : s.elements) out += e + " ";
    out += "]";
  }
  return out;
}

TEST_CASE("capture: samples and records match sflowtool's decode of every datagram",
          "[sflow][capture]") {
  if (!CapturesPresent()) return;
  size_t compared = 0;
  for (const fs::path& file : SflowPcaps()) {
    fs::path tool = file;
    tool.replace_extension(".sflowtool-j.txt");
    std::ifstream in(tool);
    if (!in) continue;
    const std::string name = file.filename().string();
    INFO(name);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    const std::vector<std::vector<uint8_t>> payloads = LoadPcap(file);
    REQUIRE(payloads.size() == lines.size());
    Datagram dg;
    for (size_t i = 0; i < payloads.size(); ++i) {
      INFO("datagram " << i);
      const ToolDatagram want = ParseTool(lines[i]);
      const absl::Status s = DecodeInto(payloads[i], &dg);
      if (want.version != "5") {
        CHECK(s.code() == absl::StatusCode::kUnimplemented);
        continue;
      }
      if (!s.ok()) continue;  // malformed on purpose; counted by the totals test
      const ToolDatagram got = FromOurs(dg);
      if (Show(got) != Show(want)) {
        FAIL("ours:     " << Show(got) << "\nsflowtool: " << Show(want));
      }
      ++compared;
    }
  }
  CHECK(compared > 1700);
}

// ---- specific facts ----

TEST_CASE("capture: telegraf issue 15375 is a discarded-packet sample with an egress queue",
          "[sflow][capture]") {
  if (!CapturesPresent()) return;
  const auto payloads = LoadPcap(SflowDir() / "telegraf_sflow_issue_15375.pcap");
  REQUIRE(payloads.size() == 1);
  Datagram dg;
  REQUIRE(DecodeInto(payloads[0], &dg).ok());
  CHECK(dg.agent == Address::IPv4(192, 168, 119, 184));
  CHECK(dg.sub_agent_id == 100000);
  REQUIRE(dg.samples.size() == 1);
  const auto& d = std::get<DiscardedPacketSample>(dg.samples[0].data);
  CHECK(d.sequence_number == 2);
  CHECK(d.source == DataSource{0, 1});
  CHECK(d.drops == 256);
  CHECK(d.input == 1);
  CHECK(d.output == 2);
  CHECK(d.reason == 1);
  CHECK(DropReasonName(d.reason) == "host_unreachable");
  REQUIRE(d.records.size() == 1);
  CHECK(std::get<ExtendedEgressQueue>(d.records[0].data).queue == 42);
}

TEST_CASE("capture: interface formats of the akvorado captures", "[sflow][capture]") {
  if (!CapturesPresent()) return;
  auto output_of = [](const char* file) {
    const auto payloads = LoadPcap(SflowDir() / file);
    REQUIRE(payloads.size() == 1);
    absl::StatusOr<Datagram> dg = Decode(payloads[0]);
    REQUIRE(dg.ok());
    return std::get<FlowSample>(dg->samples.at(0).data).output;
  };
  CHECK(output_of("akvorado_data-discard-interface.pcap").format == 1);
  CHECK(output_of("akvorado_data-multiple-interfaces.pcap") == Interface{2, 7});
  CHECK(output_of("akvorado_data-local-interface.pcap") == Interface{0, 0x3fffffff});

  const auto v6 = LoadPcap(SflowDir() / "tcpdump_sflow-print-v6.pcap");
  REQUIRE(!v6.empty());
  absl::StatusOr<Datagram> dg = Decode(v6[0]);
  REQUIRE(dg.ok());
  CHECK(AddressString(dg->agent) == "30::1:1:1");
}

// ---- raw dumps (sflow-raw/PROVENANCE.md, DECODED.txt) ----

const SampledHeader& HeaderOf(const FlowRecord& r) { return std::get<SampledHeader>(r.data); }

TEST_CASE("capture: raw dumps decode to the values their provenance lists", "[sflow][capture]") {
  if (!fs::is_directory(RawDir())) {
    WARN("raw sFlow dumps not found at " << RawDir().string() << ": skipped");
    return;
  }
  Datagram dg;
  SECTION("counter_sample.dump") {
    const auto wire = LoadRaw("counter_sample.dump");
    REQUIRE(DecodeInto(wire, &dg).ok());
    CHECK(dg.agent == Address::IPv4(208, 85, 240, 52));
    CHECK(dg.sub_agent_id == 1);
    CHECK(dg.sequence_number == 1086077);
    CHECK(dg.uptime_ms == 921964804);
    REQUIRE(dg.samples.size() == 1);
    const auto& c = std::get<CountersSample>(dg.samples[0].data);
    CHECK(c.sequence_number == 101239);
    CHECK(c.source == DataSource{0, 9});
    REQUIRE(c.records.size() == 2);
    CHECK(std::get<EthernetCounters>(c.records[0].data) == EthernetCounters{});
    const auto& g = std::get<GenericInterfaceCounters>(c.records[1].data);
    CHECK(g.if_index == 9);
    CHECK(g.if_type == 6);
    CHECK(g.if_speed == 100000000);
    CHECK(g.if_direction == 1);
    CHECK(g.if_status == 3);
    CHECK(g.in_octets == 79282473);
    CHECK(g.in_ucast_pkts == 329128);
    CHECK(g.in_broadcast_pkts == 1493);
    CHECK(g.out_octets == 764247430);
    CHECK(g.out_ucast_pkts == 9470970);
    CHECK(g.out_multicast_pkts == 780342);
    CHECK(g.out_broadcast_pkts == 877721);
    CHECK(g.promiscuous_mode == 1);
  }
  SECTION("counter_sample_v0_64a8afb.dump") {
    const auto wire = LoadRaw("counter_sample_v0_64a8afb.dump");
    REQUIRE(DecodeInto(wire, &dg).ok());
    CHECK(dg.sequence_number == 1081009);
    CHECK(dg.uptime_ms == 909584804);
    const auto& c = std::get<CountersSample>(dg.samples.at(0).data);
    CHECK(c.sequence_number == 100620);
    const auto& g = std::get<GenericInterfaceCounters>(c.records[1].data);
    CHECK(g.in_octets == 78383258);
    CHECK(g.out_octets == 762082212);
  }
  SECTION("host_sample.dump: host_cpu in its old 68-byte form") {
    const auto wire = LoadRaw("host_sample.dump");
    REQUIRE(DecodeInto(wire, &dg).ok());
    CHECK(dg.agent == Address::IPv4(192, 168, 1, 7));
    CHECK(dg.sub_agent_id == 100000);
    CHECK(dg.sequence_number == 23);
    CHECK(dg.uptime_ms == 23000);
    const auto& c = std::get<CountersSample>(dg.samples.at(0).data);
    CHECK(c.source == DataSource{2, 1});
    REQUIRE(c.records.size() == 6);
    std::vector<uint32_t> formats;
    for (const CounterRecord& r : c.records) formats.push_back(r.tag.format);
    CHECK(formats == std::vector<uint32_t>{2001, 2005, 2004, 2003, 2006, 2000});
    for (const CounterRecord& r : c.records) CHECK(r.trailing.empty());

    const auto& cpu = std::get<HostCpu>(c.records[3].data);
    CHECK(cpu.load_one == Approx(0.47f));
    CHECK(cpu.load_five == Approx(0.58f));
    CHECK(cpu.load_fifteen == Approx(0.50f));
    CHECK(cpu.proc_run == 2);
    CHECK(cpu.proc_total == 511);
    CHECK(cpu.cpu_num == 4);
    CHECK(cpu.cpu_speed_mhz == 1200);
    CHECK(cpu.uptime_s == 103412);
    CHECK(cpu.cpu_user == 5240030);
    CHECK(cpu.cpu_idle == 145795710);
    CHECK(cpu.interrupts == 19770787);
    CHECK(cpu.contexts == 87991375);
    CHECK_FALSE(cpu.cpu_steal.present);
    CHECK_FALSE(cpu.cpu_guest.present);
    CHECK_FALSE(cpu.cpu_guest_nice.present);

    const auto& disk = std::get<HostDiskIo>(c.records[1].data);
    CHECK(disk.disk_total == 488129277952);
    CHECK(disk.disk_free == 450023897088);
    CHECK(disk.reads == 249289);
    CHECK(disk.bytes_written == 23503597568);
    CHECK(disk.write_time == 75425312);
    const auto& mem = std::get<HostMemory>(c.records[2].data);
    CHECK(mem.mem_total == 3855892480);
    CHECK(mem.swap_free == 4001337344);
    CHECK(mem.swap_out == 6);
    const auto& net = std::get<HostNetIo>(c.records[4].data);
    CHECK(net.bytes_in == 14867);
    CHECK(net.pkts_out == 32);
    const auto& descr = std::get<HostDescr>(c.records[5].data);
    CHECK(descr.hostname == "fractal");
    CHECK(descr.os_release == "3.13.0-29-generic");
  }
  SECTION("flow_sample.dump") {
    const auto wire = LoadRaw("flow_sample.dump");
    REQUIRE(DecodeInto(wire, &dg).ok());
    CHECK(dg.sequence_number == 1260270);
    const auto& f = std::get<FlowSample>(dg.samples.at(0).data);
    CHECK(f.sequence_number == 4446);
    CHECK(f.source == DataSource{0, 4});
    CHECK(f.sampling_rate == 4096);
    CHECK(f.sample_pool == 18206720);
    CHECK(f.input == Interface{0, 4});
    CHECK(f.output == Interface{0, 1});
    REQUIRE(f.records.size() == 2);
    CHECK(HeaderOf(f.records[0]).header_protocol == 1);
    CHECK(HeaderOf(f.records[0]).frame_length == 318);
    CHECK(HeaderOf(f.records[0]).stripped == 4);
    CHECK(HeaderOf(f.records[0]).header.size() == 128);
    const auto& sw = std::get<ExtendedSwitch>(f.records[1].data);
    CHECK(sw == ExtendedSwitch{16, 0, 16, 0});
  }
  SECTION("flow_sample_3.dump") {
    const auto wire = LoadRaw("flow_sample_3.dump");
    REQUIRE(DecodeInto(wire, &dg).ok());
    REQUIRE(dg.samples.size() == 3);
    std::vector<size_t> header_sizes, frames;
    for (const Sample& s : dg.samples) {
      const auto& f = std::get<FlowSample>(s.data);
      CHECK(f.sampling_rate == 512);
      REQUIRE(!f.records.empty());
      header_sizes.push_back(HeaderOf(f.records[0]).header.size());
      frames.push_back(HeaderOf(f.records[0]).frame_length);
    }
    CHECK(header_sizes == std::vector<size_t>{66, 512, 512});
    CHECK(frames == std::vector<size_t>{70, 558, 1518});
  }
  SECTION("flow_samples_2.dump holds two datagrams of 352 and 244 bytes") {
    const auto wire = LoadRaw("flow_samples_2.dump");
    REQUIRE(wire.size() == 352 + 244);
    // Decoded whole, the second datagram looks like padding after the first.
    REQUIRE(DecodeInto(wire, &dg).ok());
    CHECK(dg.trailing.size() == 244);
    const std::span<const uint8_t> first = std::span(wire).first(352);
    const std::span<const uint8_t> second = std::span(wire).subspan(352);
    REQUIRE(DecodeInto(first, &dg).ok());
    CHECK(dg.trailing.empty());
    CHECK(dg.sequence_number == 6234811);
    CHECK(dg.samples.size() == 2);
    REQUIRE(DecodeInto(second, &dg).ok());
    CHECK(dg.trailing.empty());
    CHECK(dg.sequence_number == 6234812);
    CHECK(dg.samples.size() == 1);
  }
  SECTION("event_discarded_packet.dump") {
    const auto wire = LoadRaw("event_discarded_packet.dump");
    REQUIRE(DecodeInto(wire, &dg).ok());
    CHECK(dg.agent == Address::IPv4(10, 30, 1, 254));
    CHECK(dg.sequence_number == 19263);
    const auto& d = std::get<DiscardedPacketSample>(dg.samples.at(0).data);
    CHECK(d.sequence_number == 17145);
    CHECK(d.source == DataSource{0, 2});
    CHECK(d.drops == 1799);
    CHECK(d.input == 2);
    CHECK(d.output == 0);
    CHECK(d.reason == 289);
    REQUIRE(d.records.size() == 3);
    CHECK(std::holds_alternative<ExtendedLinuxDropReason>(d.records[0].data));
    CHECK(std::holds_alternative<ExtendedFunction>(d.records[1].data));
    CHECK(HeaderOf(d.records[2]).frame_length == 56);
    CHECK(HeaderOf(d.records[2]).header.size() == 56);
  }
}

// The raw datagrams, split: each must decode, re-encode exactly, and survive truncation.
std::vector<std::vector<uint8_t>> RawDatagrams() {
  std::vector<std::vector<uint8_t>> out;
  for (const char* name :
       {"counter_sample.dump", "counter_sample_v0_64a8afb.dump", "event_discarded_packet.dump",
        "flow_sample.dump", "flow_sample_3.dump", "host_sample.dump"}) {
    out.push_back(LoadRaw(name));
  }
  const std::vector<uint8_t> two = LoadRaw("flow_samples_2.dump");
  REQUIRE(two.size() == 596);
  out.emplace_back(two.begin(), two.begin() + 352);
  out.emplace_back(two.begin() + 352, two.end());
  return out;
}

TEST_CASE("capture: raw dumps re-encode exactly and every prefix fails cleanly",
          "[sflow][capture]") {
  if (!fs::is_directory(RawDir())) {
    WARN("raw sFlow dumps not found at " << RawDir().string() << ": skipped");
    return;
  }
  const auto datagrams = RawDatagrams();
  std::vector<std::string> inexact;
  const Totals totals = DecodeAll(datagrams, &inexact);
  INFO(inexact.size() << " datagrams re-encode inexactly:\n" << Lines(inexact));
  CHECK(inexact.empty());
  CHECK(totals.ok == datagrams.size());
  CHECK(totals.samples == Counts{{"0:1", 7}, {"0:2", 3}, {"0:5", 1}});
  for (size_t i = 0; i < datagrams.size(); ++i) {
    INFO("raw datagram " << i);
    const std::vector<uint8_t>& wire = datagrams[i];
    Datagram dg;
    for (size_t n = 0; n < wire.size(); ++n) {
      const std::vector<uint8_t> prefix(wire.begin(),
                                        wire.begin() + static_cast<std::ptrdiff_t>(n));
      const absl::Status s = DecodeInto(prefix, &dg);
      if (s.ok()) FAIL("prefix of " << n << " bytes decoded");
    }
  }
}

TEST_CASE("capture: a Datagram reused across every capture decodes as a fresh one",
          "[sflow][capture]") {
  if (!CapturesPresent()) return;
  std::vector<std::vector<uint8_t>> all;
  for (const fs::path& file : SflowPcaps()) {
    for (auto& p : LoadPcap(file)) all.push_back(std::move(p));
  }
  if (fs::is_directory(RawDir())) {
    for (auto& p : RawDatagrams()) all.push_back(std::move(p));
  }
  // Big and small, valid and not, interleaved: forwards, then backwards.
  Datagram reused;
  size_t compared = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t k = 0; k < all.size(); ++k) {
      const std::vector<uint8_t>& wire = all[pass == 0 ? k : all.size() - 1 - k];
      const absl::Status s = DecodeInto(wire, &reused);
      absl::StatusOr<Datagram> fresh = Decode(wire);
      if (s.ok() != fresh.ok()) FAIL("datagram " << k << ": " << StatusString(s));
      if (!s.ok()) {
        CHECK(s == fresh.status());
        continue;
      }
      if (!(reused == *fresh)) FAIL("datagram " << k << " differs when decoded into a reused one");
      ++compared;
    }
  }
  CHECK(compared > 3000);
}

}  // namespace
}  // namespace cistern::sflow
