// Worker thread: start-up, per-snapshot state, accepting, graceful drain and loop teardown.
#include "gateway/worker.h"

#include <future>

#include "core/log/log.h"
#include "gateway/downstream_connection.h"

namespace strata::gateway {

namespace {
constexpr int kListenBacklog = 1024;
}

WorkerState::WorkerState(std::shared_ptr<const Snapshot> snapshot_in, core::Loop& loop_in,
                         DeferredQueue& deferred_in, GatewayMetrics& metrics)
    : snapshot(std::move(snapshot_in)),
      loop(loop_in),
      deferred(deferred_in),
      route_metrics(metrics, [&] {
        std::vector<std::string> names;
        for (const auto& route : snapshot->router.routes()) {
          names.push_back(route.name);
        }
        return names;
      }()) {}

Worker::Worker(int index, GatewayMetrics& metrics, prometheus::Registry& registry)
    : index_(index),
      metrics_(metrics),
      registry_(registry),
      loop_(std::make_unique<core::Loop>()) {}

Worker::~Worker() {
  join();
}

core::Result<std::vector<core::SocketAddress>> Worker::start(
    std::shared_ptr<const Snapshot> snapshot, std::vector<core::SocketAddress> addresses) {
  std::promise<core::Result<std::vector<core::SocketAddress>>> started;
  auto result = started.get_future();
  thread_ = std::thread([this, snapshot = std::move(snapshot), addresses = std::move(addresses),
                         promise = &started]() mutable {
    threadMain(std::move(snapshot), std::move(addresses), promise);
  });
  auto bound = result.get();
  if (!bound) {
    join();
  }
  return bound;
}

void Worker::threadMain(std::shared_ptr<const Snapshot> snapshot,
                        std::vector<core::SocketAddress> addresses,
                        std::promise<core::Result<std::vector<core::SocketAddress>>>* started) {
  deferred_ = std::make_unique<DeferredQueue>(*loop_);
  context_ = std::make_unique<WorkerContext>(WorkerContext{*loop_, index_, registry_});
  state_ = buildState(std::move(snapshot));
  std::vector<core::SocketAddress> bound;
  core::Status status;
  for (size_t i = 0; i < addresses.size() && status; ++i) {
    auto listener = std::make_unique<core::TcpListener>(*loop_);
    status = listener->listen(
        addresses[i], true, kListenBacklog,
        [this, i](std::unique_ptr<core::TcpConnection> tcp) { onAccept(i, std::move(tcp)); });
    if (status) {
      bound.push_back(listener->boundAddress());
      listeners_.push_back(std::move(listener));
    }
  }
  if (!status) {
    shutdownNow();
    started->set_value(tl::unexpected(status.error()));
    return;
  }
  started->set_value(std::move(bound));
  loop_->run();
  shutdownNow();
}

std::shared_ptr<WorkerState> Worker::buildState(std::shared_ptr<const Snapshot> snapshot) {
  auto state = std::make_shared<WorkerState>(snapshot, *loop_, *deferred_, metrics_);
  for (const auto& spec : snapshot->config.filters) {
    try {
      state->filter_factories.push_back(spec.factory->createForWorker(spec.config, *context_));
    } catch (const std::exception& e) {
      STRATA_LOG_ERROR("worker {}: filter {} failed to start: {}", index_, spec.name, e.what());
      state->filter_factories.push_back(nullptr);
    }
  }
  for (const auto& cluster : snapshot->config.clusters) {
    std::vector<EndpointPool*> pools;
    for (const auto& endpoint : cluster.endpoints) {
      auto& endpoint_pool = pool(endpoint);
      endpoint_pool.setLimits(cluster.max_idle_connections, cluster.idle_timeout_ms);
      pools.push_back(&endpoint_pool);
    }
    auto* requests = &metrics_.upstream_requests->Add({{"cluster", cluster.name}});
    auto* connect_errors = &metrics_.upstream_connect_errors->Add({{"cluster", cluster.name}});
    state->clusters.push_back(
        std::make_unique<UpstreamCluster>(cluster, std::move(pools), requests, connect_errors));
  }
  return state;
}

EndpointPool& Worker::pool(const core::SocketAddress& peer) {
  const auto key = peer.toString();
  auto it = pools_.find(key);
  if (it == pools_.end()) {
    it = pools_.emplace(key, std::make_unique<EndpointPool>(*loop_, *deferred_, peer)).first;
  }
  return *it->second;
}

void Worker::onAccept(size_t listener_index, std::unique_ptr<core::TcpConnection> tcp) {
  if (draining_) {
    return;  // tcp's destructor closes it
  }
  const auto& listener = state_->snapshot->config.listeners[listener_index];
  auto connection = std::make_unique<DownstreamConnection>(*this, listener, std::move(tcp));
  auto* raw = connection.get();
  connections_.emplace(raw, std::move(connection));
  raw->start();
}

void Worker::removeConnection(DownstreamConnection* connection) {
  auto it = connections_.find(connection);
  if (it == connections_.end()) {
    return;
  }
  deferred_->deleteLater(std::move(it->second));
  connections_.erase(it);
  if (draining_) {
    maybeFinishDrain();
  }
}

void Worker::publish(std::shared_ptr<const Snapshot> snapshot) {
  loop_->post([this, snapshot = std::move(snapshot)]() mutable {
    if (!draining_) {
      state_ = buildState(std::move(snapshot));
    }
  });
}

void Worker::stop(std::function<void()> on_stopped) {
  loop_->post([this, on_stopped = std::move(on_stopped)]() mutable {
    on_stopped_ = std::move(on_stopped);
    beginDrain();
  });
}

void Worker::beginDrain() {
  if (draining_) {
    return;
  }
  draining_ = true;
  for (auto& listener : listeners_) {
    listener->close();
  }
  listeners_.clear();
  for (auto& [key, endpoint_pool] : pools_) {
    endpoint_pool->drain();
  }
  // drain() may close connections, which removes them from the map: iterate over a copy.
  std::vector<DownstreamConnection*> open;
  open.reserve(connections_.size());
  for (auto& [raw, owned] : connections_) {
    open.push_back(raw);
  }
  for (auto* connection : open) {
    if (connections_.count(connection) != 0) {
      connection->drain();
    }
  }
  const uint64_t deadline = state_ ? state_->snapshot->config.drain_timeout_ms : 0;
  drain_timer_ = std::make_unique<core::Timer>(*loop_);
  drain_timer_->start(deadline, [this] {
    if (!connections_.empty()) {
      STRATA_LOG_WARN("worker {}: closing {} connections still busy after the drain timeout",
                      index_, connections_.size());
    }
    std::vector<DownstreamConnection*> left;
    for (auto& [raw, owned] : connections_) {
      left.push_back(raw);
    }
    for (auto* connection : left) {
      if (connections_.count(connection) != 0) {
        connection->closeNow();
      }
    }
    maybeFinishDrain();
  });
  maybeFinishDrain();
}

void Worker::maybeFinishDrain() {
  if (!draining_ || stopped_ || !connections_.empty()) {
    return;
  }
  stopped_ = true;
  loop_->stop();
}

void Worker::shutdownNow() {
  // Worker thread, after the loop stopped (or failed to start): release everything that owns
  // libuv handles, then close the loop and check that nothing leaked.
  listeners_.clear();
  // Closing hands each connection to the deferred queue, whose drain runs the tasks that may
  // still refer to a connection before it frees any of them.
  std::vector<DownstreamConnection*> left;
  for (auto& [raw, owned] : connections_) {
    left.push_back(raw);
  }
  for (auto* connection : left) {
    connection->closeNow();
  }
  connections_.clear();
  if (deferred_) {
    deferred_->drainAll();
  }
  state_.reset();
  pools_.clear();
  if (deferred_) {
    deferred_->drainAll();
  }
  drain_timer_.reset();
  deferred_.reset();
  const int rc = loop_->close();
  loop_close_result_.store(rc);
  if (rc != 0) {
    STRATA_LOG_ERROR("worker {}: event loop closed with handles still open", index_);
  }
  if (on_stopped_) {
    on_stopped_();
  }
}

void Worker::join() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace strata::gateway
