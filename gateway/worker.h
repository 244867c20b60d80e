// Worker: one thread with its own event loop, its own SO_REUSEPORT listeners (the kernel spreads
// connections over workers), its own client connections and upstream pools. Nothing here is
// shared with other workers except the immutable config snapshot and the metrics registry, so
// the request path takes no locks.
#pragma once

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/event/loop.h"
#include "core/event/tcp.h"
#include "core/event/timer.h"
#include "gateway/config.h"
#include "gateway/deferred.h"
#include "gateway/metrics.h"
#include "gateway/upstream.h"

namespace strata::gateway {

class DownstreamConnection;

// Everything a worker derives from one config snapshot. Requests hold a shared_ptr to the state
// they started under, so a reload never pulls a route or cluster from under a request.
struct WorkerState {
  WorkerState(std::shared_ptr<const Snapshot> snapshot_in, core::Loop& loop_in,
              DeferredQueue& deferred_in, GatewayMetrics& metrics);

  std::shared_ptr<const Snapshot> snapshot;
  core::Loop& loop;
  DeferredQueue& deferred;
  // Chain order; a factory is null when its filter failed to initialise on this worker.
  std::vector<std::unique_ptr<WorkerFilterFactory>> filter_factories;
  // Indexed like snapshot->config.clusters.
  std::vector<std::unique_ptr<UpstreamCluster>> clusters;
  RouteMetricsCache route_metrics;
};

class Worker {
 public:
  Worker(int index, GatewayMetrics& metrics, prometheus::Registry& registry);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Main thread. Starts the thread and binds one listener per entry of `addresses` (in config
  // order; a port 0 is bound to an ephemeral port). Blocks until the listeners are bound, and
  // returns their real addresses, or the error that stopped the worker.
  core::Result<std::vector<core::SocketAddress>> start(std::shared_ptr<const Snapshot> snapshot,
                                                       std::vector<core::SocketAddress> addresses);
  // Any thread. Hands the worker a new config snapshot (through Loop::post, so the request path
  // takes no lock): new requests use it, requests in flight finish under the one they started
  // with. The listeners must be the same as in the snapshot the worker started with.
  void publish(std::shared_ptr<const Snapshot> snapshot);
  // Main thread. Graceful stop: close the listeners, let in-flight requests finish within the
  // drain timeout, close the rest. `on_stopped` runs on the worker thread when the loop is done.
  void stop(std::function<void()> on_stopped);
  // Main thread. Waits for the thread to end.
  void join();
  // Any thread: 0 once the worker's loop closed cleanly (uv_loop_close() returned 0).
  int loopCloseResult() const { return loop_close_result_.load(); }

  // Worker thread only below.
  int index() const { return index_; }
  core::Loop& loop() { return *loop_; }
  DeferredQueue& deferred() { return *deferred_; }
  const std::shared_ptr<WorkerState>& state() const { return state_; }
  GatewayMetrics& metrics() { return metrics_; }
  bool draining() const { return draining_; }
  // The pool for an endpoint, created on first use.
  EndpointPool& pool(const core::SocketAddress& peer);
  // A connection closed; it is freed on a later loop turn.
  void removeConnection(DownstreamConnection* connection);

 private:
  void threadMain(std::shared_ptr<const Snapshot> snapshot,
                  std::vector<core::SocketAddress> addresses,
                  std::promise<core::Result<std::vector<core::SocketAddress>>>* started);
  std::shared_ptr<WorkerState> buildState(std::shared_ptr<const Snapshot> snapshot);
  void onAccept(size_t listener_index, std::unique_ptr<core::TcpConnection> tcp);
  void beginDrain();
  void maybeFinishDrain();
  void shutdownNow();

  const int index_;
  GatewayMetrics& metrics_;
  prometheus::Registry& registry_;
  std::unique_ptr<core::Loop> loop_;
  std::thread thread_;
  std::atomic<int> loop_close_result_{-1};

  // Worker-thread state.
  std::unique_ptr<DeferredQueue> deferred_;
  std::unique_ptr<WorkerContext> context_;
  std::shared_ptr<WorkerState> state_;
  std::vector<std::unique_ptr<core::TcpListener>> listeners_;
  std::unordered_map<DownstreamConnection*, std::unique_ptr<DownstreamConnection>> connections_;
  std::unordered_map<std::string, std::unique_ptr<EndpointPool>> pools_;
  std::unique_ptr<core::Timer> drain_timer_;
  std::function<void()> on_stopped_;
  bool draining_ = false;
  bool stopped_ = false;
};

}  // namespace strata::gateway
