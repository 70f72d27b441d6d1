// Names of the reason codes of discarded_packet samples (sflow.org sflow_drops.txt: ICMP unreachable
// codes 0-15, and 256 onwards for switch and Linux kernel drop reasons).
//
//   std::string_view name = cistern::sflow::DropReasonName(sample.reason);  // "acl", or "" if unknown
//
// Thread-safe (a constant table).
#ifndef CISTERN_SFLOW_DROP_REASONS_H_
#define CISTERN_SFLOW_DROP_REASONS_H_

#include <cstdint>
#include <string_view>

namespace cistern::sflow {

// The reason's name, or an empty view if the code is not defined.
std::string_view DropReasonName(uint32_t code);

}  // namespace cistern::sflow

#endif  // CISTERN_SFLOW_DROP_REASONS_H_
