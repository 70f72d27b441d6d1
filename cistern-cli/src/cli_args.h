// Small helpers for the subcommands' argument parsing.
#ifndef CISTERN_CLI_SRC_CLI_ARGS_H_
#define CISTERN_CLI_SRC_CLI_ARGS_H_

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cistern::cli {

// Parses a decimal number no larger than `max`; false on anything else.
inline bool ParseUint(std::string_view s, uint64_t max, uint64_t* out) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > max) return false;
  *out = v;
  return true;
}

// Matches "--name=value" or "--name value" at argv[*i] (advancing *i past a separate value);
// nullopt when argv[*i] is not option `name`, or when its value is missing.
inline std::optional<std::string_view> OptionValue(int argc, char** argv, int* i,
                                                   std::string_view name) {
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

}  // namespace cistern::cli

#endif  // CISTERN_CLI_SRC_CLI_ARGS_H_
