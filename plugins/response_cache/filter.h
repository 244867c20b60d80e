// The response cache filter: answers cacheable requests from the cache tier and stores
// cacheable upstream responses there, as an RFC 9111 shared cache (see policy.h for the rules).
//
// Per request on a route with `cache: true`:
//   request headers  -> Lookup: pause, GET the primary key; a Vary marker leads to a GET of the
//                       secondary key; a fresh, matching entry is answered with respond()
//                       (X-Cache: HIT, Age); anything else resumes the request (a miss).
//   response headers -> X-Cache: MISS; if storable, start collecting the body (bounded by
//                       max_object_bytes).
//   response body    -> tee into the buffer; at the end SET the entry with a TTL equal to the
//                       remaining freshness. The response is never held back for the SET.
// Cache-tier failures never fail a request: the lookup counts an error and becomes a miss.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <prometheus/counter.h>

#include "cache/client/cluster_client.h"
#include "gateway/filter.h"
#include "plugins/response_cache/config.h"
#include "plugins/response_cache/entry.h"
#include "plugins/response_cache/node_metrics.h"
#include "plugins/response_cache/policy.h"

namespace strata::plugins::response_cache {

// The cache tier as the filter sees it: the seam that lets tests run the filter over an
// in-memory store. Loop thread only; callbacks run exactly once and never inside the call.
class Store {
 public:
  virtual ~Store() = default;
  virtual void get(std::string_view key, cache::client::GetCallback callback) = 0;
  virtual void set(std::string_view key, std::string_view value, uint64_t ttl_ms,
                   cache::client::StatusCallback callback) = 0;
};

// The production Store: one ClusterClient per worker.
class ClusterStore : public Store {
 public:
  explicit ClusterStore(std::unique_ptr<cache::client::ClusterClient> client)
      : client_(std::move(client)) {}
  const cache::client::ClusterClient& client() const { return *client_; }
  void get(std::string_view key, cache::client::GetCallback callback) override {
    client_->get(key, std::move(callback));
  }
  void set(std::string_view key, std::string_view value, uint64_t ttl_ms,
           cache::client::StatusCallback callback) override {
    client_->set(key, value, ttl_ms, std::move(callback));
  }

 private:
  std::unique_ptr<cache::client::ClusterClient> client_;
};

// Counters of one process (shared by all workers; prometheus counters are atomic).
struct CacheMetrics {
  prometheus::Counter* hits = nullptr;
  prometheus::Counter* misses = nullptr;  // lookups answered by the upstream
  prometheus::Counter* errors = nullptr;  // cache-tier failures and corrupt entries
  prometheus::Counter* stores = nullptr;  // entries written successfully
  prometheus::Counter* bypass = nullptr;  // requests the cache did not look up
};

// Per-worker state shared by the worker factory and every filter it created, so a filter (or
// a reload that drops the factory) never outlives the store it talks to.
struct WorkerCache {
  std::shared_ptr<const ResponseCacheConfig> config;
  std::unique_ptr<Store> store;  // null if the cache tier client could not be created
  CacheMetrics metrics;
  // Declared after `store`, so it is destroyed first: it reads the store's client.
  std::unique_ptr<NodeMetricsExporter> node_metrics;
  // Seconds since the epoch; injectable for tests.
  std::function<int64_t()> now = [] { return core::Loop::wallMs() / 1000; };
};

class ResponseCacheFilter : public gateway::Filter {
 public:
  explicit ResponseCacheFilter(std::shared_ptr<WorkerCache> worker);
  ~ResponseCacheFilter() override;

  gateway::FilterStatus onRequestHeaders(core::http::RequestHead& head, bool end_stream) override;
  gateway::FilterStatus onResponseHeaders(core::http::ResponseHead& head, bool end_stream) override;
  gateway::FilterStatus onResponseBody(std::string& chunk, bool end_stream) override;
  void onComplete(const gateway::RequestOutcome& outcome) override;

 private:
  enum class Mode {
    Bypass,     // not cacheable, or nothing left to do
    Looking,    // paused on a cache-tier GET
    Hit,        // answered locally
    Forwarded,  // sent upstream; the response may be stored
  };

  void lookup(const std::string& key, bool secondary);
  void onLookupReply(core::Result<std::optional<std::string>> reply, bool secondary);
  // Serves a stored response if it may answer this request; false means miss.
  bool tryServe(StoredResponse& stored);
  void miss();
  void countError();
  void store();

  std::shared_ptr<WorkerCache> worker_;
  std::shared_ptr<bool> alive_;  // cleared by the destructor; guards cache-tier callbacks
  Mode mode_ = Mode::Bypass;
  bool completed_ = false;
  bool only_if_cached_ = false;
  core::http::RequestHead request_;  // what is needed later: selecting headers, conditionals
  std::string primary_key_;
  int64_t request_time_ = 0;

  // Response collection for storing.
  bool collecting_ = false;
  std::optional<uint64_t> expected_length_;
  StoredResponse pending_;
};

}  // namespace strata::plugins::response_cache
