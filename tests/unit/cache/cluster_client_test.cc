// Tests for ClusterClient against real redis-server nodes and in-test RESP servers: GET/SET
// round trips, ring placement, fail-fast and recovery when a node dies, exactly-once callbacks
// when the client is destroyed (also from inside a callback), configuration errors, hash tags.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/client/cluster_client.h"
#include "core/ring/ring.h"
#include "tests/unit/cache/client_test_support.h"

namespace strata::cache::client {
namespace {

using core::ErrorKind;
using core::Loop;
using namespace test;

TEST(ClusterClientTest, SetThenGetAndMissingKey) {
  if (!haveRedis()) {
    GTEST_SKIP() << "redis-server not installed";
  }
  testing::TempDir dir;
  RedisNode a(dir, "a"), b(dir, "b");
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  Loop loop;
  {
    auto client = makeClient(loop, {{"a", a.address(), 1}, {"b", b.address(), 1}});
    ASSERT_TRUE(client);
    CallLog log;
    core::Status set_result = core::fail(ErrorKind::Internal, "not called");
    std::optional<core::Result<std::optional<std::string>>> hit, miss;
    // Issued before the connects finish: queued, then written.
    client->set("user:1", std::string("v\r\n\0al", 6), 0, [&](core::Status s) {
      log.hit(1);
      set_result = s;
    });
    // Sends after the SET on the same node (same key), so ordering guarantees the value.
    client->get("user:1", [&](auto r) {
      log.hit(2);
      hit = std::move(r);
    });
    client->get("no-such-key", [&](auto r) {
      log.hit(3);
      miss = std::move(r);
    });
    ASSERT_TRUE(runUntil(loop, [&] { return log.calls.size() == 3; }));
    ASSERT_TRUE(set_result) << set_result.error().describe();
    ASSERT_TRUE(hit.has_value() && *hit) << (*hit).error().describe();
    ASSERT_TRUE(hit->value().has_value());
    EXPECT_EQ(*hit->value(), std::string("v\r\n\0al", 6));
    ASSERT_TRUE(miss.has_value() && *miss);
    EXPECT_FALSE(miss->value().has_value());

    // SET with a TTL stores an expiry in milliseconds.
    bool ttl_set = false;
    client->set("ttl-key", "x", 60000, [&](core::Status s) {
      log.hit(4);
      ttl_set = static_cast<bool>(s);
    });
    ASSERT_TRUE(runUntil(loop, [&] { return log.calls.size() == 4; }));
    EXPECT_TRUE(ttl_set);
    auto pttl = runOnNode(loop, client->node(client->nodeIndexFor("ttl-key")), {"PTTL", "ttl-key"});
    ASSERT_TRUE(pttl);
    EXPECT_EQ(pttl->type, resp::Reply::Type::Integer);
    EXPECT_GT(pttl->integer, 0);
    EXPECT_LE(pttl->integer, 60000);

    // A command error reply is a reply, not a transport failure.
    std::optional<core::Result<resp::Reply>> bad;
    client->command("user:1", {"INCR", "user:1"}, [&](auto r) {
      log.hit(5);
      bad = std::move(r);
    });
    ASSERT_TRUE(runUntil(loop, [&] { return bad.has_value(); }));
    ASSERT_TRUE(*bad);
    EXPECT_TRUE((*bad)->isError());
    settle(loop);
    EXPECT_TRUE(log.allOnce(5));
  }
  EXPECT_EQ(loop.close(), 0);
}

TEST(ClusterClientTest, KeysLandOnTheNodeTheRingNames) {
  if (!haveRedis()) {
    GTEST_SKIP() << "redis-server not installed";
  }
  testing::TempDir dir;
  std::vector<std::unique_ptr<RedisNode>> redis;
  std::vector<ClusterNode> nodes;
  for (const char* name : {"cache-a", "cache-b", "cache-c"}) {
    redis.push_back(std::make_unique<RedisNode>(dir, name));
    ASSERT_TRUE(redis.back()->start());
    nodes.push_back({name, redis.back()->address(), 1});
  }
  // An independently built ring over the same names must agree with the client's routing.
  std::vector<core::RingNode> ring_nodes;
  for (size_t i = 0; i < nodes.size(); ++i) {
    ring_nodes.push_back({nodes[i].name, i, 1});
  }
  auto ring = core::HashRing::build(ring_nodes);
  ASSERT_TRUE(ring);
  Loop loop;
  {
    auto client = makeClient(loop, nodes);
    ASSERT_TRUE(client);
    ASSERT_TRUE(waitConnected(loop, *client));
    constexpr int kKeys = 60;
    std::vector<int64_t> expected(nodes.size(), 0);
    int done = 0;
    for (int i = 0; i < kKeys; ++i) {
      const std::string key = "route-key-" + std::to_string(i);
      const size_t owner = ring->nodeFor(key);
      ASSERT_EQ(client->nodeIndexFor(key), owner);
      expected[owner]++;
      client->set(key, "v", 0, [&](core::Status s) {
        EXPECT_TRUE(s);
        done++;
      });
    }
    ASSERT_TRUE(runUntil(loop, [&] { return done == kKeys; }));
    int64_t total = 0;
    for (size_t n = 0; n < nodes.size(); ++n) {
      auto size = runOnNode(loop, client->node(n), {"DBSIZE"});
      ASSERT_TRUE(size);
      EXPECT_EQ(size->integer, expected[n]) << nodes[n].name;
      total += size->integer;
    }
    EXPECT_EQ(total, kKeys);
    // Each key exists on its owner only.
    const std::string key = "route-key-7";
    const size_t owner = client->nodeIndexFor(key);
    for (size_t n = 0; n < nodes.size(); ++n) {
      auto exists = runOnNode(loop, client->node(n), {"EXISTS", key});
      ASSERT_TRUE(exists);
      EXPECT_EQ(exists->integer, n == owner ? 1 : 0);
    }
    const auto stats = client->stats();
    ASSERT_EQ(stats.size(), nodes.size());
    uint64_t requests = 0;
    for (const auto& s : stats) {
      EXPECT_TRUE(s.connected);
      EXPECT_EQ(s.errors, 0u);
      requests += s.requests;
    }
    EXPECT_EQ(requests, static_cast<uint64_t>(kKeys + nodes.size() * 2));
  }
  EXPECT_EQ(loop.close(), 0);
}

// Finds a key that the client routes to node `index`.
std::string keyOwnedBy(ClusterClient& client, size_t index) {
  for (int i = 0; i < 10000; ++i) {
    std::string key = "k" + std::to_string(i);
    if (client.nodeIndexFor(key) == index) {
      return key;
    }
  }
  ADD_FAILURE() << "no key routes to node " << index;
  return "";
}

TEST(ClusterClientTest, DeadNodeFailsFastOthersWorkAndItIsUsedAgainAfterRestart) {
  if (!haveRedis()) {
    GTEST_SKIP() << "redis-server not installed";
  }
  testing::TempDir dir;
  RedisNode a(dir, "a"), b(dir, "b");
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  Loop loop;
  {
    ClusterOptions options;
    options.node.request_timeout_ms = 2000;  // failures below must come from fail-fast
    auto client = makeClient(loop, {{"a", a.address(), 1}, {"b", b.address(), 1}}, options);
    ASSERT_TRUE(client);
    ASSERT_TRUE(waitConnected(loop, *client));
    const std::string key_a = keyOwnedBy(*client, 0);
    const std::string key_b = keyOwnedBy(*client, 1);

    a.kill();
    ASSERT_TRUE(runUntil(loop, [&] { return !client->node(0).connected(); }));

    CallLog log;
    std::optional<core::Result<std::optional<std::string>>> on_a, on_b;
    bool inside_call = true;
    client->get(key_a, [&](auto r) {
      EXPECT_FALSE(inside_call) << "callback ran inside get()";
      log.hit(1);
      on_a = std::move(r);
    });
    inside_call = false;
    core::Status set_b = core::fail(ErrorKind::Internal, "not called");
    client->set(key_b, "alive", 0, [&](core::Status s) {
      log.hit(2);
      set_b = s;
    });
    client->get(key_b, [&](auto r) {
      log.hit(3);
      on_b = std::move(r);
    });
    ASSERT_TRUE(runUntil(loop, [&] { return log.calls.size() == 3; }));
    ASSERT_TRUE(on_a.has_value());
    ASSERT_FALSE(*on_a);
    EXPECT_EQ(on_a->error().kind, ErrorKind::CacheBackend) << on_a->error().describe();
    EXPECT_TRUE(set_b);
    ASSERT_TRUE(on_b.has_value() && *on_b);
    EXPECT_EQ(on_b->value(), std::optional<std::string>("alive"));
    const auto stats = client->stats();
    EXPECT_GE(stats[0].errors, 1u);
    EXPECT_GE(stats[0].rejected, 1u);
    EXPECT_GE(stats[0].disconnects, 1u);
    EXPECT_EQ(stats[1].errors, 0u);

    // The node comes back on the same address: the client reconnects (backoff capped at 1 s)
    // and routes to it again.
    ASSERT_TRUE(a.start());
    ASSERT_TRUE(runUntil(
        loop, [&] { return client->node(0).connected(); }, 10000));
    core::Status set_a = core::fail(ErrorKind::Internal, "not called");
    std::optional<core::Result<std::optional<std::string>>> again;
    client->set(key_a, "back", 0, [&](core::Status s) {
      log.hit(4);
      set_a = s;
    });
    client->get(key_a, [&](auto r) {
      log.hit(5);
      again = std::move(r);
    });
    ASSERT_TRUE(runUntil(loop, [&] { return log.calls.size() == 5; }));
    EXPECT_TRUE(set_a);
    ASSERT_TRUE(again.has_value() && *again);
    EXPECT_EQ(again->value(), std::optional<std::string>("back"));
    EXPECT_GE(client->stats()[0].connects, 2u);
    settle(loop);
    EXPECT_TRUE(log.allOnce(5));
  }
  EXPECT_EQ(loop.close(), 0);
}

TEST(ClusterClientTest, DestroyingTheClientFailsPendingCallbacksExactlyOnce) {
  Loop loop;
  {
    FakeServer silent(loop, Mode::Silent);
    ClusterOptions options;
    options.node.request_timeout_ms = 5000;
    auto client = makeClient(loop, {{"only", silent.address(), 1}}, options);
    ASSERT_TRUE(client);
    ASSERT_TRUE(waitConnected(loop, *client));
    CallLog log;
    std::vector<core::Error> errors;
    for (int i = 0; i < 5; ++i) {
      client->get("key" + std::to_string(i), [&, i](auto r) {
        log.hit(i);
        ASSERT_FALSE(r);
        errors.push_back(r.error());
      });
    }
    ASSERT_TRUE(runUntil(loop, [&] { return silent.bytesReceived() > 0; }));
    EXPECT_TRUE(log.calls.empty());
    client.reset();
    EXPECT_TRUE(log.allOnce(5));
    for (const auto& e : errors) {
      EXPECT_EQ(e.kind, ErrorKind::CacheBackend);
    }
    settle(loop);
    EXPECT_TRUE(log.allOnce(5));
    silent.close();
  }
  EXPECT_EQ(loop.close(), 0);
}

TEST(ClusterClientTest, CallbackMayDestroyTheClient) {
  Loop loop;
  {
    FakeServer server(loop, Mode::Answer);
    auto client = makeClient(loop, {{"only", server.address(), 1}});
    ASSERT_TRUE(client);
    CallLog log;
    client->set("a", "1", 0, [&](core::Status s) {
      log.hit(0);
      EXPECT_TRUE(s);
      client.reset();  // the remaining requests must still be called back, once
    });
    for (int i = 1; i <= 3; ++i) {
      client->get("a", [&, i](auto) { log.hit(i); });
    }
    ASSERT_TRUE(runUntil(loop, [&] { return log.calls.size() == 4; }));
    EXPECT_EQ(client, nullptr);
    settle(loop);
    EXPECT_TRUE(log.allOnce(4));
    server.close();
  }
  EXPECT_EQ(loop.close(), 0);
}

TEST(ClusterClientTest, RejectsInvalidConfiguration) {
  Loop loop;
  EXPECT_FALSE(ClusterClient::create(loop, {}));
  EXPECT_FALSE(ClusterClient::create(loop, {{"a", "not-an-address", 1}}));
  EXPECT_FALSE(ClusterClient::create(loop, {{"a", "127.0.0.1:1", 1}, {"a", "127.0.0.1:2", 1}}));
  ClusterOptions bad_tag;
  bad_tag.hash_tag = "{";
  EXPECT_FALSE(ClusterClient::create(loop, {{"a", "127.0.0.1:1", 1}}, bad_tag));
  EXPECT_EQ(loop.close(), 0);
}

TEST(ClusterClientTest, HashTagKeepsRelatedKeysTogether) {
  Loop loop;
  {
    ClusterOptions options;
    options.hash_tag = "{}";
    std::vector<ClusterNode> nodes;
    for (int i = 0; i < 4; ++i) {
      nodes.push_back({"n" + std::to_string(i), "127.0.0.1:" + std::to_string(1 + i), 1});
    }
    auto client = makeClient(loop, nodes, options);
    ASSERT_TRUE(client);
    for (int i = 0; i < 20; ++i) {
      const std::string tag = "user" + std::to_string(i);
      EXPECT_EQ(client->nodeIndexFor("{" + tag + "}.following"),
                client->nodeIndexFor("{" + tag + "}.followers"));
      EXPECT_EQ(client->nodeIndexFor("{" + tag + "}.x"), client->nodeIndexFor(tag));
    }
  }
  EXPECT_EQ(loop.close(), 0);
}

}  // namespace
}  // namespace strata::cache::client
