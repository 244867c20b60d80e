// `strata cache-node`: runs one Redis-protocol cache node until SIGINT or SIGTERM.
#include <csignal>
#include <memory>

#include "cache/node/clock.h"
#include "cache/node/server.h"
#include "cmd/commands.h"
#include "core/event/loop.h"
#include "core/event/timer.h"
#include "core/log/log.h"

namespace strata::cmd {

int runCacheNode(const CacheNodeOptions& options) {
  core::initLogging(options.log_level);
  core::Loop loop;
  cache::node::SystemClock clock;
  cache::node::ServerOptions server_options;
  server_options.bind = options.bind;
  server_options.port = static_cast<uint16_t>(options.port);
  auto server = std::make_unique<cache::node::CacheServer>(loop, clock, server_options);
  if (auto started = server->start(); !started) {
    STRATA_LOG_ERROR("cache node cannot start: {}", started.error().describe());
    server.reset();
    loop.close();
    return 1;
  }
  STRATA_LOG_INFO("cache node listening on {}:{}", options.bind, server->port());

  auto shutdown = [&] {
    STRATA_LOG_INFO("cache node shutting down");
    server->stop();
    loop.stop();
  };
  auto on_sigint = std::make_unique<core::SignalWatcher>(loop, SIGINT, shutdown);
  auto on_sigterm = std::make_unique<core::SignalWatcher>(loop, SIGTERM, shutdown);
  loop.run();

  server->stop();
  on_sigint.reset();
  on_sigterm.reset();
  core::ignoreStopSignals();
  server.reset();
  const int rc = loop.close();
  if (rc != 0) {
    STRATA_LOG_ERROR("event loop did not close cleanly: {}", rc);
    return 1;
  }
  return 0;
}

}  // namespace strata::cmd
