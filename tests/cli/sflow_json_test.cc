// Unit tests of cistern-cli's sflowtool-style JSON for structures the shared captures do not hold.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "cistern/base/byte_writer.h"
#include "json_test_support.h"
#include "sflow_json.h"

namespace cistern::cli {
namespace {

using namespace cistern::sflow;

// Renders a one-sample datagram holding `record` and returns the parsed element object.
std::string Render(const FlowRecord& record) {
  Datagram dg;
  dg.agent = Address::IPv4(192, 0, 2, 1);
  Sample& s = dg.samples.emplace_back();
  s.tag = Tag{0, kFlowSampleFormat};
  s.data.emplace<FlowSample>().records = std::span<const FlowRecord>(&record, 1);
  std::string out;
  AppendDatagramJson(dg, DatagramContext{}, absl::OkStatus(), &out);
  return out;
}

TEST_CASE("sflow json: long composite values are never truncated") {
  // 600 communities and a 300-AS sequence: thousands of characters of text.
  std::vector<uint8_t> communities, path;
  ByteWriter c(&communities), p(&path);
  for (uint32_t i = 0; i < 600; ++i) c.WriteU32(65000u * 65536u + i);
  p.WriteU32(AsPath::kAsSequence);
  p.WriteU32(300);
  for (uint32_t i = 0; i < 300; ++i) p.WriteU32(4200000000u + i);

  FlowRecord r;
  r.tag = Tag{0, ExtendedGateway::kFormat};
  ExtendedGateway& g = r.data.emplace<ExtendedGateway>();
  g.communities = U32List(communities);
  g.dst_as_path = AsPath(1, path);

  std::string line = Render(r);
  std::string error;
  auto json = cistern::testing::ParseJson(line, &error);
  REQUIRE(json.has_value());
  const auto* element = &json->Find("samples")->array[0].Find("elements")->array[0];
  const std::string& comm = element->Find("BGP_communities")->text;
  CHECK(std::count(comm.begin(), comm.end(), '-') == 599);
  CHECK(comm.substr(comm.size() - 10) == "4259840599");
  const std::string& as_path = element->Find("dst_as_path")->text;
  CHECK(std::count(as_path.begin(), as_path.end(), '-') == 299);
  CHECK(element->Find("dst_as")->text == "4200000299");
  CHECK(element->Find("dst_peer_as")->text == "4200000000");
}

}  // namespace
}  // namespace cistern::cli
