// A loopback UDP proxy that misbehaves on purpose, to put an SNMP client through a hostile
// network: it listens on 127.0.0.1:port(), forwards each client datagram to 127.0.0.1:upstream
// and each upstream reply back to the client that sent the request, and on the way drops,
// delays, reorders, duplicates, truncates and corrupts, answers from the wrong source address and
// sprays garbage -- each with its own probability, decided by seeded std::mt19937 engines (one for
// requests, one for replies, both from `seed`) so that a run is reproducible whenever the same
// datagrams arrive in the same order on each side (e.g. one client), and each counted so a test
// can assert the fault really happened (a counter is raised before its datagram is sent).
//
//   UdpFaultConfig faults;
//   faults.drop_reply = 0.2;
//   faults.duplicate_reply = 0.1;
//   auto proxy = UdpFaultProxy::Start(peer->port(), faults);
//   REQUIRE(proxy.ok());
//   client.Get((*proxy)->address(), ...);     // instead of peer->address()
//   CHECK((*proxy)->counters().replies_dropped > 0);
//
// Client mapping: every distinct client address (ip:port) gets its own upstream socket,
// connect()ed to the upstream, so replies go back to the client that sent the request even when
// several clients share one proxy (at most 256 clients; the least recently active is forgotten).
//
// Reply pipeline, in this order (a probability is drawn only when it is non-zero):
//   1. drop_reply             the reply is discarded.
//   2. reorder_window > 1     replies are held until `reorder_window` of them are waiting (or
//                             `reorder_flush` passed since the first), then released together in
//                             reverse order (or shuffled with reorder_shuffle).
//   3. reply_delay/jitter     each reply waits delay + uniform[0, jitter] before it is sent
//                             (jitter alone also reorders).
//   4. at send time:
//      garbage                first an extra datagram of 1..garbage_max_bytes random bytes goes
//                             to the client from the proxy's port (optionally starting like a BER
//                             SEQUENCE, 0x30 + a length byte, to get past a decoder's first check);
//      truncate_reply         the reply is cut at a uniform length in [0, size-1] (0 included: an
//                             empty datagram);
//      corrupt_reply          `corrupt_bytes` distinct positions are XORed with a non-zero byte;
//      wrong_source_address   the reply is sent from 127.0.0.2:<port> instead (falls back to the
//                             other 127.0.0.1 port when 127.0.0.2 cannot be bound);
//      wrong_source_port      else, the reply is sent from 127.0.0.1:<another port>;
//      duplicate_reply        the (possibly modified) reply is sent `duplicate_copies` more times
//                             from the same socket, right after.
// Requests: drop_request discards a client datagram instead of forwarding it.
//
// Errors: Start() returns Internal when a socket cannot be made or bound. Lifetime/threading:
// the proxy runs one thread of its own (poll()); Stop() (and the destructor) joins it, dropping
// replies still held. counters(), config() and SetConfig() are safe from any thread.
#ifndef CISTERN_TESTS_SNMP_UDP_FAULT_PROXY_H_
#define CISTERN_TESTS_SNMP_UDP_FAULT_PROXY_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace cistern::testing {

struct UdpFaultConfig {
  uint32_t seed = 1;

  double drop_request = 0.0;  // share of client datagrams not forwarded

  double drop_reply = 0.0;  // share of upstream replies discarded

  int reorder_window = 0;        // > 1: hold this many replies, then release them out of order
  bool reorder_shuffle = false;  // false: reverse order; true: std::shuffle with the seeded RNG
  std::chrono::milliseconds reorder_flush{250};  // release a partial window after this

  std::chrono::milliseconds reply_delay{0};
  std::chrono::milliseconds reply_jitter{0};  // extra uniform [0, jitter]

  double garbage = 0.0;  // per reply: probability of one extra random datagram before it
  size_t garbage_max_bytes = 256;
  bool garbage_looks_like_ber = false;

  double truncate_reply = 0.0;
  double corrupt_reply = 0.0;
  int corrupt_bytes = 1;

  double wrong_source_address = 0.0;  // reply sent from 127.0.0.2 instead
  double wrong_source_port = 0.0;     // reply sent from another port of 127.0.0.1 instead

  double duplicate_reply = 0.0;
  int duplicate_copies = 1;  // extra copies when duplicate_reply fires
};

// What the proxy did, since Start() (a snapshot; each field is read atomically on its own).
struct UdpFaultCounters {
  uint64_t requests_received = 0;
  uint64_t requests_forwarded = 0;
  uint64_t requests_dropped = 0;
  uint64_t replies_received = 0;  // from the upstream
  uint64_t replies_dropped = 0;
  uint64_t replies_held = 0;        // went through a reorder window
  uint64_t reorder_batches = 0;     // windows released
  uint64_t replies_reordered = 0;   // released at another position than they arrived
  uint64_t replies_delayed = 0;     // waited > 0 ms
  uint64_t replies_sent = 0;        // datagrams carrying a reply, duplicates included
  uint64_t replies_duplicated = 0;  // extra copies sent
  uint64_t replies_truncated = 0;
  uint64_t replies_corrupted = 0;
  uint64_t replies_wrong_address = 0;
  uint64_t replies_wrong_port = 0;
  uint64_t garbage_sent = 0;
  uint64_t upstream_errors = 0;  // send/recv errors towards the upstream (e.g. ECONNREFUSED)
  uint64_t send_errors = 0;      // sendto() towards a client failed
  uint64_t clients = 0;          // distinct client addresses seen
};

class UdpFaultProxy {
 public:
  // Listens on 127.0.0.1:<ephemeral>, forwards to 127.0.0.1:upstream_port.
  static absl::StatusOr<std::unique_ptr<UdpFaultProxy>> Start(
      int upstream_port, const UdpFaultConfig& config = UdpFaultConfig());

  UdpFaultProxy(const UdpFaultProxy&) = delete;
  UdpFaultProxy& operator=(const UdpFaultProxy&) = delete;
  ~UdpFaultProxy();

  int port() const { return port_; }
  std::string address() const;  // "127.0.0.1:PORT", what the client should talk to
  int upstream_port() const { return upstream_port_; }
  // Where wrong-source replies come from: 127.0.0.1:wrong_source_port_number(), and
  // wrong_source_address_text() ("127.0.0.2:P", empty when 127.0.0.2 could not be bound).
  int wrong_source_port_number() const { return alt_port_; }
  std::string wrong_source_address_text() const;

  // Replaces the faults from the next datagram on and reseeds the engines from config.seed (held
  // and delayed replies keep their place). Thread-safe.
  void SetConfig(const UdpFaultConfig& config);
  UdpFaultConfig config() const;
  UdpFaultCounters counters() const;

  void Stop();  // idempotent

 private:
  struct Counters;
  struct State;

  UdpFaultProxy();
  void Run();

  int port_ = 0;
  int upstream_port_ = 0;
  int alt_port_ = 0;
  int alt_addr_port_ = 0;
  int listen_fd_ = -1;
  int alt_port_fd_ = -1;
  int alt_addr_fd_ = -1;
  int wake_fd_ = -1;

  mutable std::mutex mu_;
  UdpFaultConfig config_;        // guarded by mu_
  bool config_changed_ = false;  // guarded by mu_
  std::unique_ptr<Counters> counters_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace cistern::testing

#endif  // CISTERN_TESTS_SNMP_UDP_FAULT_PROXY_H_
