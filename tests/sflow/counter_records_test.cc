// Tests for counter_records.h: the field lists of the counter structures (count, first and last
// sflowtool key, fixed wire size against the sizes InMon's sflow.h states) and the two validated
// list views, AdapterList and SfpLaneList (round trip, lying counts, truncation at every byte).
#include "cistern/sflow/counter_records.h"

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <ranges>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "cistern/base/byte_reader.h"
#include "cistern/base/byte_writer.h"

namespace cistern::sflow {
namespace {

// What a Fields() walk saw: how many fields, the first and last keys, and the XDR size of the
// fields when every one of them has a fixed size (0 if any is variable-length).
struct FieldWalk {
  size_t count = 0;
  std::string first;
  std::string last;
  size_t fixed_size = 0;
  bool variable = false;
};

template <class T>
size_t FixedXdrSize() {
  if constexpr (std::is_same_v<T, uint64_t> || std::is_same_v<T, DatapathId>) return 8;
  if constexpr (std::is_same_v<T, uint32_t> || std::is_same_v<T, int32_t> ||
                std::is_same_v<T, float> || std::is_same_v<T, Percentage> ||
                std::is_same_v<T, TrailingU32>)
    return 4;
  if constexpr (std::is_same_v<T, uint8_t>) return 1;
  if constexpr (std::is_same_v<T, MacAddress>) return 8;
  if constexpr (std::is_same_v<T, Uuid>) return 16;
  return 0;  // variable length
}

template <class T>
FieldWalk Walk() {
  FieldWalk w;
  const T record{};  // also checks that Fields() accepts a const Self
  T::Fields(record, [&](std::string_view key, const auto& field) {
    using F = std::remove_cvref_t<decltype(field)>;
    if (w.count == 0) w.first = std::string(key);
    w.last = std::string(key);
    ++w.count;
    const size_t n = FixedXdrSize<F>();
    if (n == 0) w.variable = true;
    w.fixed_size += n;
  });
  if (w.variable) w.fixed_size = 0;
  return w;
}

TEST_CASE("counter structures list their fields with sflowtool's keys", "[counter_records]") {
  SECTION("generic_interface") {
    FieldWalk w = Walk<GenericInterfaceCounters>();
    CHECK(w.count == 19);
    CHECK(w.first == "ifIndex");
    CHECK(w.last == "ifPromiscuousMode");
    CHECK(w.fixed_size == 88);
  }
  SECTION("ethernet_interface") {
    FieldWalk w = Walk<EthernetCounters>();
    CHECK(w.count == 13);
    CHECK(w.first == "dot3StatsAlignmentErrors");
    CHECK(w.last == "dot3StatsSymbolErrors");
    CHECK(w.fixed_size == 52);
  }
  SECTION("vlan") {
    FieldWalk w = Walk<VlanCounters>();
    CHECK(w.count == 6);
    CHECK(w.first == "in_vlan");
    CHECK(w.last == "discards");
    CHECK(w.fixed_size == 28);
  }
  SECTION("lag_port_stats: XDRSIZ_LACP_COUNTERS is 56") {
    FieldWalk w = Walk<LagPortStats>();
    CHECK(w.count == 15);
    CHECK(w.first == "actorSystemID");
    CHECK(w.last == "markerResponsePDUsTx");
    CHECK(w.fixed_size == 56);
  }
  SECTION("sfp") {
    FieldWalk w = Walk<SfpCounters>();
    CHECK(w.count == 5);
    CHECK(w.first == "sfp_module_id");
    CHECK(w.last == "sfp_lanes");
    CHECK(w.variable);
  }
  SECTION("processor") {
    FieldWalk w = Walk<ProcessorCounters>();
    CHECK(w.count == 5);
    CHECK(w.first == "5s_cpu");
    CHECK(w.last == "free_memory_bytes");
    CHECK(w.fixed_size == 28);
  }
  SECTION("of_port: XDRSIZ_OFPORT is 12") {
    FieldWalk w = Walk<OpenFlowPort>();
    CHECK(w.count == 2);
    CHECK(w.first == "openflow_datapath_id");
    CHECK(w.last == "openflow_port");
    CHECK(w.fixed_size == 12);
  }
  SECTION("port_name and host_descr") {
    CHECK(Walk<PortName>().first == "ifName");
    FieldWalk w = Walk<HostDescr>();
    CHECK(w.count == 5);
    CHECK(w.first == "hostname");
    CHECK(w.last == "os_release");
    CHECK(w.variable);
  }
  SECTION("host_adapters") {
    FieldWalk w = Walk<HostAdapters>();
    CHECK(w.count == 1);
    CHECK(w.first == "adaptor_list");
  }
  SECTION("host_cpu: 68 bytes, or 80 with the three fields of 2014") {
    FieldWalk w = Walk<HostCpu>();
    CHECK(w.count == 20);
    CHECK(w.first == "cpu_load_one");
    CHECK(w.last == "cpu_guest_nice");
    CHECK(w.fixed_size == 80);
  }
  SECTION("host_disk_io, mib2 groups") {
    CHECK(Walk<HostDiskIo>().fixed_size == 52);
    CHECK(Walk<Mib2IpGroup>().count == 19);
    FieldWalk icmp = Walk<Mib2IcmpGroup>();
    CHECK(icmp.count == 25);
    CHECK(icmp.first == "icmpInMsgs");
    CHECK(icmp.last == "icmpOutAddrMaskReps");
    CHECK(Walk<Mib2TcpGroup>().last == "tcpInCsumErrors");
    CHECK(Walk<Mib2UdpGroup>().fixed_size == 28);
  }
  SECTION("jvm_statistics: XDRSIZ_JMX_COUNTERS is 108") {
    FieldWalk w = Walk<JvmStatistics>();
    CHECK(w.count == 19);
    CHECK(w.first == "heap_mem_initial");
    CHECK(w.last == "fds_max");
    CHECK(w.fixed_size == 108);
  }
  SECTION("memcache, both revisions") {
    FieldWalk v1 = Walk<MemcacheCountersV1>();
    CHECK(v1.count == 33);
    CHECK(v1.first == "memcache_uptime");
    CHECK(v1.last == "memcache_evictions");
    CHECK(v1.fixed_size == 144);
    FieldWalk v2 = Walk<MemcacheCounters>();
    CHECK(v2.count == 31);
    CHECK(v2.first == "memcache_cmd_set");
    CHECK(v2.last == "memcache_limit_maxbytes");
    CHECK(v2.fixed_size == 140);
  }
  SECTION("http_counters keeps sflowtool's spelling") {
    std::vector<std::string> keys;
    const HttpCounters h{};
    HttpCounters::Fields(h, [&](std::string_view k, const auto&) { keys.emplace_back(k); });
    REQUIRE(keys.size() == 15);
    CHECK(keys[7] == "http_methd_connect_count");
    CHECK(keys.back() == "http_status_other_count");
  }
  SECTION("app_operations, vdi, app_workers, ovs_dp_stats") {
    FieldWalk app = Walk<AppOperations>();
    CHECK(app.count == 12);
    CHECK(app.first == "application");
    CHECK(app.last == "errors_UNAUTHORIZED");
    CHECK(Walk<VdiCounters>().fixed_size == 92);
    CHECK(Walk<AppWorkers>().fixed_size == 20);
    FieldWalk ovs = Walk<OvsDpStats>();
    CHECK(ovs.fixed_size == 24);  // XDRSIZE_OVSDP
    CHECK(ovs.last == "OVS_dp_masks");
  }
}

template <class... T>
std::vector<uint32_t> Formats(std::variant<UnknownCounterRecord, T...>*) {
  return {T::kFormat...};
}

TEST_CASE("every counter structure has its own format number", "[counter_records]") {
  std::vector<uint32_t> formats = Formats(static_cast<CounterRecordData*>(nullptr));
  CHECK(formats.size() == 38);
  CHECK(std::set<uint32_t>(formats.begin(), formats.end()).size() == formats.size());
}

// ---- Wire builders for the list tests ----

void PutU32(std::vector<uint8_t>* out, uint32_t v) {
  ByteWriter w(out);
  w.WriteU32(v);
}

void PutMac(std::vector<uint8_t>* out, uint8_t last) {
  for (uint8_t b :
       {uint8_t{0x02}, uint8_t{0x42}, uint8_t{0xac}, uint8_t{0x11}, uint8_t{0x00}, last})
    out->push_back(b);
  out->push_back(0);
  out->push_back(0);
}

// Two adapters: ifIndex 3 with MACs ..:01 and ..:02, ifIndex 7 with none.
std::vector<uint8_t> TwoAdapters() {
  std::vector<uint8_t> b;
  PutU32(&b, 2);
  PutU32(&b, 3);
  PutU32(&b, 2);
  PutMac(&b, 0x01);
  PutMac(&b, 0x02);
  PutU32(&b, 7);
  PutU32(&b, 0);
  return b;
}

static_assert(std::ranges::input_range<AdapterList>);
static_assert(std::ranges::input_range<SfpLaneList>);

TEST_CASE("AdapterList reads, iterates and writes back", "[counter_records][adapters]") {
  std::vector<uint8_t> wire = TwoAdapters();
  const size_t list_size = wire.size();
  PutU32(&wire, 0xdeadbeef);  // what follows the list must not be consumed

  ByteReader r(wire);
  AdapterList list;
  REQUIRE(AdapterList::ReadXdr(r, &list));
  CHECK(r.ok());
  CHECK(r.offset() == list_size);
  REQUIRE(list.size() == 2);

  std::vector<AdapterList::Adapter> adapters(list.begin(), list.end());
  REQUIRE(adapters.size() == 2);
  CHECK(adapters[0].if_index == 3);
  CHECK(adapters[0].mac_count == 2);
  CHECK(adapters[0].mac(0) == MacAddress{{0x02, 0x42, 0xac, 0x11, 0x00, 0x01}});
  CHECK(adapters[0].mac(1) == MacAddress{{0x02, 0x42, 0xac, 0x11, 0x00, 0x02}});
  CHECK(adapters[1].if_index == 7);
  CHECK(adapters[1].mac_count == 0);

  std::vector<uint8_t> out;
  ByteWriter w(&out);
  list.WriteXdr(w);
  CHECK(out == std::vector<uint8_t>(wire.begin(), wire.begin() + list_size));

  ByteReader again(out);
  AdapterList copy;
  REQUIRE(AdapterList::ReadXdr(again, &copy));
  CHECK(again.empty());
  CHECK(copy == list);  // content equality across two buffers
  CHECK_FALSE(copy == AdapterList());
}

TEST_CASE("AdapterList: an empty list", "[counter_records][adapters]") {
  std::vector<uint8_t> wire;
  PutU32(&wire, 0);
  ByteReader r(wire);
  AdapterList list;
  REQUIRE(AdapterList::ReadXdr(r, &list));
  CHECK(list.empty());
  CHECK(list.begin() == list.end());
  CHECK(list == AdapterList());
}

TEST_CASE("AdapterList rejects lying counts", "[counter_records][adapters]") {
  const AdapterList sentinel(9, {});
  auto fails = [&](const std::vector<uint8_t>& wire) {
    ByteReader r(wire);
    AdapterList out = sentinel;
    bool ok = AdapterList::ReadXdr(r, &out);
    return !ok && !r.ok() && out == sentinel;
  };

  SECTION("adapter count larger than the bytes can hold") {
    for (uint32_t count : {3u, 1000u, 0x20000000u, 0xffffffffu}) {
      std::vector<uint8_t> wire = TwoAdapters();
      ByteWriter::StoreU32(wire.data(), count);
      CHECK(fails(wire));
    }
  }
  SECTION("MAC count larger than the bytes can hold, including n*8 overflowing 32 bits") {
    // The first adapter's MAC count sits at byte 8.
    for (uint32_t n : {3u, 5u, 0x20000000u, 0x20000001u, 0x80000000u, 0xffffffffu}) {
      std::vector<uint8_t> wire = TwoAdapters();
      ByteWriter::StoreU32(wire.data() + 8, n);
      CHECK(fails(wire));
    }
  }
  SECTION("a reader that has already failed") {
    std::vector<uint8_t> wire = TwoAdapters();
    ByteReader r(wire);
    r.Fail();
    AdapterList out = sentinel;
    CHECK_FALSE(AdapterList::ReadXdr(r, &out));
    CHECK(out == sentinel);
  }
}

TEST_CASE("AdapterList fails on truncation at every byte", "[counter_records][adapters]") {
  const std::vector<uint8_t> wire = TwoAdapters();
  for (size_t len = 0; len < wire.size(); ++len) {
    CAPTURE(len);
    ByteReader r(wire.data(), len);
    AdapterList out;
    CHECK_FALSE(AdapterList::ReadXdr(r, &out));
    CHECK_FALSE(r.ok());
    CHECK(out.empty());
  }
}

TEST_CASE("AdapterList iteration stays in bounds over unvalidated bytes",
          "[counter_records][adapters]") {
  // Not what the decoder produces, but the iterator must still neither crash nor loop forever.
  std::vector<uint8_t> wire = TwoAdapters();
  const std::span<const uint8_t> body = std::span<const uint8_t>(wire).subspan(4);
  ByteWriter::StoreU32(wire.data() + 8, 0xffffffffu);  // first MAC count lies
  for (size_t len = 0; len <= body.size(); ++len) {
    AdapterList list(5, body.first(len));
    size_t seen = 0, mac_bytes = 0;
    for (const AdapterList::Adapter& a : list) {
      ++seen;
      for (uint32_t i = 0; i < a.mac_count; ++i) mac_bytes += a.mac(i).bytes.size() + 2;
    }
    CHECK(seen == 5);
    CHECK(mac_bytes <= len);
  }
}

// ---- SfpLaneList ----

std::vector<uint8_t> TwoLanes() {
  std::vector<uint8_t> b;
  PutU32(&b, 2);
  for (uint32_t lane = 1; lane <= 2; ++lane) {
    for (uint32_t f = 0; f < 10; ++f) PutU32(&b, lane * 100 + f);
  }
  return b;
}

TEST_CASE("SfpLaneList reads, indexes and writes back", "[counter_records][sfp]") {
  std::vector<uint8_t> wire = TwoLanes();
  const size_t list_size = wire.size();
  PutU32(&wire, 0xdeadbeef);

  ByteReader r(wire);
  SfpLaneList lanes;
  REQUIRE(SfpLaneList::ReadXdr(r, &lanes));
  CHECK(r.offset() == list_size);
  REQUIRE(lanes.size() == 2);

  SfpLaneList::Lane l = lanes[1];
  CHECK(l.index == 200);
  CHECK(l.tx_bias_current_ua == 201);
  CHECK(l.tx_power_uw == 202);
  CHECK(l.tx_wavelength_nm == 205);
  CHECK(l.rx_power_uw == 206);
  CHECK(l.rx_wavelength_nm == 209);

  size_t n = 0;
  for (const SfpLaneList::Lane& lane : lanes) {
    CHECK(lane.index == 100 * (n + 1));
    ++n;
  }
  CHECK(n == 2);

  size_t keys = 0;
  SfpLaneList::Lane::Fields(l, [&](std::string_view, const uint32_t&) { ++keys; });
  CHECK(keys == 10);

  std::vector<uint8_t> out;
  ByteWriter w(&out);
  lanes.WriteXdr(w);
  CHECK(out == std::vector<uint8_t>(wire.begin(), wire.begin() + list_size));

  ByteReader again(out);
  SfpLaneList copy;
  REQUIRE(SfpLaneList::ReadXdr(again, &copy));
  CHECK(copy == lanes);

  SfpCounters a, b;
  a.lanes = lanes;
  b.lanes = copy;
  CHECK(a == b);
  b.module_temperature = -5000;
  CHECK_FALSE(a == b);
}

TEST_CASE("SfpLaneList rejects lying counts and truncation", "[counter_records][sfp]") {
  SECTION("lane count larger than the bytes can hold") {
    for (uint32_t count : {3u, 0x06666667u, 0x80000000u, 0xffffffffu}) {
      std::vector<uint8_t> wire = TwoLanes();
      ByteWriter::StoreU32(wire.data(), count);
      ByteReader r(wire);
      SfpLaneList out;
      CHECK_FALSE(SfpLaneList::ReadXdr(r, &out));
      CHECK_FALSE(r.ok());
      CHECK(out.empty());
    }
  }
  SECTION("truncation at every byte") {
    const std::vector<uint8_t> wire = TwoLanes();
    for (size_t len = 0; len < wire.size(); ++len) {
      CAPTURE(len);
      ByteReader r(wire.data(), len);
      SfpLaneList out;
      CHECK_FALSE(SfpLaneList::ReadXdr(r, &out));
      CHECK_FALSE(r.ok());
      CHECK(out.empty());
    }
  }
}

TEST_CASE("CounterRecord compares by content", "[counter_records]") {
  CounterRecord a{Tag{0, 2003}, HostCpu{}, Bytes(), Bytes()};
  CounterRecord b = a;
  CHECK(a == b);
  std::get<HostCpu>(b.data).cpu_steal = TrailingU32{true, 0};
  CHECK_FALSE(a == b);
  CHECK(std::get<HostCpu>(a.data).kFormat == a.tag.format);
}

}  // namespace
}  // namespace cistern::sflow
