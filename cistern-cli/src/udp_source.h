// UDP datagram sources for cistern-cli: a reader that pulls UDP payloads out
// of pcap / pcapng capture files, and a live UDP socket listener.
//
// Usage:
//   auto reader = cistern::cli::CaptureReader::Open("sflow.pcap", 6343);
//   if (!reader.ok()) return reader.status();
//   while (true) {
//     absl::StatusOr<std::optional<UdpDatagram>> d = (*reader)->Next();
//     if (!d.ok()) return d.status();   // read error / corrupt file
//     if (!d->has_value()) break;       // end of file
//     Decode((*d)->payload);
//   }
//
//   auto listener = cistern::cli::UdpListener::Bind("[::]:6343");
//   absl::StatusOr<UdpDatagram> d = (*listener)->Receive();
//
// Frames: the link types of capture_file.h (Ethernet, raw IP, Linux cooked, BSD loopback, PPP),
//   decoded by libproto: VLAN tags, MPLS, IPv4 (total length bounds the payload) and IPv6 with
//   its extension headers. Fragments (IPv4 with MF set or a non-zero offset, IPv6 with a fragment
//   header) are not reassembled: they are skipped and counted. The UDP length field bounds the
//   payload; when it claims more than was captured, the captured bytes are returned and
//   `truncated` is counted.
//
// Error contract:
//   Open: NotFound / PermissionDenied / ... (from errno) when the file cannot
//     be opened, InvalidArgument when it is not a capture libpcap understands,
//     Unimplemented for an unsupported link-layer type. Messages read
//     "pcap: cannot open FILE: <reason>".
//   Next: DataLoss when libpcap fails mid-file (e.g. a cut-off record).
//     Malformed, non-UDP or non-matching frames are never errors: they are
//     skipped and counted in UdpSourceStats.
//   Bind: InvalidArgument for a malformed address, errno-derived codes for
//     socket()/bind() failures. Receive: errno-derived codes.
//
// Lifetime / thread-safety:
//   UdpDatagram::payload points into the source's buffer and is valid only
//   until the next Next() / Receive() call on the same object, or until the
//   object is destroyed. Neither class is thread-safe; use one per thread.
//   Both are move-only through their std::unique_ptr.
#ifndef CISTERN_CLI_SRC_UDP_SOURCE_H_
#define CISTERN_CLI_SRC_UDP_SOURCE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "capture_file.h"

namespace cistern::cli {

struct UdpDatagram {
  // UDP payload; valid until the next Next() / Receive() call.
  std::span<const uint8_t> payload;
  // Capture timestamp in microseconds since the Unix epoch. For live
  // datagrams, the wall-clock time at which recvfrom() returned.
  int64_t timestamp_us = 0;
  // Source IP address: IPv4 in the first 4 bytes (rest zero) when !is_ipv6.
  std::array<uint8_t, 16> src_addr = {};
  bool is_ipv6 = false;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
};

struct UdpSourceStats {
  uint64_t frames = 0;              // every frame read from the file
  uint64_t matched = 0;             // UDP datagrams returned by Next()
  uint64_t skipped_not_udp = 0;     // non-IP, or IP carrying another protocol
  uint64_t skipped_other_port = 0;  // UDP, but neither port matches
  uint64_t truncated = 0;           // matched, but UDP length > captured bytes
  uint64_t fragments = 0;           // IPv4 / IPv6 fragments (skipped)
  uint64_t malformed = 0;  // headers cut short or inconsistent (skipped)
};

// Reads UDP datagrams from a pcap or pcapng file (libpcap detects which).
class CaptureReader {
 public:
  // `port`: only UDP datagrams whose destination OR source port equals it are
  // returned; 0 returns every UDP datagram. `path` "-" reads standard input.
  static absl::StatusOr<std::unique_ptr<CaptureReader>> Open(
      const std::string& path, uint16_t port);

  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  // Next matching datagram; std::nullopt at end of file; DataLoss on a read
  // error (after which the reader should be discarded).
  absl::StatusOr<std::optional<UdpDatagram>> Next();

  const UdpSourceStats& stats() const { return stats_; }
  // libpcap DLT_* value of the file.
  int link_type() const;

 private:
  CaptureReader(std::unique_ptr<CaptureFile> file, uint16_t port);

  std::unique_ptr<CaptureFile> file_;
  uint16_t port_;
  UdpSourceStats stats_;
};

// Live UDP socket: binds "A.B.C.D:PORT" or "[IPV6]:PORT" (PORT may be 0 to
// let the kernel choose) and receives into a 64 KiB buffer.
class UdpListener {
 public:
  static absl::StatusOr<std::unique_ptr<UdpListener>> Bind(
      const std::string& addr_port);

  ~UdpListener();
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;

  // Blocks until a datagram arrives (retrying on EINTR). An IPv4-mapped
  // source on an IPv6 socket is reported as IPv4.
  absl::StatusOr<UdpDatagram> Receive();

  // Actual bound port (useful after binding port 0).
  uint16_t port() const { return port_; }
  // Socket descriptor, e.g. for poll(); owned by the listener.
  int fd() const { return fd_; }

 private:
  UdpListener(int fd, uint16_t port);

  int fd_;
  uint16_t port_;
  std::vector<uint8_t> buffer_;
};

// ---------------------------------------------------------------------------
// Low level: the per-frame decoder CaptureReader uses, exposed for tests and
// fuzzing. No allocation, no status: a verdict plus where it stopped.

enum class FrameVerdict : uint8_t {
  kUdp,        // `out` filled (payload, addresses, ports; not timestamp)
  kNotUdp,     // non-IP ethertype / family, or IP protocol other than UDP
  kOtherPort,  // UDP, ports do not match the filter
  kFragment,   // IP fragment, not reassembled
  kMalformed,  // a header was cut short or inconsistent
  kUnsupportedLinkType,
};

struct FrameResult {
  FrameVerdict verdict;
  bool truncated;   // kUdp only: UDP length claimed more than was captured
  uint32_t offset;  // byte offset in the frame where decoding stopped
};

// Decodes one captured frame of libpcap link type `dlt`. `port` filters as in
// CaptureReader::Open (0 = any). On kUdp, `out->payload` points into `frame`.
FrameResult DecodeUdpFrame(int dlt, std::span<const uint8_t> frame,
                           uint16_t port, UdpDatagram* out);

}  // namespace cistern::cli

#endif  // CISTERN_CLI_SRC_UDP_SOURCE_H_
