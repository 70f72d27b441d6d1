// Client: an asynchronous SNMP v1/v2c/v3 client that talks to any number of agents through ONE
// UDP socket (IPv6 with IPv4-mapped addresses, so IPv4 and IPv6 agents share it), with thousands of
// requests in flight, every reply matched to its request.
//
//   absl::StatusOr<std::unique_ptr<Client>> client = Client::Create();
//   absl::StatusOr<AgentRef> agent = (*client)->AddAgent({.address = "192.0.2.1",
//                                                        .community = "public"});
//   (*client)->Send(*agent, Pdu::Get({sys_name}), [](absl::StatusOr<Pdu> reply) { ... });
//   absl::StatusOr<Pdu> r = (*client)->Send(*agent, Pdu::Get({sys_name})).get();   // future style
//
// How it works: one I/O thread owns the socket, the table of requests in flight and every agent's
// state. Send() only queues the request and wakes that thread, which assigns the request-id
// (v3: msgID too), registers it, and only then sends — a reply can never arrive before its request
// is known. Replies are matched by id AND by source address, and must fit the request (the same
// names for a Get, names after the asked ones for a GetNext, …): a reply from any other address
// or port, a duplicate, a late reply to a finished request, bindings that cannot answer the
// request, or bytes that do not decode are counted (stats()) and dropped, never delivered. Each attempt has its own timeout (growing by `backoff`
// per retry); after the last, the request fails with DeadlineExceeded. At most
// `max_in_flight_per_agent` requests per agent and `max_in_flight` in all are on the wire; the
// rest wait in their agent's queue, in order. Nothing expires when idle: the thread sleeps until a
// request or a timer is due.
//
// SNMPv3 (USM, RFC 3414): the first request to an agent discovers its engine (ID, boots, time);
// keys are localised through a KeyCache shared by all agents; a notInTimeWindow report re-syncs the
// clock and the request is retried once; an unknownEngineID report (the agent was replaced)
// re-discovers. usmStats reports become errors: Unauthenticated for an unknown user, a wrong digest
// (wrong auth password or protocol), a decryption error (wrong privacy password or protocol) or an
// unsupported security level. Incoming authenticated messages are verified before anything in them
// is believed; a message failing verification is dropped and counted.
//
// Errors delivered to callbacks: DeadlineExceeded (no answer after all attempts), Unauthenticated
// (USM), InvalidArgument (a request that cannot be encoded), Unavailable (the socket refused to
// send), ResourceExhausted (more than `max_queued` requests waiting), Cancelled (the client was
// destroyed first). A Response PDU is delivered as it came: its error-status is for the caller (or
// the helpers in walk.h) to read.
//
// Thread safety: every method may be called from any thread. Callbacks run on the I/O thread, one
// at a time, and must not block (they may call Send; they must not destroy the Client). Futures
// may be waited on from any thread except the I/O thread. Destroying the Client joins the thread
// and completes every outstanding request with Cancelled, on the destroying thread.
#ifndef CISTERN_SNMP_CLIENT_H_
#define CISTERN_SNMP_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cistern/snmp/message.h"
#include "cistern/snmp/pdu.h"
#include "cistern/snmp/usm.h"

namespace cistern::snmp {

struct ClientOptions {
  size_t max_in_flight = 20000;         // requests on the wire, all agents together
  size_t max_in_flight_per_agent = 64;  // requests on the wire per agent
  size_t max_queued = 1000000;          // requests waiting for a slot, all agents together
  int receive_buffer_bytes = 8 << 20;   // SO_RCVBUF asked for (the kernel may cap it)
  // The local address to bind: "::" (default: IPv6 and IPv4-mapped), or "0.0.0.0" for IPv4 only.
  // A machine without IPv6 falls back to "0.0.0.0".
  std::string bind_address = "::";
};

// Who an agent is and how to talk to it. The option names follow net-snmp's.
struct Target {
  // "host", "host:port", "[v6addr]:port", "v6addr", with net-snmp's optional "udp:"/"udp6:"
  // prefix. Default port 161. Names are resolved once, by AddAgent.
  std::string address;
  Version version = Version::kV2c;  // -v
  std::string community = "public";  // -c (v1, v2c)
  UsmUser user;                      // -u -l -a -A -x -X (v3)
  std::string context_name;          // -n (v3)
  std::string context_engine_id;     // -E (v3; default: the agent's engine ID)
  absl::Duration timeout = absl::Seconds(1);  // -t, per attempt
  int retries = 5;                            // -r
  double backoff = 1.0;  // each retry waits `backoff` times longer than the one before
};

// An agent known to a Client: its target, resolved address and (v3) engine state. Obtained from
// Client::AddAgent and valid as long as someone holds it; its state belongs to the Client's I/O
// thread, its accessors are safe from any thread.
class Agent {
 public:
  virtual ~Agent() = default;
  virtual const Target& target() const = 0;
  // The resolved address as "ip:port" ("[ip6]:port" for IPv6).
  virtual const std::string& peer() const = 0;
};
using AgentRef = std::shared_ptr<Agent>;

// Counters of everything the client did and dropped. Monotonic.
struct ClientStats {
  uint64_t requests = 0;          // Send calls
  uint64_t sent = 0;              // datagrams sent (first attempts, retries, discovery)
  uint64_t retransmits = 0;
  uint64_t received = 0;          // datagrams read from the socket
  uint64_t matched = 0;           // replies delivered to a request
  uint64_t malformed = 0;         // datagrams that did not decode
  uint64_t unmatched = 0;         // well-formed replies to no request in flight (late, duplicate)
  uint64_t mismatched = 0;        // replies whose id matched and whose bindings cannot answer
                                  // the request (damaged or forged), dropped
  uint64_t wrong_source = 0;      // replies whose id matched, from another address or port
  uint64_t auth_failures = 0;     // v3 messages failing authentication or decryption, dropped
  uint64_t timeouts = 0;          // requests failed after their last attempt
  uint64_t time_resyncs = 0;      // notInTimeWindow reports acted on
  uint64_t discoveries = 0;       // engine discoveries completed
  uint64_t send_errors = 0;       // sendto failures
  size_t in_flight = 0;           // now
  size_t queued = 0;              // now
};

using ResponseCallback = absl::AnyInvocable<void(absl::StatusOr<Pdu>) &&>;

class Client {
 public:
  static absl::StatusOr<std::unique_ptr<Client>> Create(ClientOptions options = {});
  virtual ~Client() = default;

  // Resolves the target's address and validates its credentials. InvalidArgument for a bad address
  // or credentials, NotFound when the name does not resolve.
  virtual absl::StatusOr<AgentRef> AddAgent(Target target) = 0;

  // Sends `request` (its request_id is assigned by the client) and calls `done` once with the
  // agent's Response or an error.
  virtual void Send(const AgentRef& agent, Pdu request, ResponseCallback done) = 0;
  std::future<absl::StatusOr<Pdu>> Send(const AgentRef& agent, Pdu request);

  virtual ClientStats stats() const = 0;
  // The local port of the socket (tests).
  virtual uint16_t local_port() const = 0;
};

}  // namespace cistern::snmp

#endif  // CISTERN_SNMP_CLIENT_H_
