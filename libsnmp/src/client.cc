// The client's I/O thread and everything it owns. See client.h for the contract; the design in
// short: Send() queues a submission and wakes the thread (eventfd); the thread alone touches the
// socket, the table of requests in flight, the timers and the agents' state, so none of those need
// a lock, and a request is registered before its datagram leaves.
#include "cistern/snmp/client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <queue>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "address.h"
#include "usm_message.h"

namespace cistern::snmp {
namespace {

using internal::EngineInfo;
using internal::ReportKind;

// True when `response` can be the answer to `request` (RFC 3416 §4.2): the same names in the same
// order for Get and Set, as many bindings each after its name (or at the end of the MIB) for
// GetNext, no more than the repetitions asked for GetBulk. A datagram whose request-id matches but
// whose bindings do not is damaged or forged (v1/v2c have no integrity check) and is not delivered.
bool ResponseFits(const Pdu& request, const Pdu& response) {
  const auto& asked = request.varbinds;
  const auto& got = response.varbinds;
  switch (request.type) {
    case PduType::kGetRequest:
    case PduType::kSetRequest:
    case PduType::kInformRequest:
      if (got.size() != asked.size()) return false;
      for (size_t i = 0; i < got.size(); ++i) {
        if (!(got[i].oid == asked[i].oid)) return false;
      }
      return true;
    case PduType::kGetNextRequest:
      if (got.size() != asked.size()) return false;
      if (response.error_status != 0) return true;  // v1 echoes the request
      for (size_t i = 0; i < got.size(); ++i) {
        if (!(asked[i].oid < got[i].oid) && got[i].value.type() != ValueType::kEndOfMibView) {
          return false;
        }
      }
      return true;
    case PduType::kGetBulkRequest: {
      const size_t n = asked.size();
      const size_t non_repeaters = std::min<size_t>(std::max(0, request.non_repeaters()), n);
      const size_t repetitions = static_cast<size_t>(std::max(0, request.max_repetitions()));
      if (got.size() > non_repeaters + (n - non_repeaters) * repetitions) return false;
      if (response.error_status != 0) return true;
      for (size_t i = 0; i < std::min(got.size(), n); ++i) {
        if (!(asked[i].oid < got[i].oid) && got[i].value.type() != ValueType::kEndOfMibView) {
          return false;
        }
      }
      return true;
    }
    default:
      return true;
  }
}

std::string Errno(std::string_view what) {
  return absl::StrCat("snmp: ", absl::string_view(what.data(), what.size()), ": ",
                      std::strerror(errno));
}

class AgentImpl final : public Agent {
 public:
  AgentImpl(Target target, internal::PeerAddress peer, uint64_t first_salt)
      : salt(first_salt), target_(std::move(target)), peer_(std::move(peer)) {
    if (target_.version != Version::kV3) engine_state = EngineState::kKnown;
  }
  const Target& target() const override { return target_; }
  const std::string& peer() const override { return peer_.text; }
  const internal::PeerAddress& address() const { return peer_; }

  // Everything below belongs to the I/O thread.
  enum class EngineState : uint8_t { kUnknown, kDiscovering, kKnown };
  EngineState engine_state = EngineState::kUnknown;
  EngineInfo engine;
  std::shared_ptr<const LocalizedKeys> keys;
  std::deque<std::unique_ptr<struct Request>> queue;  // not yet sent, in order
  size_t in_flight = 0;
  bool blocked = false;  // waiting in the client's list for a free global slot
  uint64_t salt;

 private:
  Target target_;
  internal::PeerAddress peer_;
};

struct Request {
  std::shared_ptr<AgentImpl> agent;
  Pdu pdu;
  ResponseCallback done;
  int32_t id = 0;        // request-id, and msgID for v3; assigned when it goes on the wire
  int attempts = 0;      // datagrams sent for it
  int resyncs = 0;       // notInTimeWindow / unknownEngineID recoveries spent
  bool discovery = false;
  std::vector<uint8_t> wire;  // v1/v2c: encoded once, resent as is
};

struct Timer {
  absl::Time deadline;
  int32_t id;
  int attempt;
  friend bool operator>(const Timer& a, const Timer& b) { return a.deadline > b.deadline; }
};

struct Submission {
  std::shared_ptr<AgentImpl> agent;
  Pdu pdu;
  ResponseCallback done;
};

class ClientImpl final : public Client {
 public:
  explicit ClientImpl(ClientOptions options) : options_(std::move(options)) {
    std::random_device rd;
    rng_.seed((uint64_t{rd()} << 32) | rd());
    agent_rng_.seed((uint64_t{rd()} << 32) | rd());
    next_id_ = static_cast<int32_t>(rng_() % 0x3fffffff) + 1;
  }
  ~ClientImpl() override;

  absl::Status Open();
  absl::StatusOr<AgentRef> AddAgent(Target target) override;
  void Send(const AgentRef& agent, Pdu request, ResponseCallback done) override;
  ClientStats stats() const override;
  uint16_t local_port() const override { return local_port_; }

 private:
  void Run();
  void TakeSubmissions();
  void Enqueue(std::shared_ptr<AgentImpl> agent, Pdu pdu, ResponseCallback done);
  void Pump(AgentImpl* agent);
  void PumpBlocked();
  void Launch(std::unique_ptr<Request> request);
  void Transmit(Request* request);
  void StartDiscovery(const std::shared_ptr<AgentImpl>& agent);
  void FinishDiscovery(Request* request, const Message& message);
  void FailQueue(AgentImpl* agent, const absl::Status& status);
  void Complete(int32_t id, absl::StatusOr<Pdu> result);
  void ReadSocket();
  void HandleDatagram(std::span<const uint8_t> bytes, const sockaddr_storage& from);
  void HandleV3(Request* request, std::span<const uint8_t> bytes, Message& message,
                const MessageLayout& layout);
  void FireTimers();
  int32_t NextId();
  absl::Duration AttemptTimeout(const Request& request) const;
  void Wake();

  const ClientOptions options_;
  int fd_ = -1;
  int wake_fd_ = -1;
  int family_ = AF_INET6;
  uint16_t local_port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  KeyCache keys_;

  absl::Mutex mu_;  // guards submissions_ and agents_
  std::vector<Submission> submissions_ ABSL_GUARDED_BY(mu_);
  std::vector<std::weak_ptr<AgentImpl>> agents_ ABSL_GUARDED_BY(mu_);
  size_t agents_sweep_at_ ABSL_GUARDED_BY(mu_) = 64;
  std::mt19937_64 agent_rng_ ABSL_GUARDED_BY(mu_);

  // I/O thread state.
  std::mt19937_64 rng_;
  int32_t next_id_ = 1;
  absl::flat_hash_map<int32_t, std::unique_ptr<Request>> in_flight_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::deque<std::weak_ptr<AgentImpl>> blocked_;
  size_t queued_ = 0;
  std::vector<uint8_t> out_;
  std::vector<uint8_t> scratch_;

  struct AtomicStats {
    std::atomic<uint64_t> requests{0}, sent{0}, retransmits{0}, received{0}, matched{0},
        malformed{0}, unmatched{0}, mismatched{0}, wrong_source{0}, auth_failures{0}, timeouts{0},
        time_resyncs{0}, discoveries{0}, send_errors{0};
    std::atomic<size_t> in_flight{0}, queued{0};
  } stats_;
};

void Bump(std::atomic<uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

// ---------------------------------------------------------------------------------------------
// Setup and teardown.

absl::Status ClientImpl::Open() {
  const bool want_v4 = options_.bind_address == "0.0.0.0" ||
                       options_.bind_address.find(':') == std::string::npos;
  family_ = want_v4 ? AF_INET : AF_INET6;
  fd_ = socket(family_, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0 && family_ == AF_INET6 && errno == EAFNOSUPPORT) {
    family_ = AF_INET;  // no IPv6 on this machine
    fd_ = socket(family_, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  }
  if (fd_ < 0) return absl::UnavailableError(Errno("socket"));
  sockaddr_storage local{};
  socklen_t local_len = 0;
  if (family_ == AF_INET6) {
    const int off = 0;
    setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    auto* a = reinterpret_cast<sockaddr_in6*>(&local);
    a->sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, options_.bind_address.c_str(), &a->sin6_addr) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("snmp: bad bind address \"", options_.bind_address, "\""));
    }
    local_len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&local);
    a->sin_family = AF_INET;
    const std::string addr = options_.bind_address.find(':') == std::string::npos
                                 ? options_.bind_address
                                 : std::string("0.0.0.0");
    if (inet_pton(AF_INET, addr.c_str(), &a->sin_addr) != 1) {
      return absl::InvalidArgumentError(absl::StrCat("snmp: bad bind address \"", addr, "\""));
    }
    local_len = sizeof(sockaddr_in);
  }
  if (bind(fd_, reinterpret_cast<sockaddr*>(&local), local_len) != 0) {
    return absl::UnavailableError(Errno(absl::StrCat("bind ", options_.bind_address)));
  }
  // A burst of replies must not overflow the socket: ask for a large buffer (root may exceed
  // net.core.rmem_max with SO_RCVBUFFORCE; others get what the cap allows).
  const int rcvbuf = options_.receive_buffer_bytes;
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  local_port_ = ntohs(family_ == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return absl::UnavailableError(Errno("eventfd"));
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

ClientImpl::~ClientImpl() {
  stopping_.store(true);
  if (thread_.joinable()) {
    Wake();
    thread_.join();
  }
  // Everything still outstanding ends with Cancelled, here, on the destroying thread.
  const absl::Status cancelled = absl::CancelledError("snmp: client destroyed");
  std::vector<Submission> submissions;
  std::vector<std::shared_ptr<AgentImpl>> agents;
  {
    absl::MutexLock lock(&mu_);
    submissions.swap(submissions_);
    for (auto& weak : agents_) {
      if (auto agent = weak.lock()) agents.push_back(std::move(agent));
    }
  }
  for (Submission& s : submissions) std::move(s.done)(cancelled);
  for (auto& [id, request] : in_flight_) {
    if (request->done) std::move(request->done)(cancelled);
  }
  in_flight_.clear();
  for (auto& agent : agents) {
    for (auto& request : agent->queue) std::move(request->done)(cancelled);
    agent->queue.clear();
  }
  if (fd_ >= 0) close(fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

absl::StatusOr<AgentRef> ClientImpl::AddAgent(Target target) {
  if (target.version == Version::kV3) {
    if (absl::Status s = target.user.Validate(); !s.ok()) return s;
  }
  if (target.timeout <= absl::ZeroDuration() || target.retries < 0 || target.backoff < 1.0) {
    return absl::InvalidArgumentError(
        "snmp: timeout must be positive, retries at least 0, backoff at least 1");
  }
  absl::StatusOr<internal::HostPort> hp = internal::ParseHostPort(target.address);
  if (!hp.ok()) return hp.status();
  absl::StatusOr<internal::PeerAddress> peer = internal::Resolve(*hp, family_);
  if (!peer.ok()) return peer.status();
  absl::MutexLock lock(&mu_);
  // Each agent's privacy salt counter starts at a random value (RFC 3826 §3.1.2.1).
  auto agent = std::make_shared<AgentImpl>(std::move(target), *std::move(peer), agent_rng_());
  // Forget agents nobody holds any more, each time the list doubles, so that it stays the size of
  // the live set at a constant cost per agent.
  if (agents_.size() >= agents_sweep_at_) {
    std::erase_if(agents_, [](const std::weak_ptr<AgentImpl>& w) { return w.expired(); });
    agents_sweep_at_ = std::max<size_t>(64, agents_.size() * 2);
  }
  agents_.push_back(agent);
  return agent;
}


void ClientImpl::Send(const AgentRef& agent, Pdu request, ResponseCallback done) {
  Bump(stats_.requests);
  auto impl = std::static_pointer_cast<AgentImpl>(agent);
  bool first = false;
  {
    absl::MutexLock lock(&mu_);
    first = submissions_.empty();
    submissions_.push_back(Submission{std::move(impl), std::move(request), std::move(done)});
  }
  if (first) Wake();  // one wake per batch: the thread takes every submission at once
}

ClientStats ClientImpl::stats() const {
  ClientStats s;
  s.requests = stats_.requests.load(std::memory_order_relaxed);
  s.sent = stats_.sent.load(std::memory_order_relaxed);
  s.retransmits = stats_.retransmits.load(std::memory_order_relaxed);
  s.received = stats_.received.load(std::memory_order_relaxed);
  s.matched = stats_.matched.load(std::memory_order_relaxed);
  s.malformed = stats_.malformed.load(std::memory_order_relaxed);
  s.unmatched = stats_.unmatched.load(std::memory_order_relaxed);
  s.mismatched = stats_.mismatched.load(std::memory_order_relaxed);
  s.wrong_source = stats_.wrong_source.load(std::memory_order_relaxed);
  s.auth_failures = stats_.auth_failures.load(std::memory_order_relaxed);
  s.timeouts = stats_.timeouts.load(std::memory_order_relaxed);
  s.time_resyncs = stats_.time_resyncs.load(std::memory_order_relaxed);
  s.discoveries = stats_.discoveries.load(std::memory_order_relaxed);
  s.send_errors = stats_.send_errors.load(std::memory_order_relaxed);
  s.in_flight = stats_.in_flight.load(std::memory_order_relaxed);
  s.queued = stats_.queued.load(std::memory_order_relaxed);
  return s;
}

void ClientImpl::Wake() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
}

// ---------------------------------------------------------------------------------------------
// The I/O thread.

void ClientImpl::Run() {
  pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  while (!stopping_.load(std::memory_order_acquire)) {
    int timeout_ms = -1;
    if (!timers_.empty()) {
      const absl::Duration wait = timers_.top().deadline - absl::Now();
      timeout_ms = wait <= absl::ZeroDuration()
                       ? 0
                       : static_cast<int>(std::min<int64_t>(
                             absl::ToInt64Milliseconds(absl::Ceil(wait, absl::Milliseconds(1))),
                             60'000));
    }
    const int ready = poll(fds, 2, timeout_ms);
    if (ready < 0 && errno != EINTR) break;
    if (stopping_.load(std::memory_order_acquire)) break;
    if (fds[1].revents & POLLIN) {
      uint64_t count = 0;
      [[maybe_unused]] ssize_t n = read(wake_fd_, &count, sizeof count);
    }
    TakeSubmissions();
    if (fds[0].revents & POLLIN) ReadSocket();
    FireTimers();
  }
}

void ClientImpl::TakeSubmissions() {
  std::vector<Submission> batch;
  {
    absl::MutexLock lock(&mu_);
    batch.swap(submissions_);
  }
  for (Submission& s : batch) Enqueue(std::move(s.agent), std::move(s.pdu), std::move(s.done));
}

void ClientImpl::Enqueue(std::shared_ptr<AgentImpl> agent, Pdu pdu, ResponseCallback done) {
  if (queued_ >= options_.max_queued) {
    std::move(done)(absl::ResourceExhaustedError(absl::StrCat(
        "snmp: more than ", options_.max_queued, " requests waiting; request to ", agent->peer(),
        " refused")));
    return;
  }
  auto request = std::make_unique<Request>();
  request->pdu = std::move(pdu);
  request->done = std::move(done);
  request->agent = agent;
  agent->queue.push_back(std::move(request));
  ++queued_;
  stats_.queued.store(queued_, std::memory_order_relaxed);
  Pump(agent.get());
}

// Sends what the agent's queue may send now: its engine must be known, and both the agent's and
// the client's in-flight bounds must leave room.
void ClientImpl::Pump(AgentImpl* agent) {
  if (agent->engine_state == AgentImpl::EngineState::kUnknown && !agent->queue.empty()) {
    StartDiscovery(agent->queue.front()->agent);
    return;
  }
  if (agent->engine_state != AgentImpl::EngineState::kKnown) return;
  while (!agent->queue.empty() && agent->in_flight < options_.max_in_flight_per_agent) {
    if (in_flight_.size() >= options_.max_in_flight) {
      if (!agent->blocked) {
        agent->blocked = true;
        blocked_.push_back(agent->queue.front()->agent);
      }
      return;
    }
    std::unique_ptr<Request> request = std::move(agent->queue.front());
    agent->queue.pop_front();
    --queued_;
    stats_.queued.store(queued_, std::memory_order_relaxed);
    Launch(std::move(request));
  }
}

void ClientImpl::PumpBlocked() {
  while (!blocked_.empty() && in_flight_.size() < options_.max_in_flight) {
    std::shared_ptr<AgentImpl> agent = blocked_.front().lock();
    blocked_.pop_front();
    if (agent == nullptr) continue;
    agent->blocked = false;
    Pump(agent.get());
  }
}

int32_t ClientImpl::NextId() {
  // Positive, never 0, never one in flight; wraps within Integer32.
  for (;;) {
    const int32_t id = next_id_;
    next_id_ = next_id_ == std::numeric_limits<int32_t>::max() ? 1 : next_id_ + 1;
    if (!in_flight_.contains(id)) return id;
  }
}

absl::Duration ClientImpl::AttemptTimeout(const Request& request) const {
  const Target& t = request.agent->target();
  return t.timeout * std::pow(t.backoff, std::max(0, request.attempts - 1));
}

void ClientImpl::Launch(std::unique_ptr<Request> request) {
  request->id = NextId();
  request->pdu.request_id = request->id;
  ++request->agent->in_flight;
  Request* raw = request.get();
  in_flight_.emplace(raw->id, std::move(request));
  stats_.in_flight.store(in_flight_.size(), std::memory_order_relaxed);
  Transmit(raw);
}

// Encodes (v3: every attempt, since the engine time moves on) and sends one attempt, and arms its
// timer. The request is in in_flight_ already.
void ClientImpl::Transmit(Request* request) {
  AgentImpl& agent = *request->agent;
  const Target& target = agent.target();
  const absl::Time now = absl::Now();
  absl::Status encoded = absl::OkStatus();
  std::vector<uint8_t>* wire = &out_;
  if (request->discovery) {
    encoded = internal::EncodeDiscovery(request->id, request->id, &out_);
  } else if (target.version == Version::kV3) {
    encoded = internal::EncodeSecured(target, agent.engine, agent.keys.get(), request->id,
                                      request->pdu, agent.salt++, now, &out_, &scratch_);
  } else {
    if (request->wire.empty()) {
      Message m;
      m.version = target.version;
      m.community = target.community;
      m.pdu = request->pdu;
      encoded = EncodeMessage(m, &request->wire);
    }
    wire = &request->wire;
  }
  if (!encoded.ok()) {
    Complete(request->id, encoded);
    return;
  }
  ++request->attempts;
  const internal::PeerAddress& peer = agent.address();
  const ssize_t n = sendto(fd_, wire->data(), wire->size(), 0,
                           reinterpret_cast<const sockaddr*>(&peer.storage), peer.length);
  if (n < 0) {
    Bump(stats_.send_errors);
    // A full socket buffer is congestion: the attempt counts as lost and the timer retries it.
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
      Complete(request->id, absl::UnavailableError(Errno(absl::StrCat("sendto ", peer.text))));
      return;
    }
  } else {
    Bump(stats_.sent);
  }
  timers_.push(Timer{now + AttemptTimeout(*request), request->id, request->attempts});
}

void ClientImpl::StartDiscovery(const std::shared_ptr<AgentImpl>& agent) {
  agent->engine_state = AgentImpl::EngineState::kDiscovering;
  auto probe = std::make_unique<Request>();
  probe->agent = agent;
  probe->discovery = true;
  Launch(std::move(probe));
}

void ClientImpl::FinishDiscovery(Request* request, const Message& message) {
  std::shared_ptr<AgentImpl> agent = request->agent;
  const int32_t id = request->id;
  agent->engine.engine_id = message.usm.engine_id;
  agent->engine.boots = message.usm.engine_boots;
  agent->engine.time = message.usm.engine_time;
  agent->engine.synced_at = absl::Now();
  absl::Status status = absl::OkStatus();
  if (agent->target().user.level != SecurityLevel::kNoAuthNoPriv) {
    absl::StatusOr<std::shared_ptr<const LocalizedKeys>> keys =
        keys_.Get(agent->target().user, agent->engine.engine_id);
    if (keys.ok()) {
      agent->keys = *std::move(keys);
    } else {
      status = keys.status();
    }
  }
  Bump(stats_.discoveries);
  agent->engine_state = status.ok() ? AgentImpl::EngineState::kKnown
                                    : AgentImpl::EngineState::kUnknown;
  Complete(id, Pdu{});  // the probe has no callback; this frees its slot and pumps the agent
  if (!status.ok()) FailQueue(agent.get(), status);
}

void ClientImpl::FailQueue(AgentImpl* agent, const absl::Status& status) {
  std::deque<std::unique_ptr<Request>> failed;
  failed.swap(agent->queue);
  queued_ -= failed.size();
  stats_.queued.store(queued_, std::memory_order_relaxed);
  for (auto& request : failed) std::move(request->done)(status);
}

void ClientImpl::Complete(int32_t id, absl::StatusOr<Pdu> result) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;
  std::unique_ptr<Request> request = std::move(it->second);
  in_flight_.erase(it);
  stats_.in_flight.store(in_flight_.size(), std::memory_order_relaxed);
  AgentImpl* agent = request->agent.get();
  --agent->in_flight;
  if (request->discovery) {
    if (!result.ok()) {
      // No engine, no requests: everything waiting for this agent fails the same way, and the
      // next request starts a fresh discovery.
      agent->engine_state = AgentImpl::EngineState::kUnknown;
      FailQueue(agent, result.status());
    }
  } else {
    std::move(request->done)(std::move(result));
  }
  Pump(agent);
  PumpBlocked();
}

void ClientImpl::ReadSocket() {
  constexpr size_t kBatch = 16;
  constexpr size_t kMaxDatagram = 65536;
  static thread_local std::vector<uint8_t> buffers(kBatch * kMaxDatagram);
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  sockaddr_storage from[kBatch];
  for (int round = 0; round < 64; ++round) {  // bounded, so that timers and submissions get a turn
    for (size_t i = 0; i < kBatch; ++i) {
      iov[i] = {buffers.data() + i * kMaxDatagram, kMaxDatagram};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    const int n = recvmmsg(fd_, msgs, kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    for (int i = 0; i < n; ++i) {
      stats_.received.fetch_add(1, std::memory_order_relaxed);
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {  // larger than any SNMP message may be
        Bump(stats_.malformed);
        continue;
      }
      HandleDatagram({buffers.data() + i * kMaxDatagram, msgs[i].msg_len}, from[i]);
    }
    if (static_cast<size_t>(n) < kBatch) return;
  }
}

void ClientImpl::HandleDatagram(std::span<const uint8_t> bytes, const sockaddr_storage& from) {
  Message message;
  MessageLayout layout;
  if (!DecodeMessage(bytes, &message, &layout).ok()) {
    Bump(stats_.malformed);
    return;
  }
  const int32_t id = message.version == Version::kV3 ? message.msg_id : message.pdu.request_id;
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) {
    Bump(stats_.unmatched);
    return;
  }
  Request* request = it->second.get();
  AgentImpl& agent = *request->agent;
  if (!internal::SameAddress(from, agent.address().storage)) {
    Bump(stats_.wrong_source);
    return;
  }
  if (message.version != agent.target().version) {
    Bump(stats_.unmatched);
    return;
  }
  if (message.version == Version::kV3) {
    HandleV3(request, bytes, message, layout);
    return;
  }
  if (message.pdu.type != PduType::kResponse || message.community != agent.target().community) {
    Bump(stats_.unmatched);
    return;
  }
  if (!ResponseFits(request->pdu, message.pdu)) {
    Bump(stats_.mismatched);
    return;
  }
  Bump(stats_.matched);
  Complete(id, std::move(message.pdu));
}

void ClientImpl::HandleV3(Request* request, std::span<const uint8_t> bytes, Message& message,
                          const MessageLayout& layout) {
  AgentImpl& agent = *request->agent;
  const int32_t id = request->id;
  if (request->discovery) {
    // Any answer naming the engine will do (RFC 3414 §4: normally a usmStatsUnknownEngineIDs
    // report at noAuthNoPriv).
    if (message.usm.engine_id.empty() || (message.flags & kFlagAuth)) {
      Bump(stats_.unmatched);
      return;
    }
    Bump(stats_.matched);
    FinishDiscovery(request, message);
    return;
  }
  absl::Status opened = internal::OpenSecured(bytes, layout, agent.target().user, agent.keys.get(),
                                              &message, &scratch_);
  if (!opened.ok()) {
    Bump(stats_.auth_failures);  // forged, corrupted, or for another user: not the answer
    return;
  }
  const bool authentic = message.flags & kFlagAuth;
  if (authentic) {
    agent.engine.Observe(message.usm.engine_boots, message.usm.engine_time, absl::Now());
  }
  if (message.pdu.type == PduType::kReport) {
    const ReportKind kind = internal::ClassifyReport(message.pdu);
    if (kind == ReportKind::kNotInTimeWindow && authentic && request->resyncs == 0) {
      // RFC 3414 §4: the authenticated report carries the engine's boots and time; adopt them
      // and send the request again.
      request->resyncs++;
      agent.engine.boots = message.usm.engine_boots;
      agent.engine.time = message.usm.engine_time;
      agent.engine.synced_at = absl::Now();
      Bump(stats_.time_resyncs);
      Bump(stats_.matched);
      Transmit(request);
      return;
    }
    if (kind == ReportKind::kUnknownEngineId && request->resyncs == 0 &&
        !message.usm.engine_id.empty() && message.usm.engine_id != agent.engine.engine_id) {
      // The agent's engine changed (replaced or reconfigured): adopt the new one and retry.
      request->resyncs++;
      agent.engine.engine_id = message.usm.engine_id;
      agent.engine.boots = message.usm.engine_boots;
      agent.engine.time = message.usm.engine_time;
      agent.engine.synced_at = absl::Now();
      if (agent.target().user.level != SecurityLevel::kNoAuthNoPriv) {
        absl::StatusOr<std::shared_ptr<const LocalizedKeys>> keys =
            keys_.Get(agent.target().user, agent.engine.engine_id);
        if (!keys.ok()) {
          Complete(id, keys.status());
          return;
        }
        agent.keys = *std::move(keys);
      }
      Bump(stats_.discoveries);
      Bump(stats_.matched);
      Transmit(request);
      return;
    }
    Bump(stats_.matched);
    Complete(id, internal::ReportError(kind, message.pdu, agent.target(), agent.peer()));
    return;
  }
  if (message.pdu.type != PduType::kResponse || message.pdu.request_id != id) {
    Bump(stats_.unmatched);
    return;
  }
  if (!ResponseFits(request->pdu, message.pdu)) {
    Bump(stats_.mismatched);
    return;
  }
  // A reply at a lower level than asked for is not an answer (RFC 3414 §3.2 would not accept it).
  const SecurityLevel level = agent.target().user.level;
  if ((level != SecurityLevel::kNoAuthNoPriv && !authentic) ||
      (level == SecurityLevel::kAuthPriv && !(message.flags & kFlagPriv))) {
    Bump(stats_.auth_failures);
    return;
  }
  Bump(stats_.matched);
  Complete(id, std::move(message.pdu));
}

void ClientImpl::FireTimers() {
  const absl::Time now = absl::Now();
  while (!timers_.empty() && timers_.top().deadline <= now) {
    const Timer timer = timers_.top();
    timers_.pop();
    auto it = in_flight_.find(timer.id);
    if (it == in_flight_.end() || it->second->attempts != timer.attempt) continue;  // stale
    Request* request = it->second.get();
    const Target& target = request->agent->target();
    if (request->attempts <= target.retries) {
      Bump(stats_.retransmits);
      Transmit(request);
      continue;
    }
    Bump(stats_.timeouts);
    Complete(timer.id, absl::DeadlineExceededError(absl::StrCat(
                           "snmp: no answer from ", request->agent->peer(), " after ",
                           request->attempts, " attempt", request->attempts == 1 ? "" : "s",
                           request->discovery ? " to discover its engine" : "", " (timeout ",
                           absl::FormatDuration(target.timeout), ")")));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  if (options.max_in_flight == 0 || options.max_in_flight_per_agent == 0) {
    return absl::InvalidArgumentError("snmp: in-flight bounds must be at least 1");
  }
  auto client = std::make_unique<ClientImpl>(std::move(options));
  if (absl::Status s = client->Open(); !s.ok()) return s;
  return client;
}

std::future<absl::StatusOr<Pdu>> Client::Send(const AgentRef& agent, Pdu request) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<Pdu>>>();
  std::future<absl::StatusOr<Pdu>> future = promise->get_future();
  Send(agent, std::move(request),
       [promise](absl::StatusOr<Pdu> reply) { promise->set_value(std::move(reply)); });
  return future;
}

}  // namespace cistern::snmp
