// Tests for the cache node's server over real loopback connections: pipelining, inline
// commands, input split at every byte, case 23's malformed lengths (error and close, or skip),
// case 18 pipelined, QUIT, query-buffer limit, write back-pressure, and a clean loop close.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "cache/node/server.h"
#include "tests/support/socket.h"

namespace strata::cache::node {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using ::strata::testing::connectLoopbackClient;
using ::strata::testing::readBytes;
using ::strata::testing::sendAll;

// Runs a CacheServer on its own loop thread; the test talks to it with blocking sockets.
class NodeServerTest : public ::testing::Test {
 protected:
  void startServer(ServerOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<CacheServer>(loop_, clock_, options);
    ASSERT_TRUE(server_->start());
    port_ = server_->port();
    thread_ = std::thread([this] { loop_.run(); });
  }

  // Stops the server on its thread, joins, and checks every handle was released.
  void stopServer() {
    loop_.post([this] {
      server_->stop();
      loop_.stop();
    });
    thread_.join();
    stats_ = server_->stats();
    server_.reset();
    EXPECT_EQ(loop_.close(), 0);
  }

  void TearDown() override {
    if (thread_.joinable()) {
      stopServer();
    }
  }

  int connectClient() { return connectLoopbackClient(port_); }

  // Reads exactly one RESP reply (10 s bound) and returns its bytes.
  static std::string readReply(int fd) {
    std::string bytes;
    resp::ReplyParser parser;
    resp::Reply reply;
    const auto deadline = steady_clock::now() + milliseconds(10000);
    while (steady_clock::now() < deadline) {
      size_t consumed = 0;
      if (!bytes.empty() && parser.parse(bytes, consumed, reply) == resp::ParseOutcome::Done) {
        return bytes;
      }
      pollfd p{fd, POLLIN, 0};
      char buffer[4096];
      if (::poll(&p, 1, 100) <= 0) {
        continue;
      }
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        break;
      }
      bytes.append(buffer, static_cast<size_t>(n));
    }
    return bytes;
  }

  // Sends a request and reads exactly the expected number of reply bytes.
  static std::string roundTrip(int fd, std::string_view request, size_t reply_size) {
    sendAll(fd, request);
    return readBytes(fd, reply_size).bytes;
  }

  SystemClock clock_;
  core::Loop loop_;
  std::unique_ptr<CacheServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  ServerStats stats_;
};

std::string command(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (auto arg : args) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out.append(arg);
    out += "\r\n";
  }
  return out;
}

TEST_F(NodeServerTest, PipelinedMultibulkAndInlineCommands) {
  startServer();
  const int fd = connectClient();
  std::string request;
  std::string expected;
  for (int i = 0; i < 500; i++) {
    const std::string key = "key" + std::to_string(i);
    request += command({"SET", key, std::to_string(i)});
    request += command({"GET", key});
    expected +=
        "+OK\r\n$" + std::to_string(std::to_string(i).size()) + "\r\n" + std::to_string(i) + "\r\n";
  }
  request += "PING\r\nINCR counter\r\n\r\nECHO \"a b\"\r\n";
  expected += "+PONG\r\n:1\r\n$3\r\na b\r\n";
  EXPECT_EQ(roundTrip(fd, request, expected.size()), expected);
  ::close(fd);
  stopServer();
  EXPECT_EQ(stats_.total_commands_processed, 1003u);
}

TEST_F(NodeServerTest, CommandSplitAtEveryByte) {
  startServer();
  const int fd = connectClient();
  const std::string request = command({"SET", "split", "value"}) + command({"GET", "split"});
  for (char c : request) {
    sendAll(fd, std::string_view(&c, 1));
  }
  const std::string expected = "+OK\r\n$5\r\nvalue\r\n";
  EXPECT_EQ(readBytes(fd, expected.size()).bytes, expected);
  ::close(fd);
}

// Case 18 on the wire: each malformed command gets its own arity error, in order, and the
// connection stays usable.
TEST_F(NodeServerTest, Case18PipelinedArityErrors) {
  startServer();
  const int fd = connectClient();
  const std::string request =
      "*4\r\n$4\r\nMSET\r\n$4\r\nkey1\r\n$4\r\nval1\r\n$4\r\nkey2\r\n"
      "*2\r\n$4\r\nMSET\r\n$4\r\nkey1\r\n"
      "*1\r\n$4\r\nMSET\r\n"
      "*1\r\n$4\r\nMGET\r\n"
      "*1\r\n$3\r\nDEL\r\n"
      "*2\r\n$4\r\nMGET\r\n$4\r\nkey1\r\n"
      "*1\r\n$4\r\nPING\r\n";
  const std::string mset = "-ERR wrong number of arguments for 'mset' command\r\n";
  const std::string expected = mset + mset + mset +
                               "-ERR wrong number of arguments for 'mget' command\r\n"
                               "-ERR wrong number of arguments for 'del' command\r\n"
                               "*1\r\n$-1\r\n+PONG\r\n";
  EXPECT_EQ(roundTrip(fd, request, expected.size()), expected);
  ::close(fd);
}

// Case 23: a declared length out of bounds is answered with Redis's protocol error and the
// connection is closed after the reply; "*-1" and "*0" are skipped silently.
TEST_F(NodeServerTest, Case23MalformedLengthsCloseTheConnection) {
  startServer();
  const std::string multibulk = "-ERR Protocol error: invalid multibulk length\r\n";
  const std::string bulk = "-ERR Protocol error: invalid bulk length\r\n";
  const std::pair<std::string, std::string> cases[] = {
      {"*2147483648\r\n", multibulk},
      {"*9223372036854775807\r\n", multibulk},
      {"*2\r\n$2147483648\r\n", bulk},
      {"*2\r\n$-5\r\n", bulk},
      // Commands after the bad frame in the same packet are not run.
      {"*1\r\n$-1\r\n*1\r\n$4\r\nPING\r\n", bulk},
  };
  for (const auto& [request, reply] : cases) {
    const int fd = connectClient();
    sendAll(fd, request);
    const auto received = readBytes(fd, 0, /*until_eof=*/true);
    EXPECT_EQ(received.bytes, reply) << request;
    EXPECT_TRUE(received.eof) << request;
    ::close(fd);
  }
}

// Case 23 as Redis 7 answers it: a count up to INT_MAX is a promise the client may keep, so
// the node waits without a reply and without reserving memory for it; the connection is then
// bounded by the query-buffer limit, which charges each argument received, so millions of
// empty arguments cannot outgrow it where one large argument could not.
TEST_F(NodeServerTest, Case23HugeCountsWaitWithinTheQueryBufferLimit) {
  ServerOptions options;
  options.max_query_buffer = 1024 * 1024;
  startServer(options);
  for (const char* header : {"*2000000000\r\n", "*10000000\r\n", "*2147483647\r\n"}) {
    const int fd = connectClient();
    sendAll(fd, header);
    const auto waiting = readBytes(fd, 1, false, milliseconds(200));
    EXPECT_EQ(waiting.bytes, "") << header;
    EXPECT_FALSE(waiting.eof) << header;
    // 300 KB of empty arguments: a third of the limit in bytes, several times it in bookkeeping.
    std::string arguments;
    for (int i = 0; i < 50000; i++) {
      arguments += "$0\r\n\r\n";
    }
    sendAll(fd, arguments);
    const auto received = readBytes(fd, 0, /*until_eof=*/true);
    EXPECT_EQ(received.bytes, "") << header;
    EXPECT_TRUE(received.eof) << header;
    ::close(fd);
  }
  // A count that is kept runs as any other command.
  const int fd = connectClient();
  std::string mset = "*20001\r\n$4\r\nMSET\r\n";
  for (int i = 0; i < 10000; i++) {
    const std::string key = "k" + std::to_string(i);
    mset += "$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$1\r\nv\r\n";
  }
  EXPECT_EQ(roundTrip(fd, mset, 5), "+OK\r\n");
  EXPECT_EQ(roundTrip(fd, command({"DBSIZE"}), 8), ":10000\r\n");
  ::close(fd);
}

// Inline lines and header lines with a NUL byte before their end wait as in Redis, then hit
// the size limit; other clients are unaffected.
TEST_F(NodeServerTest, NulBeforeALineEndWaitsThenHitsTheSizeLimit) {
  using namespace std::string_literals;
  startServer();
  const std::pair<std::string, std::string> cases[] = {
      {"ECHO a\0b\r\nPING\r\n"s, "-ERR Protocol error: too big inline request\r\n"},
      {"*1\r\n$4\0\r\nPING\r\n"s, "-ERR Protocol error: too big bulk count string\r\n"},
  };
  for (const auto& [request, reply] : cases) {
    const int fd = connectClient();
    sendAll(fd, request);
    const auto waiting = readBytes(fd, 1, false, milliseconds(200));
    EXPECT_EQ(waiting.bytes, "");
    EXPECT_FALSE(waiting.eof);
    sendAll(fd, std::string(70000, 'x'));
    const auto received = readBytes(fd, 0, /*until_eof=*/true);
    EXPECT_EQ(received.bytes, reply);
    EXPECT_TRUE(received.eof);
    ::close(fd);
  }
  const int other = connectClient();
  EXPECT_EQ(roundTrip(other, command({"PING"}), 7), "+PONG\r\n");
  ::close(other);
}

TEST_F(NodeServerTest, Case23EmptyAndNullArraysAreSkipped) {
  startServer();
  for (const std::string request : {"*-1\r\n*1\r\n$4\r\nPING\r\n", "*0\r\n*1\r\n$4\r\nPING\r\n"}) {
    const int fd = connectClient();
    EXPECT_EQ(roundTrip(fd, request, 7), "+PONG\r\n");
    EXPECT_EQ(roundTrip(fd, command({"PING"}), 7), "+PONG\r\n");  // still open
    ::close(fd);
  }
}

TEST_F(NodeServerTest, ProtocolErrorLeavesOtherClientsAlone) {
  startServer();
  const int idle = connectClient();
  EXPECT_EQ(roundTrip(idle, command({"SET", "k", "v"}), 5), "+OK\r\n");
  const int bad = connectClient();
  sendAll(bad, "*1\r\n$abc\r\n");
  const auto received = readBytes(bad, 0, /*until_eof=*/true);
  EXPECT_EQ(received.bytes, "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(received.eof);
  ::close(bad);
  EXPECT_EQ(roundTrip(idle, command({"GET", "k"}), 7), "$1\r\nv\r\n");
  ::close(idle);
}

TEST_F(NodeServerTest, QuitRepliesThenCloses) {
  startServer();
  const int fd = connectClient();
  sendAll(fd, command({"QUIT"}) + command({"PING"}));
  const auto received = readBytes(fd, 0, /*until_eof=*/true);
  EXPECT_EQ(received.bytes, "+OK\r\n");
  EXPECT_TRUE(received.eof);
  ::close(fd);
}

TEST_F(NodeServerTest, OversizedQueryBufferClosesTheClient) {
  ServerOptions options;
  options.max_query_buffer = 4096;
  startServer(options);
  const int fd = connectClient();
  // A bulk that is legal by length but would need more buffering than allowed.
  sendAll(fd, "*2\r\n$3\r\nGET\r\n$100000\r\n" + std::string(8192, 'x'));
  const auto received = readBytes(fd, 0, /*until_eof=*/true);
  EXPECT_TRUE(received.eof);
  EXPECT_EQ(received.bytes, "");
  ::close(fd);
  const int other = connectClient();
  EXPECT_EQ(roundTrip(other, command({"PING"}), 7), "+PONG\r\n");
  ::close(other);
}

// A client that pipelines far more reply bytes than the socket takes: reading pauses at the
// write queue's high watermark and resumes once it drains; every reply arrives in order.
TEST_F(NodeServerTest, WriteBackPressurePausesAndResumes) {
  startServer();
  const int fd = connectClient();
  const std::string value(256 * 1024, 'v');
  EXPECT_EQ(roundTrip(fd, command({"SET", "big", value}), 5), "+OK\r\n");
  constexpr int kGets = 100;
  std::string request;
  for (int i = 0; i < kGets; i++) {
    request += command({"GET", "big"});
  }
  request += command({"PING"});
  sendAll(fd, request);
  const std::string one = "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  const size_t total = one.size() * kGets + 7;
  const auto received = readBytes(fd, total);
  ASSERT_EQ(received.bytes.size(), total);
  for (int i = 0; i < kGets; i++) {
    ASSERT_EQ(received.bytes.compare(one.size() * i, one.size(), one), 0) << i;
  }
  EXPECT_EQ(received.bytes.substr(one.size() * kGets), "+PONG\r\n");
  ::close(fd);
  stopServer();
  EXPECT_GT(stats_.reads_paused, 0u);
  EXPECT_EQ(stats_.total_commands_processed, static_cast<uint64_t>(kGets + 2));
}

// A client that sent one large command holds no large buffers once it idles: neither the
// query buffer the value arrived in nor the parsed arguments.
TEST_F(NodeServerTest, IdleClientGivesBackLargeCommandBuffers) {
  startServer();
  const int fd = connectClient();
  const std::string value(8 * 1024 * 1024, 'v');
  EXPECT_EQ(roundTrip(fd, command({"SET", "big", value}), 5), "+OK\r\n");
  // Measured on the loop thread, after the reply proved the command ran.
  std::promise<size_t> measured;
  loop_.post([&] { measured.set_value(server_->clientBufferBytes()); });
  EXPECT_LT(measured.get_future().get(), 256u * 1024);
  EXPECT_EQ(roundTrip(fd, command({"STRLEN", "big"}), 10), ":8388608\r\n");
  ::close(fd);
}

TEST_F(NodeServerTest, ActiveExpiryRunsOnTheTimer) {
  startServer();
  const int fd = connectClient();
  EXPECT_EQ(roundTrip(fd, command({"SET", "gone", "v", "PX", "1"}), 5), "+OK\r\n");
  // No access to the key: only the periodic cycle can remove it. Bounded wait.
  std::string dbsize;
  for (int i = 0; i < 100 && dbsize != ":0\r\n"; i++) {
    std::this_thread::sleep_for(milliseconds(20));
    dbsize = roundTrip(fd, command({"DBSIZE"}), 4);
  }
  EXPECT_EQ(dbsize, ":0\r\n");
  ::close(fd);
  stopServer();
  EXPECT_GT(stats_.active_expire_cycles, 0u);
}

TEST_F(NodeServerTest, ConnectedClientsCount) {
  startServer();
  const int a = connectClient();
  const int b = connectClient();
  // Both connections are accepted once each has had a reply.
  EXPECT_EQ(roundTrip(a, command({"PING"}), 7), "+PONG\r\n");
  EXPECT_EQ(roundTrip(b, command({"PING"}), 7), "+PONG\r\n");
  sendAll(a, command({"INFO", "clients"}));
  const std::string reply = readReply(a);
  EXPECT_NE(reply.find("connected_clients:2\r\n"), std::string::npos) << reply;
  ::close(b);
  // The closed client is gone from the count (bounded wait for the server to notice).
  std::string after;
  for (int i = 0; i < 100 && after.find("connected_clients:1\r\n") == std::string::npos; i++) {
    std::this_thread::sleep_for(milliseconds(10));
    sendAll(a, command({"INFO", "clients"}));
    after = readReply(a);
  }
  EXPECT_NE(after.find("connected_clients:1\r\n"), std::string::npos) << after;
  ::close(a);
}

}  // namespace
}  // namespace strata::cache::node
