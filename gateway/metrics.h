// The gateway's Prometheus metrics (strata_gateway_*): families created once per process, and
// per-worker caches of the labelled series so the request path never takes prometheus-cpp's
// family lock (series are resolved on first use and then reused).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "core/error.h"
#include "core/metrics/metrics.h"

namespace strata::gateway {

// Label used for requests that matched no route (404s and codec errors).
inline constexpr const char* kNoRouteLabel = "";

class GatewayMetrics {
 public:
  // Main thread, once. Fails only if a family name clashes with another metric type.
  static core::Result<std::unique_ptr<GatewayMetrics>> create(core::MetricsRegistry& registry);

  prometheus::Family<prometheus::Counter>* requests_total = nullptr;
  prometheus::Family<prometheus::Histogram>* request_duration = nullptr;
  prometheus::Family<prometheus::Counter>* upstream_connect_errors = nullptr;
  prometheus::Family<prometheus::Counter>* upstream_requests = nullptr;
  prometheus::Gauge* downstream_connections_active = nullptr;
  prometheus::Counter* downstream_connections_total = nullptr;
};

// Per worker, per config snapshot: the series of each route (by route index, plus one slot for
// "no route"), resolved lazily. Worker thread only.
class RouteMetricsCache {
 public:
  RouteMetricsCache(GatewayMetrics& metrics, std::vector<std::string> route_names);

  // Counts one finished request and its duration. route_index == npos means "no route".
  void record(size_t route_index, int status, double seconds);

  static constexpr size_t npos = static_cast<size_t>(-1);

 private:
  struct Slot {
    std::string name;
    prometheus::Histogram* duration = nullptr;
    std::vector<std::pair<int, prometheus::Counter*>> by_status;  // few distinct codes per route
  };

  GatewayMetrics& metrics_;
  std::vector<Slot> slots_;  // routes..., then the no-route slot
};

}  // namespace strata::gateway
