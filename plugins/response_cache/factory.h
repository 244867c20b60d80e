// The response cache's FilterFactory ("response_cache"): parses cache_tier once, gives each
// worker its own cache-tier client, and creates a filter for requests on routes with
// `cache: true`.
#pragma once

#include <memory>
#include <string_view>

#include "gateway/filter.h"
#include "plugins/response_cache/filter.h"

namespace strata::plugins::response_cache {

inline constexpr std::string_view kFilterName = "response_cache";

class ResponseCacheFactory : public gateway::FilterFactory {
 public:
  std::string_view name() const override { return kFilterName; }
  core::Result<std::shared_ptr<const gateway::FilterConfig>> parse(
      const YAML::Node& block, const YAML::Node& root, const std::string& file) const override;
  std::unique_ptr<gateway::WorkerFilterFactory> createForWorker(
      std::shared_ptr<const gateway::FilterConfig> config,
      gateway::WorkerContext& worker) const override;
};

// The per-worker factory; public so tests can build one over a fake Store.
class ResponseCacheWorkerFactory : public gateway::WorkerFilterFactory {
 public:
  explicit ResponseCacheWorkerFactory(std::shared_ptr<WorkerCache> worker)
      : worker_(std::move(worker)) {}
  std::unique_ptr<gateway::Filter> createFilter(const gateway::RouteEntry& route) override;
  const std::shared_ptr<WorkerCache>& worker() const { return worker_; }

 private:
  std::shared_ptr<WorkerCache> worker_;
};

// Resolves the strata_gateway_cache_* counters in a registry (get-or-create, so every worker
// shares the same series).
CacheMetrics resolveCacheMetrics(prometheus::Registry& registry);

}  // namespace strata::plugins::response_cache
