// Tests for the cache node's GETSET, GETRANGE, SETRANGE, INCRBYFLOAT, RENAME/RENAMENX, TOUCH,
// RANDOMKEY, KEYS and SCAN: semantics, TTL handling and the exact Redis 7 reply bytes, errors
// included.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

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

// Reads a SCAN reply: the next cursor and the keys.
struct ScanReply {
  std::string cursor;
  std::vector<std::string> keys;
};

ScanReply parseScan(const std::string& reply) {
  ScanReply parsed;
  size_t pos = reply.find("\r\n") + 2;  // "*2"
  auto readBulk = [&]() {
    const size_t header_end = reply.find("\r\n", pos);
    const auto length = std::stoul(reply.substr(pos + 1, header_end - pos - 1));
    std::string value = reply.substr(header_end + 2, length);
    pos = header_end + 2 + length + 2;
    return value;
  };
  parsed.cursor = readBulk();
  const size_t header_end = reply.find("\r\n", pos);
  const auto count = std::stoul(reply.substr(pos + 1, header_end - pos - 1));
  pos = header_end + 2;
  for (size_t i = 0; i < count; i++) {
    parsed.keys.push_back(readBulk());
  }
  return parsed;
}

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

TEST(NodeStringKeyspaceCommandsTest, ScanArgumentsAndErrors) {
  CommandHarness h;
  EXPECT_EQ(h.run({"SCAN", "0"}), "*2\r\n" + bulk("0") + "*0\r\n");
  EXPECT_EQ(h.run({"SET", "a", "1"}), kOk);
  const std::string only_a = "*2\r\n" + bulk("0") + "*1\r\n" + bulk("a");
  EXPECT_EQ(h.run({"SCAN", "0"}), only_a);
  // Cursors are read as strtoull reads them: "" and "+0" are 0, "-1" wraps (past every key).
  EXPECT_EQ(h.run({"SCAN", ""}), only_a);
  EXPECT_EQ(h.run({"SCAN", "+0"}), only_a);
  EXPECT_EQ(h.run({"SCAN", "0\0junk"s}), only_a);
  EXPECT_EQ(h.run({"SCAN", "-1"}), "*2\r\n" + bulk("0") + "*0\r\n");
  for (const std::string bad : {" 1", "1 ", "0x", "abc", "18446744073709551616"}) {
    EXPECT_EQ(h.run({"SCAN", bad}), err("ERR invalid cursor")) << bad;
  }
  EXPECT_EQ(h.run({"SCAN", "0", "COUNT", "0"}), err("ERR syntax error"));
  EXPECT_EQ(h.run({"SCAN", "0", "count", "-1"}), err("ERR syntax error"));
  EXPECT_EQ(h.run({"SCAN", "0", "COUNT", "abc"}), kNotInteger);
  EXPECT_EQ(h.run({"SCAN", "0", "MATCH"}), err("ERR syntax error"));
  EXPECT_EQ(h.run({"SCAN", "0", "bogus", "1"}), err("ERR syntax error"));
  EXPECT_EQ(h.run({"SCAN", "0", "TYPE", "STRING"}), only_a);
  EXPECT_EQ(h.run({"SCAN", "0", "type", "bogus"}), "*2\r\n" + bulk("0") + "*0\r\n");
  EXPECT_EQ(h.run({"SCAN", "0", "MATCH", "b*"}), "*2\r\n" + bulk("0") + "*0\r\n");
  EXPECT_EQ(h.run({"SCAN"}), err("ERR wrong number of arguments for 'scan' command"));
  // MATCH * takes the empty key too.
  EXPECT_EQ(h.run({"SET", "", "e"}), kOk);
  std::set<std::string> all;
  for (const auto& key : parseScan(h.run({"SCAN", "0", "MATCH", "*", "COUNT", "100"})).keys) {
    all.insert(key);
  }
  EXPECT_EQ(all, (std::set<std::string>{"", "a"}));
}

// The cursor guarantee: a key present for the whole scan is returned (exactly once here),
// however many keys are added and deleted between calls, growing the table through rehashes.
TEST(NodeStringKeyspaceCommandsTest, ScanReturnsEveryStableKeyDespiteChurn) {
  CommandHarness h;
  constexpr int kStable = 300;
  for (int i = 0; i < kStable; i++) {
    h.run({"SET", "stable:" + std::to_string(i), "v"});
  }
  std::map<std::string, int> seen;
  std::string cursor = "0";
  int calls = 0;
  int churn = 0;
  do {
    const ScanReply reply = parseScan(h.run({"SCAN", cursor, "COUNT", "7"}));
    for (const auto& key : reply.keys) {
      seen[key]++;
    }
    cursor = reply.cursor;
    // Between calls: add a batch of keys (forcing rehashes) and delete some of them.
    for (int i = 0; i < 40; i++, churn++) {
      h.run({"SET", "churn:" + std::to_string(churn), "v"});
    }
    h.run({"DEL", "churn:" + std::to_string(churn - 3), "churn:" + std::to_string(churn - 17)});
    ASSERT_LT(++calls, 10'000);
  } while (cursor != "0");
  for (int i = 0; i < kStable; i++) {
    EXPECT_EQ(seen["stable:" + std::to_string(i)], 1) << i;
  }
  // Expired keys are not returned, and MATCH and COUNT combine.
  EXPECT_EQ(h.run({"PEXPIRE", "stable:0", "5"}), integer(1));
  h.clock.advance(6);
  std::set<std::string> matched;
  cursor = "0";
  do {
    const ScanReply reply = parseScan(h.run({"SCAN", cursor, "MATCH", "stable:?", "COUNT", "50"}));
    matched.insert(reply.keys.begin(), reply.keys.end());
    cursor = reply.cursor;
  } while (cursor != "0");
  EXPECT_EQ(matched.size(), 9u);
  EXPECT_EQ(matched.count("stable:0"), 0u);
  EXPECT_EQ(matched.count("stable:9"), 1u);
}

}  // namespace
}  // namespace strata::cache::node
