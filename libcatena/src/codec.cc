#include "cistern/catena/codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bit_stream.h"

namespace cistern::catena {
namespace {

// Residual frames. A frame holds up to kFrame residuals and starts with a 2-bit mode:
//   kPacked: 7-bit width w (0..64), 7-bit length L, the frame minimum as an L-bit zigzag integer,
//            then each residual minus the minimum in w bits.
//   kRice:   6-bit parameter k, then each zigzag(residual) Rice-coded: q = u >> k as q zero bits and
//            a one (q < kRiceEscape), then the low k bits; q >= kRiceEscape is written as kRiceEscape
//            zero bits followed by the 64 bits of u.
constexpr size_t kFrame = 64;
constexpr uint64_t kModePacked = 0;
constexpr uint64_t kModeRice = 1;
constexpr int kRiceEscape = 24;

inline uint64_t ZigZag(uint64_t v) {
  return (v << 1) ^ static_cast<uint64_t>(static_cast<int64_t>(v) >> 63);
}
inline uint64_t UnZigZag(uint64_t u) { return (u >> 1) ^ (~(u & 1) + 1); }
inline int BitLength(uint64_t v) { return 64 - std::countl_zero(v); }

void PutVarBits(BitWriter* w, uint64_t v) {  // 7-bit length, then the bits
  const int len = BitLength(v);
  w->Put(static_cast<uint64_t>(len), 7);
  w->Put(v, len);
}

bool GetVarBits(BitReader* r, uint64_t* v) {
  const int len = static_cast<int>(r->Get(7));
  if (len > 64) return false;
  *v = r->Get(len);
  return true;
}

// Bits needed by each mode for one frame.
struct FrameChoice {
  uint64_t mode;
  int param;
  uint64_t min;
  uint64_t bits;
};

FrameChoice ChooseFrame(const uint64_t* r, size_t n) {
  int64_t mn = static_cast<int64_t>(r[0]);
  int64_t mx = mn;
  uint64_t zsum = 0;
  uint64_t z[kFrame];
  for (size_t i = 0; i < n; ++i) {
    const int64_t s = static_cast<int64_t>(r[i]);
    mn = std::min(mn, s);
    mx = std::max(mx, s);
    z[i] = ZigZag(r[i]);
    zsum += z[i] >> 8;  // coarse mean, no overflow for 64 values
  }
  const uint64_t range = static_cast<uint64_t>(mx) - static_cast<uint64_t>(mn);
  const int width = BitLength(range);
  FrameChoice best{kModePacked, width, static_cast<uint64_t>(mn),
                   2 + 7 + 7 + static_cast<uint64_t>(BitLength(ZigZag(static_cast<uint64_t>(mn)))) +
                       n * static_cast<uint64_t>(width)};
  // Rice: the best k is near log2 of the mean; try a few around it.
  uint64_t mean = 0;
  {
    uint64_t s = 0;
    bool big = zsum > (uint64_t{1} << 40);
    if (!big) {
      for (size_t i = 0; i < n; ++i) s += z[i];
      mean = s / n;
    } else {
      mean = (zsum / n) << 8;
    }
  }
  const int k0 = mean == 0 ? 0 : BitLength(mean) - 1;
  for (int k = std::max(0, k0 - 2); k <= std::min(63, k0 + 1); ++k) {
    uint64_t bits = 2 + 6;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t q = z[i] >> k;
      bits += q < kRiceEscape ? q + 1 + static_cast<uint64_t>(k) : kRiceEscape + 64;
    }
    if (bits < best.bits) best = FrameChoice{kModeRice, k, 0, bits};
  }
  return best;
}

void WriteFrame(const uint64_t* f, size_t n, const FrameChoice& c, BitWriter* w) {
  w->Put(c.mode, 2);
  if (c.mode == kModePacked) {
    w->Put(static_cast<uint64_t>(c.param), 7);
    PutVarBits(w, ZigZag(c.min));
    for (size_t i = 0; i < n; ++i) w->Put(f[i] - c.min, c.param);
    return;
  }
  const int k = c.param;
  w->Put(static_cast<uint64_t>(k), 6);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t u = ZigZag(f[i]);
    const uint64_t q = u >> k;
    if (q < kRiceEscape) {
      w->Put(uint64_t{1} << q, static_cast<int>(q) + 1);
      w->Put(k == 0 ? 0 : (u & ((uint64_t{1} << k) - 1)), k);
    } else {
      w->Put(0, kRiceEscape);
      w->Put(u, 64);
    }
  }
}

absl::Status Corrupt(std::string_view what, const BitReader& r) {
  return absl::InvalidArgumentError(
      absl::StrCat("catena codec: ", absl::string_view(what.data(), what.size()), " at byte ",
                   r.bit_position() / 8));
}

absl::Status DecodeFrames(BitReader* r, size_t count, uint64_t* out) {
  for (size_t start = 0; start < count; start += kFrame) {
    const size_t n = std::min(kFrame, count - start);
    uint64_t* f = out + start;
    const uint64_t mode = r->Get(2);
    if (mode == kModePacked) {
      const int width = static_cast<int>(r->Get(7));
      uint64_t zmin;
      if (width > 64 || !GetVarBits(r, &zmin)) return Corrupt("bad frame header", *r);
      const uint64_t mn = UnZigZag(zmin);
      const size_t end = r->bit_position() + n * static_cast<size_t>(width);
      if (width <= 56 && r->HasWordsUpTo(end)) {
        for (size_t i = 0; i < n; ++i) f[i] = r->GetUnchecked(width) + mn;
      } else {
        for (size_t i = 0; i < n; ++i) f[i] = r->Get(width) + mn;
      }
    } else if (mode == kModeRice) {
      const int k = static_cast<int>(r->Get(6));
      for (size_t i = 0; i < n; ++i) {
        const uint64_t w = r->Peek();  // at least 57 valid bits
        const int q = w == 0 ? 64 : std::countr_zero(w);
        uint64_t u;
        if (q < kRiceEscape && q + 1 + k <= 57) {  // all in the word already read
          u = (static_cast<uint64_t>(q) << k) | ((w >> (q + 1)) & ((uint64_t{1} << k) - 1));
          r->Skip(static_cast<size_t>(q + 1 + k));
        } else if (q < kRiceEscape) {
          r->Skip(static_cast<size_t>(q) + 1);
          u = (static_cast<uint64_t>(q) << k) | r->Get(k);
        } else {
          r->Skip(kRiceEscape);
          u = r->Get(64);
        }
        f[i] = UnZigZag(u);
      }
    } else {
      return Corrupt("unknown frame mode", *r);
    }
    if (r->overrun()) return Corrupt("stream ends inside a frame", *r);
  }
  return absl::OkStatus();
}

// Residuals of order `order` (0, 1, 2) of v into r; the first `order` residuals are the leading
// values/deltas, coded apart from the frames.
void Residuals(const uint64_t* v, size_t n, int order, uint64_t* r) {
  if (order == 0) {
    std::memcpy(r, v, n * sizeof *v);
    return;
  }
  uint64_t prev = v[0];
  r[0] = v[0];
  if (order == 1) {
    for (size_t i = 1; i < n; ++i) {
      r[i] = v[i] - prev;
      prev = v[i];
    }
    return;
  }
  uint64_t prev_delta = 0;
  for (size_t i = 1; i < n; ++i) {
    const uint64_t d = v[i] - prev;
    r[i] = i == 1 ? d : d - prev_delta;
    prev_delta = d;
    prev = v[i];
  }
}

void Integrate(uint64_t* r, size_t n, int order) {
  if (order == 0 || n == 0) return;
  if (order == 1) {
    uint64_t acc = r[0];
    for (size_t i = 1; i < n; ++i) {
      acc += r[i];
      r[i] = acc;
    }
    return;
  }
  uint64_t acc = r[0];
  uint64_t delta = 0;
  for (size_t i = 1; i < n; ++i) {
    delta = i == 1 ? r[1] : delta + r[i];
    acc += delta;
    r[i] = acc;
  }
}

// One integer sequence at one order: its residuals, the choice for each frame, and the exact size
// in bits; the leading `order` residuals go as zigzag var-bits, the rest in frames. Planning every
// order first and writing only the smallest keeps encoding to one pass of bit writing.
struct IntegerPlan {
  int order = 0;
  std::vector<uint64_t> residuals;
  std::vector<FrameChoice> frames;
  uint64_t bits = 0;
};

void PlanIntegers(const uint64_t* v, size_t n, int order, IntegerPlan* p) {
  p->order = order;
  p->residuals.resize(n);
  Residuals(v, n, order, p->residuals.data());
  p->frames.clear();
  p->bits = 0;
  const size_t lead = std::min<size_t>(static_cast<size_t>(order), n);
  for (size_t i = 0; i < lead; ++i) p->bits += 7 + static_cast<uint64_t>(BitLength(ZigZag(p->residuals[i])));
  for (size_t start = lead; start < n; start += kFrame) {
    const FrameChoice c = ChooseFrame(p->residuals.data() + start, std::min(kFrame, n - start));
    p->frames.push_back(c);
    p->bits += c.bits;
  }
}

void WritePlan(const IntegerPlan& p, std::string* out) {
  BitWriter w(out);
  const size_t n = p.residuals.size();
  const size_t lead = std::min<size_t>(static_cast<size_t>(p.order), n);
  for (size_t i = 0; i < lead; ++i) PutVarBits(&w, ZigZag(p.residuals[i]));
  size_t frame = 0;
  for (size_t start = lead; start < n; start += kFrame) {
    WriteFrame(p.residuals.data() + start, std::min(kFrame, n - start), p.frames[frame++], &w);
  }
  w.Finish();
}

absl::Status DecodeIntegers(BitReader* r, size_t n, int order, uint64_t* out) {
  const size_t lead = std::min<size_t>(static_cast<size_t>(order), n);
  for (size_t i = 0; i < lead; ++i) {
    uint64_t z;
    if (!GetVarBits(r, &z)) return Corrupt("bad leading value", *r);
    out[i] = UnZigZag(z);
  }
  if (r->overrun()) return Corrupt("stream ends in its header", *r);
  if (absl::Status s = DecodeFrames(r, n - lead, out + lead); !s.ok()) return s;
  Integrate(out, n, order);
  return absl::OkStatus();
}

// Appends `make_header(order)` and v encoded at whichever order in `orders` costs fewest bits.
template <typename MakeHeader>
void EncodeBestOrder(const uint64_t* v, size_t n, std::initializer_list<int> orders,
                     MakeHeader make_header, std::string* out) {
  IntegerPlan plans[2];
  int best = -1;
  int slot = 0;
  for (int order : orders) {
    PlanIntegers(v, n, order, &plans[slot]);
    if (best < 0 || plans[slot].bits < plans[best].bits) {
      best = slot;
      slot = 1 - slot;  // keep the best, plan the next one in the other slot
    }
  }
  out->append(make_header(plans[best].order));
  WritePlan(plans[best], out);
}

bool CheckCount(size_t count) { return count <= kMaxChunkSamples; }

// ---- Decimal detection: the smallest scale s <= kMaxScale at which every value v is m / 10^s
// exactly, with |m| < 2^53.
constexpr int kMaxScale = 9;
constexpr double kPow10[kMaxScale + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

inline bool DecimalAt(double v, int s, int64_t* m) {
  const double scaled = v * kPow10[s];
  if (!(std::fabs(scaled) < 9007199254740992.0)) return false;  // also rejects NaN
  const auto r = static_cast<int64_t>(std::nearbyint(scaled));
  const double back = static_cast<double>(r) / kPow10[s];  // exactly what decoding computes
  uint64_t a, b;
  std::memcpy(&a, &back, 8);
  std::memcpy(&b, &v, 8);
  if (a != b) return false;
  *m = r;
  return true;
}

int FindScale(const uint64_t* bits, size_t n) {
  // A value exact at one scale is not always exact at a larger one (its scaled integer may pass
  // 2^53, or the division may round differently), so every value is checked again at the scale
  // the later values forced.
  int s = 0;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < n; ++i) {
      double v;
      std::memcpy(&v, &bits[i], 8);
      int64_t m;
      if (DecimalAt(v, s, &m)) continue;
      do {
        if (++s > kMaxScale) return -1;
      } while (!DecimalAt(v, s, &m));
      changed = i > 0;
    }
  }
  return s;
}

// ---- Gorilla XOR (Pelkonen et al., VLDB 2015, section 4.1.2) with 6-bit leading-zero counts.
void EncodeXor(const uint64_t* v, size_t n, BitWriter* w) {
  if (n == 0) return;
  w->Put(v[0], 64);
  int prev_lead = -1;
  int prev_trail = 0;
  for (size_t i = 1; i < n; ++i) {
    const uint64_t x = v[i] ^ v[i - 1];
    if (x == 0) {
      w->Put(0, 1);
      continue;
    }
    const int lead = std::countl_zero(x);
    const int trail = std::countr_zero(x);
    if (prev_lead >= 0 && lead >= prev_lead && trail >= prev_trail) {
      w->Put(0b01, 2);  // '1' then '0', least significant first
      w->Put(x >> prev_trail, 64 - prev_lead - prev_trail);
    } else {
      w->Put(0b11, 2);
      const int meaningful = 64 - lead - trail;  // 1..64
      w->Put(static_cast<uint64_t>(lead), 6);
      w->Put(static_cast<uint64_t>(meaningful - 1), 6);
      w->Put(x >> trail, meaningful);
      prev_lead = lead;
      prev_trail = trail;
    }
  }
}

absl::Status DecodeXor(BitReader* r, size_t n, uint64_t* out) {
  if (n == 0) return absl::OkStatus();
  out[0] = r->Get(64);
  int prev_lead = -1;
  int prev_trail = 0;
  for (size_t i = 1; i < n; ++i) {
    if (r->Get(1) == 0) {
      out[i] = out[i - 1];
      continue;
    }
    uint64_t x;
    if (r->Get(1) == 0) {
      if (prev_lead < 0) return Corrupt("xor reuses a window before defining one", *r);
      x = r->Get(64 - prev_lead - prev_trail) << prev_trail;
    } else {
      const int lead = static_cast<int>(r->Get(6));
      const int meaningful = static_cast<int>(r->Get(6)) + 1;
      if (lead + meaningful > 64) return Corrupt("xor window exceeds 64 bits", *r);
      const int trail = 64 - lead - meaningful;
      x = r->Get(meaningful) << trail;
      prev_lead = lead;
      prev_trail = trail;
    }
    out[i] = out[i - 1] ^ x;
    if ((i & 63) == 0 && r->overrun()) break;
  }
  if (r->overrun()) return Corrupt("xor stream ends early", *r);
  return absl::OkStatus();
}

// Value stream header byte: bit 0 type, bits 1-2 encoding, bits 3-4 order, bits 5-7 zero.
// A decimal stream has a second byte: the scale.
constexpr uint8_t HeaderByte(ValueType type, ValueEncoding enc, int order) {
  return static_cast<uint8_t>(static_cast<uint8_t>(type) | (static_cast<uint8_t>(enc) << 1) |
                              (order << 3));
}

}  // namespace

void EncodeTimestamps(absl::Span<const int64_t> timestamps, std::string* out) {
  const auto* v = reinterpret_cast<const uint64_t*>(timestamps.data());
  EncodeBestOrder(v, timestamps.size(), {1, 2},
                  [](int order) { return std::string(1, static_cast<char>(order)); }, out);
}

absl::Status DecodeTimestamps(std::string_view in, size_t count, int64_t* out) {
  if (!CheckCount(count)) return absl::InvalidArgumentError("catena codec: chunk too large");
  if (count == 0) return absl::OkStatus();
  if (in.empty()) return absl::InvalidArgumentError("catena codec: empty timestamp stream");
  const int order = static_cast<uint8_t>(in[0]);
  if (order < 1 || order > 2) return absl::InvalidArgumentError("catena codec: bad timestamp order");
  BitReader r(in.substr(1));
  auto* u = reinterpret_cast<uint64_t*>(out);
  if (absl::Status s = DecodeIntegers(&r, count, order, u); !s.ok()) return s;
  if ((r.bit_position() + 7) / 8 != in.size() - 1) {
    return absl::InvalidArgumentError("catena codec: timestamp stream has trailing bytes");
  }
  return absl::OkStatus();
}

void EncodeValues(ValueType type, absl::Span<const uint64_t> bits, std::string* out) {
  const size_t n = bits.size();
  if (type == ValueType::kInt) {
    // Gauges pay least as values (order 0) or deltas, counters as deltas of deltas.
    EncodeBestOrder(
        bits.data(), n, {0, 1, 2},
        [type](int order) {
          return std::string(1, static_cast<char>(HeaderByte(type, ValueEncoding::kInteger, order)));
        },
        out);
    return;
  }
  const int scale = n == 0 ? 0 : FindScale(bits.data(), n);
  if (scale >= 0) {
    std::vector<uint64_t> scaled(n);
    for (size_t i = 0; i < n; ++i) {
      double v;
      std::memcpy(&v, &bits[i], 8);
      int64_t m = 0;
      const bool exact = DecimalAt(v, scale, &m);  // FindScale checked every value at `scale`
      (void)exact;
      scaled[i] = static_cast<uint64_t>(m);
    }
    EncodeBestOrder(
        scaled.data(), n, {0, 1, 2},
        [type, scale](int order) {
          std::string h(1, static_cast<char>(HeaderByte(type, ValueEncoding::kDecimal, order)));
          h.push_back(static_cast<char>(scale));
          return h;
        },
        out);
    return;
  }
  out->push_back(static_cast<char>(HeaderByte(type, ValueEncoding::kXor, 0)));
  BitWriter w(out);
  EncodeXor(bits.data(), n, &w);
  w.Finish();
}

absl::StatusOr<ValueStreamInfo> InspectValues(std::string_view in) {
  if (in.empty()) return absl::InvalidArgumentError("catena codec: empty value stream");
  const auto h = static_cast<uint8_t>(in[0]);
  ValueStreamInfo info;
  info.type = static_cast<ValueType>(h & 1);
  const int enc = (h >> 1) & 3;
  info.order = (h >> 3) & 3;
  if (enc > 2 || (h >> 5) != 0 || info.order > 2) {
    return absl::InvalidArgumentError("catena codec: bad value stream header");
  }
  info.encoding = static_cast<ValueEncoding>(enc);
  if (info.encoding == ValueEncoding::kDecimal) {
    if (in.size() < 2 || static_cast<uint8_t>(in[1]) > kMaxScale || info.type != ValueType::kFloat) {
      return absl::InvalidArgumentError("catena codec: bad decimal scale");
    }
    info.scale = static_cast<uint8_t>(in[1]);
  }
  if (info.encoding == ValueEncoding::kXor && (info.order != 0 || info.type != ValueType::kFloat)) {
    return absl::InvalidArgumentError("catena codec: bad xor stream header");
  }
  if (info.encoding == ValueEncoding::kInteger && info.type != ValueType::kInt) {
    return absl::InvalidArgumentError("catena codec: integer encoding of a float stream");
  }
  return info;
}

absl::Status DecodeValues(std::string_view in, size_t count, ValueType* type, uint64_t* out) {
  if (!CheckCount(count)) return absl::InvalidArgumentError("catena codec: chunk too large");
  absl::StatusOr<ValueStreamInfo> info = InspectValues(in);
  if (!info.ok()) return info.status();
  *type = info->type;
  const size_t header = info->encoding == ValueEncoding::kDecimal ? 2 : 1;
  BitReader r(in.substr(header));
  absl::Status s;
  switch (info->encoding) {
    case ValueEncoding::kInteger:
      s = DecodeIntegers(&r, count, info->order, out);
      break;
    case ValueEncoding::kDecimal: {
      s = DecodeIntegers(&r, count, info->order, out);
      if (!s.ok()) break;
      const double p = kPow10[info->scale];
      for (size_t i = 0; i < count; ++i) {
        const double v = static_cast<double>(static_cast<int64_t>(out[i])) / p;
        std::memcpy(&out[i], &v, 8);
      }
      break;
    }
    case ValueEncoding::kXor:
      s = DecodeXor(&r, count, out);
      break;
  }
  if (!s.ok()) return s;
  if ((r.bit_position() + 7) / 8 != in.size() - header) {
    return absl::InvalidArgumentError("catena codec: value stream has trailing bytes");
  }
  return absl::OkStatus();
}

}  // namespace cistern::catena
