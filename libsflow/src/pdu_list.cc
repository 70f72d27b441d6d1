// PduList: the validated view of extended_80211_aggregation's PDUs.
#include "cistern/base/byte_reader.h"
#include "cistern/base/byte_writer.h"
#include "cistern/sflow/flow_records.h"

namespace cistern::sflow {
namespace {

// Bytes taken by a PDU whose framing was validated: 4 (count) + each record's 8 + length.
size_t PduSize(std::span<const uint8_t> p) {
  const uint32_t n = ByteReader::LoadU32(p.data());
  size_t at = 4;
  for (uint32_t i = 0; i < n; ++i) at += 8 + ByteReader::LoadU32(p.data() + at + 4);
  return at;
}

}  // namespace

PduList::Pdu PduList::Iterator::operator*() const {
  const size_t size = PduSize(rest_);
  return Pdu{ByteReader::LoadU32(rest_.data()), rest_.subspan(4, size - 4)};
}

PduList::Iterator& PduList::Iterator::operator++() {
  rest_ = rest_.subspan(PduSize(rest_));
  --left_;
  return *this;
}

bool PduList::ReadXdr(ByteReader& r, PduList* out) {
  uint32_t count;
  if (!r.ReadU32(&count)) return false;
  // Every PDU takes at least its 4-byte record count: a lying count fails before the loop.
  if (count > r.remaining() / 4) {
    r.Fail();
    return false;
  }
  const size_t start = r.offset();
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t records;
    if (!r.ReadU32(&records)) return false;
    if (records > r.remaining() / 8) {
      r.Fail();
      return false;
    }
    for (uint32_t j = 0; j < records; ++j) {
      uint32_t tag, length;
      if (!r.ReadU32(&tag) || !r.ReadU32(&length) || !r.Skip(length)) return false;
    }
  }
  *out = PduList(count, r.data().subspan(start, r.offset() - start));
  return true;
}

void PduList::WriteXdr(ByteWriter& w) const {
  w.WriteU32(count_);
  w.WriteBytes(wire_);
}

}  // namespace cistern::sflow
