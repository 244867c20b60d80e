// Gateway config parsing and validation. Each section is read on its own and problems are
// collected, so one run of `strata check-config` lists every mistake in the file.
#include "gateway/config.h"

#include <algorithm>
#include <map>
#include <thread>

#include "core/config/loader.h"

namespace strata::gateway {

namespace {

using core::config::Diagnostics;
using core::config::MapReader;

constexpr std::string_view kDefaultAdminAddress = "127.0.0.1:9901";
constexpr std::string_view kResponseCacheFilter = "response_cache";

// Top-level sections owned by filters rather than by the gateway itself.
constexpr std::string_view kFilterSections[] = {"cache_tier"};

struct Parser {
  const YAML::Node& root;
  const FilterFactoryList& factories;
  Diagnostics diag;
  GatewayConfig out;

  Parser(const YAML::Node& r, const std::string& file, const FilterFactoryList& f)
      : root(r), factories(f), diag(file) {}

  std::shared_ptr<const FilterFactory> sharedFactory(std::string_view name) const {
    for (const auto& factory : factories) {
      if (factory->name() == name) {
        return factory;
      }
    }
    return nullptr;
  }

  void parseTop() {
    MapReader top(root, "the config document", diag);
    if (!top.valid()) {
      return;
    }
    std::vector<std::string> allowed = {"workers",  "admin",  "drain_timeout", "listeners",
                                        "clusters", "routes", "http_filters"};
    for (auto section : kFilterSections) {
      allowed.emplace_back(section);
    }
    top.allowOnly(allowed);

    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    out.workers = static_cast<int>(top.integer("workers", 1, 1024).value_or(cores));
    out.drain_timeout_ms = top.durationMs("drain_timeout").value_or(out.drain_timeout_ms);
    parseAdmin(top);
    parseListeners(top);
    parseClusters(top);
    parseRoutes(top);
    parseFilters(top);
  }

  void parseAdmin(MapReader& top) {
    out.admin.address = *core::SocketAddress::parse(kDefaultAdminAddress);
    if (!top.has("admin")) {
      return;
    }
    MapReader admin(top.child("admin"), "admin", diag);
    admin.allowOnly({"listen"});
    if (auto address = admin.address("listen", true)) {
      out.admin.address = *address;
    }
  }

  void parseListeners(MapReader& top) {
    if (!top.require("listeners")) {
      return;
    }
    const YAML::Node list = top.child("listeners");
    if (!core::config::expectSequence(list, "listeners", diag)) {
      return;
    }
    if (list.size() == 0) {
      diag.error(list, "at least one listener is required");
    }
    std::map<std::string, int> names;
    std::map<std::string, std::string> addresses;
    for (size_t i = 0; i < list.size(); ++i) {
      MapReader reader(list[i], "listener #" + std::to_string(i + 1), diag);
      if (!reader.valid()) {
        continue;
      }
      reader.allowOnly({"name", "listen", "idle_timeout", "max_header_bytes", "max_body_bytes"});
      ListenerConfig listener;
      listener.name = reader.string("name").value_or("listener_" + std::to_string(i));
      checkUnique(names, listener.name, reader.node(), "listener");
      const auto address = reader.address("listen", true, true);
      if (address) {
        listener.address = *address;
        const auto text = address->toString();
        if (address->port() != 0) {
          auto [it, fresh] = addresses.emplace(text, listener.name);
          if (!fresh) {
            diag.error(
                reader.child("listen"),
                "listen address " + text + " is already used by listener '" + it->second + "'");
          }
        }
      }
      listener.idle_timeout_ms =
          reader.durationMs("idle_timeout").value_or(listener.idle_timeout_ms);
      listener.max_header_bytes =
          reader.size("max_header_bytes").value_or(listener.max_header_bytes);
      listener.max_body_bytes = reader.size("max_body_bytes").value_or(listener.max_body_bytes);
      out.listeners.push_back(std::move(listener));
    }
    const auto admin = out.admin.address.toString();
    if (out.admin.address.port() != 0 && addresses.count(admin) != 0) {
      diag.error(top.child("admin"),
                 "admin address " + admin + " is also used by listener '" + addresses[admin] + "'");
    }
  }

  void parseClusters(MapReader& top) {
    if (!top.has("clusters")) {
      return;
    }
    const YAML::Node list = top.child("clusters");
    if (!core::config::expectSequence(list, "clusters", diag)) {
      return;
    }
    std::map<std::string, int> names;
    for (size_t i = 0; i < list.size(); ++i) {
      MapReader reader(list[i], "cluster", diag);
      if (!reader.valid()) {
        continue;
      }
      reader.allowOnly({"name", "lb", "endpoints", "connect_timeout", "response_timeout",
                        "max_idle_connections", "idle_timeout"});
      ClusterConfig cluster;
      cluster.name = reader.string("name", true).value_or("");
      if (!cluster.name.empty()) {
        checkUnique(names, cluster.name, reader.node(), "cluster");
      }
      if (auto lb = reader.string("lb")) {
        if (*lb != "round_robin") {
          diag.error(reader.child("lb"),
                     "lb '" + *lb + "' is not supported (supported: round_robin)");
        }
      }
      if (reader.require("endpoints")) {
        const YAML::Node endpoints = reader.child("endpoints");
        if (core::config::expectSequence(endpoints, "endpoints of cluster '" + cluster.name + "'",
                                         diag)) {
          if (endpoints.size() == 0) {
            diag.error(endpoints, "cluster '" + cluster.name + "' has no endpoints");
          }
          for (size_t e = 0; e < endpoints.size(); ++e) {
            if (auto address = core::config::readAddress(endpoints[e], "endpoint", false, diag)) {
              cluster.endpoints.push_back(*address);
            }
          }
        }
      }
      cluster.connect_timeout_ms =
          positiveDuration(reader, "connect_timeout").value_or(cluster.connect_timeout_ms);
      cluster.response_timeout_ms =
          positiveDuration(reader, "response_timeout").value_or(cluster.response_timeout_ms);
      cluster.idle_timeout_ms =
          positiveDuration(reader, "idle_timeout").value_or(cluster.idle_timeout_ms);
      cluster.max_idle_connections = static_cast<uint32_t>(
          reader.integer("max_idle_connections", 0, 100000).value_or(cluster.max_idle_connections));
      out.clusters.push_back(std::move(cluster));
    }
  }

  void parseRoutes(MapReader& top) {
    if (!top.has("routes")) {
      return;
    }
    const YAML::Node list = top.child("routes");
    if (!core::config::expectSequence(list, "routes", diag)) {
      return;
    }
    std::map<std::string, int> names;
    for (size_t i = 0; i < list.size(); ++i) {
      MapReader reader(list[i], "route", diag);
      if (!reader.valid()) {
        continue;
      }
      reader.allowOnly({"name", "match", "cluster", "cache"});
      RouteEntry route;
      route.line = core::config::lineOf(reader.node());
      route.name = reader.string("name").value_or("route_" + std::to_string(i));
      checkUnique(names, route.name, reader.node(), "route");
      if (reader.has("match")) {
        MapReader match(reader.child("match"), "match of route '" + route.name + "'", diag);
        match.allowOnly({"host", "path_prefix"});
        if (auto host = match.string("host")) {
          if (auto problem = Router::validateHostPattern(*host)) {
            diag.error(match.child("host"), *problem);
          }
          route.match.host = *host;
        }
        if (auto prefix = match.string("path_prefix")) {
          if (prefix->empty() || prefix->front() != '/') {
            diag.error(match.child("path_prefix"),
                       "path_prefix '" + *prefix + "' must start with '/'");
          }
          route.match.path_prefix = *prefix;
        }
      }
      if (auto cluster = reader.string("cluster", true)) {
        route.cluster = *cluster;
        const auto it = std::find_if(out.clusters.begin(), out.clusters.end(),
                                     [&](const ClusterConfig& c) { return c.name == *cluster; });
        if (it == out.clusters.end()) {
          diag.error(reader.child("cluster"), "route '" + route.name + "' names cluster '" +
                                                  *cluster + "', which is not defined");
        } else {
          route.cluster_index = static_cast<size_t>(it - out.clusters.begin());
        }
      }
      route.cache = reader.boolean("cache").value_or(false);
      out.routes.push_back(std::move(route));
    }
  }

  void parseFilters(MapReader& top) {
    // Whether the chain asks for the response cache, even if its config then fails to parse:
    // a broken cache_tier is reported as itself, not as a missing filter.
    bool cache_filter_requested = false;
    if (!top.has("http_filters")) {
      if (top.has("cache_tier")) {
        cache_filter_requested = true;
        YAML::Node block(YAML::NodeType::Map);
        block["name"] = std::string(kResponseCacheFilter);
        addFilter(std::string(kResponseCacheFilter), block, top.child("cache_tier"));
      }
    } else {
      const YAML::Node list = top.child("http_filters");
      if (core::config::expectSequence(list, "http_filters", diag)) {
        for (size_t i = 0; i < list.size(); ++i) {
          MapReader entry(list[i], "http filter", diag);
          if (auto name = entry.string("name", true)) {
            cache_filter_requested |= *name == kResponseCacheFilter;
            addFilter(*name, entry.node(), entry.child("name"));
          }
        }
      }
      if (top.has("cache_tier") && !cache_filter_requested) {
        diag.error(top.child("cache_tier"),
                   "cache_tier is set but http_filters does not list response_cache, so nothing "
                   "would use it (add {name: response_cache} or remove cache_tier)");
      }
    }
    if (!cache_filter_requested) {
      for (const auto& route : out.routes) {
        if (route.cache) {
          diag.errorAtLine(route.line, "route '" + route.name +
                                           "' sets cache: true but no response_cache filter is "
                                           "configured (add a cache_tier section or list it in "
                                           "http_filters)");
        }
      }
    }
  }

  void addFilter(const std::string& name, const YAML::Node& block, const YAML::Node& at) {
    auto factory = sharedFactory(name);
    if (!factory) {
      std::string known;
      for (const auto& f : factories) {
        known += known.empty() ? "" : ", ";
        known += std::string(f->name());
      }
      diag.error(at, "unknown http filter '" + name +
                         "' (available: " + (known.empty() ? std::string("none") : known) + ")");
      return;
    }
    for (const auto& existing : out.filters) {
      if (existing.name == name) {
        diag.error(at, "http filter '" + name + "' is listed twice");
        return;
      }
    }
    try {
      auto config = factory->parse(block, root, diag.file());
      if (!config) {
        diag.addError(config.error());
        return;
      }
      out.filters.push_back(FilterSpec{name, std::move(factory), std::move(*config)});
    } catch (const std::exception& e) {
      diag.error(at, "http filter '" + name + "': " + e.what());
    }
  }

  std::optional<uint64_t> positiveDuration(MapReader& reader, std::string_view key) {
    auto ms = reader.durationMs(key);
    if (ms && *ms == 0) {
      diag.error(reader.child(key),
                 "'" + std::string(key) + "' in " + reader.what() + " must be greater than zero");
      return std::nullopt;
    }
    return ms;
  }

  void checkUnique(std::map<std::string, int>& seen, const std::string& name, const YAML::Node& at,
                   std::string_view kind) {
    const int line = core::config::lineOf(at);
    auto [it, fresh] = seen.emplace(name, line);
    if (!fresh) {
      diag.error(at, std::string(kind) + " name '" + name + "' is already used on line " +
                         std::to_string(it->second));
    }
  }
};

}  // namespace

core::Result<GatewayConfig> GatewayConfig::parse(const YAML::Node& root, const std::string& file,
                                                 const FilterFactoryList& factories) {
  Parser parser(root, file, factories);
  try {
    parser.parseTop();
  } catch (const std::exception& e) {
    // yaml-cpp throws on conversions the readers did not anticipate; report, never crash.
    parser.diag.error(YAML::Mark::null_mark(), std::string("cannot read config: ") + e.what());
  }
  if (!parser.diag.ok()) {
    return tl::unexpected(parser.diag.toError());
  }
  parser.out.source = file;
  return std::move(parser.out);
}

core::Result<GatewayConfig> GatewayConfig::load(const std::string& path,
                                                const FilterFactoryList& factories) {
  auto root = core::config::loadFile(path);
  if (!root) {
    return tl::unexpected(root.error());
  }
  return parse(*root, path, factories);
}

}  // namespace strata::gateway
