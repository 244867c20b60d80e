// Gateway start-up, signal handling and graceful stop.
#include "gateway/gateway.h"

#include <csignal>

#include "core/log/log.h"

namespace strata::gateway {

Gateway::Gateway(std::shared_ptr<const Snapshot> snapshot) : snapshot_(std::move(snapshot)) {
  admin_ = std::make_unique<AdminServer>(loop_, registry_, [this] { return ready_ && !stopping_; });
}

Gateway::~Gateway() {
  if (running_workers_ > 0 && !stopping_) {
    stop();
    loop_.run();
  }
  for (auto& worker : workers_) {
    worker->join();
  }
  workers_.clear();
  sigint_.reset();
  sigterm_.reset();
  admin_.reset();
  loop_.close();
}

core::Status Gateway::start() {
  // Watch the signals before anything listens: a SIGTERM that arrives as soon as the ports
  // answer must start the graceful stop, not kill the process with the default action.
  sigint_ = std::make_unique<core::SignalWatcher>(loop_, SIGINT, [this] { stop(); });
  sigterm_ = std::make_unique<core::SignalWatcher>(loop_, SIGTERM, [this] { stop(); });
  auto metrics = GatewayMetrics::create(registry_);
  if (!metrics) {
    return tl::unexpected(metrics.error());
  }
  metrics_ = std::move(*metrics);
  if (auto listening = admin_->listen(snapshot_->config.admin.address); !listening) {
    return tl::unexpected(listening.error());
  }
  std::vector<core::SocketAddress> addresses;
  for (const auto& listener : snapshot_->config.listeners) {
    addresses.push_back(listener.address);
  }
  for (int i = 0; i < snapshot_->config.workers; ++i) {
    auto worker = std::make_unique<Worker>(i, *metrics_, *registry_.registry());
    auto bound = worker->start(snapshot_, addresses);
    if (!bound) {
      // Workers already running are stopped before the error goes back.
      stop();
      loop_.run();
      return tl::unexpected(bound.error());
    }
    // Later workers share the first one's ports (SO_REUSEPORT), so "port 0" means one port.
    addresses = *bound;
    if (i == 0) {
      listener_addresses_ = *bound;
    }
    workers_.push_back(std::move(worker));
    ++running_workers_;
  }
  ready_ = true;
  return {};
}

core::Status Gateway::publish(std::shared_ptr<const Snapshot> snapshot) {
  const auto& now = snapshot_->config.listeners;
  const auto& next = snapshot->config.listeners;
  bool same = now.size() == next.size();
  for (size_t i = 0; same && i < now.size(); ++i) {
    same = now[i].address.toString() == next[i].address.toString();
  }
  if (!same) {
    return core::fail(core::ErrorKind::ConfigInvalid,
                      "changing listeners needs a restart of the gateway");
  }
  if (stopping_) {
    return core::fail(core::ErrorKind::Internal, "the gateway is stopping");
  }
  snapshot_ = snapshot;
  for (auto& worker : workers_) {
    worker->publish(snapshot);
  }
  return {};
}

int Gateway::run() {
  loop_.run();
  int unclean = 0;
  for (auto& worker : workers_) {
    worker->join();
    if (worker->loopCloseResult() != 0) {
      ++unclean;
    }
  }
  return unclean;
}

void Gateway::stop() {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  STRATA_LOG_INFO("gateway stopping: draining in-flight requests (up to {} ms)",
                  snapshot_->config.drain_timeout_ms);
  if (running_workers_ == 0) {
    onWorkerStopped();
    return;
  }
  for (auto& worker : workers_) {
    worker->stop([this] { loop_.post([this] { onWorkerStopped(); }); });
  }
}

void Gateway::onWorkerStopped() {
  if (running_workers_ > 0) {
    --running_workers_;
  }
  if (running_workers_ > 0) {
    return;
  }
  admin_->close();
  sigint_.reset();
  sigterm_.reset();
  core::ignoreStopSignals();
  loop_.stop();
}

}  // namespace strata::gateway
