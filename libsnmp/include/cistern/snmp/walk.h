// Walks, tables and device inventory, built on Client: everything a poller reads from a device.
//
//   Walk(*client, agent, ifTable, {}, [](absl::StatusOr<std::vector<VarBind>> rows) { ... });
//   absl::StatusOr<Table> t = GetTable(*client, agent, {ifTable, ifXTable}, {}).get();
//   absl::StatusOr<DeviceInventory> inv = GetInventory(*client, agent, {}).get();
//
// A walk asks GetBulk (v2c, v3) or GetNext (v1, or `bulk = false`) from the root until an answer
// leaves the subtree, reports endOfMibView, or (v1) noSuchName. Several columns are walked in
// lockstep, one request for all of them per round, as net-snmp's snmptable does. An agent that
// answers a bulk request with tooBig gets the same request with half the repetitions. An OID that
// does not increase ends the walk with an error (a looping agent), unless `check_increasing` is
// off (net-snmp's -Cc). Like net-snmp's snmpwalk, a walk whose subtree is empty asks for the root
// itself and returns it when it exists (`get_root_if_empty`, net-snmp's default; -CI turns it off).
//
// Errors: those of Client::Send, and FailedPrecondition for an error-status in a response (named,
// with the binding it points at) or a non-increasing OID. Callbacks run on the client's I/O thread
// (see client.h); the future overloads may be waited on from any other thread.
#ifndef CISTERN_SNMP_WALK_H_
#define CISTERN_SNMP_WALK_H_

#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "cistern/snmp/client.h"

namespace cistern::snmp {

struct WalkOptions {
  bool bulk = true;             // GetBulk where the version has it
  int32_t max_repetitions = 10;  // net-snmp's -Cr
  bool check_increasing = true;  // net-snmp's -Cc turns it off
  bool get_root_if_empty = true;  // net-snmp's -CI turns it off
  // A lockstep walk of C columns asks for max(1, min(max_repetitions, this / C)) rows per
  // request, so that many columns do not make one huge response: agents that build responses
  // slowly (snmpsim stops answering at all somewhere between 45 and 90 bindings) choke on them.
  int32_t max_bindings_per_request = 48;
};

using WalkCallback = absl::AnyInvocable<void(absl::StatusOr<std::vector<VarBind>>) &&>;
void Walk(Client& client, const AgentRef& agent, Oid root, WalkOptions options,
          WalkCallback done);
std::future<absl::StatusOr<std::vector<VarBind>>> Walk(Client& client, const AgentRef& agent,
                                                       Oid root, WalkOptions options = {});

// Several subtrees walked in lockstep; result i holds the bindings under roots[i] in order.
using ColumnsCallback =
    absl::AnyInvocable<void(absl::StatusOr<std::vector<std::vector<VarBind>>>) &&>;
void WalkColumns(Client& client, const AgentRef& agent, std::vector<Oid> roots,
                 WalkOptions options, ColumnsCallback done);

// A conceptual table (or several sharing an index, like ifTable and ifXTable): every cell under
// `table.1.column.index`, joined by index.
struct Table {
  struct Column {
    Oid oid;  // table.1.column
  };
  struct Row {
    std::vector<uint32_t> index;            // the instance arcs after the column
    std::vector<std::optional<Value>> cells;  // one per column, absent when the agent has none
  };
  std::vector<Column> columns;  // in OID order
  std::vector<Row> rows;        // in index order
};
using TableCallback = absl::AnyInvocable<void(absl::StatusOr<Table>) &&>;
void GetTable(Client& client, const AgentRef& agent, std::vector<Oid> tables, WalkOptions options,
              TableCallback done);
std::future<absl::StatusOr<Table>> GetTable(Client& client, const AgentRef& agent,
                                            std::vector<Oid> tables, WalkOptions options = {});

// What a poller needs to name a device and its interfaces (SNMPv2-MIB system group, IF-MIB ifTable
// and ifXTable).
struct InterfaceInfo {
  uint32_t if_index = 0;
  std::string name;   // ifName
  std::string descr;  // ifDescr
  std::string alias;  // ifAlias
  int32_t type = 0;   // ifType (IANAifType)
  // ifHighSpeed × 10^6 when ifSpeed is saturated (4294967295) or absent, else ifSpeed (bit/s).
  uint64_t speed_bps = 0;
  int32_t oper_status = 0;    // ifOperStatus: 1 up, 2 down, …
  std::string phys_address;  // ifPhysAddress, raw bytes
};
struct DeviceInventory {
  std::string sys_name;
  std::string sys_descr;
  Oid sys_object_id;
  uint32_t sys_uptime = 0;  // hundredths of a second
  std::vector<InterfaceInfo> interfaces;  // by ifIndex
};
using InventoryCallback = absl::AnyInvocable<void(absl::StatusOr<DeviceInventory>) &&>;
void GetInventory(Client& client, const AgentRef& agent, WalkOptions options,
                  InventoryCallback done);
std::future<absl::StatusOr<DeviceInventory>> GetInventory(Client& client, const AgentRef& agent,
                                                          WalkOptions options = {});

// The inventory read from a list of bindings (a walk of the system group, ifTable and ifXTable,
// or a recording of them). Exposed for tests that compare with recorded walks.
DeviceInventory InventoryFromBindings(const std::vector<VarBind>& bindings);

}  // namespace cistern::snmp

#endif  // CISTERN_SNMP_WALK_H_
