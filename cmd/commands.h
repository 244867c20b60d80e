// The strata subcommands; main.cc parses the command line and calls one of these.
#pragma once

#include <string>

namespace strata::cmd {

struct CacheNodeOptions {
  int port = 6379;
  std::string bind = "127.0.0.1";
  std::string log_level = "info";
};

// Runs the gateway until SIGINT/SIGTERM. Returns the process exit code.
int runGateway(const std::string& config_path, const std::string& log_level);
// Runs one cache node until SIGINT/SIGTERM.
int runCacheNode(const CacheNodeOptions& options);
// Validates a gateway config file; prints every error as file:line: message. 0 if valid.
int runCheckConfig(const std::string& config_path);

}  // namespace strata::cmd
