// End-to-end tests of the gateway against scripted upstreams that misbehave on purpose: a pooled
// keep-alive connection closed under a reused request (retried for idempotent methods only),
// close-delimited responses re-framed for HTTP/1.1 and HTTP/1.0 clients, hop-by-hop fields in
// responses, request bodies arriving byte-exact, large responses to a slow reader, and an
// upstream that dies mid-response.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/gateway_fixture.h"
#include "tests/integration/gateway_test_client.h"
#include "tests/support/process.h"

namespace strata::testing {
namespace {

// Decodes a chunked body; sets ok=false on a framing error or timeout.
std::string readChunked(SocketIo& io, bool& ok) {
  std::string body;
  ok = false;
  while (true) {
    const auto eol = io.waitFor("\r\n", Clock::now() + kScriptWait);
    if (eol == std::string::npos) {
      return body;
    }
    const size_t size = std::strtoull(io.buffer().substr(0, eol).c_str(), nullptr, 16);
    io.buffer().erase(0, eol + 2);
    if (size == 0) {
      ok = io.waitFor("\r\n", Clock::now() + kScriptWait) == 0;
      io.buffer().erase(0, 2);
      return body;
    }
    body += readExactly(io, size);
    if (readExactly(io, 2) != "\r\n") {
      return body;
    }
  }
}

class GatewayUpstreamTest : public SingleUpstreamGatewayTest {
 protected:
  void startGateway(uint16_t upstream_port, const std::string& listener_options = "",
                    const std::string& response_timeout = "10s") {
    SingleUpstreamGatewayTest::startGateway(upstream_port, listener_options,
                                            ", response_timeout: " + response_timeout);
  }
};

TEST_F(GatewayUpstreamTest, StalePooledConnectionIsRetriedForIdempotentRequests) {
  std::string second_head_on_fresh;
  ScriptedUpstream upstream({
      [](SocketIo& io) {
        readHead(io);
        io.send(okResponse("one"));
        // The next request arrives on the pooled connection; the peer closes without a byte,
        // as a server whose keep-alive timeout just expired does.
        readHead(io);
        io.closeFd();
      },
      [&](SocketIo& io) {
        second_head_on_fresh = readHead(io);
        io.send(okResponse("two"));
        readHead(io);  // hold the connection until the gateway closes it
      },
  });
  startGateway(upstream.port());
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("GET /one HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto first = client.readResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "one");
  client.send("GET /two HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto second = client.readResponse();
  ASSERT_TRUE(second) << gateway_.log();
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "two");
  EXPECT_EQ(second_head_on_fresh.rfind("GET /two HTTP/1.1\r\n", 0), 0u) << second_head_on_fresh;
  EXPECT_EQ(upstream.accepted(), 2);
}

TEST_F(GatewayUpstreamTest, NonIdempotentRequestIsNotRetried) {
  ScriptedUpstream upstream({
      [](SocketIo& io) {
        readHead(io);
        io.send(okResponse("one"));
        readHead(io);
        readExactly(io, 4);
        io.closeFd();
      },
  });
  startGateway(upstream.port());
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("GET /one HTTP/1.1\r\nHost: a.test\r\n\r\n");
  ASSERT_TRUE(client.readResponse());
  client.send("POST /pay HTTP/1.1\r\nHost: a.test\r\nContent-Length: 4\r\n\r\n1000");
  auto response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 502);
  EXPECT_EQ(upstream.accepted(), 1);
}

TEST_F(GatewayUpstreamTest, CloseDelimitedResponseIsReframedPerClientVersion) {
  const std::string body = randomBytes(100 * 1024, 5);
  ScriptedUpstream upstream({
      [&](SocketIo& io) {
        readHead(io);
        io.send("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n");
        io.send(body);
        io.closeFd();
      },
      [](SocketIo& io) {
        readHead(io);
        io.send(okResponse("after"));
        readHead(io);
      },
      [&](SocketIo& io) {
        readHead(io);
        io.send("HTTP/1.0 200 OK\r\n\r\n" + body);
        io.closeFd();
      },
  });
  startGateway(upstream.port());
  {
    RawHttpClient client(port_);
    ASSERT_TRUE(client.ok());
    client.send("GET /stream HTTP/1.1\r\nHost: a.test\r\n\r\n");
    auto response = client.readResponse();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->header("transfer-encoding").value_or(""), "chunked");
    EXPECT_TRUE(response->body == body);
    // Chunked framing kept the client connection usable.
    client.send("GET /after HTTP/1.1\r\nHost: a.test\r\n\r\n");
    auto next = client.readResponse();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->body, "after");
  }
  RawHttpClient old(port_);
  ASSERT_TRUE(old.ok());
  old.send("GET /stream HTTP/1.0\r\n\r\n");
  const auto raw = old.readUntilClose(std::chrono::milliseconds(10000));
  const auto head_end = raw.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << raw.substr(0, 200);
  const auto head = raw.substr(0, head_end);
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: close"), std::string::npos) << head;
  EXPECT_TRUE(raw.substr(head_end + 4) == body);
}

TEST_F(GatewayUpstreamTest, HopByHopResponseFieldsAreRemoved) {
  ScriptedUpstream upstream({
      [](SocketIo& io) {
        readHead(io);
        io.send(
            "HTTP/1.1 200 OK\r\nConnection: close, X-Internal\r\nX-Internal: secret\r\n"
            "Keep-Alive: timeout=5\r\nX-Public: yes\r\nContent-Length: 2\r\n\r\nhi");
        io.closeFd();
      },
      [](SocketIo& io) {
        readHead(io);
        io.send(okResponse("again"));
        readHead(io);
      },
  });
  startGateway(upstream.port());
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "hi");
  EXPECT_EQ(response->header("x-public").value_or(""), "yes");
  EXPECT_FALSE(response->header("x-internal"));
  EXPECT_FALSE(response->header("keep-alive"));
  // The upstream's "Connection: close" ends the upstream connection, not the client's.
  EXPECT_FALSE(response->header("connection"));
  client.send("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto next = client.readResponse();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "again");
}

TEST_F(GatewayUpstreamTest, RequestBodiesArriveByteExact) {
  const std::string chunked_body = randomBytes(200 * 1024, 9);
  const std::string length_body = randomBytes(300 * 1024, 10);
  std::string chunked_head;
  std::string length_head;
  bool chunked_ok = false;
  std::string chunked_seen;
  std::string length_seen;
  ScriptedUpstream upstream({
      [&](SocketIo& io) {
        chunked_head = readHead(io);
        chunked_seen = readChunked(io, chunked_ok);
        io.send(okResponse("got chunked"));
        length_head = readHead(io);
        length_seen = readExactly(io, length_body.size());
        io.send(okResponse("got length"));
        readHead(io);
      },
  });
  startGateway(upstream.port());
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  // Chunked in uneven pieces, each its own write.
  client.send("POST /c HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n");
  size_t offset = 0;
  size_t piece = 1000;
  while (offset < chunked_body.size()) {
    const size_t n = std::min(piece, chunked_body.size() - offset);
    char size_line[32];
    std::snprintf(size_line, sizeof(size_line), "%zx\r\n", n);
    client.send(std::string(size_line) + chunked_body.substr(offset, n) + "\r\n");
    offset += n;
    piece = piece * 3 % 70000 + 1;
  }
  client.send("0\r\n\r\n");
  auto first = client.readResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "got chunked");
  client.send("PUT /l HTTP/1.1\r\nHost: a.test\r\nContent-Length: " +
              std::to_string(length_body.size()) + "\r\n\r\n" + length_body);
  auto second = client.readResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "got length");

  EXPECT_TRUE(chunked_ok);
  EXPECT_TRUE(chunked_seen == chunked_body) << chunked_seen.size();
  EXPECT_NE(chunked_head.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(chunked_head.find("Content-Length"), std::string::npos);
  EXPECT_TRUE(length_seen == length_body) << length_seen.size();
  EXPECT_NE(length_head.find("Content-Length: " + std::to_string(length_body.size()) + "\r\n"),
            std::string::npos)
      << length_head;
}

TEST_F(GatewayUpstreamTest, LargeResponseReachesASlowReaderIntact) {
  const std::string body = randomBytes(8 * 1024 * 1024, 13);
  ScriptedUpstream upstream({
      [&](SocketIo& io) {
        readHead(io);
        io.send(okResponse(body));
        readHead(io);
      },
  });
  startGateway(upstream.port());
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("GET /big HTTP/1.1\r\nHost: a.test\r\n\r\n");
  // Not reading for a while fills the client's socket buffers, so the gateway must stop
  // reading the upstream instead of buffering the whole body.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto response = client.readResponse(false, std::chrono::milliseconds(30000));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body.size(), body.size());
  EXPECT_TRUE(response->body == body);
}

TEST_F(GatewayUpstreamTest, SlowReaderIsNotMistakenForASilentUpstream) {
  const std::string body = randomBytes(8 * 1024 * 1024, 17);
  ScriptedUpstream upstream({
      [&](SocketIo& io) {
        readHead(io);
        io.send(okResponse(body));
        readHead(io);
      },
  });
  startGateway(upstream.port(), "", "300ms");
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("GET /big HTTP/1.1\r\nHost: a.test\r\n\r\n");
  // The gateway stops reading the upstream while this client is not reading; that pause is
  // the client's doing and must not count as the upstream's 300ms of silence.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto response = client.readResponse(false, std::chrono::milliseconds(30000));
  ASSERT_TRUE(response);
  EXPECT_TRUE(response->body == body) << response->body.size();
}

TEST_F(GatewayUpstreamTest, StalledRequestBodyIsA408) {
  ScriptedUpstream upstream({
      [](SocketIo& io) {
        readHead(io);
        // Waits for a body that never completes; the gateway gives up on the client.
        readExactly(io, 10);
      },
  });
  startGateway(upstream.port(), ", idle_timeout: 300ms");
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: 10\r\n\r\nabc");
  auto response = client.readResponse(false, std::chrono::milliseconds(10000));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 408);
  EXPECT_EQ(response->header("connection").value_or(""), "close");
  EXPECT_TRUE(client.closedWithin(std::chrono::seconds(10)));
}

TEST_F(GatewayUpstreamTest, UpstreamDyingMidResponseClosesTheClient) {
  ScriptedUpstream upstream({
      [](SocketIo& io) {
        readHead(io);
        io.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
        io.closeFd();
      },
  });
  startGateway(upstream.port());
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
  // The head went out already, so no error status can follow: the client sees a truncated body
  // and a closed connection, never a hang.
  EXPECT_TRUE(client.closedWithin(std::chrono::seconds(10)));
  const auto raw = client.take();
  EXPECT_EQ(raw.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("only part"), std::string::npos);
}

TEST_F(GatewayUpstreamTest, InvalidUpstreamResponseIsA502) {
  ScriptedUpstream upstream({
      [](SocketIo& io) {
        readHead(io);
        io.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
        readHead(io);
      },
  });
  startGateway(upstream.port());
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 502);
}

TEST_F(GatewayUpstreamTest, IdleClientConnectionsAreClosed) {
  ScriptedUpstream upstream({
      [](SocketIo& io) {
        readHead(io);
        io.send(okResponse("x"));
        readHead(io);
      },
  });
  startGateway(upstream.port(), ", idle_timeout: 300ms");
  RawHttpClient silent(port_);
  ASSERT_TRUE(silent.ok());
  EXPECT_TRUE(silent.closedWithin(std::chrono::seconds(10)));
  EXPECT_EQ(silent.take(), "");

  RawHttpClient kept(port_);
  ASSERT_TRUE(kept.ok());
  kept.send("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto response = kept.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "x");
  EXPECT_TRUE(kept.closedWithin(std::chrono::seconds(10)));

  // A client that trickles its head does not keep the connection either.
  RawHttpClient slow(port_);
  ASSERT_TRUE(slow.ok());
  slow.send("GET / HTTP/1.1\r\n");
  EXPECT_TRUE(slow.closedWithin(std::chrono::seconds(10)));
}

TEST_F(GatewayUpstreamTest, CodecErrorsAnswerWithTheDecodersStatusAndClose) {
  ScriptedUpstream upstream({
      [](SocketIo& io) {
        readHead(io);
        io.send(okResponse("fine"));
        readHead(io);
      },
  });
  startGateway(upstream.port(), ", max_body_bytes: 1KiB, max_header_bytes: 4KiB");
  struct Case {
    std::string input;
    int status;
  };
  const std::vector<Case> cases = {
      {"POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5000\r\n\r\n", 413},
      {"GET / HTTP/1.1\r\nHost: a.test\r\nX-Big: " + std::string(8000, 'x') + "\r\n\r\n", 431},
      {"POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
      {"GET / HTTP/1.1\r\n\r\n", 400},  // HTTP/1.1 without Host
  };
  for (const auto& c : cases) {
    RawHttpClient client(port_);
    ASSERT_TRUE(client.ok());
    client.send(c.input);
    auto response = client.readResponse();
    ASSERT_TRUE(response) << c.input.substr(0, 60);
    EXPECT_EQ(response->status, c.status) << c.input.substr(0, 60);
    EXPECT_EQ(response->header("connection").value_or(""), "close");
    EXPECT_TRUE(client.closedWithin(std::chrono::seconds(10)));
  }
  // None of them reached the upstream; a valid request still does.
  EXPECT_EQ(upstream.accepted(), 0);
  RawHttpClient client(port_);
  client.send("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "fine");
}

}  // namespace
}  // namespace strata::testing
