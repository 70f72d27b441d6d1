#include "udp_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#ifndef CISTERN_SHARED_DIR
#define CISTERN_SHARED_DIR "/work/shared"
#endif

namespace cistern::cli {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint16_t kPort = 6343;

// ---------------------------------------------------------------------------
// Frame builders (network byte order).

void Put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void Put32(Bytes& b, uint32_t v) {
  Put16(b, static_cast<uint16_t>(v >> 16));
  Put16(b, static_cast<uint16_t>(v));
}
void PutLe32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
Bytes Cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
Bytes Text(std::string_view s) { return Bytes(s.begin(), s.end()); }
std::string AsString(std::span<const uint8_t> s) {
  return std::string(s.begin(), s.end());
}

Bytes Udp(uint16_t src_port, uint16_t dst_port, const Bytes& payload,
          std::optional<uint16_t> length = std::nullopt) {
  Bytes b;
  Put16(b, src_port);
  Put16(b, dst_port);
  Put16(b, length.value_or(static_cast<uint16_t>(8 + payload.size())));
  Put16(b, 0);  // checksum
  return Cat(b, payload);
}

struct Ipv4Options {
  uint8_t protocol = 17;
  uint16_t flags_offset = 0;
  std::optional<uint16_t> total_length;
  int option_words = 0;  // IHL = 5 + option_words
};
Ipv4Options Protocol(uint8_t protocol) {
  Ipv4Options o;
  o.protocol = protocol;
  return o;
}
Ipv4Options FlagsOffset(uint16_t flags_offset) {
  Ipv4Options o;
  o.flags_offset = flags_offset;
  return o;
}
Ipv4Options TotalLength(uint16_t total_length) {
  Ipv4Options o;
  o.total_length = total_length;
  return o;
}
Ipv4Options OptionWords(int words) {
  Ipv4Options o;
  o.option_words = words;
  return o;
}
Bytes Ipv4(const Bytes& payload, Ipv4Options o = {}) {
  Bytes b;
  b.push_back(static_cast<uint8_t>(0x40 | (5 + o.option_words)));
  b.push_back(0);
  Put16(b, o.total_length.value_or(static_cast<uint16_t>(
               20 + 4 * o.option_words + payload.size())));
  Put16(b, 0x1234);  // id
  Put16(b, o.flags_offset);
  b.push_back(64);
  b.push_back(o.protocol);
  Put16(b, 0);                                                    // checksum
  b.insert(b.end(), {192, 0, 2, 7});                              // src
  b.insert(b.end(), {198, 51, 100, 1});                           // dst
  for (int i = 0; i < o.option_words; ++i) Put32(b, 0x01010101);  // NOPs
  return Cat(b, payload);
}

const Bytes kIpv6Src = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                        0,    0,    0,    0,    0, 0, 0, 0x42};

// `payload` starts with any extension headers; `next_header` names the first.
Bytes Ipv6(uint8_t next_header, const Bytes& payload) {
  Bytes b = {0x60, 0, 0, 0};
  Put16(b, static_cast<uint16_t>(payload.size()));
  b.push_back(next_header);
  b.push_back(64);
  b.insert(b.end(), kIpv6Src.begin(), kIpv6Src.end());
  for (int i = 0; i < 15; ++i) b.push_back(0);
  b.push_back(1);  // dst ::1
  return Cat(b, payload);
}
// 8-byte extension header (Hdr Ext Len 0) with PadN contents.
Bytes Ipv6Ext(uint8_t next_header) {
  return {next_header, 0, 1, 4, 0, 0, 0, 0};
}
Bytes Ipv6Fragment(uint8_t next_header, uint16_t offset_flags) {
  Bytes b = {next_header, 0};
  Put16(b, offset_flags);
  Put32(b, 0xabcdef01);
  return b;
}

Bytes Ethernet(uint16_t ether_type, const Bytes& payload,
               const std::vector<uint16_t>& tags = {}) {
  Bytes b = {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10};
  for (uint16_t tpid : tags) {
    Put16(b, tpid);
    Put16(b, 100);  // TCI: VLAN 100
  }
  Put16(b, ether_type);
  return Cat(b, payload);
}
Bytes Sll(uint16_t protocol, const Bytes& payload) {
  Bytes b;
  Put16(b, 0);  // packet type: to us
  Put16(b, 1);  // ARPHRD_ETHER
  Put16(b, 6);  // address length
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(i));
  Put16(b, protocol);
  return Cat(b, payload);
}
Bytes Sll2(uint16_t protocol, const Bytes& payload) {
  Bytes b;
  Put16(b, protocol);
  Put16(b, 0);     // reserved
  Put32(b, 2);     // interface index
  Put16(b, 1);     // ARPHRD_ETHER
  b.push_back(0);  // packet type
  b.push_back(6);  // address length
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(i));
  return Cat(b, payload);
}

Bytes UdpV4(uint16_t src_port, uint16_t dst_port, std::string_view payload) {
  return Ipv4(Udp(src_port, dst_port, Text(payload)));
}
Bytes UdpV6(uint16_t src_port, uint16_t dst_port, std::string_view payload) {
  return Ipv6(17, Udp(src_port, dst_port, Text(payload)));
}

// ---------------------------------------------------------------------------
// Capture files.

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("cistern_udp_source_test." + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string File(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

TempDir& Temp() {
  static TempDir dir;
  return dir;
}

struct Frame {
  Bytes data;
  uint32_t wire_length = 0;  // 0: data.size()
};

int64_t TimestampUs(size_t index) {
  return int64_t{1700000000} * 1000000 + 250000 + int64_t(index) * 1000;
}

std::string WritePcap(const std::string& name, int dlt,
                      const std::vector<Frame>& frames) {
  const std::string path = Temp().File(name);
  pcap_t* dead = pcap_open_dead(dlt, 65535);
  REQUIRE(dead != nullptr);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  REQUIRE(dumper != nullptr);
  for (size_t i = 0; i < frames.size(); ++i) {
    pcap_pkthdr header{};
    header.ts.tv_sec = TimestampUs(i) / 1000000;
    header.ts.tv_usec = TimestampUs(i) % 1000000;
    header.caplen = static_cast<bpf_u_int32>(frames[i].data.size());
    header.len =
        frames[i].wire_length != 0 ? frames[i].wire_length : header.caplen;
    pcap_dump(reinterpret_cast<u_char*>(dumper), &header,
              frames[i].data.data());
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
  return path;
}

std::string WriteBytes(const std::string& name, const Bytes& bytes) {
  const std::string path = Temp().File(name);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  return path;
}

std::unique_ptr<CaptureReader> OpenOrDie(const std::string& path,
                                         uint16_t port) {
  absl::StatusOr<std::unique_ptr<CaptureReader>> reader =
      CaptureReader::Open(path, port);
  INFO(reader.status().ToString());
  REQUIRE(reader.ok());
  return *std::move(reader);
}

struct Collected {
  std::string payload;
  UdpDatagram datagram;
};

// Reads to end of file; payloads are copied because spans die on Next().
std::vector<Collected> ReadAll(CaptureReader& reader) {
  std::vector<Collected> out;
  while (true) {
    absl::StatusOr<std::optional<UdpDatagram>> next = reader.Next();
    INFO(next.status().ToString());
    REQUIRE(next.ok());
    if (!next->has_value()) return out;
    out.push_back({AsString((*next)->payload), **next});
  }
}

std::array<uint8_t, 16> V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return {a, b, c, d};
}
std::array<uint8_t, 16> V6Src() {
  std::array<uint8_t, 16> a{};
  std::copy(kIpv6Src.begin(), kIpv6Src.end(), a.begin());
  return a;
}

// ---------------------------------------------------------------------------

TEST_CASE("Ethernet capture: VLANs, IPv4, IPv6, skips and counters",
          "[udp_source]") {
  // Ethernet-padded frame: IP total length ends before the padding.
  Bytes padded = Ethernet(0x0800, UdpV4(40000, kPort, "pad"));
  padded.resize(60, 0xEE);
  // UDP length claims 100 payload bytes; only 10 captured (snaplen cut).
  const Bytes snapped = Ethernet(
      0x0800,
      Ipv4(Udp(40000, kPort, Text("0123456789"), 108), TotalLength(128)));
  // UDP length lies beyond the IP total length; padding must not leak in.
  Bytes lying = Ethernet(0x0800, Ipv4(Udp(40000, kPort, Text("abcd"), 18)));
  lying.resize(80, 0xEE);

  const std::vector<Frame> frames = {
      {Ethernet(0x0800, UdpV4(40000, kPort, "one"), {0x8100})},
      {Ethernet(0x0800, UdpV4(kPort, 9999, "two"), {0x88A8, 0x8100})},
      {Ethernet(0x86DD,
                Ipv6(0, Cat(Ipv6Ext(60),
                            Cat(Ipv6Ext(17), Udp(40001, kPort, Text("v6"))))))},
      {Ethernet(0x0800, Ipv4(Text("tcp segment.."), Protocol(6)))},
      {Ethernet(0x0806, Bytes(28, 0))},            // ARP
      {Ethernet(0x0800, UdpV4(5353, 53, "dns"))},  // other port
      {snapped, 14 + 128},                         // truncated
      {Ethernet(0x0800, Ipv4(Udp(40000, kPort, Text("frag0")),
                             FlagsOffset(0x2000)))},  // MF, first
      {Ethernet(0x0800, Ipv4(Text("later fragment"),
                             FlagsOffset(0x00B9)))},  // offset 185
      {Ethernet(0x86DD, Ipv6(44, Cat(Ipv6Fragment(17, 0x0001),
                                     Udp(40000, kPort, Text("f6")))))},
      {Ethernet(0x0800, Bytes{0x44, 0, 0, 20})},  // short IPv4
      {Bytes{1, 2, 3, 4, 5}},                     // short frame
      {padded},
      {lying},
      {Ethernet(0x0800, Ipv4(Udp(40000, kPort, Text("opts")), OptionWords(2)))},
      {Ethernet(0x0800, UdpV4(40000, kPort, "deep"),
                {0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100,
                 0x88A8})},  // 8 tags: ok
      {Ethernet(0x0800, UdpV4(40000, kPort, "too deep"),
                std::vector<uint16_t>(9, 0x8100))},  // 9: malformed
  };
  const std::string path = WritePcap("ethernet.pcap", DLT_EN10MB, frames);
  std::unique_ptr<CaptureReader> reader = OpenOrDie(path, kPort);
  CHECK(reader->link_type() == DLT_EN10MB);
  const std::vector<Collected> got = ReadAll(*reader);

  REQUIRE(got.size() == 8);
  CHECK(got[0].payload == "one");
  CHECK(got[0].datagram.timestamp_us == TimestampUs(0));
  CHECK_FALSE(got[0].datagram.is_ipv6);
  CHECK(got[0].datagram.src_addr == V4(192, 0, 2, 7));
  CHECK(got[0].datagram.src_port == 40000);
  CHECK(got[0].datagram.dst_port == kPort);
  CHECK(got[1].payload == "two");
  CHECK(got[1].datagram.src_port == kPort);
  CHECK(got[1].datagram.dst_port == 9999);
  CHECK(got[2].payload == "v6");
  CHECK(got[2].datagram.is_ipv6);
  CHECK(got[2].datagram.src_addr == V6Src());
  CHECK(got[2].datagram.timestamp_us == TimestampUs(2));
  CHECK(got[3].payload == "0123456789");
  CHECK(got[3].datagram.timestamp_us == TimestampUs(6));
  CHECK(got[4].payload == "pad");
  CHECK(got[5].payload == "abcd");
  CHECK(got[6].payload == "opts");
  CHECK(got[7].payload == "deep");

  const UdpSourceStats& s = reader->stats();
  CHECK(s.frames == frames.size());
  CHECK(s.matched == 8);
  CHECK(s.skipped_not_udp == 2);
  CHECK(s.skipped_other_port == 1);
  CHECK(s.truncated == 2);  // snapped + lying
  CHECK(s.fragments == 3);
  CHECK(s.malformed == 3);
  CHECK(s.frames == s.matched + s.skipped_not_udp + s.skipped_other_port +
                        s.fragments + s.malformed);

  // End of file is sticky.
  absl::StatusOr<std::optional<UdpDatagram>> again = reader->Next();
  REQUIRE(again.ok());
  CHECK_FALSE(again->has_value());
}

TEST_CASE("Port 0 matches every UDP datagram", "[udp_source]") {
  const std::string path =
      WritePcap("anyport.pcap", DLT_EN10MB,
                {{Ethernet(0x0800, UdpV4(1, 2, "a"))},
                 {Ethernet(0x0800, UdpV4(5353, 53, "b"))}});
  std::unique_ptr<CaptureReader> reader = OpenOrDie(path, 0);
  CHECK(ReadAll(*reader).size() == 2);
}

TEST_CASE("Raw IP, DLT_IPV4 and DLT_IPV6 captures", "[udp_source]") {
  {
    const std::string path = WritePcap("raw.pcap", DLT_RAW,
                                       {{UdpV4(1, kPort, "raw4")},
                                        {UdpV6(1, kPort, "raw6")},
                                        {Bytes{0x50, 0, 0, 0}},  // version 5
                                        {Bytes{}}});
    std::unique_ptr<CaptureReader> reader = OpenOrDie(path, kPort);
    const std::vector<Collected> got = ReadAll(*reader);
    REQUIRE(got.size() == 2);
    CHECK(got[0].payload == "raw4");
    CHECK(got[1].payload == "raw6");
    CHECK(got[1].datagram.is_ipv6);
    CHECK(reader->stats().malformed == 2);
  }
  {
    const std::string path =
        WritePcap("ipv4.pcap", DLT_IPV4,
                  {{UdpV4(1, kPort, "4")}, {UdpV6(1, kPort, "x")}});
    std::unique_ptr<CaptureReader> reader = OpenOrDie(path, kPort);
    const std::vector<Collected> got = ReadAll(*reader);
    REQUIRE(got.size() == 1);
    CHECK(got[0].payload == "4");
    CHECK(reader->stats().malformed == 1);
  }
  {
    const std::string path =
        WritePcap("ipv6.pcap", DLT_IPV6,
                  {{UdpV6(1, kPort, "6")}, {UdpV4(1, kPort, "x")}});
    std::unique_ptr<CaptureReader> reader = OpenOrDie(path, kPort);
    const std::vector<Collected> got = ReadAll(*reader);
    REQUIRE(got.size() == 1);
    CHECK(got[0].payload == "6");
    CHECK(reader->stats().malformed == 1);
  }
}

TEST_CASE("Linux cooked captures (SLL and SLL2)", "[udp_source]") {
  {
    const std::string path = WritePcap(
        "sll.pcap", DLT_LINUX_SLL,
        {{Sll(0x0800, UdpV4(1, kPort, "sll4"))},
         {Sll(0x86DD, UdpV6(1, kPort, "sll6"))},
         {Sll(0x8100,
              Cat(Bytes{0, 100, 0x08, 0x00}, UdpV4(1, kPort, "sllvlan")))},
         {Sll(0x0806, Bytes(28, 0))}});
    std::unique_ptr<CaptureReader> reader = OpenOrDie(path, kPort);
    const std::vector<Collected> got = ReadAll(*reader);
    REQUIRE(got.size() == 3);
    CHECK(got[0].payload == "sll4");
    CHECK(got[1].payload == "sll6");
    CHECK(got[2].payload == "sllvlan");
    CHECK(reader->stats().skipped_not_udp == 1);
  }
  {
    const std::string path =
        WritePcap("sll2.pcap", DLT_LINUX_SLL2,
                  {{Sll2(0x0800, UdpV4(1, kPort, "sll2v4"))},
                   {Sll2(0x86DD, UdpV6(1, kPort, "sll2v6"))}});
    std::unique_ptr<CaptureReader> reader = OpenOrDie(path, kPort);
    const std::vector<Collected> got = ReadAll(*reader);
    REQUIRE(got.size() == 2);
    CHECK(got[0].payload == "sll2v4");
    CHECK(got[1].payload == "sll2v6");
  }
}

TEST_CASE("BSD loopback (DLT_NULL, DLT_LOOP) in either byte order",
          "[udp_source]") {
  auto null_frame = [](uint32_t family, bool little_endian, const Bytes& ip) {
    Bytes b;
    if (little_endian) {
      PutLe32(b, family);
    } else {
      Put32(b, family);
    }
    return Frame{Cat(b, ip)};
  };
  for (int dlt : {DLT_NULL, DLT_LOOP}) {
    const std::string path =
        WritePcap("null" + std::to_string(dlt) + ".pcap", dlt,
                  {null_frame(2, true, UdpV4(1, kPort, "le4")),
                   null_frame(2, false, UdpV4(1, kPort, "be4")),
                   null_frame(24, true, UdpV6(1, kPort, "netbsd6")),
                   null_frame(28, false, UdpV6(1, kPort, "freebsd6")),
                   null_frame(30, true, UdpV6(1, kPort, "darwin6")),
                   null_frame(7, true, UdpV4(1, kPort, "unknown af"))});
    std::unique_ptr<CaptureReader> reader = OpenOrDie(path, kPort);
    const std::vector<Collected> got = ReadAll(*reader);
    REQUIRE(got.size() == 5);
    CHECK(got[0].payload == "le4");
    CHECK(got[1].payload == "be4");
    CHECK(got[2].payload == "netbsd6");
    CHECK(got[3].payload == "freebsd6");
    CHECK(got[4].payload == "darwin6");
    CHECK(got[4].datagram.is_ipv6);
    CHECK(reader->stats().skipped_not_udp == 1);
  }
}

// Minimal little-endian pcapng: SHB, IDB (Ethernet), one EPB per frame.
Bytes PcapNg(const std::vector<Bytes>& frames) {
  Bytes b;
  auto block = [&b](uint32_t type, const Bytes& body) {
    const uint32_t total = static_cast<uint32_t>(12 + body.size());
    PutLe32(b, type);
    PutLe32(b, total);
    b.insert(b.end(), body.begin(), body.end());
    PutLe32(b, total);
  };
  Bytes shb;
  PutLe32(shb, 0x1A2B3C4D);             // byte-order magic
  shb.insert(shb.end(), {1, 0, 0, 0});  // version 1.0
  shb.insert(shb.end(), 8, 0xFF);       // section length -1
  block(0x0A0D0D0A, shb);
  Bytes idb;
  idb.insert(idb.end(), {1, 0, 0, 0});  // LINKTYPE_ETHERNET, reserved
  PutLe32(idb, 65535);                  // snaplen
  block(0x00000001, idb);
  uint64_t ts = uint64_t(TimestampUs(0));  // default resolution: us
  for (const Bytes& frame : frames) {
    Bytes epb;
    PutLe32(epb, 0);  // interface 0
    PutLe32(epb, static_cast<uint32_t>(ts >> 32));
    PutLe32(epb, static_cast<uint32_t>(ts));
    PutLe32(epb, static_cast<uint32_t>(frame.size()));
    PutLe32(epb, static_cast<uint32_t>(frame.size()));
    epb.insert(epb.end(), frame.begin(), frame.end());
    while (epb.size() % 4 != 0) epb.push_back(0);
    block(0x00000006, epb);
    ts += 1000;
  }
  return b;
}

TEST_CASE("pcapng files are read too", "[udp_source]") {
  const std::string path = WriteBytes(
      "frames.pcapng", PcapNg({Ethernet(0x0800, UdpV4(1, kPort, "ng1")),
                               Ethernet(0x86DD, UdpV6(1, kPort, "ng2"))}));
  std::unique_ptr<CaptureReader> reader = OpenOrDie(path, kPort);
  const std::vector<Collected> got = ReadAll(*reader);
  REQUIRE(got.size() == 2);
  CHECK(got[0].payload == "ng1");
  CHECK(got[0].datagram.timestamp_us == TimestampUs(0));
  CHECK(got[1].payload == "ng2");
  CHECK(got[1].datagram.timestamp_us == TimestampUs(1));
}

TEST_CASE("Open and read errors are statuses", "[udp_source]") {
  SECTION("missing file") {
    const std::string path = Temp().File("does-not-exist.pcap");
    absl::StatusOr<std::unique_ptr<CaptureReader>> r =
        CaptureReader::Open(path, kPort);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == absl::StatusCode::kNotFound);
    CHECK(std::string(r.status().message())
              .rfind("pcap: cannot open " + path + ": ", 0) == 0);
  }
  SECTION("not a capture") {
    const std::string path =
        WriteBytes("garbage.pcap", Text("this is not a capture file at all"));
    absl::StatusOr<std::unique_ptr<CaptureReader>> r =
        CaptureReader::Open(path, kPort);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(r.status().message())
              .rfind("pcap: cannot open " + path + ": ", 0) == 0);
  }
  SECTION("empty file") {
    const std::string path = WriteBytes("empty.pcap", {});
    CHECK(CaptureReader::Open(path, kPort).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  SECTION("unsupported link type") {
    const std::string path = WritePcap("wifi.pcap", DLT_IEEE802_11, {});
    absl::StatusOr<std::unique_ptr<CaptureReader>> r =
        CaptureReader::Open(path, kPort);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == absl::StatusCode::kUnimplemented);
    CHECK_THAT(std::string(r.status().message()),
               Catch::Contains("unsupported link type 105"));
  }
  SECTION("file cut mid-record") {
    const std::string full =
        WritePcap("whole.pcap", DLT_EN10MB,
                  {{Ethernet(0x0800, UdpV4(1, kPort, "first"))},
                   {Ethernet(0x0800, UdpV4(1, kPort, "second, cut short"))}});
    std::ifstream in(full, std::ios::binary);
    Bytes bytes((std::istreambuf_iterator<char>(in)),
                std::istreambuf_iterator<char>());
    bytes.resize(bytes.size() - 10);
    const std::string path = WriteBytes("cut.pcap", bytes);
    std::unique_ptr<CaptureReader> reader = OpenOrDie(path, kPort);
    absl::StatusOr<std::optional<UdpDatagram>> first = reader->Next();
    REQUIRE(first.ok());
    REQUIRE(first->has_value());
    CHECK(AsString((*first)->payload) == "first");
    absl::StatusOr<std::optional<UdpDatagram>> second = reader->Next();
    REQUIRE_FALSE(second.ok());
    CHECK(second.status().code() == absl::StatusCode::kDataLoss);
    CHECK_THAT(std::string(second.status().message()),
               Catch::StartsWith("pcap: " + path + ": cannot read frame 2: "));
  }
}

// Every prefix of every frame, and random corruption: decoding never reads
// outside the frame and payloads always lie inside it.
TEST_CASE("DecodeUdpFrame survives truncation and corruption", "[udp_source]") {
  const std::vector<std::pair<int, Bytes>> seeds = {
      {DLT_EN10MB, Ethernet(0x0800, UdpV4(1, kPort, "payload"), {0x8100})},
      {DLT_EN10MB,
       Ethernet(0x86DD,
                Ipv6(0, Cat(Ipv6Ext(43),
                            Cat(Ipv6Ext(17), Udp(1, kPort, Text("v6 ext"))))))},
      {DLT_EN10MB,
       Ethernet(0x86DD, Ipv6(51, Cat(Bytes{17, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                                     Udp(1, kPort, Text("ah")))))},
      {DLT_RAW, UdpV4(1, kPort, "raw")},
      {DLT_LINUX_SLL, Sll(0x86DD, UdpV6(1, kPort, "sll"))},
      {DLT_LINUX_SLL2, Sll2(0x0800, UdpV4(1, kPort, "sll2"))},
      {DLT_NULL, Cat(Bytes{2, 0, 0, 0}, UdpV4(1, kPort, "null"))},
  };
  auto check_bounds = [](const Bytes& frame, const FrameResult& r,
                         const UdpDatagram& d) {
    CHECK(r.offset <= frame.size());
    if (r.verdict == FrameVerdict::kUdp) {
      const uint8_t* begin = frame.data();
      const uint8_t* end = frame.data() + frame.size();
      CHECK(d.payload.data() >= begin);
      CHECK(d.payload.data() + d.payload.size() <= end);
    }
  };
  for (const auto& [dlt, frame] : seeds) {
    UdpDatagram full;
    const FrameResult whole = DecodeUdpFrame(dlt, frame, kPort, &full);
    CHECK(whole.verdict == FrameVerdict::kUdp);
    CHECK_FALSE(whole.truncated);
    CHECK(whole.offset + full.payload.size() == frame.size());
    for (size_t n = 0; n < frame.size(); ++n) {
      // Copy so ASan sees the exact end of the prefix.
      const Bytes prefix(frame.begin(), frame.begin() + n);
      UdpDatagram d;
      const FrameResult r = DecodeUdpFrame(dlt, prefix, kPort, &d);
      check_bounds(prefix, r, d);
      if (r.verdict == FrameVerdict::kUdp) {
        CHECK(r.truncated);
        CHECK(d.payload.size() < full.payload.size());
      } else {
        CHECK(r.verdict == FrameVerdict::kMalformed);
      }
    }
  }
  std::mt19937 rng(12345);
  for (int i = 0; i < 50000; ++i) {
    const auto& [dlt, seed] = seeds[rng() % seeds.size()];
    Bytes frame = seed;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      frame[rng() % frame.size()] = static_cast<uint8_t>(rng());
    }
    frame.resize(rng() % (frame.size() + 1));
    UdpDatagram d;
    check_bounds(frame, DecodeUdpFrame(dlt, frame, 0, &d), d);
  }
  UdpDatagram d;
  CHECK(DecodeUdpFrame(DLT_IEEE802_11, Bytes(64, 0), 0, &d).verdict ==
        FrameVerdict::kUnsupportedLinkType);
}

TEST_CASE("Real capture: ndpi_sflow.pcap has 9 sFlow datagrams",
          "[udp_source]") {
  const std::string path =
      std::string(CISTERN_SHARED_DIR) + "/captures/sflow/ndpi_sflow.pcap";
  if (!std::filesystem::exists(path)) {
    WARN("skipped: fixture " << path << " not found");
    return;
  }
  std::unique_ptr<CaptureReader> reader = OpenOrDie(path, 6343);
  const std::vector<Collected> got = ReadAll(*reader);
  CHECK(got.size() == 9);
  CHECK(reader->stats().matched == 9);
  CHECK(reader->stats().truncated == 0);
  for (const Collected& c : got) {
    CHECK(c.datagram.dst_port == 6343);
    CHECK(c.datagram.src_addr == V4(172, 21, 35, 17));  // the agent's address
    REQUIRE(c.payload.size() >= 4);
    CHECK(c.payload.substr(0, 4) == std::string("\0\0\0\5", 4));  // sFlow v5
  }
}

// sflowtool -j prints one JSON line per datagram with "datagramSize"; our
// payload sizes must agree, datagram by datagram.
std::vector<size_t> SflowtoolDatagramSizes(const std::filesystem::path& json) {
  std::vector<size_t> sizes;
  std::ifstream in(json);
  const std::string key = "\"datagramSize\":\"";
  for (std::string line; std::getline(in, line);) {
    const size_t at = line.find(key);
    if (at == std::string::npos) continue;
    sizes.push_back(std::stoul(line.substr(at + key.size())));
  }
  return sizes;
}

TEST_CASE("Real captures: sFlow captures agree with sflowtool",
          "[udp_source]") {
  const std::filesystem::path dir =
      std::filesystem::path(CISTERN_SHARED_DIR) / "captures" / "sflow";
  if (!std::filesystem::exists(dir)) {
    WARN("skipped: fixture directory " << dir.string() << " not found");
    return;
  }
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".pcap") continue;
    std::filesystem::path json = entry.path();
    json.replace_extension(".sflowtool-j.txt");
    if (!std::filesystem::exists(json)) continue;
    ++files;
    INFO(entry.path().string());
    std::unique_ptr<CaptureReader> reader =
        OpenOrDie(entry.path().string(), 6343);
    std::vector<size_t> sizes;
    for (const Collected& c : ReadAll(*reader))
      sizes.push_back(c.payload.size());
    if (entry.path().filename() == "tcpdump_sflow_print-segv.pcap") {
      // Fuzzer find: the UDP length field says 16 while the IP datagram
      // carries 876 bytes. We honour the UDP length (as tcpdump does);
      // sflowtool takes every captured byte after the headers (872).
      CHECK(sizes == std::vector<size_t>{8});
      CHECK(SflowtoolDatagramSizes(json) == std::vector<size_t>{872});
    } else {
      CHECK(sizes == SflowtoolDatagramSizes(json));
    }
    CHECK(reader->stats().truncated == 0);
  }
  CHECK(files > 0);
}

// Every other shared capture (L2/L3 oddities, fuzzer finds, NetFlow, SNMP):
// reading may stop with an error status, but must never crash (run under
// ASan/UBSan).
TEST_CASE("Real captures: hostile and foreign captures never crash",
          "[udp_source]") {
  const std::filesystem::path dir =
      std::filesystem::path(CISTERN_SHARED_DIR) / "captures";
  if (!std::filesystem::exists(dir)) {
    WARN("skipped: fixture directory " << dir.string() << " not found");
    return;
  }
  int files = 0;
  int opened = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".pcap" && ext != ".pcapng") continue;
    ++files;
    absl::StatusOr<std::unique_ptr<CaptureReader>> reader =
        CaptureReader::Open(entry.path().string(), 0);
    if (!reader.ok()) {
      CHECK_THAT(std::string(reader.status().message()),
                 Catch::StartsWith("pcap: cannot open "));
      continue;
    }
    ++opened;
    while (true) {
      absl::StatusOr<std::optional<UdpDatagram>> next = (*reader)->Next();
      if (!next.ok() || !next->has_value()) break;
    }
    const UdpSourceStats& s = (*reader)->stats();
    CHECK(s.frames == s.matched + s.skipped_not_udp + s.skipped_other_port +
                          s.fragments + s.malformed);
  }
  CHECK(files > 0);
  CHECK(opened > 0);
}

// ---------------------------------------------------------------------------
// UdpListener

TEST_CASE("UdpListener receives a datagram on 127.0.0.1", "[udp_source]") {
  absl::StatusOr<std::unique_ptr<UdpListener>> listener =
      UdpListener::Bind("127.0.0.1:0");
  INFO(listener.status().ToString());
  REQUIRE(listener.ok());
  const uint16_t port = (*listener)->port();
  REQUIRE(port != 0);

  const int sender = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(sender >= 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string message = "hello sflow";
  REQUIRE(::sendto(sender, message.data(), message.size(), 0,
                   reinterpret_cast<const sockaddr*>(&to),
                   sizeof(to)) == static_cast<ssize_t>(message.size()));
  sockaddr_in from{};
  socklen_t from_length = sizeof(from);
  REQUIRE(::getsockname(sender, reinterpret_cast<sockaddr*>(&from),
                        &from_length) == 0);

  absl::StatusOr<UdpDatagram> d = (*listener)->Receive();
  ::close(sender);
  INFO(d.status().ToString());
  REQUIRE(d.ok());
  CHECK(AsString(d->payload) == message);
  CHECK_FALSE(d->is_ipv6);
  CHECK(d->src_addr == V4(127, 0, 0, 1));
  CHECK(d->src_port == ntohs(from.sin_port));
  CHECK(d->dst_port == port);
  CHECK(d->timestamp_us > TimestampUs(0));
}

TEST_CASE("UdpListener receives on [::1] when IPv6 is available",
          "[udp_source]") {
  absl::StatusOr<std::unique_ptr<UdpListener>> listener =
      UdpListener::Bind("[::1]:0");
  if (!listener.ok()) {
    WARN("skipped: cannot bind [::1]:0 here: " << listener.status().ToString());
    return;
  }
  const int sender = ::socket(AF_INET6, SOCK_DGRAM, 0);
  REQUIRE(sender >= 0);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_port = htons((*listener)->port());
  to.sin6_addr = in6addr_loopback;
  REQUIRE(::sendto(sender, "v6", 2, 0, reinterpret_cast<const sockaddr*>(&to),
                   sizeof(to)) == 2);
  absl::StatusOr<UdpDatagram> d = (*listener)->Receive();
  ::close(sender);
  REQUIRE(d.ok());
  CHECK(AsString(d->payload) == "v6");
  CHECK(d->is_ipv6);
  std::array<uint8_t, 16> loopback{};
  loopback[15] = 1;
  CHECK(d->src_addr == loopback);
}

TEST_CASE("UdpListener rejects malformed addresses", "[udp_source]") {
  for (const char* bad :
       {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:80x", "localhost:80", "::1:80", "[::1]80", "[::1:80",
        "[127.0.0.1]:80", "[fe80::1%no-such-if0]:80", "1.2.3:80"}) {
    INFO(bad);
    absl::StatusOr<std::unique_ptr<UdpListener>> r = UdpListener::Bind(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("UdpListener reports bind failures", "[udp_source]") {
  absl::StatusOr<std::unique_ptr<UdpListener>> first =
      UdpListener::Bind("127.0.0.1:0");
  REQUIRE(first.ok());
  absl::StatusOr<std::unique_ptr<UdpListener>> second =
      UdpListener::Bind("127.0.0.1:" + std::to_string((*first)->port()));
  REQUIRE_FALSE(second.ok());
  CHECK_THAT(std::string(second.status().message()),
             Catch::StartsWith("udp: cannot bind 127.0.0.1:"));
}

}  // namespace
}  // namespace cistern::cli
