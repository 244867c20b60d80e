// Tests for NodeConnection against in-test RESP servers: request timeouts, pipelined replies
// arriving byte by byte, malformed replies, fail-fast when nothing listens, bounded queues.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "cache/client/node_connection.h"
#include "tests/unit/cache/client_test_support.h"

namespace strata::cache::client {
namespace {

using core::ErrorKind;
using core::Loop;
using namespace test;

TEST(NodeConnectionTest, RequestTimeoutAgainstSilentServer) {
  Loop loop;
  {
    FakeServer silent(loop, Mode::Silent);
    NodeOptions options;
    options.request_timeout_ms = 100;
    NodeConnection node(loop, "silent", *core::SocketAddress::parse(silent.address()), options);
    CallLog log;
    std::vector<core::Error> errors;
    for (int i = 0; i < 3; ++i) {
      node.command({"GET", "x"}, [&, i](core::Result<resp::Reply> r) {
        log.hit(i);
        EXPECT_FALSE(r);
        if (!r) {
          errors.push_back(r.error());
        }
      });
    }
    ASSERT_TRUE(runUntil(loop, [&] { return log.calls.size() == 3; }));
    ASSERT_EQ(errors.size(), 3u);
    // All three were sent together and share the deadline.
    for (const auto& e : errors) {
      EXPECT_EQ(e.kind, ErrorKind::ReadTimeout) << e.describe();
    }
    EXPECT_GT(silent.bytesReceived(), 0u);
    EXPECT_EQ(node.stats().timeouts, 3u);
    EXPECT_EQ(node.stats().errors, 3u);
    // The broken connection is replaced.
    ASSERT_TRUE(runUntil(loop, [&] { return silent.accepted() >= 2 && node.connected(); }));
    settle(loop);
    EXPECT_TRUE(log.allOnce(3));
    silent.close();
  }
  EXPECT_EQ(loop.close(), 0);
}

TEST(NodeConnectionTest, PipelinedRepliesArrivingByteByByte) {
  Loop loop;
  {
    FakeServer server(loop, Mode::Answer);
    NodeConnection node(loop, "fake", *core::SocketAddress::parse(server.address()));
    std::vector<std::string> order;
    constexpr int kRequests = 20;
    for (int i = 0; i < kRequests; ++i) {
      const std::string key = "k" + std::to_string(i);
      node.command({"SET", key, "value-" + std::to_string(i)}, [&](core::Result<resp::Reply> r) {
        ASSERT_TRUE(r);
        EXPECT_EQ(r->str, "OK");
      });
      node.command({"GET", key}, [&](core::Result<resp::Reply> r) {
        ASSERT_TRUE(r);
        order.push_back(r->str);
      });
    }
    ASSERT_TRUE(runUntil(loop, [&] { return static_cast<int>(order.size()) == kRequests; }));
    for (int i = 0; i < kRequests; ++i) {
      EXPECT_EQ(order[i], "value-" + std::to_string(i));
    }
    EXPECT_EQ(node.stats().requests, static_cast<uint64_t>(2 * kRequests));
    EXPECT_EQ(node.stats().errors, 0u);
    server.close();
  }
  EXPECT_EQ(loop.close(), 0);
}

TEST(NodeConnectionTest, MalformedReplyBreaksTheConnection) {
  Loop loop;
  {
    FakeServer garbage(loop, Mode::Garbage);
    NodeConnection node(loop, "garbage", *core::SocketAddress::parse(garbage.address()));
    CallLog log;
    std::vector<core::Error> errors;
    for (int i = 0; i < 2; ++i) {
      node.command({"PING"}, [&, i](core::Result<resp::Reply> r) {
        log.hit(i);
        ASSERT_FALSE(r);
        errors.push_back(r.error());
      });
    }
    ASSERT_TRUE(runUntil(loop, [&] { return log.calls.size() == 2; }));
    for (const auto& e : errors) {
      EXPECT_EQ(e.kind, ErrorKind::CacheBackend) << e.describe();
      ASSERT_TRUE(e.cause);
      EXPECT_EQ(e.cause->kind, ErrorKind::InvalidResponse);
    }
    EXPECT_EQ(node.stats().disconnects, 1u);
    settle(loop);
    EXPECT_TRUE(log.allOnce(2));
    garbage.close();
  }
  EXPECT_EQ(loop.close(), 0);
}

TEST(NodeConnectionTest, NothingListeningFailsFastAndNeverInsideTheCall) {
  Loop loop;
  {
    const uint16_t port = testing::freePort();
    NodeOptions options;
    options.request_timeout_ms = 5000;
    NodeConnection node(loop, "nobody", *core::SocketAddress::fromHostPort("127.0.0.1", port),
                        options);
    CallLog log;
    std::vector<core::Error> errors;
    // One request during the first connect attempt, more once it has failed.
    node.command({"PING"}, [&](core::Result<resp::Reply> r) {
      log.hit(0);
      ASSERT_FALSE(r);
      errors.push_back(r.error());
    });
    ASSERT_TRUE(runUntil(loop, [&] { return log.calls.size() == 1; }));
    EXPECT_FALSE(node.connected());
    for (int i = 1; i <= 3; ++i) {
      node.command({"PING"}, [&, i](core::Result<resp::Reply> r) {
        log.hit(i);
        ASSERT_FALSE(r);
        errors.push_back(r.error());
      });
    }
    EXPECT_EQ(log.calls.size(), 1u) << "a callback ran inside command()";
    ASSERT_TRUE(runUntil(loop, [&] { return log.calls.size() == 4; }));
    for (const auto& e : errors) {
      EXPECT_EQ(e.kind, ErrorKind::CacheBackend) << e.describe();
    }
    EXPECT_GE(node.stats().connect_failures, 1u);
    EXPECT_EQ(node.stats().rejected, 3u);
    settle(loop);
    EXPECT_TRUE(log.allOnce(4));
  }
  EXPECT_EQ(loop.close(), 0);
}

TEST(NodeConnectionTest, BoundedQueueRejectsOverflow) {
  Loop loop;
  {
    FakeServer silent(loop, Mode::Silent);
    NodeOptions options;
    options.max_pending = 2;
    options.request_timeout_ms = 5000;
    NodeConnection node(loop, "silent", *core::SocketAddress::parse(silent.address()), options);
    ASSERT_TRUE(runUntil(loop, [&] { return node.connected(); }));
    CallLog log;
    std::optional<core::Error> overflow;
    for (int i = 0; i < 3; ++i) {
      node.command({"GET", "x"}, [&, i](core::Result<resp::Reply> r) {
        log.hit(i);
        if (i == 2 && !r) {
          overflow = r.error();
        }
      });
    }
    ASSERT_TRUE(runUntil(loop, [&] { return log.calls.size() == 1; }));
    EXPECT_EQ(log.calls.count(2), 1u);
    ASSERT_TRUE(overflow);
    EXPECT_EQ(overflow->kind, ErrorKind::CacheBackend);
    EXPECT_EQ(node.pending(), 2u);
    silent.close();
    ASSERT_TRUE(runUntil(loop, [&] { return log.calls.size() == 3; }));
    settle(loop);
    EXPECT_TRUE(log.allOnce(3));
  }
  EXPECT_EQ(loop.close(), 0);
}

}  // namespace
}  // namespace strata::cache::client
