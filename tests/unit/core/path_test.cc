// Tests for request path normalisation: RFC 3986 dot-segment removal, slash merging, percent-
// decoding of unreserved characters, and the refusals (case 08 and its encoded variants).
#include <gtest/gtest.h>

#include "core/http/path.h"

namespace strata::core::http {
namespace {

std::string normal(std::string_view path) {
  auto r = normalizePath(path);
  EXPECT_TRUE(r) << path << ": " << (r ? "" : r.error().describe());
  return r ? *r : std::string("<error>");
}

bool refused(std::string_view path) {
  auto r = normalizePath(path);
  if (r) {
    return false;
  }
  EXPECT_EQ(r.error().kind, ErrorKind::InvalidRequest);
  EXPECT_EQ(r.error().source, ErrorSource::Downstream);
  return true;
}

TEST(PathTest, AlreadyNormalPathsAreUnchanged) {
  for (const char* p : {"/", "/a", "/a/b", "/a/b/", "/info/x.json", "/a/..b", "/a/b..", "/a/.b",
                        "/a/...", "/%C3%A9t%C3%A9", "/a;v=1/b", "/a:b@c!$&'()*+,=", "*"}) {
    EXPECT_EQ(normal(p), p);
  }
}

// Case 08: every variant resolves to the path the backend would serve.
TEST(PathTest, Case08DotSegmentVariants) {
  EXPECT_EQ(normal("/info/../private"), "/private");
  EXPECT_EQ(normal("/info/./../private"), "/private");
  EXPECT_EQ(normal("/info//../private"), "/private");
  EXPECT_EQ(normal("/info/sub/../../private"), "/private");
  EXPECT_EQ(normal("/./private"), "/private");
  EXPECT_EQ(normal("/info/.."), "/");
  // "..;" is refused rather than rewritten (see path.h).
  EXPECT_TRUE(refused("/info/..;/private"));
}

TEST(PathTest, RemoveDotSegments) {
  EXPECT_EQ(normal("/a/b/c/./../../g"), "/a/g");  // RFC 3986 §5.2.4 example
  EXPECT_EQ(normal("/a/b/.."), "/a/");
  EXPECT_EQ(normal("/a/b/."), "/a/b/");
  EXPECT_EQ(normal("/a/./b/"), "/a/b/");
  EXPECT_EQ(normal("/.."), "/");
  EXPECT_EQ(normal("/../../../etc/passwd"), "/etc/passwd");  // never above the root
  EXPECT_EQ(normal("/."), "/");
  EXPECT_EQ(normal("/a/../.."), "/");
}

TEST(PathTest, RepeatedSlashesMerge) {
  EXPECT_EQ(normal("//"), "/");
  EXPECT_EQ(normal("//a///b//"), "/a/b/");
  EXPECT_EQ(normal("/info//private"), "/info/private");
}

TEST(PathTest, PercentEncodedDotsAreDotSegments) {
  for (const char* p :
       {"/info/%2e%2e/private", "/info/%2E%2E/private", "/info/.%2e/private", "/info/%2e./private",
        "/info/%2e/../private", "/info/x/%2e%2e/%2E%2E/private"}) {
    SCOPED_TRACE(p);
    EXPECT_EQ(normal(p), "/private");
  }
}

TEST(PathTest, UnreservedEscapesDecodeOthersCanonicalise) {
  EXPECT_EQ(normal("/%7Euser/%41%62%2D%5F"), "/~user/Ab-_");
  EXPECT_EQ(normal("/a%20b"), "/a%20b");          // space stays encoded
  EXPECT_EQ(normal("/a%3fb%3Fc"), "/a%3Fb%3Fc");  // hex digits upper-cased
  EXPECT_EQ(normal("/%c3%a9"), "/%C3%A9");
  EXPECT_EQ(normal("/a%3Bb"), "/a%3Bb");  // an encoded ';' is data, not a parameter
  EXPECT_EQ(normal("/a%25b"), "/a%25b");  // "%25" never double-decodes
  EXPECT_EQ(normal("/%252e%252e/x"), "/%252e%252e/x");
}

TEST(PathTest, Refusals) {
  for (const char* p : {
           "/info/%2F../private",
           "/a%2fb",
           "/a%5cb",
           "/a%5C..%5Cb",  // encoded separators
           "/a%00b",
           "/a%00",  // encoded NUL
           "/a%",
           "/a%4",
           "/a%zz",
           "/a%g0",
           "/a%-1",  // malformed escapes
           "/a\\..\\b",
           "/a b",
           "/a\tb",
           "/a\x7f",  // raw bytes
           "/info/..;/private",
           "/info/..;jsessionid=1/private",
           "/info/.;/private",
           "/info/%2e%2e;/private",
           "/..;",  // dot-segments with params
           "",
           "info/private",
           "private",
           "../x",
           "%2F",
           "**",
           "http://a/b",
       }) {
    SCOPED_TRACE(p);
    EXPECT_TRUE(refused(p));
  }
  EXPECT_TRUE(refused(std::string_view("/a\0b", 4)));
}

}  // namespace
}  // namespace strata::core::http
