// The JSON context (source, size, time) of a datagram read by the capture reader or the listener.
#ifndef CISTERN_CLI_DATAGRAM_CONTEXT_H_
#define CISTERN_CLI_DATAGRAM_CONTEXT_H_

#include "sflow_json.h"
#include "udp_source.h"

namespace cistern::cli {

inline DatagramContext ContextOf(const UdpDatagram& d, bool from_capture) {
  DatagramContext ctx;
  ctx.source_ip = d.src_addr;
  ctx.source_is_ipv6 = d.is_ipv6;
  ctx.has_source = true;
  ctx.size = d.payload.size();
  ctx.bytes = d.payload;
  ctx.timestamp_us = d.timestamp_us;
  ctx.from_capture = from_capture;
  return ctx;
}

}  // namespace cistern::cli

#endif  // CISTERN_CLI_DATAGRAM_CONTEXT_H_
