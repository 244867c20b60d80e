// Tests for hop-by-hop field removal and the forwarding fields, including case 07: a client's
// Connection list must not remove the gateway's own X-Forwarded-* or identity fields.
#include <gtest/gtest.h>

#include "core/codec/http1/codec.h"
#include "core/http/hop_by_hop.h"

namespace strata::core::http {
namespace {

HeaderMap fields(std::initializer_list<std::pair<const char*, const char*>> list) {
  HeaderMap h;
  for (const auto& [name, value] : list) {
    h.add(name, value);
  }
  return h;
}

std::vector<std::string> names(const HeaderMap& h) {
  std::vector<std::string> out;
  for (const auto& f : h) {
    out.push_back(f.name);
  }
  return out;
}

TEST(HopByHopTest, RemovesTheStandardSet) {
  auto h = fields({{"Host", "a"},
                   {"Connection", "keep-alive"},
                   {"Keep-Alive", "timeout=5"},
                   {"Proxy-Connection", "keep-alive"},
                   {"TE", "trailers"},
                   {"Trailer", "X-Sum"},
                   {"Transfer-Encoding", "chunked"},
                   {"Upgrade", "websocket"},
                   {"Proxy-Authenticate", "Basic"},
                   {"Proxy-Authorization", "Basic eA=="},
                   {"Accept", "*/*"}});
  removeHopByHop(h);
  EXPECT_EQ(names(h), (std::vector<std::string>{"Host", "Accept"}));
}

TEST(HopByHopTest, RemovesFieldsNamedInConnection) {
  auto h = fields({{"Host", "a"},
                   {"connection", "X-Secret , x-trace"},
                   {"X-Secret", "1"},
                   {"X-Trace", "2"},
                   {"X-Trace", "3"},
                   {"Connection", "close, X-Other"},
                   {"X-Other", "4"},
                   {"X-Kept", "5"}});
  removeHopByHop(h);
  EXPECT_EQ(names(h), (std::vector<std::string>{"Host", "X-Kept"}));
}

TEST(HopByHopTest, EndToEndFieldsNamedInConnectionStay) {
  auto h = fields({{"Host", "a"},
                   {"Content-Length", "5"},
                   {"Authorization", "Bearer t"},
                   {"Cookie", "s=1"},
                   {"Content-Type", "text/plain"},
                   {"Connection", "Host, content-length, AUTHORIZATION, Cookie, Content-Type"}});
  removeHopByHop(h);
  EXPECT_EQ(names(h), (std::vector<std::string>{"Host", "Content-Length", "Authorization", "Cookie",
                                                "Content-Type"}));
}

// Case 07, end to end through the decoder: hop-by-hop removal first, then the gateway's fields.
// A client listing X-Forwarded-Host or an identity field in Connection loses only its own copy.
TEST(HopByHopTest, Case07GatewayFieldsSurviveTheClientsConnectionList) {
  struct Capture : http1::DecoderCallbacks {
    std::vector<RequestHead> heads;
    void onRequestHead(RequestHead&& h) override { heads.push_back(std::move(h)); }
    void onBody(std::string_view) override {}
    void onMessageComplete(HeaderMap&&) override {}
  } capture;
  http1::Decoder decoder(http1::Decoder::Kind::Request, capture);
  ASSERT_TRUE(decoder.feed(
      "GET / HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-Host: evil.example.net\r\n"
      "X-Forwarded-Proto: gopher\r\nX-User-Id: 7\r\n"
      "Connection: keep-alive, X-Forwarded-Host, X-Forwarded-Proto, X-Real-Ip, X-User-Id\r\n"
      "\r\n"));
  ASSERT_EQ(capture.heads.size(), 1u);
  RequestHead head = std::move(capture.heads[0]);

  removeHopByHop(head.headers);  // 1. the client's Connection list is processed first
  EXPECT_FALSE(head.headers.has("X-Forwarded-Host"));
  EXPECT_FALSE(head.headers.has("X-User-Id"));  // the client's forged identity is gone too
  addForwardingHeaders(head, "203.0.113.9", "https", "strata");  // 2. then the gateway adds
  head.headers.set("X-Real-Ip", "203.0.113.9");
  head.headers.set("X-User-Id", "42");  // 3. as the auth filter would, after validating a token

  EXPECT_EQ(head.headers.getAll("x-forwarded-host"), std::vector<std::string_view>{"example.com"});
  EXPECT_EQ(head.headers.get("x-forwarded-proto"), "https");
  EXPECT_EQ(head.headers.get("x-real-ip"), "203.0.113.9");
  EXPECT_EQ(head.headers.get("x-user-id"), "42");
  EXPECT_FALSE(head.headers.has("connection"));
  // What goes upstream carries the gateway's values and never the client's.
  const std::string wire = http1::encodeRequestHead(head);
  EXPECT_EQ(wire.find("evil.example.net"), std::string::npos);
  EXPECT_EQ(wire.find("gopher"), std::string::npos);
  EXPECT_NE(wire.find("X-Forwarded-Host: example.com\r\n"), std::string::npos);

  // The wrong order is exactly the Traefik bug: removal after the gateway's fields drops them.
  RequestHead wrong;
  wrong.headers = fields({{"Host", "example.com"}, {"Connection", "X-Forwarded-Host"}});
  addForwardingHeaders(wrong, "203.0.113.9", "https", "strata");
  removeHopByHop(wrong.headers);
  EXPECT_FALSE(wrong.headers.has("X-Forwarded-Host"));
}

TEST(HopByHopTest, ForwardedForChainIsExtended) {
  RequestHead head;
  head.headers = fields({{"Host", "api.example.com"},
                         {"X-Forwarded-For", "198.51.100.1"},
                         {"x-forwarded-for", "198.51.100.2, 198.51.100.3"},
                         {"Via", "1.0 edge"}});
  addForwardingHeaders(head, "10.0.0.5", "http", "strata");
  EXPECT_EQ(head.headers.getAll("x-forwarded-for"),
            std::vector<std::string_view>{"198.51.100.1, 198.51.100.2, 198.51.100.3, 10.0.0.5"});
  EXPECT_EQ(head.headers.get("x-forwarded-proto"), "http");
  EXPECT_EQ(head.headers.get("x-forwarded-host"), "api.example.com");
  EXPECT_EQ(head.headers.getAll("via"), std::vector<std::string_view>{"1.0 edge, 1.1 strata"});
}

TEST(HopByHopTest, ForwardingFieldsWithoutPriorValues) {
  RequestHead head;
  head.version_minor = 0;
  head.headers = fields({{"X-Forwarded-Host", "forged"}});  // HTTP/1.0 request without Host
  addForwardingHeaders(head, "10.0.0.5", "https", "gw-1");
  EXPECT_EQ(head.headers.get("x-forwarded-for"), "10.0.0.5");
  EXPECT_FALSE(head.headers.has("x-forwarded-host"));
  EXPECT_EQ(head.headers.get("via"), "1.1 gw-1");
}

}  // namespace
}  // namespace strata::core::http
