// The real peers: snmpd-peer answers net-snmp's own snmpget (v2c and every v3 user its script
// defines), several run at once, none outlives its owner; a small snmpsim fleet serves its
// recordings. Skips with a warning when snmpd/snmpsim or ../shared are missing.
#include "snmp_peers.h"

#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "udp_fault_proxy.h"

namespace cistern::testing {
namespace {

using std::chrono::seconds;

// net-snmp's snmpget of sysName.0 (or `oid`), v2c community public.
CommandResult SnmpGetV2c(const std::string& address, const std::string& oid = "1.3.6.1.2.1.1.5.0",
                         const std::string& community = "public",
                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {"snmpget", "-v2c", "-c", community, "-On"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(address);
  argv.push_back(oid);
  auto r = RunCommand(argv, {}, seconds(20));
  REQUIRE(r.ok());
  return *r;
}

TEST_CASE("ParseSnmpdPeerUsers reads a USERS block", "[snmp_peers]") {
  const std::string script =
      "#!/bin/bash\nX=1\nUSERS=\"\n"
      "noauthuser   -   -   -   -   noAuthNoPriv\n"
      "shaaesuser   SHA shaauthpass1 AES aesprivpass1 authPriv\n"
      "\"\nrest\n";
  auto users = ParseSnmpdPeerUsers(script);
  REQUIRE(users.ok());
  REQUIRE(users->size() == 2);
  CHECK((*users)[0].name == "noauthuser");
  CHECK((*users)[0].auth_protocol.empty());
  CHECK((*users)[0].security_level == "noAuthNoPriv");
  CHECK((*users)[1].auth_protocol == "SHA");
  CHECK((*users)[1].auth_password == "shaauthpass1");
  CHECK((*users)[1].priv_protocol == "AES");
  CHECK((*users)[1].priv_password == "aesprivpass1");
  CHECK((*users)[1].security_level == "authPriv");

  CHECK(ParseSnmpdPeerUsers("no block").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ParseSnmpdPeerUsers("x\nUSERS=\"\nu MD5 p\n\"").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseSnmpdPeerUsers("x\nUSERS=\"\nu - - - - bogus\n\"").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseSnmpdPeerUsers("x\nUSERS=\"\n\n\"").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("snmpd-peer's USERS block parses", "[snmp_peers]") {
  if (!std::filesystem::exists(SnmpdPeer::ScriptPath())) {
    WARN("skipped: ../shared absent (" << SnmpdPeer::ScriptPath() << ")");
    return;
  }
  auto users = SnmpdPeer::LoadUsers();
  REQUIRE(users.ok());
  CHECK(users->size() >= 10);
  std::set<std::string> auth, priv, levels;
  for (const auto& u : *users) {
    auth.insert(u.auth_protocol);
    priv.insert(u.priv_protocol);
    levels.insert(u.security_level);
    CHECK(u.auth_protocol.empty() == u.auth_password.empty());
    CHECK(u.priv_protocol.empty() == u.priv_password.empty());
  }
  for (const char* a : {"MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512"}) {
    CHECK(auth.count(a) == 1);
  }
  for (const char* p : {"DES", "AES", "AES-192", "AES-256"}) CHECK(priv.count(p) == 1);
  CHECK(levels == std::set<std::string>{"noAuthNoPriv", "authNoPriv", "authPriv"});
}

TEST_CASE("free UDP ports", "[snmp_peers]") {
  auto port = PickFreeUdpPort();
  REQUIRE(port.ok());
  CHECK(UdpPortFree(*port));
  auto base = PickFreeUdpPortRange(16);
  REQUIRE(base.ok());
  for (int p = *base; p < *base + 16; ++p) CHECK(UdpPortFree(p));
  CHECK_FALSE(UdpPortFree(0));
}

TEST_CASE("SnmpdPeer answers snmpget and is gone after destruction", "[snmp_peers][snmpd]") {
  if (std::string why = SnmpdPeer::SkipReason(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  pid_t pid = -1;
  std::string run_dir;
  {
    auto peer = SnmpdPeer::Start();
    REQUIRE(peer.ok());
    pid = (*peer)->pid();
    run_dir = (*peer)->run_dir();
    CHECK((*peer)->address() == "127.0.0.1:" + std::to_string((*peer)->port()));
    CHECK(ProcessAlive(pid));
    CHECK(std::filesystem::exists(run_dir + "/snmpd.conf"));

    CommandResult r = SnmpGetV2c((*peer)->address());
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find(".1.3.6.1.2.1.1.5.0 = STRING:") != std::string::npos);
    CHECK(r.output.find("cistern-snmpd-peer") != std::string::npos);
  }
  CHECK_FALSE(ProcessAlive(pid));
  CHECK(kill(pid, 0) != 0);  // reaped, not a zombie: we were its subreaper
  CHECK_FALSE(std::filesystem::exists(run_dir));
}

TEST_CASE("every v3 user of snmpd-peer works as the script says", "[snmp_peers][snmpd]") {
  if (std::string why = SnmpdPeer::SkipReason(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  auto peer = SnmpdPeer::Start();
  REQUIRE(peer.ok());
  REQUIRE((*peer)->users().size() >= 10);
  REQUIRE((*peer)->FindUser("md5user") != nullptr);
  CHECK((*peer)->FindUser("nobody-like-this") == nullptr);
  for (const SnmpV3User& u : (*peer)->users()) {
    std::vector<std::string> argv = {"snmpget", "-v3", "-l", u.security_level, "-u", u.name};
    if (!u.auth_protocol.empty()) {
      argv.insert(argv.end(), {"-a", u.auth_protocol, "-A", u.auth_password});
    }
    if (!u.priv_protocol.empty()) {
      argv.insert(argv.end(), {"-x", u.priv_protocol, "-X", u.priv_password});
    }
    argv.insert(argv.end(), {"-On", "-t", "2", "-r", "1", (*peer)->address(), "1.3.6.1.2.1.1.5.0"});
    auto r = RunCommand(argv, {}, seconds(20));
    REQUIRE(r.ok());
    INFO(u.name << ": " << r->output);
    CHECK(r->exit_code == 0);
    CHECK(r->output.find("cistern-snmpd-peer") != std::string::npos);
  }
}

TEST_CASE("several SnmpdPeers run at once", "[snmp_peers][snmpd]") {
  if (std::string why = SnmpdPeer::SkipReason(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  std::vector<std::unique_ptr<SnmpdPeer>> peers;
  std::vector<pid_t> pids;
  std::set<int> ports;
  std::set<std::string> dirs;
  for (int i = 0; i < 3; ++i) {
    auto peer = SnmpdPeer::Start();
    REQUIRE(peer.ok());
    ports.insert((*peer)->port());
    dirs.insert((*peer)->run_dir());
    pids.push_back((*peer)->pid());
    peers.push_back(*std::move(peer));
  }
  CHECK(ports.size() == 3);
  CHECK(dirs.size() == 3);
  for (const auto& p : peers) CHECK(SnmpGetV2c(p->address()).exit_code == 0);
  peers.clear();
  for (pid_t pid : pids) CHECK_FALSE(ProcessAlive(pid));
}

TEST_CASE("the watchdog stops snmpd when max_lifetime runs out", "[snmp_peers][snmpd]") {
  if (std::string why = SnmpdPeer::SkipReason(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  SnmpdPeerOptions options;
  options.max_lifetime = seconds(1);
  auto peer = SnmpdPeer::StartWith(options);
  REQUIRE(peer.ok());
  const pid_t pid = (*peer)->pid();
  CHECK(ProcessAlive(pid));
  const auto deadline = std::chrono::steady_clock::now() + seconds(15);
  while (ProcessAlive(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK_FALSE(ProcessAlive(pid));
  CHECK((*peer)->Stop().ok());
}

TEST_CASE("SnmpdPeer behind a UdpFaultProxy", "[snmp_peers][snmpd][udp_fault_proxy]") {
  if (std::string why = SnmpdPeer::SkipReason(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  auto peer = SnmpdPeer::Start();
  REQUIRE(peer.ok());
  UdpFaultConfig f;
  f.duplicate_reply = 1.0;
  auto proxy = UdpFaultProxy::Start((*peer)->port(), f);
  REQUIRE(proxy.ok());
  CommandResult r = SnmpGetV2c((*proxy)->address());
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("cistern-snmpd-peer") != std::string::npos);
  CHECK((*proxy)->counters().replies_duplicated >= 1);

  f = UdpFaultConfig();
  f.drop_reply = 1.0;
  (*proxy)->SetConfig(f);
  r = SnmpGetV2c((*proxy)->address(), "1.3.6.1.2.1.1.5.0", "public", {"-t", "0.3", "-r", "1"});
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("Timeout") != std::string::npos);
  CHECK((*proxy)->counters().replies_dropped == 2);
}

TEST_CASE("a small SnmpsimFleet serves its recordings", "[snmp_peers][snmpsim]") {
  if (std::string why = SnmpsimFleet::SkipReason(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  SnmpsimFleetOptions options;
  options.agents = 3;
  options.devices = {"vyatta-unknown", "brocade-icx6430-24"};

  SECTION("v2c") {
    pid_t pid = -1;
    {
      auto fleet = SnmpsimFleet::Start(options);
      REQUIRE(fleet.ok());
      pid = (*fleet)->pid();
      const auto& agents = (*fleet)->agents();
      REQUIRE(agents.size() == 3);
      for (size_t i = 0; i < agents.size(); ++i) {
        CHECK(agents[i].port == (*fleet)->base_port() + static_cast<int>(i));
        CHECK(agents[i].index == static_cast<int>(i));
        CHECK(agents[i].device == options.devices[i % 2]);
        CommandResult r = SnmpGetV2c(agents[i].address(), "1.3.6.1.2.1.1.3.0", agents[i].community);
        INFO(agents[i].address() << " " << r.output);
        CHECK(r.exit_code == 0);
        CHECK(r.output.find(".1.3.6.1.2.1.1.3.0 = Timeticks:") != std::string::npos);
      }
    }
    CHECK_FALSE(ProcessAlive(pid));
  }
  SECTION("v3") {
    options.agents = 1;
    options.mode = "v3";
    auto fleet = SnmpsimFleet::Start(options);
    REQUIRE(fleet.ok());
    SnmpV3User u = (*fleet)->v3_user();
    auto r = RunCommand({"snmpget",
                         "-v3",
                         "-l",
                         u.security_level,
                         "-u",
                         u.name,
                         "-a",
                         u.auth_protocol,
                         "-A",
                         u.auth_password,
                         "-x",
                         u.priv_protocol,
                         "-X",
                         u.priv_password,
                         "-On",
                         "-t",
                         "2",
                         "-r",
                         "1",
                         (*fleet)->agents()[0].address(),
                         "1.3.6.1.2.1.1.3.0"},
                        {}, seconds(20));
    REQUIRE(r.ok());
    INFO(r->output);
    CHECK(r->exit_code == 0);
  }
}

TEST_CASE("SnmpsimFleet refuses an unknown recording", "[snmp_peers][snmpsim]") {
  if (std::string why = SnmpsimFleet::SkipReason(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  SnmpsimFleetOptions options;
  options.devices = {"no-such-device"};
  CHECK(SnmpsimFleet::Start(options).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cistern::testing
