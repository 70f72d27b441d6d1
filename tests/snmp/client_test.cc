// libsnmp's client against real peers: net-snmp's snmpd with every USM combination, the same
// snmpd behind a loopback proxy that drops, reorders, duplicates, truncates, corrupts and answers
// from the wrong address, and an IPv6 responder of our own. Skips (with a warning) when snmpd or
// ../shared is absent.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cistern/snmp/client.h"
#include "cistern/snmp/message.h"
#include "cistern/snmp/walk.h"
#include "snmp_peers.h"
#include "udp_fault_proxy.h"

namespace {

using cistern::snmp::AgentRef;
using cistern::snmp::Client;
using cistern::snmp::ClientOptions;
using cistern::snmp::Oid;
using cistern::snmp::Pdu;
using cistern::snmp::Target;
using cistern::snmp::Version;
using cistern::testing::SnmpdPeer;
using cistern::testing::UdpFaultConfig;
using cistern::testing::UdpFaultProxy;

const Oid kSysName{1, 3, 6, 1, 2, 1, 1, 5, 0};
const Oid kIfTable{1, 3, 6, 1, 2, 1, 2, 2};
const Oid kSysOrTable{1, 3, 6, 1, 2, 1, 1, 9};
constexpr char kPeerSysName[] = "cistern-snmpd-peer";  // sysName in snmpd-peer's config

// One snmpd for the whole file: starting it costs about a second.
SnmpdPeer* Peer() {
  static std::unique_ptr<SnmpdPeer> peer = [] {
    std::unique_ptr<SnmpdPeer> p;
    if (!SnmpdPeer::SkipReason().empty()) return p;
    auto started = SnmpdPeer::Start();
    if (started.ok()) p = *std::move(started);
    return p;
  }();
  return peer.get();
}

#define REQUIRE_PEER()                                                       \
  if (Peer() == nullptr) {                                                   \
    WARN("skipped: snmpd peer unavailable: " << SnmpdPeer::SkipReason());   \
    return;                                                                  \
  }

Target V3Target(const cistern::testing::SnmpV3User& u, std::string address) {
  Target t;
  t.address = std::move(address);
  t.version = Version::kV3;
  t.user.name = u.name;
  t.user.level = *cistern::snmp::ParseSecurityLevel(u.security_level);
  if (!u.auth_protocol.empty()) {
    t.user.auth = *cistern::snmp::ParseAuthProtocol(u.auth_protocol);
    t.user.auth_password = u.auth_password;
  }
  if (!u.priv_protocol.empty()) {
    t.user.priv = *cistern::snmp::ParsePrivProtocol(u.priv_protocol);
    t.user.priv_password = u.priv_password;
  }
  t.timeout = absl::Milliseconds(500);
  t.retries = 2;
  return t;
}

Target V2cTarget(std::string address) {
  Target t;
  t.address = std::move(address);
  t.timeout = absl::Milliseconds(300);
  t.retries = 5;
  return t;
}

std::unique_ptr<Client> NewClient(ClientOptions options = {}) {
  auto client = Client::Create(options);
  REQUIRE(client.ok());
  return *std::move(client);
}

std::string SysNameOf(const absl::StatusOr<Pdu>& reply) {
  if (!reply.ok() || reply->varbinds.size() != 1) return "";
  return std::string(reply->varbinds[0].value.bytes());
}

}  // namespace

TEST_CASE("client: v1, v2c and every USM combination get, walk and bulkwalk from snmpd",
          "[snmp][client][peer]") {
  REQUIRE_PEER();
  auto client = NewClient();
  std::vector<Target> targets;
  Target v1 = V2cTarget(Peer()->address());
  v1.version = Version::kV1;
  targets.push_back(v1);
  targets.push_back(V2cTarget(Peer()->address()));
  for (const auto& u : Peer()->users()) targets.push_back(V3Target(u, Peer()->address()));
  REQUIRE(targets.size() >= 19);  // v1, v2c and the 17 users of snmpd-peer

  // The reference walk, by net-snmp's own library through the agent, is the same for everyone:
  // take the v2c GetNext walk as the reference and compare every other walk's OIDs with it.
  std::vector<Oid> reference;
  for (const Target& target : targets) {
    CAPTURE(target.user.name, static_cast<int>(target.version));
    absl::StatusOr<AgentRef> agent = client->AddAgent(target);
    REQUIRE(agent.ok());
    CHECK(SysNameOf(client->Send(*agent, Pdu::Get({kSysName})).get()) == kPeerSysName);
    for (bool bulk : {false, true}) {
      cistern::snmp::WalkOptions options;
      options.bulk = bulk;
      auto rows = cistern::snmp::Walk(*client, *agent, kIfTable, options).get();
      REQUIRE(rows.ok());
      REQUIRE(!rows->empty());
      std::vector<Oid> oids;
      for (const auto& vb : *rows) oids.push_back(vb.oid);
      if (reference.empty()) reference = oids;
      CHECK(oids == reference);
    }
  }
  const auto stats = client->stats();
  CHECK(stats.timeouts == 0);
  CHECK(stats.auth_failures == 0);
  CHECK(stats.discoveries == 17);  // one per v3 agent
}

TEST_CASE("client: USM failures are clear errors", "[snmp][client][peer]") {
  REQUIRE_PEER();
  auto client = NewClient();
  const auto* md5 = Peer()->FindUser("md5user");
  const auto* shaaes = Peer()->FindUser("shaaesuser");
  REQUIRE(md5 != nullptr);
  REQUIRE(shaaes != nullptr);
  auto get = [&](Target t) {
    absl::StatusOr<AgentRef> agent = client->AddAgent(t);
    REQUIRE(agent.ok());
    return client->Send(*agent, Pdu::Get({kSysName})).get();
  };

  SECTION("wrong authentication password") {
    Target t = V3Target(*md5, Peer()->address());
    t.user.auth_password = "notthepassword";
    auto reply = get(t);
    REQUIRE(reply.status().code() == absl::StatusCode::kUnauthenticated);
    CHECK_THAT(std::string(reply.status().message()),
               Catch::Contains("wrong authentication password"));
  }
  SECTION("wrong authentication protocol") {
    Target t = V3Target(*md5, Peer()->address());
    t.user.auth = cistern::snmp::AuthProtocol::kSha256;
    CHECK(get(t).status().code() == absl::StatusCode::kUnauthenticated);
  }
  SECTION("unknown user") {
    Target t = V3Target(*md5, Peer()->address());
    t.user.name = "nosuchuser";
    auto reply = get(t);
    REQUIRE(reply.status().code() == absl::StatusCode::kUnauthenticated);
    CHECK_THAT(std::string(reply.status().message()), Catch::Contains("does not know user"));
  }
  SECTION("an authPriv user at noAuthNoPriv is refused by the agent's access control") {
    Target t = V3Target(*shaaes, Peer()->address());
    t.user.level = cistern::snmp::SecurityLevel::kNoAuthNoPriv;
    auto reply = get(t);
    // snmpd answers with authorizationError (VACM), not a USM report.
    REQUIRE(reply.ok());
    CHECK(reply->error_status ==
          static_cast<int32_t>(cistern::snmp::ErrorStatus::kAuthorizationError));
  }
  SECTION("wrong privacy password: the agent drops what it cannot decrypt") {
    Target t = V3Target(*shaaes, Peer()->address());
    t.user.priv_password = "notthepassword";
    t.retries = 0;
    CHECK(get(t).status().code() == absl::StatusCode::kDeadlineExceeded);
  }
  SECTION("credentials that cannot be right are refused before sending") {
    Target t = V3Target(*shaaes, Peer()->address());
    t.user.priv = cistern::snmp::PrivProtocol::kNone;
    CHECK(client->AddAgent(t).status().code() == absl::StatusCode::kInvalidArgument);
    t = V3Target(*md5, Peer()->address());
    t.user.auth_password = "short";
    CHECK(client->AddAgent(t).status().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("client: a lossy, reordering, duplicating, lying network never mismatches a reply",
          "[snmp][client][peer][faults]") {
  REQUIRE_PEER();
  const auto* shaaes = Peer()->FindUser("shaaesuser");
  REQUIRE(shaaes != nullptr);
  // Every request asks for a different object; every answer must carry the object asked for.
  const std::vector<Oid> objects = {
      {1, 3, 6, 1, 2, 1, 1, 1, 0}, {1, 3, 6, 1, 2, 1, 1, 2, 0}, {1, 3, 6, 1, 2, 1, 1, 4, 0},
      {1, 3, 6, 1, 2, 1, 1, 5, 0}, {1, 3, 6, 1, 2, 1, 1, 6, 0}, {1, 3, 6, 1, 2, 1, 1, 7, 0}};

  struct Fault {
    const char* name;
    UdpFaultConfig config;
  };
  std::vector<Fault> faults;
  {
    UdpFaultConfig c;
    c.drop_request = 0.2;
    c.drop_reply = 0.2;
    faults.push_back({"drops", c});
  }
  {
    UdpFaultConfig c;
    c.reorder_window = 8;
    c.reorder_shuffle = true;
    faults.push_back({"reorder", c});
  }
  {
    UdpFaultConfig c;
    c.duplicate_reply = 0.5;
    c.duplicate_copies = 2;
    faults.push_back({"duplicates", c});
  }
  {
    UdpFaultConfig c;
    c.wrong_source_port = 0.3;
    c.wrong_source_address = 0.2;
    faults.push_back({"wrong source", c});
  }
  {
    UdpFaultConfig c;
    c.truncate_reply = 0.2;
    c.corrupt_reply = 0.2;
    c.corrupt_bytes = 3;
    c.garbage = 0.3;
    c.garbage_looks_like_ber = true;
    faults.push_back({"truncated, corrupted, garbage", c});
  }

  for (const Fault& fault : faults) {
    for (bool v3 : {false, true}) {
      CAPTURE(fault.name, v3);
      auto proxy = UdpFaultProxy::Start(Peer()->port(), fault.config);
      REQUIRE(proxy.ok());
      auto client = NewClient();
      Target target = v3 ? V3Target(*shaaes, (*proxy)->address()) : V2cTarget((*proxy)->address());
      target.timeout = absl::Milliseconds(200);
      target.retries = 8;
      absl::StatusOr<AgentRef> agent = client->AddAgent(target);
      REQUIRE(agent.ok());

      constexpr int kRequests = 120;
      std::vector<std::future<absl::StatusOr<Pdu>>> replies;
      for (int i = 0; i < kRequests; ++i) {
        replies.push_back(client->Send(*agent, Pdu::Get({objects[i % objects.size()]})));
      }
      int answered = 0;
      for (int i = 0; i < kRequests; ++i) {
        absl::StatusOr<Pdu> reply = replies[i].get();
        if (!reply.ok()) {
          // Only a timeout is acceptable (every attempt lost), never a wrong answer.
          CHECK(reply.status().code() == absl::StatusCode::kDeadlineExceeded);
          continue;
        }
        ++answered;
        REQUIRE(reply->varbinds.size() == 1);
        CHECK(reply->varbinds[0].oid == objects[i % objects.size()]);
      }
      CHECK(answered >= kRequests * 95 / 100);
      const auto stats = client->stats();
      const auto did = (*proxy)->counters();
      if (fault.config.duplicate_reply > 0) {
        CHECK(did.replies_duplicated > 0);
        CHECK(stats.unmatched > 0);
      }
      if (fault.config.wrong_source_port > 0) {
        CHECK(did.replies_wrong_port + did.replies_wrong_address > 0);
        CHECK(stats.wrong_source > 0);
      }
      if (fault.config.truncate_reply > 0) {
        CHECK(did.replies_truncated + did.replies_corrupted + did.garbage_sent > 0);
        CHECK(stats.malformed + stats.auth_failures + stats.unmatched > 0);
      }
      if (fault.config.drop_request > 0) CHECK(stats.retransmits > 0);
      if (fault.config.reorder_window > 0) CHECK(did.replies_reordered > 0);
    }
  }
}

TEST_CASE("client: replies only from the wrong address are never delivered",
          "[snmp][client][peer][faults]") {
  REQUIRE_PEER();
  UdpFaultConfig config;
  config.wrong_source_port = 1.0;
  auto proxy = UdpFaultProxy::Start(Peer()->port(), config);
  REQUIRE(proxy.ok());
  auto client = NewClient();
  Target target = V2cTarget((*proxy)->address());
  target.timeout = absl::Milliseconds(100);
  target.retries = 2;
  absl::StatusOr<AgentRef> agent = client->AddAgent(target);
  REQUIRE(agent.ok());
  CHECK(client->Send(*agent, Pdu::Get({kSysName})).get().status().code() ==
        absl::StatusCode::kDeadlineExceeded);
  CHECK(client->stats().wrong_source == 3);
}

TEST_CASE("client: thousands in flight, from several threads, against one agent",
          "[snmp][client][peer]") {
  REQUIRE_PEER();
  ClientOptions options;
  options.max_in_flight_per_agent = 32;  // the rest wait in the agent's queue, in order
  auto client = NewClient(options);
  absl::StatusOr<AgentRef> agent = client->AddAgent(V2cTarget(Peer()->address()));
  REQUIRE(agent.ok());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 1000;
  std::atomic<int> ok{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  std::promise<void> all_done;
  std::atomic<int> remaining{kThreads * kPerThread};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        client->Send(*agent, Pdu::Get({kSysName}), [&](absl::StatusOr<Pdu> reply) {
          if (SysNameOf(reply) == kPeerSysName) {
            ++ok;
          } else {
            ++wrong;
          }
          if (--remaining == 0) all_done.set_value();
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(client->stats().in_flight <= 32);
  all_done.get_future().wait();
  CHECK(ok == kThreads * kPerThread);
  CHECK(wrong == 0);
  CHECK(client->stats().requests == kThreads * kPerThread);
}

TEST_CASE("client: idle for a while, then still answers; destroyed with requests in flight",
          "[snmp][client][peer]") {
  REQUIRE_PEER();
  auto client = NewClient();
  absl::StatusOr<AgentRef> agent = client->AddAgent(V2cTarget(Peer()->address()));
  REQUIRE(agent.ok());
  CHECK(SysNameOf(client->Send(*agent, Pdu::Get({kSysName})).get()) == kPeerSysName);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(SysNameOf(client->Send(*agent, Pdu::Get({kSysName})).get()) == kPeerSysName);

  // An agent that never answers (a closed port), and a client destroyed before the timeout.
  Target silent = V2cTarget("127.0.0.1:9");
  silent.timeout = absl::Seconds(30);
  absl::StatusOr<AgentRef> nobody = client->AddAgent(silent);
  REQUIRE(nobody.ok());
  auto pending = client->Send(*nobody, Pdu::Get({kSysName}));
  client.reset();
  CHECK(pending.get().status().code() == absl::StatusCode::kCancelled);
}

TEST_CASE("client: tables and inventory from snmpd", "[snmp][client][peer]") {
  REQUIRE_PEER();
  auto client = NewClient();
  absl::StatusOr<AgentRef> agent = client->AddAgent(V2cTarget(Peer()->address()));
  REQUIRE(agent.ok());
  auto table = cistern::snmp::GetTable(*client, *agent, {kIfTable, Oid{1, 3, 6, 1, 2, 1, 31, 1, 1}})
                   .get();
  REQUIRE(table.ok());
  auto walked = cistern::snmp::Walk(*client, *agent, Oid{1, 3, 6, 1, 2, 1, 2, 2, 1, 1}).get();
  REQUIRE(walked.ok());
  CHECK(table->rows.size() == walked->size());  // one row per ifIndex
  auto inventory = cistern::snmp::GetInventory(*client, *agent).get();
  REQUIRE(inventory.ok());
  CHECK(inventory->sys_name == kPeerSysName);
  CHECK(inventory->interfaces.size() == walked->size());
  bool loopback = false;
  for (const auto& i : inventory->interfaces) loopback |= i.name == "lo" && i.type == 24;
  CHECK(loopback);
  auto sys_or = cistern::snmp::Walk(*client, *agent, kSysOrTable).get();
  REQUIRE(sys_or.ok());
  CHECK(!sys_or->empty());
}

TEST_CASE("client: IPv6 agents share the one socket with IPv4 agents", "[snmp][client]") {
  // A tiny agent of our own on [::1]: answers any v2c Get with sysName "v6".
  const int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) close(fd);
    WARN("skipped: no IPv6 loopback here");
    return;
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin6_port);
  std::atomic<bool> stop{false};
  std::thread agent_thread([&] {
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      uint8_t buf[2048];
      sockaddr_in6 from{};
      socklen_t from_len = sizeof from;
      const ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from),
                                 &from_len);
      cistern::snmp::Message m;
      if (n <= 0 || !cistern::snmp::DecodeMessage({buf, static_cast<size_t>(n)}, &m).ok()) continue;
      m.pdu.type = cistern::snmp::PduType::kResponse;
      for (auto& vb : m.pdu.varbinds) vb.value = cistern::snmp::Value::OctetString("v6");
      std::vector<uint8_t> out;
      if (!cistern::snmp::EncodeMessage(m, &out).ok()) continue;
      sendto(fd, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    }
  });
  auto client = NewClient();
  absl::StatusOr<AgentRef> v6 = client->AddAgent(V2cTarget("[::1]:" + std::to_string(port)));
  REQUIRE(v6.ok());
  CHECK((*v6)->peer() == "[::1]:" + std::to_string(port));
  CHECK(SysNameOf(client->Send(*v6, Pdu::Get({kSysName})).get()) == "v6");
  if (Peer() != nullptr) {
    absl::StatusOr<AgentRef> v4 = client->AddAgent(V2cTarget(Peer()->address()));
    REQUIRE(v4.ok());
    CHECK(SysNameOf(client->Send(*v4, Pdu::Get({kSysName})).get()) == kPeerSysName);
  }
  stop = true;
  agent_thread.join();
  close(fd);
}

TEST_CASE("client: addresses are parsed the way net-snmp writes them", "[snmp][client]") {
  auto client = NewClient();
  for (const char* ok : {"127.0.0.1", "127.0.0.1:1161", "udp:127.0.0.1:161", "localhost:162"}) {
    CAPTURE(ok);
    CHECK(client->AddAgent(V2cTarget(ok)).ok());
  }
  CHECK(client->AddAgent(V2cTarget("127.0.0.1:99999")).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(client->AddAgent(V2cTarget("[::1")).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(client->AddAgent(V2cTarget("no-such-host.invalid")).status().code() ==
        absl::StatusCode::kNotFound);
}
