// Tests for the cache node's expiry commands on a manual clock: case 25 line by line with
// Redis 7's exact replies, the EXPIRE family's options, TTL rounding, PERSIST, GETEX, and
// passive expiry on access.
#include <gtest/gtest.h>

#include <climits>
#include <string>

#include "tests/unit/cache/node_test_support.h"

namespace strata::cache::node {
namespace {

using testing::bulk;
using testing::CommandHarness;
using testing::err;
using testing::integer;
using testing::kNil;
using testing::kOk;

// Case 25: compute now + ttl with checked arithmetic in ms and reject any overflow instead of
// storing a wrapped time.
TEST(NodeExpireTest, Case25ExpireOverflow) {
  CommandHarness h;
  EXPECT_EQ(h.run({"SET", "foo", "bar"}), kOk);
  EXPECT_EQ(h.run({"EXPIRE", "foo", "18446744073709561"}),
            err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(h.run({"TTL", "foo"}), integer(-1));
  EXPECT_EQ(h.run({"PEXPIRE", "foo", "9223372036854775807"}),
            err("ERR invalid expire time in 'pexpire' command"));
  EXPECT_EQ(h.run({"TTL", "foo"}), integer(-1));
  EXPECT_EQ(h.run({"SET", "k", "v", "EX", "10000000000000000"}),
            err("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(h.run({"EXISTS", "k"}), integer(0));
  EXPECT_EQ(h.run({"SET", "k", "v", "EX", "0"}), err("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(h.run({"SET", "k", "v", "EX", "-5"}), err("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(h.run({"EXPIRE", "foo", "-1"}), integer(1));
  EXPECT_EQ(h.run({"EXISTS", "foo"}), integer(0));
  EXPECT_EQ(h.run({"TTL", "nosuchkey"}), integer(-2));
  // The key untouched by the rejected commands really stayed: nothing expires later either.
  EXPECT_EQ(h.keyspace.expiresSize(), 0u);
}

TEST(NodeExpireTest, OverflowRejectedAcrossTheFamily) {
  CommandHarness h;
  h.run({"SET", "foo", "bar"});
  const std::string max = std::to_string(LLONG_MAX);
  const std::string min = std::to_string(LLONG_MIN);
  EXPECT_EQ(h.run({"EXPIRE", "foo", min}), err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(h.run({"EXPIREAT", "foo", "9223372036854776"}),
            err("ERR invalid expire time in 'expireat' command"));
  EXPECT_EQ(h.run({"SETEX", "foo", "9223372036854776", "v"}),
            err("ERR invalid expire time in 'setex' command"));
  // PX near INT64_MAX passes the unit check but not now + ttl.
  EXPECT_EQ(h.run({"SET", "foo", "v", "PX", max}), err("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(h.run({"GETEX", "foo", "PX", max}), err("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(h.run({"GETEX", "foo", "EX", "0"}), err("ERR invalid expire time in 'getex' command"));
  // An absolute time far in the future is fine: only relative times add the clock.
  EXPECT_EQ(h.run({"PEXPIREAT", "foo", max}), integer(1));
  EXPECT_EQ(h.run({"PEXPIRETIME", "foo"}), integer(LLONG_MAX));
  EXPECT_EQ(h.run({"EXPIRETIME", "foo"}), integer(LLONG_MAX / 1000 + 1));
  EXPECT_EQ(h.run({"GET", "foo"}), bulk("bar"));
}

TEST(NodeExpireTest, TtlAndPttlRounding) {
  CommandHarness h;
  h.run({"SET", "k", "v"});
  EXPECT_EQ(h.run({"EXPIRE", "k", "100"}), integer(1));
  EXPECT_EQ(h.run({"TTL", "k"}), integer(100));
  EXPECT_EQ(h.run({"PTTL", "k"}), integer(100000));
  h.clock.advance(400);
  EXPECT_EQ(h.run({"TTL", "k"}), integer(100));  // 99.6 s rounds to 100
  h.clock.advance(200);
  EXPECT_EQ(h.run({"TTL", "k"}), integer(99));
  EXPECT_EQ(h.run({"PTTL", "k"}), integer(99400));
  EXPECT_EQ(h.run({"PTTL", "none"}), integer(-2));
  EXPECT_EQ(h.run({"EXPIRE", "none", "10"}), integer(0));
  EXPECT_EQ(h.run({"EXPIRE", "k", "ten"}), err("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.run({"EXPIRE", "k"}), err("ERR wrong number of arguments for 'expire' command"));
}

TEST(NodeExpireTest, PassiveExpiryAtTheDeadline) {
  CommandHarness h;
  h.run({"SET", "k", "v", "PX", "1000"});
  h.clock.advance(1000);
  // Live through its expire instant, as in Redis.
  EXPECT_EQ(h.run({"GET", "k"}), bulk("v"));
  EXPECT_EQ(h.run({"PTTL", "k"}), integer(0));
  h.clock.advance(1);
  EXPECT_EQ(h.run({"GET", "k"}), kNil);
  EXPECT_EQ(h.run({"EXISTS", "k"}), integer(0));
  EXPECT_EQ(h.keyspace.size(), 0u);
  EXPECT_EQ(h.keyspace.expiredKeys(), 1u);
  // DEL of a key whose time has passed does not count it as deleted.
  h.run({"SET", "d", "v", "PX", "5"});
  h.clock.advance(6);
  EXPECT_EQ(h.run({"DEL", "d"}), integer(0));
}

TEST(NodeExpireTest, ExpireOptions) {
  CommandHarness h;
  h.run({"SET", "k", "v"});
  EXPECT_EQ(h.run({"EXPIRE", "k", "100", "XX"}), integer(0));
  EXPECT_EQ(h.run({"EXPIRE", "k", "100", "GT"}), integer(0));  // no TTL counts as infinite
  EXPECT_EQ(h.run({"EXPIRE", "k", "100", "NX"}), integer(1));
  EXPECT_EQ(h.run({"EXPIRE", "k", "200", "NX"}), integer(0));
  EXPECT_EQ(h.run({"EXPIRE", "k", "50", "GT"}), integer(0));
  EXPECT_EQ(h.run({"EXPIRE", "k", "200", "gt"}), integer(1));
  EXPECT_EQ(h.run({"EXPIRE", "k", "300", "LT"}), integer(0));
  EXPECT_EQ(h.run({"EXPIRE", "k", "150", "LT", "XX"}), integer(1));
  EXPECT_EQ(h.run({"TTL", "k"}), integer(150));
  EXPECT_EQ(h.run({"EXPIRE", "k", "1", "NX", "XX"}),
            err("ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_EQ(h.run({"EXPIRE", "k", "1", "GT", "LT"}),
            err("ERR GT and LT options at the same time are not compatible"));
  EXPECT_EQ(h.run({"EXPIRE", "k", "1", "SOON"}), err("ERR Unsupported option SOON"));
  EXPECT_EQ(h.run({"TTL", "k"}), integer(150));
}

TEST(NodeExpireTest, ExpireAtAndNegativeTtlDelete) {
  CommandHarness h;
  const int64_t now = h.clock.nowMs();
  h.run({"SET", "k", "v"});
  EXPECT_EQ(h.run({"PEXPIREAT", "k", std::to_string(now + 1234)}), integer(1));
  EXPECT_EQ(h.run({"PTTL", "k"}), integer(1234));
  EXPECT_EQ(h.run({"PEXPIRETIME", "k"}), integer(now + 1234));
  EXPECT_EQ(h.run({"EXPIREAT", "k", std::to_string(now / 1000 - 1)}), integer(1));
  EXPECT_EQ(h.run({"EXISTS", "k"}), integer(0));
  h.run({"SET", "k", "v"});
  EXPECT_EQ(h.run({"PEXPIRE", "k", "0"}), integer(1));  // now + 0 is already past
  EXPECT_EQ(h.run({"EXISTS", "k"}), integer(0));
  EXPECT_EQ(h.run({"EXPIRETIME", "k"}), integer(-2));
  h.run({"SET", "k", "v"});
  EXPECT_EQ(h.run({"EXPIRETIME", "k"}), integer(-1));
}

TEST(NodeExpireTest, PersistAndGetex) {
  CommandHarness h;
  h.run({"SET", "k", "v", "EX", "10"});
  EXPECT_EQ(h.run({"PERSIST", "k"}), integer(1));
  EXPECT_EQ(h.run({"PERSIST", "k"}), integer(0));
  EXPECT_EQ(h.run({"PERSIST", "none"}), integer(0));
  EXPECT_EQ(h.run({"TTL", "k"}), integer(-1));
  EXPECT_EQ(h.run({"GETEX", "k", "EX", "30"}), bulk("v"));
  EXPECT_EQ(h.run({"TTL", "k"}), integer(30));
  EXPECT_EQ(h.run({"GETEX", "k"}), bulk("v"));
  EXPECT_EQ(h.run({"TTL", "k"}), integer(30));
  EXPECT_EQ(h.run({"GETEX", "k", "PERSIST"}), bulk("v"));
  EXPECT_EQ(h.run({"TTL", "k"}), integer(-1));
  EXPECT_EQ(h.run({"GETEX", "k", "PERSIST", "EX", "1"}), err("ERR syntax error"));
  EXPECT_EQ(h.run({"GETEX", "k", "KEEPTTL"}), err("ERR syntax error"));
  EXPECT_EQ(h.run({"GETEX", "none", "EX", "5"}), kNil);
  EXPECT_EQ(h.run({"GETEX", "k", "PXAT", "1"}), bulk("v"));  // a past absolute time deletes
  EXPECT_EQ(h.run({"EXISTS", "k"}), integer(0));
}

}  // namespace
}  // namespace strata::cache::node
