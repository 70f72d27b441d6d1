// Agent addresses: parsing net-snmp's forms and resolving them to a socket address. Private to
// libsnmp.
#ifndef CISTERN_SNMP_SRC_ADDRESS_H_
#define CISTERN_SNMP_SRC_ADDRESS_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cistern::snmp::internal {

struct HostPort {
  std::string host;
  uint16_t port = 161;
  bool want_ipv6 = false;  // "udp6:" prefix
};

// "host", "host:port", "[v6]:port", "[v6]", "v6addr" (two or more ':' and no brackets: all host),
// each with an optional "udp:" or "udp6:" prefix. InvalidArgument otherwise.
absl::StatusOr<HostPort> ParseHostPort(std::string_view text, uint16_t default_port = 161);

// A resolved peer as the dual-stack socket wants it (IPv4 as ::ffff:a.b.c.d) or, for an IPv4-only
// socket, as sockaddr_in.
struct PeerAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // "ip:port" or "[ip6]:port"
};

// Resolves (getaddrinfo, numeric first) for a socket of `family` (AF_INET6 dual-stack or AF_INET).
// NotFound when the name does not resolve; InvalidArgument for an IPv6 peer on an IPv4 socket.
absl::StatusOr<PeerAddress> Resolve(const HostPort& hp, int family);

// The canonical text of a received source address, comparable with PeerAddress::text.
std::string AddressText(const sockaddr_storage& addr);
// True when two socket addresses are the same IP and port (IPv4-mapped equals IPv4).
bool SameAddress(const sockaddr_storage& a, const sockaddr_storage& b);

}  // namespace cistern::snmp::internal

#endif  // CISTERN_SNMP_SRC_ADDRESS_H_
