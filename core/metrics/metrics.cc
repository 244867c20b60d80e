// MetricsRegistry: get-or-create over prometheus-cpp builders, with its exceptions turned into
// Results, and text serialization.
#include "core/metrics/metrics.h"

#include <exception>

#include <prometheus/text_serializer.h>

namespace strata::core {
namespace {

// prometheus-cpp reports invalid names, label clashes and type conflicts by throwing
// std::invalid_argument; this is the one place those exceptions are caught.
template <typename Fn>
auto guarded(const std::string& name, Fn&& fn) -> Result<decltype(fn())> {
  try {
    return fn();
  } catch (const std::exception& e) {
    return fail(ErrorKind::ConfigInvalid, "metric '" + name + "': " + e.what());
  }
}

template <typename Builder>
auto registerFamily(Builder builder, prometheus::Registry& registry, const std::string& name,
                    const std::string& help) {
  return guarded(name, [&] { return &builder.Name(name).Help(help).Register(registry); });
}

}  // namespace

const std::vector<double>& defaultLatencyBuckets() {
  static const std::vector<double> buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
  return buckets;
}

MetricsRegistry::MetricsRegistry() : registry_(std::make_shared<prometheus::Registry>()) {}

MetricsRegistry::MetricsRegistry(std::shared_ptr<prometheus::Registry> registry)
    : registry_(registry ? std::move(registry) : std::make_shared<prometheus::Registry>()) {}

Result<prometheus::Family<prometheus::Counter>*> MetricsRegistry::counterFamily(
    const std::string& name, const std::string& help) {
  return registerFamily(prometheus::BuildCounter(), *registry_, name, help);
}

Result<prometheus::Family<prometheus::Gauge>*> MetricsRegistry::gaugeFamily(
    const std::string& name, const std::string& help) {
  return registerFamily(prometheus::BuildGauge(), *registry_, name, help);
}

Result<prometheus::Family<prometheus::Histogram>*> MetricsRegistry::histogramFamily(
    const std::string& name, const std::string& help) {
  return registerFamily(prometheus::BuildHistogram(), *registry_, name, help);
}

Result<prometheus::Counter*> MetricsRegistry::counter(const std::string& name,
                                                      const std::string& help,
                                                      const prometheus::Labels& labels) {
  return counterFamily(name, help).and_then([&](prometheus::Family<prometheus::Counter>* family) {
    return guarded(name, [&] { return &family->Add(labels); });
  });
}

Result<prometheus::Gauge*> MetricsRegistry::gauge(const std::string& name, const std::string& help,
                                                  const prometheus::Labels& labels) {
  return gaugeFamily(name, help).and_then([&](prometheus::Family<prometheus::Gauge>* family) {
    return guarded(name, [&] { return &family->Add(labels); });
  });
}

Result<prometheus::Histogram*> MetricsRegistry::histogram(const std::string& name,
                                                          const std::string& help,
                                                          const prometheus::Labels& labels,
                                                          const std::vector<double>& buckets) {
  // prometheus-cpp does not check bucket order, and an unsorted list silently misfiles
  // observations, so it is rejected here.
  for (size_t i = 1; i < buckets.size(); ++i) {
    if (!(buckets[i - 1] < buckets[i])) {
      return fail(ErrorKind::ConfigInvalid,
                  "metric '" + name + "': histogram buckets must be strictly increasing");
    }
  }
  return histogramFamily(name, help)
      .and_then([&](prometheus::Family<prometheus::Histogram>* family) {
        return guarded(name, [&] { return &family->Add(labels, buckets); });
      });
}

std::string MetricsRegistry::serializeText() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace strata::core
