// cistern-cli: the command-line client of Cistern, and its offline tools.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "commands.h"

namespace {

constexpr char kUsage[] =
    "usage: cistern-cli <command> [options]\n"
    "\n"
    "commands:\n"
    "  decode    decode sFlow v5 from a capture (-r FILE) or a socket (--listen ADDR:PORT)\n"
    "  generate  write a pcap of realistic sFlow datagrams built with libsflow's encoder\n"
    "  packets   decode every frame of a capture; print Wireshark fields as tshark -T fields\n"
    "  snmp      SNMP get, getnext, walk, bulkwalk, table (net-snmp's options and -On output)\n"
    "            and poll (the inventory of many agents at once)\n"
    "  tsdb      a libcatena time-series database: import, export, query, inspect, verify\n"
    "\n"
    "Run 'cistern-cli <command> --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string_view command = argv[1];
  if (command == "decode") return cistern::cli::RunDecode(argc - 1, argv + 1);
  if (command == "generate") return cistern::cli::RunGenerate(argc - 1, argv + 1);
  if (command == "packets") return cistern::cli::RunPackets(argc - 1, argv + 1);
  if (command == "snmp") return cistern::cli::RunSnmp(argc - 1, argv + 1);
  if (command == "tsdb") return cistern::cli::RunTsdb(argc - 1, argv + 1);
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "cistern-cli: unknown command '%s'\n\n%s", argv[1], kUsage);
  return 2;
}
