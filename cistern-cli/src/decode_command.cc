// cistern-cli decode: sFlow v5 datagrams from a pcap/pcapng capture or a UDP socket, printed as
// JSON lines (sflowtool's key names, typed values) or as sflowtool's -l lines (--format=csv). A
// summary goes to stderr at the end.
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "cistern/sflow/codec.h"
#include "commands.h"
#include "datagram_context.h"
#include "sflow_json.h"
#include "sflowtool_lines.h"
#include "udp_source.h"

namespace cistern::cli {
namespace {

constexpr char kDecodeUsage[] =
    "usage: cistern-cli decode (-r FILE | --listen ADDR:PORT) [--port N] [--format=json|csv]\n"
    "                          [--count N]\n"
    "  -r FILE             read a pcap or pcapng capture\n"
    "  --listen ADDR:PORT  receive datagrams on a UDP socket (e.g. 0.0.0.0:6343, [::]:6343)\n"
    "  --port N            sFlow UDP port in a capture (default 6343)\n"
    "  --format F          json (default): one object per datagram, sflowtool's key names\n"
    "                      csv: sflowtool's -l lines (FLOW per flow sample, CNTR per counters\n"
    "                      sample)\n"
    "  --count N           stop after N datagrams\n";

struct Options {
  std::string read_file;
  std::string listen;
  uint16_t port = 6343;
  std::string format = "json";
  uint64_t count = 0;  // 0 = no limit
};

bool ParseUint(std::string_view s, uint64_t max, uint64_t* out) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > max) return false;
  *out = v;
  return true;
}

// Parses "--name=value" or "--name value"; returns the value or nullopt if `arg` is not `name`.
std::optional<std::string_view> OptionValue(int argc, char** argv, int* i, std::string_view name) {
  std::string_view arg = argv[*i];
  if (arg == name) {
    if (*i + 1 >= argc) return std::nullopt;
    return std::string_view(argv[++*i]);
  }
  if (arg.size() > name.size() + 1 && arg.substr(0, name.size()) == name &&
      arg[name.size()] == '=') {
    return arg.substr(name.size() + 1);
  }
  return std::nullopt;
}

int Usage(const char* error) {
  if (error) std::fprintf(stderr, "cistern-cli decode: %s\n", error);
  std::fputs(kDecodeUsage, stderr);
  return 2;
}

enum class Format { kJson, kCsv };

class Decoder {
 public:
  Decoder(Format format, FILE* out) : format_(format), out_(out) {}

  void Handle(const UdpDatagram& d, bool from_capture) {
    absl::Status status = sflow::DecodeInto(d.payload, &dg_, {}, &stats_);
    line_.clear();
    if (format_ == Format::kCsv) {
      AppendSflowtoolLines(dg_, d.payload, &line_);  // none, or one per sample
    } else {
      AppendDatagramJson(dg_, ContextOf(d, from_capture), status, &line_);
      line_.push_back('\n');
    }
    std::fwrite(line_.data(), 1, line_.size(), out_);
  }

  void Summary(const UdpSourceStats* source) const {
    std::fprintf(stderr,
                 "cistern-cli decode: %llu datagrams, %llu samples, %llu records "
                 "(%llu flow, %llu counter), skipped %llu unknown samples and %llu unknown "
                 "records, %llu malformed, %llu unsupported version",
                 ull(stats_.datagrams), ull(stats_.samples),
                 ull(stats_.flow_records + stats_.counter_records), ull(stats_.flow_records),
                 ull(stats_.counter_records), ull(stats_.unknown_samples),
                 ull(stats_.unknown_records), ull(stats_.malformed), ull(stats_.unsupported));
    if (source) {
      std::fprintf(stderr,
                   "; capture: %llu frames, %llu not UDP, %llu other ports, %llu truncated, "
                   "%llu fragments",
                   ull(source->frames), ull(source->skipped_not_udp),
                   ull(source->skipped_other_port), ull(source->truncated),
                   ull(source->fragments));
    }
    std::fputc('\n', stderr);
  }

 private:
  static unsigned long long ull(uint64_t v) { return v; }

  Format format_;
  FILE* out_;
  sflow::Datagram dg_;
  sflow::DecodeStats stats_;
  std::string line_;
};

}  // namespace

int RunDecode(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kDecodeUsage, stdout);
      return 0;
    }
    if (auto file = OptionValue(argc, argv, &i, "-r")) {
      opt.read_file = *file;
    } else if (auto listen = OptionValue(argc, argv, &i, "--listen")) {
      opt.listen = *listen;
    } else if (auto port_text = OptionValue(argc, argv, &i, "--port")) {
      uint64_t port;
      if (!ParseUint(*port_text, 65535, &port)) {
        return Usage("--port takes a number from 0 to 65535");
      }
      opt.port = static_cast<uint16_t>(port);
    } else if (auto format = OptionValue(argc, argv, &i, "--format")) {
      opt.format = *format;
    } else if (auto count = OptionValue(argc, argv, &i, "--count")) {
      if (!ParseUint(*count, UINT64_MAX, &opt.count)) return Usage("--count takes a number");
    } else {
      std::string msg = "unknown or incomplete option '" + std::string(arg) + "'";
      return Usage(msg.c_str());
    }
  }
  if (opt.read_file.empty() == opt.listen.empty()) {
    return Usage("give exactly one of -r FILE and --listen ADDR:PORT");
  }
  if (opt.format != "json" && opt.format != "csv") return Usage("--format is json or csv");

  Decoder decoder(opt.format == "csv" ? Format::kCsv : Format::kJson, stdout);
  uint64_t n = 0;
  if (!opt.read_file.empty()) {
    auto reader = CaptureReader::Open(opt.read_file, opt.port);
    if (!reader.ok()) {
      std::fprintf(stderr, "cistern-cli decode: %s\n", reader.status().ToString().c_str());
      return 1;
    }
    int rc = 0;
    while (opt.count == 0 || n < opt.count) {
      auto next = (*reader)->Next();
      if (!next.ok()) {
        std::fprintf(stderr, "cistern-cli decode: %s\n", next.status().ToString().c_str());
        rc = 1;
        break;
      }
      if (!next->has_value()) break;
      decoder.Handle(**next, /*from_capture=*/true);
      ++n;
    }
    std::fflush(stdout);
    decoder.Summary(&(*reader)->stats());
    return rc;
  }

  auto listener = UdpListener::Bind(opt.listen);
  if (!listener.ok()) {
    std::fprintf(stderr, "cistern-cli decode: %s\n", listener.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "cistern-cli decode: listening on %s (UDP port %u)\n", opt.listen.c_str(),
               (*listener)->port());
  while (opt.count == 0 || n < opt.count) {
    auto d = (*listener)->Receive();
    if (!d.ok()) {
      std::fprintf(stderr, "cistern-cli decode: %s\n", d.status().ToString().c_str());
      return 1;
    }
    decoder.Handle(*d, /*from_capture=*/false);
    std::fflush(stdout);
    ++n;
  }
  decoder.Summary(nullptr);
  return 0;
}

}  // namespace cistern::cli
