// Tests for the router (host patterns, port stripping, case, prefix order) and the one
// error-to-status mapping.
#include <gtest/gtest.h>

#include "gateway/error_status.h"
#include "gateway/route.h"

namespace strata::gateway {
namespace {

RouteEntry route(std::string name, std::string host, std::string prefix) {
  RouteEntry entry;
  entry.name = std::move(name);
  entry.match.host = std::move(host);
  entry.match.path_prefix = std::move(prefix);
  entry.cluster = "c";
  return entry;
}

std::string matchName(const Router& router, std::string_view host, std::string_view path) {
  const auto* entry = router.match(host, path);
  return entry == nullptr ? "<none>" : entry->name;
}

TEST(RouterTest, MatchingTable) {
  Router router({
      route("api-exact", "API.example.com", "/v1/"),
      route("wild", "*.example.com", "/"),
      route("info", "*", "/info/"),
      route("other-host", "other.test", "/"),
      route("fallback-static", "*", "/static"),
  });
  struct Case {
    const char* host;
    const char* path;
    const char* expected;
  };
  const Case cases[] = {
      {"api.example.com", "/v1/users", "api-exact"},
      {"API.EXAMPLE.COM", "/v1/users", "api-exact"},       // host case-insensitive
      {"api.example.com:8443", "/v1/users", "api-exact"},  // port ignored
      {"api.example.com", "/v2/users", "wild"},            // exact host but prefix misses
      {"api.example.com", "/V1/users", "wild"},            // path is case-sensitive
      {"a.b.example.com", "/", "wild"},                    // wildcard spans labels
      {"example.com", "/x", "<none>"},                     // wildcard needs a label
      {"badexample.com", "/x", "<none>"},                  // suffix must start at a dot
      {"example.com", "/info/a", "info"},                  // '*' matches any host
      {"", "/info/", "info"},                              // even a missing Host
      {"example.com", "/info", "<none>"},                  // prefix "/info/" needs the slash
      {"other.test", "/info/a", "info"},                   // first match in config order wins
      {"OTHER.test:80", "/private", "other-host"},
      {"x.test", "/static/app.js", "fallback-static"},
      {"x.test", "/staticfile", "fallback-static"},  // plain prefix semantics
      {"x.test", "/private", "<none>"},
      {"[::1]:8080", "/info/x", "info"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(matchName(router, c.host, c.path), c.expected) << c.host << " " << c.path;
  }
}

TEST(RouterTest, HostWithoutPort) {
  EXPECT_EQ(Router::hostWithoutPort("example.com"), "example.com");
  EXPECT_EQ(Router::hostWithoutPort("example.com:8080"), "example.com");
  EXPECT_EQ(Router::hostWithoutPort("[::1]:8080"), "[::1]");
  EXPECT_EQ(Router::hostWithoutPort("[::1]"), "[::1]");
  EXPECT_EQ(Router::hostWithoutPort(""), "");
}

TEST(RouterTest, HostPatternValidation) {
  EXPECT_FALSE(Router::validateHostPattern("*"));
  EXPECT_FALSE(Router::validateHostPattern("*.example.com"));
  EXPECT_FALSE(Router::validateHostPattern("example.com"));
  EXPECT_TRUE(Router::validateHostPattern(""));
  EXPECT_TRUE(Router::validateHostPattern("api.*.com"));
  EXPECT_TRUE(Router::validateHostPattern("*example.com"));
  EXPECT_TRUE(Router::validateHostPattern("example.com:80"));
}

TEST(ErrorStatusTest, MapsEveryKindToOneStatus) {
  using core::Error;
  using core::ErrorKind;
  using core::ErrorSource;
  auto status = [](ErrorKind kind, ErrorSource source = ErrorSource::Upstream,
                   std::string context = "") {
    return statusForError(Error::make(kind, std::move(context), source));
  };
  EXPECT_EQ(status(ErrorKind::ConnectRefused), 502);
  EXPECT_EQ(status(ErrorKind::ConnectionReset), 502);
  EXPECT_EQ(status(ErrorKind::InvalidResponse), 502);
  EXPECT_EQ(status(ErrorKind::Io), 502);
  EXPECT_EQ(status(ErrorKind::Io, ErrorSource::Internal), 500);
  EXPECT_EQ(status(ErrorKind::ConnectTimeout), 504);
  EXPECT_EQ(status(ErrorKind::ReadTimeout), 504);
  EXPECT_EQ(status(ErrorKind::ReadTimeout, ErrorSource::Downstream), 408);
  EXPECT_EQ(status(ErrorKind::InvalidHeader, ErrorSource::Downstream), 400);
  EXPECT_EQ(status(ErrorKind::InvalidRequest, ErrorSource::Downstream), 400);
  EXPECT_EQ(status(ErrorKind::InvalidRequest, ErrorSource::Downstream, "body too large"), 413);
  EXPECT_EQ(status(ErrorKind::NoRoute), 404);
  EXPECT_EQ(status(ErrorKind::NoHealthyUpstream), 503);
  EXPECT_EQ(status(ErrorKind::RateLimited), 429);
  EXPECT_EQ(status(ErrorKind::Internal), 500);
}

TEST(ErrorStatusTest, LocalResponseIsFramed) {
  const auto body = localResponseBody(502);
  EXPECT_EQ(body, "502 Bad Gateway\n");
  const auto head = localResponseHead(502, body.size(), true);
  EXPECT_EQ(head.status, 502);
  EXPECT_EQ(head.headers.get("content-length").value_or(""), std::to_string(body.size()));
  EXPECT_TRUE(head.headers.hasToken("connection", "close"));
  EXPECT_FALSE(head.keep_alive);
}

}  // namespace
}  // namespace strata::gateway
