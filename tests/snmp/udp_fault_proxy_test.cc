// UdpFaultProxy on its own: a trivial UDP echo upstream, a plain UDP client, and each fault mode
// observed from the client's side and in the counters.
#include "udp_fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace cistern::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int LoopbackSocket(int* port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  *port = ntohs(a.sin_port);
  return fd;
}

// Echoes every datagram back to its sender, on a thread of its own.
class EchoServer {
 public:
  EchoServer() : fd_(LoopbackSocket(&port_)), thread_([this] { Run(); }) {}
  ~EchoServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  int received() const { return received_.load(); }

 private:
  void Run() {
    char buf[65536];
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) continue;
      received_++;
      sendto(fd_, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }

  int port_ = 0;
  int fd_;
  std::atomic<bool> stop_{false};
  std::atomic<int> received_{0};
  std::thread thread_;
};

struct Datagram {
  std::string data;
  std::string ip;
  int port = 0;
};

class Client {
 public:
  Client() : fd_(LoopbackSocket(&port_)) {}
  ~Client() { close(fd_); }
  void Send(int port, const std::string& data) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
            static_cast<ssize_t>(data.size()));
  }
  std::optional<Datagram> Receive(milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buf[65536];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return std::nullopt;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
    return Datagram{std::string(buf, static_cast<size_t>(n)), ip, ntohs(from.sin_port)};
  }
  // Everything that arrives until nothing has for `quiet` (the first may take up to `first`).
  std::vector<Datagram> ReceiveAll(milliseconds quiet = milliseconds(300),
                                   milliseconds first = milliseconds(3000)) {
    std::vector<Datagram> out;
    for (auto d = Receive(first); d; d = Receive(quiet)) out.push_back(*std::move(d));
    return out;
  }

 private:
  int port_ = 0;
  int fd_;
};

// Polls `done` until it holds or 10 s passed (the proxy thread may lag on a loaded machine).
template <typename Pred>
bool WaitFor(Pred done) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

std::string Message(int i) { return "message-" + std::to_string(i) + "-" + std::string(40, 'x'); }

std::unique_ptr<UdpFaultProxy> StartProxy(int upstream, const UdpFaultConfig& config) {
  auto proxy = UdpFaultProxy::Start(upstream, config);
  REQUIRE(proxy.ok());
  return *std::move(proxy);
}

std::set<std::string> Payloads(const std::vector<Datagram>& ds) {
  std::set<std::string> out;
  for (const auto& d : ds) out.insert(d.data);
  return out;
}

TEST_CASE("UdpFaultProxy without faults relays both ways untouched", "[udp_fault_proxy]") {
  EchoServer echo;
  auto proxy = StartProxy(echo.port(), UdpFaultConfig());
  CHECK(proxy->address() == "127.0.0.1:" + std::to_string(proxy->port()));
  Client client;
  for (int i = 0; i < 50; ++i) {
    client.Send(proxy->port(), Message(i));
    auto reply = client.Receive(milliseconds(2000));
    REQUIRE(reply);
    CHECK(reply->data == Message(i));
    CHECK(reply->ip == "127.0.0.1");
    CHECK(reply->port == proxy->port());
  }
  UdpFaultCounters c = proxy->counters();
  CHECK(c.requests_received == 50);
  CHECK(c.requests_forwarded == 50);
  CHECK(c.replies_received == 50);
  CHECK(c.replies_sent == 50);
  CHECK(c.clients == 1);
  CHECK(c.requests_dropped + c.replies_dropped + c.replies_duplicated + c.garbage_sent == 0);
}

TEST_CASE("UdpFaultProxy drops a share of requests", "[udp_fault_proxy]") {
  EchoServer echo;
  UdpFaultConfig f;
  f.drop_request = 0.5;
  auto proxy = StartProxy(echo.port(), f);
  Client client;
  for (int i = 0; i < 200; ++i) client.Send(proxy->port(), Message(i));
  CHECK(WaitFor([&] {
    UdpFaultCounters c = proxy->counters();
    return c.requests_received == 200 && c.replies_sent == c.requests_forwarded;
  }));
  auto got = client.ReceiveAll();
  UdpFaultCounters c = proxy->counters();
  CHECK(c.requests_received == 200);
  CHECK(c.requests_dropped >= 60);
  CHECK(c.requests_dropped <= 140);
  CHECK(c.requests_forwarded == 200 - c.requests_dropped);
  CHECK(static_cast<uint64_t>(echo.received()) == c.requests_forwarded);
  CHECK(got.size() == c.requests_forwarded);
  CHECK(Payloads(got).size() == got.size());
}

TEST_CASE("UdpFaultProxy drops a share of replies", "[udp_fault_proxy]") {
  EchoServer echo;
  UdpFaultConfig f;
  f.drop_reply = 0.5;
  auto proxy = StartProxy(echo.port(), f);
  Client client;
  for (int i = 0; i < 200; ++i) client.Send(proxy->port(), Message(i));
  CHECK(WaitFor([&] { return proxy->counters().replies_received == 200; }));
  auto got = client.ReceiveAll();
  UdpFaultCounters c = proxy->counters();
  CHECK(echo.received() == 200);
  CHECK(c.replies_received == 200);
  CHECK(c.replies_dropped >= 60);
  CHECK(c.replies_dropped <= 140);
  CHECK(got.size() == 200 - c.replies_dropped);
  CHECK(c.replies_sent == got.size());
}

TEST_CASE("UdpFaultProxy decisions are reproducible from the seed", "[udp_fault_proxy]") {
  EchoServer echo;
  auto run = [&](uint32_t seed) {
    UdpFaultConfig f;
    f.seed = seed;
    f.drop_request = 0.3;
    f.drop_reply = 0.3;
    auto proxy = StartProxy(echo.port(), f);
    Client client;
    for (int i = 0; i < 100; ++i) client.Send(proxy->port(), Message(i));
    CHECK(WaitFor([&] {
      UdpFaultCounters c = proxy->counters();
      return c.requests_received == 100 && c.replies_received == c.requests_forwarded;
    }));
    return Payloads(client.ReceiveAll());
  };
  const auto first = run(42);
  CHECK(first.size() > 20);
  CHECK(first.size() < 80);
  CHECK(run(42) == first);
  CHECK(run(43) != first);
}

TEST_CASE("UdpFaultProxy delays replies", "[udp_fault_proxy]") {
  EchoServer echo;
  UdpFaultConfig f;
  f.reply_delay = milliseconds(150);
  auto proxy = StartProxy(echo.port(), f);
  Client client;
  const auto start = Clock::now();
  client.Send(proxy->port(), Message(1));
  auto reply = client.Receive(milliseconds(3000));
  const auto elapsed = Clock::now() - start;
  REQUIRE(reply);
  CHECK(reply->data == Message(1));
  CHECK(elapsed >= milliseconds(150));
  CHECK(proxy->counters().replies_delayed == 1);

  SECTION("jitter alone spreads replies but loses none") {
    f.reply_delay = milliseconds(0);
    f.reply_jitter = milliseconds(80);
    proxy->SetConfig(f);
    for (int i = 0; i < 40; ++i) client.Send(proxy->port(), Message(i));
    auto got = client.ReceiveAll();
    CHECK(got.size() == 40);
    CHECK(Payloads(got).size() == 40);
    CHECK(proxy->counters().replies_delayed > 1);
  }
}

TEST_CASE("UdpFaultProxy reorders replies", "[udp_fault_proxy]") {
  EchoServer echo;
  Client client;
  UdpFaultConfig f;
  f.reorder_window = 4;

  SECTION("a full window comes back reversed") {
    auto proxy = StartProxy(echo.port(), f);
    for (int i = 0; i < 4; ++i) client.Send(proxy->port(), Message(i));
    auto got = client.ReceiveAll();
    REQUIRE(got.size() == 4);
    for (int i = 0; i < 4; ++i) CHECK(got[static_cast<size_t>(i)].data == Message(3 - i));
    UdpFaultCounters c = proxy->counters();
    CHECK(c.replies_held == 4);
    CHECK(c.reorder_batches == 1);
    CHECK(c.replies_reordered == 4);
  }
  SECTION("a partial window is released after reorder_flush") {
    f.reorder_flush = milliseconds(120);
    auto proxy = StartProxy(echo.port(), f);
    const auto start = Clock::now();
    client.Send(proxy->port(), Message(0));
    client.Send(proxy->port(), Message(1));
    auto first = client.Receive(milliseconds(3000));
    CHECK(Clock::now() - start >= milliseconds(120));
    auto second = client.Receive(milliseconds(1000));
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->data == Message(1));
    CHECK(second->data == Message(0));
  }
  SECTION("a shuffled window is a permutation, counted") {
    f.reorder_window = 8;
    f.reorder_shuffle = true;
    f.seed = 3;
    auto proxy = StartProxy(echo.port(), f);
    for (int i = 0; i < 8; ++i) client.Send(proxy->port(), Message(i));
    auto got = client.ReceiveAll();
    REQUIRE(got.size() == 8);
    uint64_t displaced = 0;
    std::set<std::string> expected;
    for (int i = 0; i < 8; ++i) {
      expected.insert(Message(i));
      if (got[static_cast<size_t>(i)].data != Message(i)) ++displaced;
    }
    CHECK(Payloads(got) == expected);
    CHECK(displaced > 0);
    CHECK(proxy->counters().replies_reordered == displaced);
  }
}

TEST_CASE("UdpFaultProxy duplicates replies", "[udp_fault_proxy]") {
  EchoServer echo;
  UdpFaultConfig f;
  f.duplicate_reply = 1.0;
  f.duplicate_copies = 2;
  auto proxy = StartProxy(echo.port(), f);
  Client client;
  for (int i = 0; i < 10; ++i) {
    client.Send(proxy->port(), Message(i));
    auto got = client.ReceiveAll(milliseconds(150));
    REQUIRE(got.size() == 3);
    for (const auto& d : got) CHECK(d.data == Message(i));
  }
  UdpFaultCounters c = proxy->counters();
  CHECK(c.replies_duplicated == 20);
  CHECK(c.replies_sent == 30);
}

TEST_CASE("UdpFaultProxy answers from the wrong source", "[udp_fault_proxy]") {
  EchoServer echo;
  Client client;
  UdpFaultConfig f;

  SECTION("another port of 127.0.0.1") {
    f.wrong_source_port = 1.0;
    auto proxy = StartProxy(echo.port(), f);
    CHECK(proxy->wrong_source_port_number() != proxy->port());
    client.Send(proxy->port(), Message(1));
    auto reply = client.Receive(milliseconds(2000));
    REQUIRE(reply);
    CHECK(reply->data == Message(1));
    CHECK(reply->ip == "127.0.0.1");
    CHECK(reply->port == proxy->wrong_source_port_number());
    CHECK(proxy->counters().replies_wrong_port == 1);
  }
  SECTION("127.0.0.2") {
    f.wrong_source_address = 1.0;
    auto proxy = StartProxy(echo.port(), f);
    client.Send(proxy->port(), Message(2));
    auto reply = client.Receive(milliseconds(2000));
    REQUIRE(reply);
    CHECK(reply->data == Message(2));
    if (proxy->wrong_source_address_text().empty()) {
      WARN("127.0.0.2 cannot be bound here: wrong-address replies fall back to another port");
      CHECK(reply->port == proxy->wrong_source_port_number());
      CHECK(proxy->counters().replies_wrong_port == 1);
    } else {
      CHECK(reply->ip + ":" + std::to_string(reply->port) == proxy->wrong_source_address_text());
      CHECK(proxy->counters().replies_wrong_address == 1);
    }
  }
}

TEST_CASE("UdpFaultProxy truncates replies", "[udp_fault_proxy]") {
  EchoServer echo;
  UdpFaultConfig f;
  f.truncate_reply = 1.0;
  auto proxy = StartProxy(echo.port(), f);
  Client client;
  for (int i = 0; i < 50; ++i) {
    const std::string sent = Message(i);
    client.Send(proxy->port(), sent);
    auto reply = client.Receive(milliseconds(2000));
    REQUIRE(reply);
    CHECK(reply->data.size() < sent.size());
    CHECK(sent.compare(0, reply->data.size(), reply->data) == 0);
  }
  CHECK(proxy->counters().replies_truncated == 50);
}

TEST_CASE("UdpFaultProxy corrupts replies", "[udp_fault_proxy]") {
  EchoServer echo;
  UdpFaultConfig f;
  f.corrupt_reply = 1.0;
  f.corrupt_bytes = 3;
  auto proxy = StartProxy(echo.port(), f);
  Client client;
  for (int i = 0; i < 50; ++i) {
    const std::string sent = Message(i);
    client.Send(proxy->port(), sent);
    auto reply = client.Receive(milliseconds(2000));
    REQUIRE(reply);
    REQUIRE(reply->data.size() == sent.size());
    int differing = 0;
    for (size_t k = 0; k < sent.size(); ++k) differing += sent[k] != reply->data[k];
    CHECK(differing == 3);
  }
  CHECK(proxy->counters().replies_corrupted == 50);
}

TEST_CASE("UdpFaultProxy sends garbage datagrams", "[udp_fault_proxy]") {
  EchoServer echo;
  UdpFaultConfig f;
  f.garbage = 1.0;
  f.garbage_max_bytes = 64;
  f.garbage_looks_like_ber = true;
  auto proxy = StartProxy(echo.port(), f);
  Client client;
  for (int i = 0; i < 10; ++i) {
    client.Send(proxy->port(), Message(i));
    auto got = client.ReceiveAll(milliseconds(150));
    REQUIRE(got.size() == 2);
    CHECK(got[0].data.size() <= 64);
    CHECK(static_cast<uint8_t>(got[0].data[0]) == 0x30);
    CHECK(got[0].port == proxy->port());
    CHECK(got[1].data == Message(i));
  }
  CHECK(proxy->counters().garbage_sent == 10);
}

TEST_CASE("UdpFaultProxy keeps clients apart", "[udp_fault_proxy]") {
  EchoServer echo;
  auto proxy = StartProxy(echo.port(), UdpFaultConfig());
  Client a, b;
  for (int i = 0; i < 20; ++i) {
    a.Send(proxy->port(), "a" + Message(i));
    b.Send(proxy->port(), "b" + Message(i));
  }
  auto got_a = a.ReceiveAll();
  auto got_b = b.ReceiveAll();
  REQUIRE(got_a.size() == 20);
  REQUIRE(got_b.size() == 20);
  for (const auto& d : got_a) CHECK(d.data[0] == 'a');
  for (const auto& d : got_b) CHECK(d.data[0] == 'b');
  CHECK(proxy->counters().clients == 2);
}

TEST_CASE("UdpFaultProxy takes new faults while running", "[udp_fault_proxy]") {
  EchoServer echo;
  auto proxy = StartProxy(echo.port(), UdpFaultConfig());
  Client client;
  client.Send(proxy->port(), Message(1));
  CHECK(client.Receive(milliseconds(2000)));
  UdpFaultConfig f;
  f.drop_reply = 1.0;
  proxy->SetConfig(f);
  CHECK(proxy->config().drop_reply == 1.0);
  client.Send(proxy->port(), Message(2));
  CHECK_FALSE(client.Receive(milliseconds(200)));
  proxy->SetConfig(UdpFaultConfig());
  client.Send(proxy->port(), Message(3));
  auto reply = client.Receive(milliseconds(2000));
  REQUIRE(reply);
  CHECK(reply->data == Message(3));
  CHECK(proxy->counters().replies_dropped == 1);
}

TEST_CASE("UdpFaultProxy counts an upstream nobody listens on", "[udp_fault_proxy]") {
  int port = 0;
  int fd = LoopbackSocket(&port);
  close(fd);  // free again: nobody listens there now
  auto proxy = StartProxy(port, UdpFaultConfig());
  Client client;
  for (int i = 0; i < 3; ++i) {
    client.Send(proxy->port(), Message(i));
    CHECK_FALSE(client.Receive(milliseconds(100)));
  }
  CHECK(proxy->counters().requests_received == 3);
  CHECK(proxy->counters().upstream_errors > 0);
}

TEST_CASE("UdpFaultProxy stops promptly, twice", "[udp_fault_proxy]") {
  EchoServer echo;
  UdpFaultConfig f;
  f.reply_delay = milliseconds(5000);  // a held reply must not hold up Stop()
  auto proxy = StartProxy(echo.port(), f);
  Client client;
  client.Send(proxy->port(), Message(1));
  std::this_thread::sleep_for(milliseconds(50));
  const auto start = Clock::now();
  proxy->Stop();
  proxy->Stop();
  CHECK(Clock::now() - start < milliseconds(1000));
  CHECK_FALSE(client.Receive(milliseconds(50)));
}

TEST_CASE("UdpFaultProxy rejects a bad upstream port", "[udp_fault_proxy]") {
  CHECK(UdpFaultProxy::Start(0).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(UdpFaultProxy::Start(70000).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cistern::testing
