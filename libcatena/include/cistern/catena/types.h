// The data model of libcatena: a series is a metric name plus labels (key/value pairs); a sample is
// a millisecond timestamp and a value that is either a 64-bit integer or a 64-bit float, both kept
// exactly (a float round-trips bit for bit, NaN payloads and -0.0 included).
//
//   cistern::catena::SeriesKey key{"ifHCInOctets", {{"instance", "sw1"}, {"ifName", "xe-0/0/1"}}};
//   cistern::catena::Sample s{1736121607441, cistern::catena::Value::Int(102923628241023)};
//
// Labels keep the order they were given in (an export prints them back as they came); the identity
// of a series does not depend on that order (CanonicalKey sorts). Plain value types, no threads.
#ifndef CISTERN_CATENA_TYPES_H_
#define CISTERN_CATENA_TYPES_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::catena {

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
};

struct SeriesKey {
  std::string metric;
  std::vector<Label> labels;  // in the order given; names unique

  // An order-independent identity: metric, then labels sorted by name, with separators that
  // cannot occur in a valid name. Two keys name the same series iff their canonical keys are equal.
  std::string CanonicalKey() const;
  // `metric{a="x",b="y"}` in the given label order (just `metric` without labels), values escaped
  // as in the Prometheus text format.
  std::string ToString() const;
  friend bool operator==(const SeriesKey&, const SeriesKey&) = default;
};

enum class ValueType : uint8_t { kFloat = 0, kInt = 1 };

// A value as stored: its type and its 64 bits (IEEE 754 binary64 or two's complement int64).
struct Value {
  ValueType type = ValueType::kFloat;
  uint64_t bits = 0;

  static Value Float(double v) {
    Value out;
    out.type = ValueType::kFloat;
    std::memcpy(&out.bits, &v, sizeof v);
    return out;
  }
  static Value Int(int64_t v) { return Value{ValueType::kInt, static_cast<uint64_t>(v)}; }

  double AsDouble() const {
    if (type == ValueType::kInt) return static_cast<double>(static_cast<int64_t>(bits));
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  int64_t AsInt() const { return static_cast<int64_t>(bits); }
  friend bool operator==(const Value&, const Value&) = default;  // bitwise
};

struct Sample {
  int64_t timestamp_ms = 0;
  Value value;
  friend bool operator==(const Sample&, const Sample&) = default;
};

// Whether `name` is a valid metric or label name: [a-zA-Z_:][a-zA-Z0-9_:]* for metrics,
// [a-zA-Z_][a-zA-Z0-9_]* for labels (Prometheus' rules).
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_TYPES_H_
