// `cistern-cli decode --format=csv`: the lines InMon sflowtool 6.11 prints with -l, byte for byte
// (sflowtool.c writeFlowLine and writeCountersLine), so that scripts reading them keep working.
//
//   absl::Status s = sflow::DecodeInto(payload, &dg);
//   line.clear();
//   AppendSflowtoolLines(dg, payload, &line);      // the samples decoded before an error print
//   fwrite(line.data(), 1, line.size(), stdout);
//
// One line per sample, in order, each ending in '\n':
//   FLOW,agent,inputPort,outputPort,srcMAC,dstMAC,0xEtherType,in_vlan,out_vlan,srcIP,dstIP,
//        protocol,0xTOS,TTL,srcPort,dstPort,0xTCPFlags,packetSize,IPSize,samplingRate
//     for every flow sample (compact or expanded), whatever records it holds; fields no record
//     set print as zeros, "-" or 000000000000. Fields are sflowtool's per-sample state after all
//     the sample's records (SflowtoolSampleState: the last record to set a field wins), printed
//     with sflowtool's %d, so values of 2^31 and more print negative (a VLAN 0xFFFFFFFF is -1).
//     IPSize always subtracts the offset of an IPv4 header (0 when there is none), even for IPv6.
//   CNTR,agent,ifIndex,ifType,ifSpeed,ifDirection,ifStatus,ifInOctets,ifInUcastPkts,
//        ifInMulticastPkts,ifInBroadcastPkts,ifInDiscards,ifInErrors,ifInUnknownProtos,
//        ifOutOctets,ifOutUcastPkts,ifOutMulticastPkts,ifOutBroadcastPkts,ifOutDiscards,
//        ifOutErrors,ifPromiscuousMode
//     for every counters sample: its (last) generic interface counters, or 19 zeros without one.
// Discarded-packet samples and samples of unknown formats print nothing, as in sflowtool.
//
// Where sflowtool gives up on a datagram (a record or sample holding bytes it did not read: its
// lengthCheck), no line is printed for that sample or any after it. Datagrams libsflow cannot
// decode print nothing from the sample where decoding failed (sflowtool stops there too); sFlow
// v2/v4 datagrams, which libsflow does not decode, print nothing at all.
//
// `bytes` are the datagram's bytes (`dg` points into them; may be empty, see sflowtool_header.h).
// Appends to `out`; allocates only as `out` grows. Thread-compatible.
#ifndef CISTERN_CLI_SFLOWTOOL_LINES_H_
#define CISTERN_CLI_SFLOWTOOL_LINES_H_

#include <cstdint>
#include <span>
#include <string>

#include "cistern/sflow/datagram.h"

namespace cistern::cli {

void AppendSflowtoolLines(const sflow::Datagram& dg, std::span<const uint8_t> bytes,
                          std::string* out);

}  // namespace cistern::cli

#endif  // CISTERN_CLI_SFLOWTOOL_LINES_H_
