// strata: one binary, one subcommand per tier.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "cmd/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Strata: API gateway and caching proxy"};
  app.require_subcommand(0, 1);
  // Options of the top level (such as --log-level) are accepted after the subcommand too.
  app.fallthrough();
  app.set_version_flag("--version", std::string("strata ") + STRATA_VERSION);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

  std::string gateway_config;
  auto* gateway = app.add_subcommand("gateway", "Run the HTTP gateway");
  gateway->add_option("--config,-c", gateway_config, "Gateway YAML config")->required();

  strata::cmd::CacheNodeOptions node;
  auto* cache_node = app.add_subcommand("cache-node", "Run a Redis-protocol cache node");
  cache_node->add_option("--port", node.port, "TCP port")->check(CLI::Range(0, 65535));
  cache_node->add_option("--bind", node.bind, "Address to listen on");

  std::string check_path;
  auto* check = app.add_subcommand("check-config", "Validate a gateway config file");
  check->add_option("file", check_path, "Config file")->required();

  CLI11_PARSE(app, argc, argv);

  if (*gateway) {
    return strata::cmd::runGateway(gateway_config, log_level);
  }
  if (*cache_node) {
    node.log_level = log_level;
    return strata::cmd::runCacheNode(node);
  }
  if (*check) {
    return strata::cmd::runCheckConfig(check_path);
  }
  std::fputs(app.help().c_str(), stdout);
  return 0;
}
