// Small POSIX file helpers of libcatena: atomic file replacement (write to .tmp, fsync, rename,
// fsync the directory), directory fsync, and errno mapped onto Status (ENOSPC and EDQUOT become
// ResourceExhausted, everything else Internal; messages carry the path and strerror).
#ifndef CISTERN_CATENA_SRC_FILE_UTIL_H_
#define CISTERN_CATENA_SRC_FILE_UTIL_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace cistern::catena {

absl::Status ErrnoStatus(std::string_view what, const std::string& path, int err);
absl::Status SyncDir(const std::string& dir);
// Writes `parts` in order to `path` through `path + ".tmp"`; on any error the .tmp is removed.
absl::Status WriteFileAtomically(const std::string& path, std::initializer_list<std::string_view> parts);
std::string DirName(const std::string& path);

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_SRC_FILE_UTIL_H_
