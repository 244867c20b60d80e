// RFC 9111 decisions of the shared response cache, as pure functions over request and response
// heads and an explicit `now` (seconds since the Unix epoch), so every rule is testable without a
// loop, a clock or a cache backend.
//
// Scope and deliberate choices (all of them conservative for a SHARED cache):
// - Only GET responses are stored; HEAD requests are answered from a stored GET response.
// - Responses are never revalidated: `no-cache` responses are not stored, and stale entries are
//   misses. Entries are deleted by the backend's TTL, which is set to the remaining freshness.
// - Range requests bypass the cache and 206 responses are never stored (no range support).
// - Responses carrying Set-Cookie are not stored: a cookie is almost always meant for one client,
//   and origins forget `private` far more often than they send a shared cookie on purpose.
// - Heuristic freshness (RFC 9111 §4.2.2) is used only for heuristically cacheable statuses
//   without any explicit expiry: 10% of (Date - Last-Modified), capped at one hour, so static
//   files served with only Last-Modified are still cached for a bounded time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/message.h"

namespace strata::plugins::response_cache {

// Cap of the heuristic freshness lifetime, in seconds.
inline constexpr int64_t kHeuristicFreshnessCap = 3600;

// A response that varies on more distinct fields than this is not stored. Real responses vary on
// a handful; thousands would make every store and lookup of the URL cost time and key bytes in
// proportion (and deduplicating them, quadratic time), all chosen by the origin.
inline constexpr size_t kMaxVaryFields = 32;

// The Cache-Control directives this cache acts on, merged over every Cache-Control field line.
// A directive whose argument is invalid is recorded as present with the most conservative value
// (an invalid max-age counts as 0, RFC 9111 §4.2.1).
struct CacheControl {
  bool no_store = false;
  bool no_cache = false;  // also set by the qualified form no-cache="field"
  bool private_ = false;  // also set by the qualified form private="field"
  bool public_ = false;
  bool must_revalidate = false;
  bool proxy_revalidate = false;
  bool must_understand = false;
  bool only_if_cached = false;
  std::optional<int64_t> max_age;
  std::optional<int64_t> s_maxage;
  std::optional<int64_t> min_fresh;
  std::optional<int64_t> max_stale;  // "max-stale" without a value is recorded as INT64_MAX
};

CacheControl parseCacheControl(const core::http::HeaderMap& headers);

// Parses an HTTP-date (IMF-fixdate, RFC 850 or asctime form, RFC 9110 §5.6.7) into seconds since
// the Unix epoch; nullopt for anything else.
std::optional<int64_t> parseHttpDate(std::string_view value);
// Formats seconds since the epoch as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
std::string formatHttpDate(int64_t seconds);

// What the cache does with a request.
enum class RequestAction {
  Bypass,           // not cacheable: forward, never store the response
  ForwardAndStore,  // do not serve from cache (client asked for a fresh copy), may store
  Lookup,           // look the request up; on a miss forward and maybe store
};

struct RequestDecision {
  RequestAction action = RequestAction::Bypass;
  const char* reason = "";  // why, for debug logs and tests
};

RequestDecision classifyRequest(const core::http::RequestHead& request);

// Whether a status code's semantics are understood by this cache (RFC 9111 §3, "understood").
bool isUnderstoodStatus(int status);
// Statuses that are heuristically cacheable (RFC 9110 §15.1).
bool isHeuristicallyCacheable(int status);

struct StoreDecision {
  bool storable = false;
  const char* reason = "";         // why not (or "storable"), for debug logs and tests
  int64_t freshness_lifetime = 0;  // seconds; > 0 when storable
  bool heuristic = false;          // lifetime came from §4.2.2 rather than explicit directives
  std::vector<std::string> vary;   // selecting header field names from Vary (lower-case)
};

// Freshness lifetime of a response (RFC 9111 §4.2.1) for a shared cache: s-maxage, then
// max-age, then Expires - Date. An invalid Expires means already expired (0). `response_time`
// stands in for a missing Date. nullopt when the response has no explicit expiry.
std::optional<int64_t> explicitFreshness(const core::http::ResponseHead& response,
                                         int64_t response_time);

// Whether a response to `request` may be stored by a shared cache, and for how long.
StoreDecision decideStore(const core::http::RequestHead& request,
                          const core::http::ResponseHead& response, int64_t response_time);

// The inputs of the age calculation (RFC 9111 §4.2.3), kept with every stored entry.
struct AgeInputs {
  int64_t request_time = 0;   // when the request was sent upstream
  int64_t response_time = 0;  // when the response head arrived
  int64_t date_value = 0;     // the response's Date (response_time if absent or invalid)
  int64_t age_value = 0;      // the upstream's Age header (0 if absent or invalid)
};

// Builds AgeInputs from a response head received at response_time.
AgeInputs ageInputsFor(const core::http::ResponseHead& response, int64_t request_time,
                       int64_t response_time);
// corrected_initial_age + resident_time, never negative.
int64_t currentAge(const AgeInputs& inputs, int64_t now);

// Whether a stored response with that lifetime and age may answer this request: it must be fresh
// and satisfy the request's max-age and min-fresh (max-stale is never honoured: no stale serving).
bool canServe(const CacheControl& request_cc, int64_t freshness_lifetime, int64_t current_age);

// Evaluates If-None-Match (weak comparison), or If-Modified-Since when If-None-Match is absent,
// against a stored response head (RFC 9110 §13.2.2). True means answer 304 Not Modified.
bool notModified(const core::http::RequestHead& request, const core::http::HeaderMap& stored);

}  // namespace strata::plugins::response_cache
