// PcapngReader: the packets of a pcapng file (draft-ietf-opsawg-pcapng), read without libpcap,
// because libpcap 1.10 refuses files whose interfaces differ in link type or snapshot length —
// which Wireshark writes, and tshark reads. Sections, interfaces of any link type, Enhanced,
// Simple and (obsolete) Packet blocks, both byte orders, if_tsresol; other blocks are skipped.
//
// Errors: InvalidArgument when the file does not start as pcapng; DataLoss for a block cut short
// or inconsistent ("pcapng: FILE: block at byte 1234: …"). Not thread-safe; owns its FILE.
#ifndef CISTERN_CLI_SRC_PCAPNG_READER_H_
#define CISTERN_CLI_SRC_PCAPNG_READER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cistern::cli {

struct PcapngPacket {
  std::span<const uint8_t> bytes;  // valid until the next Next()
  uint32_t original_length = 0;
  int64_t timestamp_us = 0;
  int link_type = 0;               // LINKTYPE_* of the packet's interface
};

class PcapngReader {
 public:
  // True when `magic` (the file's first 4 bytes) opens a pcapng Section Header Block.
  static bool IsPcapng(const uint8_t magic[4]);

  // Takes ownership of `file`, positioned at its start.
  static absl::StatusOr<std::unique_ptr<PcapngReader>> Open(FILE* file, std::string path);
  ~PcapngReader();

  absl::StatusOr<std::optional<PcapngPacket>> Next();

  // The link type of the first interface (reads ahead to it); -1 when there is none.
  int first_link_type() const { return first_link_type_; }

 private:
  struct Interface {
    int link_type = 0;
    uint32_t snap_length = 0;
    uint64_t units_per_second = 1000000;
  };
  PcapngReader(FILE* file, std::string path) : file_(file), path_(std::move(path)) {}

  // Reads the next block into block_; false at a clean end of file.
  absl::StatusOr<bool> ReadBlock();
  absl::Status ParseSection();
  absl::Status ParseInterface();
  absl::Status Corrupt(const std::string& what) const;
  uint16_t U16(size_t at) const;
  uint32_t U32(size_t at) const;

  FILE* file_;
  std::string path_;
  bool swapped_ = false;          // section written in the other byte order
  uint64_t block_offset_ = 0;     // file offset of the current block
  uint64_t next_offset_ = 0;
  uint32_t block_type_ = 0;
  std::vector<uint8_t> block_;    // the current block's body (without type and lengths)
  std::vector<Interface> interfaces_;
  int first_link_type_ = -1;
};

}  // namespace cistern::cli

#endif  // CISTERN_CLI_SRC_PCAPNG_READER_H_
