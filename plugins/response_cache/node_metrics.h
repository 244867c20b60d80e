// Per-cache-node metrics of the gateway's cache-tier client: every worker's client keeps atomic
// counters per node; this exporter turns them into Prometheus series labelled by node, so an
// operator sees which node is slow, refusing or flapping, not only the cache's total errors.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "cache/client/node_connection.h"
#include "core/event/loop.h"
#include "core/event/timer.h"

namespace strata::plugins::response_cache {

class NodeMetricsExporter {
 public:
  using StatsSource = std::function<std::vector<cache::client::NodeStatsSnapshot>()>;

  // Worker thread. Series are created once per node; `source` is read every `period_ms` by a
  // background timer (it never keeps the loop alive).
  NodeMetricsExporter(core::Loop& loop, prometheus::Registry& registry, StatsSource source,
                      uint64_t period_ms = 1000);
  ~NodeMetricsExporter();
  NodeMetricsExporter(const NodeMetricsExporter&) = delete;
  NodeMetricsExporter& operator=(const NodeMetricsExporter&) = delete;

  // Adds what changed since the last call to the counters. Runs from the timer; public so
  // tests (and shutdown) can flush without waiting.
  void publish();

 private:
  struct NodeSeries {
    std::string name;
    prometheus::Counter* requests = nullptr;
    prometheus::Counter* errors = nullptr;
    prometheus::Counter* timeouts = nullptr;
    prometheus::Counter* connect_failures = nullptr;
    prometheus::Counter* disconnects = nullptr;
    prometheus::Gauge* connected = nullptr;  // workers currently connected to the node
    cache::client::NodeStatsSnapshot last;   // what was already published
  };

  NodeSeries& seriesFor(const cache::client::NodeStatsSnapshot& stats);

  prometheus::Registry& registry_;
  StatsSource source_;
  std::vector<NodeSeries> series_;
  std::unique_ptr<core::Timer> timer_;
};

}  // namespace strata::plugins::response_cache
