// cistern-cli packets: decodes every frame of a pcap/pcapng capture with libproto and prints the
// requested fields, one line per frame, exactly as
// `tshark -r FILE -T fields -E separator=/t -E occurrence=a -e F1 -e F2 …` prints them.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "capture_file.h"
#include "cistern/proto/decoder.h"
#include "cli_args.h"
#include "commands.h"
#include "ip_reassembly.h"
#include "tshark_fields.h"

namespace cistern::cli {
namespace {

constexpr char kPacketsUsage[] =
    "usage: cistern-cli packets -r FILE --fields F1,F2,... [--count N]\n"
    "  -r FILE        read a pcap or pcapng capture ('-' for standard input)\n"
    "  --fields LIST  Wireshark field names, comma-separated; one tab-separated column each,\n"
    "                 several occurrences (tunnels, QinQ, ICMP quotes) joined by ','\n"
    "  --count N      stop after N frames\n"
    "  --list-fields  print the supported field names\n";

int Usage(const char* error) {
  if (error) std::fprintf(stderr, "cistern-cli packets: %s\n", error);
  std::fputs(kPacketsUsage, stderr);
  return 2;
}

std::vector<std::string> SplitFields(std::string_view list) {
  std::vector<std::string> fields;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view f = list.substr(0, comma);
    if (!f.empty()) fields.emplace_back(f);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return fields;
}

}  // namespace

int RunPackets(int argc, char** argv) {
  std::string read_file;
  std::vector<std::string> field_names;
  uint64_t count = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kPacketsUsage, stdout);
      return 0;
    }
    if (arg == "--list-fields") {
      for (std::string_view f : TsharkFields::Supported()) {
        std::printf("%.*s\n", static_cast<int>(f.size()), f.data());
      }
      return 0;
    }
    if (auto file = OptionValue(argc, argv, &i, "-r")) {
      read_file = *file;
    } else if (auto fields = OptionValue(argc, argv, &i, "--fields")) {
      for (std::string& f : SplitFields(*fields)) field_names.push_back(std::move(f));
    } else if (auto n = OptionValue(argc, argv, &i, "--count")) {
      if (!ParseUint(*n, UINT64_MAX, &count)) return Usage("--count needs a number");
    } else {
      return Usage(("unknown argument '" + std::string(arg) + "'").c_str());
    }
  }
  if (read_file.empty()) return Usage("-r FILE is required");
  if (field_names.empty()) return Usage("--fields is required");

  absl::StatusOr<TsharkFields> fields = TsharkFields::Create(field_names);
  if (!fields.ok()) return Usage(std::string(fields.status().message()).c_str());
  absl::StatusOr<std::unique_ptr<CaptureFile>> file = CaptureFile::Open(read_file);
  if (!file.ok()) {
    std::fprintf(stderr, "cistern-cli packets: %s\n", std::string(file.status().message()).c_str());
    return 1;
  }

  // Wireshark's reading of the frames, where it has a default of its own.
  proto::DecodeOptions options;
  options.mpls_control_word = proto::DecodeOptions::MplsControlWord::kUnlessPlainEthernet;
  proto::Packet packet;
  proto::Packet reassembled;
  IpReassembler reassembler;
  std::string line;
  for (uint64_t n = 0; count == 0 || n < count; ++n) {
    absl::StatusOr<std::optional<Frame>> frame = (*file)->Next();
    if (!frame.ok()) {
      std::fprintf(stderr, "cistern-cli packets: %s\n",
                   std::string(frame.status().message()).c_str());
      return 1;
    }
    if (!frame->has_value()) break;
    std::span<const uint8_t> bytes = (*frame)->bytes;
    const LinkStart start = LocateLinkStart((*frame)->link_type, bytes);
    if (start.supported) {
      DecodeLinkPayload(start, bytes, options, &packet);
      bytes = bytes.subspan(start.offset);
    } else {
      packet.Reset();
    }
    const std::optional<Reassembled> whole = reassembler.Add(packet, bytes);
    if (whole) proto::DecodeIpPayload(whole->protocol, whole->payload, options, &reassembled);
    line.clear();
    const uint64_t on_wire = std::max<uint64_t>((*frame)->original_length, (*frame)->bytes.size());
    const uint64_t reported = on_wire - ((*frame)->bytes.size() - bytes.size());
    fields->AppendLine(packet, bytes, reported, whole ? &reassembled : nullptr, &line);
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  return 0;
}

}  // namespace cistern::cli
