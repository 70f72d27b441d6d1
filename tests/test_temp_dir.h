// TempDir: a fresh directory under the build tree (CISTERN_TEST_TMPDIR, set by cistern_test()),
// removed with everything in it at the end of the scope. Shared by every test that writes files.
//
//   cistern::testing::TempDir dir("catena_wal");
//   WriteFile(dir / "segment", bytes);        // std::filesystem::path
//   Open(dir.path());                         // std::string
#ifndef CISTERN_TESTS_TEST_TEMP_DIR_H_
#define CISTERN_TESTS_TEST_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace cistern::testing {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix) {
    std::string pattern = std::string(CISTERN_TEST_TMPDIR) + "/" + std::string(prefix) + "_XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const {
    return std::filesystem::path(path_) / name;
  }

 private:
  std::string path_;
};

}  // namespace cistern::testing

#endif  // CISTERN_TESTS_TEST_TEMP_DIR_H_
