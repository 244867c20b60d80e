// The response cache's factories and metrics.
#include "plugins/response_cache/factory.h"

#include "core/log/log.h"
#include "core/metrics/metrics.h"
#include "gateway/route.h"
#include "plugins/response_cache/config.h"

namespace strata::plugins::response_cache {

core::Result<std::shared_ptr<const gateway::FilterConfig>> ResponseCacheFactory::parse(
    const YAML::Node& block, const YAML::Node& root, const std::string& file) const {
  auto config = parseResponseCacheConfig(block, root, file);
  if (!config) {
    return tl::unexpected(config.error());
  }
  return std::shared_ptr<const gateway::FilterConfig>(std::move(*config));
}

CacheMetrics resolveCacheMetrics(prometheus::Registry& registry) {
  // The worker's registry outlives every worker; the aliasing shared_ptr borrows it without
  // taking ownership.
  core::MetricsRegistry metrics(
      std::shared_ptr<prometheus::Registry>(std::shared_ptr<void>(), &registry));
  auto counter = [&](const std::string& name, const std::string& help) -> prometheus::Counter* {
    auto result = metrics.counter(name, help);
    if (!result) {
      STRATA_LOG_ERROR("response cache metric {}: {}", name, result.error().describe());
      return nullptr;
    }
    return *result;
  };
  CacheMetrics out;
  out.hits = counter("strata_gateway_cache_hits_total", "Requests answered from the cache tier.");
  out.misses = counter("strata_gateway_cache_misses_total",
                       "Cacheable requests forwarded upstream (not found, stale or no-cache).");
  out.errors = counter("strata_gateway_cache_errors_total",
                       "Cache-tier failures, timeouts and unusable entries (requests fail open).");
  out.stores = counter("strata_gateway_cache_stores_total", "Responses written to the cache tier.");
  out.bypass = counter("strata_gateway_cache_bypass_total",
                       "Requests on cache routes that the cache did not look up.");
  return out;
}

std::unique_ptr<gateway::WorkerFilterFactory> ResponseCacheFactory::createForWorker(
    std::shared_ptr<const gateway::FilterConfig> config, gateway::WorkerContext& worker) const {
  auto cache_config = std::dynamic_pointer_cast<const ResponseCacheConfig>(config);
  auto state = std::make_shared<WorkerCache>();
  state->metrics = resolveCacheMetrics(worker.metrics);
  if (!cache_config) {
    STRATA_LOG_ERROR("response cache: worker {} got a foreign config; caching disabled",
                     worker.worker_index);
    state->config = std::make_shared<ResponseCacheConfig>();
    return std::make_unique<ResponseCacheWorkerFactory>(std::move(state));
  }
  state->config = cache_config;
  cache::client::ClusterOptions options;
  options.node.request_timeout_ms = cache_config->timeout_ms;
  auto client = cache::client::ClusterClient::create(worker.loop, cache_config->nodes, options);
  if (!client) {
    // parse() validated the same list, so this is not expected; requests then bypass the cache.
    STRATA_LOG_ERROR("response cache: worker {} cannot create its cache-tier client: {}",
                     worker.worker_index, client.error().describe());
  } else {
    auto store = std::make_unique<ClusterStore>(std::move(*client));
    const auto* cluster_client = &store->client();
    state->store = std::move(store);
    state->node_metrics = std::make_unique<NodeMetricsExporter>(
        worker.loop, worker.metrics, [cluster_client] { return cluster_client->stats(); });
  }
  return std::make_unique<ResponseCacheWorkerFactory>(std::move(state));
}

std::unique_ptr<gateway::Filter> ResponseCacheWorkerFactory::createFilter(
    const gateway::RouteEntry& route) {
  if (!route.cache) {
    return nullptr;
  }
  return std::make_unique<ResponseCacheFilter>(worker_);
}

}  // namespace strata::plugins::response_cache
