// Helpers for the cache client tests: a bounded loop runner, a redis-server child process, an
// in-test RESP server (answering, silent or malformed) and an exactly-once callback log.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/client/cluster_client.h"
#include "cache/client/node_connection.h"
#include "cache/resp/resp.h"
#include "core/event/tcp.h"
#include "core/event/timer.h"
#include "tests/support/process.h"

namespace strata::cache::client::test {

using core::ErrorKind;
using core::Loop;

// Runs the loop until `done` holds or about `timeout_ms` of loop time passed.
inline bool runUntil(Loop& loop, const std::function<bool()>& done, int timeout_ms = 5000) {
  if (done()) {
    return true;
  }
  core::Timer poll(loop);
  int ticks = 0;
  poll.start(
      5,
      [&]() {
        if (done() || ++ticks * 5 >= timeout_ms) {
          loop.stop();
        }
      },
      5);
  loop.run();
  poll.stop();
  return done();
}

// Lets the loop run briefly, to catch callbacks that would fire a second time.
inline void settle(Loop& loop) {
  runUntil(
      loop, [] { return false; }, 50);
}

// A redis-server child process on a loopback port, without persistence.
class RedisNode {
 public:
  RedisNode(const testing::TempDir& dir, std::string name, uint16_t port = 0)
      : dir_(dir), name_(std::move(name)), port_(port == 0 ? testing::freePort() : port) {}

  bool start() {
    process_ = testing::ChildProcess(
        {"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", dir_.path()},
        dir_.file(name_ + "-" + std::to_string(starts_++) + ".log"));
    return testing::waitForPort(port_);
  }
  void kill() { process_.kill(); }
  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& name() const { return name_; }

 private:
  const testing::TempDir& dir_;
  std::string name_;
  uint16_t port_;
  int starts_ = 0;
  testing::ChildProcess process_;
};

inline bool haveRedis() {
  return !testing::findProgram("redis-server").empty();
}

// Counts callback invocations per request so tests can assert "exactly once".
struct CallLog {
  std::map<int, int> calls;
  void hit(int id) { calls[id]++; }
  bool allOnce(int expected) const {
    if (static_cast<int>(calls.size()) != expected) {
      return false;
    }
    for (const auto& [id, count] : calls) {
      if (count != 1) {
        return false;
      }
    }
    return true;
  }
};

// A RESP server inside the test: answers GET/SET/PING from a map using the codec (Answer),
// reads everything and never answers (Silent), or answers with bytes that are not RESP.
enum class Mode { Answer, Silent, Garbage };

class FakeServer {
 public:
  FakeServer(Loop& loop, Mode mode) : loop_(loop), listener_(loop), mode_(mode) {
    auto address = core::SocketAddress::parse("127.0.0.1:0");
    EXPECT_TRUE(address);
    EXPECT_TRUE(
        listener_.listen(*address, false, 16, [this](std::unique_ptr<core::TcpConnection> c) {
          accepted_++;
          sessions_.push_back(std::make_unique<Session>(this, std::move(c)));
        }));
  }
  std::string address() const { return listener_.boundAddress().toString(); }
  int accepted() const { return accepted_; }
  size_t bytesReceived() const { return bytes_received_; }
  void close() {
    listener_.close();
    sessions_.clear();
  }

 private:
  struct Session : core::ConnectionHandler {
    Session(FakeServer* server, std::unique_ptr<core::TcpConnection> conn)
        : server(server), conn(std::move(conn)) {
      this->conn->setHandler(this);
      this->conn->startReading();
    }
    void onData(std::string_view bytes) override {
      server->bytes_received_ += bytes.size();
      if (server->mode_ == Mode::Silent) {
        return;
      }
      if (server->mode_ == Mode::Garbage) {
        conn->write(std::string("?not resp\r\n"));
        return;
      }
      buffer.append(bytes);
      std::string out;
      while (true) {
        size_t consumed = 0;
        std::vector<std::string> argv;
        const auto outcome = parser.parse(buffer, consumed, argv);
        if (outcome == resp::ParseOutcome::NeedMore) {
          break;
        }
        if (outcome == resp::ParseOutcome::Error) {
          resp::appendError(out, parser.error());
          break;
        }
        buffer.erase(0, consumed);
        answer(argv, out);
      }
      // One byte per write, to exercise the client's incremental reply parsing.
      for (char c : out) {
        conn->write(std::string(1, c));
      }
    }
    void answer(const std::vector<std::string>& argv, std::string& out) {
      auto& data = server->data_;
      if (argv.size() == 2 && argv[0] == "GET") {
        auto it = data.find(argv[1]);
        if (it == data.end()) {
          resp::appendNull(out);
        } else {
          resp::appendBulk(out, it->second);
        }
      } else if (argv.size() >= 3 && argv[0] == "SET") {
        data[argv[1]] = argv[2];
        resp::appendStatus(out, "OK");
      } else if (argv.size() == 1 && argv[0] == "PING") {
        resp::appendStatus(out, "PONG");
      } else {
        resp::appendError(out, "ERR unknown command");
      }
    }
    void onEof() override { conn->close(); }
    void onError(const core::Error&) override { conn->close(); }

    FakeServer* server;
    std::unique_ptr<core::TcpConnection> conn;
    resp::RequestParser parser;
    std::string buffer;
  };

  Loop& loop_;
  core::TcpListener listener_;
  Mode mode_;
  int accepted_ = 0;
  size_t bytes_received_ = 0;
  std::map<std::string, std::string> data_;
  std::vector<std::unique_ptr<Session>> sessions_;
};

inline std::unique_ptr<ClusterClient> makeClient(Loop& loop, const std::vector<ClusterNode>& nodes,
                                                 ClusterOptions options = {}) {
  auto client = ClusterClient::create(loop, nodes, options);
  EXPECT_TRUE(client) << (client ? "" : client.error().describe());
  return client ? std::move(*client) : nullptr;
}

inline bool waitConnected(Loop& loop, ClusterClient& client) {
  return runUntil(loop, [&] {
    for (size_t i = 0; i < client.nodeCount(); ++i) {
      if (!client.node(i).connected()) {
        return false;
      }
    }
    return true;
  });
}

// Synchronous helper: runs one command on one node and returns its reply.
inline core::Result<resp::Reply> runOnNode(Loop& loop, NodeConnection& node,
                                           const std::vector<std::string_view>& argv) {
  std::optional<core::Result<resp::Reply>> result;
  node.command(argv, [&](core::Result<resp::Reply> reply) { result = std::move(reply); });
  EXPECT_TRUE(runUntil(loop, [&] { return result.has_value(); }));
  if (!result) {
    return core::fail(ErrorKind::Internal, "no reply");
  }
  return std::move(*result);
}

}  // namespace strata::cache::client::test
