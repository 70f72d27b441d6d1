// End-to-end tests of `cistern-cli packets`: its output must be byte-identical to tshark's
// `-T fields -E separator=/t -E occurrence=a` output for the fields of
// ../shared/captures/packets/FIELDS.txt, on every capture there (references beside each).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run_cli.h"

namespace {

namespace fs = std::filesystem;
using cistern::testing::Run;
using cistern::testing::RunCli;

const fs::path kPackets = fs::path(CISTERN_SHARED_DIR) / "captures" / "packets";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string FieldList() {
  std::istringstream in(ReadFile(kPackets / "FIELDS.txt"));
  std::string list;
  for (std::string f; in >> f;) list += (list.empty() ? "" : ",") + f;
  return list;
}

// The first differing line, for a readable failure.
std::string FirstDifference(const std::string& got, const std::string& want) {
  std::istringstream g(got), w(want);
  std::string gl, wl;
  for (int n = 1;; ++n) {
    const bool more_g = static_cast<bool>(std::getline(g, gl));
    const bool more_w = static_cast<bool>(std::getline(w, wl));
    if (!more_g && !more_w) return "";
    if (!more_g || !more_w || gl != wl) {
      return "line " + std::to_string(n) + "\n  ours:   " + (more_g ? gl : "<none>") +
             "\n  tshark: " + (more_w ? wl : "<none>");
    }
  }
}

TEST_CASE("cistern-cli packets matches tshark on every shared capture", "[packets]") {
  if (!fs::exists(kPackets / "FIELDS.txt")) {
    WARN("skipped: " << kPackets << " is absent (../shared beside the checkout)");
    return;
  }
  const std::string fields = FieldList();
  int captures = 0;
  size_t lines = 0;
  for (const auto& entry : fs::directory_iterator(kPackets)) {
    const fs::path path = entry.path();
    if (path.extension() != ".pcap" && path.extension() != ".pcapng") continue;
    fs::path reference = path;
    reference.replace_extension(".tshark.tsv");
    if (!fs::exists(reference)) continue;
    const std::string want = ReadFile(reference);
    const Run run = RunCli({"packets", "-r", path.string(), "--fields", fields});
    INFO(path.filename().string() << ": " << run.err);
    CHECK(run.exit_code == 0);
    CHECK(FirstDifference(run.out, want) == "");
    ++captures;
    lines += static_cast<size_t>(std::count(want.begin(), want.end(), '\n'));
  }
  CHECK(captures >= 60);
  WARN(captures << " captures, " << lines << " lines identical to tshark's");
}

TEST_CASE("cistern-cli packets: usage errors", "[packets]") {
  CHECK(RunCli({"packets", "--fields", "ip.src"}).exit_code == 2);
  const Run unknown = RunCli({"packets", "-r", "x.pcap", "--fields", "ip.src,foo.bar"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unsupported field 'foo.bar'") != std::string::npos);
  const Run missing = RunCli({"packets", "-r", "/nonexistent.pcap", "--fields", "ip.src"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("/nonexistent.pcap") != std::string::npos);
  const Run list = RunCli({"packets", "--list-fields"});
  CHECK(list.exit_code == 0);
  CHECK(list.out.find("tcp.options.mss_val\n") != std::string::npos);
}

}  // namespace
