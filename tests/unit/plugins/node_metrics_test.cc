// Tests for the per-cache-node metrics exporter: deltas from several workers add up, the
// connected-workers gauge follows connection state, and destruction leaves no stale gauge.
#include <gtest/gtest.h>

#include <prometheus/text_serializer.h>

#include "plugins/response_cache/node_metrics.h"

namespace strata::plugins::response_cache {
namespace {

std::string scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

cache::client::NodeStatsSnapshot node(std::string name, uint64_t requests, uint64_t errors,
                                      bool connected) {
  cache::client::NodeStatsSnapshot stats;
  stats.name = std::move(name);
  stats.address = "127.0.0.1:7001";
  stats.requests = requests;
  stats.errors = errors;
  stats.timeouts = errors / 2;
  stats.connected = connected;
  return stats;
}

TEST(NodeMetricsExporterTest, WorkersDeltasAddUpPerNode) {
  core::Loop loop;
  prometheus::Registry registry;
  {
    std::vector<cache::client::NodeStatsSnapshot> worker_a = {node("a", 10, 0, true),
                                                              node("b", 5, 2, false)};
    std::vector<cache::client::NodeStatsSnapshot> worker_b = {node("a", 3, 1, true)};
    NodeMetricsExporter exporter_a(loop, registry, [&] { return worker_a; });
    NodeMetricsExporter exporter_b(loop, registry, [&] { return worker_b; });
    exporter_a.publish();
    exporter_b.publish();
    // Counters are cumulative in the client; publishing again adds only the difference.
    worker_a[0].requests = 15;
    exporter_a.publish();
    exporter_a.publish();

    const auto text = scrape(registry);
    EXPECT_NE(text.find("strata_gateway_cache_node_requests_total{node=\"a\"} 18"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("strata_gateway_cache_node_requests_total{node=\"b\"} 5"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("strata_gateway_cache_node_errors_total{node=\"b\"} 2"), std::string::npos)
        << text;
    EXPECT_NE(text.find("strata_gateway_cache_node_timeouts_total{node=\"b\"} 1"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("strata_gateway_cache_node_connected_workers{node=\"a\"} 2"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("strata_gateway_cache_node_connected_workers{node=\"b\"} 0"),
              std::string::npos)
        << text;

    worker_b[0].connected = false;
    exporter_b.publish();
    EXPECT_NE(scrape(registry).find("strata_gateway_cache_node_connected_workers{node=\"a\"} 1"),
              std::string::npos);
  }
  // Exporters gone (workers stopped): nobody is connected any more.
  EXPECT_NE(scrape(registry).find("strata_gateway_cache_node_connected_workers{node=\"a\"} 0"),
            std::string::npos)
      << scrape(registry);
  EXPECT_EQ(loop.close(), 0);
}

}  // namespace
}  // namespace strata::plugins::response_cache
