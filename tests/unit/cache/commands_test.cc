// Tests for the cache node's command table: per-command semantics and the exact Redis 7 reply
// bytes, errors included (arity, syntax, integers, unknown commands), and case 18 at node level.
#include <gtest/gtest.h>

#include <climits>
#include <string>

#include "cache/node/command_handlers.h"
#include "cache/resp/resp.h"
#include "tests/unit/cache/node_test_support.h"

namespace strata::cache::node {
namespace {

using testing::bulk;
using testing::CommandHarness;
using testing::err;
using testing::integer;
using testing::kNil;
using testing::kOk;

TEST(NodeCommandsTest, PingAndEcho) {
  CommandHarness h;
  EXPECT_EQ(h.run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(h.run({"ping", "hello"}), bulk("hello"));
  EXPECT_EQ(h.run({"PING", "a", "b"}), err("ERR wrong number of arguments for 'ping' command"));
  EXPECT_EQ(h.run({"ECHO", "x y"}), bulk("x y"));
  EXPECT_EQ(h.run({"ECHO"}), err("ERR wrong number of arguments for 'echo' command"));
}

TEST(NodeCommandsTest, CommandNamesAreCaseInsensitive) {
  CommandHarness h;
  EXPECT_EQ(h.run({"sEt", "k", "v"}), kOk);
  EXPECT_EQ(h.run({"gEt", "k"}), bulk("v"));
  // The arity error names the command in lower case whatever the client sent.
  EXPECT_EQ(h.run({"GET"}), err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(h.run({"GET", "a", "b"}), err("ERR wrong number of arguments for 'get' command"));
}

TEST(NodeCommandsTest, UnknownCommandEchoesArguments) {
  CommandHarness h;
  EXPECT_EQ(h.run({"foo", "a"}), err("ERR unknown command 'foo', with args beginning with: 'a' "));
  EXPECT_EQ(h.run({"FOO"}), err("ERR unknown command 'FOO', with args beginning with: "));
  EXPECT_EQ(h.run({"foo", "a\r\nb", "c"}),
            err("ERR unknown command 'foo', with args beginning with: 'a  b' 'c' "));
  // Arguments are echoed up to 128 characters in total.
  const std::string long_arg(200, 'x');
  EXPECT_EQ(
      h.run({"foo", long_arg, "more"}),
      err("ERR unknown command 'foo', with args beginning with: '" + std::string(128, 'x') + "' "));
  EXPECT_EQ(h.stats.total_commands_processed, 0u);
}

// Client text inside error messages ends at its first NUL byte, as Redis's printf-formatted
// errors do: command names, arguments, subcommands and unsupported options alike. Lookups stay
// binary-safe ("GET\0x" is not GET).
TEST(NodeCommandsTest, ErrorsEchoClientTextUpToItsFirstNul) {
  using namespace std::string_literals;
  CommandHarness h;
  EXPECT_EQ(h.run({"FOO\0BAR"s, "a"}),
            err("ERR unknown command 'FOO', with args beginning with: 'a' "));
  EXPECT_EQ(h.run({"GET\0"s, "k"}),
            err("ERR unknown command 'GET', with args beginning with: 'k' "));
  EXPECT_EQ(h.run({"foo", "a\0b"s, "\0"s, "c"}),
            err("ERR unknown command 'foo', with args beginning with: 'a' '' 'c' "));
  // The 128-character budget counts what is echoed, not what was sent.
  std::string padded;
  for (int i = 0; i < 100; i++) {
    padded += "a\0"s;
  }
  EXPECT_EQ(h.run({"foo", padded, std::string(10, 'b')}),
            err("ERR unknown command 'foo', with args beginning with: 'a' 'bbbbbbbbbb' "));
  EXPECT_EQ(h.run({"CONFIG", "x\0y"s}), err("ERR unknown subcommand 'x'. Try CONFIG HELP."));
  EXPECT_EQ(h.run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(h.run({"EXPIRE", "k", "10", "x\0yz"s}), err("ERR Unsupported option x"));
  // Unsupported options are echoed whole, however long.
  const std::string long_option(300, 'o');
  EXPECT_EQ(h.run({"EXPIRE", "k", "10", long_option}),
            err("ERR Unsupported option " + long_option));
  EXPECT_EQ(h.run({"TTL", "k"}), integer(-1));
  // Formatted errors lose the CR and LF at their ends before the inner ones become spaces.
  EXPECT_EQ(h.run({"EXPIRE", "k", "10", "\r\n"}), err("ERR Unsupported option "));
  EXPECT_EQ(h.run({"EXPIRE", "k", "10", "\r\nx\r\ny\n\r"}), err("ERR Unsupported option   x  y"));
}

// Option keywords, FLUSHALL modes, COMMAND LIST keywords and categories, and INFO sections are
// compared as Redis compares them, as C strings: up to the first NUL byte.
TEST(NodeCommandsTest, KeywordsCompareUpToTheirFirstNul) {
  using namespace std::string_literals;
  CommandHarness h;
  EXPECT_EQ(h.run({"SET", "k", "v", "NX\0junk"s}), kOk);
  EXPECT_EQ(h.run({"SET", "k", "w", "nx\0"s}), kNil);
  EXPECT_EQ(h.run({"SET", "k", "w", "XX\0"s, "GET\0q"s}), bulk("v"));
  EXPECT_EQ(h.run({"SET", "k", "v", "EX\0z"s, "100"}), kOk);
  EXPECT_EQ(h.run({"TTL", "k"}), integer(100));
  EXPECT_EQ(h.run({"SET", "k", "v", "KEEPTTL\0"s}), kOk);
  EXPECT_EQ(h.run({"TTL", "k"}), integer(100));
  EXPECT_EQ(h.run({"GETEX", "k", "PERSIST\0"s}), bulk("v"));
  EXPECT_EQ(h.run({"TTL", "k"}), integer(-1));
  EXPECT_EQ(h.run({"GETEX", "k", "px\0"s, "100000"}), bulk("v"));
  EXPECT_EQ(h.run({"PTTL", "k"}), integer(100000));
  EXPECT_EQ(h.run({"EXPIRE", "k", "50", "GT\0x"s}), integer(0));
  EXPECT_EQ(h.run({"EXPIRE", "k", "50", "lt\0"s}), integer(1));
  // The value after an option stays binary-safe: "100\0" is not a number.
  EXPECT_EQ(h.run({"SET", "k", "v", "EX", "100\0"s}),
            err("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.run({"COMMAND", "LIST", "FILTERBY\0"s, "PATTERN\0x"s, "getd*"}),
            "*1\r\n" + bulk("getdel"));
  EXPECT_EQ(h.run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "string\0"s}),
            h.run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"}));
  EXPECT_EQ(h.run({"INFO", "keyspace\0x"s}),
            bulk("# Keyspace\r\ndb0:keys=1,expires=1,avg_ttl=0\r\n"));
  EXPECT_EQ(h.run({"FLUSHALL", "SYNC\0x"s}), kOk);
  EXPECT_EQ(h.run({"FLUSHDB", "async\0"s}), kOk);
  EXPECT_EQ(h.run({"FLUSHALL", "SYNCX"}), err("ERR syntax error"));
}

TEST(NodeCommandsTest, GetSetBasics) {
  CommandHarness h;
  EXPECT_EQ(h.run({"GET", "k"}), kNil);
  EXPECT_EQ(h.run({"SET", "k", "v1"}), kOk);
  EXPECT_EQ(h.run({"GET", "k"}), bulk("v1"));
  EXPECT_EQ(h.run({"SET", "k", ""}), kOk);
  EXPECT_EQ(h.run({"GET", "k"}), bulk(""));
  EXPECT_EQ(h.run({"SET", "k"}), err("ERR wrong number of arguments for 'set' command"));
  EXPECT_EQ(h.stats.total_commands_processed, 5u);  // the arity error did not run
}

TEST(NodeCommandsTest, SetConditionsAndGetOption) {
  CommandHarness h;
  EXPECT_EQ(h.run({"SET", "k", "v", "XX"}), kNil);
  EXPECT_EQ(h.run({"GET", "k"}), kNil);
  EXPECT_EQ(h.run({"SET", "k", "v", "NX"}), kOk);
  EXPECT_EQ(h.run({"SET", "k", "w", "nx"}), kNil);
  EXPECT_EQ(h.run({"GET", "k"}), bulk("v"));
  EXPECT_EQ(h.run({"SET", "k", "w", "XX"}), kOk);
  EXPECT_EQ(h.run({"SET", "k", "z", "GET"}), bulk("w"));
  EXPECT_EQ(h.run({"SET", "new", "z", "GET"}), kNil);
  EXPECT_EQ(h.run({"GET", "new"}), bulk("z"));
  // NX with GET: replies the old value and does not overwrite.
  EXPECT_EQ(h.run({"SET", "k", "q", "NX", "GET"}), bulk("z"));
  EXPECT_EQ(h.run({"GET", "k"}), bulk("z"));
}

TEST(NodeCommandsTest, SetSyntaxErrors) {
  CommandHarness h;
  const std::string syntax = err("ERR syntax error");
  EXPECT_EQ(h.run({"SET", "k", "v", "NX", "XX"}), syntax);
  EXPECT_EQ(h.run({"SET", "k", "v", "XX", "NX"}), syntax);
  EXPECT_EQ(h.run({"SET", "k", "v", "EX"}), syntax);
  EXPECT_EQ(h.run({"SET", "k", "v", "EX", "10", "PX", "100"}), syntax);
  EXPECT_EQ(h.run({"SET", "k", "v", "PXAT", "1", "EX", "100"}), syntax);
  EXPECT_EQ(h.run({"SET", "k", "v", "EX", "10", "KEEPTTL"}), syntax);
  EXPECT_EQ(h.run({"SET", "k", "v", "KEEPTTL", "EX", "10"}), syntax);
  EXPECT_EQ(h.run({"SET", "k", "v", "PERSIST"}), syntax);
  EXPECT_EQ(h.run({"SET", "k", "v", "BOGUS"}), syntax);
  EXPECT_EQ(h.run({"SET", "k", "v", "EX", "ten"}),
            err("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.run({"SET", "k", "v", "PX", "0"}), err("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(h.run({"EXISTS", "k"}), integer(0));
}

TEST(NodeCommandsTest, SetExpiryOptions) {
  CommandHarness h;
  const int64_t now = h.clock.nowMs();
  EXPECT_EQ(h.run({"SET", "k", "v", "EX", "100"}), kOk);
  EXPECT_EQ(h.run({"PTTL", "k"}), integer(100000));
  EXPECT_EQ(h.run({"SET", "k", "v2", "KEEPTTL"}), kOk);
  EXPECT_EQ(h.run({"PTTL", "k"}), integer(100000));
  EXPECT_EQ(h.run({"SET", "k", "v3"}), kOk);  // a plain SET clears the TTL
  EXPECT_EQ(h.run({"TTL", "k"}), integer(-1));
  EXPECT_EQ(h.run({"SET", "k", "v", "EX", "1", "EX", "7"}), kOk);  // repeats: the last wins
  EXPECT_EQ(h.run({"TTL", "k"}), integer(7));
  EXPECT_EQ(h.run({"SET", "k", "v", "PX", "1500"}), kOk);
  EXPECT_EQ(h.run({"PTTL", "k"}), integer(1500));
  EXPECT_EQ(h.run({"SET", "k", "v", "PXAT", std::to_string(now + 2500)}), kOk);
  EXPECT_EQ(h.run({"PTTL", "k"}), integer(2500));
  EXPECT_EQ(h.run({"SET", "k", "v", "EXAT", std::to_string(now / 1000 + 10)}), kOk);
  EXPECT_EQ(h.run({"EXPIRETIME", "k"}), integer(now / 1000 + 10));
  // An absolute time already past stores a key that is gone on the next access.
  EXPECT_EQ(h.run({"SET", "k", "v", "PXAT", std::to_string(now - 1)}), kOk);
  EXPECT_EQ(h.run({"GET", "k"}), kNil);
}

TEST(NodeCommandsTest, SetNxSetExPSetEx) {
  CommandHarness h;
  EXPECT_EQ(h.run({"SETNX", "k", "a"}), integer(1));
  EXPECT_EQ(h.run({"SETNX", "k", "b"}), integer(0));
  EXPECT_EQ(h.run({"GET", "k"}), bulk("a"));
  EXPECT_EQ(h.run({"SETEX", "k", "10", "c"}), kOk);
  EXPECT_EQ(h.run({"TTL", "k"}), integer(10));
  EXPECT_EQ(h.run({"SETEX", "k", "0", "c"}), err("ERR invalid expire time in 'setex' command"));
  EXPECT_EQ(h.run({"PSETEX", "k", "-1", "c"}), err("ERR invalid expire time in 'psetex' command"));
  EXPECT_EQ(h.run({"PSETEX", "k", "250", "d"}), kOk);
  EXPECT_EQ(h.run({"PTTL", "k"}), integer(250));
}

TEST(NodeCommandsTest, GetDelAppendStrlen) {
  CommandHarness h;
  EXPECT_EQ(h.run({"APPEND", "k", "ab"}), integer(2));
  EXPECT_EQ(h.run({"APPEND", "k", "cde"}), integer(5));
  EXPECT_EQ(h.run({"STRLEN", "k"}), integer(5));
  EXPECT_EQ(h.run({"STRLEN", "none"}), integer(0));
  EXPECT_EQ(h.run({"GETDEL", "k"}), bulk("abcde"));
  EXPECT_EQ(h.run({"GETDEL", "k"}), kNil);
  EXPECT_EQ(h.keyspace.size(), 0u);
  EXPECT_EQ(h.keyspace.usedBytes(), 0u);
}

TEST(NodeCommandsTest, DelExistsAndType) {
  CommandHarness h;
  h.run({"MSET", "a", "1", "b", "2"});
  EXPECT_EQ(h.run({"EXISTS", "a", "a", "b", "c"}), integer(3));
  EXPECT_EQ(h.run({"TYPE", "a"}), "+string\r\n");
  EXPECT_EQ(h.run({"TYPE", "c"}), "+none\r\n");
  EXPECT_EQ(h.run({"DEL", "a", "c", "a"}), integer(1));
  EXPECT_EQ(h.run({"UNLINK", "b"}), integer(1));
  EXPECT_EQ(h.run({"DBSIZE"}), integer(0));
}

// Case 18: multi-key commands with a missing value or no keys are arity errors, nothing is
// written, and the connection's next command still works.
TEST(NodeCommandsTest, Case18MultiKeyArity) {
  CommandHarness h;
  EXPECT_EQ(h.run({"MSET", "key1", "val1", "key2"}),
            err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(h.run({"MSET", "key1"}), err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(h.run({"MSET"}), err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(h.run({"MSETNX", "a", "1", "b"}),
            err("ERR wrong number of arguments for 'msetnx' command"));
  EXPECT_EQ(h.keyspace.size(), 0u);  // no partial writes
  EXPECT_EQ(h.run({"MGET", "key1"}), "*1\r\n" + kNil);
  EXPECT_EQ(h.run({"MGET"}), err("ERR wrong number of arguments for 'mget' command"));
  EXPECT_EQ(h.run({"DEL", "key1"}), integer(0));
  EXPECT_EQ(h.run({"DEL"}), err("ERR wrong number of arguments for 'del' command"));
  EXPECT_EQ(h.run({"PING"}), "+PONG\r\n");
}

TEST(NodeCommandsTest, MsetMgetMsetnx) {
  CommandHarness h;
  EXPECT_EQ(h.run({"MSET", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(h.run({"MGET", "a", "x", "b"}), "*3\r\n" + bulk("1") + kNil + bulk("2"));
  EXPECT_EQ(h.run({"MSETNX", "c", "3", "a", "9"}), integer(0));
  EXPECT_EQ(h.run({"EXISTS", "c"}), integer(0));
  EXPECT_EQ(h.run({"MSETNX", "c", "3", "d", "4"}), integer(1));
  EXPECT_EQ(h.run({"MGET", "c", "d"}), "*2\r\n" + bulk("3") + bulk("4"));
}

TEST(NodeCommandsTest, IncrDecrFamily) {
  CommandHarness h;
  EXPECT_EQ(h.run({"INCR", "n"}), integer(1));
  EXPECT_EQ(h.run({"INCRBY", "n", "41"}), integer(42));
  EXPECT_EQ(h.run({"DECR", "n"}), integer(41));
  EXPECT_EQ(h.run({"DECRBY", "n", "50"}), integer(-9));
  EXPECT_EQ(h.run({"GET", "n"}), bulk("-9"));
  const std::string not_int = err("ERR value is not an integer or out of range");
  EXPECT_EQ(h.run({"INCRBY", "n", "x"}), not_int);
  EXPECT_EQ(h.run({"INCRBY", "n", "1.5"}), not_int);
  EXPECT_EQ(h.run({"INCRBY", "n", "+1"}), not_int);
  EXPECT_EQ(h.run({"INCRBY", "n", "99999999999999999999"}), not_int);
  h.run({"SET", "s", "abc"});
  EXPECT_EQ(h.run({"INCR", "s"}), not_int);
  h.run({"SET", "s", "007"});
  EXPECT_EQ(h.run({"INCR", "s"}), not_int);
  h.run({"SET", "s", " 1"});
  EXPECT_EQ(h.run({"INCR", "s"}), not_int);
  EXPECT_EQ(h.run({"GET", "s"}), bulk(" 1"));
}

TEST(NodeCommandsTest, IncrOverflowAndTtlKept) {
  CommandHarness h;
  h.run({"SET", "n", std::to_string(LLONG_MAX)});
  EXPECT_EQ(h.run({"INCR", "n"}), err("ERR increment or decrement would overflow"));
  EXPECT_EQ(h.run({"GET", "n"}), bulk(std::to_string(LLONG_MAX)));
  h.run({"SET", "m", std::to_string(LLONG_MIN)});
  EXPECT_EQ(h.run({"DECR", "m"}), err("ERR increment or decrement would overflow"));
  EXPECT_EQ(h.run({"DECRBY", "m", "-9223372036854775808"}), err("ERR decrement would overflow"));
  EXPECT_EQ(h.run({"INCRBY", "m", "9223372036854775807"}), integer(-1));
  h.run({"SET", "t", "5", "EX", "100"});
  EXPECT_EQ(h.run({"INCR", "t"}), integer(6));
  EXPECT_EQ(h.run({"TTL", "t"}), integer(100));
}

TEST(NodeCommandsTest, ParseInt64FollowsRedisRules) {
  int64_t v = 0;
  EXPECT_TRUE(parseInt64("0", v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(parseInt64("-9223372036854775808", v));
  EXPECT_EQ(v, LLONG_MIN);
  EXPECT_TRUE(parseInt64("9223372036854775807", v));
  EXPECT_EQ(v, LLONG_MAX);
  for (const char* bad : {"", "-", "-0", "01", "+1", " 1", "1 ", "1a", "9223372036854775808",
                          "-9223372036854775809", "18446744073709551616"}) {
    EXPECT_FALSE(parseInt64(bad, v)) << bad;
  }
}

TEST(NodeCommandsTest, SelectDbsizeFlushall) {
  CommandHarness h;
  EXPECT_EQ(h.run({"SELECT", "0"}), kOk);
  EXPECT_EQ(h.run({"SELECT", "1"}), err("ERR DB index is out of range"));
  EXPECT_EQ(h.run({"SELECT", "-1"}), err("ERR DB index is out of range"));
  EXPECT_EQ(h.run({"SELECT", "x"}), err("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.run({"SELECT", "99999999999"}),
            err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  h.run({"MSET", "a", "1", "b", "2"});
  EXPECT_EQ(h.run({"DBSIZE"}), integer(2));
  EXPECT_EQ(h.run({"FLUSHALL", "bogus"}), err("ERR syntax error"));
  EXPECT_EQ(h.run({"FLUSHALL", "ASYNC"}), kOk);
  EXPECT_EQ(h.run({"DBSIZE"}), integer(0));
  EXPECT_EQ(h.keyspace.usedBytes(), 0u);
}

TEST(NodeCommandsTest, QuitAsksForCloseAfterReply) {
  CommandHarness h;
  EXPECT_FALSE(h.client.close_after_reply);
  EXPECT_EQ(h.run({"QUIT"}), kOk);
  EXPECT_TRUE(h.client.close_after_reply);
}

TEST(NodeCommandsTest, ConfigGetAndSubcommandErrors) {
  CommandHarness h;
  h.stats.port = 7001;
  EXPECT_EQ(h.run({"CONFIG", "GET", "save"}), "*2\r\n" + bulk("save") + bulk(""));
  EXPECT_EQ(h.run({"CONFIG", "GET", "appendonly"}), "*2\r\n" + bulk("appendonly") + bulk("no"));
  // A plain name is reported as spelled, once however often it is asked for.
  EXPECT_EQ(h.run({"config", "get", "PORT", "port"}), "*2\r\n" + bulk("PORT") + bulk("7001"));
  EXPECT_EQ(h.run({"CONFIG", "GET", "nosuch"}), "*0\r\n");
  EXPECT_EQ(h.run({"CONFIG", "GET", "max*"}), "*4\r\n" + bulk("maxmemory") + bulk("0") +
                                                  bulk("maxmemory-policy") + bulk("noeviction"));
  EXPECT_EQ(h.run({"CONFIG"}), err("ERR wrong number of arguments for 'config' command"));
  EXPECT_EQ(h.run({"CONFIG", "GET"}),
            err("ERR wrong number of arguments for 'config|get' command"));
  EXPECT_EQ(h.run({"CONFIG", "foo"}), err("ERR unknown subcommand 'foo'. Try CONFIG HELP."));
  EXPECT_EQ(h.run({"command", "foo"}), err("ERR unknown subcommand 'foo'. Try COMMAND HELP."));
}

// CONFIG GET and COMMAND LIST match patterns in Redis's glob dialect, not fnmatch's, and
// CONFIG GET tells names from patterns by Redis's rule (glob characters before any NUL).
TEST(NodeCommandsTest, PatternsFollowRedisGlobRules) {
  using namespace std::string_literals;
  CommandHarness h;
  const std::string hz = "*2\r\n" + bulk("hz") + bulk("10");
  EXPECT_EQ(h.run({"CONFIG", "GET", "HZ"}), "*2\r\n" + bulk("HZ") + bulk("10"));
  EXPECT_EQ(h.run({"CONFIG", "GET", "HZ", "h*"}), "*2\r\n" + bulk("HZ") + bulk("10"));
  EXPECT_EQ(h.run({"CONFIG", "GET", "h*", "HZ"}), hz);
  EXPECT_EQ(h.run({"CONFIG", "GET", "H[Z]"}), hz);
  EXPECT_EQ(h.run({"CONFIG", "GET", "h[z-a]"}), hz);
  EXPECT_EQ(h.run({"CONFIG", "GET", "h[z"}), hz);
  // '!' is a class member, not a negation: "[!a]z" is "!z" or "az", "[!h]z" includes "hz".
  EXPECT_EQ(h.run({"CONFIG", "GET", "[!a]z"}), "*0\r\n");
  EXPECT_EQ(h.run({"CONFIG", "GET", "[!h]z"}), hz);
  // Without glob characters a backslash is just a byte of the name, and a NUL is part of it.
  EXPECT_EQ(h.run({"CONFIG", "GET", "\\hz"}), "*0\r\n");
  EXPECT_EQ(h.run({"CONFIG", "GET", "hz\0x"s}), "*0\r\n");
  // With them, the pattern ends at a NUL.
  EXPECT_EQ(h.run({"CONFIG", "GET", "h?\0x"s}), hz);

  EXPECT_EQ(h.run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "[!g]et"}), "*1\r\n" + bulk("get"));
  EXPECT_EQ(h.run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "GET"}), "*1\r\n" + bulk("get"));
  EXPECT_EQ(h.run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "get\0"s}), "*0\r\n");
  const std::string keyspace = h.run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "KEYSPACE"});
  EXPECT_EQ(keyspace, h.run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "keyspace"}));
  EXPECT_NE(keyspace.find(bulk("expire")), std::string::npos) << keyspace;
  EXPECT_EQ(h.run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"}), "*0\r\n");
}

TEST(NodeCommandsTest, ClientNames) {
  CommandHarness h;
  h.client.id = 7;
  EXPECT_EQ(h.run({"CLIENT", "GETNAME"}), kNil);
  EXPECT_EQ(h.run({"CLIENT", "SETNAME", "worker-1"}), kOk);
  EXPECT_EQ(h.run({"CLIENT", "GETNAME"}), bulk("worker-1"));
  EXPECT_EQ(h.run({"CLIENT", "SETNAME", "a b"}),
            err("ERR Client names cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(h.run({"CLIENT", "ID"}), integer(7));
}

TEST(NodeCommandsTest, CommandIntrospection) {
  CommandHarness h;
  const auto count = static_cast<long long>(h.table.commands().size());
  EXPECT_EQ(h.run({"COMMAND", "COUNT"}), integer(count));
  EXPECT_EQ(h.run({"COMMAND", "DOCS"}), "*0\r\n");
  EXPECT_EQ(h.run({"COMMAND", "INFO", "nosuch"}), "*1\r\n" + kNil);
  EXPECT_EQ(h.run({"COMMAND", "INFO", "get"}),
            "*1\r\n*10\r\n" + bulk("get") + integer(2) + "*2\r\n+readonly\r\n+fast\r\n" +
                integer(1) + integer(1) + integer(1) +
                "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*0\r\n*0\r\n");

  // Plain COMMAND: one well-formed 10-element entry per command, in the table's order.
  const std::string all = h.run({"COMMAND"});
  resp::ReplyParser parser;
  resp::Reply reply;
  size_t consumed = 0;
  ASSERT_EQ(parser.parse(all, consumed, reply), resp::ParseOutcome::Done);
  EXPECT_EQ(consumed, all.size());
  ASSERT_EQ(reply.type, resp::Reply::Type::Array);
  ASSERT_EQ(static_cast<long long>(reply.elements.size()), count);
  for (const auto& entry : reply.elements) {
    ASSERT_EQ(entry.elements.size(), 10u);
    EXPECT_EQ(entry.elements[0].type, resp::Reply::Type::Bulk);
    EXPECT_NE(h.table.find(entry.elements[0].str), nullptr) << entry.elements[0].str;
  }
  const std::string list = h.run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "config|*"});
  EXPECT_EQ(list, "*2\r\n" + bulk("config|get") + bulk("config|resetstat"));
}

TEST(NodeCommandsTest, InfoReportsRealValues) {
  CommandHarness h;
  h.stats.connected_clients = 3;
  h.run({"SET", "a", "1"});
  h.run({"SET", "b", "2", "EX", "100"});
  h.run({"GET", "a"});
  h.run({"GET", "missing"});
  h.clock.advance(5000);
  const std::string reply = h.run({"INFO"});
  EXPECT_NE(reply.find("# Server\r\n"), std::string::npos);
  EXPECT_NE(reply.find("uptime_in_seconds:5\r\n"), std::string::npos);
  EXPECT_NE(reply.find("connected_clients:3\r\n"), std::string::npos);
  EXPECT_NE(reply.find("used_memory:" + std::to_string(h.keyspace.usedBytes()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(reply.find("total_commands_processed:4\r\n"), std::string::npos);
  EXPECT_NE(reply.find("keyspace_hits:1\r\n"), std::string::npos);
  EXPECT_NE(reply.find("keyspace_misses:1\r\n"), std::string::npos);
  EXPECT_NE(reply.find("expired_keys:0\r\n"), std::string::npos);
  EXPECT_NE(reply.find("db0:keys=2,expires=1,avg_ttl=0\r\n"), std::string::npos);

  const std::string keyspace_only = h.run({"INFO", "keyspace"});
  EXPECT_EQ(keyspace_only, bulk("# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n"));
  h.clock.advance(100 * 1000 + 1);
  EXPECT_EQ(h.run({"GET", "b"}), kNil);
  EXPECT_NE(h.run({"INFO", "STATS"}).find("expired_keys:1\r\n"), std::string::npos);
  EXPECT_EQ(h.run({"INFO", "nosuchsection"}), bulk(""));
}

}  // namespace
}  // namespace strata::cache::node
