// Tests for codec.h on hand-built datagrams: the compact and expanded sample forms, what Encode
// refuses, unknown samples and records, trailing bytes (record, sample, datagram), the version
// check, DecodeOptions limits, lying lengths (whose errors must name the sample, the record, the
// field and the exact byte), truncation at every byte, DecodeInto reuse, host_cpu's two revisions,
// AsPath's FirstAs/LastAs and the drop reason names.
#include "cistern/sflow/codec.h"

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cistern/sflow/datagram.h"
#include "cistern/sflow/drop_reasons.h"
#include "test_support.h"

namespace cistern::sflow {
namespace {

using testing::Arena;
using testing::ByteDiff;
using testing::DatagramHeader;
using testing::kFirstSampleAt;
using testing::StatusMessage;
using testing::StatusString;
using testing::XdrBuilder;

// ---- builders ----

// A record: tag, length, body written by `body`. Returns the offset of the record's tag.
template <class F>
size_t AddRecord(XdrBuilder& b, uint32_t packed_tag, F&& body) {
  const size_t at = b.size();
  b.U32(packed_tag);
  const size_t len = b.Begin();
  body(b);
  b.End(len);
  return at;
}

void SwitchBody(XdrBuilder& b, uint32_t vlan) { b.U32(vlan).U32(1).U32(vlan + 1).U32(2); }

// A compact flow sample (0:1): seq, source 0:3, rate 512, pool 1000, drops 0, in 3, out 4, then
// `count` records written by `records`. Returns the offset of the sample's tag.
template <class F>
size_t AddFlowSample(XdrBuilder& b, uint32_t seq, uint32_t count, F&& records) {
  const size_t at = b.size();
  b.U32(kFlowSampleFormat);
  const size_t len = b.Begin();
  b.U32(seq).U32(3).U32(512).U32(1000).U32(0).U32(3).U32(4).U32(count);
  records(b);
  b.End(len);
  return at;
}

// A compact counters sample (0:2): seq, source 0:9, `count` records.
template <class F>
size_t AddCountersSample(XdrBuilder& b, uint32_t seq, uint32_t count, F&& records) {
  const size_t at = b.size();
  b.U32(kCountersSampleFormat);
  const size_t len = b.Begin();
  b.U32(seq).U32(9).U32(count);
  records(b);
  b.End(len);
  return at;
}

// A datagram of three flow samples, with 2, 1 and 3 records.
std::vector<uint8_t> ThreeSamples() {
  XdrBuilder b = DatagramHeader(3);
  AddFlowSample(b, 1, 2, [](XdrBuilder& s) {
    AddRecord(s, 1001, [](XdrBuilder& r) { SwitchBody(r, 10); });
    AddRecord(s, 1, [](XdrBuilder& r) { r.U32(1).U32(64).U32(4).Opaque("0123456789"); });
  });
  AddFlowSample(b, 2, 1, [](XdrBuilder& s) {
    AddRecord(s, 1004, [](XdrBuilder& r) { r.U32(106).Opaque("alice").U32(106).Opaque("bob"); });
  });
  AddFlowSample(b, 3, 3, [](XdrBuilder& s) {
    AddRecord(s, 1001, [](XdrBuilder& r) { SwitchBody(r, 30); });
    AddRecord(s, 1002, [](XdrBuilder& r) { r.U32(1).Raw({10, 0, 0, 1}).U32(24).U32(16); });
    AddRecord(s, 1005, [](XdrBuilder& r) { r.U32(1).Opaque("/index.html").Opaque("x.org"); });
  });
  return b.bytes();
}

// Samples and records of every kind, including unknown ones.
std::vector<uint8_t> MixedDatagram() {
  XdrBuilder b = DatagramHeader(4);
  b.U32((4300u << 12) | 7);  // unknown enterprise sample
  b.U32(12).Raw({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  AddCountersSample(b, 5, 2, [](XdrBuilder& s) {
    AddRecord(s, 1005, [](XdrBuilder& r) { r.Opaque("eth0"); });
    AddRecord(s, 2002, [](XdrBuilder& r) { r.U32(3).U32(77); });
  });
  // discarded_packet (0:5): seq, source class, index, drops, in, out, reason, records.
  b.U32(kDiscardedPacketSampleFormat);
  const size_t len = b.Begin();
  b.U32(9).U32(0).U32(2).U32(1799).U32(2).U32(0).U32(289).U32(2);
  AddRecord(b, 1042, [](XdrBuilder& r) { r.Opaque("no_socket"); });
  AddRecord(b, 1036, [](XdrBuilder& r) { r.U32(42); });
  b.End(len);
  AddFlowSample(b, 6, 1, [](XdrBuilder& s) {
    AddRecord(s, 999, [](XdrBuilder& r) { r.Raw({9, 9, 9}); });  // unknown format, odd length
  });
  return b.bytes();
}

// Decodes `bytes` from an exactly-sized heap copy, so that ASan sees any read past the end.
absl::Status DecodeCopy(std::span<const uint8_t> bytes, std::vector<uint8_t>* storage,
                        Datagram* out, const DecodeOptions& options = {},
                        DecodeStats* stats = nullptr) {
  storage->assign(bytes.begin(), bytes.end());
  storage->shrink_to_fit();
  return DecodeInto(*storage, out, options, stats);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// ---- compact and expanded forms ----

TEST_CASE("codec: compact samples pack format/value and source type/index", "[sflow][codec]") {
  XdrBuilder b = DatagramHeader(2);
  b.U32(kFlowSampleFormat);
  size_t len = b.Begin();
  b.U32(77)             // sequence
      .U32(0x03000007)  // source: type 3 (top 8 bits), index 7
      .U32(256)
      .U32(1000)
      .U32(5)
      .U32(0x8000002a)  // input: format 2 (top 2 bits), value 42
      .U32(0x7fffffff)  // output: format 1, value 0x3fffffff
      .U32(0);
  b.End(len);
  b.U32(kCountersSampleFormat);
  len = b.Begin();
  b.U32(78).U32(0xfeffffff).U32(0);  // source type 254, index 0xffffff
  b.End(len);

  Datagram dg;
  const absl::Status s = DecodeInto(b.span(), &dg);
  INFO(StatusString(s));
  REQUIRE(s.ok());
  REQUIRE(dg.samples.size() == 2);
  const auto& f = std::get<FlowSample>(dg.samples[0].data);
  CHECK_FALSE(f.expanded);
  CHECK(f.sequence_number == 77);
  CHECK(f.source == DataSource{3, 7});
  CHECK(f.sampling_rate == 256);
  CHECK(f.sample_pool == 1000);
  CHECK(f.drops == 5);
  CHECK(f.input == Interface{2, 42});
  CHECK(f.output == Interface{1, 0x3fffffff});
  CHECK(f.records.empty());
  const auto& c = std::get<CountersSample>(dg.samples[1].data);
  CHECK_FALSE(c.expanded);
  CHECK(c.source == DataSource{254, 0xffffff});

  std::vector<uint8_t> out;
  REQUIRE(Encode(dg, &out).ok());
  CHECK(ByteDiff(out, b.bytes()) == "");
}

TEST_CASE("codec: expanded samples keep full 32-bit sources and interfaces", "[sflow][codec]") {
  XdrBuilder b = DatagramHeader(2);
  b.U32(kExpandedFlowSampleFormat);
  size_t len = b.Begin();
  b.U32(1)
      .U32(0x12345678)
      .U32(0xfedcba98)  // seq, source type, source index
      .U32(2048)
      .U32(3)
      .U32(4)
      .U32(0xc0000001)
      .U32(0xfffffff0)  // input format, value: would not fit the compact form
      .U32(2)
      .U32(0x40000000)  // output format, value
      .U32(0);
  b.End(len);
  b.U32(kExpandedCountersSampleFormat);
  len = b.Begin();
  b.U32(2).U32(0x100).U32(0x1000000).U32(0);
  b.End(len);

  Datagram dg;
  REQUIRE(DecodeInto(b.span(), &dg).ok());
  REQUIRE(dg.samples.size() == 2);
  const auto& f = std::get<FlowSample>(dg.samples[0].data);
  CHECK(f.expanded);
  CHECK(f.source == DataSource{0x12345678, 0xfedcba98});
  CHECK(f.input == Interface{0xc0000001, 0xfffffff0});
  CHECK(f.output == Interface{2, 0x40000000});
  const auto& c = std::get<CountersSample>(dg.samples[1].data);
  CHECK(c.expanded);
  CHECK(c.source == DataSource{0x100, 0x1000000});

  std::vector<uint8_t> out;
  REQUIRE(Encode(dg, &out).ok());
  CHECK(ByteDiff(out, b.bytes()) == "");
}

TEST_CASE("codec: Encode packs compact samples into the documented bit fields", "[sflow][codec]") {
  FlowSample f;
  f.source = DataSource{0xff, 0xffffff};
  f.input = Interface{1, 0x3fffffff};
  f.output = Interface{3, 5};
  Datagram dg;
  dg.agent = Address::IPv4(192, 0, 2, 1);
  dg.samples.push_back(Sample{Tag{0, kFlowSampleFormat}, f, {}});
  std::vector<uint8_t> out;
  REQUIRE(Encode(dg, &out).ok());
  // Sample body starts after the 28-byte header and the sample's tag and length.
  const size_t body = kFirstSampleAt + 8;
  REQUIRE(out.size() == body + 8 * 4);
  CHECK(ByteReader::LoadU32(&out[body + 4]) == 0xffffffffu);   // source
  CHECK(ByteReader::LoadU32(&out[body + 20]) == 0x7fffffffu);  // input
  CHECK(ByteReader::LoadU32(&out[body + 24]) == 0xc0000005u);  // output
  CHECK(ByteReader::LoadU32(&out[kFirstSampleAt + 4]) == 32);  // sample length
}

TEST_CASE("codec: Encode refuses values that do not fit the compact forms", "[sflow][codec]") {
  FlowSample flow;
  flow.source = DataSource{1, 2};
  CountersSample counters;
  counters.source = DataSource{1, 2};

  enum class Kind { kFlow, kCounters };
  Kind kind = Kind::kFlow;
  SECTION("interface value of 31 bits") { flow.input = Interface{0, 0x40000000}; }
  SECTION("interface format of 3 bits") { flow.output = Interface{4, 1}; }
  SECTION("flow source index of 25 bits") { flow.source = DataSource{0, 0x1000000}; }
  SECTION("flow source type of 9 bits") { flow.source = DataSource{0x100, 0}; }
  SECTION("counters source index of 25 bits") {
    kind = Kind::kCounters;
    counters.source = DataSource{2, 0x1000000};
  }
  SECTION("counters source type of 9 bits") {
    kind = Kind::kCounters;
    counters.source = DataSource{0x100, 1};
  }

  Datagram dg;
  dg.agent = Address::IPv4(192, 0, 2, 1);
  dg.samples.push_back(Sample{Tag{0, kCountersSampleFormat}, CountersSample{}, {}});  // fine
  if (kind == Kind::kFlow) {
    dg.samples.push_back(Sample{Tag{0, kFlowSampleFormat}, flow, {}});
  } else {
    dg.samples.push_back(Sample{Tag{0, kCountersSampleFormat}, counters, {}});
  }
  std::vector<uint8_t> out = {1, 2, 3};
  const absl::Status s = Encode(dg, &out);
  INFO(StatusString(s));
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(StatusMessage(s), "sample 2"));
  CHECK(out == std::vector<uint8_t>{1, 2, 3});  // nothing appended on failure

  // The same values are fine in the expanded forms.
  if (kind == Kind::kFlow) {
    flow.expanded = true;
    dg.samples[1] = Sample{Tag{0, kExpandedFlowSampleFormat}, flow, {}};
  } else {
    counters.expanded = true;
    dg.samples[1] = Sample{Tag{0, kExpandedCountersSampleFormat}, counters, {}};
  }
  out.clear();
  REQUIRE(Encode(dg, &out).ok());
  Datagram back;
  REQUIRE(DecodeInto(out, &back).ok());
  CHECK(back == dg);
}

// Encode's contract: InvalidArgument for values that cannot be represented, and (like the sample
// checks) nothing appended to `out` on failure.
TEST_CASE("codec: Encode refuses an agent address of invalid type and appends nothing",
          "[sflow][codec]") {
  Datagram dg;
  dg.agent.type = static_cast<Address::Type>(7);
  std::vector<uint8_t> out = {0xee};
  const absl::Status s = Encode(dg, &out);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(out == std::vector<uint8_t>{0xee});
}

// An address of type 7 inside a record: the decoder rejects it, so the encoder must not write it.
TEST_CASE("codec: Encode refuses a record address of invalid type", "[sflow][codec]") {
  ExtendedRouter router;
  router.next_hop.type = static_cast<Address::Type>(7);
  const FlowRecord record{Tag{0, ExtendedRouter::kFormat}, router, {}, {}};
  FlowSample f;
  f.records = std::span(&record, 1);
  Datagram dg;
  dg.agent = Address::IPv4(192, 0, 2, 1);
  dg.samples.push_back(Sample{Tag{0, kFlowSampleFormat}, f, {}});
  std::vector<uint8_t> out;
  const absl::Status s = Encode(dg, &out);
  INFO("encoded " << out.size()
                  << " bytes; decoding them gives: " << StatusString(Decode(out).status()));
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(out.empty());
}

// ---- unknown and trailing data ----

TEST_CASE("codec: unknown samples and records are kept opaque, counted and re-encoded exactly",
          "[sflow][codec]") {
  const std::vector<uint8_t> wire = MixedDatagram();
  Datagram dg;
  DecodeStats stats;
  const absl::Status s = DecodeInto(wire, &dg, {}, &stats);
  INFO(StatusString(s));
  REQUIRE(s.ok());
  REQUIRE(dg.samples.size() == 4);

  CHECK(dg.samples[0].tag == Tag{4300, 7});
  CHECK(SampleName(dg.samples[0].tag) == "unknown");
  const auto& unknown = std::get<UnknownSample>(dg.samples[0].data);
  CHECK(unknown.body == Bytes(std::span(wire).subspan(kFirstSampleAt + 8, 12)));

  const auto& counters = std::get<CountersSample>(dg.samples[1].data);
  REQUIRE(counters.records.size() == 2);
  CHECK(std::get<PortName>(counters.records[0].data).name == "eth0");
  CHECK(std::get<HostParent>(counters.records[1].data).container_index == 77);

  const auto& discarded = std::get<DiscardedPacketSample>(dg.samples[2].data);
  CHECK(SampleName(dg.samples[2].tag) == "discarded_packet");
  CHECK(discarded.drops == 1799);
  CHECK(discarded.input == 2);
  CHECK(discarded.reason == 289);
  REQUIRE(discarded.records.size() == 2);
  CHECK(std::get<ExtendedLinuxDropReason>(discarded.records[0].data).reason == "no_socket");
  CHECK(std::get<ExtendedEgressQueue>(discarded.records[1].data).queue == 42);

  const auto& flow = std::get<FlowSample>(dg.samples[3].data);
  REQUIRE(flow.records.size() == 1);
  CHECK(flow.records[0].tag == Tag{0, 999});
  CHECK(FlowRecordName(flow.records[0].data) == "unknown");
  const auto& unknown_record = std::get<UnknownFlowRecord>(flow.records[0].data);
  CHECK(unknown_record.body.size() == 3);
  CHECK(unknown_record.body[2] == 9);
  CHECK(flow.records[0].trailing.empty());

  CHECK(stats.datagrams == 1);
  CHECK(stats.samples == 4);
  CHECK(stats.unknown_samples == 1);
  CHECK(stats.unknown_records == 1);
  CHECK(stats.flow_records == 3);
  CHECK(stats.counter_records == 2);
  CHECK(stats.malformed == 0);

  std::vector<uint8_t> out;
  REQUIRE(Encode(dg, &out).ok());
  CHECK(ByteDiff(out, wire) == "");
}

TEST_CASE("codec: unknown enterprise and format combinations", "[sflow][codec]") {
  // Enterprise != 0 with a known format number, and enterprise 0 with an unused one, are unknown.
  XdrBuilder b = DatagramHeader(3);
  b.U32((1u << 12) | kFlowSampleFormat).U32(0);  // enterprise 1 "flow sample", empty body
  b.U32(0).U32(4).U32(0xdeadbeef);               // 0:0 sample
  AddCountersSample(b, 1, 2, [](XdrBuilder& s) {
    AddRecord(s, (9u << 12) | 1, [](XdrBuilder& r) { r.U32(5); });  // 9:1, not generic_interface
    AddRecord(s, 4095, [](XdrBuilder& r) { r.U32(6); });            // 0:4095
  });
  Datagram dg;
  DecodeStats stats;
  REQUIRE(DecodeInto(b.span(), &dg, {}, &stats).ok());
  REQUIRE(dg.samples.size() == 3);
  CHECK(std::holds_alternative<UnknownSample>(dg.samples[0].data));
  CHECK(std::get<UnknownSample>(dg.samples[0].data).body.empty());
  CHECK(std::holds_alternative<UnknownSample>(dg.samples[1].data));
  const auto& c = std::get<CountersSample>(dg.samples[2].data);
  REQUIRE(c.records.size() == 2);
  CHECK(c.records[0].data.index() == 0);
  CHECK(c.records[0].tag == Tag{9, 1});
  CHECK(c.records[1].data.index() == 0);
  CHECK(stats.unknown_samples == 2);
  CHECK(stats.unknown_records == 2);
  std::vector<uint8_t> out;
  REQUIRE(Encode(dg, &out).ok());
  CHECK(ByteDiff(out, b.bytes()) == "");
}

TEST_CASE("codec: bytes a record or sample length covers beyond its fields are kept",
          "[sflow][codec]") {
  XdrBuilder b = DatagramHeader(1);
  b.U32(kFlowSampleFormat);
  const size_t len = b.Begin();
  b.U32(1).U32(3).U32(512).U32(1000).U32(0).U32(3).U32(4).U32(2);
  AddRecord(b, 1001, [](XdrBuilder& r) {
    SwitchBody(r, 10);
    r.Raw({0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8});  // a later revision's fields
  });
  AddRecord(b, 1036, [](XdrBuilder& r) { r.U32(42).Raw({0xb1, 0xb2, 0xb3}); });  // odd length
  b.Raw({0xc1, 0xc2, 0xc3, 0xc4, 0xc5});  // inside the sample, after its records
  b.End(len);

  Datagram dg;
  const absl::Status s = DecodeInto(b.span(), &dg);
  INFO(StatusString(s));
  REQUIRE(s.ok());
  REQUIRE(dg.samples.size() == 1);
  const auto& f = std::get<FlowSample>(dg.samples[0].data);
  REQUIRE(f.records.size() == 2);
  const auto& sw = std::get<ExtendedSwitch>(f.records[0].data);
  CHECK(sw.src_vlan == 10);
  CHECK(sw.dst_priority == 2);
  CHECK(f.records[0].trailing ==
        Bytes(std::vector<uint8_t>{0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8}));
  CHECK(std::get<ExtendedEgressQueue>(f.records[1].data).queue == 42);
  CHECK(f.records[1].trailing == Bytes(std::vector<uint8_t>{0xb1, 0xb2, 0xb3}));
  CHECK(dg.samples[0].trailing == Bytes(std::vector<uint8_t>{0xc1, 0xc2, 0xc3, 0xc4, 0xc5}));

  std::vector<uint8_t> out;
  REQUIRE(Encode(dg, &out).ok());
  CHECK(ByteDiff(out, b.bytes()) == "");
}

TEST_CASE("codec: padding after the last sample is tolerated and kept", "[sflow][codec]") {
  std::vector<uint8_t> wire = ThreeSamples();
  const size_t n = GENERATE(1u, 2u, 4u, 12u);
  wire.insert(wire.end(), n, 0);
  wire.back() = 0x5a;
  Datagram dg;
  DecodeStats stats;
  const absl::Status s = DecodeInto(wire, &dg, {}, &stats);
  INFO(StatusString(s));
  REQUIRE(s.ok());
  CHECK(dg.samples.size() == 3);
  CHECK(dg.trailing.size() == n);
  CHECK(dg.trailing[n - 1] == 0x5a);
  CHECK(stats.malformed == 0);
  std::vector<uint8_t> out;
  REQUIRE(Encode(dg, &out).ok());
  CHECK(ByteDiff(out, wire) == "");
}

// ---- version, limits ----

TEST_CASE("codec: a datagram of another version is Unimplemented", "[sflow][codec]") {
  std::vector<uint8_t> wire = ThreeSamples();
  const uint32_t version = GENERATE(0u, 2u, 4u, 6u, 0x50001u);
  ByteWriter::StoreU32(wire.data(), version);
  Datagram dg;
  DecodeStats stats;
  const absl::Status s = DecodeInto(wire, &dg, {}, &stats);
  CHECK(s.code() == absl::StatusCode::kUnimplemented);
  CHECK(Contains(StatusMessage(s), std::to_string(version)));
  CHECK(dg.samples.empty());
  CHECK(stats.unsupported == 1);
  CHECK(stats.malformed == 0);
  CHECK(stats.datagrams == 1);
}

TEST_CASE("codec: a datagram too short for its header is InvalidArgument", "[sflow][codec]") {
  const std::vector<uint8_t> wire = ThreeSamples();
  for (size_t n = 0; n < kFirstSampleAt; ++n) {
    INFO("length " << n);
    std::vector<uint8_t> storage;
    Datagram dg;
    const absl::Status s = DecodeCopy(std::span(wire).first(n), &storage, &dg);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("codec: the sample count limit gives ResourceExhausted", "[sflow][codec]") {
  const std::vector<uint8_t> wire = ThreeSamples();
  DecodeOptions options;
  Datagram dg;
  options.max_samples = 3;
  CHECK(DecodeInto(wire, &dg, options).ok());
  options.max_samples = 2;
  const absl::Status s = DecodeInto(wire, &dg, options);
  CHECK(s.code() == absl::StatusCode::kResourceExhausted);

  // A lying count is refused before anything is reserved for it.
  XdrBuilder b = DatagramHeader(0xffffffff);
  CHECK(DecodeInto(b.span(), &dg).code() == absl::StatusCode::kResourceExhausted);
}

// codec.h: "ResourceExhausted when a count exceeds DecodeOptions' limits" - both of them.
TEST_CASE("codec: the record count limit gives ResourceExhausted", "[sflow][codec]") {
  const std::vector<uint8_t> wire = ThreeSamples();  // samples of 2, 1 and 3 records
  DecodeOptions options;
  Datagram dg;
  options.max_records_per_sample = 3;
  CHECK(DecodeInto(wire, &dg, options).ok());
  options.max_records_per_sample = 2;
  absl::Status s = DecodeInto(wire, &dg, options);
  INFO(StatusString(s));
  CHECK(s.code() == absl::StatusCode::kResourceExhausted);
  CHECK(dg.samples.size() == 2);  // the samples within the limit are kept

  XdrBuilder b = DatagramHeader(1);
  AddFlowSample(b, 1, 0xffffffff, [](XdrBuilder&) {});
  s = DecodeInto(b.span(), &dg);
  INFO(StatusString(s));
  CHECK(s.code() == absl::StatusCode::kResourceExhausted);
}

// ---- lying lengths ----

// A datagram of two samples: sample 1 is a good flow sample; sample 2 (a flow or counters sample)
// holds two good records and then record 3, written by `lie`, which returns the byte offset the
// error must report.
struct Lie {
  std::vector<uint8_t> bytes;
  size_t at = 0;
};

template <class F>
Lie LyingRecord(bool counters, uint32_t format, F&& lie) {
  XdrBuilder b = DatagramHeader(2);
  AddFlowSample(
      b, 1, 1, [](XdrBuilder& s) { AddRecord(s, 1001, [](XdrBuilder& r) { SwitchBody(r, 10); }); });
  size_t at = 0;
  auto records = [&](XdrBuilder& s) {
    if (counters) {
      AddRecord(s, 1005, [](XdrBuilder& r) { r.Opaque("eth1"); });
      AddRecord(s, 2002, [](XdrBuilder& r) { r.U32(1).U32(2); });
    } else {
      AddRecord(s, 1001, [](XdrBuilder& r) { SwitchBody(r, 20); });
      AddRecord(s, 1036, [](XdrBuilder& r) { r.U32(5); });
    }
    AddRecord(s, format, [&](XdrBuilder& r) { at = lie(r); });
  };
  if (counters) {
    AddCountersSample(b, 2, 3, records);
  } else {
    AddFlowSample(b, 2, 3, records);
  }
  return Lie{b.bytes(), at};
}

void ExpectLie(const Lie& lie, const std::string& field, const std::string& sample_name) {
  std::vector<uint8_t> storage;
  Datagram dg;
  DecodeStats stats;
  const absl::Status s = DecodeCopy(lie.bytes, &storage, &dg, {}, &stats);
  const std::string message = StatusMessage(s);
  INFO(StatusString(s));
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(message, "sample 2 "));
  CHECK(Contains(message, sample_name));
  CHECK(Contains(message, "record 3 "));
  CHECK(Contains(message, field));
  CHECK(EndsWith(message, "at byte " + std::to_string(lie.at)));
  CHECK(stats.malformed == 1);
  // The sample before the malformed one is kept.
  REQUIRE(dg.samples.size() == 1);
  const auto& f = std::get<FlowSample>(dg.samples[0].data);
  REQUIRE(f.records.size() == 1);
  CHECK(std::get<ExtendedSwitch>(f.records[0].data).src_vlan == 10);
}

TEST_CASE("codec: lying lengths inside records name sample, record, field and byte",
          "[sflow][codec]") {
  SECTION("string length 0xffffffff") {
    Lie lie = LyingRecord(false, 1004, [](XdrBuilder& r) {
      r.U32(106);
      const size_t at = r.size();
      r.U32(0xffffffff).Raw({'a', 'b', 'c', 'd'}).U32(106).Opaque("x");
      return at;
    });
    ExpectLie(lie, "src_user", "flow_sample");
  }
  SECTION("string longer than its record") {
    Lie lie = LyingRecord(false, 1005, [](XdrBuilder& r) {
      r.U32(1).Opaque("/");
      const size_t at = r.size();
      r.U32(9).Raw({'h', 'o', 's', 't'});
      return at;
    });
    ExpectLie(lie, "host", "flow_sample");
  }
  SECTION("U32List count beyond the record") {
    Lie lie = LyingRecord(false, 1003, [](XdrBuilder& r) {
      r.U32(1).Raw({10, 0, 0, 1}).U32(64512).U32(64513).U32(64514).U32(0);  // empty AS path
      const size_t at = r.size();
      r.U32(0x40000000).U32(1).U32(2).U32(100);  // communities, local_pref
      return at;
    });
    ExpectLie(lie, "BGP_communities", "flow_sample");
  }
  SECTION("AsPath segment count beyond the record") {
    Lie lie = LyingRecord(false, 1003, [](XdrBuilder& r) {
      r.U32(1).Raw({10, 0, 0, 1}).U32(64512).U32(64513).U32(64514);
      const size_t at = r.size();
      r.U32(0x10000000).U32(2).U32(1).U32(65000).U32(0).U32(100);
      return at;
    });
    ExpectLie(lie, "dst_as_path", "flow_sample");
  }
  SECTION("AsPath ASN count beyond the record") {
    Lie lie = LyingRecord(false, 1003, [](XdrBuilder& r) {
      r.U32(1).Raw({10, 0, 0, 1}).U32(64512).U32(64513).U32(64514);
      const size_t at = r.size();
      r.U32(1).U32(2).U32(0xffffffff).U32(65000).U32(0).U32(100);
      return at;
    });
    ExpectLie(lie, "dst_as_path", "flow_sample");
  }
  SECTION("address of type 7") {
    Lie lie = LyingRecord(false, 1002, [](XdrBuilder& r) {
      const size_t at = r.size();
      r.U32(7).Raw({10, 0, 0, 1}).U32(24).U32(16);
      return at;
    });
    ExpectLie(lie, "nextHop", "flow_sample");
  }
  SECTION("record too short for its fixed fields") {
    Lie lie = LyingRecord(false, 1001, [](XdrBuilder& r) {
      r.U32(1).U32(2).U32(3);
      return r.size();  // out_priority is missing
    });
    ExpectLie(lie, "out_priority", "flow_sample");
  }
  SECTION("nested structure truncated") {
    // extended_80211_payload: cipher suite, then a sampled_header whose bytes are cut short.
    Lie lie = LyingRecord(false, 1013, [](XdrBuilder& r) {
      r.U32(4).U32(1).U32(100).U32(0);
      const size_t at = r.size();
      r.U32(64).Raw({1, 2, 3, 4});
      return at;
    });
    ExpectLie(lie, "headerBytes", "flow_sample");
  }
  SECTION("adapter count beyond the record") {
    Lie lie = LyingRecord(true, 2001, [](XdrBuilder& r) {
      const size_t at = r.size();
      r.U32(0x20000000).U32(1).U32(0);
      return at;
    });
    ExpectLie(lie, "adaptor_list", "counters_sample");
  }
  SECTION("adapter MAC count beyond the record") {
    Lie lie = LyingRecord(true, 2001, [](XdrBuilder& r) {
      const size_t at = r.size();
      r.U32(1).U32(3).U32(0x20000001).Raw({1, 2, 3, 4, 5, 6, 0, 0});
      return at;
    });
    ExpectLie(lie, "adaptor_list", "counters_sample");
  }
  SECTION("SFP lane count beyond the record") {
    Lie lie = LyingRecord(true, 10, [](XdrBuilder& r) {
      r.U32(1).U32(4).U32(3300).U32(25000);
      const size_t at = r.size();
      r.U32(0x7fffffff).Zeros(40);
      return at;
    });
    ExpectLie(lie, "sfp_lanes", "counters_sample");
  }
}

TEST_CASE("codec: a record longer than its sample is reported at the record", "[sflow][codec]") {
  size_t record_at = 0;
  Lie lie = LyingRecord(false, 1001, [](XdrBuilder& r) {
    SwitchBody(r, 1);
    return size_t{0};
  });
  // Make record 3 claim 1000 bytes: find it by walking sample 2.
  const std::vector<size_t> ends = testing::SampleEnds(lie.bytes);
  REQUIRE(ends.size() == 2);
  ByteReader r(lie.bytes);
  r.Skip(ends[0] + 8 + 32);  // sample 2: tag, length, 8 header words
  for (int i = 0; i < 2; ++i) {
    uint32_t tag = 0, length = 0;
    r.ReadU32(&tag);
    r.ReadU32(&length);
    r.Skip(length);
  }
  record_at = r.offset();
  REQUIRE(r.ok());
  ByteWriter::StoreU32(lie.bytes.data() + record_at + 4, 1000);
  lie.at = record_at;
  std::vector<uint8_t> storage;
  Datagram dg;
  const absl::Status s = DecodeCopy(lie.bytes, &storage, &dg);
  const std::string message = StatusMessage(s);
  INFO(message);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(message, "sample 2 "));
  CHECK(Contains(message, "record 3 "));
  CHECK(Contains(message, "1000"));
  CHECK(EndsWith(message, "at byte " + std::to_string(record_at)));
  CHECK(dg.samples.size() == 1);
}

TEST_CASE("codec: a sample longer than the datagram is reported at the sample", "[sflow][codec]") {
  std::vector<uint8_t> wire = ThreeSamples();
  const std::vector<size_t> ends = testing::SampleEnds(wire);
  REQUIRE(ends.size() == 3);
  const uint32_t length = GENERATE(0xffffffffu, 0x7ffffff8u, 4096u);
  ByteWriter::StoreU32(wire.data() + ends[1] + 4, length);  // sample 3's length
  std::vector<uint8_t> storage;
  Datagram dg;
  const absl::Status s = DecodeCopy(wire, &storage, &dg);
  const std::string message = StatusMessage(s);
  INFO(message);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(message, "sample 3 "));
  CHECK(Contains(message, std::to_string(length)));
  CHECK(EndsWith(message, "at byte " + std::to_string(ends[1])));
  CHECK(dg.samples.size() == 2);
}

TEST_CASE("codec: an agent address of type 7 is reported at byte 4", "[sflow][codec]") {
  std::vector<uint8_t> wire = ThreeSamples();
  ByteWriter::StoreU32(wire.data() + 4, 7);
  Datagram dg;
  const absl::Status s = DecodeInto(wire, &dg);
  const std::string message = StatusMessage(s);
  INFO(message);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(message, "agent"));
  CHECK(EndsWith(message, "at byte 4"));
}

// ---- truncation ----

TEST_CASE("codec: a truncated last sample keeps the samples before it", "[sflow][codec]") {
  const std::vector<uint8_t> wire = ThreeSamples();
  const std::vector<size_t> ends = testing::SampleEnds(wire);
  REQUIRE(ends.size() == 3);
  absl::StatusOr<Datagram> full = Decode(wire);
  REQUIRE(full.ok());
  const size_t cut = ends[1] + (ends[2] - ends[1]) / 2;
  std::vector<uint8_t> storage;
  Datagram dg;
  const absl::Status s = DecodeCopy(std::span(wire).first(cut), &storage, &dg);
  INFO(StatusString(s));
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(StatusMessage(s), "sample 3 "));
  REQUIRE(dg.samples.size() == 2);
  CHECK(dg.samples[0] == full->samples[0]);
  CHECK(dg.samples[1] == full->samples[1]);
}

// Every proper prefix of a datagram without trailing padding is an error that keeps exactly the
// samples wholly inside the prefix; the full datagram decodes.
void TruncationSweep(std::span<const uint8_t> wire) {
  absl::StatusOr<Datagram> full = Decode(wire);
  INFO(StatusString(full.status()));
  REQUIRE(full.ok());
  REQUIRE(full->trailing.empty());
  const std::vector<size_t> ends = testing::SampleEnds(wire);
  REQUIRE(ends.size() == full->samples.size());
  Datagram dg;  // reused for every prefix
  std::vector<uint8_t> storage;
  size_t failures = 0;
  for (size_t n = 0; n < wire.size(); ++n) {
    const absl::Status s = DecodeCopy(wire.first(n), &storage, &dg);
    if (s.ok() || s.code() != absl::StatusCode::kInvalidArgument) {
      FAIL("prefix of " << n << " of " << wire.size() << " bytes: " << StatusString(s));
    }
    size_t whole = 0;
    while (whole < ends.size() && ends[whole] <= n) ++whole;
    if (dg.samples.size() != whole) {
      FAIL("prefix of " << n << " bytes kept " << dg.samples.size() << " samples, not " << whole);
    }
    for (size_t i = 0; i < whole; ++i) {
      if (!(dg.samples[i] == full->samples[i])) FAIL("prefix of " << n << ": sample " << i);
    }
    ++failures;
  }
  CHECK(failures == wire.size());
  REQUIRE(DecodeCopy(wire, &storage, &dg).ok());
  CHECK(dg == *full);
}

TEST_CASE("codec: every prefix of a valid datagram fails cleanly", "[sflow][codec]") {
  SECTION("three flow samples") { TruncationSweep(ThreeSamples()); }
  SECTION("every sample kind, unknown ones too") { TruncationSweep(MixedDatagram()); }
  SECTION("random datagrams") {
    testing::Rng rng(0x7E57);
    testing::DatagramOptions options;
    options.trailing = false;
    for (int i = 0; i < 40; ++i) {
      Arena arena;
      Datagram dg;
      testing::RandomDatagram(rng, arena, &dg, options);
      std::vector<uint8_t> wire;
      REQUIRE(Encode(dg, &wire).ok());
      INFO("random datagram " << i << " of " << wire.size() << " bytes");
      TruncationSweep(wire);
    }
  }
}

// ---- reuse ----

TEST_CASE("codec: DecodeInto into a reused Datagram equals a fresh decode", "[sflow][codec]") {
  const std::vector<uint8_t> a = ThreeSamples();
  const std::vector<uint8_t> b = MixedDatagram();
  std::vector<uint8_t> padded = ThreeSamples();
  padded.insert(padded.end(), {0, 0, 0, 0});
  Lie bad = LyingRecord(false, 1004, [](XdrBuilder& r) {
    r.U32(1);
    const size_t at = r.size();
    r.U32(0xffffffff);
    return at;
  });
  Datagram reused;
  const std::vector<uint8_t>* order[] = {&a, &padded, &b, &bad.bytes, &a, &b, &padded, &a};
  for (const std::vector<uint8_t>* wire : order) {
    const absl::Status s = DecodeInto(*wire, &reused);
    absl::StatusOr<Datagram> fresh = Decode(*wire);
    REQUIRE(s.ok() == fresh.ok());
    if (s.ok()) {
      CHECK(reused == *fresh);
      std::vector<uint8_t> out;
      REQUIRE(Encode(reused, &out).ok());
      CHECK(ByteDiff(out, *wire) == "");
    } else {
      CHECK(s == fresh.status());
    }
  }
}

TEST_CASE("codec: a datagram that fails early shows nothing of the previous one",
          "[sflow][codec]") {
  const std::vector<uint8_t> wire = MixedDatagram();
  Datagram dg;
  REQUIRE(DecodeInto(wire, &dg).ok());
  REQUIRE(dg.sequence_number == 1000);
  // Version 5, then an IPv4 agent cut after two of its four bytes.
  std::vector<uint8_t> storage;
  const absl::Status s = DecodeCopy(std::span(wire).first(10), &storage, &dg);
  INFO(StatusString(s) << "\n" << testing::Describe(dg));
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(dg.agent == Address{});
  CHECK(dg.sub_agent_id == 0);
  CHECK(dg.sequence_number == 0);
  CHECK(dg.uptime_ms == 0);
  CHECK(dg.samples.empty());
  CHECK(dg.trailing.empty());
}

TEST_CASE("codec: DecodeStats are running totals", "[sflow][codec]") {
  const std::vector<uint8_t> a = ThreeSamples();
  std::vector<uint8_t> v4 = a;
  ByteWriter::StoreU32(v4.data(), 4);
  const std::vector<uint8_t> cut(a.begin(), a.end() - 4);
  DecodeStats stats;
  Datagram dg;
  CHECK(DecodeInto(a, &dg, {}, &stats).ok());
  CHECK(DecodeInto(a, &dg, {}, &stats).ok());
  CHECK(DecodeInto(v4, &dg, {}, &stats).code() == absl::StatusCode::kUnimplemented);
  CHECK(DecodeInto(cut, &dg, {}, &stats).code() == absl::StatusCode::kInvalidArgument);
  CHECK(stats.datagrams == 4);
  CHECK(stats.samples == 3 + 3 + 2);
  CHECK(stats.unsupported == 1);
  CHECK(stats.malformed == 1);
  CHECK(stats.unknown_samples == 0);
}

// ---- host_cpu revisions ----

TEST_CASE("codec: host_cpu decodes and re-encodes its 68- and 80-byte forms", "[sflow][codec]") {
  // 68 bytes: three float loads and 14 unsigned ints; 80 bytes adds steal, guest, guest_nice.
  auto build = [](size_t extra_words, size_t extra_bytes) {
    XdrBuilder b = DatagramHeader(1);
    AddCountersSample(b, 1, 1, [&](XdrBuilder& s) {
      AddRecord(s, HostCpu::kFormat, [&](XdrBuilder& r) {
        r.U32(std::bit_cast<uint32_t>(0.47f))
            .U32(std::bit_cast<uint32_t>(0.58f))
            .U32(std::bit_cast<uint32_t>(0.5f));
        for (uint32_t v : {2u, 511u, 4u, 1200u, 103412u, 5240030u, 67660u, 2148900u, 145795710u,
                           4661420u, 58860u, 0u, 19770787u, 87991375u}) {
          r.U32(v);
        }
        for (size_t i = 0; i < extra_words; ++i) r.U32(static_cast<uint32_t>(11 * (i + 1)));
        for (size_t i = 0; i < extra_bytes; ++i) r.Raw({0xee});
      });
    });
    return b.bytes();
  };
  struct Form {
    size_t words, bytes;
    bool steal, guest, guest_nice;
    size_t trailing;
  };
  const Form form = GENERATE(Form{0, 0, false, false, false, 0},  // 68 bytes
                             Form{3, 0, true, true, true, 0},     // 80 bytes
                             Form{1, 0, true, false, false, 0},   // 72 bytes
                             Form{0, 2, false, false, false, 2},  // 70: too short for steal
                             Form{3, 4, true, true, true, 4});    // 84: a later revision
  const std::vector<uint8_t> wire = build(form.words, form.bytes);
  INFO("record of " << 68 + 4 * form.words + form.bytes << " bytes");
  Datagram dg;
  const absl::Status s = DecodeInto(wire, &dg);
  INFO(StatusString(s));
  REQUIRE(s.ok());
  const auto& record = std::get<CountersSample>(dg.samples.at(0).data).records[0];
  const auto& cpu = std::get<HostCpu>(record.data);
  CHECK(cpu.load_one == 0.47f);
  CHECK(cpu.load_fifteen == 0.5f);
  CHECK(cpu.proc_total == 511);
  CHECK(cpu.contexts == 87991375);
  CHECK(cpu.cpu_steal.present == form.steal);
  CHECK(cpu.cpu_guest.present == form.guest);
  CHECK(cpu.cpu_guest_nice.present == form.guest_nice);
  if (form.steal) CHECK(cpu.cpu_steal.value == 11);
  if (form.guest_nice) CHECK(cpu.cpu_guest_nice.value == 33);
  CHECK(record.trailing.size() == form.trailing);
  std::vector<uint8_t> out;
  REQUIRE(Encode(dg, &out).ok());
  CHECK(ByteDiff(out, wire) == "");
}

// ---- AsPath ----

TEST_CASE("codec: AsPath iterates segments and gives FirstAs and LastAs", "[sflow][codec]") {
  XdrBuilder w;
  w.U32(3);
  w.U32(AsPath::kAsSequence).U32(3).U32(65001).U32(65002).U32(65003);
  w.U32(AsPath::kAsSet).U32(0);
  w.U32(AsPath::kAsSet).U32(2).U32(7).U32(4200000000u);
  const std::vector<uint8_t> wire = w.bytes();
  ByteReader r(wire);
  AsPath path;
  REQUIRE(AsPath::ReadXdr(r, &path));
  CHECK(r.empty());
  CHECK(path.size() == 3);
  CHECK(path.FirstAs() == 65001);
  CHECK(path.LastAs() == 4200000000u);
  std::vector<uint32_t> types, sizes;
  for (const AsPath::Segment& segment : path) {
    types.push_back(segment.type);
    sizes.push_back(static_cast<uint32_t>(segment.asns.size()));
  }
  CHECK(types == std::vector<uint32_t>{2, 1, 1});
  CHECK(sizes == std::vector<uint32_t>{3, 0, 2});

  // Written back, it is the same bytes.
  std::vector<uint8_t> out;
  ByteWriter writer(&out);
  path.WriteXdr(writer);
  CHECK(out == wire);

  // Every shorter prefix is refused, never over-read.
  for (size_t n = 0; n < wire.size(); ++n) {
    std::vector<uint8_t> prefix(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(n));
    ByteReader pr(prefix);
    AsPath p;
    CHECK_FALSE(AsPath::ReadXdr(pr, &p));
  }

  const AsPath empty;
  CHECK(empty.FirstAs() == 0);
  CHECK(empty.LastAs() == 0);
  CHECK(empty.begin() == empty.end());

  XdrBuilder one;
  one.U32(1).U32(AsPath::kAsSequence).U32(1).U32(64500);
  ByteReader r1(one.span());
  REQUIRE(AsPath::ReadXdr(r1, &path));
  CHECK(path.FirstAs() == 64500);
  CHECK(path.LastAs() == 64500);
}

TEST_CASE("codec: extended_gateway decodes its AS path and communities", "[sflow][codec]") {
  XdrBuilder b = DatagramHeader(1);
  AddFlowSample(b, 1, 1, [](XdrBuilder& s) {
    AddRecord(s, ExtendedGateway::kFormat, [](XdrBuilder& r) {
      r.U32(2).Raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
      r.U32(39421).U32(13335).U32(174);
      r.U32(2).U32(AsPath::kAsSequence).U32(2).U32(174).U32(3356);
      r.U32(AsPath::kAsSequence).U32(1).U32(13335);
      r.U32(2).U32(0xfde80001).U32(0xfde80002);
      r.U32(100);
    });
  });
  Datagram dg;
  REQUIRE(DecodeInto(b.span(), &dg).ok());
  const auto& g =
      std::get<ExtendedGateway>(std::get<FlowSample>(dg.samples.at(0).data).records[0].data);
  CHECK(g.next_hop.type == Address::Type::kIPv6);
  CHECK(g.next_hop.bytes[1] == 0x01);
  CHECK(g.as == 39421);
  CHECK(g.dst_as_path.size() == 2);
  CHECK(g.dst_as_path.FirstAs() == 174);
  CHECK(g.dst_as_path.LastAs() == 13335);
  REQUIRE(g.communities.size() == 2);
  CHECK(g.communities[1] == 0xfde80002);
  CHECK(g.local_pref == 100);
  std::vector<uint8_t> out;
  REQUIRE(Encode(dg, &out).ok());
  CHECK(ByteDiff(out, b.bytes()) == "");
}

// ---- names ----

TEST_CASE("codec: drop reason names", "[sflow][codec]") {
  CHECK(DropReasonName(0) == "net_unreachable");
  CHECK(DropReasonName(1) == "host_unreachable");
  CHECK(DropReasonName(15) == "precedence_cutoff");
  CHECK(DropReasonName(16) == "");
  CHECK(DropReasonName(255) == "");
  CHECK(DropReasonName(256) == "unknown");
  CHECK(DropReasonName(258) == "acl");
  CHECK(DropReasonName(289) == "unknown_l4");  // the event_discarded_packet.dump reason
  CHECK(DropReasonName(999) == "");
  CHECK(DropReasonName(0xffffffff) == "");
}

template <class Record, size_t... I>
void CheckRecordNames(std::index_sequence<I...>) {
  auto check = [](auto index) {
    using T = std::variant_alternative_t<decltype(index)::value, testing::RecordData<Record>>;
    const testing::RecordData<Record> data(std::in_place_index<decltype(index)::value>);
    std::string_view name;
    if constexpr (std::is_same_v<Record, FlowRecord>) {
      name = FlowRecordName(data);
    } else {
      name = CounterRecordName(data);
    }
    INFO(T::kName);
    CHECK(name == T::kName);
    CHECK(!name.empty());
  };
  (check(std::integral_constant<size_t, I>{}), ...);
}

TEST_CASE("codec: record and sample names", "[sflow][codec]") {
  CheckRecordNames<FlowRecord>(std::make_index_sequence<testing::kAlternatives<FlowRecord>>{});
  CheckRecordNames<CounterRecord>(
      std::make_index_sequence<testing::kAlternatives<CounterRecord>>{});
  CHECK(FlowRecordName(FlowRecordData{}) == "unknown");
  CHECK(FlowRecordName(ExtendedGateway{}) == "extended_gateway");
  CHECK(CounterRecordName(HostCpu{}) == "host_cpu");
  CHECK(SampleName(Tag{0, 1}) == "flow_sample");
  CHECK(SampleName(Tag{0, 2}) == "counters_sample");
  CHECK(SampleName(Tag{0, 3}) == "flow_sample_expanded");
  CHECK(SampleName(Tag{0, 4}) == "counters_sample_expanded");
  CHECK(SampleName(Tag{0, 5}) == "discarded_packet");
  CHECK(SampleName(Tag{0, 6}) == "unknown");
  CHECK(SampleName(Tag{1, 1}) == "unknown");
}

}  // namespace
}  // namespace cistern::sflow
