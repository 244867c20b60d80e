// Gateway: the process-level owner of the HTTP gateway. The main thread runs the admin listener
// and the signal watchers on its own loop; N workers each run their own loop and listeners.
// SIGINT/SIGTERM start a graceful stop: /ready turns 503, workers stop accepting, in-flight
// requests get the drain timeout to finish, then everything closes and run() returns.
#pragma once

#include <memory>
#include <vector>

#include "core/error.h"
#include "core/event/loop.h"
#include "core/event/timer.h"
#include "core/metrics/metrics.h"
#include "gateway/admin.h"
#include "gateway/config.h"
#include "gateway/metrics.h"
#include "gateway/worker.h"

namespace strata::gateway {

class Gateway {
 public:
  explicit Gateway(std::shared_ptr<const Snapshot> snapshot);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Main thread. Binds the admin listener and starts every worker (each binds its listeners).
  // On failure nothing is left running.
  core::Status start();
  // Main thread. Runs the admin loop until a graceful stop has finished; returns the number of
  // worker loops that did not close cleanly (0 on a clean stop).
  int run();
  // Main thread. Publishes a new config snapshot to every worker (the reload path). Listener
  // changes need a restart and are refused.
  core::Status publish(std::shared_ptr<const Snapshot> snapshot);
  // Main thread (also called from the signal watchers). Starts the graceful stop.
  void stop();

  // The listeners' real addresses, in config order (ports resolved when configured as 0).
  const std::vector<core::SocketAddress>& listenerAddresses() const { return listener_addresses_; }
  core::SocketAddress adminAddress() const { return admin_->boundAddress(); }
  core::MetricsRegistry& metrics() { return registry_; }
  core::Loop& loop() { return loop_; }

 private:
  void onWorkerStopped();

  core::Loop loop_;
  std::shared_ptr<const Snapshot> snapshot_;
  core::MetricsRegistry registry_;
  std::unique_ptr<GatewayMetrics> metrics_;
  std::unique_ptr<AdminServer> admin_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<core::SocketAddress> listener_addresses_;
  std::unique_ptr<core::SignalWatcher> sigint_;
  std::unique_ptr<core::SignalWatcher> sigterm_;
  bool ready_ = false;
  bool stopping_ = false;
  int running_workers_ = 0;
};

}  // namespace strata::gateway
