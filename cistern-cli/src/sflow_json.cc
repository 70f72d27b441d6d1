// sflowtool-compatible JSON. The generic part walks each structure's Fields(); the overrides below
// reproduce the extra keys sflowtool derives (IPSize, TCPSrcPort, dst_as ...), the keys of its
// sampled-header decode (sflowtool_header.h) and its text forms for composite values (AS paths,
// label stacks).
#include "sflow_json.h"

#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cistern/sflow/codec.h"
#include "cistern/sflow/drop_reasons.h"
#include "json_writer.h"
#include "sflowtool_header.h"
#include "sflowtool_text.h"

namespace cistern::cli {
namespace {

using namespace cistern::sflow;

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

void AppendHex(std::string* s, std::span<const uint8_t> bytes, bool upper, char sep) {
  const char* hex = upper ? kHexUpper : kHexLower;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (sep && i) s->push_back(sep);
    s->push_back(hex[bytes[i] >> 4]);
    s->push_back(hex[bytes[i] & 15]);
  }
}

// Text of one value (an address, an AS path). Short values, nearly all of them, stay in the inline
// buffer; a longer one (a path of hundreds of communities) moves to the heap, never truncated.
class Text {
 public:
  void Clear() {
    n_ = 0;
    long_.clear();
  }
  void Append(std::string_view s) {
    for (char c : s) Push(c);
  }
  void Push(char c) {
    if (n_ < sizeof buf_) {
      buf_[n_++] = c;
      return;
    }
    if (long_.empty()) long_.assign(buf_, n_);
    long_.push_back(c);
  }
  void AppendU32(uint32_t v) {
    char tmp[12];
    auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
    Append(std::string_view(tmp, end - tmp));
  }
  void AppendHex(std::span<const uint8_t> bytes, bool upper, char sep) {
    const char* hex = upper ? kHexUpper : kHexLower;
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (sep && i) Push(sep);
      Push(hex[bytes[i] >> 4]);
      Push(hex[bytes[i] & 15]);
    }
  }
  std::string_view view() const {
    return long_.empty() ? std::string_view(buf_, n_) : std::string_view(long_);
  }

 private:
  char buf_[256];
  size_t n_ = 0;
  std::string long_;
};

// sflowtool's text forms (sflowtool_text.h): IPv6 in full, four hex digits per group.
void FormatIpv4(Text& t, const uint8_t* b) { t.Append(Ipv4Text(b).view()); }
void FormatIpv6(Text& t, const uint8_t* b) { t.Append(Ipv6Text(b).view()); }
void FormatAddress(Text& t, const Address& a) { t.Append(AddressText(a).view()); }

// sflowtool decodes the sampled headers of a sample with state carried from one record to the next
// (sflowtool_header.h), and may read past a header into the rest of the datagram's bytes.
struct SampleHeaderDecode {
  std::span<const uint8_t> datagram;  // empty when unknown
  SflowtoolSampleState state;
};

// The keys of sflowtool's header decode, printed into the HEADER element.
class HeaderDecodeKeys : public SflowtoolKeySink {
 public:
  HeaderDecodeKeys(JsonWriter& j, std::string_view prefix) : j_(j), prefix_(prefix) {}
  void Number(std::string_view key, int64_t value) override { j_.Member(key, value, prefix_); }
  void Text(std::string_view key, std::string_view value) override {
    j_.StringMember(key, value, prefix_);
  }

 private:
  JsonWriter& j_;
  std::string_view prefix_;
};

void PrintFlowRecord(JsonWriter& j, const FlowRecord& r, std::string_view prefix,
                     SampleHeaderDecode& decode);

// Aggregated 802.11 PDUs nest flow records, which may nest aggregates again: printing stops
// descending (and prints the PDU's bytes) past this depth.
constexpr int kMaxAggregationDepth = 4;
thread_local int g_aggregation_depth = 0;

// Walks Fields() and prints each value in sflowtool's form.
struct FieldPrinter {
  JsonWriter& j;
  std::string_view prefix;
  Text text;

  template <class T>
  void operator()(std::string_view name, const T& v) {
    text.Clear();
    if constexpr (std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t> ||
                  std::is_same_v<T, int32_t> || std::is_same_v<T, uint8_t>) {
      j.Member(name, v, prefix);
    } else if constexpr (std::is_same_v<T, float>) {
      j.Key(name, prefix);
      j.Double(v, 3);
    } else if constexpr (std::is_same_v<T, TrailingU32>) {
      if (v.present) j.Member(name, v.value, prefix);
    } else if constexpr (std::is_same_v<T, Percentage>) {
      j.Key(name, prefix);
      if (v.known()) {
        j.Double(v.percent(), 2);
      } else {
        j.String("unknown");
      }
    } else if constexpr (std::is_same_v<T, DatapathId>) {
      char buf[20];
      std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v.value));
      j.StringMember(name, buf, prefix);
    } else if constexpr (std::is_same_v<T, Address>) {
      FormatAddress(text, v);
      j.StringMember(name, text.view(), prefix);
    } else if constexpr (std::is_same_v<T, Ipv4Address>) {
      FormatIpv4(text, v.bytes.data());
      j.StringMember(name, text.view(), prefix);
    } else if constexpr (std::is_same_v<T, Ipv6Address>) {
      FormatIpv6(text, v.bytes.data());
      j.StringMember(name, text.view(), prefix);
    } else if constexpr (std::is_same_v<T, MacAddress>) {
      text.AppendHex(v.bytes, false, 0);
      j.StringMember(name, text.view(), prefix);
    } else if constexpr (std::is_same_v<T, Uuid>) {
      const auto& u = v.bytes;
      text.AppendHex(std::span(u).subspan(0, 4), false, 0);
      text.Push('-');
      text.AppendHex(std::span(u).subspan(4, 2), false, 0);
      text.Push('-');
      text.AppendHex(std::span(u).subspan(6, 2), false, 0);
      text.Push('-');
      text.AppendHex(std::span(u).subspan(8, 2), false, 0);
      text.Push('-');
      text.AppendHex(std::span(u).subspan(10, 6), false, 0);
      j.StringMember(name, text.view(), prefix);
    } else if constexpr (std::is_same_v<T, std::string_view>) {
      j.StringMember(name, v, prefix);
    } else if constexpr (std::is_same_v<T, Bytes>) {
      j.Key(name, prefix);
      std::string* s = j.out();
      // Written straight into the output: headers can be long.
      j.Raw("\"");
      AppendHex(s, v.span(), true, '-');
      s->push_back('"');
    } else if constexpr (std::is_same_v<T, U32List>) {
      if (v.empty()) return;  // sflowtool omits empty lists
      if (name == "mpls_input_stack" || name == "mpls_output_stack") {
        // label.exp.bos.ttl per entry (RFC 3032), as sflowtool prints them
        bool first = true;
        for (uint32_t e : v) {
          if (!first) text.Push('-');
          first = false;
          text.AppendU32(e >> 12);
          text.Push('.');
          text.AppendU32((e >> 9) & 7);
          text.Push('.');
          text.AppendU32((e >> 8) & 1);
          text.Push('.');
          text.AppendU32(e & 255);
        }
      } else if (name == "vlan_tunnel") {
        // 0xTPID followed by pri.cfi.vlan per entry
        bool first = true;
        for (uint32_t e : v) {
          if (!first) text.Push('-');
          first = false;
          uint8_t tpid[2] = {static_cast<uint8_t>(e >> 24), static_cast<uint8_t>(e >> 16)};
          text.Append("0x");
          text.AppendHex(tpid, false, 0);
          text.AppendU32((e >> 13) & 7);
          text.Push('.');
          text.AppendU32((e >> 12) & 1);
          text.Push('.');
          text.AppendU32(e & 4095);
        }
      } else {
        bool first = true;
        for (uint32_t e : v) {
          if (!first) text.Push('-');
          first = false;
          text.AppendU32(e);
        }
      }
      j.StringMember(name, text.view(), prefix);
    } else if constexpr (std::is_same_v<T, AsPath>) {
      if (v.empty()) return;
      bool first_segment = true;
      for (const AsPath::Segment& seg : v) {
        (void)first_segment;
        first_segment = false;
        if (seg.type == AsPath::kAsSet) text.Push('(');
        bool first = true;
        for (uint32_t as : seg.asns) {
          if (!first) text.Push('-');
          first = false;
          text.AppendU32(as);
        }
        if (seg.type == AsPath::kAsSet) text.Push(')');
      }
      j.StringMember(name, text.view(), prefix);
    } else if constexpr (std::is_same_v<T, AdapterList>) {
      // "adaptor_list":[{"ifIndex":1,"MACs":1,"mac_list":["001122334455"]}], as sflowtool
      j.Key(name, prefix);
      j.BeginArray();
      for (const AdapterList::Adapter& a : v) {
        j.BeginObject();
        j.Member("ifIndex", a.if_index);
        j.Member("MACs", a.mac_count);
        j.Key("mac_list");
        j.BeginArray();
        for (size_t i = 0; i < a.mac_count; ++i) {
          text.Clear();
          text.AppendHex(a.mac(i).bytes, false, 0);
          j.String(text.view());
        }
        j.EndArray();
        j.EndObject();
      }
      j.EndArray();
    } else if constexpr (std::is_same_v<T, SfpLaneList>) {
      j.Member(SfpLaneList::kCountKey, v.size(), prefix);
      j.Key(name, prefix);
      j.BeginArray();
      for (const SfpLaneList::Lane& lane : v) {
        j.BeginObject();
        FieldPrinter inner{j, {}, {}};
        SfpLaneList::Lane::Fields(lane, inner);
        j.EndObject();
      }
      j.EndArray();
    } else if constexpr (std::is_same_v<T, PduList>) {
      // sflowtool does not decode this structure; our form: the count, then each PDU's records.
      j.Member("aggregation_num_pdus", v.size(), prefix);
      j.Key(name, prefix);
      j.BeginArray();
      ++g_aggregation_depth;
      for (const PduList::Pdu& pdu : v) {
        j.BeginObject();
        if (g_aggregation_depth > kMaxAggregationDepth) {
          FieldPrinter inner{j, {}, {}};
          inner("pduBytes", Bytes(pdu.records));
        } else {
          std::vector<FlowRecord> records;  // a rare structure: allocating here is fine
          absl::Status status = DecodeFlowRecords(pdu, &records);
          SampleHeaderDecode pdu_decode;  // sflowtool does not decode PDUs: each is a sample here
          j.Key("elements");
          j.BeginArray();
          for (const FlowRecord& r : records) PrintFlowRecord(j, r, prefix, pdu_decode);
          j.EndArray();
          if (!status.ok()) {
            j.StringMember("error",
                           std::string_view(status.message().data(), status.message().size()));
          }
        }
        j.EndObject();
      }
      --g_aggregation_depth;
      j.EndArray();
    } else {
      static_assert(requires(const T& t, FieldPrinter& p) { T::Fields(t, p); },
                    "a field type the JSON printer does not know");
      T::Fields(v, *this);  // nested structure: its fields inline
    }
  }
};

template <class T>
std::string_view PrefixOf() {
  if constexpr (requires { T::kPrefix; }) {
    return T::kPrefix;
  } else {
    return {};
  }
}

// The sflowtool label of a flow record ("flowSampleType":"HEADER", "extendedType":"SWITCH").
struct Label {
  std::string_view key;
  std::string_view value;
};

template <class T>
Label FlowLabel() {
  if constexpr (std::is_base_of_v<SampledHeader, T>) return {"flowSampleType", "HEADER"};
  else if constexpr (std::is_base_of_v<SampledEthernet, T>) return {"flowSampleType", "ETHERNET"};
  else if constexpr (std::is_base_of_v<SampledIpv4, T>) return {"flowSampleType", "IPV4"};
  else if constexpr (std::is_base_of_v<SampledIpv6, T>) return {"flowSampleType", "IPV6"};
  else if constexpr (std::is_same_v<T, ExtendedSwitch>) return {"extendedType", "SWITCH"};
  else if constexpr (std::is_same_v<T, ExtendedRouter>) return {"extendedType", "ROUTER"};
  else if constexpr (std::is_same_v<T, ExtendedGateway>) return {"extendedType", "GATEWAY"};
  else if constexpr (std::is_same_v<T, ExtendedUser>) return {"extendedType", "USER"};
  else if constexpr (std::is_same_v<T, ExtendedUrl>) return {"extendedType", "URL"};
  else if constexpr (std::is_same_v<T, ExtendedMpls>) return {"extendedType", "MPLS"};
  else if constexpr (std::is_same_v<T, ExtendedNat>) return {"extendedType", "NAT"};
  else if constexpr (std::is_same_v<T, ExtendedNatPort>) return {"extendedType", "NAT PORT"};
  else if constexpr (std::is_base_of_v<ExtendedDecapEgress, T>) return {"extendedType", "decap"};
  else if constexpr (std::is_base_of_v<ExtendedVniEgress, T>) return {"extendedType", "VNI"};
  else if constexpr (std::is_same_v<T, ExtendedEgressQueue>) return {"extendedType", "egress_queue"};
  else if constexpr (std::is_same_v<T, ExtendedFunction>) return {"extendedType", "function"};
  else if constexpr (std::is_same_v<T, ExtendedTransit>) return {"extendedType", "transit_delay"};
  else if constexpr (std::is_same_v<T, ExtendedQueue>) return {"extendedType", "queue_depth"};
  else if constexpr (std::is_same_v<T, ExtendedHwTrap>) return {"extendedType", "hw_trap"};
  else if constexpr (std::is_same_v<T, ExtendedLinuxDropReason>) return {"extendedType", "linux_reason"};
  else if constexpr (std::is_same_v<T, ExtendedTimestamp>) return {"extendedType", "timestamp"};
  else if constexpr (std::is_same_v<T, ExtendedSocketIpv4>) return {"extendedType", "socket4"};
  else if constexpr (std::is_same_v<T, ExtendedSocketIpv6>) return {"extendedType", "socket6"};
  else if constexpr (std::is_same_v<T, ExtendedProxySocketIpv4>) return {"extendedType", "proxy_socket4"};
  else if constexpr (std::is_same_v<T, ExtendedProxySocketIpv6>) return {"extendedType", "proxy_socket6"};
  else if constexpr (std::is_same_v<T, SampledMemcache>) return {"flowSampleType", "memcache"};
  else if constexpr (std::is_same_v<T, SampledHttpV1> || std::is_same_v<T, SampledHttp>) return {"flowSampleType", "http"};
  else if constexpr (std::is_same_v<T, SampledAppOperation>) return {"flowSampleType", "applicationOperation"};
  else if constexpr (std::is_same_v<T, ExtendedProxyRequest>) return {"extendedType", "proxy_request"};
  else if constexpr (std::is_same_v<T, ExtendedNavTiming>) return {"extendedType", "nav_timing"};
  else if constexpr (std::is_same_v<T, ExtendedEntities>) return {"extendedType", "entities"};
  else return {};
}

// sflowtool derives the L4 keys of sampled_ipv4/ipv6 from the protocol.
template <class T>
void PrintSampledIp(JsonWriter& j, std::string_view prefix, const T& ip) {
  FieldPrinter p{j, prefix, {}};
  j.Member("sampledPacketSize", ip.length, prefix);
  j.Member("IPSize", ip.length, prefix);
  if constexpr (std::is_base_of_v<SampledIpv4, T>) {
    p("srcIP", ip.src_ip);
    p("dstIP", ip.dst_ip);
  } else {
    p("srcIP6", ip.src_ip);
    p("dstIP6", ip.dst_ip);
  }
  j.Member("IPProtocol", ip.protocol, prefix);
  if constexpr (std::is_base_of_v<SampledIpv4, T>) {
    j.Member("IPTOS", ip.tos, prefix);
  } else {
    j.Member("priority", ip.priority, prefix);
  }
  switch (ip.protocol) {
    case 1:
      j.Member("ICMPType", ip.dst_port, prefix);
      break;
    case 6:
      j.Member("TCPSrcPort", ip.src_port, prefix);
      j.Member("TCPDstPort", ip.dst_port, prefix);
      j.Member("TCPFlags", ip.tcp_flags, prefix);
      break;
    case 17:
      j.Member("UDPSrcPort", ip.src_port, prefix);
      j.Member("UDPDstPort", ip.dst_port, prefix);
      break;
    default:
      // Not printed by sflowtool for other protocols; kept so no decoded field is lost.
      j.Member("srcPort", ip.src_port, prefix);
      j.Member("dstPort", ip.dst_port, prefix);
      j.Member("TCPFlags", ip.tcp_flags, prefix);
  }
}

constexpr std::string_view kAppStatus[] = {
    "SUCCESS",  "OTHER",     "TIMEOUT",         "INTERNAL_ERROR", "BAD_REQUEST",  "FORBIDDEN",
    "TOO_LARGE", "NOT_IMPLEMENTED", "NOT_FOUND", "UNAVAILABLE",    "UNAUTHORIZED"};

template <class T>
void PrintFlowRecordBody(JsonWriter& j, std::string_view prefix, const T& rec,
                         SampleHeaderDecode& decode) {
  const std::string_view own = PrefixOf<T>();
  const Label label = FlowLabel<T>();
  if (!label.key.empty()) {
    // Tunnel and decap/VNI records carry their prefix in the label value too ("tunnel_l2_out_ETHERNET").
    char buf[64];
    size_t n = 0;
    if (!std::is_base_of_v<ExtendedSocketIpv4, T> && !std::is_base_of_v<ExtendedSocketIpv6, T>) {
      for (char c : own) buf[n++] = c;
    }
    for (char c : label.value) buf[n++] = c;
    j.StringMember(label.key, std::string_view(buf, n), prefix);
  }
  // A record's own prefix stacks after the sample's ("discarded_" + "tunnel_l2_out_").
  char pbuf[64];
  size_t pn = 0;
  for (char c : prefix) pbuf[pn++] = c;
  for (char c : own) pbuf[pn++] = c;
  const std::string_view full(pbuf, pn);

  if constexpr (std::is_base_of_v<SampledIpv4, T> || std::is_base_of_v<SampledIpv6, T>) {
    PrintSampledIp(j, full, rec);
  } else if constexpr (std::is_same_v<T, SampledHeader>) {
    j.Member("headerProtocol", rec.header_protocol, full);
    j.Member("sampledPacketSize", rec.frame_length, full);
    j.Member("strippedBytes", rec.stripped, full);
    j.Member("headerLen", rec.header.size(), full);
    FieldPrinter p{j, full, {}};
    p("headerBytes", rec.header);
    HeaderDecodeKeys keys(j, full);
    DecodeHeaderAsSflowtool(rec, decode.datagram, &decode.state, &keys);
  } else if constexpr (std::is_same_v<T, Extended80211Payload>) {
    j.Member("cipher_suite", rec.cipher_suite, full);
    PrintFlowRecordBody(j, prefix, rec.header, decode);
  } else if constexpr (std::is_same_v<T, ExtendedGateway>) {
    FieldPrinter p{j, full, {}};
    p("bgp_nexthop", rec.next_hop);
    j.Member("my_as", rec.as, full);
    j.Member("src_as", rec.src_as, full);
    j.Member("src_peer_as", rec.src_peer_as, full);
    p("dst_as_path", rec.dst_as_path);
    j.Member("dst_as", rec.dst_as_path.LastAs(), full);
    j.Member("dst_peer_as", rec.dst_as_path.FirstAs(), full);
    p("BGP_communities", rec.communities);
    j.Member("BGP_localpref", rec.local_pref, full);
  } else if constexpr (std::is_same_v<T, ExtendedTcpInfo>) {
    constexpr std::string_view kDir[] = {"unknown", "received", "sent"};
    j.StringMember("tcpinfo_direction", rec.direction < 3 ? kDir[rec.direction] : "<bad value>",
                   full);
    FieldPrinter p{j, full, {}};
    bool first = true;
    T::Fields(rec, [&](std::string_view name, const uint32_t& v) {
      if (first) {
        first = false;  // the direction, printed above
        return;
      }
      p(name, v);
    });
  } else if constexpr (std::is_same_v<T, SampledAppOperation>) {
    FieldPrinter p{j, full, {}};
    T::Fields(rec, [&](std::string_view name, const auto& v) {
      if (name == "status") {
        uint32_t s = rec.status;
        if (s < std::size(kAppStatus)) {
          j.StringMember("status", kAppStatus[s], full);
        } else {
          char buf[40];
          std::snprintf(buf, sizeof buf, "<out-of-range=%u>", s);
          j.StringMember("status", buf, full);
        }
      } else {
        p(name, v);
      }
    });
  } else {
    FieldPrinter p{j, full, {}};
    T::Fields(rec, p);
  }
}

void AppendTag(JsonWriter& j, std::string_view key, Tag tag, std::string_view prefix) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%u:%u", tag.enterprise, tag.format);
  j.StringMember(key, std::string_view(buf, n), prefix);
}

void PrintFlowRecord(JsonWriter& j, const FlowRecord& r, std::string_view prefix,
                     SampleHeaderDecode& decode) {
  j.BeginObject();
  AppendTag(j, "flowBlock_tag", r.tag, prefix);
  std::visit(
      [&](const auto& rec) {
        using T = std::decay_t<decltype(rec)>;
        if constexpr (std::is_same_v<T, UnknownFlowRecord>) {
          FieldPrinter p{j, prefix, {}};
          p("opaqueBytes", rec.body);
        } else {
          PrintFlowRecordBody(j, prefix, rec, decode);
        }
      },
      r.data);
  if (!r.trailing.empty()) {
    FieldPrinter p{j, prefix, {}};
    p("trailingBytes", r.trailing);
  }
  j.EndObject();
}

void PrintCounterRecord(JsonWriter& j, const CounterRecord& r) {
  j.BeginObject();
  AppendTag(j, "counterBlock_tag", r.tag, {});
  std::visit(
      [&](const auto& rec) {
        using T = std::decay_t<decltype(rec)>;
        FieldPrinter p{j, {}, {}};
        if constexpr (std::is_same_v<T, UnknownCounterRecord>) {
          p("opaqueBytes", rec.body);
        } else {
          T::Fields(rec, p);
        }
      },
      r.data);
  if (!r.trailing.empty()) {
    FieldPrinter p{j, {}, {}};
    p("trailingBytes", r.trailing);
  }
  j.EndObject();
}

void PrintPort(JsonWriter& j, std::string_view key, Interface i) {
  char buf[40];
  switch (i.format) {
    case 0:
      j.Member(key, i.value);
      return;
    case 1:
      std::snprintf(buf, sizeof buf, "dropCode %u", i.value);
      break;
    case 2:
      std::snprintf(buf, sizeof buf, "multiple %u", i.value);
      break;
    default:
      std::snprintf(buf, sizeof buf, "format==%u %u", i.format, i.value);
  }
  j.StringMember(key, buf);
}

void PrintSource(JsonWriter& j, DataSource s) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%u:%u", s.type, s.index);
  j.StringMember("sourceId", std::string_view(buf, n));
}

void PrintSample(JsonWriter& j, const Sample& sample, std::span<const uint8_t> datagram) {
  SampleHeaderDecode decode{datagram, {}};  // sflowtool's state starts from zeros in every sample
  j.BeginObject();
  AppendTag(j, "sampleType_tag", sample.tag, {});
  if (const auto* f = std::get_if<FlowSample>(&sample.data)) {
    j.StringMember("sampleType", "FLOWSAMPLE");
    j.Member("sampleSequenceNo", f->sequence_number);
    PrintSource(j, f->source);
    j.Member("meanSkipCount", f->sampling_rate);
    j.Member("samplePool", f->sample_pool);
    j.Member("dropEvents", f->drops);
    PrintPort(j, "inputPort", f->input);
    PrintPort(j, "outputPort", f->output);
    j.Key("elements");
    j.BeginArray();
    for (const FlowRecord& r : f->records) PrintFlowRecord(j, r, {}, decode);
    j.EndArray();
  } else if (const auto* c = std::get_if<CountersSample>(&sample.data)) {
    j.StringMember("sampleType", "COUNTERSSAMPLE");
    j.Member("sampleSequenceNo", c->sequence_number);
    PrintSource(j, c->source);
    j.Key("elements");
    j.BeginArray();
    for (const CounterRecord& r : c->records) PrintCounterRecord(j, r);
    j.EndArray();
  } else if (const auto* d = std::get_if<DiscardedPacketSample>(&sample.data)) {
    j.StringMember("sampleType", "DISCARD");
    j.Member("sampleSequenceNo", d->sequence_number);
    PrintSource(j, d->source);
    j.Member("dropEvents", d->drops);
    j.Member("inputPort", d->input);
    j.Member("outputPort", d->output);
    j.Member("discardCode", d->reason);
    std::string_view name = DropReasonName(d->reason);
    j.StringMember("discardReason", name.empty() ? "NotFound" : name);
    j.Key("elements");
    j.BeginArray();
    for (const FlowRecord& r : d->records) PrintFlowRecord(j, r, "discarded_", decode);
    j.EndArray();
  } else {
    FieldPrinter p{j, {}, {}};
    p("opaqueBytes", std::get<UnknownSample>(sample.data).body);
  }
  if (!sample.trailing.empty()) {
    FieldPrinter p{j, {}, {}};
    p("trailingBytes", sample.trailing);
  }
  j.EndObject();
}

// ISO 8601 in UTC, as sflowtool prints with TZ=UTC: 2022-09-09T09:26:38+0000.
void PrintTime(JsonWriter& j, std::string_view key, std::string_view us_key, int64_t us) {
  time_t secs = static_cast<time_t>(us / 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+0000", &tm);
  j.StringMember(key, std::string_view(buf, n));
  j.Member(us_key, us % 1000000);
}

}  // namespace

void AppendDatagramJson(const sflow::Datagram& dg, const DatagramContext& context,
                        const absl::Status& status, std::string* out) {
  JsonWriter j(out);
  j.BeginObject();
  if (context.has_source) {
    Text t;
    if (context.source_is_ipv6) {
      FormatIpv6(t, context.source_ip.data());
    } else {
      FormatIpv4(t, context.source_ip.data());
    }
    j.StringMember("datagramSourceIP", t.view());
  }
  j.Member("datagramSize", context.size);
  if (context.from_capture) {
    PrintTime(j, "pcapTimestamp", "pcapTimestamp_uS", context.timestamp_us);
  } else {
    j.Member("unixSecondsUTC", context.timestamp_us / 1000000);
    j.Member("unixSecondsUTC_uS", context.timestamp_us % 1000000);
  }
  // A datagram cut short inside its header (sFlow v5 section 5.2: version, agent_address,
  // sub_agent_id, sequence_number, uptime, samples<>) prints only the fields read before the cut,
  // never the zeros DecodeInto reset them to. libsflow fills them in wire order but does not say
  // where it stopped; the size does: 4 bytes of version, 4 of address type, 0/4/16 of address,
  // then 16 of sub_agent_id, sequence_number, uptime and sample count.
  const bool complete = status.ok() || !dg.samples.empty();
  const size_t address_end = 8 + (dg.agent.type == Address::Type::kIPv4   ? 4
                                  : dg.agent.type == Address::Type::kIPv6 ? 16
                                                                          : 0);
  const bool have_version = complete || context.size >= 4;
  // An agent of unknown type is only "decoded" when the datagram is complete: type 0 (no
  // address) and an invalid type look the same in the Datagram.
  const bool have_agent =
      complete || (dg.agent.type != Address::Type::kUnknown && context.size >= address_end);
  const bool have_header = complete || (have_agent && context.size >= address_end + 16);
  if (have_version) j.Member("datagramVersion", dg.version);
  if (dg.version == 5 && status.code() != absl::StatusCode::kUnimplemented && have_agent) {
    if (have_header) j.Member("agentSubId", dg.sub_agent_id);
    Text t;
    FormatAddress(t, dg.agent);
    j.StringMember("agent", t.view());
  }
  if (dg.version == 5 && status.code() != absl::StatusCode::kUnimplemented && have_header) {
    j.Member("packetSequenceNo", dg.sequence_number);
    j.Member("sysUpTime", dg.uptime_ms);
    // The samples decoded; equal to the header's count whenever decoding succeeded.
    j.Member("samplesInPacket", dg.samples.size());
    j.Key("samples");
    j.BeginArray();
    for (const Sample& s : dg.samples) PrintSample(j, s, context.bytes);
    j.EndArray();
    if (!dg.trailing.empty()) {
      FieldPrinter p{j, {}, {}};
      p("trailingBytes", dg.trailing);
    }
  }
  if (!status.ok()) {
    j.StringMember("error", std::string_view(status.message().data(), status.message().size()));
  }
  j.EndObject();
}

}  // namespace cistern::cli
