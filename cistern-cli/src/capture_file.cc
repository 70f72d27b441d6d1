#include "capture_file.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <limits>
#include <utility>

#include "pcapng_reader.h"

namespace cistern::cli {
namespace {

// PPP protocol numbers (RFC 1661 registry) and BSD address families seen in DLT_NULL/DLT_LOOP
// headers: AF_INET is 2 everywhere, AF_INET6 differs (Linux 10, NetBSD/OpenBSD 24, FreeBSD 28,
// Darwin 30). See https://www.tcpdump.org/linktypes.html.
constexpr uint16_t kPppIpv4 = 0x0021;
constexpr uint16_t kPppIpv6 = 0x0057;
constexpr uint16_t kPppMpls = 0x0281;
constexpr uint32_t kBsdAfInet = 2;
constexpr uint32_t kBsdAfInet6[] = {10, 24, 28, 30};

constexpr uint32_t kSllHeaderSize = 16;   // protocol at offset 14
constexpr uint32_t kSll2HeaderSize = 20;  // protocol at offset 0
constexpr uint32_t kNullHeaderSize = 4;   // address family

uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

LinkStart Cut() {
  LinkStart s;
  s.cut = true;
  return s;
}

// A link layer that names its payload by EtherType (Linux cooked captures).
LinkStart ByEtherType(uint16_t type, uint32_t offset) {
  LinkStart s;
  s.supported = true;
  s.offset = offset;
  s.ether_type = type;
  return s;
}

LinkStart At(proto::Start start, uint32_t offset) {
  LinkStart s;
  s.supported = true;
  s.offset = offset;
  s.start = start;
  return s;
}

int64_t TimevalToMicros(const struct timeval& tv) {
  // pcapng timestamps are 64-bit; clamp rather than overflow.
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000000 - 1;
  const int64_t sec = static_cast<int64_t>(tv.tv_sec);
  if (sec > kMaxSeconds) return std::numeric_limits<int64_t>::max();
  if (sec < -kMaxSeconds) return std::numeric_limits<int64_t>::min();
  return sec * 1000000 + static_cast<int64_t>(tv.tv_usec);
}

}  // namespace

bool IsSupportedLinkType(int dlt) {
  switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_PPP:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
      return true;
    default:
      return false;
  }
}

LinkStart LocateLinkStart(int dlt, std::span<const uint8_t> frame) {
  const uint8_t* b = frame.data();
  const size_t n = frame.size();
  switch (dlt) {
    case DLT_EN10MB:
      return At(proto::Start::kEthernet, 0);
    case DLT_RAW:
      return At(proto::Start::kIp, 0);
    case DLT_IPV4:
      return At(proto::Start::kIpv4, 0);
    case DLT_IPV6:
      return At(proto::Start::kIpv6, 0);
    case DLT_LINUX_SLL:
      if (n < kSllHeaderSize) return Cut();
      return ByEtherType(Load16(b + 14), kSllHeaderSize);
    case DLT_LINUX_SLL2:
      if (n < kSll2HeaderSize) return Cut();
      return ByEtherType(Load16(b), kSll2HeaderSize);
    case DLT_PPP: {
      // RFC 1662 HDLC-like framing: address 0xff and control 0x03, both optional; then the
      // protocol, 1 or 2 bytes (RFC 1661 protocol-field compression: odd first byte is 1 byte).
      size_t pos = (n >= 2 && b[0] == 0xff && b[1] == 0x03) ? 2 : 0;
      if (pos >= n) return Cut();
      uint16_t protocol = b[pos];
      if ((b[pos] & 1) == 0) {
        if (n - pos < 2) return Cut();
        protocol = Load16(b + pos);
        pos += 2;
      } else {
        pos += 1;
      }
      const uint32_t offset = static_cast<uint32_t>(pos);
      switch (protocol) {
        case kPppIpv4:
          return At(proto::Start::kIpv4, offset);
        case kPppIpv6:
          return At(proto::Start::kIpv6, offset);
        case kPppMpls:
          return At(proto::Start::kMpls, offset);
        default:
          return {};
      }
    }
    case DLT_NULL:
    case DLT_LOOP: {
      if (n < kNullHeaderSize) return Cut();
      uint32_t family = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) |
                        b[3];
      // Written in the capturing host's byte order (DLT_NULL) or network order (DLT_LOOP); real
      // writers disagree, so accept both. Families are small: above 0xffff is the other order.
      if (family > 0xffff) family = __builtin_bswap32(family);
      if (family == kBsdAfInet) return At(proto::Start::kIpv4, kNullHeaderSize);
      for (uint32_t af6 : kBsdAfInet6) {
        if (family == af6) return At(proto::Start::kIpv6, kNullHeaderSize);
      }
      return {};
    }
    default:
      return {};
  }
}

void DecodeLinkPayload(const LinkStart& start, std::span<const uint8_t> frame,
                       const proto::DecodeOptions& options, proto::Packet* out) {
  const std::span<const uint8_t> payload = frame.subspan(start.offset);
  if (start.ether_type != 0) {
    proto::DecodeEtherType(start.ether_type, payload, options, out);
  } else {
    proto::Decode(payload, start.start, options, out);
  }
}

void CaptureFile::PcapCloser::operator()(pcap* p) const { pcap_close(p); }

CaptureFile::CaptureFile(std::string path, pcap* p, std::unique_ptr<PcapngReader> pcapng,
                         int link_type)
    : path_(std::move(path)), pcap_(p), pcapng_(std::move(pcapng)), link_type_(link_type) {}

CaptureFile::~CaptureFile() = default;

namespace {

absl::Status UnsupportedLinkType(const std::string& path, int dlt) {
  const char* name = pcap_datalink_val_to_name(dlt);
  return absl::UnimplementedError("pcap: cannot open " + path + ": unsupported link type " +
                                  std::to_string(dlt) + " (" +
                                  (name != nullptr ? name : "unknown") + ")");
}

}  // namespace

absl::StatusOr<std::unique_ptr<CaptureFile>> CaptureFile::Open(const std::string& path) {
  // Open the FILE ourselves so that errno gives an honest status code.
  FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (file == nullptr) return absl::ErrnoToStatus(errno, "pcap: cannot open " + path);
  if (file != stdin) {
    uint8_t magic[4] = {};
    const bool have_magic = std::fread(magic, 1, 4, file) == 4;
    std::rewind(file);
    if (have_magic && PcapngReader::IsPcapng(magic)) {
      absl::StatusOr<std::unique_ptr<PcapngReader>> reader = PcapngReader::Open(file, path);
      if (!reader.ok()) return reader.status();
      const int dlt = (*reader)->first_link_type();
      if (dlt >= 0 && !IsSupportedLinkType(dlt)) return UnsupportedLinkType(path, dlt);
      return std::unique_ptr<CaptureFile>(
          new CaptureFile(path, nullptr, std::move(*reader), dlt < 0 ? DLT_EN10MB : dlt));
    }
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (p == nullptr) {
    // On failure libpcap leaves the FILE to us; on success pcap_close() closes it.
    if (file != stdin) std::fclose(file);
    return absl::InvalidArgumentError("pcap: cannot open " + path + ": " + errbuf);
  }
  std::unique_ptr<pcap, PcapCloser> owner(p);
  const int dlt = pcap_datalink(p);
  if (!IsSupportedLinkType(dlt)) return UnsupportedLinkType(path, dlt);
  return std::unique_ptr<CaptureFile>(new CaptureFile(path, owner.release(), nullptr, dlt));
}

absl::StatusOr<std::optional<Frame>> CaptureFile::Next() {
  if (pcapng_ != nullptr) {
    absl::StatusOr<std::optional<PcapngPacket>> packet = pcapng_->Next();
    if (!packet.ok()) return packet.status();
    if (!packet->has_value()) return std::nullopt;
    ++frames_;
    Frame frame;
    frame.bytes = (*packet)->bytes;
    frame.original_length = (*packet)->original_length;
    frame.timestamp_us = (*packet)->timestamp_us;
    frame.link_type = (*packet)->link_type;
    return frame;
  }
  struct pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(pcap_.get(), &header, &data);
  if (rc == PCAP_ERROR_BREAK) return std::nullopt;  // end of file
  if (rc != 1) {
    return absl::DataLossError("pcap: " + path_ + ": cannot read frame " +
                               std::to_string(frames_ + 1) + ": " + pcap_geterr(pcap_.get()));
  }
  ++frames_;
  Frame frame;
  frame.bytes = std::span<const uint8_t>(data, header->caplen);
  frame.original_length = header->len;
  frame.timestamp_us = TimevalToMicros(header->ts);
  frame.link_type = link_type_;
  return frame;
}

}  // namespace cistern::cli
