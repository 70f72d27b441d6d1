#include "snmp_peers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#ifndef CISTERN_SHARED_DIR
#define CISTERN_SHARED_DIR "/work/shared"
#endif
#ifndef CISTERN_TEST_TMPDIR
#define CISTERN_TEST_TMPDIR "/tmp"
#endif

extern char** environ;

namespace cistern::testing {
namespace {

namespace fs = std::filesystem;
using Env = std::vector<std::pair<std::string, std::string>>;
using Clock = std::chrono::steady_clock;

constexpr const char* kSnmpdBinary = "/usr/sbin/snmpd";
constexpr const char* kSnmpsimdBinary = "/usr/bin/snmpsimd";
constexpr const char* kLocalhost = "127.0.0.1";

absl::Status ErrnoStatus(std::string_view what) {
  return absl::InternalError(std::string(what) + ": " + std::strerror(errno));
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last `lines` lines of a file, for error messages.
std::string Tail(const std::string& path, int lines) {
  auto text = ReadFile(path);
  if (!text) return "";
  std::vector<std::string> all;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out = "--- " + path + " (tail)\n";
  for (size_t i = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0; i < all.size();
       ++i) {
    out += all[i] + "\n";
  }
  return out;
}

std::string FindInPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::stringstream ss(dirs);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// The environment of this process with `env` added (replacing variables of the same name), as
// strings kept alive by the returned vector.
std::vector<std::string> BuildEnvironment(const Env& env) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool replaced = false;
    for (const auto& [key, value] : env) {
      if (entry.size() > key.size() && entry.substr(0, key.size()) == key &&
          entry[key.size()] == '=') {
        replaced = true;
        break;
      }
    }
    if (!replaced) out.emplace_back(entry);
  }
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In a freshly forked child (async-signal-safe calls only): a process group of its own, the
// given stdin/stdout/stderr, no other inherited descriptor, no blocked signal, then exec.
[[noreturn]] void ExecChild(int in_fd, int out_fd, int err_fd, const char* path, char* const* argv,
                            char* const* envp) {
  setpgid(0, 0);
  if (in_fd != 0) dup2(in_fd, 0);
  if (out_fd != 1) dup2(out_fd, 1);
  if (err_fd != 2) dup2(err_fd, 2);
  if (close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < 4096; ++fd) close(fd);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  execve(path, argv, envp);
  _exit(127);
}

// While a start script runs, this process is a child subreaper: the agent the script leaves in
// the background becomes our child instead of PID 1's. Reference-counted across threads.
class SubreaperScope {
 public:
  SubreaperScope() {
    std::lock_guard<std::mutex> lock(mu_);
    if (depth_++ == 0) {
      int previous = 0;
      prctl(PR_GET_CHILD_SUBREAPER, &previous, 0, 0, 0);
      was_set_ = previous != 0;
      if (!was_set_) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
  }
  ~SubreaperScope() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--depth_ == 0 && !was_set_) prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  }
  SubreaperScope(const SubreaperScope&) = delete;
  SubreaperScope& operator=(const SubreaperScope&) = delete;

 private:
  static inline std::mutex mu_;
  static inline int depth_ = 0;
  static inline bool was_set_ = false;
};

std::string ShareDir() { return CISTERN_SHARED_DIR; }

bool Executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

// A fresh run directory: CISTERN_TEST_TMPDIR/snmp-peers/<kind>-<pid>-<n>-<time>.
absl::StatusOr<std::string> MakeRunDir(std::string_view kind) {
  static std::atomic<int> counter{0};
  fs::path root = fs::path(CISTERN_TEST_TMPDIR) / "snmp-peers";
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return absl::InternalError("cannot create " + root.string() + ": " + ec.message());
  // snmpsimd drops privileges to nobody: it must be able to walk into its run directory.
  chmod(root.c_str(), 0755);
  fs::path dir = root / (std::string(kind) + "-" + std::to_string(getpid()) + "-" +
                         std::to_string(counter.fetch_add(1)) + "-" +
                         std::to_string(static_cast<long long>(std::time(nullptr))));
  fs::remove_all(dir, ec);
  return dir.string();
}

void RemoveRunDir(const std::string& dir) {
  if (dir.empty() || std::getenv("CISTERN_KEEP_PEER_DIRS") != nullptr) return;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

pid_t ReadPidFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return -1;
  char* end = nullptr;
  long v = std::strtol(text->c_str(), &end, 10);
  return v > 0 && v < (1L << 30) ? static_cast<pid_t>(v) : -1;
}

std::string ProcessComm(pid_t pid) {
  auto comm = ReadFile("/proc/" + std::to_string(pid) + "/comm");
  if (!comm) return "";
  while (!comm->empty() && (comm->back() == '\n' || comm->back() == ' ')) comm->pop_back();
  return *comm;
}

// Reaps `pid` if it is our child and has exited; harmless (ECHILD) otherwise.
void Reap(pid_t pid) {
  if (pid > 0) waitpid(pid, nullptr, WNOHANG);
}

absl::StatusOr<CommandResult> RunCommandImpl(const std::vector<std::string>& argv_in,
                                             const Env& env, std::chrono::milliseconds timeout,
                                             const std::function<void()>& tick,
                                             const std::function<void(pid_t)>& on_started) {
  if (argv_in.empty()) return absl::InvalidArgumentError("RunCommand: empty argv");
  std::string path = FindInPath(argv_in[0]);
  if (path.empty()) return absl::NotFoundError("RunCommand: " + argv_in[0] + " not found");
  std::vector<std::string> args = argv_in;
  std::vector<std::string> env_strings = BuildEnvironment(env);
  std::vector<char*> argv = CStrings(args);
  std::vector<char*> envp = CStrings(env_strings);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return ErrnoStatus("RunCommand pipe");
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) {
    close(out[0]);
    close(out[1]);
    return ErrnoStatus("open /dev/null");
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    close(devnull);
    return ErrnoStatus("fork");
  }
  if (pid == 0) ExecChild(devnull, out[1], out[1], path.c_str(), argv.data(), envp.data());
  setpgid(pid, pid);
  close(out[1]);
  close(devnull);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  if (on_started) on_started(pid);

  CommandResult result;
  char buf[8192];
  auto drain = [&] {
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0)
      result.output.append(buf, static_cast<size_t>(n));
    return n == 0;  // EOF
  };
  bool eof = false;
  int status = 0;
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (!eof) {
      pollfd p{out[0], POLLIN, 0};
      poll(&p, 1, 20);
      if (p.revents != 0) eof = drain();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (tick) tick();
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      // Do not wait for EOF: a background grandchild may hold the pipe.
      drain();
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    if (Clock::now() > deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      drain();
      result.timed_out = true;
      result.exit_code = -1;
      break;
    }
  }
  close(out[0]);
  return result;
}

struct Watchdog {
  pid_t pid = -1;
  int fd = -1;
};

// The watchdog: a bash child whose stdin is one end of a socket pair that only this process
// holds the other end of. Protocol, one line each: the PGID of the start script as soon as it is
// forked, then "started" once the script returned. EOF (we died, or the owner is done) or the
// lease running out makes it run the script's `stop`, which kills by the recorded PID; when that
// happens while the start script still runs, it first kills the script's process group (the
// script and the agent it is starting), since the PID may not be recorded yet.
constexpr const char* kWatchdogScript = R"sh(lease=$1 script=$2
read -r pgid || exec "$script" stop >/dev/null 2>&1
if ! read -r -t "$lease" started; then
  kill -KILL -- "-$pgid" 2>/dev/null
  exec "$script" stop >/dev/null 2>&1
fi
read -r -t "$lease" _
exec "$script" stop >/dev/null 2>&1
)sh";

absl::Status StartWatchdog(const std::string& script, const Env& env, std::chrono::seconds lease,
                           Watchdog* watchdog) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return ErrnoStatus("watchdog socketpair");
  }
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) {
    close(fds[0]);
    close(fds[1]);
    return ErrnoStatus("open /dev/null");
  }
  std::vector<std::string> args = {"cistern-peer-watchdog",
                                   "-c",
                                   kWatchdogScript,
                                   "cistern-peer-watchdog",
                                   std::to_string(std::max<long long>(1, lease.count())),
                                   script};
  std::vector<std::string> env_strings = BuildEnvironment(env);
  std::vector<char*> argv = CStrings(args);
  std::vector<char*> envp = CStrings(env_strings);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    close(devnull);
    return ErrnoStatus("fork watchdog");
  }
  if (pid == 0) ExecChild(fds[0], devnull, devnull, "/bin/bash", argv.data(), envp.data());
  setpgid(pid, pid);  // its own group: a Ctrl-C to the test does not reach it
  close(fds[0]);
  close(devnull);
  watchdog->pid = pid;
  watchdog->fd = fds[1];
  return absl::OkStatus();
}

// MSG_NOSIGNAL: a watchdog that died already must not take the test down with SIGPIPE.
void TellWatchdog(const Watchdog& watchdog, const std::string& line) {
  if (watchdog.fd < 0) return;
  const std::string text = line + "\n";
  [[maybe_unused]] ssize_t n = send(watchdog.fd, text.data(), text.size(), MSG_NOSIGNAL);
}

void EndWatchdog(Watchdog* watchdog) {
  if (watchdog->fd >= 0) close(watchdog->fd);  // EOF: it runs `stop`, which finds nothing to stop
  watchdog->fd = -1;
  if (watchdog->pid <= 0) return;
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (waitpid(watchdog->pid, nullptr, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(-watchdog->pid, SIGKILL);
      kill(watchdog->pid, SIGKILL);
      waitpid(watchdog->pid, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  watchdog->pid = -1;
}

// Runs `script start` under a fresh watchdog, with this process a subreaper meanwhile.
absl::StatusOr<CommandResult> LaunchAgent(const std::string& script, const Env& env,
                                          std::chrono::seconds start_timeout,
                                          std::chrono::seconds lease, Watchdog* watchdog) {
  if (absl::Status s = StartWatchdog(script, env, lease, watchdog); !s.ok()) return s;
  absl::StatusOr<CommandResult> run;
  {
    SubreaperScope subreaper;
    run = RunCommandImpl({script, "start"}, env, start_timeout, nullptr,
                         [&](pid_t pid) { TellWatchdog(*watchdog, std::to_string(pid)); });
  }
  TellWatchdog(*watchdog, "started");
  return run;
}

// Runs `script stop` (which kills the PID it recorded), reaping the agent meanwhile, then makes
// sure that PID is gone, with SIGKILL as the last resort (only if it is still `comm`).
absl::Status StopAgent(const std::string& script, const Env& env, pid_t pid,
                       const std::string& comm, std::string* output) {
  auto result = RunCommand({script, "stop"}, env, std::chrono::seconds(30), [pid] { Reap(pid); });
  if (output != nullptr && result.ok()) *output = result->output;
  if (pid <= 0) return result.status();
  auto alive = [&] {
    Reap(pid);
    return ProcessAlive(pid) && ProcessComm(pid) == comm;
  };
  auto wait_gone = [&](std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (alive()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  };
  if (wait_gone(std::chrono::seconds(2))) return absl::OkStatus();
  kill(pid, SIGKILL);
  if (wait_gone(std::chrono::seconds(3))) return absl::OkStatus();
  return absl::InternalError(comm + " pid " + std::to_string(pid) + " survived stop and SIGKILL");
}

std::string DescribeFailure(std::string_view what, const absl::StatusOr<CommandResult>& run,
                            const std::vector<std::string>& logs) {
  std::string msg(what);
  if (!run.ok()) {
    msg += "; " + std::string(run.status().message());
  } else {
    msg += run->timed_out ? "; start script timed out"
                          : "; start script exit " + std::to_string(run->exit_code);
    msg += "\n--- script output\n" + run->output;
  }
  for (const auto& log : logs) msg += "\n" + Tail(log, 15);
  return msg;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Helpers

absl::StatusOr<std::vector<SnmpV3User>> ParseSnmpdPeerUsers(std::string_view script_text) {
  constexpr std::string_view kOpen = "\nUSERS=\"";
  size_t start = script_text.find(kOpen);
  if (start == std::string_view::npos) {
    return absl::InvalidArgumentError("snmpd-peer: no USERS=\"...\" block at the start of a line");
  }
  start += kOpen.size();
  size_t end = script_text.find('"', start);
  if (end == std::string_view::npos) {
    return absl::InvalidArgumentError("snmpd-peer: USERS block not closed");
  }
  std::vector<SnmpV3User> users;
  std::istringstream block{std::string(script_text.substr(start, end - start))};
  std::string line;
  int line_no = 0;
  while (std::getline(block, line)) {
    ++line_no;
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string word; fields >> word;) f.push_back(word);
    if (f.empty()) continue;
    if (f.size() != 6) {
      return absl::InvalidArgumentError("snmpd-peer: USERS line " + std::to_string(line_no) +
                                        " has " + std::to_string(f.size()) +
                                        " fields, want 6: " + line);
    }
    if (f[5] != "noAuthNoPriv" && f[5] != "authNoPriv" && f[5] != "authPriv") {
      return absl::InvalidArgumentError("snmpd-peer: USERS line " + std::to_string(line_no) +
                                        " has unknown level " + f[5]);
    }
    auto dash = [](const std::string& s) { return s == "-" ? std::string() : s; };
    users.push_back(SnmpV3User{f[0], dash(f[1]), dash(f[2]), dash(f[3]), dash(f[4]), f[5]});
  }
  if (users.empty()) return absl::InvalidArgumentError("snmpd-peer: USERS block lists no user");
  return users;
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv, const Env& env,
                                         std::chrono::milliseconds timeout,
                                         const std::function<void()>& tick) {
  return RunCommandImpl(argv, env, timeout, tick, nullptr);
}

bool UdpPortFree(int port) {
  if (port <= 0 || port > 65535) return false;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

absl::StatusOr<int> PickFreeUdpPort() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus("PickFreeUdpPort socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    absl::Status s = ErrnoStatus("PickFreeUdpPort bind 127.0.0.1:0");
    close(fd);
    return s;
  }
  close(fd);
  return static_cast<int>(ntohs(a.sin_port));
}

absl::StatusOr<int> PickFreeUdpPortRange(int count) {
  if (count <= 0 || count > 4096) {
    return absl::InvalidArgumentError("PickFreeUdpPortRange: count " + std::to_string(count));
  }
  int lo = 32768, hi = 60999;
  if (auto range = ReadFile("/proc/sys/net/ipv4/ip_local_port_range")) {
    std::istringstream(*range) >> lo >> hi;
  }
  // Below the ephemeral range if there is room, else above it, else anywhere unprivileged.
  int first = 10000, last = lo - count;
  if (last - first < 100) {
    first = hi + 1;
    last = 65536 - count;
  }
  if (last - first < 100) {
    first = 1024;
    last = 65536 - count;
  }
  std::mt19937 rng(std::random_device{}() ^ static_cast<unsigned>(getpid()) ^
                   static_cast<unsigned>(Clock::now().time_since_epoch().count()));
  std::uniform_int_distribution<int> pick(first, last);
  for (int attempt = 0; attempt < 200; ++attempt) {
    int base = pick(rng);
    std::vector<int> held;
    bool all_free = true;
    for (int p = base; p < base + count; ++p) {
      int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return ErrnoStatus("PickFreeUdpPortRange socket");
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(p));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      held.push_back(fd);
      if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        all_free = false;
        break;
      }
    }
    for (int fd : held) close(fd);
    if (all_free) return base;
  }
  return absl::ResourceExhaustedError("no " + std::to_string(count) +
                                      " contiguous free UDP ports on 127.0.0.1 after 200 tries");
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  if (kill(pid, 0) != 0 && errno != EPERM) return false;
  auto stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  size_t paren = stat->rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat->size()) return true;
  char state = (*stat)[paren + 2];
  return state != 'Z' && state != 'X';
}

// ---------------------------------------------------------------------------------------------
// SnmpdPeer

std::string SnmpdPeer::ScriptPath() { return ShareDir() + "/tools/snmpd-peer"; }

std::string SnmpdPeer::SkipReason() {
  if (!Executable(ScriptPath())) return "../shared absent (" + ScriptPath() + " not found)";
  if (!Executable(kSnmpdBinary)) return "snmpd not installed (" + std::string(kSnmpdBinary) + ")";
  if (FindInPath("snmpget").empty()) return "snmp (net-snmp tools) not installed (no snmpget)";
  return "";
}

absl::StatusOr<std::vector<SnmpV3User>> SnmpdPeer::LoadUsers() {
  auto text = ReadFile(ScriptPath());
  if (!text) return absl::FailedPreconditionError("cannot read " + ScriptPath());
  return ParseSnmpdPeerUsers(*text);
}

absl::StatusOr<std::unique_ptr<SnmpdPeer>> SnmpdPeer::Start(int port_hint) {
  SnmpdPeerOptions options;
  options.port_hint = port_hint;
  return StartWith(options);
}

absl::StatusOr<std::unique_ptr<SnmpdPeer>> SnmpdPeer::StartWith(const SnmpdPeerOptions& options) {
  if (std::string why = SkipReason(); !why.empty()) return absl::FailedPreconditionError(why);
  auto users = LoadUsers();
  if (!users.ok()) return users.status();
  const std::string script = ScriptPath();
  const int attempts = options.port_hint != 0 ? 1 : 3;
  std::string last_error;
  bool last_timed_out = false;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    int port = options.port_hint;
    if (port == 0) {
      auto picked = PickFreeUdpPort();
      if (!picked.ok()) return picked.status();
      port = *picked;
    }
    auto run_dir = MakeRunDir("snmpd");
    if (!run_dir.ok()) return run_dir.status();
    const Env env = {{"PORT", std::to_string(port)}, {"RUN_DIR", *run_dir}};
    Watchdog watchdog;
    absl::StatusOr<CommandResult> run =
        LaunchAgent(script, env, options.start_timeout, options.max_lifetime, &watchdog);
    const pid_t pid = ReadPidFile(*run_dir + "/snmpd.pid");
    const std::string address = std::string(kLocalhost) + ":" + std::to_string(port);
    bool ok = run.ok() && !run->timed_out && run->exit_code == 0 && ProcessAlive(pid);
    if (ok) {
      // The script waits for snmpd to answer but says "started" either way: ask it ourselves.
      auto probe = RunCommand({"snmpget", "-v2c", "-c", "public", "-t", "1", "-r", "2", "-On",
                               address, "1.3.6.1.2.1.1.5.0"},
                              {}, std::chrono::seconds(15));
      ok = probe.ok() && probe->exit_code == 0;
    }
    if (ok) {
      auto peer = std::unique_ptr<SnmpdPeer>(new SnmpdPeer());
      peer->port_ = port;
      peer->pid_ = pid;
      peer->run_dir_ = *run_dir;
      peer->users_ = *std::move(users);
      peer->watchdog_pid_ = watchdog.pid;
      peer->watchdog_fd_ = watchdog.fd;
      return peer;
    }
    last_timed_out = run.ok() && run->timed_out;
    last_error = DescribeFailure("snmpd-peer on " + address + " (attempt " +
                                     std::to_string(attempt + 1) + ") did not come up",
                                 run, {*run_dir + "/snmpd.log", *run_dir + "/stdout.log"});
    StopAgent(script, env, pid, "snmpd", nullptr).IgnoreError();
    EndWatchdog(&watchdog);
    RemoveRunDir(*run_dir);
  }
  return last_timed_out ? absl::DeadlineExceededError(last_error)
                        : absl::UnavailableError(last_error);
}

SnmpdPeer::~SnmpdPeer() { Stop().IgnoreError(); }

std::string SnmpdPeer::address() const {
  return std::string(kLocalhost) + ":" + std::to_string(port_);
}

const SnmpV3User* SnmpdPeer::FindUser(std::string_view name) const {
  for (const auto& u : users_) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

absl::Status SnmpdPeer::Stop() {
  if (stopped_) return absl::OkStatus();
  stopped_ = true;
  const Env env = {{"PORT", std::to_string(port_)}, {"RUN_DIR", run_dir_}};
  absl::Status s = StopAgent(ScriptPath(), env, pid_, "snmpd", nullptr);
  Watchdog watchdog{watchdog_pid_, watchdog_fd_};
  EndWatchdog(&watchdog);
  watchdog_pid_ = -1;
  watchdog_fd_ = -1;
  if (s.ok()) RemoveRunDir(run_dir_);
  return s;
}

// ---------------------------------------------------------------------------------------------
// SnmpsimFleet

std::string SnmpsimFleet::ScriptPath() { return ShareDir() + "/tools/snmpsim-fleet"; }

std::string SnmpsimFleet::SkipReason() {
  if (!Executable(ScriptPath())) return "../shared absent (" + ScriptPath() + " not found)";
  if (!fs::is_directory(ShareDir() + "/snmprec")) {
    return "../shared absent (" + ShareDir() + "/snmprec not found)";
  }
  if (!Executable(kSnmpsimdBinary)) {
    return "snmpsim not installed (" + std::string(kSnmpsimdBinary) + ")";
  }
  if (FindInPath("snmpget").empty()) return "snmp (net-snmp tools) not installed (no snmpget)";
  return "";
}

std::string SnmpsimAgent::address() const {
  return std::string(kLocalhost) + ":" + std::to_string(port);
}

SnmpV3User SnmpsimFleet::v3_user() const {
  return SnmpV3User{"simulator",       v3_auth_protocol_, "auctoritas",
                    v3_priv_protocol_, "privatus",        "authPriv"};
}

absl::StatusOr<std::unique_ptr<SnmpsimFleet>> SnmpsimFleet::Start(
    const SnmpsimFleetOptions& options) {
  if (std::string why = SkipReason(); !why.empty()) return absl::FailedPreconditionError(why);
  if (options.agents <= 0) return absl::InvalidArgumentError("snmpsim-fleet: agents must be > 0");
  if (options.mode != "v2c" && options.mode != "v3") {
    return absl::InvalidArgumentError("snmpsim-fleet: mode must be v2c or v3, not " + options.mode);
  }
  const std::string script = ScriptPath();
  // The v3 keys are mirrored in v3_user(): make sure the script still passes them.
  auto text = ReadFile(script);
  if (!text) return absl::FailedPreconditionError("cannot read " + script);
  for (const char* line : {"--v3-auth-key=auctoritas", "--v3-priv-key=privatus",
                           "--v3-user=simulator", "agents.tsv"}) {
    if (text->find(line) == std::string::npos) {
      return absl::FailedPreconditionError("snmpsim-fleet no longer contains \"" +
                                           std::string(line) + "\": update snmp_peers.cc");
    }
  }
  std::string devices;
  for (const auto& d : options.devices) {
    if (!fs::exists(ShareDir() + "/snmprec/" + d + ".snmprec")) {
      return absl::InvalidArgumentError("snmpsim-fleet: no recording " + ShareDir() + "/snmprec/" +
                                        d + ".snmprec");
    }
    devices += (devices.empty() ? "" : " ") + d;
  }

  const int attempts = options.base_port_hint != 0 ? 1 : 3;
  std::string last_error;
  bool last_timed_out = false;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    int base = options.base_port_hint;
    if (base == 0) {
      auto picked = PickFreeUdpPortRange(options.agents);
      if (!picked.ok()) return picked.status();
      base = *picked;
    }
    auto run_dir = MakeRunDir("snmpsim");
    if (!run_dir.ok()) return run_dir.status();
    Env env = {{"N", std::to_string(options.agents)},
               {"BASE_PORT", std::to_string(base)},
               {"RUN_DIR", *run_dir},
               {"MODE", options.mode},
               {"V3_AUTH_PROTO", options.v3_auth_protocol},
               {"V3_PRIV_PROTO", options.v3_priv_protocol}};
    if (!devices.empty()) env.emplace_back("DEVICES", devices);
    Watchdog watchdog;
    absl::StatusOr<CommandResult> run =
        LaunchAgent(script, env, options.start_timeout, options.max_lifetime, &watchdog);
    const pid_t pid = ReadPidFile(*run_dir + "/snmpsimd.pid");
    bool ok = run.ok() && !run->timed_out && run->exit_code == 0 && ProcessAlive(pid);
    std::vector<SnmpsimAgent> agents;
    std::string why = "did not come up";
    if (ok) {
      auto tsv = ReadFile(*run_dir + "/agents.tsv");
      std::istringstream lines(tsv.value_or(""));
      std::string line;
      while (std::getline(lines, line)) {
        std::istringstream f(line);
        SnmpsimAgent a;
        if (!(f >> a.port >> a.index >> a.device)) continue;
        a.community = options.mode == "v2c"
                          ? "public"
                          : "1.3.6.1.6.1.1." + std::to_string(a.index) + "/127.0.0.1";
        agents.push_back(std::move(a));
      }
      if (static_cast<int>(agents.size()) != options.agents || agents.front().port != base) {
        ok = false;
        why = "wrote " + std::to_string(agents.size()) + " agents to agents.tsv, want " +
              std::to_string(options.agents);
      }
    }
    if (ok) {
      // The script gives up waiting after a while but says "started" either way: ask the last
      // agent ourselves.
      std::vector<std::string> probe = {"snmpget"};
      if (options.mode == "v2c") {
        probe.insert(probe.end(), {"-v2c", "-c", "public"});
      } else {
        probe.insert(probe.end(),
                     {"-v3", "-l", "authPriv", "-u", "simulator", "-a", options.v3_auth_protocol,
                      "-A", "auctoritas", "-x", options.v3_priv_protocol, "-X", "privatus"});
      }
      probe.insert(probe.end(),
                   {"-t", "2", "-r", "2", "-On", agents.back().address(), "1.3.6.1.2.1.1.3.0"});
      auto answered = RunCommand(probe, {}, std::chrono::seconds(20));
      ok = answered.ok() && answered->exit_code == 0;
      if (!ok) why = "last agent " + agents.back().address() + " does not answer";
    }
    if (ok) {
      auto fleet = std::unique_ptr<SnmpsimFleet>(new SnmpsimFleet());
      fleet->base_port_ = base;
      fleet->pid_ = pid;
      fleet->mode_ = options.mode;
      fleet->v3_auth_protocol_ = options.v3_auth_protocol;
      fleet->v3_priv_protocol_ = options.v3_priv_protocol;
      fleet->run_dir_ = *run_dir;
      fleet->env_ = env;
      fleet->agents_ = std::move(agents);
      fleet->watchdog_pid_ = watchdog.pid;
      fleet->watchdog_fd_ = watchdog.fd;
      return fleet;
    }
    last_timed_out = run.ok() && run->timed_out;
    last_error = DescribeFailure("snmpsim-fleet N=" + std::to_string(options.agents) +
                                     " BASE_PORT=" + std::to_string(base) + " (attempt " +
                                     std::to_string(attempt + 1) + ") " + why,
                                 run, {*run_dir + "/snmpsimd.log", *run_dir + "/stdout.log"});
    StopAgent(script, env, pid, "snmpsimd", nullptr).IgnoreError();
    EndWatchdog(&watchdog);
    RemoveRunDir(*run_dir);
  }
  return last_timed_out ? absl::DeadlineExceededError(last_error)
                        : absl::UnavailableError(last_error);
}

SnmpsimFleet::~SnmpsimFleet() { Stop().IgnoreError(); }

absl::Status SnmpsimFleet::Stop() {
  if (stopped_) return absl::OkStatus();
  stopped_ = true;
  absl::Status s = StopAgent(ScriptPath(), env_, pid_, "snmpsimd", nullptr);
  Watchdog watchdog{watchdog_pid_, watchdog_fd_};
  EndWatchdog(&watchdog);
  watchdog_pid_ = -1;
  watchdog_fd_ = -1;
  if (s.ok()) RemoveRunDir(run_dir_);
  return s;
}

}  // namespace cistern::testing
