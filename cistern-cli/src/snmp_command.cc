// cistern-cli snmp: get, getnext, walk, bulkwalk, table and poll, with net-snmp's option names and
// net-snmp's `-On` output (netsnmp_format.h), so that the lines on stdout are the ones snmpget,
// snmpgetnext, snmpwalk and snmpbulkwalk print for the same agent. The walks here follow
// net-snmp's apps (snmpwalk.c, snmpbulkwalk.c) rather than libsnmp's Walk, because they print
// what those apps print: an exception inside the subtree, the root itself when the subtree is
// empty, "End of MIB" at a v1 agent's end. Messages on stderr are ours, clearer where net-snmp is
// terse; exit codes are net-snmp's (1: no answer or a USM failure, 2: an error-status).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <condition_variable>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cistern/snmp/client.h"
#include "cistern/snmp/walk.h"
#include "cli_args.h"
#include "commands.h"
#include "json_writer.h"
#include "netsnmp_format.h"

namespace cistern::cli {
namespace {

using snmp::AgentRef;
using snmp::Client;
using snmp::Oid;
using snmp::Pdu;
using snmp::Target;
using snmp::VarBind;

constexpr char kUsage[] =
    "usage: cistern-cli snmp get|getnext|walk|bulkwalk [OPTIONS] AGENT [OID...]\n"
    "       cistern-cli snmp table [OPTIONS] AGENT TABLE_OID [TABLE_OID...]\n"
    "       cistern-cli snmp poll [OPTIONS] --agents FILE [--concurrency N]\n"
    "\n"
    "Prints variables as net-snmp's tools do with -On (numeric OIDs, no MIBs).\n"
    "AGENT: host, host:port, [ipv6]:port, udp:host:port, udp6:host:port (port 161 by default)\n"
    "\n"
    "options (net-snmp's names):\n"
    "  -v 1|2c|3        SNMP version (default 2c)\n"
    "  -c COMMUNITY     community for v1/v2c (default public)\n"
    "  -u USER          v3 user name\n"
    "  -l LEVEL         v3 level: noAuthNoPriv|authNoPriv|authPriv\n"
    "  -a PROTOCOL      v3 authentication: MD5|SHA|SHA-224|SHA-256|SHA-384|SHA-512\n"
    "  -A PASSPHRASE    v3 authentication passphrase\n"
    "  -x PROTOCOL      v3 privacy: DES|AES|AES-192|AES-256\n"
    "  -X PASSPHRASE    v3 privacy passphrase\n"
    "  -n CONTEXT       v3 context name\n"
    "  -t SECONDS       timeout per attempt (default 1)\n"
    "  -r RETRIES       retries (default 5)\n"
    "  -Cr<N>           bulkwalk/table/poll: max-repetitions (default 10)\n"
    "  -Cn<N>           bulkwalk: non-repeaters (accepted; walks use 0)\n"
    "  -Cc              walks: do not check that OIDs increase\n"
    "  -CI              walks: do not get the root when the subtree is empty\n"
    "  -Cp              walks: print the number of variables found\n"
    "  -On              numeric OIDs (always on); -m/-M MIB options are accepted and ignored\n"
    "\n"
    "table: walks each TABLE_OID's entry (TABLE_OID.1) and joins the tables by index; prints a\n"
    "header line (\"index\" and each column's OID) and one line per row, tab-separated, each\n"
    "cell in net-snmp's value form (empty when the row has no such cell).\n"
    "poll: reads agents from FILE, one per line: AGENT [OPTIONS], options as above overriding\n"
    "the command line's ('#' starts a comment); reads every agent's inventory (system group,\n"
    "ifTable, ifXTable) concurrently and prints one JSON object per agent.\n";

int Usage(const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "cistern-cli snmp: %s\n\n", error.c_str());
  std::fputs(kUsage, stderr);
  return 2;
}

struct Options {
  Target target;
  snmp::WalkOptions walk;
  bool print_count = false;
  std::vector<std::string> positional;
  std::string agents_file;
  uint64_t concurrency = 256;
};

// Parses net-snmp style options from argv[start..argc) into `opts`: "-v2c" and "-v 2c" alike.
// Returns an error message, or "" when all is well.
std::string ParseOptions(const std::vector<std::string>& args, Options* opts) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--agents" || arg == "--concurrency") {
      if (i + 1 >= args.size()) return absl::StrCat(arg, " needs a value");
      if (arg == "--agents") {
        opts->agents_file = args[++i];
      } else if (!ParseUint(args[++i], 100000, &opts->concurrency) || opts->concurrency == 0) {
        return "--concurrency needs a number from 1 to 100000";
      }
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      opts->positional.push_back(arg);
      continue;
    }
    const char flag = arg[1];
    if (flag == 'C' || flag == 'O') {  // -C<letters> / -O<letters>: their values are attached
      if (arg.size() < 3) return absl::StrCat(arg, " needs letters");
      if (flag == 'O') continue;  // output options: numeric OIDs are what we always print
      for (size_t k = 2; k < arg.size(); ++k) {
        const char c = arg[k];
        if (c == 'c') {
          opts->walk.check_increasing = false;
        } else if (c == 'I') {
          opts->walk.get_root_if_empty = false;
        } else if (c == 'i') {
          opts->walk.get_root_if_empty = true;
        } else if (c == 'p') {
          opts->print_count = true;
        } else if (c == 'r' || c == 'n') {
          std::string digits = arg.substr(k + 1);
          if (digits.empty() && i + 1 < args.size()) digits = args[++i];
          uint64_t n = 0;
          if (!ParseUint(digits, 1000000, &n)) return absl::StrCat("-C", std::string(1, c), " needs a number");
          if (c == 'r') opts->walk.max_repetitions = static_cast<int32_t>(n);
          break;
        } else {
          return absl::StrCat("unknown option -C", std::string(1, c));
        }
      }
      continue;
    }
    std::string value = arg.substr(2);
    if (value.empty()) {
      if (i + 1 >= args.size()) return absl::StrCat(arg, " needs a value");
      value = args[++i];
    }
    Target& t = opts->target;
    switch (flag) {
      case 'v':
        if (value == "1") {
          t.version = snmp::Version::kV1;
        } else if (value == "2c" || value == "2") {
          t.version = snmp::Version::kV2c;
        } else if (value == "3") {
          t.version = snmp::Version::kV3;
        } else {
          return absl::StrCat("unknown version -v ", value, " (1, 2c or 3)");
        }
        break;
      case 'c': t.community = value; break;
      case 'u': t.user.name = value; break;
      case 'n': t.context_name = value; break;
      case 'A': t.user.auth_password = value; break;
      case 'X': t.user.priv_password = value; break;
      case 'l': {
        auto level = snmp::ParseSecurityLevel(value);
        if (!level.ok()) return std::string(level.status().message());
        t.user.level = *level;
        break;
      }
      case 'a': {
        auto auth = snmp::ParseAuthProtocol(value);
        if (!auth.ok()) return std::string(auth.status().message());
        t.user.auth = *auth;
        break;
      }
      case 'x': {
        auto priv = snmp::ParsePrivProtocol(value);
        if (!priv.ok()) return std::string(priv.status().message());
        t.user.priv = *priv;
        break;
      }
      case 't': {
        double seconds = 0;
        if (!absl::SimpleAtod(value, &seconds) || seconds <= 0 || seconds > 3600) {
          return absl::StrCat("-t needs a number of seconds, not \"", value, "\"");
        }
        t.timeout = absl::Seconds(seconds);
        break;
      }
      case 'r': {
        uint64_t n = 0;
        if (!ParseUint(value, 100, &n)) return absl::StrCat("-r needs a number, not \"", value, "\"");
        t.retries = static_cast<int>(n);
        break;
      }
      case 'm':
      case 'M':
        break;  // MIB modules and directories: we print numeric OIDs only
      default:
        return absl::StrCat("unknown option ", arg);
    }
  }
  return "";
}

void PrintVarBind(const VarBind& vb) {
  std::string line = FormatNetSnmpVarBind(vb);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
}

// net-snmp's snmp_errstring texts, as its tools print them after "Reason: ".
std::string NetSnmpErrorText(int32_t status) {
  static constexpr const char* kTexts[] = {
      "(noError) No Error",
      "(tooBig) Response message would have been too large.",
      "(noSuchName) There is no such variable name in this MIB.",
      "(badValue) The value given has the wrong type or length.",
      "(readOnly) The two parties used do not have access to use the specified SNMP PDU.",
      "(genError) A general failure occured",
      "noAccess",
      "wrongType (The set datatype does not match the data type the agent expects)",
      "wrongLength (The set value has an illegal length from what the agent expects)",
      "wrongEncoding",
      "wrongValue (The set value is illegal or unsupported in some way)",
      "noCreation (That table does not support row creation or that object can not ever be "
      "created)",
      "inconsistentValue (The set value is illegal or unsupported in some way)",
      "resourceUnavailable (This is likely a out-of-memory failure within the agent)",
      "commitFailed",
      "undoFailed",
      "authorizationError (access denied to that object)",
      "notWritable (That object does not support modification)",
      "inconsistentName (That object can not currently be created)"};
  if (status >= 0 && static_cast<size_t>(status) < std::size(kTexts)) return kTexts[status];
  return "Unknown Error";
}

// What net-snmp prints for a response with an error-status ("Error in packet" block).
void PrintPacketError(const Pdu& response, bool walk) {
  std::fprintf(stderr, "Error in packet%s\nReason: %s\n", walk ? "." : "",
               NetSnmpErrorText(response.error_status).c_str());
  if (response.error_index > 0 &&
      static_cast<size_t>(response.error_index) <= response.varbinds.size()) {
    std::fprintf(stderr, "Failed object: %s\n",
                 response.varbinds[response.error_index - 1].oid.ToString().c_str());
  }
}

// A failed request: net-snmp's "Timeout: No Response from X" for a timeout (snmpget adds a
// period, the walks do not), our message for the rest. Exit code 1 either way.
int PrintFailure(const absl::Status& status, const AgentRef& agent, bool period) {
  if (status.code() == absl::StatusCode::kDeadlineExceeded) {
    std::fprintf(stderr, "Timeout: No Response from %s%s\n", agent->target().address.c_str(),
                 period ? "." : "");
    if (agent->target().version == snmp::Version::kV3 &&
        agent->target().user.level == snmp::SecurityLevel::kAuthPriv) {
      std::fprintf(stderr,
                   "(an authPriv agent drops what it cannot decrypt: a wrong privacy passphrase "
                   "or protocol also looks like this)\n");
    }
  } else {
    std::fprintf(stderr, "cistern-cli snmp: %s\n", std::string(status.message()).c_str());
  }
  return 1;
}

absl::StatusOr<std::vector<Oid>> ParseOids(const std::vector<std::string>& texts) {
  std::vector<Oid> oids;
  for (const std::string& text : texts) {
    absl::StatusOr<Oid> oid = Oid::Parse(text);
    if (!oid.ok()) return oid.status();
    oids.push_back(*std::move(oid));
  }
  return oids;
}

// snmpget / snmpgetnext: print the answer; on an error-status print it and, like net-snmp without
// -Cf, ask again without the failed binding.
int RunGetLike(Client& client, const AgentRef& agent, std::vector<Oid> oids, bool next) {
  int exit_code = 0;
  while (!oids.empty()) {
    absl::StatusOr<Pdu> reply =
        client.Send(agent, next ? Pdu::GetNext(oids) : Pdu::Get(oids)).get();
    if (!reply.ok()) return PrintFailure(reply.status(), agent, /*period=*/true);
    if (reply->error_status == 0) {
      for (const VarBind& vb : reply->varbinds) PrintVarBind(vb);
      return exit_code;
    }
    PrintPacketError(*reply, /*walk=*/false);
    exit_code = 2;
    const int32_t index = reply->error_index;
    if (index < 1 || static_cast<size_t>(index) > oids.size()) return exit_code;
    oids.erase(oids.begin() + (index - 1));
  }
  return exit_code;
}

// snmpwalk / snmpbulkwalk, as net-snmp's apps walk and print.
int RunWalk(Client& client, const AgentRef& agent, const Options& opts, Oid root, bool bulk) {
  const bool v1 = agent->target().version == snmp::Version::kV1;
  if (v1) bulk = false;
  Oid name = root;
  size_t printed = 0;
  int exit_code = 0;
  bool running = true;
  while (running) {
    Pdu request = bulk ? Pdu::GetBulk(0, opts.walk.max_repetitions, {name})
                       : Pdu::GetNext({name});
    absl::StatusOr<Pdu> reply = client.Send(agent, std::move(request)).get();
    if (!reply.ok()) return PrintFailure(reply.status(), agent, /*period=*/false);
    if (reply->error_status != 0) {
      running = false;
      if (reply->error_status == static_cast<int32_t>(snmp::ErrorStatus::kNoSuchName)) {
        std::puts("End of MIB");
      } else {
        PrintPacketError(*reply, /*walk=*/true);
        exit_code = 2;
      }
      break;
    }
    if (reply->varbinds.empty()) break;
    // Like net-snmp's apps: print every binding inside the subtree (exceptions too); only the
    // last binding of a response is checked against the OID asked for and becomes the next one
    // (so snmpbulkwalk does not notice disorder inside one response).
    for (size_t k = 0; k < reply->varbinds.size(); ++k) {
      const VarBind& vb = reply->varbinds[k];
      if (!vb.oid.StartsWith(root) || vb.oid.size() == root.size()) {
        running = false;  // left the subtree
        continue;
      }
      ++printed;
      PrintVarBind(vb);
      if (vb.value.is_exception()) {
        running = false;
        continue;
      }
      if (k + 1 < reply->varbinds.size()) continue;
      if (opts.walk.check_increasing && !(name < vb.oid)) {
        std::fprintf(stderr, "Error: OID not increasing: %s\n >= %s\n", name.ToString().c_str(),
                     vb.oid.ToString().c_str());
        running = false;
        exit_code = 1;
      }
      name = vb.oid;
    }
  }
  if (printed == 0 && exit_code == 0 && opts.walk.get_root_if_empty) {
    // An empty subtree: show the root itself (snmpwalk sysName.0), as net-snmp does.
    absl::StatusOr<Pdu> reply = client.Send(agent, Pdu::Get({root})).get();
    if (reply.ok() && reply->error_status == 0) {
      for (const VarBind& vb : reply->varbinds) PrintVarBind(vb);
      printed += reply->varbinds.size();
    }
  }
  if (opts.print_count) std::printf("Variables found: %zu\n", printed);
  return exit_code;
}

std::string IndexText(const std::vector<uint32_t>& index) {
  std::string out;
  for (size_t i = 0; i < index.size(); ++i) absl::StrAppend(&out, i ? "." : "", index[i]);
  return out;
}

int RunTable(Client& client, const AgentRef& agent, const Options& opts, std::vector<Oid> tables) {
  absl::StatusOr<snmp::Table> table =
      snmp::GetTable(client, agent, std::move(tables), opts.walk).get();
  if (!table.ok()) return PrintFailure(table.status(), agent, /*period=*/false);
  std::string out = "index";
  for (const auto& column : table->columns) absl::StrAppend(&out, "\t", column.oid.ToString());
  out.push_back('\n');
  for (const auto& row : table->rows) {
    out += IndexText(row.index);
    for (const auto& cell : row.cells) {
      out.push_back('\t');
      if (cell.has_value()) AppendNetSnmpValue(*cell, &out);
    }
    out.push_back('\n');
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// poll

std::vector<std::string> SplitWords(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

void AppendInventoryJson(const std::string& agent, const absl::StatusOr<snmp::DeviceInventory>& inv,
                         double millis, std::string* out) {
  JsonWriter j(out);
  j.BeginObject();
  j.Key("agent");
  j.String(agent);
  j.Key("ok");
  j.Bool(inv.ok());
  if (!inv.ok()) {
    j.Key("error");
    j.String(std::string(inv.status().message()));
  } else {
    j.Key("sysName");
    j.String(inv->sys_name);
    j.Key("sysDescr");
    j.String(inv->sys_descr);
    j.Key("sysObjectID");
    j.String(inv->sys_object_id.ToString());
    j.Key("sysUpTime");
    j.Number(inv->sys_uptime);
    j.Key("interfaces");
    j.BeginArray();
    for (const snmp::InterfaceInfo& i : inv->interfaces) {
      j.BeginObject();
      j.Key("ifIndex");
      j.Number(i.if_index);
      j.Key("ifName");
      j.String(i.name);
      j.Key("ifDescr");
      j.String(i.descr);
      j.Key("ifAlias");
      j.String(i.alias);
      j.Key("ifType");
      j.Number(i.type);
      j.Key("speed");
      j.Number(i.speed_bps);
      j.Key("ifOperStatus");
      j.Number(i.oper_status);
      j.Key("ifPhysAddress");
      std::string mac;
      for (size_t k = 0; k < i.phys_address.size(); ++k) {
        absl::StrAppend(&mac, k ? ":" : "",
                        absl::Hex(static_cast<uint8_t>(i.phys_address[k]), absl::kZeroPad2));
      }
      j.String(mac);
      j.EndObject();
    }
    j.EndArray();
  }
  j.Key("ms");
  j.Double(millis, 1);
  j.EndObject();
  out->push_back('\n');
}

int RunPoll(Client& client, const Options& base) {
  std::ifstream in(base.agents_file);
  if (!in) return Usage(absl::StrCat("cannot read --agents file ", base.agents_file));
  struct Job {
    std::string name;
    AgentRef agent;
  };
  std::vector<Job> jobs;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::vector<std::string> words = SplitWords(line);
    if (words.empty()) continue;
    Options opts = base;
    opts.positional.clear();
    if (std::string error = ParseOptions(words, &opts); !error.empty()) {
      return Usage(absl::StrCat(base.agents_file, ":", line_no, ": ", error));
    }
    if (opts.positional.size() != 1) {
      return Usage(absl::StrCat(base.agents_file, ":", line_no, ": expected one agent"));
    }
    opts.target.address = opts.positional.front();
    absl::StatusOr<AgentRef> agent = client.AddAgent(opts.target);
    if (!agent.ok()) {
      std::fprintf(stderr, "cistern-cli snmp: %s:%d: %s\n", base.agents_file.c_str(), line_no,
                   std::string(agent.status().message()).c_str());
      return 1;
    }
    jobs.push_back(Job{opts.target.address, *std::move(agent)});
  }

  // Up to `concurrency` inventories at once; results printed as they complete.
  std::mutex mu;
  std::condition_variable cv;
  size_t next = 0, done = 0, failed = 0, running = 0;
  const bool progress = isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu);
  auto launch = [&](size_t k) {
    const auto t0 = std::chrono::steady_clock::now();
    snmp::GetInventory(client, jobs[k].agent, base.walk,
                       [&, k, t0](absl::StatusOr<snmp::DeviceInventory> inv) {
                         const double ms = std::chrono::duration<double, std::milli>(
                                               std::chrono::steady_clock::now() - t0)
                                               .count();
                         std::string out;
                         AppendInventoryJson(jobs[k].name, inv, ms, &out);
                         std::lock_guard<std::mutex> guard(mu);
                         std::fwrite(out.data(), 1, out.size(), stdout);
                         ++done;
                         if (!inv.ok()) ++failed;
                         --running;
                         cv.notify_one();
                       });
  };
  while (done < jobs.size()) {
    while (next < jobs.size() && running < base.concurrency) {
      ++running;
      const size_t k = next++;
      lock.unlock();
      launch(k);
      lock.lock();
    }
    cv.wait_for(lock, std::chrono::milliseconds(200));
    if (progress) {
      std::fprintf(stderr, "\rpolled %zu/%zu agents, %zu failed", done, jobs.size(), failed);
      std::fflush(stderr);
    }
  }
  std::fflush(stdout);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "%spolled %zu agents in %.2f s, %zu failed\n", progress ? "\r" : "",
               jobs.size(), seconds, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace

int RunSnmp(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    return Usage(argc < 2 ? "missing subcommand" : "");
  }
  const std::string_view sub = argv[1];
  Options opts;
  std::vector<std::string> args(argv + 2, argv + argc);
  if (std::string error = ParseOptions(args, &opts); !error.empty()) return Usage(error);

  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create();
  if (!client.ok()) {
    std::fprintf(stderr, "cistern-cli snmp: %s\n", std::string(client.status().message()).c_str());
    return 1;
  }
  if (sub == "poll") {
    if (opts.agents_file.empty()) return Usage("poll needs --agents FILE");
    return RunPoll(**client, opts);
  }
  if (sub != "get" && sub != "getnext" && sub != "walk" && sub != "bulkwalk" && sub != "table") {
    return Usage(absl::StrCat("unknown subcommand ", std::string(sub)));
  }
  if (opts.positional.empty()) return Usage("missing AGENT");
  opts.target.address = opts.positional.front();
  std::vector<std::string> oid_texts(opts.positional.begin() + 1, opts.positional.end());
  const bool walk = sub == "walk" || sub == "bulkwalk";
  if (oid_texts.empty()) {
    if (!walk) return Usage(absl::StrCat(std::string(sub), " needs at least one OID"));
    oid_texts.push_back(".1.3.6.1.2.1");  // net-snmp walks mib-2 by default
  }
  if (walk && oid_texts.size() > 1) return Usage("a walk takes one OID");
  absl::StatusOr<std::vector<Oid>> oids = ParseOids(oid_texts);
  if (!oids.ok()) return Usage(std::string(oids.status().message()));
  absl::StatusOr<AgentRef> agent = (*client)->AddAgent(opts.target);
  if (!agent.ok()) {
    std::fprintf(stderr, "cistern-cli snmp: %s\n", std::string(agent.status().message()).c_str());
    return 1;
  }
  if (sub == "get" || sub == "getnext") {
    return RunGetLike(**client, *agent, *std::move(oids), sub == "getnext");
  }
  if (sub == "table") return RunTable(**client, *agent, opts, *std::move(oids));
  return RunWalk(**client, *agent, opts, std::move(oids->front()), sub == "bulkwalk");
}

}  // namespace cistern::cli
