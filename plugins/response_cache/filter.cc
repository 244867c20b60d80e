// The response cache filter: lookup on request headers, collection and store on the response.
#include "plugins/response_cache/filter.h"

#include <array>
#include <string_view>
#include <utility>

#include "core/log/log.h"
#include "plugins/response_cache/key.h"

namespace strata::plugins::response_cache {
namespace {

using core::http::ResponseHead;
using gateway::FilterStatus;

// The scheme part of the key. Filters see the request after the gateway replaced any
// client-sent X-Forwarded-Proto with the downstream connection's own scheme
// (core/http/hop_by_hop.h), so the field states a fact about the connection here.
std::string_view requestScheme(const core::http::RequestHead& head) {
  const auto proto = head.headers.get("x-forwarded-proto");
  return proto && core::http::iequals(*proto, "https") ? "https" : "http";
}

// Representation metadata a 304 carries (RFC 9110 §15.4.5), plus Last-Modified, which guides
// the client's own cache.
constexpr std::array<std::string_view, 7> kNotModifiedFields = {
    "cache-control", "content-location", "date", "etag", "expires", "vary", "last-modified"};

void increment(prometheus::Counter* counter) {
  if (counter != nullptr) {
    counter->Increment();
  }
}

}  // namespace

ResponseCacheFilter::ResponseCacheFilter(std::shared_ptr<WorkerCache> worker)
    : worker_(std::move(worker)), alive_(std::make_shared<bool>(true)) {}

ResponseCacheFilter::~ResponseCacheFilter() = default;

FilterStatus ResponseCacheFilter::onRequestHeaders(core::http::RequestHead& head,
                                                   bool /*end_stream*/) {
  const auto decision = classifyRequest(head);
  auto key = decision.action == RequestAction::Bypass ? std::nullopt
                                                      : primaryKey(requestScheme(head), head);
  if (!key || !worker_->store) {
    increment(worker_->metrics.bypass);
    return FilterStatus::Continue;
  }
  primary_key_ = worker_->config->key_prefix + *key;
  request_.method = head.method;
  request_.target = head.target;
  request_.headers = head.headers;
  request_time_ = worker_->now();
  if (decision.action == RequestAction::ForwardAndStore) {
    increment(worker_->metrics.misses);
    mode_ = Mode::Forwarded;
    return FilterStatus::Continue;
  }
  only_if_cached_ = parseCacheControl(head.headers).only_if_cached;
  mode_ = Mode::Looking;
  // The store never completes inside get(), so Pause is returned before any resume().
  lookup(primary_key_, /*secondary=*/false);
  return FilterStatus::Pause;
}

void ResponseCacheFilter::lookup(const std::string& key, bool secondary) {
  std::weak_ptr<bool> alive = alive_;
  worker_->store->get(key, [this, alive, secondary](auto reply) {
    if (alive.expired()) {
      return;  // the request ended and its filter is gone
    }
    onLookupReply(std::move(reply), secondary);
  });
}

void ResponseCacheFilter::onLookupReply(core::Result<std::optional<std::string>> reply,
                                        bool secondary) {
  if (completed_ || mode_ != Mode::Looking) {
    return;
  }
  if (!reply) {
    STRATA_LOG_DEBUG("response cache lookup failed, serving from upstream: {}",
                     reply.error().describe());
    countError();
    miss();
    return;
  }
  if (!reply->has_value()) {
    miss();
    return;
  }
  auto value = decodeValue(**reply);
  if (!value) {
    STRATA_LOG_DEBUG("response cache entry unusable: {}", value.error().describe());
    countError();
    miss();
    return;
  }
  if (auto* marker = std::get_if<VaryMarker>(&*value)) {
    if (secondary) {
      countError();  // a marker where a variant belongs: written by something else
      miss();
      return;
    }
    const auto values = selectingValues(request_.headers, marker->vary);
    lookup(primary_key_ + secondaryKeySuffix(marker->vary, values), /*secondary=*/true);
    return;
  }
  if (!tryServe(std::get<StoredResponse>(*value))) {
    miss();
  }
}

bool ResponseCacheFilter::tryServe(StoredResponse& stored) {
  // Re-check the selecting headers against the request: the key only selects the variant, this
  // comparison is what guarantees (RFC 9111 §4.1) a variant never reaches the wrong client.
  if (!stored.vary.empty() &&
      selectingValues(request_.headers, stored.vary) != stored.vary_values) {
    return false;
  }
  const int64_t age = currentAge(stored.age, worker_->now());
  if (!canServe(parseCacheControl(request_.headers), stored.freshness_lifetime, age)) {
    return false;
  }
  ResponseHead head;
  head.status = stored.status;
  head.reason = std::move(stored.reason);
  if (notModified(request_, stored.headers)) {
    head.status = 304;
    head.reason = std::string(core::http::reasonPhrase(304));
    for (const auto& h : stored.headers) {
      for (const auto name : kNotModifiedFields) {
        if (core::http::iequals(h.name, name)) {
          head.headers.add(h.name, h.value);
        }
      }
    }
  } else {
    head.headers = std::move(stored.headers);
  }
  // A 304 gets the body too: the connection never sends a body with a 304, and the
  // Content-Length derived from it then equals the 200's, the only value RFC 9110 §8.6 allows.
  std::string body = std::move(stored.body);
  head.framing = core::http::BodyFraming::ContentLength;
  head.content_length = body.size();
  head.headers.set("Age", std::to_string(age));
  head.headers.set("X-Cache", "HIT");
  increment(worker_->metrics.hits);
  mode_ = Mode::Hit;
  // respond() may finish the request and destroy this filter: nothing touches members after it.
  callbacks_->respond(std::move(head), std::move(body));
  return true;
}

void ResponseCacheFilter::miss() {
  increment(worker_->metrics.misses);
  if (only_if_cached_) {
    // RFC 9111 §5.2.1.7: a client that only wants a stored response gets 504 instead.
    mode_ = Mode::Hit;
    ResponseHead head;
    head.status = 504;
    head.reason = std::string(core::http::reasonPhrase(504));
    head.framing = core::http::BodyFraming::ContentLength;
    callbacks_->respond(std::move(head), std::string());
    return;
  }
  mode_ = Mode::Forwarded;
  callbacks_->resume();
}

void ResponseCacheFilter::countError() {
  increment(worker_->metrics.errors);
}

FilterStatus ResponseCacheFilter::onResponseHeaders(ResponseHead& head, bool end_stream) {
  if (mode_ != Mode::Forwarded) {
    return FilterStatus::Continue;
  }
  mode_ = Mode::Bypass;
  head.headers.set("X-Cache", "MISS");
  const int64_t response_time = worker_->now();
  auto decision = decideStore(request_, head, response_time);
  if (!decision.storable) {
    STRATA_LOG_DEBUG("response for {} not stored: {}", primary_key_, decision.reason);
    return FilterStatus::Continue;
  }
  const auto age = ageInputsFor(head, request_time_, response_time);
  if (decision.freshness_lifetime <= currentAge(age, response_time)) {
    return FilterStatus::Continue;  // already stale on arrival
  }
  const uint64_t max_bytes = worker_->config->max_object_bytes;
  switch (head.framing) {
    case core::http::BodyFraming::ContentLength:
      if (head.content_length > max_bytes) {
        return FilterStatus::Continue;
      }
      expected_length_ = head.content_length;
      break;
    case core::http::BodyFraming::None:
      expected_length_ = 0;
      break;
    case core::http::BodyFraming::Chunked:
    case core::http::BodyFraming::UntilClose:
      expected_length_.reset();
      break;
  }
  pending_.status = head.status;
  pending_.reason = head.reason;
  pending_.headers = storableHeaders(head.headers);
  pending_.age = age;
  pending_.freshness_lifetime = decision.freshness_lifetime;
  pending_.stored_at = response_time;
  pending_.vary = std::move(decision.vary);
  pending_.vary_values = selectingValues(request_.headers, pending_.vary);
  pending_.body.reserve(expected_length_.value_or(0));
  collecting_ = true;
  if (end_stream) {
    store();
  }
  return FilterStatus::Continue;
}

FilterStatus ResponseCacheFilter::onResponseBody(std::string& chunk, bool end_stream) {
  if (!collecting_) {
    return FilterStatus::Continue;
  }
  if (pending_.body.size() + chunk.size() > worker_->config->max_object_bytes) {
    collecting_ = false;  // too big after all (chunked): give the memory back at once
    pending_ = StoredResponse{};
    return FilterStatus::Continue;
  }
  pending_.body += chunk;
  if (end_stream) {
    store();
  }
  return FilterStatus::Continue;
}

void ResponseCacheFilter::onComplete(const gateway::RequestOutcome& /*outcome*/) {
  completed_ = true;
  collecting_ = false;  // a body that did not reach its end is never stored
}

void ResponseCacheFilter::store() {
  collecting_ = false;
  if (expected_length_ && *expected_length_ != pending_.body.size()) {
    return;  // the upstream ended early: never store a truncated body
  }
  const int64_t remaining = pending_.freshness_lifetime - currentAge(pending_.age, worker_->now());
  if (remaining <= 0) {
    return;
  }
  const uint64_t ttl_ms = static_cast<uint64_t>(remaining) * 1000;
  const CacheMetrics metrics = worker_->metrics;
  // The callbacks capture only counters (owned by the process registry), never the filter, so
  // the request can finish while the SET is in flight.
  auto on_entry_set = [metrics](const core::Status& status) {
    increment(status ? metrics.stores : metrics.errors);
  };
  auto on_marker_set = [metrics](const core::Status& status) {
    if (!status) {
      increment(metrics.errors);
    }
  };
  if (pending_.vary.empty()) {
    worker_->store->set(primary_key_, encodeResponse(pending_), ttl_ms, on_entry_set);
  } else {
    const std::string secondary =
        primary_key_ + secondaryKeySuffix(pending_.vary, pending_.vary_values);
    worker_->store->set(secondary, encodeResponse(pending_), ttl_ms, on_entry_set);
    worker_->store->set(primary_key_, encodeVaryMarker(VaryMarker{pending_.vary}), ttl_ms,
                        on_marker_set);
  }
  pending_ = StoredResponse{};
}

}  // namespace strata::plugins::response_cache
