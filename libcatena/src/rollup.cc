#include "rollup.h"

#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cistern/catena/codec.h"
#include "varint.h"

namespace cistern::catena {
namespace {

// The first byte of a rollup entry's columns (format.md, "Rollup entries").
constexpr uint8_t kMixedTypes = 0x01;  // a types column; min and max stored as int bits
constexpr uint8_t kIntSum = 0x02;      // the integer sum's low 64 bits (else 0)
constexpr uint8_t kIntSumHigh = 0x04;  // its high 64 bits (else the sign of the low ones)
constexpr uint8_t kFloatSum = 0x08;    // the float sum (else +0.0)
constexpr uint8_t kFloatCount = 0x10;  // a float count column (else 0, or count with kAllFloat)
constexpr uint8_t kAllFloat = 0x20;
constexpr uint8_t kKnownFlags = 0x3F;

constexpr double kTwo63 = 9223372036854775808.0;

uint64_t DoubleBits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}
double BitsDouble(uint64_t b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}

// i < d, exactly. d is not NaN.
bool IntLessDouble(int64_t i, double d) {
  if (d >= kTwo63) return true;
  if (d < -kTwo63) return false;
  const double t = std::trunc(d);
  const int64_t ti = static_cast<int64_t>(t);
  if (i != ti) return i < ti;
  return d > t;
}
// d < i, exactly. d is not NaN.
bool DoubleLessInt(double d, int64_t i) {
  if (d >= kTwo63) return false;
  if (d < -kTwo63) return true;
  const double t = std::trunc(d);
  const int64_t ti = static_cast<int64_t>(t);
  if (ti != i) return ti < i;
  return d < t;
}

void PutColumn(std::string* out, ValueType type, const std::vector<uint64_t>& v) {
  std::string s;
  EncodeValues(type, v, &s);
  PutVarint(out, s.size());
  out->append(s);
}

absl::Status Bad(std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("rollup entry: ", absl::string_view(what.data(), what.size())));
}

class VectorCursor : public RollupCursor {
 public:
  VectorCursor(std::vector<RollupRow> rows, absl::Status status)
      : rows_(std::move(rows)), status_(std::move(status)) {}
  size_t Next(RollupRow* rows, size_t capacity) override {
    size_t n = 0;
    while (n < capacity && pos_ < rows_.size()) rows[n++] = rows_[pos_++];
    return n;
  }
  absl::Status status() const override { return status_; }

 private:
  std::vector<RollupRow> rows_;
  size_t pos_ = 0;
  absl::Status status_;
};

// Rows from a raw cursor, one batch of samples at a time; a row is handed out once the next
// bucket (or the end) is seen.
class ComputingCursor : public RollupCursor {
 public:
  ComputingCursor(std::unique_ptr<SeriesCursor> raw, int64_t step)
      : raw_(std::move(raw)), step_(step) {}
  size_t Next(RollupRow* rows, size_t capacity) override {
    size_t n = 0;
    while (n < capacity) {
      if (ready_) {
        rows[n++] = done_;
        ready_ = false;
        continue;
      }
      if (end_) break;
      if (pos_ == len_) {
        len_ = raw_ ? raw_->Next(t_, v_, kBatch) : 0;
        pos_ = 0;
        if (len_ == 0) {
          end_ = true;
          if (current_.count > 0) {
            done_ = current_;
            ready_ = true;
          }
          continue;
        }
      }
      int64_t start;
      if (!RollupBucketOf(t_[pos_], step_, &start)) {
        ++pos_;
        continue;
      }
      if (current_.count > 0 && start != current_.start) {
        done_ = current_;
        ready_ = true;
        current_ = RollupRow{};
      }
      if (current_.count == 0) current_.start = start;
      AddToRow(&current_, v_[pos_++]);
    }
    return n;
  }
  absl::Status status() const override { return raw_ ? raw_->status() : absl::OkStatus(); }

 private:
  static constexpr size_t kBatch = 256;
  std::unique_ptr<SeriesCursor> raw_;
  int64_t step_;
  int64_t t_[kBatch];
  Value v_[kBatch];
  size_t pos_ = 0;
  size_t len_ = 0;
  bool end_ = false;
  bool ready_ = false;
  RollupRow current_;
  RollupRow done_;
};

}  // namespace

double RollupRow::Sum() const {
  return CanonicalSum(static_cast<double>(RowIntSum(*this)) + float_sum);
}

bool RollupBucketOf(int64_t t, int64_t step, int64_t* start) {
  int64_t r = t % step;
  if (r < 0) r += step;
  if (t < std::numeric_limits<int64_t>::min() + r) return false;
  *start = t - r;
  return true;
}

bool RollupFirstBucketFrom(int64_t t, int64_t step, int64_t* start) {
  int64_t r = t % step;
  if (r < 0) r += step;
  if (r == 0) {
    *start = t;
    return true;
  }
  if (t > std::numeric_limits<int64_t>::max() - (step - r)) return false;
  *start = t + (step - r);
  return true;
}

bool IsNaNValue(const Value& v) { return v.type == ValueType::kFloat && std::isnan(v.AsDouble()); }

bool ValueLess(const Value& a, const Value& b) {
  if (a.type == ValueType::kInt && b.type == ValueType::kInt) return a.AsInt() < b.AsInt();
  if (a.type == ValueType::kFloat && b.type == ValueType::kFloat)
    return a.AsDouble() < b.AsDouble();
  if (IsNaNValue(a) || IsNaNValue(b)) return false;
  if (a.type == ValueType::kInt) return IntLessDouble(a.AsInt(), b.AsDouble());
  return DoubleLessInt(a.AsDouble(), b.AsInt());
}

void MergeRows(RollupRow* r, const RollupRow& later) {
  if (later.count == 0) return;
  UpdateMin(&r->min, later.min, r->count == 0);
  UpdateMax(&r->max, later.max, r->count == 0);
  SetRowIntSum(r, RowIntSum(*r) + RowIntSum(later));
  if (later.float_count > 0) r->float_sum = CanonicalSum(r->float_sum + later.float_sum);
  r->float_count += later.float_count;
  r->count += later.count;
}

EncodedRollup EncodeRollup(absl::Span<const RollupRow> rows) {
  EncodedRollup e;
  const size_t n = rows.size();
  std::vector<int64_t> starts(n);
  for (size_t i = 0; i < n; ++i) starts[i] = rows[i].start;
  EncodeTimestamps(starts, &e.buckets);

  bool mixed = false, int_sum = false, int_high = false, float_sum = false;
  bool all_float = true, no_float = true;
  for (const RollupRow& r : rows) {
    if (r.min.type != rows[0].min.type || r.max.type != rows[0].min.type) mixed = true;
    if (r.float_count < r.count) int_sum = true;
    if (r.float_count > 0) float_sum = true;
    if (r.float_count != r.count) all_float = false;
    if (r.float_count != 0) no_float = false;
    if (r.int_sum_hi != (static_cast<int64_t>(r.int_sum_lo) >> 63)) int_high = true;
  }
  uint8_t flags = 0;
  if (mixed) flags |= kMixedTypes;
  if (int_sum) flags |= kIntSum;
  if (int_high) flags |= kIntSumHigh;
  if (float_sum) flags |= kFloatSum;
  if (!all_float && !no_float) flags |= kFloatCount;
  if (all_float) flags |= kAllFloat;
  e.columns.push_back(static_cast<char>(flags));

  std::vector<uint64_t> col(n);
  auto put = [&](ValueType type, auto field) {
    for (size_t i = 0; i < n; ++i) col[i] = field(rows[i]);
    PutColumn(&e.columns, type, col);
  };
  if (mixed) {
    put(ValueType::kInt, [](const RollupRow& r) {
      return static_cast<uint64_t>(r.min.type == ValueType::kInt) |
             static_cast<uint64_t>(r.max.type == ValueType::kInt) << 1;
    });
  }
  const ValueType mm = mixed ? ValueType::kInt : rows[0].min.type;
  put(mm, [](const RollupRow& r) { return r.min.bits; });
  put(mm, [](const RollupRow& r) { return r.max.bits; });
  put(ValueType::kInt, [](const RollupRow& r) { return r.count; });
  if (flags & kFloatCount) put(ValueType::kInt, [](const RollupRow& r) { return r.float_count; });
  if (int_sum) put(ValueType::kInt, [](const RollupRow& r) { return r.int_sum_lo; });
  if (int_high) {
    put(ValueType::kInt, [](const RollupRow& r) { return static_cast<uint64_t>(r.int_sum_hi); });
  }
  if (float_sum) put(ValueType::kFloat, [](const RollupRow& r) { return DoubleBits(r.float_sum); });
  return e;
}

absl::Status DecodeRollup(std::string_view buckets, std::string_view columns, int64_t step,
                          size_t rows, RollupRow* out) {
  if (rows == 0 || rows > kMaxChunkSamples) return Bad("row count out of range");
  if (step <= 0) return Bad("step is not positive");
  std::vector<int64_t> starts(rows);
  if (absl::Status s = DecodeTimestamps(buckets, rows, starts.data()); !s.ok()) {
    return Bad(absl::StrCat("bucket starts: ", s.message()));
  }
  for (size_t i = 0; i < rows; ++i) {
    if (!IsRollupAligned(starts[i], step)) return Bad("bucket start not a multiple of the step");
    if (i > 0 && starts[i] <= starts[i - 1]) return Bad("bucket starts not ascending");
  }
  if (columns.empty()) return Bad("no columns");
  const uint8_t flags = static_cast<uint8_t>(columns[0]);
  if ((flags & ~kKnownFlags) != 0 ||
      ((flags & kAllFloat) && (flags & (kFloatCount | kIntSum | kIntSumHigh))) ||
      ((flags & kIntSumHigh) && !(flags & kIntSum))) {
    return Bad("unknown or inconsistent flags");
  }
  std::vector<uint64_t> types(rows), mins(rows), maxs(rows), counts(rows), fcounts(rows, 0),
      lo(rows, 0), hi(rows, 0), fsum(rows, 0);
  size_t pos = 1;
  auto column = [&](const char* name, ValueType want, bool any_type, ValueType* got,
                    std::vector<uint64_t>* v) -> absl::Status {
    VarintReader lr(columns.substr(pos));
    const uint64_t len = lr.Varint();
    if (!lr.ok() || len > columns.size() - pos - lr.position()) {
      return Bad(absl::StrCat("column ", name, " is cut short"));
    }
    const std::string_view stream = columns.substr(pos + lr.position(), len);
    pos += lr.position() + len;
    ValueType type;
    if (absl::Status s = DecodeValues(stream, rows, &type, v->data()); !s.ok()) {
      return Bad(absl::StrCat("column ", name, ": ", s.message()));
    }
    if (!any_type && type != want) return Bad(absl::StrCat("column ", name, " has the wrong type"));
    if (got) *got = type;
    return absl::OkStatus();
  };
  const bool mixed = flags & kMixedTypes;
  ValueType mm = ValueType::kInt;
  if (mixed) {
    if (absl::Status s = column("types", ValueType::kInt, false, nullptr, &types); !s.ok())
      return s;
  }
  if (absl::Status s = column("min", ValueType::kInt, !mixed, &mm, &mins); !s.ok()) return s;
  if (absl::Status s = column("max", mm, false, nullptr, &maxs); !s.ok()) return s;
  if (absl::Status s = column("count", ValueType::kInt, false, nullptr, &counts); !s.ok()) return s;
  if (flags & kFloatCount) {
    if (absl::Status s = column("float count", ValueType::kInt, false, nullptr, &fcounts); !s.ok())
      return s;
  }
  if (flags & kIntSum) {
    if (absl::Status s = column("sum", ValueType::kInt, false, nullptr, &lo); !s.ok()) return s;
  }
  if (flags & kIntSumHigh) {
    if (absl::Status s = column("sum high", ValueType::kInt, false, nullptr, &hi); !s.ok())
      return s;
  }
  if (flags & kFloatSum) {
    if (absl::Status s = column("float sum", ValueType::kFloat, false, nullptr, &fsum); !s.ok())
      return s;
  }
  if (pos != columns.size()) return Bad("trailing bytes after the columns");
  for (size_t i = 0; i < rows; ++i) {
    RollupRow& row = out[i];
    row = RollupRow{};
    row.start = starts[i];
    row.count = counts[i];
    row.float_count = (flags & kAllFloat) ? counts[i] : fcounts[i];
    if (mixed) {
      if (types[i] > 3) return Bad("types column out of range");
      row.min = Value{(types[i] & 1) ? ValueType::kInt : ValueType::kFloat, mins[i]};
      row.max = Value{(types[i] & 2) ? ValueType::kInt : ValueType::kFloat, maxs[i]};
    } else {
      row.min = Value{mm, mins[i]};
      row.max = Value{mm, maxs[i]};
    }
    row.int_sum_lo = lo[i];
    row.int_sum_hi =
        (flags & kIntSumHigh) ? static_cast<int64_t>(hi[i]) : static_cast<int64_t>(lo[i]) >> 63;
    row.float_sum = BitsDouble(fsum[i]);
    // What a row computed from samples always satisfies.
    if (row.count == 0 || row.float_count > row.count) return Bad("count out of range");
    if (row.float_count == 0 &&
        (fsum[i] != 0 || row.min.type != ValueType::kInt || row.max.type != ValueType::kInt)) {
      return Bad("a row without float samples has float parts");
    }
    if (row.float_count == row.count &&
        (lo[i] != 0 || row.int_sum_hi != 0 || row.min.type != ValueType::kFloat ||
         row.max.type != ValueType::kFloat)) {
      return Bad("a row of float samples has integer parts");
    }
  }
  return absl::OkStatus();
}

std::unique_ptr<RollupCursor> ComputeRollupCursor(std::unique_ptr<SeriesCursor> raw, int64_t step) {
  return std::make_unique<ComputingCursor>(std::move(raw), step);
}

std::unique_ptr<RollupCursor> VectorRollupCursor(std::vector<RollupRow> rows, absl::Status status) {
  return std::make_unique<VectorCursor>(std::move(rows), std::move(status));
}

}  // namespace cistern::catena
