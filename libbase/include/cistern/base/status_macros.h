// Status propagation macros. Debian 12's Abseil (20220623) ships none, so they are defined once here.
//
//   CISTERN_RETURN_IF_ERROR(WriteHeader(out));
//   CISTERN_ASSIGN_OR_RETURN(auto reader, CaptureReader::Open(path, port));
#ifndef CISTERN_BASE_STATUS_MACROS_H_
#define CISTERN_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CISTERN_RETURN_IF_ERROR(expr)                    \
  do {                                                   \
    ::absl::Status cistern_status_ = (expr);             \
    if (!cistern_status_.ok()) return cistern_status_;   \
  } while (0)

#define CISTERN_STATUS_CONCAT_INNER_(a, b) a##b
#define CISTERN_STATUS_CONCAT_(a, b) CISTERN_STATUS_CONCAT_INNER_(a, b)

#define CISTERN_ASSIGN_OR_RETURN(lhs, expr) \
  CISTERN_ASSIGN_OR_RETURN_IMPL_(CISTERN_STATUS_CONCAT_(cistern_statusor_, __LINE__), lhs, expr)

#define CISTERN_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()

#endif  // CISTERN_BASE_STATUS_MACROS_H_
