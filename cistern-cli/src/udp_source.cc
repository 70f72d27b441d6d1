#include "udp_source.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>
#include <utility>

namespace cistern::cli {
namespace {

constexpr uint8_t kIpProtoUdp = 17;
constexpr size_t kUdpHeaderSize = 8;  // RFC 768

constexpr size_t kListenBufferSize = 64 * 1024;
constexpr int kListenSocketBuffer = 4 * 1024 * 1024;

// Parses "A.B.C.D:PORT", "[IPV6]:PORT" or "[IPV6%IFACE]:PORT".
absl::StatusOr<sockaddr_storage> ParseAddrPort(std::string_view text,
                                               socklen_t* length) {
  const auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError("udp: bad listen address '" +
                                      std::string(text) +
                                      "': " + std::string(why));
  };
  std::string host;
  std::string_view port_text;
  bool ipv6 = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find("]:");
    if (close == std::string_view::npos) {
      return invalid("expected [IPV6]:PORT");
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    ipv6 = true;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return invalid("expected ADDR:PORT");
    host = std::string(text.substr(0, colon));
    if (host.find(':') != std::string::npos) {
      return invalid("IPv6 addresses must be bracketed: [ADDR]:PORT");
    }
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(
      port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() ||
      end != port_text.data() + port_text.size() || port > 65535) {
    return invalid("port must be 0..65535");
  }

  sockaddr_storage storage{};
  if (ipv6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(port));
    const size_t percent = host.find('%');
    if (percent != std::string::npos) {
      const std::string zone = host.substr(percent + 1);
      host.resize(percent);
      sin6->sin6_scope_id = if_nametoindex(zone.c_str());
      if (sin6->sin6_scope_id == 0) return invalid("unknown interface");
    }
    if (inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) != 1) {
      return invalid("not an IPv6 address");
    }
    *length = sizeof(sockaddr_in6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1) {
      return invalid("not an IPv4 address");
    }
    *length = sizeof(sockaddr_in);
  }
  return storage;
}

}  // namespace

// The frame's headers are libproto's; this only decides what a sFlow reader makes of them.
FrameResult DecodeUdpFrame(int dlt, std::span<const uint8_t> frame, uint16_t port,
                           UdpDatagram* out) {
  if (!IsSupportedLinkType(dlt)) return {FrameVerdict::kUnsupportedLinkType, false, 0};
  const LinkStart start = LocateLinkStart(dlt, frame);
  if (!start.supported) {
    return {start.cut ? FrameVerdict::kMalformed : FrameVerdict::kNotUdp, false, 0};
  }
  const std::span<const uint8_t> bytes = frame.subspan(start.offset);
  proto::DecodeOptions options;
  options.depth = proto::DecodeOptions::Depth::kTransport;  // sFlow is never tunnelled here
  options.decode_icmp_quotes = false;
  proto::Packet packet;
  DecodeLinkPayload(start, frame, options, &packet);
  auto stop = [&](FrameVerdict verdict) {
    return FrameResult{verdict, false, start.offset + packet.stop_offset};
  };
  const bool broken = packet.stop == proto::StopReason::kTruncated ||
                      packet.stop == proto::StopReason::kMalformed ||
                      packet.stop == proto::StopReason::kLimit;
  const proto::FlowSummary& flow = packet.outer;
  if (!flow.present) return stop(broken ? FrameVerdict::kMalformed : FrameVerdict::kNotUdp);
  out->is_ipv6 = flow.src.family == 6;
  out->src_addr = {};
  std::memcpy(out->src_addr.data(), flow.src.bytes.data(), out->is_ipv6 ? 16 : 4);
  if (flow.protocol != kIpProtoUdp) {
    // Another transport (even a cut one) is simply not ours; a network layer cut short is broken.
    const bool network_cut = broken && (packet.stop_layer == proto::LayerType::kIpv4 ||
                                        packet.stop_layer == proto::LayerType::kIpv6 ||
                                        packet.stop_layer == proto::LayerType::kIpv6Extension);
    return stop(network_cut ? FrameVerdict::kMalformed : FrameVerdict::kNotUdp);
  }
  if (flow.fragment != proto::Fragment::kNone) return stop(FrameVerdict::kFragment);
  if (broken || packet.udp.empty()) return stop(FrameVerdict::kMalformed);

  const proto::Layer* udp_layer = nullptr;
  for (const proto::Layer& layer : packet.layers()) {
    if (layer.type == proto::LayerType::kUdp) {
      udp_layer = &layer;
      break;
    }
  }
  const proto::UdpHeader& udp = packet.udp.front();
  out->src_port = udp.src_port;
  out->dst_port = udp.dst_port;
  if (port != 0 && udp.src_port != port && udp.dst_port != port) {
    return stop(FrameVerdict::kOtherPort);
  }
  // The payload ends where the IP header says (0: offloaded super-packet or jumbogram, use the
  // captured bytes), and where the UDP length says when it claims no more than that.
  const proto::Layer& ip_layer = packet.layers()[flow.ip_layer];
  size_t end = bytes.size();
  const size_t ip_length = out->is_ipv6 ? (packet.ipv6.front().payload_length == 0
                                               ? 0
                                               : 40u + packet.ipv6.front().payload_length)
                                        : packet.ipv4.front().total_length;
  if (ip_length != 0 && ip_layer.offset + ip_length < end) end = ip_layer.offset + ip_length;
  const size_t payload_offset = udp_layer->offset + kUdpHeaderSize;
  size_t payload_size = end - payload_offset;
  bool truncated = false;
  if (udp.length == 0 && out->is_ipv6) {
    // RFC 2675 jumbogram: the length comes from the IP layer.
  } else if (udp.length < kUdpHeaderSize) {
    return stop(FrameVerdict::kMalformed);
  } else if (udp.length - kUdpHeaderSize <= payload_size) {
    payload_size = udp.length - kUdpHeaderSize;
  } else {
    truncated = true;  // claims more than was captured: keep what we have
  }
  out->payload = bytes.subspan(payload_offset, payload_size);
  return {FrameVerdict::kUdp, truncated, static_cast<uint32_t>(start.offset + payload_offset)};
}

// ----------------------------------------------------------------------------
// CaptureReader

CaptureReader::CaptureReader(std::unique_ptr<CaptureFile> file, uint16_t port)
    : file_(std::move(file)), port_(port) {}

CaptureReader::~CaptureReader() = default;

absl::StatusOr<std::unique_ptr<CaptureReader>> CaptureReader::Open(const std::string& path,
                                                                   uint16_t port) {
  absl::StatusOr<std::unique_ptr<CaptureFile>> file = CaptureFile::Open(path);
  if (!file.ok()) return file.status();
  return std::unique_ptr<CaptureReader>(new CaptureReader(std::move(*file), port));
}

int CaptureReader::link_type() const { return file_->link_type(); }

absl::StatusOr<std::optional<UdpDatagram>> CaptureReader::Next() {
  while (true) {
    absl::StatusOr<std::optional<Frame>> frame = file_->Next();
    if (!frame.ok()) return frame.status();
    if (!frame->has_value()) return std::nullopt;
    ++stats_.frames;
    UdpDatagram datagram;
    const FrameResult result = DecodeUdpFrame((*frame)->link_type, (*frame)->bytes, port_,
                                              &datagram);
    switch (result.verdict) {
      case FrameVerdict::kUdp:
        ++stats_.matched;
        if (result.truncated) ++stats_.truncated;
        datagram.timestamp_us = (*frame)->timestamp_us;
        return datagram;
      case FrameVerdict::kNotUdp:
        ++stats_.skipped_not_udp;
        break;
      case FrameVerdict::kOtherPort:
        ++stats_.skipped_other_port;
        break;
      case FrameVerdict::kFragment:
        ++stats_.fragments;
        break;
      case FrameVerdict::kMalformed:
      case FrameVerdict::kUnsupportedLinkType:  // rejected by Open()
        ++stats_.malformed;
        break;
    }
  }
}

// ----------------------------------------------------------------------------
// UdpListener

UdpListener::UdpListener(int fd, uint16_t port)
    : fd_(fd), port_(port), buffer_(kListenBufferSize) {}

UdpListener::~UdpListener() { ::close(fd_); }

absl::StatusOr<std::unique_ptr<UdpListener>> UdpListener::Bind(
    const std::string& addr_port) {
  socklen_t length = 0;
  absl::StatusOr<sockaddr_storage> address = ParseAddrPort(addr_port, &length);
  if (!address.ok()) return address.status();

  const int fd = ::socket(address->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno,
                               "udp: cannot create socket for " + addr_port);
  }
  // Best effort: a larger receive buffer rides out export bursts.
  const int rcvbuf = kListenSocketBuffer;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&*address), length) != 0) {
    const int error = errno;
    ::close(fd);
    return absl::ErrnoToStatus(error, "udp: cannot bind " + addr_port);
  }
  sockaddr_storage bound{};
  socklen_t bound_length = sizeof(bound);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_length) !=
      0) {
    const int error = errno;
    ::close(fd);
    return absl::ErrnoToStatus(error, "udp: getsockname for " + addr_port);
  }
  const uint16_t port =
      bound.ss_family == AF_INET6
          ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
          : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  return std::unique_ptr<UdpListener>(new UdpListener(fd, port));
}

absl::StatusOr<UdpDatagram> UdpListener::Receive() {
  sockaddr_storage from{};
  ssize_t received;
  do {
    socklen_t from_length = sizeof(from);
    received = ::recvfrom(fd_, buffer_.data(), buffer_.size(), 0,
                          reinterpret_cast<sockaddr*>(&from), &from_length);
  } while (received < 0 && errno == EINTR);
  if (received < 0) {
    return absl::ErrnoToStatus(
        errno, "udp: recvfrom on port " + std::to_string(port_));
  }
  UdpDatagram datagram;
  datagram.payload =
      std::span<const uint8_t>(buffer_.data(), static_cast<size_t>(received));
  datagram.timestamp_us =
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  datagram.dst_port = port_;
  if (from.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&from);
    datagram.src_port = ntohs(sin6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
      std::memcpy(datagram.src_addr.data(), sin6->sin6_addr.s6_addr + 12, 4);
    } else {
      datagram.is_ipv6 = true;
      std::memcpy(datagram.src_addr.data(), sin6->sin6_addr.s6_addr, 16);
    }
  } else if (from.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&from);
    datagram.src_port = ntohs(sin->sin_port);
    std::memcpy(datagram.src_addr.data(), &sin->sin_addr, 4);
  }
  return datagram;
}

}  // namespace cistern::cli
