// Test helper: runs a program (the built corral binary, node, the peer's tools) and captures its exit code,
// stdout and stderr separately.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;

namespace corral::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when the program could not start or was killed by a signal
  std::string out;
  std::string err;
};

namespace internal {

inline void Drain(int fd, std::string& into) {
  char buf[65536];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) into.append(buf, static_cast<size_t>(n));
}

}  // namespace internal

// Runs argv[0] (searched in PATH) with argv. Output is read through temporary files, so a chatty program
// can never block on a full pipe.
inline ProcessResult RunProcess(const std::vector<std::string>& argv) {
  ProcessResult result;
  char out_path[] = "/tmp/corral-test-out-XXXXXX";
  char err_path[] = "/tmp/corral-test-err-XXXXXX";
  const int out_fd = ::mkstemp(out_path);
  const int err_fd = ::mkstemp(err_path);
  if (out_fd < 0 || err_fd < 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  } else {
    result.err = "could not start " + argv[0];
  }
  ::lseek(out_fd, 0, SEEK_SET);
  ::lseek(err_fd, 0, SEEK_SET);
  internal::Drain(out_fd, result.out);
  internal::Drain(err_fd, result.err);
  ::close(out_fd);
  ::close(err_fd);
  ::unlink(out_path);
  ::unlink(err_path);
  return result;
}

}  // namespace corral::testing
