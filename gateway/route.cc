// Route matching: a linear scan in config order. Route tables in front of a few services are
// short, and a scan keeps "first match wins" obvious; a trie is the upgrade if tables grow.
#include "gateway/route.h"

#include <cctype>

namespace strata::gateway {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// `host` ends with the lower-case `suffix`, compared case-insensitively.
bool endsWithNoCase(std::string_view host, std::string_view suffix) {
  if (host.size() < suffix.size()) {
    return false;
  }
  const auto tail = host.substr(host.size() - suffix.size());
  for (size_t i = 0; i < suffix.size(); ++i) {
    if (lower(tail[i]) != suffix[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

Router::Router(std::vector<RouteEntry> routes) : routes_(std::move(routes)) {
  for (auto& route : routes_) {
    for (auto& c : route.match.host) {
      c = lower(c);
    }
  }
}

std::string_view Router::hostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  const auto colon = host.rfind(':');
  if (colon == std::string_view::npos) {
    return host;
  }
  return host.substr(0, colon);
}

bool Router::hostMatches(std::string_view pattern, std::string_view host) {
  if (pattern == "*") {
    return true;
  }
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    // "*.example.com" needs at least one label before ".example.com".
    const auto suffix = pattern.substr(1);
    return host.size() > suffix.size() && endsWithNoCase(host, suffix);
  }
  return host.size() == pattern.size() && endsWithNoCase(host, pattern);
}

std::optional<std::string> Router::validateHostPattern(std::string_view pattern) {
  if (pattern.empty()) {
    return "host pattern is empty (use \"*\" for any host)";
  }
  if (pattern == "*") {
    return std::nullopt;
  }
  const size_t from = (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') ? 2 : 0;
  if (pattern.find('*', from) != std::string_view::npos) {
    return "host pattern '" + std::string(pattern) +
           "' may use '*' only alone or as a leading '*.' label";
  }
  if (pattern.find(':') != std::string_view::npos) {
    return "host pattern '" + std::string(pattern) + "' must not contain a port";
  }
  return std::nullopt;
}

const RouteEntry* Router::match(std::string_view host, std::string_view path) const {
  const auto bare_host = hostWithoutPort(host);
  for (const auto& route : routes_) {
    if (!hostMatches(route.match.host, bare_host)) {
      continue;
    }
    if (path.substr(0, route.match.path_prefix.size()) == route.match.path_prefix) {
      return &route;
    }
  }
  return nullptr;
}

}  // namespace strata::gateway
