// `strata gateway --config FILE`: loads and validates the config with the built-in filter
// factories, starts the gateway and runs it until SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>

#include "cmd/commands.h"
#include "core/log/log.h"
#include "gateway/config.h"
#include "gateway/gateway.h"
#include "plugins/all_plugins.h"

namespace strata::cmd {

int runGateway(const std::string& config_path, const std::string& log_level) {
  core::initLogging(log_level);
  // A client that disconnects while we write must not kill the process; libuv reports EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  auto config = gateway::GatewayConfig::load(config_path, plugins::allFilterFactories());
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().context.c_str());
    return 1;
  }
  auto snapshot = std::make_shared<const gateway::Snapshot>(std::move(*config));
  gateway::Gateway gateway(snapshot);
  if (auto started = gateway.start(); !started) {
    STRATA_LOG_ERROR("cannot start the gateway: {}", started.error().describe());
    return 1;
  }
  const auto& listeners = snapshot->config.listeners;
  for (size_t i = 0; i < listeners.size(); ++i) {
    STRATA_LOG_INFO("gateway listening on {} (listener '{}', {} workers)",
                    gateway.listenerAddresses()[i].toString(), listeners[i].name,
                    snapshot->config.workers);
  }
  STRATA_LOG_INFO("admin listening on {}", gateway.adminAddress().toString());
  const int unclean = gateway.run();
  if (unclean != 0) {
    STRATA_LOG_ERROR("{} worker loops closed with handles still open", unclean);
    return 1;
  }
  STRATA_LOG_INFO("gateway stopped");
  return 0;
}

}  // namespace strata::cmd
