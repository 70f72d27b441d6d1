// Runs the cistern-cli binary (CISTERN_CLI_PATH) as a child process for end-to-end tests.
#ifndef CISTERN_TESTS_CLI_RUN_CLI_H_
#define CISTERN_TESTS_CLI_RUN_CLI_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace cistern::testing {

struct Run {
  int exit_code = -1;
  std::string out, err;
};

// Runs cistern-cli with `args`; `while_running` is called with the child's pid and a function
// that returns stderr read so far. The child is killed by PID if it outlives `timeout`.
inline Run RunCli(
    std::vector<std::string> args,
    const std::function<void(pid_t, const std::function<std::string()>&)>& while_running = nullptr,
    std::chrono::seconds timeout = std::chrono::seconds(30)) {
  int out_pipe[2], err_pipe[2];
  REQUIRE(pipe(out_pipe) == 0);
  REQUIRE(pipe(err_pipe) == 0);
  args.insert(args.begin(), CISTERN_CLI_PATH);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  Run run;
  auto drain = [&] {
    char buf[65536];
    ssize_t n;
    while ((n = read(out_pipe[0], buf, sizeof buf)) > 0) run.out.append(buf, n);
    while ((n = read(err_pipe[0], buf, sizeof buf)) > 0) run.err.append(buf, n);
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (while_running) {
    while_running(pid, [&] {
      drain();
      return run.err;
    });
  }
  int status = 0;
  while (true) {
    drain();
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL("cistern-cli did not finish in time: " << run.err);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  drain();
  close(out_pipe[0]);
  close(err_pipe[0]);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace cistern::testing

#endif  // CISTERN_TESTS_CLI_RUN_CLI_H_
