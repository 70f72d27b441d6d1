// CaptureFile: the frames of a pcap or pcapng file, one at a time, and
// where in each frame, by its link type, the decoding by libproto starts.
//
//   auto file = cistern::cli::CaptureFile::Open("trace.pcap");
//   if (!file.ok()) return file.status();
//   while (true) {
//     absl::StatusOr<std::optional<Frame>> f = (*file)->Next();
//     if (!f.ok()) return f.status();     // DataLoss: a record cut short or corrupt
//     if (!f->has_value()) break;         // end of file
//     LinkStart start = LocateLinkStart((*f)->link_type, (*f)->bytes);
//   }
//
// Classic pcap is read by libpcap; pcapng by PcapngReader, because libpcap refuses pcapng files
// whose interfaces differ (pcapng from standard input still goes to libpcap).
//
// Errors: Open gives NotFound/PermissionDenied/… (from errno) when the file cannot be opened,
// InvalidArgument when libpcap does not understand it ("pcap: cannot open FILE: <reason>"),
// Unimplemented for a link type LocateLinkStart does not know. Next gives DataLoss mid-file.
//
// Lifetime: Frame::bytes points into libpcap's buffer, valid until the next Next() call or the
// file's destruction. Not thread-safe.
#ifndef CISTERN_CLI_SRC_CAPTURE_FILE_H_
#define CISTERN_CLI_SRC_CAPTURE_FILE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "cistern/proto/decoder.h"

struct pcap;  // libpcap's pcap_t, kept out of this header.

namespace cistern::cli {
class PcapngReader;
}

namespace cistern::cli {

struct Frame {
  std::span<const uint8_t> bytes;  // the captured bytes
  uint32_t original_length = 0;    // the frame's length on the wire
  int64_t timestamp_us = 0;        // microseconds since the Unix epoch
  int link_type = 0;               // DLT_* (pcapng: of the frame's own interface)
};

class CaptureFile {
 public:
  // `path` "-" reads standard input.
  static absl::StatusOr<std::unique_ptr<CaptureFile>> Open(const std::string& path);

  ~CaptureFile();
  CaptureFile(const CaptureFile&) = delete;
  CaptureFile& operator=(const CaptureFile&) = delete;

  absl::StatusOr<std::optional<Frame>> Next();

  int link_type() const { return link_type_; }  // DLT_* value (pcapng: the first interface's)
  uint64_t frames() const { return frames_; }    // frames returned so far
  const std::string& path() const { return path_; }

 private:
  struct PcapCloser {
    void operator()(pcap* p) const;
  };
  CaptureFile(std::string path, pcap* p, std::unique_ptr<PcapngReader> pcapng, int link_type);

  std::string path_;
  std::unique_ptr<pcap, PcapCloser> pcap_;
  std::unique_ptr<PcapngReader> pcapng_;
  int link_type_;
  uint64_t frames_ = 0;
};

// Where libproto starts in a frame of link type `dlt`: after the link-layer header of Linux
// cooked captures (SLL, SLL2), BSD loopback (NULL, LOOP) and PPP, at 0 for Ethernet and raw IP.
struct LinkStart {
  bool supported = false;  // false: unknown link type or payload, or a link header cut short
  uint32_t offset = 0;     // where the link layer's payload begins
  proto::Start start = proto::Start::kEthernet;
  uint16_t ether_type = 0;  // when not 0, the payload is named by this EtherType instead
  bool cut = false;         // (when !supported) the link-layer header itself is cut short
};
LinkStart LocateLinkStart(int dlt, std::span<const uint8_t> frame);

// Decodes the frame's payload from where `start` says (`frame` is the whole captured frame;
// the Packet's offsets are relative to frame.subspan(start.offset)).
void DecodeLinkPayload(const LinkStart& start, std::span<const uint8_t> frame,
                       const proto::DecodeOptions& options, proto::Packet* out);

// True when LocateLinkStart knows `dlt`.
bool IsSupportedLinkType(int dlt);

}  // namespace cistern::cli

#endif  // CISTERN_CLI_SRC_CAPTURE_FILE_H_
