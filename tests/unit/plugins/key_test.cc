// Tests of the response cache's primary keys and Vary secondary keys (including the steps of
// case 14: a gzip variant must never be selected for a request without gzip).
#include "plugins/response_cache/key.h"

#include <gtest/gtest.h>

#include "plugins/response_cache/policy.h"

namespace strata::plugins::response_cache {
namespace {

using core::http::HeaderMap;
using core::http::RequestHead;

RequestHead makeRequest(std::string target, std::string host) {
  RequestHead r;
  r.method = "GET";
  r.target = std::move(target);
  if (!host.empty()) {
    r.headers.add("Host", std::move(host));
  }
  return r;
}

TEST(PrimaryKey, SchemeHostPathQuery) {
  EXPECT_EQ(primaryKey("http", makeRequest("/a/b?x=1&y=2", "Example.COM")),
            "http://example.com/a/b?x=1&y=2");
}

TEST(PrimaryKey, GetAndHeadShareTheKey) {
  auto get = makeRequest("/a", "h");
  auto head = get;
  head.method = "HEAD";
  EXPECT_EQ(primaryKey("http", get), primaryKey("http", head));
}

TEST(PrimaryKey, DefaultPortDroppedOtherPortsKept) {
  EXPECT_EQ(primaryKey("http", makeRequest("/", "h:80")), "http://h/");
  EXPECT_EQ(primaryKey("https", makeRequest("/", "h:443")), "https://h/");
  EXPECT_EQ(primaryKey("http", makeRequest("/", "h:443")), "http://h:443/");
  EXPECT_EQ(primaryKey("http", makeRequest("/", "h:8080")), "http://h:8080/");
}

TEST(PrimaryKey, SchemesAreDistinct) {
  EXPECT_NE(primaryKey("http", makeRequest("/", "h")), primaryKey("https", makeRequest("/", "h")));
}

TEST(PrimaryKey, AbsoluteFormUsesItsAuthority) {
  EXPECT_EQ(primaryKey("http", makeRequest("HTTP://Other.example:80/p?q", "ignored")),
            "http://other.example/p?q");
  EXPECT_EQ(primaryKey("http", makeRequest("http://h", "")), "http://h/");
}

TEST(PrimaryKey, PathInTheGatewaysNormalForm) {
  EXPECT_EQ(primaryKey("http", makeRequest("/%7euser/%c3%A9", "h")), "http://h/~user/%C3%A9");
  EXPECT_EQ(primaryKey("http", makeRequest("/a/../b//c/./d", "h")), "http://h/b/c/d");
  EXPECT_EQ(primaryKey("http", makeRequest("/a/%2e%2E/b", "h")), "http://h/b");
}

TEST(PrimaryKey, QueryKeptAsReceived) {
  EXPECT_NE(primaryKey("http", makeRequest("/p?a=1&b=2", "h")),
            primaryKey("http", makeRequest("/p?b=2&a=1", "h")));
  EXPECT_NE(primaryKey("http", makeRequest("/p?", "h")),
            primaryKey("http", makeRequest("/p", "h")));
  EXPECT_EQ(primaryKey("http", makeRequest("/p?A=%7e", "h")), "http://h/p?A=%7e");
}

TEST(PrimaryKey, UncacheableTargets) {
  EXPECT_FALSE(primaryKey("http", makeRequest("/a", "")));
  EXPECT_FALSE(primaryKey("http", makeRequest("*", "h")));
  EXPECT_FALSE(primaryKey("http", makeRequest("h:443", "h")));
  // Paths the gateway refuses (encoded slash, malformed escape) are never keys.
  EXPECT_FALSE(primaryKey("http", makeRequest("/a%2Fb", "h")));
  EXPECT_FALSE(primaryKey("http", makeRequest("/a%zz", "h")));
  EXPECT_TRUE(primaryKey("http", makeRequest("/a/..b/c.", "h")));
}

std::optional<std::string> acceptEncoding(std::vector<std::string> lines) {
  HeaderMap h;
  for (auto& l : lines) {
    h.add("Accept-Encoding", l);
  }
  return normaliseSelectingValue(h, "accept-encoding");
}

TEST(Vary, AbsentDiffersFromEmpty) {
  EXPECT_EQ(acceptEncoding({}), std::nullopt);
  EXPECT_EQ(acceptEncoding({""}), std::string());
  const std::vector<std::string> vary = {"accept-encoding"};
  EXPECT_NE(secondaryKeySuffix(vary, {std::nullopt}), secondaryKeySuffix(vary, {std::string()}));
}

TEST(Vary, WhitespaceCaseAndLinesNormalised) {
  EXPECT_EQ(acceptEncoding({"gzip, br"}), acceptEncoding({"GZIP,br"}));
  EXPECT_EQ(acceptEncoding({"gzip ,  br"}), acceptEncoding({"gzip", "br"}));
  EXPECT_EQ(acceptEncoding({"gzip,,br"}), "gzip,br");
}

TEST(Vary, NothingBroaderThanSemanticEquality) {
  // Order and q-values can change which coding the origin picks.
  EXPECT_NE(acceptEncoding({"gzip, br"}), acceptEncoding({"br, gzip"}));
  EXPECT_NE(acceptEncoding({"gzip"}), acceptEncoding({"gzip;q=0"}));
  EXPECT_NE(acceptEncoding({"gzip"}), acceptEncoding({"identity"}));
  // Fields without case-insensitive values keep their case.
  HeaderMap a, b;
  a.add("X-Tenant", "Blue");
  b.add("X-Tenant", "blue");
  EXPECT_NE(normaliseSelectingValue(a, "x-tenant"), normaliseSelectingValue(b, "x-tenant"));
  HeaderMap c;
  c.add("Accept", "Text/HTML ,application/json");
  EXPECT_EQ(normaliseSelectingValue(c, "accept"), "Text/HTML,application/json");
}

TEST(Vary, Case14VariantSelection) {
  const std::vector<std::string> vary = {"accept-encoding"};
  auto keyFor = [&](std::optional<std::string> ae) {
    HeaderMap h;
    if (ae) {
      h.add("Accept-Encoding", *ae);
    }
    return secondaryKeySuffix(vary, selectingValues(h, vary));
  };
  const auto gzip = keyFor("gzip");
  EXPECT_EQ(keyFor("gzip"), gzip);
  EXPECT_EQ(keyFor(" GZip "), gzip);
  EXPECT_NE(keyFor(std::nullopt), gzip);
  EXPECT_NE(keyFor("identity"), gzip);
  EXPECT_NE(keyFor("br"), gzip);
  EXPECT_NE(keyFor("gzip, br"), gzip);
}

TEST(Vary, SeveralFieldsInOrder) {
  const std::vector<std::string> vary = {"accept-encoding", "accept-language"};
  HeaderMap h;
  h.add("accept-language", "EN-us");
  h.add("accept-encoding", "gzip");
  EXPECT_EQ(secondaryKeySuffix(vary, selectingValues(h, vary)),
            "\naccept-encoding=gzip\naccept-language=en-us");
}

}  // namespace
}  // namespace strata::plugins::response_cache
