// The gateway's typed configuration: listeners, clusters, routes, admin and the HTTP filter
// chain, parsed from YAML with every error reported as "file:line: message", and the immutable
// Snapshot that worker threads read.
//
// Filter blocks are parsed by the FilterFactory of the same name; the factories are handed in
// by the caller (cmd/), so this module never depends on plugins/. An `http_filters` entry is a
// mapping whose `name` picks the factory; the whole entry (including `name`) is the block the
// factory parses. Without `http_filters`, a config that has a `cache_tier` section gets the
// chain [response_cache].
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/event/address.h"
#include "gateway/filter.h"
#include "gateway/route.h"

namespace strata::gateway {

using FilterFactoryList = std::vector<std::shared_ptr<const FilterFactory>>;

enum class LbPolicy { RoundRobin };

struct ListenerConfig {
  std::string name;
  core::SocketAddress address;
  // A keep-alive connection with no request in progress is closed after this long.
  uint64_t idle_timeout_ms = 60'000;
  // Limits handed to the request decoder (431 / 413 beyond them).
  uint64_t max_header_bytes = 64 * 1024;
  uint64_t max_body_bytes = UINT64_MAX;
};

struct ClusterConfig {
  std::string name;
  LbPolicy lb = LbPolicy::RoundRobin;
  std::vector<core::SocketAddress> endpoints;
  uint64_t connect_timeout_ms = 1'000;
  // Longest silence from the upstream while a request waits for (or streams) its response.
  uint64_t response_timeout_ms = 15'000;
  // Idle keep-alive connections kept per endpoint per worker, and how long they may idle.
  uint32_t max_idle_connections = 64;
  uint64_t idle_timeout_ms = 30'000;
};

struct AdminConfig {
  core::SocketAddress address;  // 127.0.0.1:9901 unless configured
};

// One filter of the chain: its factory and the config the factory parsed once.
struct FilterSpec {
  std::string name;
  std::shared_ptr<const FilterFactory> factory;
  std::shared_ptr<const FilterConfig> config;
};

struct GatewayConfig {
  std::string source;  // file the config came from
  int workers = 1;     // default: number of cores
  AdminConfig admin;
  // On SIGTERM, in-flight requests get this long to finish before connections are closed.
  uint64_t drain_timeout_ms = 5'000;
  std::vector<ListenerConfig> listeners;
  std::vector<ClusterConfig> clusters;
  std::vector<RouteEntry> routes;
  std::vector<FilterSpec> filters;

  // Parses and validates a whole document. On failure the Error is ConfigInvalid and its
  // context holds every problem found, one "file:line: message" per line.
  static core::Result<GatewayConfig> parse(const YAML::Node& root, const std::string& file,
                                           const FilterFactoryList& factories);
  // Loads the file and parses it (YAML syntax errors as "file:line:col: message").
  static core::Result<GatewayConfig> load(const std::string& path,
                                          const FilterFactoryList& factories);
};

// What workers read: one validated config with its router. Immutable once built and shared by
// every worker through std::shared_ptr<const Snapshot>; a reload builds a new one.
struct Snapshot {
  explicit Snapshot(GatewayConfig config_in, uint64_t generation_in = 1)
      : config(std::move(config_in)), router(config.routes), generation(generation_in) {}

  const GatewayConfig config;
  const Router router;
  const uint64_t generation;
};

}  // namespace strata::gateway
