// HashRing: the ketama consistent-hash ring shared by the gateway's cache client and the
// sharding cache proxy, so both map a key to the same node.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/hash/hash.h"

namespace strata::core {

// One node placed on the ring.
struct RingNode {
  // Hashed onto the ring to place the node's points. Two rings built from the same names and
  // weights agree on every key, whatever the order of the node list or the node indexes.
  std::string name;
  // The caller's identifier for the node (for example its position in a server list); lookups
  // return it, and the `up` vectors of the lookup methods are indexed by it. Must be unique.
  size_t index = 0;
  // Relative capacity. A node's share of points is proportional to its weight; weight 0 keeps
  // the node known to the ring but gives it no points, so it never receives keys.
  uint32_t weight = 1;
};

struct RingOptions {
  // Points an average-weight node gets (libketama and twemproxy use 160). Each MD5 digest yields
  // four points, so a node's count is rounded down to a multiple of four. Range 4..65536.
  uint32_t points_per_server = 160;
  // How keys are hashed for lookup. Point placement always uses MD5, as ketama defines it.
  HashFunction key_hash = HashFunction::Md5;
};

// Immutable after build(); lookups are const and safe from any number of threads.
//
// Placement follows libketama: with n weighted nodes of total weight W, a node of weight w gets
// floor(w * points_per_server * n / (4 * W)) groups of four points. Group i is
// MD5("<name>-<i>"), and its four points are the digest's four 32-bit little-endian words.
// Lookup takes the first point at or after the key's hash, wrapping past the top of the ring.
//
// Down nodes are skipped rather than removed: a key whose point belongs to a down node goes to
// the next point clockwise whose node is up. Keys of up nodes therefore never move when another
// node goes down, which is the property a cache needs to keep its hit rate through a failure.
// (twemproxy instead rebuilds the ring without ejected nodes, which moves a few other keys too;
// callers wanting that can build a new ring from the live nodes.)
class HashRing {
 public:
  // Returned when no node can take the key: the ring is empty, or every node with points is down.
  static constexpr size_t kNoNode = static_cast<size_t>(-1);

  struct Point {
    uint32_t hash;
    uint32_t node;  // position in nodes(), not the caller's index
  };

  // Validates and places the nodes. Fails (ConfigInvalid) on an empty or duplicate name, a
  // duplicate index or points_per_server out of range, and (Internal) when MD5 is unavailable.
  // An empty node list gives an empty ring whose lookups return kNoNode.
  static Result<HashRing> build(std::vector<RingNode> nodes, RingOptions options = {});

  HashRing() = default;

  // The index of the node owning `key`, or kNoNode.
  size_t nodeFor(std::string_view key) const { return nodeForHash(hashKey(key)); }
  // As nodeFor, skipping nodes whose up[index] is false. Indexes beyond up.size() count as up.
  size_t nodeFor(std::string_view key, const std::vector<bool>& up) const {
    return nodeForHash(hashKey(key), up);
  }
  // Lookups by a precomputed key hash (see hashKey).
  size_t nodeForHash(uint32_t hash) const;
  size_t nodeForHash(uint32_t hash, const std::vector<bool>& up) const;

  // The 32-bit ring position of a key under options().key_hash.
  uint32_t hashKey(std::string_view key) const { return hash32(options_.key_hash, key); }

  size_t nodeCount() const { return nodes_.size(); }
  // Nodes in the order given to build().
  const std::vector<RingNode>& nodes() const { return nodes_; }
  // Points sorted by hash (ties by node name), for diagnostics and tests.
  const std::vector<Point>& points() const { return points_; }
  const RingOptions& options() const { return options_; }

 private:
  // Position in points_ of the first point with hash >= `hash`, wrapping to 0.
  size_t firstPointAtOrAfter(uint32_t hash) const;

  std::vector<RingNode> nodes_;
  std::vector<Point> points_;
  RingOptions options_;
};

}  // namespace strata::core
