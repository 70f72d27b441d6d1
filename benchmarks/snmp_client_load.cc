// Load test of libsnmp's client: authPriv (or v2c) Gets on one socket against local agents, with a
// fixed number of requests kept in flight, for a fixed time. Prints Gets per second, failures,
// retransmissions. Not a Google Benchmark: the agents' speed is part of what is measured.
// benchmarks/snmp_client_load.sh starts net-snmp agents and runs it.
//   usage: snmp_client_load [--v2c] [--seconds S] [--window W] [--per-agent P] ADDR...
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "cistern/snmp/client.h"

using namespace cistern::snmp;

int main(int argc, char** argv) {
  bool v2c = false;
  double seconds = 5;
  int window = 256;
  size_t per_agent = 64;
  std::vector<std::string> addresses;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--v2c") {
      v2c = true;
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--window" && i + 1 < argc) {
      window = std::atoi(argv[++i]);
    } else if (a == "--per-agent" && i + 1 < argc) {
      per_agent = static_cast<size_t>(std::atoi(argv[++i]));
    } else {
      addresses.push_back(a);
    }
  }
  if (addresses.empty() || window <= 0) {
    std::fprintf(stderr, "usage: %s [--v2c] [--seconds S] [--window W] [--per-agent P] ADDR...\n",
                 argv[0]);
    return 2;
  }
  ClientOptions options;
  options.max_in_flight_per_agent = per_agent;
  auto client = Client::Create(options);
  if (!client.ok()) return 1;
  std::vector<AgentRef> agents;
  const Oid sys_name{1, 3, 6, 1, 2, 1, 1, 5, 0};
  for (const std::string& address : addresses) {
    Target t;
    t.address = address;
    if (!v2c) {
      t.version = Version::kV3;
      t.user = {"shaaesuser", SecurityLevel::kAuthPriv, AuthProtocol::kSha1, "shaauthpass1",
                PrivProtocol::kAes128, "aesprivpass1"};  // snmpd-peer's SHA/AES user
    }
    auto agent = (*client)->AddAgent(t);
    if (!agent.ok()) {
      std::fprintf(stderr, "%s\n", std::string(agent.status().message()).c_str());
      return 1;
    }
    auto first = (*client)->Send(*agent, Pdu::Get({sys_name})).get();  // discovery, keys
    if (!first.ok()) {
      std::fprintf(stderr, "%s: %s\n", address.c_str(), std::string(first.status().message()).c_str());
      return 1;
    }
    agents.push_back(*agent);
  }
  std::atomic<long> ok{0}, failed{0}, outstanding{0};
  std::atomic<bool> stop{false};
  std::function<void(size_t)> issue = [&](size_t a) {
    ++outstanding;
    (*client)->Send(agents[a], Pdu::Get({sys_name}), [&, a](absl::StatusOr<Pdu> reply) {
      if (reply.ok() && reply->error_status == 0) {
        ++ok;
      } else {
        ++failed;
      }
      --outstanding;
      if (!stop) issue(a);
    });
  };
  const auto start = std::chrono::steady_clock::now();
  for (int w = 0; w < window; ++w) issue(static_cast<size_t>(w) % agents.size());
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  const long done = ok.load();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  while (outstanding > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const ClientStats s = (*client)->stats();
  std::printf("%s Gets, %zu agents, %d in flight: %.0f per second (%ld answered, %ld failed, "
              "%lu retransmissions, %lu timeouts, %lu unmatched)\n",
              v2c ? "v2c" : "authPriv SHA/AES", agents.size(), window, done / elapsed, ok.load(),
              failed.load(), s.retransmits, s.timeouts, s.unmatched);
  return failed == 0 ? 0 : 1;
}
