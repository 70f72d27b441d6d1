// Real SNMP agents for libsnmp's tests, started and stopped by the test itself: net-snmp's snmpd
// (../shared/tools/snmpd-peer) and a fleet of snmpsim agents serving recorded walks of real devices
// (../shared/tools/snmpsim-fleet). Every instance gets its own free UDP port(s) on 127.0.0.1 and
// its own run directory under CISTERN_TEST_TMPDIR, so several can run at once.
//
//   if (auto why = SnmpdPeer::SkipReason(); !why.empty()) { WARN("skipped: " << why); return; }
//   auto peer = SnmpdPeer::Start();
//   REQUIRE(peer.ok());
//   client.Get((*peer)->address(), ...);          // "127.0.0.1:PORT", community "public"
//   for (const SnmpV3User& u : (*peer)->users()) { ... }  // as the script's USERS block says
//
// Errors: Start() returns FailedPrecondition when the peer cannot run here (same text as
// SkipReason()), Unavailable when the agent did not come up (with the script's output and the tail
// of the agent's log), DeadlineExceeded when the start script hung.
//
// Lifetime: the destructor stops the agent with the script's own `stop` (which kills by the PID
// it recorded), makes sure that PID is gone and removes the run directory. The agent is never
// left running: a watchdog child process, started before the start script, holds a socket to the
// test process and runs `stop` (first killing a start still in progress) when the test process
// dies without running destructors (crash, SIGKILL, Ctrl-C) or when the instance outlives
// `max_lifetime`. While a start script runs, the test process is made a child subreaper so that
// the agent stays our child (ctest's timeout kill then reaches it too, and we reap it instead of
// leaving a zombie on machines whose PID 1 does not).
// Thread-safety: an instance is not synchronised; distinct instances are independent.
#ifndef CISTERN_TESTS_SNMP_SNMP_PEERS_H_
#define CISTERN_TESTS_SNMP_SNMP_PEERS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cistern::testing {

// One SNMPv3 USM user. Protocol names are net-snmp's spelling, as snmpd-peer writes them ("MD5",
// "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512"; "DES", "AES", "AES-192", "AES-256"); a
// protocol and its password are empty when the user has none ("-" in the script).
struct SnmpV3User {
  std::string name;
  std::string auth_protocol;
  std::string auth_password;
  std::string priv_protocol;
  std::string priv_password;
  std::string security_level;  // "noAuthNoPriv", "authNoPriv" or "authPriv"
};

// Parses the `USERS="..."` block of snmpd-peer (one user per line: name, auth protocol, auth
// password, priv protocol, priv password, level). InvalidArgument when the block is missing,
// a line does not have six fields, or the block lists no user.
absl::StatusOr<std::vector<SnmpV3User>> ParseSnmpdPeerUsers(std::string_view script_text);

// ---------------------------------------------------------------------------------------------
// Small process and port helpers, public because other SNMP tests want them too.

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal (or by the timeout)
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv (argv[0] searched in PATH when it has no '/') with the current environment plus
// `env`, stdin from /dev/null, in a process group of its own; on timeout the whole group is
// killed. `tick`, when given, is called about every 20 ms while the command runs. Only the
// child's own failure to start is an error (Internal); a non-zero exit is a result.
absl::StatusOr<CommandResult> RunCommand(
    const std::vector<std::string>& argv,
    const std::vector<std::pair<std::string, std::string>>& env, std::chrono::milliseconds timeout,
    const std::function<void()>& tick = nullptr);

// A UDP port on 127.0.0.1 that was free a moment ago (bound to port 0, read, closed).
absl::StatusOr<int> PickFreeUdpPort();
// The first of `count` contiguous UDP ports on 127.0.0.1 that are all free, chosen at random
// below (or above) the kernel's ephemeral range so that client sockets do not take them later.
absl::StatusOr<int> PickFreeUdpPortRange(int count);
// True when 127.0.0.1:port can be bound for UDP right now.
bool UdpPortFree(int port);
// True when `pid` exists and is not a zombie.
bool ProcessAlive(pid_t pid);

// ---------------------------------------------------------------------------------------------

struct SnmpdPeerOptions {
  int port_hint = 0;  // 0: pick a free port (and retry with another if snmpd cannot bind it)
  std::chrono::seconds start_timeout{60};
  std::chrono::seconds max_lifetime{900};  // the watchdog stops snmpd after this, whatever happens
};

// net-snmp's snmpd on 127.0.0.1:port() with community "public" (v1/v2c) and the SNMPv3 users of
// the script's USERS block (parsed from the script at start, so they never drift).
class SnmpdPeer {
 public:
  static absl::StatusOr<std::unique_ptr<SnmpdPeer>> Start(int port_hint = 0);
  static absl::StatusOr<std::unique_ptr<SnmpdPeer>> StartWith(const SnmpdPeerOptions& options);
  // Non-empty when the peer cannot run here: "../shared absent (...)", "snmpd not installed",
  // "snmp (net-snmp tools) not installed".
  static std::string SkipReason();
  static std::string ScriptPath();
  // The USERS block of the script, without starting anything.
  static absl::StatusOr<std::vector<SnmpV3User>> LoadUsers();

  SnmpdPeer(const SnmpdPeer&) = delete;
  SnmpdPeer& operator=(const SnmpdPeer&) = delete;
  ~SnmpdPeer();

  int port() const { return port_; }
  std::string address() const;  // "127.0.0.1:PORT"
  const std::string& community() const { return community_; }
  const std::vector<SnmpV3User>& users() const { return users_; }
  const SnmpV3User* FindUser(std::string_view name) const;  // nullptr when absent
  pid_t pid() const { return pid_; }                        // snmpd's PID as the script recorded it
  const std::string& run_dir() const { return run_dir_; }

  // Stops snmpd now (idempotent; the destructor calls it). Internal when the PID survived even
  // SIGKILL.
  absl::Status Stop();

 private:
  SnmpdPeer() = default;

  int port_ = 0;
  pid_t pid_ = -1;
  std::string community_ = "public";
  std::string run_dir_;
  std::vector<SnmpV3User> users_;
  pid_t watchdog_pid_ = -1;
  int watchdog_fd_ = -1;
  bool stopped_ = false;
};

// ---------------------------------------------------------------------------------------------

struct SnmpsimFleetOptions {
  int agents = 20;           // N
  std::string mode = "v2c";  // MODE: "v2c" or "v3"
  // DEVICES: recordings relative to ../shared/snmprec without ".snmprec"; empty: the script's mix.
  std::vector<std::string> devices;
  int base_port_hint = 0;  // 0: pick a free contiguous range (retrying another on failure)
  std::string v3_auth_protocol = "MD5";     // V3_AUTH_PROTO (MODE=v3)
  std::string v3_priv_protocol = "DES";     // V3_PRIV_PROTO (MODE=v3)
  std::chrono::seconds start_timeout{300};  // the first start indexes the walks (~1 min)
  std::chrono::seconds max_lifetime{1800};
};

// One simulated agent of the fleet.
struct SnmpsimAgent {
  int port = 0;
  int index = 0;                // i of BASE_PORT+i
  std::string device;           // the recording it serves, e.g. "cisco-c3560"
  std::string community;        // v2c community that reaches this recording on port
  std::string address() const;  // "127.0.0.1:PORT"
};

// One snmpsimd process serving `agents` simulated devices on contiguous ports (the script writes
// RUN_DIR/agents.tsv, which is read back here).
class SnmpsimFleet {
 public:
  static absl::StatusOr<std::unique_ptr<SnmpsimFleet>> Start(
      const SnmpsimFleetOptions& options = SnmpsimFleetOptions());
  // Non-empty when the fleet cannot run here: "../shared absent (...)", "snmpsim not installed",
  // "snmp (net-snmp tools) not installed".
  static std::string SkipReason();
  static std::string ScriptPath();

  SnmpsimFleet(const SnmpsimFleet&) = delete;
  SnmpsimFleet& operator=(const SnmpsimFleet&) = delete;
  ~SnmpsimFleet();

  const std::vector<SnmpsimAgent>& agents() const { return agents_; }
  int port(size_t i) const { return agents_.at(i).port; }
  const std::string& device(size_t i) const { return agents_.at(i).device; }
  int base_port() const { return base_port_; }
  const std::string& mode() const { return mode_; }
  // MODE=v3: user "simulator", authPriv, keys "auctoritas"/"privatus" (snmpsim's defaults, which
  // the script passes; Start checks that the script still does), empty contextName.
  SnmpV3User v3_user() const;
  pid_t pid() const { return pid_; }
  const std::string& run_dir() const { return run_dir_; }

  absl::Status Stop();  // idempotent; the destructor calls it

 private:
  SnmpsimFleet() = default;

  int base_port_ = 0;
  pid_t pid_ = -1;
  std::string mode_;
  std::string v3_auth_protocol_;
  std::string v3_priv_protocol_;
  std::string run_dir_;
  std::vector<std::pair<std::string, std::string>> env_;
  std::vector<SnmpsimAgent> agents_;
  pid_t watchdog_pid_ = -1;
  int watchdog_fd_ = -1;
  bool stopped_ = false;
};

}  // namespace cistern::testing

#endif  // CISTERN_TESTS_SNMP_SNMP_PEERS_H_
