// Tests of the response cache filter over an in-memory store and a fake connection manager:
// miss/store/hit, Age, HEAD, Vary (case 14), size limits, fail-open, corrupt entries,
// conditional requests and filter lifetime while a lookup is in flight.
#include "plugins/response_cache/filter.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>

#include <prometheus/registry.h>

#include "gateway/route.h"
#include "plugins/response_cache/factory.h"

namespace strata::plugins::response_cache {
namespace {

using core::http::BodyFraming;
using core::http::RequestHead;
using core::http::ResponseHead;
using gateway::FilterStatus;
using Fields = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kStart = 1'700'000'000;

// Keeps values in a map and completes every call later (from runQueued()), never inside the
// call, as the cluster client does.
class FakeStore : public Store {
 public:
  void get(std::string_view key, cache::client::GetCallback callback) override {
    ++gets;
    std::string k(key);
    queued_.push_back([this, k, callback = std::move(callback)]() {
      if (fail) {
        callback(core::fail(core::ErrorKind::CacheBackend, "node down"));
        return;
      }
      auto it = values.find(k);
      callback(it == values.end() ? std::optional<std::string>()
                                  : std::optional<std::string>(it->second));
    });
  }
  void set(std::string_view key, std::string_view value, uint64_t ttl_ms,
           cache::client::StatusCallback callback) override {
    std::string k(key);
    std::string v(value);
    queued_.push_back([this, k, v, ttl_ms, callback = std::move(callback)]() {
      if (fail) {
        callback(core::fail(core::ErrorKind::CacheBackend, "node down"));
        return;
      }
      values[k] = v;
      ttls[k] = ttl_ms;
      callback(core::Status());
    });
  }

  // Runs queued completions, including those they queue, up to a bound.
  void runQueued() {
    for (int i = 0; i < 100 && !queued_.empty(); ++i) {
      auto next = std::move(queued_.front());
      queued_.pop_front();
      next();
    }
  }

  std::map<std::string, std::string> values;
  std::map<std::string, uint64_t> ttls;
  bool fail = false;
  int gets = 0;

 private:
  std::deque<std::function<void()>> queued_;
};

class FakeCallbacks : public gateway::FilterCallbacks {
 public:
  FakeCallbacks(core::Loop& loop, const gateway::RouteEntry& route) : loop_(loop), route_(route) {}
  core::Loop& loop() override { return loop_; }
  const gateway::RouteEntry& route() const override { return route_; }
  const core::SocketAddress& downstreamAddress() const override { return address_; }
  void resume() override { ++resumed; }
  void respond(ResponseHead head, std::string body) override {
    ++responded;
    response = std::move(head);
    response_body = std::move(body);
  }
  void fail(const core::Error&) override { ++failed; }

  int resumed = 0;
  int responded = 0;
  int failed = 0;
  ResponseHead response;
  std::string response_body;

 private:
  core::Loop& loop_;
  const gateway::RouteEntry& route_;
  core::SocketAddress address_;
};

class FilterTest : public ::testing::Test {
 protected:
  FilterTest() {
    route_.name = "cached";
    route_.cache = true;
    auto config = std::make_shared<ResponseCacheConfig>();
    config->max_object_bytes = 64;
    worker_ = std::make_shared<WorkerCache>();
    worker_->config = config;
    auto store = std::make_unique<FakeStore>();
    store_ = store.get();
    worker_->store = std::move(store);
    worker_->metrics = resolveCacheMetrics(registry_);
    worker_->now = [this] { return now_; };
  }
  ~FilterTest() override { EXPECT_EQ(loop_.close(), 0); }

  void drain() { store_->runQueued(); }

  struct Exchange {
    std::unique_ptr<ResponseCacheFilter> filter;
    std::unique_ptr<FakeCallbacks> callbacks;
    FilterStatus request_status = FilterStatus::Continue;
  };

  Exchange request(const std::string& method, const std::string& target, const Fields& fields) {
    Exchange ex;
    ex.filter = std::make_unique<ResponseCacheFilter>(worker_);
    ex.callbacks = std::make_unique<FakeCallbacks>(loop_, route_);
    ex.filter->setCallbacks(*ex.callbacks);
    RequestHead head;
    head.method = method;
    head.target = target;
    head.headers.add("Host", "example.com");
    for (const auto& [n, v] : fields) {
      head.headers.add(n, v);
    }
    ex.request_status = ex.filter->onRequestHeaders(head, true);
    drain();
    return ex;
  }

  // Feeds an upstream response through the filter in pieces; returns the head as forwarded.
  ResponseHead respond(Exchange& ex, int status, const Fields& fields,
                       const std::vector<std::string>& chunks, BodyFraming framing) {
    ResponseHead head;
    head.status = status;
    head.reason = std::string(core::http::reasonPhrase(status));
    head.framing = framing;
    size_t total = 0;
    for (const auto& c : chunks) {
      total += c.size();
    }
    head.content_length = total;
    for (const auto& [n, v] : fields) {
      head.headers.add(n, v);
    }
    ex.filter->onResponseHeaders(head, chunks.empty());
    for (size_t i = 0; i < chunks.size(); ++i) {
      std::string chunk = chunks[i];
      ex.filter->onResponseBody(chunk, i + 1 == chunks.size());
    }
    ex.filter->onComplete(gateway::RequestOutcome{status, true, false, true});
    drain();
    return head;
  }

  // A full miss -> store cycle.
  void prime(const std::string& target, const Fields& request_fields, const Fields& response,
             const std::string& body) {
    auto ex = request("GET", target, request_fields);
    ASSERT_EQ(ex.callbacks->resumed, 1);
    respond(ex, 200, response, {body}, BodyFraming::ContentLength);
  }

  double value(prometheus::Counter* c) const { return c ? c->Value() : -1; }

  core::Loop loop_;
  prometheus::Registry registry_;
  gateway::RouteEntry route_;
  std::shared_ptr<WorkerCache> worker_;
  FakeStore* store_ = nullptr;
  int64_t now_ = kStart;
};

TEST_F(FilterTest, MissStoresThenHitServesSameBody) {
  auto miss = request("GET", "/a", {});
  EXPECT_EQ(miss.request_status, FilterStatus::Pause);
  EXPECT_EQ(miss.callbacks->resumed, 1);
  EXPECT_EQ(miss.callbacks->responded, 0);
  const auto forwarded = respond(miss, 200, {{"Cache-Control", "max-age=60"}, {"Age", "10"}},
                                 {"hel", "lo"}, BodyFraming::ContentLength);
  EXPECT_EQ(forwarded.headers.get("x-cache"), "MISS");
  ASSERT_EQ(store_->values.size(), 1u);
  EXPECT_EQ(store_->ttls.begin()->second, 50'000u);  // 60 s lifetime minus Age 10
  EXPECT_EQ(store_->values.begin()->first, "strata:http:http://example.com/a");

  now_ += 5;
  auto hit = request("GET", "/a", {});
  EXPECT_EQ(hit.callbacks->resumed, 0);
  ASSERT_EQ(hit.callbacks->responded, 1);
  EXPECT_EQ(hit.callbacks->response_body, "hello");
  EXPECT_EQ(hit.callbacks->response.status, 200);
  EXPECT_EQ(hit.callbacks->response.headers.get("x-cache"), "HIT");
  EXPECT_EQ(hit.callbacks->response.headers.get("age"), "15");
  EXPECT_EQ(value(worker_->metrics.hits), 1);
  EXPECT_EQ(value(worker_->metrics.misses), 1);
  EXPECT_EQ(value(worker_->metrics.stores), 1);
}

TEST_F(FilterTest, HeadIsServedFromStoredGetAndNotStoredItself) {
  auto head_miss = request("HEAD", "/h", {});
  EXPECT_EQ(head_miss.callbacks->resumed, 1);
  respond(head_miss, 200, {{"Cache-Control", "max-age=60"}}, {}, BodyFraming::None);
  EXPECT_TRUE(store_->values.empty());
  prime("/h", {}, {{"Cache-Control", "max-age=60"}}, "body");
  auto head_hit = request("HEAD", "/h", {});
  ASSERT_EQ(head_hit.callbacks->responded, 1);
  EXPECT_EQ(head_hit.callbacks->response.content_length, 4u);
}

TEST_F(FilterTest, ExpiredEntryIsAMiss) {
  prime("/e", {}, {{"Cache-Control", "max-age=10"}}, "x");
  now_ += 10;
  auto ex = request("GET", "/e", {});
  EXPECT_EQ(ex.callbacks->resumed, 1);
  EXPECT_EQ(ex.callbacks->responded, 0);
}

TEST_F(FilterTest, Case14VaryAcceptEncoding) {
  prime(
      "/app.js", {{"Accept-Encoding", "gzip"}},
      {{"Cache-Control", "max-age=600"}, {"Vary", "Accept-Encoding"}, {"Content-Encoding", "gzip"}},
      "GZIPPED");
  for (const Fields& other :
       std::vector<Fields>{{}, {{"Accept-Encoding", "identity"}}, {{"Accept-Encoding", "br"}}}) {
    auto ex = request("GET", "/app.js", other);
    EXPECT_EQ(ex.callbacks->responded, 0) << "a non-gzip client got the gzip variant";
    EXPECT_EQ(ex.callbacks->resumed, 1);
  }
  auto repeat = request("GET", "/app.js", {{"Accept-Encoding", " GZIP "}});
  ASSERT_EQ(repeat.callbacks->responded, 1);
  EXPECT_EQ(repeat.callbacks->response_body, "GZIPPED");
  EXPECT_EQ(repeat.callbacks->response.headers.get("content-encoding"), "gzip");

  // The identity variant is stored beside it and selected for clients without gzip.
  auto identity = request("GET", "/app.js", {});
  respond(identity, 200, {{"Cache-Control", "max-age=600"}, {"Vary", "Accept-Encoding"}}, {"PLAIN"},
          BodyFraming::ContentLength);
  auto plain = request("GET", "/app.js", {});
  ASSERT_EQ(plain.callbacks->responded, 1);
  EXPECT_EQ(plain.callbacks->response_body, "PLAIN");
  EXPECT_FALSE(plain.callbacks->response.headers.has("content-encoding"));
  auto gzip = request("GET", "/app.js", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(gzip.callbacks->responded, 1);
  EXPECT_EQ(gzip.callbacks->response_body, "GZIPPED");
}

TEST_F(FilterTest, VaryStarAndPrivateAreNeverStored) {
  prime("/star", {}, {{"Cache-Control", "max-age=60"}, {"Vary", "*"}}, "s");
  prime("/private", {}, {{"Cache-Control", "private, max-age=60"}}, "p");
  EXPECT_TRUE(store_->values.empty());
  EXPECT_EQ(request("GET", "/star", {}).callbacks->responded, 0);
}

TEST_F(FilterTest, OversizedBodiesAreNotStored) {
  auto by_length = request("GET", "/big", {});
  respond(by_length, 200, {{"Cache-Control", "max-age=60"}}, {std::string(65, 'x')},
          BodyFraming::ContentLength);
  auto chunked = request("GET", "/big-chunked", {});
  respond(chunked, 200, {{"Cache-Control", "max-age=60"}},
          {std::string(40, 'a'), std::string(40, 'b')}, BodyFraming::Chunked);
  EXPECT_TRUE(store_->values.empty());
  auto fits = request("GET", "/fits-chunked", {});
  respond(fits, 200, {{"Cache-Control", "max-age=60"}},
          {std::string(32, 'a'), std::string(32, 'b')}, BodyFraming::Chunked);
  EXPECT_EQ(store_->values.size(), 1u);
}

TEST_F(FilterTest, TruncatedBodyIsNotStored) {
  auto ex = request("GET", "/t", {});
  ResponseHead head;
  head.framing = BodyFraming::ContentLength;
  head.content_length = 10;
  head.headers.add("Cache-Control", "max-age=60");
  ex.filter->onResponseHeaders(head, false);
  std::string part = "12345";
  ex.filter->onResponseBody(part, false);
  ex.filter->onComplete(gateway::RequestOutcome{200, true, true, false});
  drain();
  EXPECT_TRUE(store_->values.empty());
}

TEST_F(FilterTest, BackendFailureFailsOpenAndCounts) {
  store_->fail = true;
  auto ex = request("GET", "/f", {});
  EXPECT_EQ(ex.callbacks->resumed, 1);
  EXPECT_EQ(ex.callbacks->failed, 0);
  respond(ex, 200, {{"Cache-Control", "max-age=60"}}, {"ok"}, BodyFraming::ContentLength);
  EXPECT_EQ(value(worker_->metrics.errors), 2);  // the lookup and the store
  EXPECT_EQ(value(worker_->metrics.stores), 0);
}

TEST_F(FilterTest, CorruptEntryIsAMissAndAnError) {
  store_->values["strata:http:http://example.com/c"] = "\x01R garbage";
  auto ex = request("GET", "/c", {});
  EXPECT_EQ(ex.callbacks->resumed, 1);
  EXPECT_EQ(value(worker_->metrics.errors), 1);
}

TEST_F(FilterTest, FilterDestroyedDuringLookupIgnoresReply) {
  auto filter = std::make_unique<ResponseCacheFilter>(worker_);
  FakeCallbacks callbacks(loop_, route_);
  filter->setCallbacks(callbacks);
  RequestHead head;
  head.method = "GET";
  head.target = "/gone";
  head.headers.add("Host", "example.com");
  EXPECT_EQ(filter->onRequestHeaders(head, true), FilterStatus::Pause);
  filter->onComplete(gateway::RequestOutcome{0, false, true, false});
  filter.reset();
  drain();
  EXPECT_EQ(callbacks.resumed, 0);
  EXPECT_EQ(callbacks.responded, 0);
}

TEST_F(FilterTest, RequestNoCacheForwardsButStores) {
  prime("/n", {}, {{"Cache-Control", "max-age=60"}}, "old");
  const int gets = store_->gets;
  auto ex = request("GET", "/n", {{"Cache-Control", "no-cache"}});
  EXPECT_EQ(ex.request_status, FilterStatus::Continue);
  EXPECT_EQ(store_->gets, gets);
  respond(ex, 200, {{"Cache-Control", "max-age=60"}}, {"new"}, BodyFraming::ContentLength);
  EXPECT_EQ(request("GET", "/n", {}).callbacks->response_body, "new");
}

TEST_F(FilterTest, BypassedRequestsAreCounted) {
  auto post = request("POST", "/p", {});
  EXPECT_EQ(post.request_status, FilterStatus::Continue);
  auto no_store = request("GET", "/p", {{"Cache-Control", "no-store"}});
  EXPECT_EQ(no_store.request_status, FilterStatus::Continue);
  EXPECT_EQ(value(worker_->metrics.bypass), 2);
  EXPECT_EQ(store_->gets, 0);
}

TEST_F(FilterTest, OnlyIfCachedMissAnswers504) {
  auto ex = request("GET", "/o", {{"Cache-Control", "only-if-cached"}});
  EXPECT_EQ(ex.callbacks->resumed, 0);
  ASSERT_EQ(ex.callbacks->responded, 1);
  EXPECT_EQ(ex.callbacks->response.status, 504);
}

TEST_F(FilterTest, MatchingIfNoneMatchGets304) {
  prime("/etag", {}, {{"Cache-Control", "max-age=60"}, {"ETag", "\"v1\""}}, "body");
  auto ex = request("GET", "/etag", {{"If-None-Match", "\"v1\""}});
  ASSERT_EQ(ex.callbacks->responded, 1);
  EXPECT_EQ(ex.callbacks->response.status, 304);
  // Handed over only so the Content-Length matches the 200; a 304 never carries a body.
  EXPECT_EQ(ex.callbacks->response_body, "body");
  EXPECT_EQ(ex.callbacks->response.headers.get("etag"), "\"v1\"");
  EXPECT_FALSE(ex.callbacks->response.headers.has("content-type"));
}

TEST_F(FilterTest, WorkerFactorySkipsRoutesWithoutCache) {
  ResponseCacheWorkerFactory factory(worker_);
  gateway::RouteEntry plain;
  EXPECT_EQ(factory.createFilter(plain), nullptr);
  EXPECT_NE(factory.createFilter(route_), nullptr);
}

}  // namespace
}  // namespace strata::plugins::response_cache
