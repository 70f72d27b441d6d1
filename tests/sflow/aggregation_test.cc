// extended_80211_aggregation (0:1016): PDUs of nested flow records.
#include <catch2/catch.hpp>

#include <vector>

#include "cistern/base/byte_writer.h"
#include "cistern/sflow/codec.h"

namespace cistern::sflow {
namespace {

// One flow sample with an aggregation record of two PDUs: [switch], [switch, unknown 9:9].
std::vector<uint8_t> AggregatedDatagram() {
  std::vector<uint8_t> b;
  ByteWriter w(&b);
  w.WriteU32(5);                                        // version
  w.WriteU32(1);                                        // agent: IPv4
  w.WriteU32(0xc0000201);                               // 192.0.2.1
  w.WriteU32(0), w.WriteU32(1), w.WriteU32(1000);       // sub agent, sequence, uptime
  w.WriteU32(1);                                        // one sample
  w.WriteU32(kFlowSampleFormat);
  const size_t sample_len = w.ReserveU32();
  for (uint32_t v : {1u, 3u, 512u, 512u, 0u, 3u, 4u}) w.WriteU32(v);
  w.WriteU32(1);                                        // one record
  w.WriteU32(Extended80211Aggregation::kFormat);
  const size_t record_len = w.ReserveU32();
  w.WriteU32(2);                                        // two PDUs
  w.WriteU32(1);                                        // PDU 1: one record
  w.WriteU32(ExtendedSwitch::kFormat), w.WriteU32(16);
  for (uint32_t v : {10u, 1u, 20u, 2u}) w.WriteU32(v);
  w.WriteU32(2);                                        // PDU 2: two records
  w.WriteU32(ExtendedSwitch::kFormat), w.WriteU32(16);
  for (uint32_t v : {30u, 3u, 40u, 4u}) w.WriteU32(v);
  w.WriteU32((9u << 12) | 9u), w.WriteU32(4), w.WriteU32(0xdeadbeef);
  w.PatchU32(record_len, static_cast<uint32_t>(b.size() - record_len - 4));
  w.PatchU32(sample_len, static_cast<uint32_t>(b.size() - sample_len - 4));
  return b;
}

TEST_CASE("aggregation: PDUs decode, their records decode on demand, bytes round-trip") {
  const std::vector<uint8_t> bytes = AggregatedDatagram();
  Datagram dg;
  REQUIRE(DecodeInto(bytes, &dg).ok());
  const auto& sample = std::get<FlowSample>(dg.samples.at(0).data);
  const auto& agg = std::get<Extended80211Aggregation>(sample.records.front().data);
  REQUIRE(agg.pdus.size() == 2);

  std::vector<std::vector<FlowRecord>> pdus;
  for (const PduList::Pdu& pdu : agg.pdus) {
    REQUIRE(DecodeFlowRecords(pdu, &pdus.emplace_back()).ok());
  }
  REQUIRE(pdus[0].size() == 1);
  CHECK(std::get<ExtendedSwitch>(pdus[0][0].data).src_vlan == 10);
  REQUIRE(pdus[1].size() == 2);
  CHECK(std::get<ExtendedSwitch>(pdus[1][0].data).dst_vlan == 40);
  CHECK(std::holds_alternative<UnknownFlowRecord>(pdus[1][1].data));
  CHECK(pdus[1][1].tag == Tag{9, 9});

  std::vector<uint8_t> again;
  REQUIRE(Encode(dg, &again).ok());
  CHECK(again == bytes);
}

TEST_CASE("aggregation: lying PDU and record counts are rejected, never overread") {
  std::vector<uint8_t> bytes = AggregatedDatagram();
  // The PDU count sits 4 bytes into the record body (after tag and length): claim 2^31 PDUs.
  const size_t pdu_count_at = 28 + 8 + 28 + 4 + 8;  // header, sample tag+len, 7 fields, count, record tag+len
  REQUIRE(ByteReader::LoadU32(bytes.data() + pdu_count_at) == 2);
  ByteWriter::StoreU32(bytes.data() + pdu_count_at, 0x80000000u);
  Datagram dg;
  absl::Status s = DecodeInto(bytes, &dg);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(s.message()), Catch::Contains("extended_80211_aggregation"));
  // Every truncation fails cleanly.
  const std::vector<uint8_t> good = AggregatedDatagram();
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<long>(n));
    CHECK_FALSE(DecodeInto(cut, &dg).ok());
  }
}

}  // namespace
}  // namespace cistern::sflow
