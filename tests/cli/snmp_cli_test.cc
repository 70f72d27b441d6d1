// `cistern-cli snmp` against net-snmp's own tools, on the same agents: every recording of
// ../shared/snmprec served by snmpsim (whole walks, v2c, and v3 authPriv for a few), and net-snmp's
// snmpd with every USM combination. stdout must be byte-identical, and the exit codes the same.
// net-snmp runs with no MIBs and no snmp.conf (as netsnmp_format.h explains). Also the inventory
// that `poll` reports must be what the recording holds. Skips with a warning when the peers or
// ../shared are absent.
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "cistern/snmp/walk.h"
#include "run_cli.h"
#include "snmp_peers.h"
#include "snmprec_reader.h"

namespace {

using cistern::testing::CommandResult;
using cistern::testing::RunCommand;

const std::vector<std::pair<std::string, std::string>>& NetSnmpEnv() {
  static const std::vector<std::pair<std::string, std::string>> env = [] {
    const std::string dir = std::string(CISTERN_TEST_TMPDIR) + "/empty-snmpconf";
    std::system(("mkdir -p " + dir).c_str());
    return std::vector<std::pair<std::string, std::string>>{
        {"SNMPCONFPATH", dir}, {"MIBS", ""}, {"LC_ALL", "C"}};
  }();
  return env;
}

// Runs net-snmp's `tool` with `args` (options first, agent, OIDs), stdout only.
CommandResult NetSnmp(const std::string& tool, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"sh", "-c", ""};
  std::string command = tool + " -On -m ''";
  for (const std::string& a : args) command += " '" + a + "'";
  argv[2] = command + " 2>/dev/null";
  auto result = RunCommand(argv, NetSnmpEnv(), std::chrono::seconds(120));
  REQUIRE(result.ok());
  return *result;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// The part of a line that is the same on every read: all of it, except for a value the agent
// makes up as it answers (`dynamic`: OIDs like sysUpTime.0), whose type label only is kept.
std::string Stable(const std::string& line, const std::set<std::string>& dynamic) {
  const size_t eq = line.find(" = ");
  if (eq == std::string::npos || !dynamic.contains(line.substr(0, eq))) return line;
  const size_t colon = line.find(':', eq);
  return colon == std::string::npos ? line : line.substr(0, colon);
}

// Compares line by line, reporting the first few differences (whole outputs can be 20k lines).
void CompareOutputs(const std::string& ours, const std::string& theirs, const std::string& what,
                    const std::set<std::string>& dynamic = {}) {
  INFO(what);
  const auto a = Lines(ours);
  const auto b = Lines(theirs);
  size_t differences = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) && differences < 5; ++i) {
    const std::string x = i < a.size() ? Stable(a[i], dynamic) : "<none>";
    const std::string y = i < b.size() ? Stable(b[i], dynamic) : "<none>";
    if (x != y) {
      ++differences;
      INFO("line " << i + 1);
      CHECK(x == y);
    }
  }
  CHECK(a.size() == b.size());
  CHECK(differences == 0);
}

// The OIDs whose values snmpsim computes as it answers: sysUpTime.0, and the records of a
// recording that use a variation module.
std::set<std::string> DynamicOids(const std::string& device) {
  std::set<std::string> dynamic = {".1.3.6.1.2.1.1.3.0"};
  auto records = cistern::testing::ReadSnmprecRecords(std::string(CISTERN_SHARED_DIR) +
                                                      "/snmprec/" + device + ".snmprec");
  REQUIRE(records.ok());
  for (const auto& r : *records) {
    if (r.dynamic()) dynamic.insert(r.varbind.oid.ToString());
  }
  return dynamic;
}

std::vector<std::string> AllRecordings() {
  return {"arista-dcs-7150s-52-cl", "brocade-icx6430-24",      "cisco-c3560",
          "cisco-c3750",            "cisco-n5000",             "dlink-des3200",
          "h3c-e528-2",             "hpe-procurve-516733-b21", "huawei-s5720",
          "juniper-mx960-12-3r6-6", "juniper-mx960-13-3r9-13", "vyatta-unknown"};
}

}  // namespace

TEST_CASE("snmp cli: bulkwalk and walk of every recording print what net-snmp prints",
          "[cli][snmp][snmpsim]") {
  if (!cistern::testing::SnmpsimFleet::SkipReason().empty()) {
    WARN("skipped: " << cistern::testing::SnmpsimFleet::SkipReason());
    return;
  }
  cistern::testing::SnmpsimFleetOptions options;
  options.devices = AllRecordings();
  options.agents = static_cast<int>(options.devices.size());
  auto fleet = cistern::testing::SnmpsimFleet::Start(options);
  REQUIRE(fleet.ok());
  size_t lines = 0;
  for (const auto& agent : (*fleet)->agents()) {
    CAPTURE(agent.device);
    const std::set<std::string> dynamic = DynamicOids(agent.device);
    const std::vector<std::string> common = {"-v2c", "-c", "public", "-t", "5", "-r", "1"};
    // The whole recording, by bulk; and the interfaces by GetNext.
    for (const auto& [tool, oid] : std::vector<std::pair<std::string, std::string>>{
             {"bulkwalk", ".1"}, {"walk", ".1.3.6.1.2.1.2.2"}}) {
      std::vector<std::string> args = common;
      args.push_back("-Cr25");
      if (tool == "walk") args.pop_back();
      args.push_back(agent.address());
      args.push_back(oid);
      std::vector<std::string> cli = {"snmp", tool};
      cli.insert(cli.end(), args.begin(), args.end());
      const cistern::testing::Run ours =
          cistern::testing::RunCli(cli, nullptr, std::chrono::seconds(300));
      const CommandResult theirs = NetSnmp("snmp" + tool, args);
      CHECK(ours.exit_code == theirs.exit_code);
      CompareOutputs(ours.out, theirs.output, agent.device + " " + tool + " " + oid, dynamic);
      lines += Lines(ours.out).size();
    }
    // get of present and absent objects, getnext.
    for (const std::string tool : {"get", "getnext"}) {
      std::vector<std::string> args = common;
      args.insert(args.end(), {agent.address(), ".1.3.6.1.2.1.1.5.0", ".1.3.6.1.2.1.1.99.0",
                               ".1.3.6.1.2.1.2.2.1.2.1"});
      std::vector<std::string> cli = {"snmp", tool};
      cli.insert(cli.end(), args.begin(), args.end());
      const cistern::testing::Run ours = cistern::testing::RunCli(cli);
      const CommandResult theirs = NetSnmp("snmp" + tool, args);
      CHECK(ours.exit_code == theirs.exit_code);
      CompareOutputs(ours.out, theirs.output, agent.device + " " + tool, dynamic);
    }
  }
  WARN("identical to net-snmp: " << lines << " walk lines over " << (*fleet)->agents().size()
                                 << " recordings");
  CHECK(lines > 10000);
}

TEST_CASE("snmp cli: poll reports each recording's inventory", "[cli][snmp][snmpsim]") {
  if (!cistern::testing::SnmpsimFleet::SkipReason().empty()) {
    WARN("skipped: " << cistern::testing::SnmpsimFleet::SkipReason());
    return;
  }
  cistern::testing::SnmpsimFleetOptions options;
  options.devices = AllRecordings();
  options.agents = static_cast<int>(options.devices.size());
  auto fleet = cistern::testing::SnmpsimFleet::Start(options);
  REQUIRE(fleet.ok());
  const std::string agents_file = std::string(CISTERN_TEST_TMPDIR) + "/poll-agents.txt";
  {
    std::ofstream out(agents_file);
    out << "# one agent per line\n";
    for (const auto& agent : (*fleet)->agents()) out << agent.address() << " -v2c -c public\n";
  }
  const cistern::testing::Run run =
      cistern::testing::RunCli({"snmp", "poll", "--agents", agents_file, "-t", "5"}, nullptr,
                               std::chrono::seconds(300));
  REQUIRE(run.exit_code == 0);
  const auto lines = Lines(run.out);
  REQUIRE(lines.size() == (*fleet)->agents().size());
  for (const auto& agent : (*fleet)->agents()) {
    CAPTURE(agent.device);
    auto records = cistern::testing::ReadSnmprec(std::string(CISTERN_SHARED_DIR) + "/snmprec/" +
                                                 agent.device + ".snmprec");
    REQUIRE(records.ok());
    const cistern::snmp::DeviceInventory expected = cistern::snmp::InventoryFromBindings(*records);
    std::string line;
    for (const std::string& l : lines) {
      if (l.find("\"agent\":\"" + agent.address() + "\"") != std::string::npos) line = l;
    }
    REQUIRE(!line.empty());
    CHECK(line.find("\"ok\":true") != std::string::npos);
    size_t interfaces = 0;
    for (size_t at = line.find("\"ifIndex\""); at != std::string::npos;
         at = line.find("\"ifIndex\"", at + 1)) {
      ++interfaces;
    }
    CHECK(interfaces == expected.interfaces.size());
    CHECK(line.find("\"sysObjectID\":\"" + expected.sys_object_id.ToString() + "\"") !=
          std::string::npos);
    for (const auto& i : expected.interfaces) {
      INFO("ifIndex " << i.if_index);
      CHECK(line.find("\"ifIndex\":" + std::to_string(i.if_index) + ",") != std::string::npos);
      CHECK(line.find("\"speed\":" + std::to_string(i.speed_bps) + ",") != std::string::npos);
    }
  }
}

TEST_CASE("snmp cli: every USM combination prints what net-snmp prints", "[cli][snmp][snmpd]") {
  if (!cistern::testing::SnmpdPeer::SkipReason().empty()) {
    WARN("skipped: " << cistern::testing::SnmpdPeer::SkipReason());
    return;
  }
  auto peer = cistern::testing::SnmpdPeer::Start();
  REQUIRE(peer.ok());
  size_t combinations = 0;
  for (const auto& user : (*peer)->users()) {
    CAPTURE(user.name);
    std::vector<std::string> args = {"-v3", "-l", user.security_level, "-u", user.name};
    if (!user.auth_protocol.empty()) {
      args.insert(args.end(), {"-a", user.auth_protocol, "-A", user.auth_password});
    }
    if (!user.priv_protocol.empty()) {
      args.insert(args.end(), {"-x", user.priv_protocol, "-X", user.priv_password});
    }
    args.push_back((*peer)->address());
    // sysORTable and the system group's fixed objects do not change between the two runs.
    for (const auto& [tool, oids] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"bulkwalk", {".1.3.6.1.2.1.1.9"}},
             {"walk", {".1.3.6.1.2.1.1.9.1.2"}},
             {"get", {".1.3.6.1.2.1.1.5.0", ".1.3.6.1.2.1.1.4.0", ".1.3.6.1.2.1.1.99.0"}}}) {
      std::vector<std::string> a = args;
      a.insert(a.end(), oids.begin(), oids.end());
      std::vector<std::string> cli = {"snmp", tool};
      cli.insert(cli.end(), a.begin(), a.end());
      const cistern::testing::Run ours = cistern::testing::RunCli(cli);
      const CommandResult theirs = NetSnmp("snmp" + tool, a);
      CHECK(ours.exit_code == 0);
      CHECK(ours.exit_code == theirs.exit_code);
      CHECK(!ours.out.empty());
      CompareOutputs(ours.out, theirs.output, user.name + " " + tool);
    }
    ++combinations;
  }
  CHECK(combinations == 17);
  // Wrong credentials: both fail (net-snmp: exit 1), ours with a message that says why.
  const cistern::testing::Run wrong = cistern::testing::RunCli(
      {"snmp", "get", "-v3", "-l", "authNoPriv", "-u", "md5user", "-a", "MD5", "-A",
       "wrongpassword1", (*peer)->address(), ".1.3.6.1.2.1.1.5.0"});
  CHECK(wrong.exit_code == 1);
  CHECK_THAT(wrong.err, Catch::Contains("wrong authentication password"));
}
