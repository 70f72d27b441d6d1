// The subcommands of cistern-cli. Each takes its own arguments (argv[0] is the subcommand's name)
// and returns the process exit code: 0 success, 1 runtime failure, 2 usage error.
#ifndef CISTERN_CLI_COMMANDS_H_
#define CISTERN_CLI_COMMANDS_H_

namespace cistern::cli {

int RunDecode(int argc, char** argv);    // decode sFlow from a capture or a live socket
int RunGenerate(int argc, char** argv);  // write a capture of sFlow datagrams built by libsflow
int RunPackets(int argc, char** argv);   // print Wireshark fields of every frame of a capture
int RunSnmp(int argc, char** argv);      // SNMP get/getnext/walk/bulkwalk/table/poll
int RunTsdb(int argc, char** argv);      // libcatena database: import/export/query/inspect/verify

}  // namespace cistern::cli

#endif  // CISTERN_CLI_COMMANDS_H_
