#include "cistern/snmp/walk.h"

#include <algorithm>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

namespace cistern::snmp {
namespace {

absl::Status ResponseError(const Pdu& response, const AgentRef& agent) {
  std::string where;
  if (response.error_index > 0 &&
      static_cast<size_t>(response.error_index) <= response.varbinds.size()) {
    where = absl::StrCat(" at ", response.varbinds[response.error_index - 1].oid.ToString());
  }
  return absl::FailedPreconditionError(absl::StrCat("snmp: ", agent->peer(), " answered ",
                                                    ErrorStatusName(response.error_status),
                                                    where));
}

// The lockstep walk of several subtrees. Lives in a shared_ptr captured by its own callbacks;
// touched only on the client's I/O thread, one response at a time.
class ColumnWalk : public std::enable_shared_from_this<ColumnWalk> {
 public:
  ColumnWalk(Client& client, AgentRef agent, std::vector<Oid> roots, WalkOptions options,
             ColumnsCallback done)
      : client_(client), agent_(std::move(agent)), options_(options), done_(std::move(done)) {
    columns_.resize(roots.size());
    for (size_t i = 0; i < roots.size(); ++i) {
      columns_[i].root = roots[i];
      columns_[i].last = std::move(roots[i]);
    }
    if (agent_->target().version == Version::kV1) options_.bulk = false;
    options_.max_repetitions = std::max(1, options_.max_repetitions);
  }

  void Next() {
    active_.clear();
    std::vector<Oid> oids;
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (!columns_[i].done) {
        active_.push_back(i);
        oids.push_back(columns_[i].last);
      }
    }
    if (active_.empty()) {
      Finish(absl::OkStatus());
      return;
    }
    const int32_t columns = static_cast<int32_t>(oids.size());
    const int32_t rows = std::max<int32_t>(
        1, std::min(options_.max_repetitions, options_.max_bindings_per_request / columns));
    Pdu request = options_.bulk ? Pdu::GetBulk(0, rows, std::move(oids))
                                : Pdu::GetNext(std::move(oids));
    client_.Send(agent_, std::move(request),
                 [self = shared_from_this()](absl::StatusOr<Pdu> reply) {
                   self->OnReply(std::move(reply));
                 });
  }

 private:
  struct Column {
    Oid root;
    Oid last;
    bool done = false;
    std::vector<VarBind> found;
  };

  void OnReply(absl::StatusOr<Pdu> reply) {
    if (!reply.ok()) {
      Finish(reply.status());
      return;
    }
    Pdu& pdu = *reply;
    if (pdu.error_status != 0) {
      const auto status = static_cast<ErrorStatus>(pdu.error_status);
      if (status == ErrorStatus::kTooBig && options_.bulk && options_.max_repetitions > 1) {
        options_.max_repetitions /= 2;  // the agent cannot fit the answer: ask for less
        Next();
        return;
      }
      if (status == ErrorStatus::kNoSuchName && !options_.bulk && pdu.error_index >= 1 &&
          static_cast<size_t>(pdu.error_index) <= active_.size()) {
        // SNMPv1's end of the MIB: that column is done; ask again for the others.
        columns_[active_[pdu.error_index - 1]].done = true;
        Next();
        return;
      }
      Finish(ResponseError(pdu, agent_));
      return;
    }
    if (pdu.varbinds.empty()) {
      Finish(absl::FailedPreconditionError(
          absl::StrCat("snmp: ", agent_->peer(), " answered a walk with no bindings")));
      return;
    }
    // Bindings come in rows of one per active column (RFC 3416 §4.2.3); a short answer ends
    // mid-row. A column ends at its first binding outside its subtree or at endOfMibView.
    std::vector<bool> ended(active_.size(), false);
    for (size_t i = 0; i < pdu.varbinds.size(); ++i) {
      const size_t slot = i % active_.size();
      if (ended[slot]) continue;
      Column& column = columns_[active_[slot]];
      VarBind& vb = pdu.varbinds[i];
      if (vb.value.type() == ValueType::kEndOfMibView || !vb.oid.StartsWith(column.root) ||
          vb.oid.size() == column.root.size()) {
        ended[slot] = true;
        column.done = true;
        continue;
      }
      if (options_.check_increasing && !(column.last < vb.oid)) {
        Finish(absl::FailedPreconditionError(absl::StrCat(
            "snmp: ", agent_->peer(), " answered a walk with an OID that does not increase: ",
            vb.oid.ToString(), " after ", column.last.ToString())));
        return;
      }
      column.last = vb.oid;
      column.found.push_back(std::move(vb));
    }
    if (!options_.check_increasing) {
      // Without the check a looping agent could keep us forever: a column that made no progress
      // in a round ends.
      for (size_t slot = 0; slot < active_.size(); ++slot) {
        if (pdu.varbinds.size() <= slot) columns_[active_[slot]].done = true;
      }
    }
    Next();
  }

  void Finish(absl::Status status) {
    if (!done_) return;
    if (!status.ok()) {
      std::move(done_)(std::move(status));
    } else {
      std::vector<std::vector<VarBind>> out;
      out.reserve(columns_.size());
      for (Column& c : columns_) out.push_back(std::move(c.found));
      std::move(done_)(std::move(out));
    }
    done_ = nullptr;
  }

  Client& client_;
  AgentRef agent_;
  WalkOptions options_;
  ColumnsCallback done_;
  std::vector<Column> columns_;
  std::vector<size_t> active_;  // columns asked for in the request in flight
};

template <typename T>
std::pair<std::shared_ptr<std::promise<absl::StatusOr<T>>>, std::future<absl::StatusOr<T>>>
MakePromise() {
  auto promise = std::make_shared<std::promise<absl::StatusOr<T>>>();
  auto future = promise->get_future();
  return {std::move(promise), std::move(future)};
}

const Oid kSysDescr{1, 3, 6, 1, 2, 1, 1, 1, 0};
const Oid kSysObjectId{1, 3, 6, 1, 2, 1, 1, 2, 0};
const Oid kSysUpTime{1, 3, 6, 1, 2, 1, 1, 3, 0};
const Oid kSysName{1, 3, 6, 1, 2, 1, 1, 5, 0};
const Oid kIfEntry{1, 3, 6, 1, 2, 1, 2, 2, 1};
const Oid kIfXEntry{1, 3, 6, 1, 2, 1, 31, 1, 1, 1};
// ifTable columns: ifIndex 1, ifDescr 2, ifType 3, ifSpeed 5, ifPhysAddress 6, ifOperStatus 8;
// ifXTable columns: ifName 1, ifHighSpeed 15, ifAlias 18.
constexpr uint32_t kIfColumns[] = {1, 2, 3, 5, 6, 8};
constexpr uint32_t kIfXColumns[] = {1, 15, 18};

Oid Child(const Oid& parent, uint32_t arc) {
  Oid out = parent;
  out.Append(arc);
  return out;
}

std::string StringOf(const Value& v) { return std::string(v.bytes()); }

}  // namespace

void WalkColumns(Client& client, const AgentRef& agent, std::vector<Oid> roots,
                 WalkOptions options, ColumnsCallback done) {
  auto walk = std::make_shared<ColumnWalk>(client, agent, std::move(roots), options,
                                           std::move(done));
  walk->Next();
}

void Walk(Client& client, const AgentRef& agent, Oid root, WalkOptions options,
          WalkCallback done) {
  Oid root_copy = root;
  WalkColumns(
      client, agent, {std::move(root)}, options,
      [&client, agent, options, root = std::move(root_copy), done = std::move(done)](
          absl::StatusOr<std::vector<std::vector<VarBind>>> result) mutable {
        if (!result.ok()) {
          std::move(done)(result.status());
          return;
        }
        std::vector<VarBind> found = std::move(result->front());
        if (!found.empty() || !options.get_root_if_empty) {
          std::move(done)(std::move(found));
          return;
        }
        // An empty subtree: the root may be an instance itself (snmpwalk sysName.0).
        client.Send(agent, Pdu::Get({root}),
                    [done = std::move(done)](absl::StatusOr<Pdu> reply) mutable {
                      std::vector<VarBind> out;
                      if (reply.ok() && reply->error_status == 0 && reply->varbinds.size() == 1 &&
                          !reply->varbinds.front().value.is_exception()) {
                        out.push_back(std::move(reply->varbinds.front()));
                      }
                      if (!reply.ok()) {
                        std::move(done)(reply.status());
                      } else {
                        std::move(done)(std::move(out));
                      }
                    });
      });
}

std::future<absl::StatusOr<std::vector<VarBind>>> Walk(Client& client, const AgentRef& agent,
                                                       Oid root, WalkOptions options) {
  auto made = MakePromise<std::vector<VarBind>>();
  std::shared_ptr<std::promise<absl::StatusOr<std::vector<VarBind>>>> promise = made.first;
  auto future = std::move(made.second);
  Walk(client, agent, std::move(root), options,
       [promise](absl::StatusOr<std::vector<VarBind>> r) { promise->set_value(std::move(r)); });
  return future;
}

void GetTable(Client& client, const AgentRef& agent, std::vector<Oid> tables, WalkOptions options,
              TableCallback done) {
  // Walk each table's entry (table.1) as one subtree per table, then split cells into columns.
  std::vector<Oid> entries;
  for (const Oid& t : tables) entries.push_back(Child(t, 1));
  const std::vector<Oid> entry_roots = entries;
  WalkColumns(
      client, agent, std::move(entries), options,
      [entry_roots, done = std::move(done)](
          absl::StatusOr<std::vector<std::vector<VarBind>>> result) mutable {
        if (!result.ok()) {
          std::move(done)(result.status());
          return;
        }
        std::map<Oid, size_t> column_of;
        std::map<std::vector<uint32_t>, std::vector<std::pair<Oid, Value>>> cells;
        for (size_t t = 0; t < result->size(); ++t) {
          for (VarBind& vb : (*result)[t]) {
            const auto rest = vb.oid.SuffixAfter(entry_roots[t]);
            if (rest.size() < 2) continue;  // entry.column without an index: not a cell
            Oid column = Child(entry_roots[t], rest[0]);
            column_of.emplace(column, 0);
            cells[std::vector<uint32_t>(rest.begin() + 1, rest.end())].emplace_back(
                std::move(column), std::move(vb.value));
          }
        }
        Table table;
        for (auto& [column, position] : column_of) {
          position = table.columns.size();
          table.columns.push_back(Table::Column{column});
        }
        for (auto& [index, row_cells] : cells) {
          Table::Row row;
          row.index = index;
          row.cells.resize(table.columns.size());
          for (auto& [column, value] : row_cells) row.cells[column_of[column]] = std::move(value);
          table.rows.push_back(std::move(row));
        }
        std::move(done)(std::move(table));
      });
}

std::future<absl::StatusOr<Table>> GetTable(Client& client, const AgentRef& agent,
                                            std::vector<Oid> tables, WalkOptions options) {
  auto made = MakePromise<Table>();
  std::shared_ptr<std::promise<absl::StatusOr<Table>>> promise = made.first;
  auto future = std::move(made.second);
  GetTable(client, agent, std::move(tables), options,
           [promise](absl::StatusOr<Table> r) { promise->set_value(std::move(r)); });
  return future;
}

DeviceInventory InventoryFromBindings(const std::vector<VarBind>& bindings) {
  DeviceInventory inv;
  std::map<uint32_t, InterfaceInfo> interfaces;
  std::map<uint32_t, uint64_t> high_speed;
  for (const VarBind& vb : bindings) {
    const Value& v = vb.value;
    if (vb.oid == kSysDescr) inv.sys_descr = StringOf(v);
    if (vb.oid == kSysObjectId) inv.sys_object_id = v.oid();
    if (vb.oid == kSysUpTime) inv.sys_uptime = static_cast<uint32_t>(v.as_uint());
    if (vb.oid == kSysName) inv.sys_name = StringOf(v);
    if (v.is_exception()) continue;
    const Oid* entry = vb.oid.StartsWith(kIfEntry)    ? &kIfEntry
                       : vb.oid.StartsWith(kIfXEntry) ? &kIfXEntry
                                                      : nullptr;
    if (entry == nullptr) continue;
    const auto rest = vb.oid.SuffixAfter(*entry);
    if (rest.size() != 2) continue;  // column.ifIndex
    const uint32_t column = rest[0];
    const uint32_t index = rest[1];
    // Only ifTable rows define interfaces; ifXTable cells add to them.
    if (entry == &kIfXEntry && !interfaces.contains(index)) continue;
    InterfaceInfo& info = interfaces[index];
    info.if_index = index;
    if (entry == &kIfEntry) {
      switch (column) {
        case 2: info.descr = StringOf(v); break;
        case 3: info.type = static_cast<int32_t>(v.as_int()); break;
        case 5: info.speed_bps = v.as_uint(); break;
        case 6: info.phys_address = StringOf(v); break;
        case 8: info.oper_status = static_cast<int32_t>(v.as_int()); break;
        default: break;
      }
    } else {
      switch (column) {
        case 1: info.name = StringOf(v); break;
        case 15: high_speed[index] = v.as_uint(); break;
        case 18: info.alias = StringOf(v); break;
        default: break;
      }
    }
  }
  for (auto& [index, info] : interfaces) {
    auto hs = high_speed.find(index);
    if (hs != high_speed.end() && (info.speed_bps == 0xffffffffu || info.speed_bps == 0)) {
      info.speed_bps = hs->second * 1'000'000;
    }
    inv.interfaces.push_back(std::move(info));
  }
  return inv;
}

void GetInventory(Client& client, const AgentRef& agent, WalkOptions options,
                  InventoryCallback done) {
  // One walk of nine columns in lockstep, and the system group: one Get (v2c, v3) or one Get per
  // object (v1, where one missing object fails the whole request).
  struct State {
    InventoryCallback done;
    std::vector<VarBind> bindings;
    absl::Status status;
    int pending = 0;
    void Finish() {
      if (--pending > 0) return;
      if (!status.ok()) {
        std::move(done)(status);
      } else {
        std::move(done)(InventoryFromBindings(bindings));
      }
    }
  };
  auto state = std::make_shared<State>();
  state->done = std::move(done);
  std::vector<Oid> columns;
  for (uint32_t c : kIfColumns) columns.push_back(Child(kIfEntry, c));
  for (uint32_t c : kIfXColumns) columns.push_back(Child(kIfXEntry, c));
  const std::vector<Oid> system = {kSysDescr, kSysObjectId, kSysUpTime, kSysName};
  const bool v1 = agent->target().version == Version::kV1;
  state->pending = 1 + (v1 ? static_cast<int>(system.size()) : 1);

  auto on_get = [state](absl::StatusOr<Pdu> reply) {
    if (!reply.ok()) {
      if (state->status.ok()) state->status = reply.status();
    } else if (reply->error_status == 0) {
      for (VarBind& vb : reply->varbinds) state->bindings.push_back(std::move(vb));
    }  // v1 noSuchName: the object is absent, which the inventory tolerates
    state->Finish();
  };
  if (v1) {
    for (const Oid& oid : system) client.Send(agent, Pdu::Get({oid}), on_get);
  } else {
    client.Send(agent, Pdu::Get(system), std::move(on_get));
  }
  WalkColumns(client, agent, std::move(columns), options,
              [state](absl::StatusOr<std::vector<std::vector<VarBind>>> result) {
                if (!result.ok()) {
                  if (state->status.ok()) state->status = result.status();
                } else {
                  for (auto& column : *result) {
                    for (VarBind& vb : column) state->bindings.push_back(std::move(vb));
                  }
                }
                state->Finish();
              });
}

std::future<absl::StatusOr<DeviceInventory>> GetInventory(Client& client, const AgentRef& agent,
                                                          WalkOptions options) {
  auto made = MakePromise<DeviceInventory>();
  std::shared_ptr<std::promise<absl::StatusOr<DeviceInventory>>> promise = made.first;
  auto future = std::move(made.second);
  GetInventory(client, agent, options,
               [promise](absl::StatusOr<DeviceInventory> r) { promise->set_value(std::move(r)); });
  return future;
}

}  // namespace cistern::snmp
