// Configuration of the response cache filter, read from the top-level `cache_tier` section:
//
//   cache_tier:
//     nodes:                       # cache nodes, placed on the ketama ring by name
//       - 127.0.0.1:7001           # name defaults to the address
//       - {address: 127.0.0.1:7002, name: cache-b, weight: 2}
//     max_object_bytes: 1MiB       # larger responses are not stored
//     timeout: 100ms               # per cache-tier request; after it the lookup fails open
//     key_prefix: "strata:http:"   # prepended to every key the filter reads or writes
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "cache/client/cluster_client.h"
#include "core/error.h"
#include "gateway/filter.h"

namespace strata::plugins::response_cache {

inline constexpr uint64_t kDefaultMaxObjectBytes = 1024 * 1024;
inline constexpr uint64_t kDefaultTimeoutMs = 100;
inline constexpr std::string_view kDefaultKeyPrefix = "strata:http:";
// Cache nodes store at most 512 MiB per value; half of that leaves room for the entry framing
// and keeps one response from monopolising a node.
inline constexpr uint64_t kMaxObjectBytesLimit = 256ull * 1024 * 1024;

struct ResponseCacheConfig : gateway::FilterConfig {
  std::vector<cache::client::ClusterNode> nodes;
  uint64_t max_object_bytes = kDefaultMaxObjectBytes;
  uint64_t timeout_ms = kDefaultTimeoutMs;
  std::string key_prefix = std::string(kDefaultKeyPrefix);
};

// Parses `cache_tier` from the config document `root`. `block` is the filter's own entry (from
// `http_filters`, or synthesised with only `name`); it takes no other keys. Every problem is
// reported as "file:line: message", all of them in one ConfigInvalid error.
core::Result<std::shared_ptr<const ResponseCacheConfig>> parseResponseCacheConfig(
    const YAML::Node& block, const YAML::Node& root, const std::string& file);

}  // namespace strata::plugins::response_cache
