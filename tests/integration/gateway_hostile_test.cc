// End-to-end tests of the gateway against hostile peers: clients that do not read what they
// asked for, smuggle requests behind CONNECT, forge Host fields or fragments; upstreams that send
// malformed or endless responses. Each test checks what the client receives, what the upstream
// receives, and that the gateway keeps serving.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/gateway_hostile_support.h"

namespace strata::testing::hostile {
namespace {

// Decodes a chunked body from the upstream side; `chunks` counts its data chunks. Sets ok=false
// on a framing error or timeout.
std::string readChunkedBody(SocketIo& io, size_t& chunks, bool& ok) {
  std::string body;
  chunks = 0;
  ok = false;
  while (true) {
    const auto eol = io.waitFor("\r\n", Clock::now() + kWait);
    if (eol == std::string::npos) {
      return body;
    }
    const size_t size = std::strtoull(io.buffer().substr(0, eol).c_str(), nullptr, 16);
    io.buffer().erase(0, eol + 2);
    if (size == 0) {
      ok = io.waitFor("\r\n", Clock::now() + kWait) == 0;
      io.buffer().erase(0, 2);
      return body;
    }
    if (!io.waitForBytes(size + 2, Clock::now() + kWait)) {
      return body;
    }
    body.append(io.buffer(), 0, size);
    io.buffer().erase(0, size + 2);
    ++chunks;
  }
}

// A chunked body of `n` one-byte chunks spelling `text` repeatedly; returns the wire form and
// sets `body` to the decoded bytes.
std::string tinyChunks(size_t n, std::string& body) {
  static constexpr std::string_view kText = "abcdefghijklmnopqrstuvwxyz";
  std::string wire;
  body.clear();
  for (size_t i = 0; i < n; ++i) {
    const char c = kText[i % kText.size()];
    wire += "1\r\n";
    wire += c;
    wire += "\r\n";
    body += c;
  }
  wire += "0\r\n\r\n";
  return wire;
}

size_t vmRssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::strtoull(line.c_str() + 6, nullptr, 10);
    }
  }
  return 0;
}

// A client whose tiny receive buffer keeps unread responses in the gateway, not in this socket.
int connectWithSmallReceiveBuffer(uint16_t port) {
  return connectLoopback(port, /*rcvbuf=*/4096);
}

// ---- clients that do not read ---------------------------------------------------------------

TEST_F(GatewayHostileTest, PipelinedRequestsWaitWhileTheClientDoesNotRead) {
  constexpr size_t kRequests = 1000;
  constexpr size_t kBodyBytes = 48 * 1024;
  HeadLog log;
  ScriptedUpstream upstream({answerAll(log, [](size_t i, const std::string&) {
    std::string body = "response " + std::to_string(i) + " ";
    body.resize(kBodyBytes, 'x');
    return okResponse(body);
  })});
  startGateway(upstream.port());
  const size_t rss_before = vmRssKiB(gateway_.pid());

  SocketIo client(connectWithSmallReceiveBuffer(port_));
  ASSERT_TRUE(client.ok());
  std::string pipeline;
  for (size_t i = 0; i < kRequests; ++i) {
    pipeline += "GET /item/" + std::to_string(i) + " HTTP/1.1\r\nHost: a.test\r\n\r\n";
  }
  ASSERT_TRUE(client.send(pipeline));

  // The gateway answers until the client's socket and its own write queue are full, then stops
  // taking requests off the pipeline: the upstream sees only what fits in those buffers (a few
  // megabytes), not all 48 MB of responses.
  const size_t forwarded = log.settle(std::chrono::milliseconds(700), std::chrono::seconds(20));
  EXPECT_LT(forwarded, kRequests / 2);
  EXPECT_LT(vmRssKiB(gateway_.pid()), rss_before + 200 * 1024);

  // Reading resumes the pipeline, and every response arrives, in order.
  for (size_t i = 0; i < kRequests; ++i) {
    auto response = client.readResponse(false, std::chrono::milliseconds(20000));
    ASSERT_TRUE(response) << "response " << i;
    ASSERT_EQ(response->body.size(), kBodyBytes);
    ASSERT_EQ(response->body.rfind("response " + std::to_string(i) + " ", 0), 0u);
  }
  EXPECT_EQ(log.size(), kRequests);
}

TEST_F(GatewayHostileTest, ClientThatStopsReadingIsCutOffAndReleasesTheUpstream) {
  std::atomic<int> upstream_send = 0;  // 0 pending, 1 completed, -1 failed
  ScriptedUpstream upstream({
      [&](SocketIo& io) {
        readHead(io);
        const std::string body(16 * 1024 * 1024, 'b');
        upstream_send = io.send(okResponse(body)) ? 1 : -1;
      },
      [](SocketIo& io) {
        readHead(io);
        io.send(okResponse("still here"));
        readHead(io);
      },
  });
  startGateway(upstream.port(), ", idle_timeout: 300ms");
  SocketIo client(connectWithSmallReceiveBuffer(port_));
  ASSERT_TRUE(client.ok());
  client.send("GET /big HTTP/1.1\r\nHost: a.test\r\n\r\n");
  // The client reads nothing. Once the gateway's write queue has been full for a whole idle
  // timeout it closes the client and the upstream connection, so the upstream's blocked send
  // fails instead of hanging for as long as the client likes.
  const auto deadline = Clock::now() + kWait;
  while (upstream_send == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(upstream_send, -1);

  RawHttpClient other(port_);
  other.send("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto response = other.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "still here");
}

TEST_F(GatewayHostileTest, UploadToAStalledUpstreamIsHeldBackNotBuffered) {
  constexpr size_t kBody = 64 * 1024 * 1024;
  std::atomic<bool> start_reading = false;
  std::atomic<size_t> upstream_got = 0;
  ScriptedUpstream upstream({[&](SocketIo& io) {
    readHead(io);
    while (!start_reading) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    size_t got = io.buffer().size();
    io.buffer().clear();
    while (got < kBody && io.fill(Clock::now() + kWait)) {
      got += io.buffer().size();
      io.buffer().clear();
    }
    upstream_got = got;
    io.send(okResponse("stored"));
    readHead(io);
  }});
  startGateway(upstream.port(), "", ", response_timeout: 30s");
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("PUT /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: " + std::to_string(kBody) +
              "\r\n\r\n");
  // Push until the socket stops taking bytes for a while: with the upstream not reading, only
  // socket buffers and the gateway's bounded queues can hold the body.
  const std::string piece(64 * 1024, 'u');
  size_t sent = 0;
  auto last_progress = Clock::now();
  while (sent < kBody && Clock::now() - last_progress < std::chrono::milliseconds(500)) {
    const ssize_t n = ::send(client.fd(), piece.data(), std::min(piece.size(), kBody - sent),
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      last_progress = Clock::now();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  EXPECT_LT(sent, kBody * 5 / 8) << "the gateway buffered the body instead of pausing the client";
  // Once the upstream reads, the rest flows and every byte arrives.
  start_reading = true;
  while (sent < kBody) {
    const ssize_t n =
        ::send(client.fd(), piece.data(), std::min(piece.size(), kBody - sent), MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    sent += static_cast<size_t>(n);
  }
  auto response = client.readResponse(false, std::chrono::milliseconds(30000));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "stored");
  EXPECT_EQ(upstream_got, kBody);
}

TEST_F(GatewayHostileTest, BodiesOfTinyChunksAreForwardedInFewPieces) {
  // One queued write per one-byte chunk cost about 75 MB of bookkeeping per connection before
  // back-pressure (which counts payload bytes) stopped the client; each read is forwarded as one
  // piece instead, in both directions.
  constexpr size_t kChunks = 20000;
  std::string request_body;
  const std::string request_wire = tinyChunks(kChunks, request_body);
  std::string response_body;
  const std::string response_wire = tinyChunks(kChunks, response_body);
  size_t upstream_chunks = 0;
  bool upstream_ok = false;
  std::string upstream_body;
  ScriptedUpstream upstream({[&](SocketIo& io) {
    readHead(io);
    upstream_body = readChunkedBody(io, upstream_chunks, upstream_ok);
    io.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + response_wire);
    readHead(io);
  }});
  startGateway(upstream.port());
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("POST /tiny HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n" +
              request_wire);
  // Read the raw response to count its chunks.
  const auto head_end = client.waitFor("\r\n\r\n", Clock::now() + kWait);
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_EQ(client.buffer().rfind("HTTP/1.1 200 ", 0), 0u);
  client.buffer().erase(0, head_end + 4);
  size_t client_chunks = 0;
  bool client_ok = false;
  const std::string received = readChunkedBody(client, client_chunks, client_ok);
  EXPECT_TRUE(upstream_ok);
  EXPECT_TRUE(upstream_body == request_body);
  EXPECT_LT(upstream_chunks, kChunks / 10);
  EXPECT_TRUE(client_ok);
  EXPECT_TRUE(received == response_body);
  EXPECT_LT(client_chunks, kChunks / 10);
}

TEST_F(GatewayHostileTest, TwoThousandIdleConnectionsNeitherStopNewClientsNorStayForever) {
  constexpr size_t kIdle = 2000;
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur < 3 * kIdle) {
    GTEST_SKIP() << "needs an open-file limit of " << 3 * kIdle;
  }
  HeadLog log;
  ScriptedUpstream upstream(
      {answerAll(log, [](size_t, const std::string&) { return okResponse("served"); })});
  startGateway(upstream.port(), ", idle_timeout: 1s");
  std::vector<std::unique_ptr<RawHttpClient>> idle;
  for (size_t i = 0; i < kIdle; ++i) {
    idle.push_back(std::make_unique<RawHttpClient>(port_));
    ASSERT_TRUE(idle.back()->ok()) << i;
  }
  RawHttpClient fresh(port_);
  ASSERT_TRUE(fresh.ok());
  fresh.send("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto response = fresh.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "served");
  // Every idle connection is closed by the idle timeout.
  size_t closed = 0;
  for (auto& client : idle) {
    closed += client->closedWithin(std::chrono::seconds(5)) ? 1 : 0;
  }
  EXPECT_EQ(closed, kIdle);
}

// ---- requests that would let the gateway and the upstream disagree --------------------------

TEST_F(GatewayHostileTest, ConnectIsRefusedAndWhatFollowsIsNeverReadAsRequests) {
  HeadLog log;
  ScriptedUpstream upstream(
      {answerAll(log, [](size_t, const std::string&) { return okResponse("upstream"); })});
  startGateway(upstream.port());
  // The bytes after a CONNECT belong to the tunnel the client asked for; here they spell a
  // request, which must not be answered, nor forwarded.
  const auto raw = exchange(
      "CONNECT internal.example:443 HTTP/1.1\r\nHost: internal.example:443\r\n\r\n"
      "GET /admin HTTP/1.1\r\nHost: a.test\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 501 ", 0), 0u) << raw;
  EXPECT_NE(raw.find("Connection: close\r\n"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("HTTP/1.1", 1), std::string::npos) << raw;  // exactly one response
  EXPECT_EQ(log.size(), 0u);
  EXPECT_EQ(upstream.accepted(), 0);
}

TEST_F(GatewayHostileTest, ForgedAuthoritiesAndFragmentsAreRefusedBeforeForwarding) {
  HeadLog log;
  ScriptedUpstream upstream(
      {answerAll(log, [](size_t, const std::string&) { return okResponse("upstream"); })});
  startGateway(upstream.port());
  const std::vector<std::string> refused = {
      // A Host with a path would file "/" of "a.test/x" under the cache key of a.test's "/x/".
      "GET / HTTP/1.1\r\nHost: a.test/x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a.test?x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: user@a.test\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a test\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a.test:80:80\r\n\r\n",
      "GET / HTTP/1.0\r\nHost: a.test/x\r\n\r\n",
      // Absolute-form: the authority becomes the Host sent upstream.
      "GET http://user@a.test/x HTTP/1.1\r\nHost: a.test\r\n\r\n",
      "GET http:///x HTTP/1.1\r\nHost: a.test\r\n\r\n",
      "GET http://a.test:x/ HTTP/1.1\r\nHost: a.test\r\n\r\n",
      // Fragments: some servers end the path at '#', others do not.
      "GET /public#/../admin HTTP/1.1\r\nHost: a.test\r\n\r\n",
      "GET /a?q=1#x HTTP/1.1\r\nHost: a.test\r\n\r\n",
      "GET * HTTP/1.1\r\nHost: a.test\r\n\r\n",
  };
  for (const auto& request : refused) {
    EXPECT_EQ(statusOf(request), 400) << request;
  }
  EXPECT_EQ(log.size(), 0u);
  // Valid spellings still pass, with the authority the upstream will see.
  EXPECT_EQ(statusOf("GET http://b.test:8080/x HTTP/1.1\r\nHost: a.test\r\n\r\n"), 200);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log.heads()[0].rfind("GET /x HTTP/1.1\r\n", 0), 0u) << log.heads()[0];
  EXPECT_NE(log.heads()[0].find("\r\nHost: b.test:8080\r\n"), std::string::npos);
}

// ---- hostile upstreams ----------------------------------------------------------------------

TEST_F(GatewayHostileTest, NoContentResponseLosesItsContentLengthAndTheClientStaysInStep) {
  ScriptedUpstream upstream({
      [](SocketIo& io) {
        readHead(io);
        // Content-Length on a 204 is forbidden; the five bytes are stray (the gateway drops the
        // connection). A client that believed the field would eat the next response's bytes.
        io.send("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello");
        readHead(io, std::chrono::milliseconds(500));
      },
      [](SocketIo& io) {
        readHead(io);
        io.send(okResponse("second"));
        readHead(io);
      },
  });
  startGateway(upstream.port());
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("DELETE /thing HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto first = client.readResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 204);
  EXPECT_FALSE(first->header("content-length"));
  EXPECT_FALSE(first->header("transfer-encoding"));
  client.send("GET /next HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto second = client.readResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "second");
}

TEST_F(GatewayHostileTest, MalformedUpstreamHeadsAreRefused) {
  HeadLog log;
  const std::vector<std::string> replies = {
      // A bare CR ends a line only for a lenient parser.
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\rXok",
      // Whitespace before a colon is never forwarded.
      "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
      "HTTP/1.1 999 Beyond\r\nContent-Length: 2\r\n\r\nok",
      std::string("HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\nok"),
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;" + std::string(100 * 1024, 'e') +
          "\r\nok\r\n0\r\n\r\n",
  };
  std::vector<ScriptedUpstream::Script> scripts;
  for (const auto& reply : replies) {
    scripts.push_back([&log, reply](SocketIo& io) {
      log.add(readHead(io));
      io.send(reply);
      readHead(io, std::chrono::milliseconds(500));
    });
  }
  ScriptedUpstream upstream(std::move(scripts));
  startGateway(upstream.port());
  // The last one fails after its head went out: the client sees a truncated chunked body.
  const std::vector<int> expected = {502, 502, 502, 502, 200};
  for (size_t i = 0; i < replies.size(); ++i) {
    SCOPED_TRACE(i);
    RawHttpClient client(port_);
    ASSERT_TRUE(client.ok());
    client.send("GET /r" + std::to_string(i) +
                " HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n");
    const auto raw = client.readUntilClose(std::chrono::milliseconds(5000));
    EXPECT_EQ(raw.rfind("HTTP/1.1 " + std::to_string(expected[i]) + " ", 0), 0u) << raw;
    EXPECT_EQ(raw.find('\x01'), std::string::npos);
    if (i == 4) {
      EXPECT_EQ(raw.find("ok"), std::string::npos) << raw;
      EXPECT_FALSE(raw.ends_with("0\r\n\r\n")) << raw;
    }
  }
}

TEST_F(GatewayHostileTest, UpstreamFaultArrivingWithItsHeadIsA502NotAnEmptyReply) {
  // The head and the broken chunk size come in one read, so nothing had reached the client when
  // the fault showed: it gets a status, and its connection stays usable.
  ScriptedUpstream upstream({
      [](SocketIo& io) {
        readHead(io);
        io.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n-1\r\nx\r\n");
        readHead(io, std::chrono::milliseconds(500));
      },
      [](SocketIo& io) {
        readHead(io);
        io.send(okResponse("healthy"));
        readHead(io);
      },
  });
  startGateway(upstream.port());
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("GET /broken HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto broken = client.readResponse();
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 502);
  client.send("GET /next HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto next = client.readResponse();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "healthy");
}

TEST_F(GatewayHostileTest, EndlessInterimResponsesAreA502) {
  ScriptedUpstream upstream({
      [](SocketIo& io) {
        readHead(io);
        std::string flood;
        for (int i = 0; i < 20000; ++i) {
          flood += "HTTP/1.1 100 Continue\r\n\r\n";
        }
        io.send(flood + okResponse("late"));
        readHead(io, std::chrono::milliseconds(500));
      },
      [](SocketIo& io) {
        readHead(io);
        io.send("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" +
                okResponse("hinted"));
        readHead(io);
      },
  });
  startGateway(upstream.port());
  const auto flooded = exchange("GET /flood HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(flooded.rfind("HTTP/1.1 502 ", 0), 0u) << flooded.substr(0, 200);
  EXPECT_EQ(flooded.find("late"), std::string::npos);
  // A single interim response is still fine (and not forwarded).
  RawHttpClient client(port_);
  client.send("GET /hint HTTP/1.1\r\nHost: a.test\r\n\r\n");
  auto response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hinted");
}
}  // namespace
}  // namespace strata::testing::hostile
