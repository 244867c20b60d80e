// Gateway metric families and the per-worker series caches.
#include "gateway/metrics.h"

namespace strata::gateway {

core::Result<std::unique_ptr<GatewayMetrics>> GatewayMetrics::create(
    core::MetricsRegistry& registry) {
  auto out = std::make_unique<GatewayMetrics>();
  auto requests = registry.counterFamily("strata_gateway_requests_total",
                                         "Requests answered downstream, by route and status.");
  if (!requests) {
    return tl::unexpected(requests.error());
  }
  auto duration =
      registry.histogramFamily("strata_gateway_request_duration_seconds",
                               "Time from the request head to the end of the response, by route.");
  if (!duration) {
    return tl::unexpected(duration.error());
  }
  auto connect_errors =
      registry.counterFamily("strata_gateway_upstream_connect_errors_total",
                             "Failed or timed-out connection attempts to upstream endpoints.");
  if (!connect_errors) {
    return tl::unexpected(connect_errors.error());
  }
  auto upstream_requests = registry.counterFamily("strata_gateway_upstream_requests_total",
                                                  "Requests sent to upstream endpoints.");
  if (!upstream_requests) {
    return tl::unexpected(upstream_requests.error());
  }
  auto active =
      registry.gauge("strata_gateway_downstream_connections_active", "Open client connections.");
  if (!active) {
    return tl::unexpected(active.error());
  }
  auto total = registry.counter("strata_gateway_downstream_connections_total",
                                "Client connections accepted.");
  if (!total) {
    return tl::unexpected(total.error());
  }
  out->requests_total = *requests;
  out->request_duration = *duration;
  out->upstream_connect_errors = *connect_errors;
  out->upstream_requests = *upstream_requests;
  out->downstream_connections_active = *active;
  out->downstream_connections_total = *total;
  return out;
}

RouteMetricsCache::RouteMetricsCache(GatewayMetrics& metrics, std::vector<std::string> route_names)
    : metrics_(metrics) {
  slots_.resize(route_names.size() + 1);
  for (size_t i = 0; i < route_names.size(); ++i) {
    slots_[i].name = std::move(route_names[i]);
  }
  slots_.back().name = kNoRouteLabel;
}

void RouteMetricsCache::record(size_t route_index, int status, double seconds) {
  Slot& slot = route_index < slots_.size() - 1 ? slots_[route_index] : slots_.back();
  prometheus::Counter* counter = nullptr;
  for (const auto& [code, series] : slot.by_status) {
    if (code == status) {
      counter = series;
      break;
    }
  }
  if (counter == nullptr) {
    counter =
        &metrics_.requests_total->Add({{"route", slot.name}, {"status", std::to_string(status)}});
    slot.by_status.emplace_back(status, counter);
  }
  counter->Increment();
  if (slot.duration == nullptr) {
    slot.duration =
        &metrics_.request_duration->Add({{"route", slot.name}}, core::defaultLatencyBuckets());
  }
  slot.duration->Observe(seconds);
}

}  // namespace strata::gateway
