// Tests for the libuv TCP wrappers: echo round trip, connect refused, owner destroyed inside its
// own callback, and a clean loop close after each.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/event/tcp.h"
#include "core/event/timer.h"

namespace strata::core {
namespace {

class EchoServer : public ConnectionHandler {
 public:
  explicit EchoServer(std::unique_ptr<TcpConnection> conn) : conn_(std::move(conn)) {
    conn_->setHandler(this);
    conn_->startReading();
  }
  void onData(std::string_view bytes) override { conn_->write(bytes); }
  void onEof() override { conn_->close(); }
  void onError(const Error&) override { conn_->close(); }

 private:
  std::unique_ptr<TcpConnection> conn_;
};

class Client : public ConnectionHandler {
 public:
  std::unique_ptr<TcpConnection> conn;
  std::string received;
  int connected_calls = 0;
  Status connect_result;
  std::function<void()> on_data;
  void onConnected(const Status& result) override {
    connected_calls++;
    connect_result = result;
    if (result) {
      conn->startReading();
      conn->write(std::string("hello"));
    }
  }
  void onData(std::string_view bytes) override {
    received.append(bytes);
    if (on_data) {
      on_data();
    }
  }
  void onEof() override {}
  void onError(const Error&) override {}
};

TEST(TcpTest, EchoRoundTripAndCleanClose) {
  Loop loop;
  std::vector<std::unique_ptr<EchoServer>> servers;
  TcpListener listener(loop);
  auto address = SocketAddress::parse("127.0.0.1:0");
  ASSERT_TRUE(address);
  ASSERT_TRUE(listener.listen(*address, false, 16, [&](std::unique_ptr<TcpConnection> c) {
    servers.push_back(std::make_unique<EchoServer>(std::move(c)));
  }));
  const auto bound = listener.boundAddress();
  ASSERT_NE(bound.port(), 0);

  Client client;
  client.conn = TcpConnection::connect(loop, bound, &client);
  client.on_data = [&] {
    if (client.received == "hello") {
      client.conn.reset();  // destroyed inside its own callback
      listener.close();
      servers.clear();
    }
  };
  {
    Timer guard(loop);
    guard.start(5000, [&] { loop.stop(); });
    guard.unref();
    loop.run();
  }
  EXPECT_EQ(client.connected_calls, 1);
  EXPECT_EQ(client.received, "hello");
  EXPECT_EQ(loop.close(), 0);
}

TEST(TcpTest, ConnectRefusedIsReportedOnce) {
  Loop loop;
  // Find a port nobody listens on: bind, read the port, close.
  SocketAddress closed_address;
  {
    TcpListener probe(loop);
    ASSERT_TRUE(probe.listen(*SocketAddress::parse("127.0.0.1:0"), false, 1, [](auto) {}));
    closed_address = probe.boundAddress();
  }
  Client client;
  client.conn = TcpConnection::connect(loop, closed_address, &client);
  loop.run();
  EXPECT_EQ(client.connected_calls, 1);
  ASSERT_FALSE(client.connect_result);
  EXPECT_EQ(client.connect_result.error().kind, ErrorKind::ConnectRefused);
  client.conn.reset();
  EXPECT_EQ(loop.close(), 0);
}

TEST(LoopTest, PostFromAnotherThreadRuns) {
  Loop loop;
  int ran = 0;
  std::thread t([&] { loop.post([&] { ran++; }); });
  t.join();
  {
    Timer timer(loop);
    timer.start(20, [&] { loop.stop(); });
    loop.run();
  }
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(loop.close(), 0);
}

TEST(SocketAddressTest, ParsesAndRejects) {
  EXPECT_EQ(SocketAddress::parse("127.0.0.1:80")->toString(), "127.0.0.1:80");
  EXPECT_EQ(SocketAddress::parse("[::1]:8080")->toString(), "[::1]:8080");
  EXPECT_EQ(SocketAddress::parse("localhost:1")->toString(), "127.0.0.1:1");
  EXPECT_FALSE(SocketAddress::parse("127.0.0.1"));
  EXPECT_FALSE(SocketAddress::parse("127.0.0.1:99999"));
  EXPECT_FALSE(SocketAddress::parse("example.com:80"));
  EXPECT_FALSE(SocketAddress::parse("1.2.3.4:8x"));
}

}  // namespace
}  // namespace strata::core
