// MetricsRegistry: the process's Prometheus registry over prometheus-cpp, with get-or-create
// helpers that never throw and the text exposition the admin listener serves on /metrics.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/labels.h>
#include <prometheus/registry.h>

#include "core/error.h"

namespace strata::core {

// Content-Type of serializeText() output (Prometheus text exposition format 0.0.4).
inline constexpr std::string_view kPrometheusTextContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Latency histogram buckets in seconds, from 0.5 ms to 10 s, roughly 1-2.5-5 per decade: fine
// enough to separate cache hits (sub-millisecond) from upstream round trips, and few enough
// (14 buckets) to keep per-route series cheap.
const std::vector<double>& defaultLatencyBuckets();

// Thread safety: every method may be called from any thread. prometheus-cpp guards family and
// series creation with mutexes, and the returned metrics update through atomics, so workers
// increment shared counters directly on the request path without locks of their own.
//
// Lifetime: the returned pointers stay valid as long as the underlying prometheus::Registry,
// which this object shares ownership of; series are never removed.
//
// Usage: resolve metrics once (at worker start or config load) and keep the pointers; the
// get-or-create lookups take locks and are not meant for every request.
class MetricsRegistry {
 public:
  MetricsRegistry();
  // Wraps an existing registry, for example one shared with other exporters.
  explicit MetricsRegistry(std::shared_ptr<prometheus::Registry> registry);

  // The same family (and the same series for the same labels) is returned on every call with
  // the same name. Errors are ConfigInvalid: an invalid metric or label name, or a name already
  // registered as another metric type. The help text of the first registration wins.
  Result<prometheus::Family<prometheus::Counter>*> counterFamily(const std::string& name,
                                                                 const std::string& help);
  Result<prometheus::Family<prometheus::Gauge>*> gaugeFamily(const std::string& name,
                                                             const std::string& help);
  Result<prometheus::Family<prometheus::Histogram>*> histogramFamily(const std::string& name,
                                                                     const std::string& help);

  // One series of a family, created on first use. For histograms, `buckets` must be strictly
  // increasing and applies only when the series is created; later calls return the existing
  // series whatever buckets they pass.
  Result<prometheus::Counter*> counter(const std::string& name, const std::string& help,
                                       const prometheus::Labels& labels = {});
  Result<prometheus::Gauge*> gauge(const std::string& name, const std::string& help,
                                   const prometheus::Labels& labels = {});
  Result<prometheus::Histogram*> histogram(
      const std::string& name, const std::string& help, const prometheus::Labels& labels = {},
      const std::vector<double>& buckets = defaultLatencyBuckets());

  // Every family and series in the Prometheus text exposition format 0.0.4, as a scrape of
  // /metrics expects (serve with kPrometheusTextContentType).
  std::string serializeText() const;

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace strata::core
