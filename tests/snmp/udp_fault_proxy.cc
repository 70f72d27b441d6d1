#include "udp_fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxClients = 256;
constexpr int kSocketBuffer = 4 << 20;

absl::Status ErrnoStatus(std::string_view what) {
  return absl::InternalError("udp_fault_proxy: " + std::string(what) + ": " + std::strerror(errno));
}

sockaddr_in Loopback(const char* ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

// A non-blocking UDP socket bound to ip:0; returns the fd and stores the port, or -1.
int BoundSocket(const char* ip, int* port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a = Loopback(ip, 0);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return -1;
  }
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
  *port = ntohs(a.sin_port);
  return fd;
}

uint64_t AddressKey(const sockaddr_in& a) {
  return (static_cast<uint64_t>(ntohl(a.sin_addr.s_addr)) << 16) | ntohs(a.sin_port);
}

}  // namespace

// Every counter, once, so that the atomic set and its snapshot cannot drift apart.
// clang-format off
#define CISTERN_FAULT_COUNTERS(X)                                                          \
  X(requests_received) X(requests_forwarded) X(requests_dropped)                           \
  X(replies_received) X(replies_dropped) X(replies_held) X(reorder_batches)                \
  X(replies_reordered) X(replies_delayed) X(replies_sent) X(replies_duplicated)            \
  X(replies_truncated) X(replies_corrupted) X(replies_wrong_address) X(replies_wrong_port) \
  X(garbage_sent) X(upstream_errors) X(send_errors) X(clients)
// clang-format on

struct UdpFaultProxy::Counters {
#define CISTERN_DECLARE_COUNTER(name) std::atomic<uint64_t> name{0};
  CISTERN_FAULT_COUNTERS(CISTERN_DECLARE_COUNTER)
#undef CISTERN_DECLARE_COUNTER
};

// Everything only the proxy thread touches.
struct UdpFaultProxy::State {
  struct Client {
    sockaddr_in addr{};
    int fd = -1;
    Clock::time_point last_active;
  };
  struct Reply {
    sockaddr_in to{};
    std::vector<uint8_t> bytes;
  };

  UdpFaultConfig config;
  // Requests and replies draw from separate engines, so that how the two directions interleave
  // in time does not change the decisions of either.
  std::mt19937 request_rng;
  std::mt19937 rng;  // replies
  std::map<uint64_t, Client> clients;
  std::map<std::pair<Clock::time_point, uint64_t>, Reply> delayed;  // (due, sequence)
  uint64_t sequence = 0;
  std::vector<Reply> batch;  // held for reordering
  Clock::time_point batch_deadline;

  void Seed(uint32_t seed) {
    request_rng.seed(seed);
    std::seed_seq reply_seed{seed, 0x5eedu};
    rng.seed(reply_seed);
  }
  // True with probability p; draws only when p > 0 so that unrelated faults set to zero do not
  // change the sequence of decisions.
  static bool Chance(std::mt19937& engine, double p) {
    if (p <= 0) return false;
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine) < p;
  }
  bool Chance(double p) { return Chance(rng, p); }
  size_t Uniform(size_t lo, size_t hi) {  // inclusive
    return std::uniform_int_distribution<size_t>(lo, hi)(rng);
  }
};

UdpFaultProxy::UdpFaultProxy() : counters_(std::make_unique<Counters>()) {}

absl::StatusOr<std::unique_ptr<UdpFaultProxy>> UdpFaultProxy::Start(int upstream_port,
                                                                    const UdpFaultConfig& config) {
  if (upstream_port <= 0 || upstream_port > 65535) {
    return absl::InvalidArgumentError("udp_fault_proxy: upstream port " +
                                      std::to_string(upstream_port));
  }
  auto proxy = std::unique_ptr<UdpFaultProxy>(new UdpFaultProxy());
  proxy->upstream_port_ = upstream_port;
  proxy->config_ = config;
  proxy->listen_fd_ = BoundSocket("127.0.0.1", &proxy->port_);
  if (proxy->listen_fd_ < 0) return ErrnoStatus("bind 127.0.0.1:0");
  proxy->alt_port_fd_ = BoundSocket("127.0.0.1", &proxy->alt_port_);
  if (proxy->alt_port_fd_ < 0) return ErrnoStatus("bind second socket on 127.0.0.1:0");
  // All of 127/8 is local on Linux; elsewhere 127.0.0.2 may not exist and we fall back.
  proxy->alt_addr_fd_ = BoundSocket("127.0.0.2", &proxy->alt_addr_port_);
  proxy->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (proxy->wake_fd_ < 0) return ErrnoStatus("eventfd");
  proxy->thread_ = std::thread([p = proxy.get()] { p->Run(); });
  return proxy;
}

UdpFaultProxy::~UdpFaultProxy() { Stop(); }

void UdpFaultProxy::Stop() {
  if (thread_.joinable()) {
    stop_.store(true);
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  for (int* fd : {&listen_fd_, &alt_port_fd_, &alt_addr_fd_, &wake_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

std::string UdpFaultProxy::address() const { return "127.0.0.1:" + std::to_string(port_); }

std::string UdpFaultProxy::wrong_source_address_text() const {
  return alt_addr_port_ != 0 ? "127.0.0.2:" + std::to_string(alt_addr_port_) : "";
}

void UdpFaultProxy::SetConfig(const UdpFaultConfig& config) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    config_ = config;
    config_changed_ = true;
  }
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
  }
}

UdpFaultConfig UdpFaultProxy::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

UdpFaultCounters UdpFaultProxy::counters() const {
  UdpFaultCounters out;
#define CISTERN_COPY_COUNTER(name) out.name = counters_->name.load();
  CISTERN_FAULT_COUNTERS(CISTERN_COPY_COUNTER)
#undef CISTERN_COPY_COUNTER
  return out;
}

void UdpFaultProxy::Run() {
  State st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    st.config = config_;
    config_changed_ = false;
  }
  st.Seed(st.config.seed);
  Counters& c = *counters_;
  const sockaddr_in upstream = Loopback("127.0.0.1", upstream_port_);
  std::vector<uint8_t> buf(65536);

  // Counts first and sends then (taking the counts back if sendto fails), so that a client that
  // has the datagram in hand never reads counters that do not include it yet.
  auto send_to = [&](int fd, const sockaddr_in& to, const std::vector<uint8_t>& bytes,
                     std::initializer_list<std::atomic<uint64_t>*> counted) {
    for (auto* k : counted) k->fetch_add(1);
    ssize_t n = sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                       sizeof to);
    if (n < 0) {
      for (auto* k : counted) k->fetch_sub(1);
      c.send_errors++;
    }
  };

  // Step 4 of the pipeline: garbage, truncation, corruption, source choice, duplicates.
  auto send_reply = [&](State::Reply& r) {
    const UdpFaultConfig& f = st.config;
    if (st.Chance(f.garbage)) {
      std::vector<uint8_t> junk(st.Uniform(1, std::max<size_t>(1, f.garbage_max_bytes)));
      for (auto& b : junk) b = static_cast<uint8_t>(st.Uniform(0, 255));
      if (f.garbage_looks_like_ber && junk.size() >= 2) {
        junk[0] = 0x30;
        junk[1] = static_cast<uint8_t>(std::min<size_t>(junk.size() - 2, 0x7f));
      }
      send_to(listen_fd_, r.to, junk, {&c.garbage_sent});
    }
    if (!r.bytes.empty() && st.Chance(f.truncate_reply)) {
      r.bytes.resize(st.Uniform(0, r.bytes.size() - 1));
      c.replies_truncated++;
    }
    if (!r.bytes.empty() && f.corrupt_bytes > 0 && st.Chance(f.corrupt_reply)) {
      const size_t k = std::min<size_t>(static_cast<size_t>(f.corrupt_bytes), r.bytes.size());
      std::vector<size_t> positions;
      if (k * 2 > r.bytes.size()) {
        positions.resize(r.bytes.size());
        std::iota(positions.begin(), positions.end(), size_t{0});
        std::shuffle(positions.begin(), positions.end(), st.rng);
        positions.resize(k);
      } else {
        while (positions.size() < k) {
          size_t p = st.Uniform(0, r.bytes.size() - 1);
          if (std::find(positions.begin(), positions.end(), p) == positions.end()) {
            positions.push_back(p);
          }
        }
      }
      for (size_t p : positions) r.bytes[p] ^= static_cast<uint8_t>(st.Uniform(1, 255));
      c.replies_corrupted++;
    }
    int fd = listen_fd_;
    if (st.Chance(f.wrong_source_address)) {
      if (alt_addr_fd_ >= 0) {
        fd = alt_addr_fd_;
        c.replies_wrong_address++;
      } else {
        fd = alt_port_fd_;
        c.replies_wrong_port++;
      }
    } else if (st.Chance(f.wrong_source_port)) {
      fd = alt_port_fd_;
      c.replies_wrong_port++;
    }
    const bool duplicate = f.duplicate_copies > 0 && st.Chance(f.duplicate_reply);
    send_to(fd, r.to, r.bytes, {&c.replies_sent});
    for (int i = 0; duplicate && i < f.duplicate_copies; ++i) {
      send_to(fd, r.to, r.bytes, {&c.replies_sent, &c.replies_duplicated});
    }
  };

  // Step 3: delay (and jitter), or send now.
  auto schedule = [&](State::Reply r) {
    auto delay = st.config.reply_delay;
    if (st.config.reply_jitter.count() > 0) {
      delay += std::chrono::milliseconds(
          st.Uniform(0, static_cast<size_t>(st.config.reply_jitter.count())));
    }
    if (delay.count() <= 0) {
      send_reply(r);
      return;
    }
    c.replies_delayed++;
    st.delayed.emplace(std::make_pair(Clock::now() + delay, st.sequence++), std::move(r));
  };

  // Step 2: release the held window out of order.
  auto release_batch = [&] {
    if (st.batch.empty()) return;
    std::vector<size_t> order(st.batch.size());
    std::iota(order.begin(), order.end(), size_t{0});
    if (st.config.reorder_shuffle) {
      std::shuffle(order.begin(), order.end(), st.rng);
    } else {
      std::reverse(order.begin(), order.end());
    }
    c.reorder_batches++;
    std::vector<State::Reply> batch = std::move(st.batch);
    st.batch.clear();
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i] != i) c.replies_reordered++;
      schedule(std::move(batch[order[i]]));
    }
  };

  auto handle_request = [&](const sockaddr_in& from, size_t n) {
    c.requests_received++;
    const uint64_t key = AddressKey(from);
    auto it = st.clients.find(key);
    if (it == st.clients.end()) {
      if (st.clients.size() >= kMaxClients) {
        auto oldest = std::min_element(st.clients.begin(), st.clients.end(),
                                       [](const auto& a, const auto& b) {
                                         return a.second.last_active < b.second.last_active;
                                       });
        close(oldest->second.fd);
        st.clients.erase(oldest);
      }
      int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0 ||
          connect(fd, reinterpret_cast<const sockaddr*>(&upstream), sizeof upstream) != 0) {
        if (fd >= 0) close(fd);
        c.upstream_errors++;
        return;
      }
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
      it = st.clients.emplace(key, State::Client{from, fd, Clock::now()}).first;
      c.clients++;
    }
    it->second.last_active = Clock::now();
    if (State::Chance(st.request_rng, st.config.drop_request)) {
      c.requests_dropped++;
      return;
    }
    c.requests_forwarded++;
    if (send(it->second.fd, buf.data(), n, 0) < 0) {
      c.requests_forwarded--;
      c.upstream_errors++;
    }
  };

  auto handle_reply = [&](const sockaddr_in& client, size_t n) {
    c.replies_received++;
    if (st.Chance(st.config.drop_reply)) {
      c.replies_dropped++;
      return;
    }
    State::Reply r{client, std::vector<uint8_t>(buf.begin(), buf.begin() + static_cast<long>(n))};
    if (st.config.reorder_window > 1) {
      if (st.batch.empty()) st.batch_deadline = Clock::now() + st.config.reorder_flush;
      st.batch.push_back(std::move(r));
      c.replies_held++;
      if (st.batch.size() >= static_cast<size_t>(st.config.reorder_window)) release_batch();
      return;
    }
    schedule(std::move(r));
  };

  std::vector<pollfd> fds;
  std::vector<uint64_t> fd_clients;  // client key of fds[i] for i >= first_client
  while (!stop_.load()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (config_changed_) {
        st.config = config_;
        config_changed_ = false;
        st.Seed(st.config.seed);
      }
    }
    // Sleep until the next held or delayed reply is due.
    auto now = Clock::now();
    auto wake = now + std::chrono::seconds(1);
    if (!st.delayed.empty()) wake = std::min(wake, st.delayed.begin()->first.first);
    if (!st.batch.empty()) wake = std::min(wake, st.batch_deadline);
    int timeout_ms = 0;
    if (wake > now) {
      timeout_ms =
          static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wake - now).count());
    }

    fds.clear();
    fd_clients.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    fds.push_back({alt_port_fd_, POLLIN, 0});
    if (alt_addr_fd_ >= 0) fds.push_back({alt_addr_fd_, POLLIN, 0});
    const size_t first_client = fds.size();
    for (const auto& [key, client] : st.clients) {
      fds.push_back({client.fd, POLLIN, 0});
      fd_clients.push_back(key);
    }
    if (poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) break;

    for (size_t i = 0; i < first_client; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == wake_fd_) {
        uint64_t v;
        [[maybe_unused]] ssize_t n = read(wake_fd_, &v, sizeof v);
        continue;
      }
      for (int budget = 0; budget < 4096; ++budget) {
        sockaddr_in from{};
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(fds[i].fd, buf.data(), buf.size(), 0,
                             reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) break;
        // What arrives at the wrong-source sockets is read and forgotten.
        if (fds[i].fd == listen_fd_) handle_request(from, static_cast<size_t>(n));
      }
    }
    for (size_t i = first_client; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      for (int budget = 0; budget < 4096; ++budget) {
        auto it = st.clients.find(fd_clients[i - first_client]);
        if (it == st.clients.end()) break;  // forgotten meanwhile
        ssize_t n = recv(it->second.fd, buf.data(), buf.size(), 0);
        if (n < 0) {
          if (errno != EAGAIN && errno != EWOULDBLOCK) {
            c.upstream_errors++;  // e.g. ECONNREFUSED: nobody listens upstream
            continue;
          }
          break;
        }
        handle_reply(it->second.addr, static_cast<size_t>(n));
      }
    }

    now = Clock::now();
    if (!st.batch.empty() && now >= st.batch_deadline) release_batch();
    while (!st.delayed.empty() && st.delayed.begin()->first.first <= now) {
      auto node = st.delayed.extract(st.delayed.begin());
      send_reply(node.mapped());
    }
  }
  for (auto& [key, client] : st.clients) close(client.fd);
}

#undef CISTERN_FAULT_COUNTERS

}  // namespace cistern::testing
