#include "udp_source.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
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

// IEEE 802 EtherTypes.
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr uint16_t kEtherTypeVlan = 0x8100;        // IEEE 802.1Q C-tag
constexpr uint16_t kEtherTypeQinQ = 0x88A8;        // IEEE 802.1ad S-tag
constexpr uint16_t kEtherTypeQinQLegacy = 0x9100;  // pre-802.1ad S-tag

// IANA protocol numbers.
constexpr uint8_t kIpProtoHopByHop = 0;
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kIpProtoRouting = 43;
constexpr uint8_t kIpProtoFragment = 44;
constexpr uint8_t kIpProtoAh = 51;
constexpr uint8_t kIpProtoDestOpts = 60;

// Address families seen in DLT_NULL / DLT_LOOP headers: AF_INET is 2
// everywhere, AF_INET6 differs (Linux 10, NetBSD/OpenBSD 24, FreeBSD 28,
// Darwin 30). See https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html.
constexpr uint32_t kBsdAfInet = 2;
constexpr uint32_t kBsdAfInet6[] = {10, 24, 28, 30};

constexpr size_t kEthernetHeaderSize = 14;  // dst(6) src(6) type(2)
constexpr size_t kVlanTagSize = 4;          // TCI(2) type(2)
constexpr size_t kNullHeaderSize = 4;       // address family(4)
constexpr size_t kSllHeaderSize = 16;       // protocol at offset 14
constexpr size_t kSll2HeaderSize = 20;      // protocol at offset 0
constexpr size_t kIpv4MinHeaderSize = 20;   // RFC 791 section 3.1
constexpr size_t kIpv6HeaderSize = 40;      // RFC 8200 section 3
constexpr size_t kIpv6ExtMinSize = 8;
constexpr size_t kUdpHeaderSize = 8;  // RFC 768

constexpr size_t kListenBufferSize = 64 * 1024;
constexpr int kListenSocketBuffer = 4 * 1024 * 1024;

uint16_t Load16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
uint32_t Load32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

bool IsVlanTag(uint16_t ether_type) {
  return ether_type == kEtherTypeVlan || ether_type == kEtherTypeQinQ ||
         ether_type == kEtherTypeQinQLegacy;
}

bool IsIpv6ExtensionHeader(uint8_t next_header) {
  return next_header == kIpProtoHopByHop || next_header == kIpProtoRouting ||
         next_header == kIpProtoDestOpts || next_header == kIpProtoAh;
}

// Walks one frame. `pos_` is the next unread byte, `end_` the exclusive bound
// (the captured length, narrowed by IP length fields); every read checks
// `n > end_ - pos_` first, which cannot overflow because pos_ <= end_.
class FrameDecoder {
 public:
  FrameDecoder(std::span<const uint8_t> frame, uint16_t port, UdpDatagram* out)
      : data_(frame.data()), end_(frame.size()), port_(port), out_(out) {}

  FrameResult Decode(int dlt) {
    switch (dlt) {
      case DLT_EN10MB:
        if (Short(kEthernetHeaderSize)) return Stop(FrameVerdict::kMalformed);
        pos_ += kEthernetHeaderSize;
        return EtherType(Load16(data_ + pos_ - 2));
      case DLT_LINUX_SLL:
        if (Short(kSllHeaderSize)) return Stop(FrameVerdict::kMalformed);
        pos_ += kSllHeaderSize;
        return EtherType(Load16(data_ + pos_ - 2));
      case DLT_LINUX_SLL2: {
        if (Short(kSll2HeaderSize)) return Stop(FrameVerdict::kMalformed);
        const uint16_t protocol = Load16(data_ + pos_);
        pos_ += kSll2HeaderSize;
        return EtherType(protocol);
      }
      case DLT_NULL:
      case DLT_LOOP: {
        if (Short(kNullHeaderSize)) return Stop(FrameVerdict::kMalformed);
        uint32_t family = Load32(data_ + pos_);
        // Written in the capturing host's byte order (DLT_NULL) or network
        // order (DLT_LOOP); real writers disagree, so accept both. Families
        // are small, so a value above 0xFFFF is the other byte order.
        if (family > 0xFFFF) family = __builtin_bswap32(family);
        pos_ += kNullHeaderSize;
        if (family == kBsdAfInet) return Ipv4();
        for (uint32_t af6 : kBsdAfInet6) {
          if (family == af6) return Ipv6();
        }
        return Stop(FrameVerdict::kNotUdp);
      }
      case DLT_RAW:
        if (Short(1)) return Stop(FrameVerdict::kMalformed);
        switch (data_[pos_] >> 4) {
          case 4:
            return Ipv4();
          case 6:
            return Ipv6();
          default:
            return Stop(FrameVerdict::kMalformed);
        }
      case DLT_IPV4:
        return Ipv4();
      case DLT_IPV6:
        return Ipv6();
      default:
        return Stop(FrameVerdict::kUnsupportedLinkType);
    }
  }

 private:
  bool Short(size_t n) const { return n > end_ - pos_; }
  size_t Available() const { return end_ - pos_; }
  FrameResult Stop(FrameVerdict verdict, bool truncated = false) const {
    return {verdict, truncated, static_cast<uint32_t>(pos_)};
  }

  // Dispatches on an EtherType at pos_, first peeling up to kMaxVlanTags
  // 802.1Q / 802.1ad tags.
  FrameResult EtherType(uint16_t ether_type) {
    for (int tags = 0; IsVlanTag(ether_type); ++tags) {
      if (tags == kMaxVlanTags || Short(kVlanTagSize)) {
        return Stop(FrameVerdict::kMalformed);
      }
      ether_type = Load16(data_ + pos_ + 2);
      pos_ += kVlanTagSize;
    }
    if (ether_type == kEtherTypeIpv4) return Ipv4();
    if (ether_type == kEtherTypeIpv6) return Ipv6();
    return Stop(FrameVerdict::kNotUdp);  // ARP, LLC (type <= 1500), MPLS, ...
  }

  // RFC 791 section 3.1.
  FrameResult Ipv4() {
    if (Short(kIpv4MinHeaderSize)) return Stop(FrameVerdict::kMalformed);
    const uint8_t* ip = data_ + pos_;
    if ((ip[0] >> 4) != 4) return Stop(FrameVerdict::kMalformed);
    const size_t header_size = size_t{ip[0] & 0x0Fu} * 4;
    if (header_size < kIpv4MinHeaderSize || Short(header_size)) {
      return Stop(FrameVerdict::kMalformed);
    }
    const size_t total_length = Load16(ip + 2);
    // Total length 0 is what Linux shows for TSO/GSO super-packets captured
    // on the way out: fall back to the captured length.
    if (total_length != 0) {
      if (total_length < header_size) return Stop(FrameVerdict::kMalformed);
      if (total_length < Available()) end_ = pos_ + total_length;
    }
    const uint16_t flags_offset = Load16(ip + 6);
    const uint8_t protocol = ip[9];
    out_->is_ipv6 = false;
    out_->src_addr = {};
    std::memcpy(out_->src_addr.data(), ip + 12, 4);
    if (protocol != kIpProtoUdp) return Stop(FrameVerdict::kNotUdp);
    // MF set (first / middle fragment) or non-zero offset (later fragment).
    if ((flags_offset & 0x3FFF) != 0) return Stop(FrameVerdict::kFragment);
    pos_ += header_size;
    return Udp();
  }

  // RFC 8200 sections 3 and 4.
  FrameResult Ipv6() {
    if (Short(kIpv6HeaderSize)) return Stop(FrameVerdict::kMalformed);
    const uint8_t* ip = data_ + pos_;
    if ((ip[0] >> 4) != 6) return Stop(FrameVerdict::kMalformed);
    const size_t payload_length = Load16(ip + 4);
    uint8_t next_header = ip[6];
    out_->is_ipv6 = true;
    std::memcpy(out_->src_addr.data(), ip + 8, 16);
    pos_ += kIpv6HeaderSize;
    // Payload length 0: jumbogram (RFC 2675) or an offloaded super-packet;
    // use the captured length.
    if (payload_length != 0 && payload_length < Available()) {
      end_ = pos_ + payload_length;
    }
    for (int headers = 0;; ++headers) {
      if (next_header == kIpProtoUdp) return Udp();
      if (next_header == kIpProtoFragment) {
        if (Short(kIpv6ExtMinSize)) return Stop(FrameVerdict::kMalformed);
        const uint8_t inner = data_[pos_];
        if (inner == kIpProtoUdp || IsIpv6ExtensionHeader(inner)) {
          return Stop(FrameVerdict::kFragment);
        }
        return Stop(FrameVerdict::kNotUdp);
      }
      if (!IsIpv6ExtensionHeader(next_header)) {
        return Stop(FrameVerdict::kNotUdp);  // TCP, ICMPv6, No Next Header...
      }
      if (headers == kMaxIpv6ExtensionHeaders || Short(kIpv6ExtMinSize)) {
        return Stop(FrameVerdict::kMalformed);
      }
      // Hdr Ext Len counts 8-octet units beyond the first; AH (RFC 4302
      // section 2.2) counts 4-octet units minus 2.
      const size_t length = next_header == kIpProtoAh
                                ? (size_t{data_[pos_ + 1]} + 2) * 4
                                : (size_t{data_[pos_ + 1]} + 1) * 8;
      if (Short(length)) return Stop(FrameVerdict::kMalformed);
      next_header = data_[pos_];
      pos_ += length;
    }
  }

  // RFC 768.
  FrameResult Udp() {
    if (Short(kUdpHeaderSize)) return Stop(FrameVerdict::kMalformed);
    const uint8_t* udp = data_ + pos_;
    out_->src_port = Load16(udp);
    out_->dst_port = Load16(udp + 2);
    const size_t udp_length = Load16(udp + 4);
    if (port_ != 0 && out_->src_port != port_ && out_->dst_port != port_) {
      return Stop(FrameVerdict::kOtherPort);
    }
    pos_ += kUdpHeaderSize;
    size_t payload_size = Available();
    bool truncated = false;
    if (udp_length == 0 && out_->is_ipv6) {
      // RFC 2675 jumbogram: length comes from the IP layer.
    } else if (udp_length < kUdpHeaderSize) {
      return Stop(FrameVerdict::kMalformed);
    } else if (udp_length - kUdpHeaderSize <= payload_size) {
      payload_size = udp_length - kUdpHeaderSize;
    } else {
      truncated = true;  // claims more than was captured: keep what we have
    }
    out_->payload = std::span<const uint8_t>(data_ + pos_, payload_size);
    return Stop(FrameVerdict::kUdp, truncated);
  }

  const uint8_t* data_;
  size_t pos_ = 0;
  size_t end_;
  uint16_t port_;
  UdpDatagram* out_;
};

int64_t TimevalToMicros(const struct timeval& tv) {
  // pcapng timestamps are 64-bit; clamp rather than overflow.
  constexpr int64_t kMaxSeconds =
      std::numeric_limits<int64_t>::max() / 1000000 - 1;
  const int64_t sec = static_cast<int64_t>(tv.tv_sec);
  if (sec > kMaxSeconds) return std::numeric_limits<int64_t>::max();
  if (sec < -kMaxSeconds) return std::numeric_limits<int64_t>::min();
  return sec * 1000000 + static_cast<int64_t>(tv.tv_usec);
}

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

bool IsSupportedLinkType(int dlt) {
  switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
      return true;
    default:
      return false;
  }
}

FrameResult DecodeUdpFrame(int dlt, std::span<const uint8_t> frame,
                           uint16_t port, UdpDatagram* out) {
  return FrameDecoder(frame, port, out).Decode(dlt);
}

// ----------------------------------------------------------------------------
// CaptureReader

void CaptureReader::PcapCloser::operator()(pcap* p) const { pcap_close(p); }

CaptureReader::CaptureReader(std::string path, pcap* p, int link_type,
                             uint16_t port)
    : path_(std::move(path)), pcap_(p), link_type_(link_type), port_(port) {}

CaptureReader::~CaptureReader() = default;

absl::StatusOr<std::unique_ptr<CaptureReader>> CaptureReader::Open(
    const std::string& path, uint16_t port) {
  // Open the FILE ourselves so errno gives an honest status code.
  FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, "pcap: cannot open " + path);
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(
      file, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (p == nullptr) {
    // On failure libpcap leaves the FILE to us; on success pcap_close()
    // closes it (never stdin).
    if (file != stdin) std::fclose(file);
    return absl::InvalidArgumentError("pcap: cannot open " + path + ": " +
                                      errbuf);
  }
  std::unique_ptr<pcap, PcapCloser> owner(p);
  const int dlt = pcap_datalink(p);
  if (!IsSupportedLinkType(dlt)) {
    const char* name = pcap_datalink_val_to_name(dlt);
    return absl::UnimplementedError("pcap: cannot open " + path +
                                    ": unsupported link type " +
                                    std::to_string(dlt) + " (" +
                                    (name != nullptr ? name : "unknown") + ")");
  }
  return std::unique_ptr<CaptureReader>(
      new CaptureReader(path, owner.release(), dlt, port));
}

absl::StatusOr<std::optional<UdpDatagram>> CaptureReader::Next() {
  while (true) {
    struct pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(pcap_.get(), &header, &data);
    if (rc == PCAP_ERROR_BREAK) return std::nullopt;  // end of file
    if (rc != 1) {
      return absl::DataLossError("pcap: " + path_ + ": cannot read frame " +
                                 std::to_string(stats_.frames + 1) + ": " +
                                 pcap_geterr(pcap_.get()));
    }
    ++stats_.frames;
    UdpDatagram datagram;
    const FrameResult result = DecodeUdpFrame(
        link_type_, std::span<const uint8_t>(data, header->caplen), port_,
        &datagram);
    switch (result.verdict) {
      case FrameVerdict::kUdp:
        ++stats_.matched;
        if (result.truncated) ++stats_.truncated;
        datagram.timestamp_us = TimevalToMicros(header->ts);
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
