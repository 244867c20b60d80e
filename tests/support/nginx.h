// Test support: an nginx origin server on a free loopback port, configured from a few server
// directives, running in the foreground as one process so the test always stops it.
#pragma once

#include <cstdint>
#include <string>

#include "tests/support/process.h"

namespace strata::testing {

class NginxServer {
 public:
  // `dir` holds the generated config, temp paths and logs (it must exist); `server_directives`
  // go inside the one server block (root, locations, ...).
  NginxServer(std::string dir, std::string server_directives);
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  // False when nginx is not installed or did not accept connections in time; error() says why.
  bool start();
  void stop();
  uint16_t port() const { return port_; }
  const std::string& error() const { return error_; }
  // The error log, for test failure messages.
  std::string log() const;

 private:
  std::string dir_;
  std::string server_directives_;
  uint16_t port_ = 0;
  std::string error_;
  ChildProcess process_;
};

}  // namespace strata::testing
