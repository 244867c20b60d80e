// Tests for the ketama ring: placement known answers, balance, minimal movement when a node is
// added, weights, down-node skipping, validation and determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/ring/ring.h"

namespace strata::core {
namespace {

std::vector<RingNode> cacheNodes(size_t count, std::vector<uint32_t> weights = {}) {
  std::vector<RingNode> nodes;
  for (size_t i = 0; i < count; ++i) {
    nodes.push_back(
        RingNode{"cache-" + std::to_string(i) + ":6379", i, weights.empty() ? 1 : weights[i]});
  }
  return nodes;
}

HashRing buildOrDie(std::vector<RingNode> nodes, RingOptions options = {}) {
  auto ring = HashRing::build(std::move(nodes), options);
  EXPECT_TRUE(ring) << ring.error().describe();
  return ring ? std::move(*ring) : HashRing{};
}

// 100k random keys from a fixed seed, so a failure reproduces.
std::vector<std::string> randomKeys(size_t count = 100000) {
  std::mt19937_64 random(20240611);
  std::vector<std::string> keys;
  keys.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    keys.push_back("key:" + std::to_string(random()));
  }
  return keys;
}

std::vector<size_t> route(const HashRing& ring, const std::vector<std::string>& keys) {
  std::vector<size_t> owners;
  owners.reserve(keys.size());
  for (const std::string& key : keys) {
    owners.push_back(ring.nodeFor(key));
  }
  return owners;
}

std::map<size_t, size_t> countShares(const std::vector<size_t>& owners) {
  std::map<size_t, size_t> shares;
  for (size_t owner : owners) {
    ++shares[owner];
  }
  return shares;
}

// Expected values computed by an independent ketama reference implementation (MD5 of
// "<name>-<i>", four little-endian words per digest, MD5 key hash).
TEST(HashRingTest, KetamaPlacementKnownAnswers) {
  HashRing ring =
      buildOrDie({{"10.0.0.1:6379", 0, 1}, {"10.0.0.2:6379", 1, 1}, {"10.0.0.3:6379", 2, 1}});
  ASSERT_EQ(ring.points().size(), 480u);
  EXPECT_EQ(ring.points().front().hash, 42073797U);
  EXPECT_EQ(ring.points().front().node, 1u);
  EXPECT_EQ(ring.points().back().hash, 4292430556U);
  EXPECT_EQ(ring.points().back().node, 1u);
  EXPECT_TRUE(std::is_sorted(
      ring.points().begin(), ring.points().end(),
      [](const HashRing::Point& a, const HashRing::Point& b) { return a.hash < b.hash; }));

  const std::map<std::string, size_t> expected = {
      {"user:1", 0}, {"user:2", 2}, {"user:3", 1}, {"session:abc", 1}, {"k0", 1},
      {"k1", 1},     {"k2", 2},     {"k3", 2},     {"k4", 1},          {"k5", 1}};
  for (const auto& [key, node] : expected) {
    EXPECT_EQ(ring.nodeFor(key), node) << key;
  }
}

TEST(HashRingTest, ThreeNodesShareKeysWithinFifteenPercent) {
  HashRing ring = buildOrDie(cacheNodes(3));
  EXPECT_EQ(ring.points().size(), 3u * 160u);
  const std::vector<std::string> keys = randomKeys();
  const auto shares = countShares(route(ring, keys));
  ASSERT_EQ(shares.size(), 3u);
  const double mean = static_cast<double>(keys.size()) / 3;
  for (const auto& [node, count] : shares) {
    EXPECT_LT(node, 3u);
    EXPECT_NEAR(static_cast<double>(count), mean, mean * 0.15) << "node " << node;
  }
}

TEST(HashRingTest, AddingAFourthNodeMovesAboutAQuarterOfKeysOnlyToIt) {
  const std::vector<std::string> keys = randomKeys();
  const std::vector<size_t> before = route(buildOrDie(cacheNodes(3)), keys);
  const std::vector<size_t> after = route(buildOrDie(cacheNodes(4)), keys);
  size_t moved = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (before[i] != after[i]) {
      ++moved;
      // Consistent hashing: a key only ever moves to the new node.
      ASSERT_EQ(after[i], 3u) << keys[i];
    }
  }
  const double fraction = static_cast<double>(moved) / static_cast<double>(keys.size());
  EXPECT_GT(fraction, 0.15);
  EXPECT_LE(fraction, 0.30);
}

TEST(HashRingTest, WeightsSkewSharesProportionally) {
  HashRing ring = buildOrDie(cacheNodes(3, {1, 2, 3}));
  // Average weight 2: points are 80, 160 and 240.
  std::map<uint32_t, size_t> points;
  for (const auto& point : ring.points()) {
    ++points[point.node];
  }
  EXPECT_EQ(points[0], 80u);
  EXPECT_EQ(points[1], 160u);
  EXPECT_EQ(points[2], 240u);

  const std::vector<std::string> keys = randomKeys();
  const auto shares = countShares(route(ring, keys));
  const double unit = static_cast<double>(keys.size()) / 6;
  for (size_t node = 0; node < 3; ++node) {
    const double expected = unit * static_cast<double>(node + 1);
    EXPECT_NEAR(static_cast<double>(shares.at(node)), expected, expected * 0.15) << node;
  }
}

TEST(HashRingTest, ZeroWeightNodeGetsNoKeys) {
  HashRing ring = buildOrDie(cacheNodes(3, {1, 0, 1}));
  EXPECT_EQ(ring.nodeCount(), 3u);
  EXPECT_EQ(ring.points().size(), 320u);
  const auto shares = countShares(route(ring, randomKeys(10000)));
  EXPECT_EQ(shares.count(1), 0u);

  HashRing idle = buildOrDie(cacheNodes(2, {0, 0}));
  EXPECT_EQ(idle.nodeFor("anything"), HashRing::kNoNode);
}

TEST(HashRingTest, DownNodesAreSkippedAndOtherKeysStayPut) {
  HashRing ring = buildOrDie(cacheNodes(4));
  const std::vector<std::string> keys = randomKeys();
  const std::vector<size_t> healthy = route(ring, keys);
  const std::vector<bool> up = {true, false, true, true};

  std::map<size_t, size_t> rerouted;
  for (size_t i = 0; i < keys.size(); ++i) {
    const size_t owner = ring.nodeFor(keys[i], up);
    ASSERT_NE(owner, 1u) << keys[i];
    ASSERT_NE(owner, HashRing::kNoNode);
    if (healthy[i] == 1) {
      ++rerouted[owner];
    } else {
      // Keys of up nodes must not move when another node goes down.
      ASSERT_EQ(owner, healthy[i]) << keys[i];
    }
  }
  // The down node's keys spread over the survivors rather than all landing on one.
  EXPECT_EQ(rerouted.size(), 3u);

  // With every node down there is nowhere to go; an all-up vector matches the plain lookup.
  const std::vector<bool> none(4, false);
  const std::vector<bool> all(4, true);
  for (size_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(ring.nodeFor(keys[i], none), HashRing::kNoNode);
    EXPECT_EQ(ring.nodeFor(keys[i], all), healthy[i]);
  }
}

TEST(HashRingTest, ShortUpVectorTreatsMissingIndexesAsUp) {
  HashRing ring = buildOrDie(cacheNodes(3));
  const std::vector<std::string> keys = randomKeys(2000);
  const std::vector<bool> only_first_down = {false};
  for (const std::string& key : keys) {
    const size_t owner = ring.nodeFor(key, only_first_down);
    EXPECT_TRUE(owner == 1 || owner == 2) << key;
  }
}

TEST(HashRingTest, ReturnsCallerIndexesAndIgnoresListOrder) {
  std::vector<RingNode> forward = {{"alpha", 10, 1}, {"beta", 20, 1}, {"gamma", 30, 1}};
  std::vector<RingNode> reversed = {{"gamma", 7, 1}, {"beta", 8, 1}, {"alpha", 9, 1}};
  HashRing a = buildOrDie(forward);
  HashRing b = buildOrDie(reversed);
  const std::map<size_t, size_t> a_to_b = {{10, 9}, {20, 8}, {30, 7}};
  for (const std::string& key : randomKeys(5000)) {
    const size_t owner = a.nodeFor(key);
    ASSERT_TRUE(a_to_b.count(owner)) << owner;
    EXPECT_EQ(b.nodeFor(key), a_to_b.at(owner)) << key;
  }
  // Up vectors are indexed by the caller's index.
  std::vector<bool> up(31, true);
  up[20] = false;
  for (const std::string& key : randomKeys(2000)) {
    EXPECT_NE(a.nodeFor(key, up), 20u);
  }
}

TEST(HashRingTest, ConfigurableKeyHash) {
  RingOptions options;
  options.key_hash = HashFunction::Fnv1a64;
  HashRing ring = buildOrDie(cacheNodes(3), options);
  EXPECT_EQ(ring.hashKey("user:1"), static_cast<uint32_t>(fnv1a_64("user:1")));
  const std::vector<std::string> keys = randomKeys(20000);
  for (size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(ring.nodeFor(keys[i]), ring.nodeForHash(fnv1a_64(keys[i]) & 0xffffffffU));
  }
  // Points are still MD5-placed, so the balance holds with another key hash.
  const auto shares = countShares(route(ring, keys));
  const double mean = static_cast<double>(keys.size()) / 3;
  for (const auto& [node, count] : shares) {
    EXPECT_NEAR(static_cast<double>(count), mean, mean * 0.15) << node;
  }
}

TEST(HashRingTest, LookupWrapsPastTheLastPoint) {
  HashRing ring = buildOrDie(cacheNodes(3));
  const auto& points = ring.points();
  const size_t first_owner = ring.nodes()[points.front().node].index;
  EXPECT_EQ(ring.nodeForHash(points.back().hash + 1), first_owner);
  EXPECT_EQ(ring.nodeForHash(UINT32_MAX), first_owner);
  EXPECT_EQ(ring.nodeForHash(0), first_owner);
  // A hash equal to a point belongs to that point's node.
  EXPECT_EQ(ring.nodeForHash(points[5].hash), ring.nodes()[points[5].node].index);
}

TEST(HashRingTest, EmptyRingHasNoNode) {
  auto ring = HashRing::build({});
  ASSERT_TRUE(ring);
  EXPECT_EQ(ring->nodeCount(), 0u);
  EXPECT_EQ(ring->nodeFor("key"), HashRing::kNoNode);
  EXPECT_EQ(ring->nodeFor("key", {}), HashRing::kNoNode);
  EXPECT_EQ(HashRing{}.nodeForHash(123), HashRing::kNoNode);
}

TEST(HashRingTest, RejectsInvalidNodeLists) {
  auto expectInvalid = [](std::vector<RingNode> nodes, RingOptions options = {}) {
    auto ring = HashRing::build(std::move(nodes), options);
    ASSERT_FALSE(ring);
    EXPECT_EQ(ring.error().kind, ErrorKind::ConfigInvalid);
  };
  expectInvalid({{"a", 0, 1}, {"a", 1, 1}});
  expectInvalid({{"a", 0, 1}, {"b", 0, 1}});
  expectInvalid({{"", 0, 1}});
  RingOptions too_few;
  too_few.points_per_server = 0;
  expectInvalid(cacheNodes(2), too_few);
  RingOptions too_many;
  too_many.points_per_server = 1u << 20;
  expectInvalid(cacheNodes(2), too_many);
}

TEST(HashRingTest, PointsPerServerOption) {
  RingOptions options;
  options.points_per_server = 40;
  HashRing ring = buildOrDie(cacheNodes(5), options);
  EXPECT_EQ(ring.points().size(), 200u);
  // Not a multiple of four: rounded down to whole digests.
  options.points_per_server = 42;
  EXPECT_EQ(buildOrDie(cacheNodes(5), options).points().size(), 200u);
}

}  // namespace
}  // namespace strata::core
