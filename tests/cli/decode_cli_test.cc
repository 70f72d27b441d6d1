// End-to-end tests of the cistern-cli binary: generate a capture and decode it, as JSON and as
// sflowtool's -l lines (--format=csv), and decode live datagrams sent to a socket it listens on
// (127.0.0.1, started and stopped by this test by PID).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cistern/sflow/codec.h"
#include "json_test_support.h"
#include "run_cli.h"

namespace {

using cistern::testing::Run;
using cistern::testing::RunCli;

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_CASE("cistern-cli: generate, then decode the capture") {
  const std::string pcap = std::string(CISTERN_TEST_TMPDIR) + "/decode_cli_test.pcap";
  Run gen = RunCli({"generate", "-w", pcap, "--datagrams", "60", "--seed", "7"});
  REQUIRE(gen.exit_code == 0);
  Run dec = RunCli({"decode", "-r", pcap});
  REQUIRE(dec.exit_code == 0);
  const auto lines = Lines(dec.out);
  REQUIRE(lines.size() == 60);
  for (const std::string& line : lines) {
    std::string error;
    auto json = cistern::testing::ParseJson(line, &error);
    REQUIRE(json.has_value());
    CHECK(json->Find("error") == nullptr);
    CHECK(json->Find("datagramVersion")->text == "5");
  }
  CHECK_THAT(dec.err, Catch::Contains("60 datagrams"));
  CHECK_THAT(dec.err, Catch::Contains("0 malformed"));
  // --count stops early.
  Run two = RunCli({"decode", "-r", pcap, "--count", "2"});
  CHECK(Lines(two.out).size() == 2);
}

TEST_CASE("cistern-cli: decode --listen decodes live datagrams") {
  using namespace cistern::sflow;
  Datagram dg;
  dg.agent = Address::IPv4(192, 0, 2, 77);
  dg.sequence_number = 4242;
  std::vector<uint8_t> bytes;
  REQUIRE(Encode(dg, &bytes).ok());

  Run run = RunCli({"decode", "--listen", "127.0.0.1:0", "--count", "2"},
                   [&](pid_t, const std::function<std::string()>& err) {
                     // The CLI says which port it bound: "... (UDP port N)".
                     uint16_t port = 0;
                     for (int i = 0; i < 2000 && port == 0; ++i) {
                       std::string e = err();
                       size_t at = e.find("(UDP port ");
                       if (at != std::string::npos)
                         port = static_cast<uint16_t>(std::stoi(e.substr(at + 10)));
                       std::this_thread::sleep_for(std::chrono::milliseconds(5));
                     }
                     REQUIRE(port != 0);
                     int fd = socket(AF_INET, SOCK_DGRAM, 0);
                     sockaddr_in to{};
                     to.sin_family = AF_INET;
                     to.sin_port = htons(port);
                     to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                     for (int i = 0; i < 2; ++i) {
                       sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to),
                              sizeof to);
                     }
                     close(fd);
                   });
  REQUIRE(run.exit_code == 0);
  const auto lines = Lines(run.out);
  REQUIRE(lines.size() == 2);
  auto json = cistern::testing::ParseJson(lines[0]);
  REQUIRE(json.has_value());
  CHECK(json->Find("agent")->text == "192.0.2.77");
  CHECK(json->Find("packetSequenceNo")->text == "4242");
  CHECK(json->Find("datagramSourceIP")->text == "127.0.0.1");
}

size_t Count(const std::string& s, char c) { return std::count(s.begin(), s.end(), c); }

TEST_CASE("cistern-cli: decode --format=csv prints sflowtool's -l lines") {
  const std::string pcap = std::string(CISTERN_TEST_TMPDIR) + "/decode_cli_csv_test.pcap";
  Run gen = RunCli({"generate", "-w", pcap, "--datagrams", "20", "--seed", "11"});
  REQUIRE(gen.exit_code == 0);
  Run dec = RunCli({"decode", "-r", pcap, "--format=csv"});
  REQUIRE(dec.exit_code == 0);
  const auto lines = Lines(dec.out);
  REQUIRE_FALSE(lines.empty());
  for (const std::string& line : lines) {
    INFO(line);
    if (line.rfind("FLOW,", 0) == 0) {
      CHECK(Count(line, ',') == 19);  // FLOW, agent, then 18 fields
    } else {
      REQUIRE(line.rfind("CNTR,", 0) == 0);
      CHECK(Count(line, ',') == 20);  // CNTR, agent, then 19 counters
    }
  }
  CHECK_THAT(dec.err, Catch::Contains("20 datagrams"));

  // Byte for byte sflowtool's output on a shared capture, when ../shared is there (every capture
  // is compared in sflowtool_lines_test; this checks the command's own output path).
  const std::filesystem::path shared = CISTERN_SHARED_DIR "/captures/sflow/akvorado_data-1140";
  if (std::filesystem::exists(shared.string() + ".pcap")) {
    Run ref = RunCli({"decode", "--format", "csv", "-r", shared.string() + ".pcap"});
    REQUIRE(ref.exit_code == 0);
    std::ifstream in(shared.string() + ".sflowtool-l.txt", std::ios::binary);
    std::stringstream theirs;
    theirs << in.rdbuf();
    CHECK(ref.out == theirs.str());
  } else {
    WARN("skipped the sflowtool comparison: " << shared.string() << ".pcap is absent");
  }

  Run bad = RunCli({"decode", "-r", pcap, "--format=xml"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("--format is json or csv"));
}

}  // namespace
