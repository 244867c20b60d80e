// Test support: child processes (the strata binary, redis-server, nginx) that are always
// stopped when the owning object dies, plus loopback port helpers with bounded waits.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace strata::testing {

// A free TCP port on 127.0.0.1, found by binding port 0. Racy in principle, fine on loopback.
uint16_t freePort();

// Polls until something accepts connections on 127.0.0.1:port, at most `timeout`.
bool waitForPort(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Path of a program on PATH or in /usr/sbin, or "" when absent.
std::string findProgram(const std::string& name);

class ChildProcess {
 public:
  ChildProcess() = default;
  // Starts argv[0] (an absolute path or a name on PATH) with stdout/stderr sent to log_path.
  ChildProcess(std::vector<std::string> argv, std::string log_path);
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status as from waitpid.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGKILL and reap.
  void kill();
  const std::string& logPath() const { return log_path_; }
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  std::string log_path_;
};

// Runs a command to completion (bounded by timeout) and returns its stdout; exit_code receives
// the exit status (or -1 on timeout).
std::string runCommand(const std::vector<std::string>& argv, int* exit_code = nullptr,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A fresh directory under the build tree's temp area, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

}  // namespace strata::testing
