// Integration tests for `strata cache-node`: the built binary on a free loopback port, driven by
// the real redis-cli and redis-benchmark, plus raw pipelines of cases 18 and 23, and a clean exit
// on SIGTERM.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/integration/cache_node_fixture.h"
#include "tests/support/process.h"
#include "tests/support/socket.h"

namespace strata::testing {
namespace {

using std::chrono::milliseconds;

constexpr const char* kRedisCli = "/usr/bin/redis-cli";
constexpr const char* kRedisBenchmark = "/usr/bin/redis-benchmark";

class CacheNodeTest : public CacheNodeProcessTest {
 protected:
  // redis-cli with its arguments; returns stdout and checks the exit code.
  std::string cli(std::vector<std::string> args) {
    std::vector<std::string> argv = {kRedisCli, "-p", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    int code = -1;
    std::string out = runCommand(argv, &code, std::chrono::seconds(20));
    EXPECT_EQ(code, 0) << out;
    return out;
  }

  int connectRaw() { return connectLoopbackClient(port_); }

  // Reads until `want` bytes (or EOF when until_eof), bounded by `limit` (10 s). Sets *eof if
  // the peer closed.
  static std::string readRaw(int fd, size_t want, bool until_eof, bool* eof = nullptr,
                             milliseconds limit = milliseconds(10000)) {
    Received r = readBytes(fd, want, until_eof, limit);
    if (r.eof && eof != nullptr) {
      *eof = true;
    }
    return std::move(r.bytes);
  }
};

TEST_F(CacheNodeTest, RedisCliCommandsAndCleanExit) {
  EXPECT_EQ(cli({"SET", "k", "v"}), "OK\n");
  EXPECT_EQ(cli({"GET", "k"}), "v\n");
  EXPECT_EQ(cli({"EXPIRE", "k", "100"}), "1\n");
  const std::string ttl = cli({"TTL", "k"});
  EXPECT_TRUE(ttl == "100\n" || ttl == "99\n") << ttl;
  const long long pttl = std::stoll(cli({"PTTL", "k"}));
  EXPECT_GT(pttl, 90000);
  EXPECT_LE(pttl, 100000);
  EXPECT_EQ(cli({"DEL", "k"}), "1\n");
  EXPECT_EQ(cli({"GET", "k"}), "\n");
  EXPECT_EQ(cli({"TTL", "k"}), "-2\n");
  EXPECT_EQ(cli({"INCRBY", "n", "5"}), "5\n");
  // redis-cli prints an error reply followed by an empty line when not on a terminal.
  EXPECT_EQ(cli({"MSET", "a", "1", "b"}), "ERR wrong number of arguments for 'mset' command\n\n");
  EXPECT_EQ(cli({"PING"}), "PONG\n");
  const std::string info = cli({"INFO", "keyspace"});
  EXPECT_NE(info.find("db0:keys=1,expires=0"), std::string::npos) << info;

  const int status = node_.stop();
  ASSERT_TRUE(WIFEXITED(status)) << node_.log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << node_.log();
  const std::string log = node_.log();
  EXPECT_NE(log.find("cache node listening on 127.0.0.1:" + std::to_string(port_)),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("runtime error"), std::string::npos) << log;  // UBSan findings
}

TEST_F(CacheNodeTest, PipelinedRedisBenchmarkCompletes) {
  int code = -1;
  const std::string out = runCommand({kRedisBenchmark, "-p", std::to_string(port_), "-n", "10000",
                                      "-P", "16", "-t", "set,get,incr,mset", "-q"},
                                     &code, std::chrono::seconds(120));
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.find("rror"), std::string::npos) << out;
  for (const char* test : {"SET:", "GET:", "INCR:", "MSET (10 keys):"}) {
    EXPECT_NE(out.find(test), std::string::npos) << test << "\n" << out;
  }
  // The benchmark's INCRs all landed on one counter key.
  EXPECT_EQ(cli({"GET", "counter:__rand_int__"}), "10000\n");
  const int status = node_.stop();
  ASSERT_TRUE(WIFEXITED(status)) << node_.log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << node_.log();
}

// Case 18 and case 23's skipped frames in one raw pipeline: replies in order, connection open.
TEST_F(CacheNodeTest, RawPipelineOfMalformedMultiKeyCommands) {
  const int fd = connectRaw();
  const std::string request =
      "*4\r\n$4\r\nMSET\r\n$4\r\nkey1\r\n$4\r\nval1\r\n$4\r\nkey2\r\n"
      "*2\r\n$4\r\nMSET\r\n$4\r\nkey1\r\n"
      "*1\r\n$4\r\nMSET\r\n"
      "*-1\r\n"
      "*2\r\n$4\r\nMGET\r\n$4\r\nkey1\r\n"
      "*1\r\n$4\r\nMGET\r\n"
      "*0\r\n"
      "*2\r\n$3\r\nDEL\r\n$4\r\nkey1\r\n"
      "*1\r\n$3\r\nDEL\r\n"
      "*1\r\n$4\r\nPING\r\n";
  const std::string mset = "-ERR wrong number of arguments for 'mset' command\r\n";
  const std::string expected = mset + mset + mset + "*1\r\n$-1\r\n" +
                               "-ERR wrong number of arguments for 'mget' command\r\n" + ":0\r\n" +
                               "-ERR wrong number of arguments for 'del' command\r\n" + "+PONG\r\n";
  sendAll(fd, request);
  EXPECT_EQ(readRaw(fd, expected.size(), false), expected);
  ::close(fd);
}

// Case 23: each length out of range on a fresh connection gets the protocol error and a close,
// counts within range wait for their data, the node's memory does not balloon, and an idle
// client never notices.
TEST_F(CacheNodeTest, ProtocolErrorsCloseOnlyTheOffendingClient) {
  const int idle = connectRaw();
  sendAll(idle, "*3\r\n$3\r\nSET\r\n$4\r\nidle\r\n$2\r\nok\r\n");
  EXPECT_EQ(readRaw(idle, 5, false), "+OK\r\n");

  const std::string multibulk = "-ERR Protocol error: invalid multibulk length\r\n";
  const std::string bulk = "-ERR Protocol error: invalid bulk length\r\n";
  const std::pair<std::string, std::string> cases[] = {
      {"*2147483648\r\n", multibulk},
      {"*-9223372036854775809\r\n", multibulk},
      {"*2\r\n$2147483648\r\n", bulk},
      {"*2\r\n$-5\r\n", bulk},
  };
  for (const auto& [request, reply] : cases) {
    const int fd = connectRaw();
    sendAll(fd, request);
    bool eof = false;
    EXPECT_EQ(readRaw(fd, 0, true, &eof), reply) << request;
    EXPECT_TRUE(eof) << request;
    ::close(fd);
  }
  // Counts up to INT_MAX wait for their arguments, as in Redis 7: no reply, no close, and
  // nothing reserved for them (checked through used_memory below).
  std::vector<int> waiting;
  for (const char* request : {"*2000000000\r\n", "*10000000\r\n"}) {
    waiting.push_back(connectRaw());
    sendAll(waiting.back(), request);
  }
  for (const std::string request : {"*-1\r\n*1\r\n$4\r\nPING\r\n", "*0\r\n*1\r\n$4\r\nPING\r\n"}) {
    const int fd = connectRaw();
    sendAll(fd, request);
    EXPECT_EQ(readRaw(fd, 7, false), "+PONG\r\n") << request;
    ::close(fd);
  }

  sendAll(idle, "*2\r\n$3\r\nGET\r\n$4\r\nidle\r\n");
  EXPECT_EQ(readRaw(idle, 8, false), "$2\r\nok\r\n");
  ::close(idle);
  EXPECT_TRUE(node_.running());
  const std::string memory = cli({"INFO", "memory"});
  const auto at = memory.find("used_memory:");
  ASSERT_NE(at, std::string::npos) << memory;
  EXPECT_LT(std::stoll(memory.substr(at + 12)), 1024 * 1024) << memory;
  for (const int fd : waiting) {
    bool eof = false;
    EXPECT_EQ(readRaw(fd, 1, false, &eof, milliseconds(100)), "");
    EXPECT_FALSE(eof);
    ::close(fd);
  }
}

// Clients that vanish while megabytes of replies are still due to them (closed right after
// sending, reset mid-reply, half-closed then closed): the node's writes to them fail, which
// must cost those clients their connections and nothing else.
TEST_F(CacheNodeTest, ClientsVanishingWithRepliesQueuedDoNotStopTheNode) {
  const int setter = connectRaw();
  const std::string value(1024 * 1024, 'v');
  sendAll(setter, "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(value.size()) + "\r\n" +
                      value + "\r\n");
  EXPECT_EQ(readRaw(setter, 5, false), "+OK\r\n");
  std::string gets;
  for (int i = 0; i < 32; i++) {
    gets += "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
  }
  for (int round = 0; round < 12; round++) {
    const int fd = connectRaw();
    sendAll(fd, gets);
    if (round % 3 == 1) {
      // Wait for the first reply byte so the node is mid-write when the reset lands.
      char first[1];
      EXPECT_EQ(::recv(fd, first, sizeof(first), 0), 1);
      const linger reset{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    } else if (round % 3 == 2) {
      ::shutdown(fd, SHUT_WR);
    }
    ::close(fd);
  }
  sendAll(setter, "*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(readRaw(setter, 7, false), "+PONG\r\n");
  ::close(setter);
  EXPECT_TRUE(node_.running()) << node_.log();
  const int status = node_.stop();
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status << "\n" << node_.log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << node_.log();
}

}  // namespace
}  // namespace strata::testing
