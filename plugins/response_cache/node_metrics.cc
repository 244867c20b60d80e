// Publishes the cache-tier client's per-node counters as Prometheus series.
#include "plugins/response_cache/node_metrics.h"

#include <prometheus/family.h>

namespace strata::plugins::response_cache {

namespace {
prometheus::Family<prometheus::Counter>& counterFamily(prometheus::Registry& registry,
                                                       const std::string& name,
                                                       const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

void addDelta(prometheus::Counter* counter, uint64_t now, uint64_t before) {
  if (counter != nullptr && now > before) {
    counter->Increment(static_cast<double>(now - before));
  }
}
}  // namespace

NodeMetricsExporter::NodeMetricsExporter(core::Loop& loop, prometheus::Registry& registry,
                                         StatsSource source, uint64_t period_ms)
    : registry_(registry), source_(std::move(source)), timer_(std::make_unique<core::Timer>(loop)) {
  timer_->start(
      period_ms, [this] { publish(); }, period_ms);
  timer_->unref();
}

NodeMetricsExporter::~NodeMetricsExporter() {
  // What happened since the last tick still counts; a worker's connections close with it.
  publish();
  for (auto& node : series_) {
    if (node.last.connected && node.connected != nullptr) {
      node.connected->Decrement();
    }
  }
}

NodeMetricsExporter::NodeSeries& NodeMetricsExporter::seriesFor(
    const cache::client::NodeStatsSnapshot& stats) {
  for (auto& node : series_) {
    if (node.name == stats.name) {
      return node;
    }
  }
  // Family registration is idempotent for the same name and help, so every worker shares the
  // series of a node and their increments add up.
  const prometheus::Labels labels{{"node", stats.name}};
  NodeSeries node;
  node.name = stats.name;
  node.requests = &counterFamily(registry_, "strata_gateway_cache_node_requests_total",
                                 "Requests sent to a cache node.")
                       .Add(labels);
  node.errors = &counterFamily(registry_, "strata_gateway_cache_node_errors_total",
                               "Requests to a cache node that got no reply (down, timeout, "
                               "connection lost, queue full).")
                     .Add(labels);
  node.timeouts = &counterFamily(registry_, "strata_gateway_cache_node_timeouts_total",
                                 "Requests to a cache node that hit the cache_tier timeout.")
                       .Add(labels);
  node.connect_failures =
      &counterFamily(registry_, "strata_gateway_cache_node_connect_failures_total",
                     "Failed or timed-out connection attempts to a cache node.")
           .Add(labels);
  node.disconnects = &counterFamily(registry_, "strata_gateway_cache_node_disconnects_total",
                                    "Established connections to a cache node that were lost.")
                          .Add(labels);
  node.connected = &prometheus::BuildGauge()
                        .Name("strata_gateway_cache_node_connected_workers")
                        .Help("Gateway workers currently connected to a cache node.")
                        .Register(registry_)
                        .Add(labels);
  node.last.name = stats.name;
  series_.push_back(std::move(node));
  return series_.back();
}

void NodeMetricsExporter::publish() {
  if (!source_) {
    return;
  }
  for (const auto& stats : source_()) {
    auto& node = seriesFor(stats);
    addDelta(node.requests, stats.requests, node.last.requests);
    addDelta(node.errors, stats.errors, node.last.errors);
    addDelta(node.timeouts, stats.timeouts, node.last.timeouts);
    addDelta(node.connect_failures, stats.connect_failures, node.last.connect_failures);
    addDelta(node.disconnects, stats.disconnects, node.last.disconnects);
    if (stats.connected != node.last.connected) {
      if (stats.connected) {
        node.connected->Increment();
      } else {
        node.connected->Decrement();
      }
    }
    node.last = stats;
  }
}

}  // namespace strata::plugins::response_cache
