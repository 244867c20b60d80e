// Routes and the router: which cluster serves a request, chosen from the Host (without port,
// case-insensitive) and the normalised path, first match in config order.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::gateway {

struct RouteMatch {
  // "*" (any host), "*.example.com" (any subdomain, not the bare domain) or an exact host name.
  // Stored lower-case.
  std::string host = "*";
  // Compared against the normalised path, byte for byte.
  std::string path_prefix = "/";
};

// One configured route. Filters see it through FilterCallbacks::route() and may decide from it
// whether they apply (the response cache looks at `cache`).
struct RouteEntry {
  std::string name;  // unique; the `route` label of the request metrics
  RouteMatch match;
  std::string cluster;       // name of the cluster that serves the route
  size_t cluster_index = 0;  // position of that cluster in the config's cluster list
  bool cache = false;        // responses on this route may be served from the response cache
  int line = 0;              // config line, for messages
};

class Router {
 public:
  Router() = default;
  explicit Router(std::vector<RouteEntry> routes);

  // The first route whose host pattern and path prefix match, or nullptr (answer 404).
  // `host` is the Host field as received (a port suffix is ignored); `path` is normalised.
  const RouteEntry* match(std::string_view host, std::string_view path) const;

  const std::vector<RouteEntry>& routes() const { return routes_; }

  // "Example.COM:8080" -> "Example.COM"; "[::1]:80" -> "[::1]".
  static std::string_view hostWithoutPort(std::string_view host);
  // Case-insensitive match of a host (without port) against a lower-case pattern.
  static bool hostMatches(std::string_view pattern, std::string_view host);
  // Why a host pattern is unusable ("*" only as the whole pattern or a leading "*."), or nullopt.
  static std::optional<std::string> validateHostPattern(std::string_view pattern);

 private:
  std::vector<RouteEntry> routes_;
};

}  // namespace strata::gateway
