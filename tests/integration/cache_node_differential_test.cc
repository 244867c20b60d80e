// Differential test of `strata cache-node` against the reference redis-server 7: one seeded
// random stream of commands (every implemented command, keys from a small set including binary
// ones, TTLs that are negative, zero, huge, overflowing or malformed, non-integers for the INCR
// family, wrong arities, mixed-case names, some sent inline) goes to both servers in identical
// pipelined batches, and every reply must match byte for byte. Only replies that legitimately
// depend on when each server ran the command are compared with a tolerance (TTL and friends).
//
// Relative TTLs are drawn from ranges far beyond the test's run time, so no key expires while
// it runs and no comparison (GT/LT) can tip on the millisecond the two servers disagree by;
// fixed TTL values are only ones whose outcome does not depend on the clock.
//
// Reproduce a failure with STRATA_DIFF_SEED=<seed> (and STRATA_DIFF_COMMANDS=<n>).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "tests/integration/raw_resp_client.h"
#include "tests/support/process.h"

namespace strata::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using namespace std::string_view_literals;

struct Command {
  std::vector<std::string> argv;
  std::string kind;  // upper-case name, used to pick the comparison rule
};

// Seeded generator of commands and their arguments.
class CommandGenerator {
 public:
  explicit CommandGenerator(uint64_t seed) : rng_(seed) {
    now_s_ = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  }

  Command next() {
    static const char* const kKinds[] = {
        "GET",      "SET",      "SETNX",     "SETEX",     "PSETEX",   "GETEX",       "GETDEL",
        "MGET",     "MSET",     "MSETNX",    "INCR",      "DECR",     "INCRBY",      "DECRBY",
        "APPEND",   "STRLEN",   "DEL",       "UNLINK",    "EXISTS",   "TYPE",        "EXPIRE",
        "PEXPIRE",  "EXPIREAT", "PEXPIREAT", "TTL",       "PTTL",     "EXPIRETIME",  "PEXPIRETIME",
        "PERSIST",  "DBSIZE",   "PING",      "ECHO",      "SELECT",   "CONFIG",      "CLIENT",
        "UNKNOWN",  "FLUSHALL", "GETSET",    "GETRANGE",  "SETRANGE", "INCRBYFLOAT", "RENAME",
        "RENAMENX", "TOUCH",    "KEYS",      "RANDOMKEY", "SCAN",
    };
    Command c;
    c.kind = kKinds[pick(std::size(kKinds))];
    if (c.kind == "FLUSHALL" && chance(0.9)) {
      c.kind = "GET";  // rare, so the keyspace gets to fill up
    }
    auto& a = c.argv;
    const std::string& k = c.kind;
    if (k == "GET" || k == "GETDEL" || k == "STRLEN" || k == "TYPE" || k == "TTL" || k == "PTTL" ||
        k == "EXPIRETIME" || k == "PEXPIRETIME" || k == "PERSIST" || k == "INCR" || k == "DECR") {
      a = {k, key()};
    } else if (k == "SET") {
      a = {k, key(), value()};
      for (int i = pick(4); i > 0; i--) {
        setOption(a, false);
      }
    } else if (k == "SETNX" || k == "APPEND" || k == "GETSET") {
      a = {k, key(), value()};
    } else if (k == "SETEX") {
      a = {k, key(), chance(0.7) ? relativeTtl(false) : edgeTtl(), value()};
    } else if (k == "PSETEX") {
      a = {k, key(), chance(0.7) ? relativeTtl(true) : edgeTtl(true), value()};
    } else if (k == "GETEX") {
      a = {k, key()};
      for (int i = pick(3); i > 0; i--) {
        setOption(a, true);
      }
    } else if (k == "GETRANGE") {
      a = {k, key(), rangeIndex(), rangeIndex()};
    } else if (k == "SETRANGE") {
      // Offsets stay small or fail: a valid offset near 512 MiB would allocate that much.
      const std::string offset = chance(0.8) ? std::to_string(between(0, 40))
                                             : oneOf({"-1", "abc", "536870912", "", "01"});
      a = {k, key(), offset, value()};
    } else if (k == "INCRBYFLOAT") {
      a = {k, key(), floating()};
    } else if (k == "RENAME" || k == "RENAMENX") {
      a = {k, key(), key()};
    } else if (k == "RANDOMKEY") {
      a = {k};
    } else if (k == "SCAN") {
      // Which keys come back is each server's own order; the cursor and option errors and the
      // reply's shape are compared (see repliesAgree).
      a = {k, oneOf({"0", "", "-1", "+0", " 1", "1 ", "abc", "18446744073709551616", "0\0x"sv})};
      for (int i = pick(3); i > 0; i--) {
        const std::string opt = oneOf({"COUNT", "MATCH", "TYPE", "bogus"});
        a.push_back(keyword(opt));
        if (chance(0.9)) {
          a.push_back(opt == "COUNT"  ? oneOf({"1", "10", "0", "-1", "abc", "1000"})
                      : opt == "TYPE" ? oneOf({"string", "STRING", "hash", "none"})
                                      : oneOf({"*", "k*", "[a-c]", "\\"}));
        }
      }
    } else if (k == "KEYS") {
      // Patterns matching at most one of the generator's keys: several matches come back in
      // each server's own hash-table order.
      a = {k, oneOf({"k:*", "co*", "n", "\\a", "?:1", "\0*"sv, "nomatch", "c[o]*", "[!a]"})};
    } else if (k == "MGET" || k == "DEL" || k == "UNLINK" || k == "EXISTS" || k == "TOUCH") {
      a = {k};
      for (int i = pick(5); i > 0; i--) {
        a.push_back(key());
      }
    } else if (k == "MSET" || k == "MSETNX") {
      a = {k};
      for (int i = pick(6); i > 0; i--) {
        a.push_back(i % 2 == 0 ? key() : value());
      }
    } else if (k == "INCRBY" || k == "DECRBY") {
      a = {k, key(), integer()};
    } else if (k == "EXPIRE" || k == "PEXPIRE") {
      a = {k, key(), chance(0.6) ? relativeTtl(k == "PEXPIRE") : edgeTtl(k == "PEXPIRE")};
      expireFlags(a);
    } else if (k == "EXPIREAT" || k == "PEXPIREAT") {
      a = {k, key(), chance(0.7) ? absoluteTime(k == "PEXPIREAT") : edgeTtl()};
      expireFlags(a);
    } else if (k == "DBSIZE") {
      a = {k};
    } else if (k == "PING" || k == "ECHO") {
      a = {k};
      for (int i = pick(3); i > 0; i--) {
        a.push_back(value());
      }
    } else if (k == "SELECT") {
      // Database 0 only: the node has one database (CONFIG GET databases says so).
      a = {k, oneOf({"0", "-1", "16", "99999", "2147483648", "abc", "00", ""})};
    } else if (k == "CONFIG") {
      // One parameter both servers report identically, asked by exact name in any case, maybe
      // twice in different spellings, among names that match nothing. (Redis orders several
      // matches by its hash table, so one match per command keeps the order comparable.)
      const std::string name = oneOf({"appendonly", "save", "maxmemory", "timeout",
                                      "maxmemory-policy", "hz", "proto-max-bulk-len"});
      // A NUL inside a name is sent only where no parameter can match under either reading:
      // Redis compares names up to the NUL but hashes the whole argument, so "save\0x" finds
      // "save" on some hash seeds and not on others.
      a = {k, "GET", mixCase(name)};
      for (int i = pick(3); i > 0; i--) {
        a.push_back(chance(0.5) ? mixCase(name) : oneOf({"nosuch", "HZ\\", "nosuch\0save"sv}));
      }
    } else if (k == "CLIENT") {
      a = chance(0.5) ? std::vector<std::string>{k, "SETNAME", value()}
                      : std::vector<std::string>{k, "GETNAME"};
    } else if (k == "UNKNOWN") {
      a = {oneOf({"NOSUCH", "foo", "x\0y"sv, "GETT", "\r\n"})};
      for (int i = pick(4); i > 0; i--) {
        a.push_back(value());
      }
    } else if (k == "FLUSHALL") {
      a = {k};
      if (chance(0.5)) {
        a.push_back(keyword(oneOf({"SYNC", "ASYNC", "bogus"})));
      }
    }
    // Wrong arities now and then, in both directions.
    if (chance(0.04) && a.size() > 1) {
      a.pop_back();
    } else if (chance(0.04)) {
      a.push_back(value());
    }
    a[0] = mixCase(a[0]);
    if (a.size() > 1 && (k == "CONFIG" || k == "CLIENT")) {
      a[1] = mixCase(a[1]);
    }
    return c;
  }

 private:
  int pick(size_t n) {
    return static_cast<int>(std::uniform_int_distribution<size_t>(0, n - 1)(rng_));
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int64_t between(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  std::string oneOf(std::initializer_list<std::string_view> options) {
    return std::string(*(options.begin() + pick(options.size())));
  }

  std::string key() {
    using namespace std::string_literals;
    static const std::string kKeys[] = {"a", "b", "c", "k:1", "n", "\0z"s, "", "counter"};
    return kKeys[pick(std::size(kKeys))];
  }

  std::string value() {
    switch (pick(8)) {
      case 0:
        return "";
      case 1:
        return std::to_string(between(-1000, 1000));
      case 2:
        return integer();
      case 3:
        return std::string(static_cast<size_t>(between(1, 3000)), 'x');
      case 4:
        return oneOf({"a b", "\r\n", "with\0nul"sv, "9223372036854775807", "1.5", " 1"});
      default:
        return "v" + std::to_string(pick(100));
    }
  }

  // Integers and near-integers for INCRBY/DECRBY and as stored values for INCR.
  std::string integer() {
    if (chance(0.5)) {
      return std::to_string(between(-100, 100));
    }
    return oneOf({"0", "-0", "+1", "01", "1.0", "", " 1", "abc", "9223372036854775807",
                  "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
                  "99999999999999999999", "4611686018427387904", "-4611686018427387905"});
  }

  // GETRANGE indexes: small ones of either sign around the value lengths, and extremes.
  std::string rangeIndex() {
    if (chance(0.8)) {
      return std::to_string(between(-12, 12));
    }
    return oneOf({"9223372036854775807", "-9223372036854775808", "abc", "", "1.0", "-3001"});
  }

  // INCRBYFLOAT increments: plain, exponent and hex forms, and texts Redis rejects.
  std::string floating() {
    if (chance(0.4)) {
      return std::to_string(between(-1000, 1000)) + "." + std::to_string(between(0, 99));
    }
    return oneOf({"0", "-0.0", "1e3", "2.5e-3", "0x10", "1e400", "-1e-30", "inf", "-inf", "nan", "",
                  " 1", "1 ", "abc", "1.5", "9223372036854775807", "1e5000", "3.0"});
  }

  // A valid relative TTL far longer than the run: no key expires during the test.
  std::string relativeTtl(bool ms) {
    return std::to_string(ms ? between(100'000'000, 100'000'000'000)
                             : between(100'000, 100'000'000));
  }

  // An absolute time well in the future, or well in the past where that deletes the key at
  // once (EXPIREAT, GETEX). SET stores a key with a past time and leaves it to active expiry,
  // which would make DBSIZE depend on when each server's cycle ran, so SET gets future ones.
  std::string absoluteTime(bool ms, bool allow_past = true) {
    const int64_t seconds = allow_past && chance(0.3) ? now_s_ - between(10'000, 1'000'000'000)
                                                      : now_s_ + between(100'000, 100'000'000);
    return std::to_string(ms ? seconds * 1000 + between(0, 999) : seconds);
  }

  // TTL arguments whose outcome never depends on the clock: deletions, invalid or overflowing
  // values, malformed numbers, and absolute extremes. As a relative millisecond TTL a fixed
  // valid value could tie with itself under GT on the millisecond the servers differ by, so
  // those contexts get only values that fail or delete.
  std::string edgeTtl(bool relative_ms = false) {
    if (relative_ms) {
      return oneOf({"0", "-1", "-100", "abc", "1.5", "", "+1", "01", " 1", "9223372036854775807",
                    "9223372036854775000", "-9223372036854775808", "9223372036854775808",
                    "-9223372036854775", "-9223372036854775807"});
    }
    return oneOf({"0", "-1", "-100", "abc", "1.5", "", "+1", "01", " 1", "9223372036854775807",
                  "-9223372036854775808", "9223372036854775808", "18446744073709561",
                  "9223372036854775", "9223372036854776", "-9223372036854775", "-9223372036854776",
                  "-9223372036854775807"});
  }

  void setOption(std::vector<std::string>& a, bool allow_past) {
    const std::string opt = oneOf(
        {"EX", "PX", "EXAT", "PXAT", "NX", "XX", "GET", "KEEPTTL", "PERSIST", "ex", "pX", "bogus"});
    a.push_back(keyword(opt));
    const std::string upper = upperCase(opt);
    if (upper == "EX" || upper == "PX") {
      if (chance(0.9)) {
        a.push_back(chance(0.6) ? relativeTtl(upper == "PX") : edgeTtl(upper == "PX"));
      }
    } else if (upper == "EXAT" || upper == "PXAT") {
      if (chance(0.9)) {
        a.push_back(chance(0.7) ? absoluteTime(upper == "PXAT", allow_past) : edgeTtl());
      }
    }
  }

  void expireFlags(std::vector<std::string>& a) {
    for (int i = pick(4) - 1; i > 0; i--) {
      a.push_back(keyword(oneOf({"NX", "XX", "GT", "LT", "nx", "bogus"})));
    }
  }

  // An option keyword in mixed case, now and then with a NUL and junk after it (Redis reads
  // keywords as C strings).
  std::string keyword(std::string_view name) {
    std::string s = mixCase(std::string(name));
    if (chance(0.05)) {
      s += oneOf({"\0"sv, "\0x"sv, "\0\0nx"sv});
    }
    return s;
  }

  std::string mixCase(std::string s) {
    for (char& c : s) {
      if (c >= 'a' && c <= 'z' && chance(0.3)) {
        c = static_cast<char>(c - 32);
      } else if (c >= 'A' && c <= 'Z' && chance(0.3)) {
        c = static_cast<char>(c + 32);
      }
    }
    return s;
  }

  static std::string upperCase(std::string s) {
    for (char& c : s) {
      if (c >= 'a' && c <= 'z') {
        c = static_cast<char>(c - 32);
      }
    }
    return s;
  }

  std::mt19937_64 rng_;
  int64_t now_s_ = 0;
};

// Inline form when every argument survives it unquoted.
bool inlineSafe(const std::vector<std::string>& argv) {
  for (const auto& arg : argv) {
    if (arg.empty() ||
        arg.find_first_of(std::string_view(" \t\r\n\"'\0\v\f", 9)) != std::string::npos) {
      return false;
    }
  }
  return true;
}

std::string encodeInline(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    out += (out.empty() ? "" : " ") + arg;
  }
  return out + "\r\n";
}

// Equal bytes, or both integers within `tolerance` for replies that depend on the moment the
// command ran (a TTL read, or an expire time set relative to each server's own clock).
bool repliesAgree(const std::string& kind, const std::string& a, const std::string& b) {
  if (a == b) {
    return true;
  }
  // RANDOMKEY: a key from both or from neither. SCAN: the same error, or both a cursor and a
  // key list.
  if (kind == "RANDOMKEY") {
    return a[0] == '$' && b[0] == '$' && (a == "$-1\r\n") == (b == "$-1\r\n");
  }
  if (kind == "SCAN") {
    return a.rfind("*2\r\n", 0) == 0 && b.rfind("*2\r\n", 0) == 0;
  }
  int64_t tolerance = 0;
  if (kind == "TTL" || kind == "EXPIRETIME") {
    tolerance = 2;
  } else if (kind == "PTTL" || kind == "PEXPIRETIME") {
    tolerance = 2000;
  }
  if (tolerance == 0 || a.size() < 3 || b.size() < 3 || a[0] != ':' || b[0] != ':') {
    return false;
  }
  const long long x = std::atoll(a.c_str() + 1);
  const long long y = std::atoll(b.c_str() + 1);
  return x >= 0 && y >= 0 && std::llabs(x - y) <= tolerance;
}

std::string printable(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes.substr(0, 300)) {
    if (c >= 32 && c < 127 && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

uint64_t envOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtoull(value, nullptr, 10) : fallback;
}

class CacheNodeDifferentialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string redis = findProgram("redis-server");
    if (redis.empty()) {
      GTEST_SKIP() << "redis-server is not installed";
    }
    node_port_ = freePort();
    node_ = ChildProcess({STRATA_BINARY, "cache-node", "--port", std::to_string(node_port_)},
                         dir_.file("cache-node.log"));
    redis_port_ = freePort();
    redis_ = ChildProcess({redis, "--port", std::to_string(redis_port_), "--bind", "127.0.0.1",
                           "--save", "", "--appendonly", "no", "--dir", dir_.path()},
                          dir_.file("redis.log"));
    ASSERT_TRUE(waitForPort(node_port_)) << node_.log();
    ASSERT_TRUE(waitForPort(redis_port_)) << redis_.log();
  }

  void TearDown() override {
    if (node_.pid() > 0 && node_.running()) {
      node_.stop();
    }
    if (redis_.pid() > 0 && redis_.running()) {
      redis_.stop();
    }
  }

  TempDir dir_;
  uint16_t node_port_ = 0;
  uint16_t redis_port_ = 0;
  ChildProcess node_;
  ChildProcess redis_;
};

TEST_F(CacheNodeDifferentialTest, RandomCommandStreamsGetRedisReplies) {
  const uint64_t seed = envOr("STRATA_DIFF_SEED", 20240601);
  const uint64_t total = envOr("STRATA_DIFF_COMMANDS", 20000);
  RawClient node(node_port_);
  RawClient redis(redis_port_);
  ASSERT_TRUE(node.connected());
  ASSERT_TRUE(redis.connected());
  CommandGenerator generator(seed);
  std::mt19937_64 batching(seed ^ 0x9e3779b97f4a7c15ull);
  uint64_t index = 0;
  while (index < total) {
    // Identical pipelined batches to both servers, written before either is read.
    const uint64_t size = std::min<uint64_t>(total - index, 1 + batching() % 64);
    std::vector<Command> batch;
    std::string wire;
    for (uint64_t i = 0; i < size; i++) {
      batch.push_back(generator.next());
      const auto& argv = batch.back().argv;
      wire += batching() % 8 == 0 && inlineSafe(argv) ? encodeInline(argv) : encodeCommand(argv);
    }
    ASSERT_TRUE(node.send(wire)) << "seed " << seed << " index " << index;
    ASSERT_TRUE(redis.send(wire)) << "seed " << seed << " index " << index;
    for (const Command& command : batch) {
      const std::string ours = node.readReply();
      const std::string theirs = redis.readReply();
      ASSERT_FALSE(theirs.empty())
          << "redis-server gave no reply; seed " << seed << " index " << index;
      std::string shown;
      for (const auto& arg : command.argv) {
        shown += "'" + printable(arg) + "' ";
      }
      ASSERT_TRUE(repliesAgree(command.kind, ours, theirs))
          << "seed " << seed << " command " << index << ": " << shown
          << "\n  strata: " << printable(ours) << "\n  redis:  " << printable(theirs)
          << "\n  (rerun with STRATA_DIFF_SEED=" << seed << ")";
      index++;
    }
  }
  // Both keyspaces ended the same, down to the key count.
  ASSERT_TRUE(node.send(encodeCommand({"DBSIZE"})));
  ASSERT_TRUE(redis.send(encodeCommand({"DBSIZE"})));
  EXPECT_EQ(node.readReply(), redis.readReply());
  EXPECT_TRUE(node_.running()) << node_.log();
  const int status = node_.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << node_.log();
  EXPECT_EQ(node_.log().find("runtime error"), std::string::npos) << node_.log();
}

}  // namespace
}  // namespace strata::testing
