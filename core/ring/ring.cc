// Ketama ring construction (validation, weighted MD5 point placement) and clockwise lookup.
#include "core/ring/ring.h"

#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>

namespace strata::core {
namespace {

constexpr uint32_t kMinPointsPerServer = 4;
constexpr uint32_t kMaxPointsPerServer = 65536;
constexpr uint32_t kPointsPerDigest = 4;

// Word k (0..3) of an MD5 digest as a little-endian uint32: libketama's byte order, kept so a
// ring built from the same names lands on the same points as other ketama implementations.
uint32_t digestWord(const Md5Digest& digest, size_t k) {
  const size_t base = k * 4;
  return static_cast<uint32_t>(digest[base]) | static_cast<uint32_t>(digest[base + 1]) << 8 |
         static_cast<uint32_t>(digest[base + 2]) << 16 |
         static_cast<uint32_t>(digest[base + 3]) << 24;
}

Status validate(const std::vector<RingNode>& nodes, const RingOptions& options) {
  if (options.points_per_server < kMinPointsPerServer ||
      options.points_per_server > kMaxPointsPerServer) {
    return fail(ErrorKind::ConfigInvalid,
                fmt::format("points_per_server must be between {} and {}, got {}",
                            kMinPointsPerServer, kMaxPointsPerServer, options.points_per_server));
  }
  if (nodes.size() > UINT32_MAX) {
    return fail(ErrorKind::ConfigInvalid, "too many ring nodes");
  }
  std::unordered_set<std::string_view> names;
  std::unordered_set<size_t> indexes;
  for (const RingNode& node : nodes) {
    if (node.name.empty()) {
      return fail(ErrorKind::ConfigInvalid, "ring node name is empty");
    }
    // Equal names would produce identical points, leaving the winner of every shared point to
    // the tie-break; that is always a configuration mistake.
    if (!names.insert(node.name).second) {
      return fail(ErrorKind::ConfigInvalid,
                  fmt::format("duplicate ring node name '{}'", node.name));
    }
    if (!indexes.insert(node.index).second) {
      return fail(ErrorKind::ConfigInvalid,
                  fmt::format("duplicate ring node index {}", node.index));
    }
  }
  return {};
}

}  // namespace

Result<HashRing> HashRing::build(std::vector<RingNode> nodes, RingOptions options) {
  if (auto valid = validate(nodes, options); !valid) {
    return tl::unexpected(std::move(valid.error()));
  }

  uint64_t total_weight = 0;
  uint64_t weighted_nodes = 0;
  for (const RingNode& node : nodes) {
    total_weight += node.weight;
    weighted_nodes += node.weight > 0 ? 1 : 0;
  }

  HashRing ring;
  ring.options_ = options;
  ring.nodes_ = std::move(nodes);
  if (total_weight == 0) {
    return ring;
  }

  for (size_t position = 0; position < ring.nodes_.size(); ++position) {
    const RingNode& node = ring.nodes_[position];
    // Integer form of libketama's floor(w / W * points / 4 * n): exact, so equal weights give
    // every node exactly points_per_server points with no floating-point rounding at the edge.
    // The product needs up to 112 bits (weight 32, points 16, node count 64), hence __int128.
    const auto numerator =
        static_cast<unsigned __int128>(node.weight) * options.points_per_server * weighted_nodes;
    const auto groups = static_cast<uint64_t>(
        numerator / (kPointsPerDigest * static_cast<unsigned __int128>(total_weight)));
    for (uint64_t group = 0; group < groups; ++group) {
      auto digest = md5(fmt::format("{}-{}", node.name, group));
      if (!digest) {
        return tl::unexpected(Error::make(ErrorKind::Internal, "cannot place ketama ring points")
                                  .withCause(std::move(digest.error())));
      }
      for (size_t k = 0; k < kPointsPerDigest; ++k) {
        ring.points_.push_back(Point{digestWord(*digest, k), static_cast<uint32_t>(position)});
      }
    }
  }

  // Ties (two points with the same 32-bit hash) are broken by node name rather than by list
  // position, so the ring does not depend on the order nodes were listed or discovered in.
  const std::vector<RingNode>& placed = ring.nodes_;
  std::sort(ring.points_.begin(), ring.points_.end(), [&placed](const Point& a, const Point& b) {
    if (a.hash != b.hash) {
      return a.hash < b.hash;
    }
    return placed[a.node].name < placed[b.node].name;
  });

  // The key hash may be MD5 too; fail here rather than on the first lookup.
  if (options.key_hash == HashFunction::Md5 && !md5("")) {
    return fail(ErrorKind::Internal, "MD5 key hashing is unavailable");
  }
  return ring;
}

size_t HashRing::firstPointAtOrAfter(uint32_t hash) const {
  auto it = std::lower_bound(points_.begin(), points_.end(), hash,
                             [](const Point& point, uint32_t value) { return point.hash < value; });
  return it == points_.end() ? 0 : static_cast<size_t>(it - points_.begin());
}

size_t HashRing::nodeForHash(uint32_t hash) const {
  if (points_.empty()) {
    return kNoNode;
  }
  return nodes_[points_[firstPointAtOrAfter(hash)].node].index;
}

size_t HashRing::nodeForHash(uint32_t hash, const std::vector<bool>& up) const {
  if (points_.empty()) {
    return kNoNode;
  }
  // Walk clockwise from the key's point to the first point of an up node. At worst (almost
  // every node down) this visits every point once; a per-down-set successor table would make it
  // O(1) but would have to be rebuilt on every health change, which happens on another thread.
  const size_t start = firstPointAtOrAfter(hash);
  for (size_t step = 0; step < points_.size(); ++step) {
    size_t at = start + step;
    if (at >= points_.size()) {
      at -= points_.size();
    }
    const size_t index = nodes_[points_[at].node].index;
    if (index >= up.size() || up[index]) {
      return index;
    }
  }
  return kNoNode;
}

}  // namespace strata::core
