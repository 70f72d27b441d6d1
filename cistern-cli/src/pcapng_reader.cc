#include "pcapng_reader.h"

#include <cstring>
#include <limits>

namespace cistern::cli {
namespace {

// Block types (pcapng §4).
constexpr uint32_t kSectionHeader = 0x0a0d0d0a;
constexpr uint32_t kInterfaceDescription = 1;
constexpr uint32_t kPacketObsolete = 2;
constexpr uint32_t kSimplePacket = 3;
constexpr uint32_t kEnhancedPacket = 6;
constexpr uint32_t kByteOrderMagic = 0x1a2b3c4d;
constexpr uint16_t kOptionEnd = 0;
constexpr uint16_t kOptionTsResol = 9;  // if_tsresol
constexpr uint32_t kMaxBlockSize = 64 * 1024 * 1024;
constexpr int kLinktypeRaw = 101;  // LINKTYPE_RAW; libpcap's DLT_RAW differs by platform

uint32_t Swap32(uint32_t v) { return __builtin_bswap32(v); }

}  // namespace

bool PcapngReader::IsPcapng(const uint8_t magic[4]) {
  uint32_t v;
  std::memcpy(&v, magic, 4);
  return v == kSectionHeader;  // a palindrome: the same in both byte orders
}

absl::StatusOr<std::unique_ptr<PcapngReader>> PcapngReader::Open(FILE* file, std::string path) {
  std::unique_ptr<PcapngReader> reader(new PcapngReader(file, std::move(path)));
  absl::StatusOr<bool> got = reader->ReadBlock();
  if (!got.ok()) return got.status();
  if (!*got || reader->block_type_ != kSectionHeader) {
    return absl::InvalidArgumentError("pcapng: " + reader->path_ + ": not a pcapng file");
  }
  if (absl::Status s = reader->ParseSection(); !s.ok()) return s;
  // Read ahead to the first interface so that its link type is known; no packet can precede it.
  while (reader->interfaces_.empty()) {
    const uint64_t offset = reader->block_offset_;
    got = reader->ReadBlock();
    if (!got.ok()) return got.status();
    if (!*got) break;
    if (reader->block_type_ == kInterfaceDescription) {
      if (absl::Status s = reader->ParseInterface(); !s.ok()) return s;
    } else if (reader->block_type_ == kEnhancedPacket || reader->block_type_ == kSimplePacket ||
               reader->block_type_ == kPacketObsolete) {
      reader->block_offset_ = offset;
      return reader->Corrupt("packet before any interface description");
    }
  }
  return reader;
}

PcapngReader::~PcapngReader() {
  if (file_ != nullptr && file_ != stdin) std::fclose(file_);
}

absl::Status PcapngReader::Corrupt(const std::string& what) const {
  return absl::DataLossError("pcapng: " + path_ + ": block at byte " +
                             std::to_string(block_offset_) + ": " + what);
}

uint16_t PcapngReader::U16(size_t at) const {
  uint16_t v;
  std::memcpy(&v, block_.data() + at, 2);
  return swapped_ ? __builtin_bswap16(v) : v;
}

uint32_t PcapngReader::U32(size_t at) const {
  uint32_t v;
  std::memcpy(&v, block_.data() + at, 4);
  return swapped_ ? Swap32(v) : v;
}

absl::StatusOr<bool> PcapngReader::ReadBlock() {
  block_offset_ = next_offset_;
  uint8_t head[8];
  const size_t n = std::fread(head, 1, sizeof head, file_);
  if (n == 0 && std::feof(file_)) return false;
  if (n != sizeof head) return Corrupt("cut short in its header");
  uint32_t type, length;
  std::memcpy(&type, head, 4);
  std::memcpy(&length, head + 4, 4);
  if (type == kSectionHeader) {
    // The byte order of a new section is in its body: peek at the magic.
    uint8_t magic[4];
    if (std::fread(magic, 1, 4, file_) != 4) return Corrupt("section header cut short");
    uint32_t m;
    std::memcpy(&m, magic, 4);
    if (m == kByteOrderMagic) {
      swapped_ = false;
    } else if (m == Swap32(kByteOrderMagic)) {
      swapped_ = true;
    } else {
      return Corrupt("bad byte-order magic");
    }
    if (swapped_) length = Swap32(length);
    if (length < 28 || length % 4 != 0 || length > kMaxBlockSize) return Corrupt("bad length");
    block_.resize(length - 12);
    std::memcpy(block_.data(), magic, 4);
    if (std::fread(block_.data() + 4, 1, block_.size() - 4, file_) != block_.size() - 4) {
      return Corrupt("cut short");
    }
  } else {
    if (swapped_) {
      type = Swap32(type);
      length = Swap32(length);
    }
    if (length < 12 || length % 4 != 0 || length > kMaxBlockSize) return Corrupt("bad length");
    block_.resize(length - 12);
    if (std::fread(block_.data(), 1, block_.size(), file_) != block_.size()) {
      return Corrupt("cut short");
    }
  }
  uint8_t tail[4];
  if (std::fread(tail, 1, 4, file_) != 4) return Corrupt("cut short in its trailer");
  uint32_t trailer;
  std::memcpy(&trailer, tail, 4);
  if (swapped_) trailer = Swap32(trailer);
  if (trailer != length) return Corrupt("trailing length differs from the leading one");
  block_type_ = type;
  next_offset_ = block_offset_ + length;
  return true;
}

absl::Status PcapngReader::ParseSection() {
  if (U16(4) != 1) return Corrupt("unsupported pcapng major version " + std::to_string(U16(4)));
  interfaces_.clear();  // interface ids are per section
  return absl::OkStatus();
}

absl::Status PcapngReader::ParseInterface() {
  if (block_.size() < 8) return Corrupt("interface description cut short");
  Interface iface;
  iface.link_type = U16(0);
  if (iface.link_type == kLinktypeRaw) iface.link_type = 12;  // libpcap's DLT_RAW on Linux
  iface.snap_length = U32(4);
  size_t pos = 8;
  while (pos + 4 <= block_.size()) {
    const uint16_t code = U16(pos);
    const uint16_t length = U16(pos + 2);
    if (code == kOptionEnd) break;
    if (pos + 4 + length > block_.size()) return Corrupt("interface option runs past the block");
    if (code == kOptionTsResol && length >= 1) {
      // if_tsresol: high bit clear, a negative power of 10; set, of 2.
      const uint8_t r = block_[pos + 4];
      const unsigned exponent = r & 0x7f;
      uint64_t units = 1;
      const uint64_t base = (r & 0x80) ? 2 : 10;
      for (unsigned i = 0; i < exponent && units <= std::numeric_limits<uint64_t>::max() / base;
           ++i) {
        units *= base;
      }
      iface.units_per_second = units;
    }
    pos += 4 + ((length + 3u) & ~3u);
  }
  if (interfaces_.empty() && first_link_type_ < 0) first_link_type_ = iface.link_type;
  interfaces_.push_back(iface);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<PcapngPacket>> PcapngReader::Next() {
  for (;;) {
    absl::StatusOr<bool> got = ReadBlock();
    if (!got.ok()) return got.status();
    if (!*got) return std::nullopt;
    switch (block_type_) {
      case kSectionHeader:
        if (absl::Status s = ParseSection(); !s.ok()) return s;
        continue;
      case kInterfaceDescription:
        if (absl::Status s = ParseInterface(); !s.ok()) return s;
        continue;
      case kEnhancedPacket:
      case kPacketObsolete: {
        if (block_.size() < 20) return Corrupt("packet block cut short");
        const bool obsolete = block_type_ == kPacketObsolete;
        const uint32_t id = obsolete ? U16(0) : U32(0);
        if (id >= interfaces_.size()) return Corrupt("unknown interface " + std::to_string(id));
        const Interface& iface = interfaces_[id];
        const uint64_t ts = (uint64_t{U32(4)} << 32) | U32(8);
        const uint32_t captured = U32(12);
        if (captured > block_.size() - 20) return Corrupt("captured length runs past the block");
        PcapngPacket p;
        p.bytes = std::span<const uint8_t>(block_.data() + 20, captured);
        p.original_length = U32(16);
        p.link_type = iface.link_type;
        const uint64_t units = iface.units_per_second;
        const uint64_t seconds = ts / units;
        const uint64_t fraction = ts % units;
        p.timestamp_us = static_cast<int64_t>(seconds * 1000000 +
                                              static_cast<uint64_t>(static_cast<double>(fraction) *
                                                                    1e6 / static_cast<double>(units)));
        return p;
      }
      case kSimplePacket: {
        if (block_.size() < 4) return Corrupt("simple packet block cut short");
        if (interfaces_.empty()) return Corrupt("simple packet before any interface");
        const Interface& iface = interfaces_[0];
        PcapngPacket p;
        p.original_length = U32(0);
        uint32_t captured = std::min<uint32_t>(p.original_length,
                                               static_cast<uint32_t>(block_.size() - 4));
        if (iface.snap_length != 0) captured = std::min(captured, iface.snap_length);
        p.bytes = std::span<const uint8_t>(block_.data() + 4, captured);
        p.link_type = iface.link_type;
        return p;
      }
      default:
        continue;  // name resolution, statistics, custom blocks, …
    }
  }
}

}  // namespace cistern::cli
