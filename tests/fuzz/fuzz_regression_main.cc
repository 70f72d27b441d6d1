// Replays fuzzer inputs (regression files and seeds) through a fuzz target's entry point, so that
// every fuzzer find stays a test in ordinary (and sanitizer) builds without libFuzzer.
//   fuzz_regression_test DIR...
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <algorithm>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  // Replayed in name order: some finds are sequences (a target may keep state across inputs).
  std::vector<std::filesystem::path> paths;
  for (int i = 1; i < argc; ++i) {
    if (!std::filesystem::is_directory(argv[i])) continue;
    std::vector<std::filesystem::path> dir;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[i])) {
      if (entry.is_regular_file()) dir.push_back(entry.path());
    }
    std::sort(dir.begin(), dir.end());
    paths.insert(paths.end(), dir.begin(), dir.end());
  }
  size_t files = 0;
  for (const auto& path : paths) {
    {
      std::ifstream in(path, std::ios::binary);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      ++files;
    }
  }
  std::printf("replayed %zu inputs\n", files);
  return 0;
}
