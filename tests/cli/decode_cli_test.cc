// End-to-end tests of the cistern-cli binary: generate a capture and decode it, decode live
// datagrams sent to a socket it listens on (127.0.0.1, started and stopped by this test by PID),
// and refuse --format=csv until packet decoding exists.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cistern/sflow/codec.h"
#include "json_test_support.h"

namespace {

struct Run {
  int exit_code = -1;
  std::string out, err;
};

// Runs cistern-cli with `args`; `while_running` is called with the child's pid and a function
// that returns stderr read so far. The child is killed by PID if it outlives `timeout`.
Run RunCli(
    std::vector<std::string> args,
    const std::function<void(pid_t, const std::function<std::string()>&)>& while_running = nullptr,
    std::chrono::seconds timeout = std::chrono::seconds(30)) {
  int out_pipe[2], err_pipe[2];
  REQUIRE(pipe(out_pipe) == 0);
  REQUIRE(pipe(err_pipe) == 0);
  args.insert(args.begin(), CISTERN_CLI_PATH);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  Run run;
  auto drain = [&] {
    char buf[65536];
    ssize_t n;
    while ((n = read(out_pipe[0], buf, sizeof buf)) > 0) run.out.append(buf, n);
    while ((n = read(err_pipe[0], buf, sizeof buf)) > 0) run.err.append(buf, n);
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (while_running) {
    while_running(pid, [&] {
      drain();
      return run.err;
    });
  }
  int status = 0;
  while (true) {
    drain();
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL("cistern-cli did not finish in time: " << run.err);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  drain();
  close(out_pipe[0]);
  close(err_pipe[0]);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

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

TEST_CASE("cistern-cli: --format=csv is refused until packet decoding exists") {
  Run run = RunCli({"decode", "-r", "/nonexistent.pcap", "--format=csv"});
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.err, Catch::Contains("libproto"));
  CHECK(run.out.empty());
}

}  // namespace
