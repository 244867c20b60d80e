// Tests for the metrics registry: get-or-create semantics, error reporting instead of
// exceptions, thread-safe updates and the Prometheus text exposition.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "core/metrics/metrics.h"

namespace strata::core {
namespace {

bool contains(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

TEST(MetricsRegistryTest, SerializesCounterGaugeAndHistogramWithLabels) {
  MetricsRegistry metrics;
  auto requests = metrics.counter("strata_requests_total", "Requests handled.",
                                  {{"route", "api"}, {"code", "200"}});
  ASSERT_TRUE(requests) << requests.error().describe();
  (*requests)->Increment();
  (*requests)->Increment(2);

  auto connections =
      metrics.gauge("strata_active_connections", "Open downstream connections.", {{"worker", "0"}});
  ASSERT_TRUE(connections);
  (*connections)->Set(7);

  auto latency =
      metrics.histogram("strata_request_duration_seconds", "Request latency.", {{"route", "api"}});
  ASSERT_TRUE(latency);
  (*latency)->Observe(0.003);
  (*latency)->Observe(0.2);
  (*latency)->Observe(30);

  const std::string text = metrics.serializeText();
  EXPECT_TRUE(contains(text, "# HELP strata_requests_total Requests handled.\n")) << text;
  EXPECT_TRUE(contains(text, "# TYPE strata_requests_total counter\n")) << text;
  EXPECT_TRUE(contains(text, "strata_requests_total{code=\"200\",route=\"api\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "# TYPE strata_active_connections gauge\n")) << text;
  EXPECT_TRUE(contains(text, "strata_active_connections{worker=\"0\"} 7\n")) << text;
  EXPECT_TRUE(contains(text, "# TYPE strata_request_duration_seconds histogram\n")) << text;
  EXPECT_TRUE(contains(text, "strata_request_duration_seconds_count{route=\"api\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "strata_request_duration_seconds_sum{route=\"api\"} 30.203")) << text;
  // Cumulative buckets: 0.003 falls in le=0.005, both small observations are <= 0.25, and the
  // 30 s outlier appears only in +Inf.
  EXPECT_TRUE(
      contains(text, "strata_request_duration_seconds_bucket{route=\"api\",le=\"0.0025\"} 0\n"))
      << text;
  EXPECT_TRUE(
      contains(text, "strata_request_duration_seconds_bucket{route=\"api\",le=\"0.005\"} 1\n"))
      << text;
  EXPECT_TRUE(
      contains(text, "strata_request_duration_seconds_bucket{route=\"api\",le=\"0.25\"} 2\n"))
      << text;
  EXPECT_TRUE(contains(text, "strata_request_duration_seconds_bucket{route=\"api\",le=\"10\"} 2\n"))
      << text;
  EXPECT_TRUE(
      contains(text, "strata_request_duration_seconds_bucket{route=\"api\",le=\"+Inf\"} 3\n"))
      << text;
}

TEST(MetricsRegistryTest, GetOrCreateReturnsTheSameSeries) {
  MetricsRegistry metrics;
  auto first = metrics.counter("strata_cache_hits_total", "Cache hits.", {{"tier", "l1"}});
  auto again = metrics.counter("strata_cache_hits_total", "Cache hits.", {{"tier", "l1"}});
  auto other = metrics.counter("strata_cache_hits_total", "Cache hits.", {{"tier", "l2"}});
  ASSERT_TRUE(first && again && other);
  EXPECT_EQ(*first, *again);
  EXPECT_NE(*first, *other);

  auto family = metrics.counterFamily("strata_cache_hits_total", "Cache hits.");
  ASSERT_TRUE(family);
  EXPECT_TRUE((*family)->Has({{"tier", "l1"}}));
  EXPECT_TRUE((*family)->Has({{"tier", "l2"}}));

  (*first)->Increment();
  (*again)->Increment();
  const std::string text = metrics.serializeText();
  EXPECT_TRUE(contains(text, "strata_cache_hits_total{tier=\"l1\"} 2\n")) << text;
  EXPECT_TRUE(contains(text, "strata_cache_hits_total{tier=\"l2\"} 0\n")) << text;
}

TEST(MetricsRegistryTest, InvalidInputsAreErrorsNotExceptions) {
  MetricsRegistry metrics;
  auto bad_name = metrics.counter("1starts-with-digit", "bad");
  ASSERT_FALSE(bad_name);
  EXPECT_EQ(bad_name.error().kind, ErrorKind::ConfigInvalid);

  auto bad_label = metrics.gauge("strata_ok_name", "ok", {{"bad-label", "x"}});
  ASSERT_FALSE(bad_label);
  EXPECT_EQ(bad_label.error().kind, ErrorKind::ConfigInvalid);

  ASSERT_TRUE(metrics.counter("strata_typed_total", "a counter"));
  auto wrong_type = metrics.gauge("strata_typed_total", "now a gauge");
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().kind, ErrorKind::ConfigInvalid);

  auto unsorted = metrics.histogram("strata_unsorted_seconds", "bad buckets", {}, {1.0, 0.5});
  ASSERT_FALSE(unsorted);
  EXPECT_EQ(unsorted.error().kind, ErrorKind::ConfigInvalid);
}

TEST(MetricsRegistryTest, DefaultLatencyBucketsSpanHalfAMillisecondToTenSeconds) {
  const auto& buckets = defaultLatencyBuckets();
  ASSERT_FALSE(buckets.empty());
  EXPECT_DOUBLE_EQ(buckets.front(), 0.0005);
  EXPECT_DOUBLE_EQ(buckets.back(), 10.0);
  EXPECT_TRUE(std::is_sorted(buckets.begin(), buckets.end()));
  EXPECT_EQ(std::adjacent_find(buckets.begin(), buckets.end()), buckets.end());
}

TEST(MetricsRegistryTest, WorkersIncrementASharedCounterConcurrently) {
  MetricsRegistry metrics;
  constexpr int kThreads = 4;
  constexpr int kIncrements = 10000;
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&metrics] {
      // Each worker resolves the series itself, racing on creation too.
      auto counter = metrics.counter("strata_worker_events_total", "Events.", {{"kind", "x"}});
      if (!counter) {
        return;
      }
      for (int i = 0; i < kIncrements; ++i) {
        (*counter)->Increment();
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  auto counter = metrics.counter("strata_worker_events_total", "Events.", {{"kind", "x"}});
  ASSERT_TRUE(counter);
  EXPECT_DOUBLE_EQ((*counter)->Value(), kThreads * kIncrements);
  EXPECT_TRUE(contains(metrics.serializeText(), "strata_worker_events_total{kind=\"x\"} 40000\n"));
}

TEST(MetricsRegistryTest, SharesAnExistingRegistry) {
  auto shared = std::make_shared<prometheus::Registry>();
  MetricsRegistry a(shared);
  MetricsRegistry b(shared);
  ASSERT_TRUE(a.counter("strata_shared_total", "Shared."));
  auto from_b = b.counter("strata_shared_total", "Shared.");
  ASSERT_TRUE(from_b);
  (*from_b)->Increment(5);
  EXPECT_TRUE(contains(a.serializeText(), "strata_shared_total 5\n")) << a.serializeText();
  EXPECT_EQ(a.registry(), shared);
}

}  // namespace
}  // namespace strata::core
