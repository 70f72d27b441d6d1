// Builds an sFlow datagram with the installed libsflow, encodes, decodes and compares it.
#include <cstdio>
#include <vector>

#include "cistern/sflow/codec.h"

int main() {
  using namespace cistern::sflow;
  FlowRecord record;
  record.tag = Tag{0, ExtendedSwitch::kFormat};
  record.data.emplace<ExtendedSwitch>().src_vlan = 42;

  Datagram dg;
  dg.agent = Address::IPv4(192, 0, 2, 1);
  Sample& sample = dg.samples.emplace_back();
  sample.tag = Tag{0, kFlowSampleFormat};
  sample.data.emplace<FlowSample>().records = std::span<const FlowRecord>(&record, 1);

  std::vector<uint8_t> bytes;
  if (!Encode(dg, &bytes).ok()) return 1;
  absl::StatusOr<Datagram> decoded = Decode(bytes);
  if (!decoded.ok() || !(*decoded == dg)) return 1;
  std::printf("consumer: %zu-byte datagram round-tripped\n", bytes.size());
  return 0;
}
