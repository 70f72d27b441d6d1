#include "address.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace cistern::snmp::internal {
namespace {

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Bad(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("snmp: agent address \"", Absl(text), "\": ", Absl(why)));
}

bool ParsePort(std::string_view s, uint16_t* port) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || value == 0 || value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

// Unmaps ::ffff:a.b.c.d to a.b.c.d for comparison and printing.
sockaddr_storage Canonical(const sockaddr_storage& in) {
  if (in.ss_family != AF_INET6) return in;
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&in);
  if (!IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) return in;
  sockaddr_storage out{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  v4->sin_family = AF_INET;
  v4->sin_port = v6->sin6_port;
  std::memcpy(&v4->sin_addr, &v6->sin6_addr.s6_addr[12], 4);
  return out;
}

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(std::string_view text, uint16_t default_port) {
  HostPort hp;
  hp.port = default_port;
  std::string_view rest = text;
  if (rest.starts_with("udp6:")) {
    hp.want_ipv6 = true;
    rest.remove_prefix(5);
  } else if (rest.starts_with("udp:")) {
    rest.remove_prefix(4);
  }
  if (rest.empty()) return Bad(text, "no host");
  if (rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return Bad(text, "'[' without ']'");
    hp.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':' || !ParsePort(after.substr(1), &hp.port)) {
        return Bad(text, "bad port after ']'");
      }
    }
  } else {
    const size_t colons = static_cast<size_t>(std::count(rest.begin(), rest.end(), ':'));
    if (colons == 1) {
      const size_t colon = rest.find(':');
      hp.host = std::string(rest.substr(0, colon));
      if (!ParsePort(rest.substr(colon + 1), &hp.port)) return Bad(text, "bad port");
    } else {
      hp.host = std::string(rest);  // a name, an IPv4 address, or a bare IPv6 address
    }
  }
  if (hp.host.empty()) return Bad(text, "no host");
  return hp;
}

absl::StatusOr<PeerAddress> Resolve(const HostPort& hp, int family) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_family = hp.want_ipv6 ? AF_INET6 : (family == AF_INET ? AF_INET : AF_UNSPEC);
  addrinfo* found = nullptr;
  const std::string port = std::to_string(hp.port);
  const int rc = getaddrinfo(hp.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    return absl::NotFoundError(absl::StrCat("snmp: cannot resolve \"", hp.host, "\": ",
                                            gai_strerror(rc)));
  }
  // Prefer IPv4 when a name has both (agents are usually polled over IPv4), as net-snmp does.
  const addrinfo* pick = found;
  if (!hp.want_ipv6) {
    for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
      if (ai->ai_family == AF_INET) {
        pick = ai;
        break;
      }
    }
  }
  PeerAddress out;
  sockaddr_storage plain{};
  std::memcpy(&plain, pick->ai_addr, pick->ai_addrlen);
  freeaddrinfo(found);
  if (family == AF_INET6 && plain.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&plain);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = v4->sin_port;
    v6->sin6_addr.s6_addr[10] = 0xff;
    v6->sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&v6->sin6_addr.s6_addr[12], &v4->sin_addr, 4);
    out.length = sizeof(sockaddr_in6);
  } else if (family == AF_INET && plain.ss_family == AF_INET6) {
    return absl::InvalidArgumentError(absl::StrCat(
        "snmp: agent ", hp.host, " is IPv6, and this client's socket is IPv4-only"));
  } else {
    out.storage = plain;
    out.length = plain.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  }
  out.text = AddressText(out.storage);
  return out;
}

std::string AddressText(const sockaddr_storage& addr) {
  const sockaddr_storage c = Canonical(addr);
  char buf[INET6_ADDRSTRLEN] = {};
  if (c.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&c);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
    return absl::StrCat(buf, ":", ntohs(v4->sin_port));
  }
  if (c.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&c);
    inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
    return absl::StrCat("[", buf, "]:", ntohs(v6->sin6_port));
  }
  return "?";
}

bool SameAddress(const sockaddr_storage& a, const sockaddr_storage& b) {
  const sockaddr_storage x = Canonical(a);
  const sockaddr_storage y = Canonical(b);
  if (x.ss_family != y.ss_family) return false;
  if (x.ss_family == AF_INET) {
    const auto* p = reinterpret_cast<const sockaddr_in*>(&x);
    const auto* q = reinterpret_cast<const sockaddr_in*>(&y);
    return p->sin_port == q->sin_port && p->sin_addr.s_addr == q->sin_addr.s_addr;
  }
  if (x.ss_family == AF_INET6) {
    const auto* p = reinterpret_cast<const sockaddr_in6*>(&x);
    const auto* q = reinterpret_cast<const sockaddr_in6*>(&y);
    return p->sin6_port == q->sin6_port &&
           std::memcmp(&p->sin6_addr, &q->sin6_addr, sizeof p->sin6_addr) == 0;
  }
  return false;
}

}  // namespace cistern::snmp::internal
