// Tests for the cache node's GETSET, GETRANGE, SETRANGE, INCRBYFLOAT, RENAME/RENAMENX, TOUCH,
// RANDOMKEY and KEYS: semantics, TTL handling and the exact Redis 7 reply bytes, errors included.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "cache/node/command_handlers.h"
#include "cache/resp/resp.h"
#include "tests/unit/cache/node_test_support.h"

namespace strata::cache::node {
namespace {

using namespace std::string_literals;
using testing::bulk;
using testing::CommandHarness;
using testing::err;
using testing::integer;
using testing::kNil;
using testing::kOk;

const std::string kNotInteger = err("ERR value is not an integer or out of range");
const std::string kNotFloat = err("ERR value is not a valid float");
const std::string kEmpty = bulk("");

TEST(NodeStringKeyspaceCommandsTest, GetsetReturnsOldValueAndClearsTtl) {
  CommandHarness h;
  EXPECT_EQ(h.run({"GETSET", "k", "v1"}), kNil);
  EXPECT_EQ(h.run({"GET", "k"}), bulk("v1"));
  EXPECT_EQ(h.run({"EXPIRE", "k", "100"}), integer(1));
  EXPECT_EQ(h.run({"getset", "k", "v2"}), bulk("v1"));
  EXPECT_EQ(h.run({"TTL", "k"}), integer(-1));
  EXPECT_EQ(h.run({"GETSET", "k"}), err("ERR wrong number of arguments for 'getset' command"));
}

TEST(NodeStringKeyspaceCommandsTest, GetrangeClampsLikeRedis) {
  CommandHarness h;
  EXPECT_EQ(h.run({"GETRANGE", "missing", "0", "-1"}), kEmpty);
  EXPECT_EQ(h.run({"SET", "k", "hello"}), kOk);
  EXPECT_EQ(h.run({"GETRANGE", "k", "1", "-2"}), bulk("ell"));
  EXPECT_EQ(h.run({"GETRANGE", "k", "-100", "100"}), bulk("hello"));
  EXPECT_EQ(h.run({"GETRANGE", "k", "-3", "-1"}), bulk("llo"));
  EXPECT_EQ(h.run({"GETRANGE", "k", "0", "-100"}), bulk("h"));
  EXPECT_EQ(h.run({"GETRANGE", "k", "-1", "-5"}), kEmpty);
  EXPECT_EQ(h.run({"GETRANGE", "k", "5", "3"}), kEmpty);
  EXPECT_EQ(h.run({"GETRANGE", "k", "3", "1000"}), bulk("lo"));
  EXPECT_EQ(h.run({"GETRANGE", "k", "-9223372036854775808", "9223372036854775807"}), bulk("hello"));
  EXPECT_EQ(h.run({"GETRANGE", "k", "a", "1"}), kNotInteger);
  EXPECT_EQ(h.run({"GETRANGE", "k", "0", "1.5"}), kNotInteger);
  EXPECT_EQ(h.run({"SET", "e", ""}), kOk);
  EXPECT_EQ(h.run({"GETRANGE", "e", "0", "-1"}), kEmpty);
}

TEST(NodeStringKeyspaceCommandsTest, SetrangePadsWithZerosAndChecksLimits) {
  CommandHarness h;
  EXPECT_EQ(h.run({"SETRANGE", "k", "3", "ab"}), integer(5));
  EXPECT_EQ(h.run({"GET", "k"}), bulk("\0\0\0ab"s));
  EXPECT_EQ(h.run({"SETRANGE", "k", "1", "xyzw"}), integer(5));
  EXPECT_EQ(h.run({"GET", "k"}), bulk("\0xyzw"s));
  EXPECT_EQ(h.run({"SETRANGE", "k", "0", "Q"}), integer(5));
  EXPECT_EQ(h.run({"GET", "k"}), bulk("Qxyzw"));
  // An empty patch answers the length and creates nothing, even past the size limit.
  EXPECT_EQ(h.run({"SETRANGE", "k", "536870912", ""}), integer(5));
  EXPECT_EQ(h.run({"SETRANGE", "new", "536870912", ""}), integer(0));
  EXPECT_EQ(h.run({"EXISTS", "new"}), integer(0));
  EXPECT_EQ(h.run({"SETRANGE", "k", "-1", "x"}), err("ERR offset is out of range"));
  EXPECT_EQ(h.run({"SETRANGE", "k", "x", "x"}), kNotInteger);
  EXPECT_EQ(h.run({"SETRANGE", "k", "536870912", "x"}),
            err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  EXPECT_EQ(h.run({"SETRANGE", "k", "9223372036854775807", "x"}),
            err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  // The TTL is kept.
  EXPECT_EQ(h.run({"EXPIRE", "k", "100"}), integer(1));
  EXPECT_EQ(h.run({"SETRANGE", "k", "5", "!"}), integer(6));
  EXPECT_EQ(h.run({"TTL", "k"}), integer(100));
}

TEST(NodeStringKeyspaceCommandsTest, IncrbyfloatFormatsAsRedisDoes) {
  CommandHarness h;
  EXPECT_EQ(h.run({"SET", "f", "10.5"}), kOk);
  EXPECT_EQ(h.run({"INCRBYFLOAT", "f", "0.1"}), bulk("10.6"));
  EXPECT_EQ(h.run({"INCRBYFLOAT", "f", "5.0e3"}), bulk("5010.60000000000000009"));
  EXPECT_EQ(h.run({"INCRBYFLOAT", "n", "3"}), bulk("3"));
  EXPECT_EQ(h.run({"INCRBYFLOAT", "z", "-0.0"}), bulk("0"));
  EXPECT_EQ(h.run({"INCRBYFLOAT", "tiny", "1e-30"}), bulk("0"));
  EXPECT_EQ(h.run({"INCRBYFLOAT", "h", "0x10"}), bulk("16"));
  EXPECT_EQ(h.run({"SET", "e", "3.0"}), kOk);
  EXPECT_EQ(h.run({"INCRBYFLOAT", "e", "0"}), bulk("3"));
  for (const std::string bad : {"abc", " 1", "1 ", "", "nan", "1e5000"}) {
    EXPECT_EQ(h.run({"INCRBYFLOAT", "n", bad}), kNotFloat) << bad;
  }
  EXPECT_EQ(h.run({"INCRBYFLOAT", "f", "inf"}), err("ERR increment would produce NaN or Infinity"));
  EXPECT_EQ(h.run({"SET", "s", "abc"}), kOk);
  EXPECT_EQ(h.run({"INCRBYFLOAT", "s", "1"}), kNotFloat);
  EXPECT_EQ(h.run({"INCRBYFLOAT", "n", "1\0x"s}), kNotFloat);
  EXPECT_EQ(h.run({"SETRANGE", "zeros", "3", "1"}), integer(4));
  EXPECT_EQ(h.run({"INCRBYFLOAT", "zeros", "1"}), kNotFloat);
  EXPECT_EQ(h.run({"GET", "n"}), bulk("3"));
  // The TTL is kept.
  EXPECT_EQ(h.run({"EXPIRE", "n", "100"}), integer(1));
  EXPECT_EQ(h.run({"INCRBYFLOAT", "n", "1.5"}), bulk("4.5"));
  EXPECT_EQ(h.run({"TTL", "n"}), integer(100));
}

TEST(NodeStringKeyspaceCommandsTest, RenameMovesValueAndTtl) {
  CommandHarness h;
  EXPECT_EQ(h.run({"RENAME", "none", "x"}), err("ERR no such key"));
  EXPECT_EQ(h.run({"RENAMENX", "none", "x"}), err("ERR no such key"));
  EXPECT_EQ(h.run({"SET", "a", "1"}), kOk);
  EXPECT_EQ(h.run({"EXPIRE", "a", "100"}), integer(1));
  EXPECT_EQ(h.run({"RENAME", "a", "a"}), kOk);
  EXPECT_EQ(h.run({"RENAMENX", "a", "a"}), integer(0));
  EXPECT_EQ(h.run({"RENAME", "a", "b"}), kOk);
  EXPECT_EQ(h.run({"EXISTS", "a"}), integer(0));
  EXPECT_EQ(h.run({"GET", "b"}), bulk("1"));
  EXPECT_EQ(h.run({"TTL", "b"}), integer(100));
  EXPECT_EQ(h.keyspace.expiresSize(), 1u);
  // The TTL still expires the renamed key.
  h.clock.advance(100'001);
  EXPECT_EQ(h.run({"GET", "b"}), kNil);
  EXPECT_EQ(h.keyspace.expiresSize(), 0u);
  // Overwriting drops the target's own TTL.
  EXPECT_EQ(h.run({"SET", "c", "src"}), kOk);
  EXPECT_EQ(h.run({"SET", "d", "dst"}), kOk);
  EXPECT_EQ(h.run({"EXPIRE", "d", "50"}), integer(1));
  EXPECT_EQ(h.run({"RENAMENX", "c", "d"}), integer(0));
  EXPECT_EQ(h.run({"RENAME", "c", "d"}), kOk);
  EXPECT_EQ(h.run({"GET", "d"}), bulk("src"));
  EXPECT_EQ(h.run({"TTL", "d"}), integer(-1));
  EXPECT_EQ(h.keyspace.expiresSize(), 0u);
  EXPECT_EQ(h.run({"RENAMENX", "d", "e"}), integer(1));
  EXPECT_EQ(h.run({"DBSIZE"}), integer(1));
  const size_t before = h.keyspace.usedBytes();
  EXPECT_EQ(h.run({"RENAME", "e", "longer-name"}), kOk);
  EXPECT_EQ(h.keyspace.usedBytes(), before + std::string("longer-name").size() - 1);
}

TEST(NodeStringKeyspaceCommandsTest, TouchCountsLiveKeys) {
  CommandHarness h;
  EXPECT_EQ(h.run({"SET", "a", "1"}), kOk);
  EXPECT_EQ(h.run({"PSETEX", "b", "10", "1"}), kOk);
  EXPECT_EQ(h.run({"TOUCH", "a", "b", "a", "zz"}), integer(3));
  h.clock.advance(11);
  EXPECT_EQ(h.run({"TOUCH", "a", "b"}), integer(1));
  EXPECT_EQ(h.run({"TOUCH"}), err("ERR wrong number of arguments for 'touch' command"));
}

TEST(NodeStringKeyspaceCommandsTest, RandomkeyReturnsLiveKeysOnly) {
  CommandHarness h;
  EXPECT_EQ(h.run({"RANDOMKEY"}), kNil);
  EXPECT_EQ(h.run({"MSET", "a", "1", "b", "2", "c", "3"}), kOk);
  std::set<std::string> seen;
  for (int i = 0; i < 200; i++) {
    seen.insert(h.run({"RANDOMKEY"}));
  }
  EXPECT_EQ(seen, (std::set<std::string>{bulk("a"), bulk("b"), bulk("c")}));
  // Keys whose time has passed are deleted when met, never returned.
  EXPECT_EQ(h.run({"PEXPIRE", "a", "5"}), integer(1));
  EXPECT_EQ(h.run({"PEXPIRE", "b", "5"}), integer(1));
  h.clock.advance(6);
  for (int i = 0; i < 20; i++) {
    EXPECT_EQ(h.run({"RANDOMKEY"}), bulk("c"));
  }
  EXPECT_EQ(h.run({"PEXPIRE", "c", "5"}), integer(1));
  h.clock.advance(6);
  EXPECT_EQ(h.run({"RANDOMKEY"}), kNil);
  EXPECT_EQ(h.keyspace.size(), 0u);
}

TEST(NodeStringKeyspaceCommandsTest, KeysMatchesGlobAndSkipsExpired) {
  CommandHarness h;
  EXPECT_EQ(h.run({"KEYS", "*"}), "*0\r\n");
  EXPECT_EQ(h.run({"MSET", "k:1", "1", "", "empty", "other", "2"}), kOk);
  EXPECT_EQ(h.run({"KEYS", "k:*"}), "*1\r\n" + bulk("k:1"));
  EXPECT_EQ(h.run({"KEYS", "o?her"}), "*1\r\n" + bulk("other"));
  EXPECT_EQ(h.run({"KEYS", "K:*"}), "*0\r\n");  // case-sensitive
  // "*" includes the empty key.
  const std::string all = h.run({"KEYS", "*"});
  EXPECT_EQ(all.substr(0, 4), "*3\r\n");
  EXPECT_NE(all.find(bulk("")), std::string::npos);
  EXPECT_EQ(h.run({"PEXPIRE", "k:1", "5"}), integer(1));
  h.clock.advance(6);
  EXPECT_EQ(h.run({"KEYS", "k:*"}), "*0\r\n");
  EXPECT_EQ(h.run({"KEYS"}), err("ERR wrong number of arguments for 'keys' command"));
}

}  // namespace
}  // namespace strata::cache::node
