// AsPath: the validated view of extended_gateway's destination AS path.
#include "cistern/base/byte_reader.h"
#include "cistern/base/byte_writer.h"
#include "cistern/sflow/flow_records.h"

namespace cistern::sflow {

// Segment wire form: type (u32), count (u32), count ASNs (u32 each).
AsPath::Segment AsPath::Iterator::operator*() const {
  uint32_t type = ByteReader::LoadU32(rest_.data());
  uint32_t n = ByteReader::LoadU32(rest_.data() + 4);
  return Segment{type, U32List(rest_.subspan(8, size_t{n} * 4))};
}

AsPath::Iterator& AsPath::Iterator::operator++() {
  uint32_t n = ByteReader::LoadU32(rest_.data() + 4);
  rest_ = rest_.subspan(8 + size_t{n} * 4);
  --left_;
  return *this;
}

uint32_t AsPath::FirstAs() const {
  for (const Segment& s : *this) {
    return s.asns.empty() ? 0 : s.asns[0];
  }
  return 0;
}

uint32_t AsPath::LastAs() const {
  uint32_t last = 0;
  for (const Segment& s : *this) last = s.asns.empty() ? 0 : s.asns[s.asns.size() - 1];
  return last;
}

bool AsPath::ReadXdr(ByteReader& r, AsPath* out) {
  uint32_t count;
  if (!r.ReadU32(&count)) return false;
  const size_t start = r.offset();
  // Each segment takes at least 8 bytes: a lying count fails here, before any loop.
  if (count > r.remaining() / 8) {
    r.Fail();
    return false;
  }
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t type, n;
    if (!r.ReadU32(&type) || !r.ReadU32(&n)) return false;
    if (n > r.remaining() / 4) {
      r.Fail();
      return false;
    }
    r.Skip(size_t{n} * 4);
  }
  *out = AsPath(count, r.data().subspan(start, r.offset() - start));
  return true;
}

void AsPath::WriteXdr(ByteWriter& w) const {
  w.WriteU32(count_);
  w.WriteBytes(wire_);
}

}  // namespace cistern::sflow
