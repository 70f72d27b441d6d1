// Names of stop reasons and layer types, for messages and tools.
#include "cistern/proto/packet.h"

namespace cistern::proto {

const char* StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kComplete:
      return "complete";
    case StopReason::kTruncated:
      return "truncated";
    case StopReason::kMalformed:
      return "malformed";
    case StopReason::kUnsupported:
      return "unsupported";
    case StopReason::kFragment:
      return "fragment";
    case StopReason::kLimit:
      return "limit";
  }
  return "unknown";
}

const char* LayerTypeName(LayerType type) {
  switch (type) {
    case LayerType::kEthernet:
      return "ethernet";
    case LayerType::kLlc:
      return "llc";
    case LayerType::kVlan:
      return "vlan";
    case LayerType::kMpls:
      return "mpls";
    case LayerType::kPwControlWord:
      return "pw_control_word";
    case LayerType::kPppoe:
      return "pppoe";
    case LayerType::kArp:
      return "arp";
    case LayerType::kIpv4:
      return "ipv4";
    case LayerType::kIpv6:
      return "ipv6";
    case LayerType::kIpv6Extension:
      return "ipv6_extension";
    case LayerType::kTcp:
      return "tcp";
    case LayerType::kUdp:
      return "udp";
    case LayerType::kIcmp:
      return "icmp";
    case LayerType::kIcmpv6:
      return "icmpv6";
    case LayerType::kSctp:
      return "sctp";
    case LayerType::kGre:
      return "gre";
    case LayerType::kErspan:
      return "erspan";
    case LayerType::kVxlan:
      return "vxlan";
    case LayerType::kGeneve:
      return "geneve";
    case LayerType::kPpp:
      return "ppp";
  }
  return "unknown";
}

}  // namespace cistern::proto
