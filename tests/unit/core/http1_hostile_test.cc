// Tests for the HTTP/1 decoder against hostile peers beyond the case files: forged Host values
// and request-targets that let the gateway, the upstream and the cache disagree about the
// resource; bare CRs; responses with out-of-range statuses, control bytes in the reason, endless
// interim responses and endless chunk extensions. Also the authority validator.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/codec/http1/codec.h"
#include "core/http/authority.h"

namespace strata::core::http1 {
namespace {

class Recorder : public DecoderCallbacks {
 public:
  void onRequestHead(http::RequestHead&& head) override { requests.push_back(std::move(head)); }
  void onResponseHead(http::ResponseHead&& head) override { responses.push_back(std::move(head)); }
  void onBody(std::string_view chunk) override { body.append(chunk); }
  void onMessageComplete(http::HeaderMap&& /*trailers*/) override { ++completed; }

  std::vector<http::RequestHead> requests;
  std::vector<http::ResponseHead> responses;
  std::string body;
  size_t completed = 0;
};

// Feeds the whole input (resuming after each message), then again byte by byte; both runs must
// agree. Returns the decoder's error status, 0 when everything decoded.
int decodeStatus(Decoder::Kind kind, std::string_view input, Recorder* out = nullptr) {
  int statuses[2] = {0, 0};
  for (int run = 0; run < 2; ++run) {
    Recorder local;
    Recorder& rec = run == 0 && out != nullptr ? *out : local;
    Decoder decoder(kind, rec);
    const size_t piece = run == 0 ? input.size() : 1;
    std::string pending;
    for (size_t offset = 0; offset < input.size() && statuses[run] == 0; offset += piece) {
      pending.append(input.substr(offset, piece));
      while (!pending.empty()) {
        auto used = decoder.feed(pending);
        if (!used) {
          statuses[run] = decoder.errorStatus();
          break;
        }
        pending.erase(0, *used);
        if (!decoder.paused()) {
          break;
        }
        decoder.resume();
      }
    }
  }
  EXPECT_EQ(statuses[0], statuses[1]) << "byte-by-byte feeding disagrees";
  return statuses[0];
}

int requestStatus(std::string_view input, Recorder* out = nullptr) {
  return decodeStatus(Decoder::Kind::Request, input, out);
}

int responseStatus(std::string_view input, Recorder* out = nullptr) {
  return decodeStatus(Decoder::Kind::Response, input, out);
}

TEST(AuthorityTest, AcceptsHostsPortsAndIpLiterals) {
  for (const char* valid :
       {"", "example.com", "EXAMPLE.com", "example.com.", "example.com:80",
        "example.com:", "127.0.0.1:8080", "[::1]", "[::1]:443", "[2001:db8::7]:8080", "a-b_c~d",
        "xn--bcher-kva.example", "ex%41mple.com", "a!$&'()*+,;=b"}) {
    EXPECT_TRUE(http::isValidAuthority(valid)) << valid;
  }
}

TEST(AuthorityTest, RefusesWhatCouldBeReadAsAnotherResource) {
  for (const char* invalid : {"example.com/x",
                              "example.com?q",
                              "example.com#f",
                              "user@example.com",
                              "user:pw@host",
                              "a b",
                              "a\tb",
                              "example.com:80:80",
                              "example.com:8o",
                              "example.com:123456",
                              "::1",
                              "[::1",
                              "[::1]x",
                              "[::1]:8o",
                              "[ex ample]",
                              "a\\b",
                              "a\"b",
                              "a<b",
                              "ex%4",
                              "ex%zzb",
                              "a%",
                              "\x01",
                              "a\x7f"}) {
    EXPECT_FALSE(http::isValidAuthority(invalid)) << invalid;
  }
}

TEST(Http1HostileTest, InvalidHostIsA400) {
  for (const std::string host :
       {"example.com/x", "example.com?x", "user@example.com", "a b", "example.com:80:80", "[::1"}) {
    SCOPED_TRACE(host);
    EXPECT_EQ(requestStatus("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n"), 400);
    // Also for HTTP/1.0, where Host is optional but, when present, must still be valid.
    EXPECT_EQ(requestStatus("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n"), 400);
  }
  Recorder rec;
  EXPECT_EQ(requestStatus("GET / HTTP/1.1\r\nHost: EXAMPLE.com:80\r\n\r\n", &rec), 0);
  ASSERT_EQ(rec.requests.size(), 1u);
  EXPECT_EQ(rec.requests[0].host(), "EXAMPLE.com:80");
  EXPECT_EQ(requestStatus("GET / HTTP/1.1\r\nHost: \r\n\r\n"), 0);  // empty is allowed
}

TEST(Http1HostileTest, FragmentsAndMisplacedAsteriskFormAreRefused) {
  EXPECT_EQ(requestStatus("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(requestStatus("GET /a?x#/../admin HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(requestStatus("GET http://a/b#c HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(requestStatus("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(requestStatus("POST * HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"), 400);
  Recorder rec;
  EXPECT_EQ(requestStatus("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", &rec), 0);
  ASSERT_EQ(rec.requests.size(), 1u);
  EXPECT_EQ(rec.requests[0].target, "*");
}

TEST(Http1HostileTest, StatusOutsideTheClassesAndControlBytesInTheReasonAre502) {
  for (const std::string line :
       {"HTTP/1.1 600 X", "HTTP/1.1 999 Weird", "HTTP/1.1 200 O\x01K", "HTTP/1.1 200 O\x7fK"}) {
    SCOPED_TRACE(line);
    EXPECT_EQ(responseStatus(line + "\r\nContent-Length: 0\r\n\r\n"), 502);
  }
  Recorder rec;
  EXPECT_EQ(responseStatus("HTTP/1.1 599 Whatever\tit is \xe2\x9c\x93\r\nContent-Length: 0\r\n\r\n",
                           &rec),
            0);
  ASSERT_EQ(rec.responses.size(), 1u);
  EXPECT_EQ(rec.responses[0].status, 599);
}

TEST(Http1HostileTest, BareCrIsRefusedWhereverALineCouldEnd) {
  // llhttp 8.1 outside strict mode takes "CR + any byte" as a line end, so the same bytes would
  // frame differently depending on how reads split them. Both feeds above must refuse them all.
  const std::string post = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const std::string& input : std::vector<std::string>{
           "GET / HTTP/1.1\r\nHost: a\r\n\rGET /admin HTTP/1.1\r\nHost: a\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: a\r\n\rX",
           "GET / HTTP/1.1\rHost: a\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r2\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: a\r\nX\r-A: 1\r\n\r\n",
           "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n",
           post + "5\r\nhello\r\n0\rX\r\n\r\n",
           post + "5\rXhello\r\n0\r\n\r\n",
           post + "5;a=b\rX\r\nhello\r\n0\r\n\r\n",
           post + "5\r\nhello\r\n0\r\n\rX",
           post + "5\r\nhello\r\n0\r\nX-T: 1\r\n\rGET / HTTP/1.1\r\nHost: a\r\n\r\n",
       }) {
    SCOPED_TRACE(input);
    EXPECT_EQ(requestStatus(input), 400);
  }
  for (const std::string& input : std::vector<std::string>{
           "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\rXok",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\rX\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\rX",
       }) {
    SCOPED_TRACE(input);
    EXPECT_EQ(responseStatus(input), 502);
  }
}

TEST(Http1HostileTest, HeadAfterAnUnhonouredUpgradeIsScannedOnce) {
  // After an Upgrade request the decoder reads HTTP/1 again. The next head, arriving in pieces,
  // is checked once: counting its bytes twice would refuse a 40 KB head as over 64 KB, and seeing
  // its partial last line twice would read a line end that is not there.
  const std::string upgrade =
      "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
  const std::string next = "GET /next HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(40000, 'x');
  for (const std::string& tail : {std::string("\r"), std::string()}) {
    SCOPED_TRACE(tail.size());
    Recorder rec;
    Decoder decoder(Decoder::Kind::Request, rec);
    std::string pending = upgrade + next + tail;
    auto used = decoder.feed(pending);
    ASSERT_TRUE(used);
    pending.erase(0, *used);
    ASSERT_TRUE(decoder.paused());
    decoder.resume();
    used = decoder.feed(pending);
    ASSERT_TRUE(used) << used.error().describe();
    pending.erase(0, *used);
    pending += tail.empty() ? "\r\n\r\n" : "\n\r\n";
    used = decoder.feed(pending);
    ASSERT_TRUE(used) << used.error().describe();
    ASSERT_EQ(rec.requests.size(), 2u);
    EXPECT_EQ(rec.requests[1].target, "/next");
    EXPECT_EQ(rec.completed, 2u);
  }
}

TEST(Http1HostileTest, TrailersCannotCarryFieldsTheGatewayOrTheCacheRelyOn) {
  class Trailers : public Recorder {
   public:
    void onMessageComplete(http::HeaderMap&& trailers) override { last = std::move(trailers); }
    http::HeaderMap last;
  } trailers;
  Decoder d(Decoder::Kind::Request, trailers);
  const std::string input =
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"
      "X-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n"
      "Via: 1.1 forged\r\nX-Forwarded-Host: evil\r\nCookie: a=b\r\nSet-Cookie: c=d\r\n"
      "Cache-Control: max-age=99\r\nX-Checksum: 1\r\n\r\n";
  auto used = d.feed(input);
  ASSERT_TRUE(used);
  EXPECT_EQ(trailers.last.size(), 1u);
  EXPECT_EQ(trailers.last.get("x-checksum"), "1");
}

TEST(Http1HostileTest, InterimResponsesShareTheHeadBudget) {
  // A few interim responses are fine.
  std::string input;
  for (int i = 0; i < 10; ++i) {
    input += "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n";
  }
  input += "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  Recorder rec;
  EXPECT_EQ(responseStatus(input, &rec), 0);
  EXPECT_EQ(rec.responses.size(), 11u);
  EXPECT_EQ(rec.completed, 1u);
  // An endless stream of them is not: together they exceed one head's budget (64 KiB).
  std::string flood;
  for (int i = 0; i < 5000; ++i) {
    flood += "HTTP/1.1 100 Continue\r\n\r\n";
  }
  flood += "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  EXPECT_EQ(responseStatus(flood), 502);
  // The budget is per exchange: the next response on the connection starts afresh.
  std::string two = input + input;
  Recorder again;
  EXPECT_EQ(responseStatus(two, &again), 0);
  EXPECT_EQ(again.completed, 2u);
}

TEST(Http1HostileTest, EndlessChunkExtensionsAreRefused) {
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  Recorder rec;
  EXPECT_EQ(requestStatus(head + "2;name=value\r\nhe\r\n3;flag\r\nllo\r\n0;last=1\r\n\r\n", &rec),
            0);
  EXPECT_EQ(rec.body, "hello");
  EXPECT_EQ(requestStatus(head + "5;x=" + std::string(100 * 1024, 'a') + "\r\nhello\r\n0\r\n\r\n"),
            400);
  // Many small extensions add up within one message.
  std::string many;
  for (int i = 0; i < 2000; ++i) {
    many += "1;ext=" + std::string(40, 'e') + "\r\nx\r\n";
  }
  EXPECT_EQ(requestStatus(head + many + "0\r\n\r\n"), 400);
  EXPECT_EQ(responseStatus("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;" +
                           std::string(100 * 1024, 'a') + "\r\nok\r\n0\r\n\r\n"),
            502);
}

}  // namespace
}  // namespace strata::core::http1
