#include "cistern/catena/wal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "cistern/base/status_macros.h"
#include "crc32c.h"

namespace cistern::catena {
namespace {

using Clock = std::chrono::steady_clock;

// The writer cuts sample batches into records of at most this many samples (the reader accepts up
// to kWalMaxSamplesPerRecord): ~50 KB records, so that rotation stays close to segment_bytes.
constexpr size_t kSamplesPerRecord = 4096;
constexpr size_t kMaxVarintBytes = 10;
constexpr size_t kMaxSampleBytes = 3 * kMaxVarintBytes + 1;  // ref, ts, type, value (varint >= 8)
constexpr size_t kMinSampleBytes = 4;                        // ref, ts, type, a 1-byte int
constexpr size_t kReadChunk = 1u << 20;                      // replay reads this much at a time
constexpr size_t kKeepBufferBytes = 16u << 20;  // a larger write buffer is freed after a Commit
constexpr size_t kMaxWriteBytes = 1u << 30;     // per write(2) call

// ---- Byte coding ----------------------------------------------------------------------------

inline void StoreU32(char* p, uint32_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, sizeof v);
  } else {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
  }
}
inline void StoreU64(char* p, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, sizeof v);
  } else {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
  }
}
inline uint32_t LoadU32(const char* p) {
  uint32_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, sizeof v);
  } else {
    for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
  }
  return v;
}
inline uint64_t LoadU64(const char* p) {
  uint64_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, sizeof v);
  } else {
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  }
  return v;
}

inline char* PutVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}
inline char* PutString(char* p, std::string_view s) {
  p = PutVarint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}
// (C++20: signed right shift is arithmetic, integral conversions are modular.)
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (0 - (v & 1))); }

// A bounded reader over one record's payload; a failed read leaves the cursor unusable.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

  // Rejects truncation and values over 64 bits (a 10th byte above 1).
  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t b = static_cast<uint8_t>(*p_++);
      if (shift == 63 && b > 1) return false;
      v |= uint64_t{b & 0x7Fu} << shift;
      if (!(b & 0x80)) {
        *out = v;
        return true;
      }
    }
    return false;
  }
  bool U8(uint8_t* out) {
    if (p_ == end_) return false;
    *out = static_cast<uint8_t>(*p_++);
    return true;
  }
  bool U64(uint64_t* out) {
    if (remaining() < 8) return false;
    *out = LoadU64(p_);
    p_ += 8;
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (n > remaining()) return false;
    *out = std::string_view(p_, n);
    p_ += n;
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

// ---- Record payloads --------------------------------------------------------------------------

// `what` and `index` name the string in messages: "metric", or "label 3 name".
bool ReadString(Cursor* c, const char* what, size_t index, std::string* out, std::string* why) {
  const auto name = [&] {
    return index == SIZE_MAX ? std::string(what) : absl::StrCat("label ", index, " ", what);
  };
  uint64_t n = 0;
  std::string_view s;
  if (!c->Varint(&n)) {
    *why = absl::StrCat("series: ", name(), ": truncated or overlong length");
    return false;
  }
  if (n > kWalMaxStringBytes) {
    *why = absl::StrCat("series: ", name(), " of ", n, " bytes exceeds the limit of ",
                        kWalMaxStringBytes);
    return false;
  }
  if (!c->Bytes(static_cast<size_t>(n), &s)) {
    *why = absl::StrCat("series: ", name(), " of ", n, " bytes truncated");
    return false;
  }
  out->assign(s.data(), s.size());
  return true;
}

bool DecodeSeriesPayload(std::string_view payload, uint64_t* ref, SeriesKey* key,
                         std::string* why) {
  Cursor c(payload);
  if (!c.Varint(ref)) {
    *why = "series: truncated or overlong ref";
    return false;
  }
  if (!ReadString(&c, "metric", SIZE_MAX, &key->metric, why)) return false;
  uint64_t n = 0;
  if (!c.Varint(&n)) {
    *why = "series: truncated or overlong label count";
    return false;
  }
  if (n > kWalMaxLabels) {
    *why = absl::StrCat("series: ", n, " labels exceed the limit of ", kWalMaxLabels);
    return false;
  }
  // Each label takes at least two bytes: the count cannot make us allocate beyond the payload.
  if (n > c.remaining() / 2) {
    *why = absl::StrCat("series: ", n, " labels cannot fit in ", c.remaining(), " bytes");
    return false;
  }
  key->labels.resize(static_cast<size_t>(n));
  for (size_t i = 0; i < n; ++i) {
    if (!ReadString(&c, "name", i, &key->labels[i].name, why) ||
        !ReadString(&c, "value", i, &key->labels[i].value, why)) {
      return false;
    }
  }
  if (c.remaining() != 0) {
    *why = absl::StrCat("series: ", c.remaining(), " bytes after the last label");
    return false;
  }
  return true;
}

bool DecodeSamplesPayload(std::string_view payload, std::vector<WalSample>* out, std::string* why) {
  Cursor c(payload);
  uint64_t n = 0;
  if (!c.Varint(&n)) {
    *why = "samples: truncated or overlong count";
    return false;
  }
  if (n == 0) {
    *why = "samples: empty batch";
    return false;
  }
  if (n > kWalMaxSamplesPerRecord) {
    *why = absl::StrCat("samples: ", n, " samples exceed the limit of ", kWalMaxSamplesPerRecord);
    return false;
  }
  if (n > c.remaining() / kMinSampleBytes) {
    *why = absl::StrCat("samples: ", n, " samples cannot fit in ", c.remaining(), " bytes");
    return false;
  }
  out->resize(static_cast<size_t>(n));
  uint64_t ref = 0;
  uint64_t ts = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t ref_delta = 0, ts_delta = 0, bits = 0;
    uint8_t type = 0;
    if (!c.Varint(&ref_delta) || !c.Varint(&ts_delta) || !c.U8(&type)) {
      *why = absl::StrCat("samples: sample ", i, " of ", n, " truncated");
      return false;
    }
    ref += static_cast<uint64_t>(UnZigZag(ref_delta));
    ts += static_cast<uint64_t>(UnZigZag(ts_delta));
    WalSample& s = (*out)[i];
    s.ref = ref;
    s.timestamp_ms = static_cast<int64_t>(ts);
    if (type == static_cast<uint8_t>(ValueType::kFloat)) {
      if (!c.U64(&bits)) {
        *why = absl::StrCat("samples: sample ", i, " of ", n, ": float value truncated");
        return false;
      }
      s.value = Value{ValueType::kFloat, bits};
    } else if (type == static_cast<uint8_t>(ValueType::kInt)) {
      if (!c.Varint(&bits)) {
        *why = absl::StrCat("samples: sample ", i, " of ", n, ": int value truncated or overlong");
        return false;
      }
      s.value = Value{ValueType::kInt, static_cast<uint64_t>(UnZigZag(bits))};
    } else {
      *why = absl::StrCat("samples: sample ", i, " of ", n, ": unknown value type ", type);
      return false;
    }
  }
  if (c.remaining() != 0) {
    *why = absl::StrCat("samples: ", c.remaining(), " bytes after the last sample");
    return false;
  }
  return true;
}

// ---- Records ----------------------------------------------------------------------------------

enum class Stop {
  kEnd,         // every byte decoded
  kIncomplete,  // the next record is not all there (`needed` bytes in all)
  kBad,         // the next record is damaged (`why`)
  kHandler,     // a handler failed (`handler_status`); the record is not counted as consumed
};

struct DecodeResult {
  Stop stop = Stop::kEnd;
  size_t consumed = 0;  // bytes of the records delivered
  size_t needed = 0;
  std::string why;
  absl::Status handler_status;
};

std::string IncompleteWhy(uint64_t present, uint64_t needed) {
  if (needed <= kWalRecordHeaderBytes) {
    return absl::StrCat("truncated record header (", present, " of ", kWalRecordHeaderBytes,
                        " bytes)");
  }
  return absl::StrCat("truncated record (", present, " of ", needed, " bytes)");
}

// Decodes the records in `bytes` (which holds whole records and possibly the start of one more),
// delivering each to the handler once it is known to be intact.
DecodeResult DecodeRecords(std::string_view bytes, const WalReplayHandler& handler,
                           std::vector<WalSample>* scratch, WalReplayStats* stats) {
  DecodeResult r;
  size_t pos = 0;
  SeriesKey key;
  while (pos < bytes.size()) {
    const size_t left = bytes.size() - pos;
    if (left < kWalRecordHeaderBytes) {
      r.stop = Stop::kIncomplete;
      r.needed = kWalRecordHeaderBytes;
      break;
    }
    const char* h = bytes.data() + pos;
    const uint32_t length = LoadU32(h);
    const uint32_t stored_crc = LoadU32(h + 4);
    if (length > kWalMaxPayloadBytes) {
      r.stop = Stop::kBad;
      r.why =
          absl::StrCat("payload length ", length, " exceeds the limit of ", kWalMaxPayloadBytes);
      break;
    }
    if (length > left - kWalRecordHeaderBytes) {
      r.stop = Stop::kIncomplete;
      r.needed = kWalRecordHeaderBytes + size_t{length};
      break;
    }
    const uint32_t crc = Crc32c(h + 8, size_t{length} + 1);
    if (crc != stored_crc) {
      r.stop = Stop::kBad;
      r.why = absl::StrCat("checksum mismatch (stored ", absl::Hex(stored_crc, absl::kZeroPad8),
                           ", computed ", absl::Hex(crc, absl::kZeroPad8), ")");
      break;
    }
    const uint8_t type = static_cast<uint8_t>(h[8]);
    const std::string_view payload(h + kWalRecordHeaderBytes, length);
    absl::Status s;
    if (type == static_cast<uint8_t>(WalRecordType::kSeries)) {
      uint64_t ref = 0;
      if (!DecodeSeriesPayload(payload, &ref, &key, &r.why)) {
        r.stop = Stop::kBad;
        break;
      }
      if (handler.on_series) s = handler.on_series(ref, std::move(key));
      key = SeriesKey();
    } else if (type == static_cast<uint8_t>(WalRecordType::kSamples)) {
      if (!DecodeSamplesPayload(payload, scratch, &r.why)) {
        r.stop = Stop::kBad;
        break;
      }
      if (handler.on_samples) s = handler.on_samples(absl::MakeConstSpan(*scratch));
    } else {
      r.stop = Stop::kBad;
      r.why = absl::StrCat("unknown record type ", type);
      break;
    }
    if (!s.ok()) {
      r.stop = Stop::kHandler;
      r.handler_status = std::move(s);
      break;
    }
    ++stats->records;
    if (type == static_cast<uint8_t>(WalRecordType::kSeries)) {
      ++stats->series_records;
    } else {
      ++stats->sample_records;
      stats->samples += scratch->size();
    }
    pos += kWalRecordHeaderBytes + length;
  }
  r.consumed = pos;
  return r;
}

enum class Header { kOk, kShort, kZero, kNotWal, kVersion };

Header CheckHeader(std::string_view bytes, uint32_t* version) {
  if (bytes.size() < kWalSegmentHeaderBytes) return Header::kShort;
  if (std::memcmp(bytes.data(), kWalMagic, sizeof kWalMagic) != 0) {
    return std::all_of(bytes.begin(), bytes.begin() + kWalSegmentHeaderBytes,
                       [](char c) { return c == 0; })
               ? Header::kZero
               : Header::kNotWal;
  }
  *version = LoadU32(bytes.data() + 4);
  return *version == kWalVersion ? Header::kOk : Header::kVersion;
}

std::string HeaderWhy(Header h, std::string_view bytes) {
  switch (h) {
    case Header::kShort:
      return absl::StrCat("truncated (", bytes.size(), " of ", kWalSegmentHeaderBytes, " bytes)");
    case Header::kZero:
      return "all zeros";
    default: {
      std::string magic;
      for (size_t i = 0; i < 4 && i < bytes.size(); ++i) {
        absl::StrAppend(&magic, absl::Hex(static_cast<uint8_t>(bytes[i]), absl::kZeroPad2));
      }
      return absl::StrCat("not a WAL segment (magic ", magic, ")");
    }
  }
}

absl::Status VersionError(std::string_view where, uint32_t version) {
  return absl::UnimplementedError(
      absl::StrCat("wal: ", absl::string_view(where.data(), where.size()),
                   "bad segment header at byte 4: version ", version,
                   " is not supported (this build reads version ", kWalVersion, ")"));
}

// ---- Files ------------------------------------------------------------------------------------

absl::Status ErrnoStatus(std::string_view op, std::string_view path, int err) {
  std::string msg = absl::StrCat("wal: ", absl::string_view(op.data(), op.size()), " ",
                                 absl::string_view(path.data(), path.size()), ": ",
                                 std::generic_category().message(err));
  if (err == ENOSPC || err == EDQUOT || err == EFBIG) return absl::ResourceExhaustedError(msg);
  return absl::InternalError(msg);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status SyncDir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync directory", dir, errno);
  return absl::OkStatus();
}

// mkdir -p, syncing the parent of every directory it creates.
absl::Status CreateDirs(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> missing;
  fs::path p = fs::path(dir).lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();  // "a/b/" -> "a/b"
  while (!p.empty()) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return absl::FailedPreconditionError(
            absl::StrCat("wal: ", p.string(), " is not a directory"));
      }
      break;
    }
    if (errno != ENOENT) return ErrnoStatus("stat", p.string(), errno);
    missing.push_back(p);
    if (!p.has_parent_path() || p.parent_path() == p) break;
    p = p.parent_path();
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("mkdir", it->string(), errno);
    }
    const fs::path parent = it->parent_path();
    CISTERN_RETURN_IF_ERROR(SyncDir(parent.empty() ? std::string(".") : parent.string()));
  }
  return absl::OkStatus();
}

// Reads exactly n bytes at `offset`.
absl::Status PreadFull(int fd, char* p, size_t n, uint64_t offset, const std::string& path) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, p, n, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path, errno);
    }
    if (r == 0) return absl::InternalError(absl::StrCat("wal: ", path, " shrank while read"));
    p += r;
    n -= static_cast<size_t>(r);
    offset += static_cast<uint64_t>(r);
  }
  return absl::OkStatus();
}

bool ParseSegmentName(std::string_view name, uint32_t* seq) {
  constexpr std::string_view kSuffix = ".wal";
  if (name.size() < 8 + kSuffix.size() || name.size() > 10 + kSuffix.size() ||
      name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  const std::string_view digits = name.substr(0, name.size() - kSuffix.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || v > UINT32_MAX) return false;
  char canonical[16];
  std::snprintf(canonical, sizeof canonical, "%08u.wal", static_cast<unsigned>(v));
  if (name != canonical) return false;  // "000000001.wal" is not segment 1
  *seq = static_cast<uint32_t>(v);
  return true;
}

// Replays one segment file; see ReplayWal.
absl::Status ReplaySegment(const std::string& path, bool last, bool repair,
                           const WalReplayHandler& handler, std::string* buf,
                           std::vector<WalSample>* scratch, WalReplayStats* stats) {
  const bool cut = last && repair;
  Fd fd(::open(path.c_str(), (cut ? O_RDWR : O_RDONLY) | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("stat", path, errno);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  ++stats->segments;
  if (size == 0) return absl::OkStatus();  // created, never written (a crash right after creat)

  uint64_t bad_at = 0;
  std::string why;
  bool torn_allowed = true;  // may this damage be a torn write
  bool clean = false;

  char header[kWalSegmentHeaderBytes];
  const size_t header_size = static_cast<size_t>(std::min<uint64_t>(size, sizeof header));
  CISTERN_RETURN_IF_ERROR(PreadFull(fd.get(), header, header_size, 0, path));
  uint32_t version = 0;
  const Header h = CheckHeader(std::string_view(header, header_size), &version);
  if (h == Header::kVersion) return VersionError(path + ": ", version);
  if (h != Header::kOk) {
    why = absl::StrCat("bad segment header at byte 0: ",
                       HeaderWhy(h, std::string_view(header, header_size)));
    torn_allowed = h != Header::kNotWal;
  } else {
    // Stream the records through a window of at least kReadChunk bytes (more for a larger record).
    uint64_t base = kWalSegmentHeaderBytes;  // file offset of (*buf)[0]
    size_t have = 0;                         // bytes held in *buf
    size_t needed = 0;                       // the next record's size when it did not fit
    for (;;) {
      const size_t want = std::max(kReadChunk, needed);
      if (buf->size() < want) buf->resize(want);
      const uint64_t unread = size - (base + have);
      const size_t n = static_cast<size_t>(std::min<uint64_t>(buf->size() - have, unread));
      if (n > 0) {
        CISTERN_RETURN_IF_ERROR(PreadFull(fd.get(), buf->data() + have, n, base + have, path));
        have += n;
      }
      DecodeResult r = DecodeRecords(std::string_view(buf->data(), have), handler, scratch, stats);
      if (r.stop == Stop::kHandler) return r.handler_status;
      if (r.stop == Stop::kBad) {
        bad_at = base + r.consumed;
        why = absl::StrCat("bad record at byte ", bad_at, ": ", r.why);
        break;
      }
      const size_t rest = have - r.consumed;
      if (rest > 0 && r.consumed > 0) std::memmove(buf->data(), buf->data() + r.consumed, rest);
      base += r.consumed;
      have = rest;
      needed = r.stop == Stop::kIncomplete ? r.needed : 0;
      if (base + have == size || needed > size - base) {  // all read, or the record runs past EOF
        if (have == 0) {
          clean = true;
        } else {
          bad_at = base;
          why =
              absl::StrCat("bad record at byte ", bad_at, ": ", IncompleteWhy(size - base, needed));
        }
        break;
      }
    }
  }
  if (clean) return absl::OkStatus();

  const uint64_t tail = size - bad_at;
  if (last && torn_allowed) {
    stats->torn_bytes_cut += tail;
    stats->torn_tail = absl::StrCat("wal: ", path, ": torn tail of ", tail, " bytes: ", why);
    if (cut) {
      if (::ftruncate(fd.get(), static_cast<off_t>(bad_at)) != 0) {
        return ErrnoStatus("truncate", path, errno);
      }
      if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync", path, errno);
    }
    return absl::OkStatus();
  }
  ++stats->corrupt_segments;
  if (stats->first_error.empty()) {
    stats->first_error =
        absl::StrCat("wal: ", path, ": ", why, " (the last ", tail, " bytes were skipped)");
  }
  return absl::OkStatus();
}

}  // namespace

// ---- Public functions --------------------------------------------------------------------------

std::string WalSegmentPath(const std::string& wal_dir, uint32_t seq) {
  char name[16];
  std::snprintf(name, sizeof name, "%08u.wal", static_cast<unsigned>(seq));
  return absl::StrCat(wal_dir, "/", name);
}

absl::StatusOr<std::vector<uint32_t>> ListWalSegments(const std::string& wal_dir) {
  std::vector<uint32_t> out;
  DIR* d = ::opendir(wal_dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return out;
    return ErrnoStatus("open directory", wal_dir, errno);
  }
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    uint32_t seq = 0;
    if (ParseSegmentName(e->d_name, &seq)) out.push_back(seq);
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return ErrnoStatus("read directory", wal_dir, err);
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status DecodeWalSegment(std::string_view bytes, const WalReplayHandler& handler,
                              size_t* valid_prefix) {
  size_t ignored = 0;
  if (valid_prefix == nullptr) valid_prefix = &ignored;
  *valid_prefix = 0;
  if (bytes.empty()) return absl::OkStatus();
  uint32_t version = 0;
  const std::string_view header = bytes.substr(0, kWalSegmentHeaderBytes);
  const Header h = CheckHeader(header, &version);
  if (h == Header::kVersion) return VersionError("", version);
  if (h != Header::kOk) {
    return absl::DataLossError(
        absl::StrCat("wal: bad segment header at byte 0: ", HeaderWhy(h, header)));
  }
  *valid_prefix = kWalSegmentHeaderBytes;
  std::vector<WalSample> scratch;
  WalReplayStats stats;
  const std::string_view records = bytes.substr(kWalSegmentHeaderBytes);
  DecodeResult r = DecodeRecords(records, handler, &scratch, &stats);
  *valid_prefix += r.consumed;
  switch (r.stop) {
    case Stop::kEnd:
      return absl::OkStatus();
    case Stop::kHandler:
      return r.handler_status;
    case Stop::kIncomplete:
      r.why = IncompleteWhy(records.size() - r.consumed, r.needed);
      break;
    case Stop::kBad:
      break;
  }
  return absl::DataLossError(absl::StrCat("wal: bad record at byte ", *valid_prefix, ": ", r.why));
}

absl::StatusOr<WalReplayStats> ReplayWal(const std::string& wal_dir,
                                         const WalReplayHandler& handler, bool repair) {
  CISTERN_ASSIGN_OR_RETURN(std::vector<uint32_t> segments, ListWalSegments(wal_dir));
  WalReplayStats stats;
  std::string buf;
  std::vector<WalSample> scratch;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0 && segments[i] != segments[i - 1] + 1) {
      stats.missing_segments += segments[i] - segments[i - 1] - 1;
      if (stats.first_error.empty()) {
        stats.first_error = absl::StrCat("wal: ", wal_dir, ": segments missing between ",
                                         WalSegmentPath("", segments[i - 1]).substr(1), " and ",
                                         WalSegmentPath("", segments[i]).substr(1));
      }
    }
    CISTERN_RETURN_IF_ERROR(ReplaySegment(WalSegmentPath(wal_dir, segments[i]),
                                          i + 1 == segments.size(), repair, handler, &buf, &scratch,
                                          &stats));
  }
  return stats;
}

// ---- WalWriter ---------------------------------------------------------------------------------

WalWriter::WalWriter(std::string dir, const WalOptions& options)
    : dir_(std::move(dir)), options_(options), last_sync_(Clock::now()) {}

WalWriter::~WalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<std::unique_ptr<WalWriter>> WalWriter::Open(const std::string& wal_dir,
                                                           const WalOptions& options) {
  if (wal_dir.empty()) return absl::InvalidArgumentError("wal: empty directory name");
  if (options.segment_bytes == 0 || options.fsync_interval_ms < 0) {
    return absl::InvalidArgumentError(
        "wal: segment_bytes must be positive and fsync_interval_ms not negative");
  }
  CISTERN_RETURN_IF_ERROR(CreateDirs(wal_dir));
  CISTERN_ASSIGN_OR_RETURN(std::vector<uint32_t> segments, ListWalSegments(wal_dir));
  uint32_t next = 0;
  if (!segments.empty()) {
    if (segments.back() == UINT32_MAX) {
      return absl::FailedPreconditionError(
          absl::StrCat("wal: ", wal_dir, ": segment numbers exhausted"));
    }
    next = segments.back() + 1;
  }
  std::unique_ptr<WalWriter> w(new WalWriter(wal_dir, options));
  CISTERN_RETURN_IF_ERROR(w->CreateSegment(next));
  return w;
}

absl::Status WalWriter::Fail(absl::Status status) {
  failed_ = status;
  return status;
}

char* WalWriter::Reserve(size_t n) {
  if (buf_capacity_ - buf_size_ < n) {
    const size_t capacity = std::max({buf_size_ + n, 2 * buf_capacity_, size_t{64} << 10});
    std::unique_ptr<char[]> bigger(new char[capacity]);
    if (buf_size_ > 0) std::memcpy(bigger.get(), buf_.get(), buf_size_);
    buf_ = std::move(bigger);
    buf_capacity_ = capacity;
  }
  return buf_.get() + buf_size_;
}

absl::Status WalWriter::CreateSegment(uint32_t seq) {
  std::string path = WalSegmentPath(dir_, seq);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Fail(ErrnoStatus("create", path, errno));
  fd_ = fd;
  path_ = std::move(path);
  segment_size_ = 0;
  stats_.segment = seq;
  ++stats_.segments;
  char header[kWalSegmentHeaderBytes];
  std::memcpy(header, kWalMagic, sizeof kWalMagic);
  StoreU32(header + 4, kWalVersion);
  size_t done = 0;
  while (done < sizeof header) {
    const ssize_t w = ::write(fd_, header + done, sizeof header - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = w < 0 ? errno : EIO;
      if (::ftruncate(fd_, 0) != 0) {
      }
      return Fail(ErrnoStatus("write", path_, err));
    }
    done += static_cast<size_t>(w);
  }
  segment_size_ = sizeof header;
  stats_.bytes += sizeof header;
  unsynced_ = true;
  if (absl::Status s = SyncDir(dir_); !s.ok()) return Fail(std::move(s));
  return absl::OkStatus();
}

absl::Status WalWriter::WriteBuffered(size_t n) {
  const char* p = buf_.get();
  size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(fd_, p + done, std::min(n - done, kMaxWriteBytes));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = w < 0 ? errno : EIO;
      // Best effort: take the partial write back (replay would cut it as a torn tail anyway).
      if (::ftruncate(fd_, static_cast<off_t>(segment_size_)) != 0) {
      }
      return Fail(ErrnoStatus("write", path_, err));
    }
    done += static_cast<size_t>(w);
  }
  segment_size_ += n;
  stats_.bytes += n;
  unsynced_ = true;
  if (n < buf_size_) std::memmove(buf_.get(), buf_.get() + n, buf_size_ - n);
  buf_size_ -= n;
  return absl::OkStatus();
}

absl::Status WalWriter::SyncSegment() {
  int rc;
  do {
    rc = ::fdatasync(fd_);
  } while (rc != 0 && errno == EINTR);
  // After a failed fdatasync the kernel may have dropped the dirty pages: never retry, fail.
  if (rc != 0) return Fail(ErrnoStatus("fdatasync", path_, errno));
  ++stats_.syncs;
  unsynced_ = false;
  last_sync_ = Clock::now();
  return absl::OkStatus();
}

absl::Status WalWriter::SealSegment() {
  if (unsynced_ && options_.fsync != FsyncPolicy::kNever) {
    CISTERN_RETURN_IF_ERROR(SyncSegment());
  }
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0 && errno != EINTR) return Fail(ErrnoStatus("close", path_, errno));
  return absl::OkStatus();
}

absl::Status WalWriter::MaybeRotateBefore(size_t record_start) {
  if (segment_size_ + buf_size_ <= options_.segment_bytes) return absl::OkStatus();
  // A record alone in its segment stays there, however large; so does everything at the last
  // possible sequence number.
  if (segment_size_ + record_start <= kWalSegmentHeaderBytes || stats_.segment == UINT32_MAX) {
    return absl::OkStatus();
  }
  CISTERN_RETURN_IF_ERROR(WriteBuffered(record_start));  // the new record moves to the front
  CISTERN_RETURN_IF_ERROR(SealSegment());
  return CreateSegment(stats_.segment + 1);
}

absl::Status WalWriter::AppendSeries(uint64_t ref, const SeriesKey& key) {
  if (!failed_.ok()) return failed_;
  if (key.labels.size() > kWalMaxLabels) {
    return absl::InvalidArgumentError(absl::StrCat("wal: series ", key.metric, " has ",
                                                   key.labels.size(), " labels, more than ",
                                                   kWalMaxLabels));
  }
  size_t max_size = kWalRecordHeaderBytes + 3 * kMaxVarintBytes + key.metric.size();
  bool too_long = key.metric.size() > kWalMaxStringBytes;
  for (const Label& l : key.labels) {
    max_size += 2 * kMaxVarintBytes + l.name.size() + l.value.size();
    too_long |= l.name.size() > kWalMaxStringBytes || l.value.size() > kWalMaxStringBytes;
  }
  if (too_long) {
    return absl::InvalidArgumentError(absl::StrCat("wal: series ", key.metric.substr(0, 64),
                                                   ": a name or value is longer than ",
                                                   kWalMaxStringBytes, " bytes"));
  }
  char* const start = Reserve(max_size);
  char* p = start + kWalRecordHeaderBytes;
  p = PutVarint(p, ref);
  p = PutString(p, key.metric);
  p = PutVarint(p, key.labels.size());
  for (const Label& l : key.labels) {
    p = PutString(p, l.name);
    p = PutString(p, l.value);
  }
  const size_t length = static_cast<size_t>(p - start) - kWalRecordHeaderBytes;
  StoreU32(start, static_cast<uint32_t>(length));
  start[8] = static_cast<char>(WalRecordType::kSeries);
  StoreU32(start + 4, Crc32c(start + 8, length + 1));
  const size_t record_start = buf_size_;
  buf_size_ += kWalRecordHeaderBytes + length;
  ++stats_.records;
  return MaybeRotateBefore(record_start);
}

absl::Status WalWriter::AppendSamples(absl::Span<const WalSample> samples) {
  if (!failed_.ok()) return failed_;
  while (!samples.empty()) {
    const size_t n = std::min(samples.size(), kSamplesPerRecord);
    char* const start = Reserve(kWalRecordHeaderBytes + kMaxVarintBytes + n * kMaxSampleBytes);
    char* p = PutVarint(start + kWalRecordHeaderBytes, n);
    uint64_t prev_ref = 0;
    uint64_t prev_ts = 0;
    bool bad_type = false;
    for (size_t i = 0; i < n; ++i) {
      const WalSample& s = samples[i];
      const uint64_t ts = static_cast<uint64_t>(s.timestamp_ms);
      p = PutVarint(p, ZigZag(static_cast<int64_t>(s.ref - prev_ref)));
      p = PutVarint(p, ZigZag(static_cast<int64_t>(ts - prev_ts)));
      prev_ref = s.ref;
      prev_ts = ts;
      if (s.value.type == ValueType::kInt) {
        *p++ = static_cast<char>(ValueType::kInt);
        p = PutVarint(p, ZigZag(static_cast<int64_t>(s.value.bits)));
      } else {
        bad_type |= s.value.type != ValueType::kFloat;
        *p++ = static_cast<char>(ValueType::kFloat);
        StoreU64(p, s.value.bits);
        p += 8;
      }
    }
    if (bad_type) {  // nothing of this record is kept (earlier records of the call are)
      return absl::InvalidArgumentError(
          "wal: a sample has a value type that is neither float nor int");
    }
    const size_t length = static_cast<size_t>(p - start) - kWalRecordHeaderBytes;
    StoreU32(start, static_cast<uint32_t>(length));
    start[8] = static_cast<char>(WalRecordType::kSamples);
    StoreU32(start + 4, Crc32c(start + 8, length + 1));
    const size_t record_start = buf_size_;
    buf_size_ += kWalRecordHeaderBytes + length;
    ++stats_.records;
    stats_.samples += n;
    CISTERN_RETURN_IF_ERROR(MaybeRotateBefore(record_start));
    samples.remove_prefix(n);
  }
  return absl::OkStatus();
}

absl::Status WalWriter::Commit() {
  if (!failed_.ok()) return failed_;
  if (buf_size_ > 0) CISTERN_RETURN_IF_ERROR(WriteBuffered(buf_size_));
  if (buf_capacity_ > kKeepBufferBytes) {  // a burst made it large: give the memory back
    buf_.reset();
    buf_capacity_ = 0;
  }
  if (!unsynced_) return absl::OkStatus();
  switch (options_.fsync) {
    case FsyncPolicy::kEveryCommit:
      return SyncSegment();
    case FsyncPolicy::kInterval:
      if (Clock::now() - last_sync_ >= std::chrono::milliseconds(options_.fsync_interval_ms)) {
        return SyncSegment();
      }
      return absl::OkStatus();
    case FsyncPolicy::kNever:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status WalWriter::Sync() {
  if (!failed_.ok()) return failed_;
  if (!unsynced_) return absl::OkStatus();
  return SyncSegment();
}

absl::StatusOr<uint32_t> WalWriter::Rotate() {
  if (!failed_.ok()) return failed_;
  if (stats_.segment == UINT32_MAX) {
    return absl::FailedPreconditionError(
        absl::StrCat("wal: ", dir_, ": segment numbers exhausted"));
  }
  CISTERN_RETURN_IF_ERROR(Commit());
  CISTERN_RETURN_IF_ERROR(SealSegment());
  CISTERN_RETURN_IF_ERROR(CreateSegment(stats_.segment + 1));
  return stats_.segment;
}

absl::Status WalWriter::RemoveSegmentsBefore(uint32_t seq) {
  if (!failed_.ok()) return failed_;
  seq = std::min(seq, stats_.segment);
  CISTERN_ASSIGN_OR_RETURN(std::vector<uint32_t> segments, ListWalSegments(dir_));
  bool removed = false;
  for (uint32_t s : segments) {  // ascending: a crash part-way leaves no hole in the sequence
    if (s >= seq) break;
    const std::string path = WalSegmentPath(dir_, s);
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT) continue;
      const int err = errno;
      if (removed) SyncDir(dir_).IgnoreError();
      return ErrnoStatus("remove", path, err);
    }
    removed = true;
  }
  return removed ? SyncDir(dir_) : absl::OkStatus();
}

}  // namespace cistern::catena
