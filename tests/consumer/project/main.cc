// Builds an sFlow datagram with the installed libsflow, encodes, decodes and compares it; then
// decodes an Ethernet/IPv4/UDP frame with the installed libproto; then encodes and decodes an SNMP
// GetRequest with the installed libsnmp; then stores a sample in a libcatena database in a
// temporary directory and reads it back.
#include <stdlib.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cistern/catena/db.h"
#include "cistern/proto/decoder.h"
#include "cistern/sflow/codec.h"
#include "cistern/snmp/message.h"

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

  const uint8_t frame[] = {
      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,  // eth
      0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,  // IPv4, UDP
      192,  0,    2,    1,    192,  0,    2,    2,                              // src, dst
      0x30, 0x39, 0x18, 0xc7, 0x00, 0x08, 0x00, 0x00};                         // 12345 -> 6343
  cistern::proto::Packet packet;
  cistern::proto::DecodeEthernet(frame, &packet);
  if (!packet.outer.has_ports || packet.outer.dst_port != 6343) return 1;
  std::printf("consumer: frame decoded, UDP %u -> %u\n", packet.outer.src_port,
              packet.outer.dst_port);

  cistern::snmp::Message get;
  get.community = "public";
  get.pdu = cistern::snmp::Pdu::Get({cistern::snmp::Oid{1, 3, 6, 1, 2, 1, 1, 5, 0}});
  cistern::snmp::Message back;
  if (!cistern::snmp::EncodeMessage(get, &bytes).ok() ||
      !cistern::snmp::DecodeMessage(bytes, &back).ok() || !(back == get)) {
    return 1;
  }
  std::printf("consumer: %zu-byte SNMP GetRequest round-tripped\n", bytes.size());

  char dir_template[] = "/tmp/cistern-consumer-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return 1;
  const std::string dir = std::string(dir_template) + "/db";
  using namespace cistern::catena;
  {
    auto db = Db::Open(dir, DbOptions());
    if (!db.ok()) return 1;
    auto ref = (*db)->GetOrCreateSeries({"ifHCInOctets", {{"instance", "sw1"}}});
    if (!ref.ok() || !(*db)->Append(*ref, 1736121607441, Value::Int(102923628241023)).ok() ||
        !(*db)->Close().ok()) {
      return 1;
    }
  }
  DbOptions read_only;
  read_only.read_only = true;
  auto db = Db::Open(dir, read_only);
  if (!db.ok()) return 1;
  auto snapshot = (*db)->Snapshot();
  auto ids = snapshot->Select({});
  if (!ids.ok() || ids->size() != 1) return 1;
  int64_t t;
  Value v;
  if (snapshot->Open((*ids)[0], 0, INT64_MAX)->Next(&t, &v, 1) != 1 || v.AsInt() != 102923628241023) {
    return 1;
  }
  std::printf("consumer: sample stored and read back from %s\n", dir.c_str());
  std::system(("rm -rf " + std::string(dir_template)).c_str());
  return 0;
}
