// Parsing and validation of the response cache's cache_tier section.
#include "plugins/response_cache/config.h"

#include <set>

#include "core/config/loader.h"
#include "core/event/address.h"

namespace strata::plugins::response_cache {
namespace {

using core::config::Diagnostics;
using core::config::MapReader;

void parseNode(const YAML::Node& node, Diagnostics& diag, ResponseCacheConfig& out) {
  cache::client::ClusterNode parsed;
  // Node assignment in yaml-cpp writes through to the node it aliases, so rebind with reset().
  YAML::Node address_node;
  address_node.reset(node);
  if (node.IsMap()) {
    MapReader reader(node, "cache_tier node", diag);
    reader.allowOnly({"address", "name", "weight"});
    auto address = reader.string("address", /*required=*/true);
    if (!address) {
      return;
    }
    address_node.reset(reader.child("address"));
    parsed.address = *address;
    parsed.name = reader.string("name").value_or(*address);
    parsed.weight = static_cast<uint32_t>(reader.integer("weight", 1, 1000).value_or(1));
  } else {
    auto address = core::config::readString(node, "cache_tier node", diag);
    if (!address) {
      return;
    }
    parsed.address = *address;
    parsed.name = *address;
  }
  if (auto valid = core::SocketAddress::parse(parsed.address); !valid) {
    diag.error(address_node, "cache_tier node address '" + parsed.address + "' is not host:port (" +
                                 valid.error().context + ")");
    return;
  }
  if (parsed.name.empty()) {
    diag.error(node, "cache_tier node name must not be empty");
    return;
  }
  out.nodes.push_back(std::move(parsed));
}

}  // namespace

core::Result<std::shared_ptr<const ResponseCacheConfig>> parseResponseCacheConfig(
    const YAML::Node& block, const YAML::Node& root, const std::string& file) {
  Diagnostics diag(file);
  auto config = std::make_shared<ResponseCacheConfig>();
  if (block && block.IsMap()) {
    MapReader filter_entry(block, "response_cache filter", diag);
    filter_entry.allowOnly({"name"});
  }
  const YAML::Node section = root && root.IsMap() ? root["cache_tier"] : YAML::Node();
  if (!section) {
    diag.error(block, "the response_cache filter needs a top-level cache_tier section");
    return tl::unexpected(diag.toError());
  }
  MapReader reader(section, "cache_tier", diag);
  if (!reader.valid()) {
    return tl::unexpected(diag.toError());
  }
  reader.allowOnly({"nodes", "max_object_bytes", "timeout", "key_prefix"});
  if (reader.require("nodes")) {
    const YAML::Node nodes = reader.child("nodes");
    if (core::config::expectSequence(nodes, "'nodes' in cache_tier", diag)) {
      if (nodes.size() == 0) {
        diag.error(nodes, "'nodes' in cache_tier must list at least one cache node");
      }
      for (size_t i = 0; i < nodes.size(); ++i) {
        parseNode(nodes[i], diag, *config);
      }
      std::set<std::string> names;
      for (size_t i = 0; i < config->nodes.size(); ++i) {
        if (!names.insert(config->nodes[i].name).second) {
          diag.error(nodes, "cache_tier node name '" + config->nodes[i].name +
                                "' appears twice (names place nodes on the ring)");
        }
      }
    }
  }
  if (auto bytes = reader.size("max_object_bytes")) {
    if (*bytes == 0 || *bytes > kMaxObjectBytesLimit) {
      diag.error(reader.child("max_object_bytes"),
                 "'max_object_bytes' in cache_tier must be between 1 and 256MiB");
    } else {
      config->max_object_bytes = *bytes;
    }
  }
  if (auto timeout = reader.durationMs("timeout")) {
    if (*timeout == 0 || *timeout > 60'000) {
      diag.error(reader.child("timeout"), "'timeout' in cache_tier must be between 1ms and 60s");
    } else {
      config->timeout_ms = *timeout;
    }
  }
  if (auto prefix = reader.string("key_prefix")) {
    config->key_prefix = *prefix;
  }
  if (!diag.ok()) {
    return tl::unexpected(diag.toError());
  }
  return std::shared_ptr<const ResponseCacheConfig>(std::move(config));
}

}  // namespace strata::plugins::response_cache
