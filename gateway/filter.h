// The HTTP filter-chain API: the seam between the gateway's connection manager and every
// built-in or loaded plugin (response cache, auth, rate limit, ...).
//
// Lifecycle. On the main thread, at start and on every reload, a FilterFactory parses its config
// block once into an immutable FilterConfig. Each worker then asks the factory for a
// WorkerFilterFactory (per-worker state such as connections to the cache tier), which creates
// one Filter per request. All Filter and FilterCallbacks calls happen on that worker's thread.
//
// Request hooks run in the order of the configured chain, response hooks in reverse order (the
// filter nearest the client sees the response last), in request lifecycle order: request
// headers, request body, response headers, response body, and onComplete exactly once per request,
// success or failure. A hook returns Continue, or Pause and later calls resume(), respond() or
// fail() on its callbacks. Routing and the upstream pick are the terminal stage after the last
// request hook, not filters.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <prometheus/registry.h>
#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/event/address.h"
#include "core/event/loop.h"
#include "core/http/message.h"

namespace strata::gateway {

struct RouteEntry;

enum class FilterStatus { Continue, Pause };

// How a request ended, for onComplete and logging.
struct RequestOutcome {
  int status = 0;  // status sent downstream (0 if none was sent)
  bool upstream_reached = false;
  bool downstream_reset = false;  // the client went away before the response finished
  bool complete = false;          // the whole response was delivered downstream
};

// What the connection manager offers a filter for the request it belongs to.
class FilterCallbacks {
 public:
  virtual ~FilterCallbacks() = default;
  virtual core::Loop& loop() = 0;
  // The route the request matched (never null once headers hooks run: unrouted requests are
  // answered before the chain starts).
  virtual const RouteEntry& route() const = 0;
  virtual const core::SocketAddress& downstreamAddress() const = 0;
  // Continues the chain after a hook returned Pause.
  virtual void resume() = 0;
  // Answers the request locally (for example a cache hit); the rest of the request chain and
  // the upstream are skipped, and response hooks of earlier filters still run. body is sent
  // as-is with a Content-Length (a HEAD request gets the head only).
  virtual void respond(core::http::ResponseHead head, std::string body) = 0;
  // Ends the request with the response that error maps to (502, 504, 429, ...).
  virtual void fail(const core::Error& error) = 0;
};

class Filter {
 public:
  virtual ~Filter() = default;
  // Called once, before any hook.
  virtual void setCallbacks(FilterCallbacks& callbacks) { callbacks_ = &callbacks; }

  // The request head after hop-by-hop removal and forwarding headers; filters may modify it.
  virtual FilterStatus onRequestHeaders(core::http::RequestHead& /*head*/, bool /*end_stream*/) {
    return FilterStatus::Continue;
  }
  // A piece of the request body; `end_stream` marks the last one.
  virtual FilterStatus onRequestBody(std::string& /*chunk*/, bool /*end_stream*/) {
    return FilterStatus::Continue;
  }
  // The upstream's (or a local respond()'s) response head; filters may modify it. 1xx interim
  // responses do not pass through filters.
  virtual FilterStatus onResponseHeaders(core::http::ResponseHead& /*head*/, bool /*end_stream*/) {
    return FilterStatus::Continue;
  }
  // A piece of the response body; filters may modify or observe it. Returning Pause holds this
  // and later pieces back until resume().
  virtual FilterStatus onResponseBody(std::string& /*chunk*/, bool /*end_stream*/) {
    return FilterStatus::Continue;
  }
  // Exactly once per request, whatever happened. No callbacks may be used after it.
  virtual void onComplete(const RequestOutcome& /*outcome*/) {}

 protected:
  FilterCallbacks* callbacks_ = nullptr;
};

// Immutable parsed configuration of one filter, shared by all workers.
class FilterConfig {
 public:
  virtual ~FilterConfig() = default;
};

// Per-worker part of a filter: lives on one worker thread for one config snapshot.
class WorkerFilterFactory {
 public:
  virtual ~WorkerFilterFactory() = default;
  // A new filter for one request, or nullptr when the filter does not apply to that route.
  virtual std::unique_ptr<Filter> createFilter(const RouteEntry& route) = 0;
};

// What a worker offers to per-worker filter state.
struct WorkerContext {
  core::Loop& loop;
  int worker_index;
  // The process-wide metrics registry; families are created here once per worker, and the
  // returned counters are thread-safe to increment on the data path.
  prometheus::Registry& metrics;
};

class FilterFactory {
 public:
  virtual ~FilterFactory() = default;
  virtual std::string_view name() const = 0;
  // Main thread. Parses the filter's config block (`root` is the whole config document, for
  // filters configured by a top-level section). Errors carry "file:line: message" in context.
  virtual core::Result<std::shared_ptr<const FilterConfig>> parse(
      const YAML::Node& block, const YAML::Node& root, const std::string& file) const = 0;
  // Worker thread, once per worker per config snapshot.
  virtual std::unique_ptr<WorkerFilterFactory> createForWorker(
      std::shared_ptr<const FilterConfig> config, WorkerContext& worker) const = 0;
};

}  // namespace strata::gateway
