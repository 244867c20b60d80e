// ClusterClient: the gateway worker's client for the cache tier. Routes each key to one cache
// node over the shared ketama ring (the same placement the cache proxy uses) and offers GET,
// SET with TTL and generic commands with exactly-once callbacks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/client/deferred.h"
#include "cache/client/node_connection.h"
#include "core/error.h"
#include "core/event/loop.h"
#include "core/ring/ring.h"

namespace strata::cache::client {

struct ClusterNode {
  std::string name;     // placement identity on the ring: keep it stable across restarts
  std::string address;  // "host:port"
  uint32_t weight = 1;
};

struct ClusterOptions {
  NodeOptions node;
  core::RingOptions ring;
  // Two delimiter characters (e.g. "{}") to hash only the tagged part of a key, as the cache
  // proxy's hash_tag does; empty hashes the whole key.
  std::string hash_tag;
};

using GetCallback = std::function<void(core::Result<std::optional<std::string>>)>;
using StatusCallback = std::function<void(core::Status)>;

// One instance per worker thread, on that worker's loop. Thread affinity and lifetime are those
// of NodeConnection: loop thread only (stats() excepted), callbacks never run inside the call
// that issued the request, each callback runs exactly once, and destroying the client fails
// every outstanding callback with a CacheBackend error inside the destructor.
//
// Routing is strict: a key whose node is down fails fast instead of moving to another node,
// so the ring's placement stays the only place a key's value can live. Whether a failed lookup
// counts as a miss (fail open) is the caller's policy.
class ClusterClient {
 public:
  // Validates the node list (non-empty, parsable addresses, unique names) and starts
  // connecting to every node.
  static core::Result<std::unique_ptr<ClusterClient>> create(core::Loop& loop,
                                                             std::vector<ClusterNode> nodes,
                                                             ClusterOptions options = {});
  ~ClusterClient();
  ClusterClient(const ClusterClient&) = delete;
  ClusterClient& operator=(const ClusterClient&) = delete;

  // GET: the value, nullopt for a missing key, or an Error (transport failure, or the node's
  // error reply as CacheBackend).
  void get(std::string_view key, GetCallback callback);
  // SET key value [PX ttl_ms]; ttl_ms == 0 stores without expiry. Ok only on +OK.
  void set(std::string_view key, std::string_view value, uint64_t ttl_ms, StatusCallback callback);
  // Any single-reply command, routed by `key` (which should be the key argv carries).
  void command(std::string_view key, const std::vector<std::string_view>& argv,
               ReplyCallback callback);

  // Position in nodes() of the node owning `key`.
  size_t nodeIndexFor(std::string_view key) const;
  size_t nodeCount() const { return nodes_.size(); }
  NodeConnection& node(size_t index) { return *nodes_.at(index); }
  // Per-node counters in node order. Safe from any thread while the client is alive.
  std::vector<NodeStatsSnapshot> stats() const;

 private:
  ClusterClient(core::Loop& loop, core::HashRing ring, std::string hash_tag);
  std::string_view routingKey(std::string_view key) const;

  core::HashRing ring_;
  std::string hash_tag_;
  std::vector<std::unique_ptr<NodeConnection>> nodes_;
  DeferredCompletions deferred_;
};

}  // namespace strata::cache::client
