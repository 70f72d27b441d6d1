// Field types with a meaning beyond their wire encoding, used by record structures.
//
// Each structure in flow_records.h and counter_records.h describes its fields once, in wire order,
// with a static `Fields(self, visitor)` that calls `visitor(name, field)` for every field. The
// decoder, the encoder, equality-based tests and printers (cistern-cli's JSON) all walk that one
// description, so a structure's layout is written down in exactly one place. Field names are the
// keys InMon's sflowtool prints in its JSON output, so that scripts keyed on them keep working.
//
// Wire encodings (XDR, RFC 4506; every item padded to 4 bytes):
//   uint32_t / int32_t   unsigned int / int          uint64_t       unsigned hyper
//   float                IEEE single                  uint8_t        one raw byte (LACP port state)
//   Address              address type + 4|16 bytes    Ipv4Address    4 bytes, Ipv6Address 16 bytes
//   MacAddress           6 bytes + 2 padding          Uuid           16 bytes
//   std::string_view     string<>: length + bytes + padding
//   Bytes                opaque<>: length + bytes + padding
//   U32List              unsigned int<>: count + count values
//   Percentage           unsigned int in hundredths of a percent; 0xffffffff = unknown
//   DatapathId           unsigned hyper (OpenFlow datapath id, printed as hex)
//   TrailingU32          unsigned int present only if the record has bytes left (fields added
//                        to a structure in a later revision: host_cpu steal/guest, jmx fds)
//   any struct with a static Fields(): its fields inline
#ifndef CISTERN_SFLOW_FIELD_TYPES_H_
#define CISTERN_SFLOW_FIELD_TYPES_H_

#include <cstdint>

namespace cistern::sflow {

struct Percentage {
  static constexpr uint32_t kUnknown = 0xffffffffu;
  uint32_t hundredths = 0;
  bool known() const { return hundredths != kUnknown; }
  double percent() const { return hundredths / 100.0; }
  friend bool operator==(const Percentage&, const Percentage&) = default;
};

struct DatapathId {
  uint64_t value = 0;
  friend bool operator==(const DatapathId&, const DatapathId&) = default;
};

struct TrailingU32 {
  bool present = false;
  uint32_t value = 0;
  friend bool operator==(const TrailingU32&, const TrailingU32&) = default;
};

}  // namespace cistern::sflow

#endif  // CISTERN_SFLOW_FIELD_TYPES_H_
