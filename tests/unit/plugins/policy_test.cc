// Tests of the response cache's RFC 9111 decisions: storability and freshness table, request
// classification, HTTP dates, age calculation, serving and conditional checks.
#include "plugins/response_cache/policy.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace strata::plugins::response_cache {
namespace {

using core::http::RequestHead;
using core::http::ResponseHead;
using Fields = std::vector<std::pair<std::string, std::string>>;

// 2024-01-02 03:04:05 UTC, the time every response in the table arrives.
constexpr int64_t kNow = 1704164645;

RequestHead makeRequest(std::string method, const Fields& fields) {
  RequestHead r;
  r.method = std::move(method);
  r.target = "/x";
  r.headers.add("Host", "example.com");
  for (const auto& [n, v] : fields) {
    r.headers.add(n, v);
  }
  return r;
}

ResponseHead makeResponse(int status, const Fields& fields) {
  ResponseHead r;
  r.status = status;
  for (const auto& [n, v] : fields) {
    r.headers.add(n, v);
  }
  return r;
}

struct StoreRow {
  const char* name;
  const char* method;
  Fields request;
  int status;
  Fields response;
  bool storable;
  int64_t ttl;  // expected freshness lifetime when storable
};

// Rows print as their names, so test listings (and ctest's discovered names) stay readable.
void PrintTo(const StoreRow& row, std::ostream* os) {
  *os << row.name;
}

const std::string kDate = formatHttpDate(kNow);

std::vector<StoreRow> storeRows() {
  return {
      {"max_age", "GET", {}, 200, {{"Cache-Control", "max-age=60"}}, true, 60},
      {"s_maxage_beats_max_age",
       "GET",
       {},
       200,
       {{"Cache-Control", "max-age=60, s-maxage=300"}},
       true,
       300},
      {"max_age_beats_expires",
       "GET",
       {},
       200,
       {{"Date", kDate}, {"Expires", formatHttpDate(kNow + 900)}, {"Cache-Control", "max-age=5"}},
       true,
       5},
      {"expires_minus_date",
       "GET",
       {},
       200,
       {{"Date", kDate}, {"Expires", formatHttpDate(kNow + 120)}},
       true,
       120},
      {"expires_without_date_uses_response_time",
       "GET",
       {},
       200,
       {{"Expires", formatHttpDate(kNow + 30)}},
       true,
       30},
      {"invalid_expires_is_expired", "GET", {}, 200, {{"Date", kDate}, {"Expires", "0"}}, false, 0},
      {"expires_in_past",
       "GET",
       {},
       200,
       {{"Date", kDate}, {"Expires", formatHttpDate(kNow - 10)}},
       false,
       0},
      {"max_age_zero", "GET", {}, 200, {{"Cache-Control", "max-age=0"}}, false, 0},
      {"invalid_max_age_is_stale", "GET", {}, 200, {{"Cache-Control", "max-age=abc"}}, false, 0},
      {"quoted_max_age_accepted", "GET", {}, 200, {{"Cache-Control", "max-age=\"40\""}}, true, 40},
      {"response_no_store", "GET", {}, 200, {{"Cache-Control", "no-store, max-age=60"}}, false, 0},
      {"must_understand_overrides_no_store",
       "GET",
       {},
       200,
       {{"Cache-Control", "no-store, must-understand, max-age=60"}},
       true,
       60},
      {"response_private", "GET", {}, 200, {{"Cache-Control", "private, max-age=60"}}, false, 0},
      {"response_private_qualified",
       "GET",
       {},
       200,
       {{"Cache-Control", "private=\"X-User, X-Other\", max-age=60"}},
       false,
       0},
      {"response_no_cache", "GET", {}, 200, {{"Cache-Control", "no-cache, max-age=60"}}, false, 0},
      {"request_no_store",
       "GET",
       {{"Cache-Control", "no-store"}},
       200,
       {{"Cache-Control", "max-age=60"}},
       false,
       0},
      {"request_no_cache_may_store",
       "GET",
       {{"Cache-Control", "no-cache"}},
       200,
       {{"Cache-Control", "max-age=60"}},
       true,
       60},
      {"head_response_not_stored", "HEAD", {}, 200, {{"Cache-Control", "max-age=60"}}, false, 0},
      {"post_not_stored", "POST", {}, 200, {{"Cache-Control", "max-age=60"}}, false, 0},
      {"partial_content_not_stored", "GET", {}, 206, {{"Cache-Control", "max-age=60"}}, false, 0},
      {"not_modified_not_stored", "GET", {}, 304, {{"Cache-Control", "max-age=60"}}, false, 0},
      {"unknown_status_not_stored", "GET", {}, 299, {{"Cache-Control", "max-age=60"}}, false, 0},
      {"redirect_302_needs_explicit",
       "GET",
       {},
       302,
       {{"Date", kDate}, {"Last-Modified", formatHttpDate(kNow - 10000)}},
       false,
       0},
      {"redirect_302_explicit_ok", "GET", {}, 302, {{"Cache-Control", "max-age=10"}}, true, 10},
      {"not_found_heuristic",
       "GET",
       {},
       404,
       {{"Date", kDate}, {"Last-Modified", formatHttpDate(kNow - 1000)}},
       true,
       100},
      {"heuristic_ten_percent",
       "GET",
       {},
       200,
       {{"Date", kDate}, {"Last-Modified", formatHttpDate(kNow - 5000)}},
       true,
       500},
      {"heuristic_capped",
       "GET",
       {},
       200,
       {{"Date", kDate}, {"Last-Modified", formatHttpDate(kNow - 10 * 86400)}},
       true,
       3600},
      {"no_freshness_information", "GET", {}, 200, {{"Date", kDate}}, false, 0},
      {"heuristic_for_500_forbidden",
       "GET",
       {},
       500,
       {{"Date", kDate}, {"Last-Modified", formatHttpDate(kNow - 5000)}},
       false,
       0},
      {"explicit_500_ok", "GET", {}, 500, {{"Cache-Control", "s-maxage=3"}}, true, 3},
      {"authorization_without_permission",
       "GET",
       {{"Authorization", "Bearer t"}},
       200,
       {{"Cache-Control", "max-age=60"}},
       false,
       0},
      {"authorization_with_public",
       "GET",
       {{"Authorization", "Bearer t"}},
       200,
       {{"Cache-Control", "public, max-age=60"}},
       true,
       60},
      {"authorization_with_s_maxage",
       "GET",
       {{"Authorization", "Bearer t"}},
       200,
       {{"Cache-Control", "s-maxage=20"}},
       true,
       20},
      {"authorization_with_must_revalidate",
       "GET",
       {{"Authorization", "Bearer t"}},
       200,
       {{"Cache-Control", "must-revalidate, max-age=7"}},
       true,
       7},
      {"set_cookie_not_stored",
       "GET",
       {},
       200,
       {{"Cache-Control", "max-age=60"}, {"Set-Cookie", "id=1"}},
       false,
       0},
      {"vary_star_not_stored",
       "GET",
       {},
       200,
       {{"Cache-Control", "max-age=60"}, {"Vary", "Accept-Encoding, *"}},
       false,
       0},
      {"vary_accept_encoding_stored",
       "GET",
       {},
       200,
       {{"Cache-Control", "max-age=600"}, {"Vary", "Accept-Encoding"}},
       true,
       600},
      {"cache_control_split_over_lines",
       "GET",
       {},
       200,
       {{"Cache-Control", "public"}, {"Cache-Control", "max-age=45"}},
       true,
       45},
      {"conflicting_max_age_is_stale",
       "GET",
       {},
       200,
       {{"Cache-Control", "max-age=60"}, {"Cache-Control", "max-age=90"}},
       false,
       0},
      {"public_allows_heuristic_for_302",
       "GET",
       {},
       302,
       {{"Cache-Control", "public"},
        {"Date", kDate},
        {"Last-Modified", formatHttpDate(kNow - 2000)}},
       true,
       200},
      {"huge_max_age_clamped",
       "GET",
       {},
       200,
       {{"Cache-Control", "max-age=99999999999999"}},
       true,
       2147483648LL},
  };
}

class StoreTable : public ::testing::TestWithParam<StoreRow> {};

TEST_P(StoreTable, Decides) {
  const auto& row = GetParam();
  const auto d = decideStore(makeRequest(row.method, row.request),
                             makeResponse(row.status, row.response), kNow);
  EXPECT_EQ(d.storable, row.storable) << d.reason;
  if (row.storable) {
    EXPECT_EQ(d.freshness_lifetime, row.ttl);
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc9111, StoreTable, ::testing::ValuesIn(storeRows()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(StoreDecision, CollectsLowerCaseVaryNamesOnce) {
  const auto d = decideStore(makeRequest("GET", {}),
                             makeResponse(200, {{"Cache-Control", "max-age=1"},
                                                {"Vary", "Accept-Encoding, accept-language"},
                                                {"Vary", "ACCEPT-ENCODING"}}),
                             kNow);
  ASSERT_TRUE(d.storable);
  EXPECT_EQ(d.vary, (std::vector<std::string>{"accept-encoding", "accept-language"}));
}

TEST(StoreDecision, TooManyVaryFieldsAreNotStored) {
  // An origin listing thousands of fields would make every store and lookup of the URL pay for
  // them; the cap bounds that work, and repeats of the same few names still count once.
  std::string many;
  for (size_t i = 0; i <= kMaxVaryFields; ++i) {
    many += (i == 0 ? "" : ", ") + std::string("X-Field-") + std::to_string(i);
  }
  auto d = decideStore(makeRequest("GET", {}),
                       makeResponse(200, {{"Cache-Control", "max-age=60"}, {"Vary", many}}), kNow);
  EXPECT_FALSE(d.storable);
  EXPECT_TRUE(d.vary.empty());
  std::string repeated;
  for (size_t i = 0; i < 10 * kMaxVaryFields; ++i) {
    repeated += (i == 0 ? "" : ",") + std::string(i % 2 == 0 ? "Accept" : "accept-encoding");
  }
  d = decideStore(makeRequest("GET", {}),
                  makeResponse(200, {{"Cache-Control", "max-age=60"}, {"Vary", repeated}}), kNow);
  EXPECT_TRUE(d.storable);
  EXPECT_EQ(d.vary.size(), 2u);
}

struct RequestRow {
  const char* name;
  const char* method;
  Fields fields;
  RequestAction expected;
};

void PrintTo(const RequestRow& row, std::ostream* os) {
  *os << row.name;
}

class RequestTable : public ::testing::TestWithParam<RequestRow> {};

TEST_P(RequestTable, Classifies) {
  const auto& row = GetParam();
  EXPECT_EQ(classifyRequest(makeRequest(row.method, row.fields)).action, row.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc9111, RequestTable,
    ::testing::Values(
        RequestRow{"plain_get", "GET", {}, RequestAction::Lookup},
        RequestRow{"head", "HEAD", {}, RequestAction::Lookup},
        RequestRow{"post", "POST", {}, RequestAction::Bypass},
        RequestRow{"delete", "DELETE", {}, RequestAction::Bypass},
        RequestRow{"no_store", "GET", {{"Cache-Control", "no-store"}}, RequestAction::Bypass},
        RequestRow{"range", "GET", {{"Range", "bytes=0-10"}}, RequestAction::Bypass},
        RequestRow{
            "no_cache", "GET", {{"Cache-Control", "no-cache"}}, RequestAction::ForwardAndStore},
        RequestRow{"max_age_zero",
                   "GET",
                   {{"Cache-Control", "max-age=0"}},
                   RequestAction::ForwardAndStore},
        RequestRow{
            "max_age_positive", "GET", {{"Cache-Control", "max-age=5"}}, RequestAction::Lookup},
        RequestRow{
            "pragma_no_cache", "GET", {{"Pragma", "no-cache"}}, RequestAction::ForwardAndStore},
        RequestRow{"pragma_ignored_with_cache_control",
                   "GET",
                   {{"Pragma", "no-cache"}, {"Cache-Control", "max-age=5"}},
                   RequestAction::Lookup}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(HttpDate, ParsesAllThreeForms) {
  constexpr int64_t kExpected = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), kExpected);
  EXPECT_EQ(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), kExpected);
  EXPECT_EQ(parseHttpDate("Sun Nov  6 08:49:37 1994"), kExpected);
  EXPECT_EQ(formatHttpDate(kExpected), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(HttpDate, RejectsMalformed) {
  EXPECT_FALSE(parseHttpDate(""));
  EXPECT_FALSE(parseHttpDate("0"));
  EXPECT_FALSE(parseHttpDate("-1"));
  EXPECT_FALSE(parseHttpDate("Sun, 06 Nov 1994 08:49:37 UTC"));
  EXPECT_FALSE(parseHttpDate("Sun, 31 Feb 1994 08:49:37 GMT"));
  EXPECT_FALSE(parseHttpDate("Sun, 06 Nov 1994 25:49:37 GMT"));
  EXPECT_FALSE(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
}

TEST(Age, ApparentAgeFromDate) {
  // The origin's clock says the response was generated 10 s before it arrived.
  const auto in =
      ageInputsFor(makeResponse(200, {{"Date", formatHttpDate(kNow - 10)}}), kNow - 1, kNow);
  EXPECT_EQ(currentAge(in, kNow), 10);
  EXPECT_EQ(currentAge(in, kNow + 5), 15);
}

TEST(Age, CorrectedAgeFromUpstreamAgeAndDelay) {
  // Age 30 from an upstream cache plus 2 s of response delay beats the apparent age of 0.
  const auto in = ageInputsFor(makeResponse(200, {{"Date", kDate}, {"Age", "30"}}), kNow - 2, kNow);
  EXPECT_EQ(in.age_value, 30);
  EXPECT_EQ(currentAge(in, kNow), 32);
  EXPECT_EQ(currentAge(in, kNow + 100), 132);
}

TEST(Age, DateInFutureAndBadAgeGiveZero) {
  const auto in = ageInputsFor(
      makeResponse(200, {{"Date", formatHttpDate(kNow + 50)}, {"Age", "x1"}}), kNow, kNow);
  EXPECT_EQ(in.age_value, 0);
  EXPECT_EQ(currentAge(in, kNow), 0);
  // A clock that went backwards never produces a negative resident time.
  EXPECT_EQ(currentAge(in, kNow - 100), 0);
}

TEST(Age, MissingDateUsesResponseTime) {
  const auto in = ageInputsFor(makeResponse(200, {}), kNow, kNow);
  EXPECT_EQ(in.date_value, kNow);
  EXPECT_EQ(currentAge(in, kNow + 7), 7);
}

TEST(CanServe, FreshnessAndRequestLimits) {
  CacheControl none;
  EXPECT_TRUE(canServe(none, 60, 59));
  EXPECT_FALSE(canServe(none, 60, 60));
  CacheControl max_age;
  max_age.max_age = 10;
  EXPECT_TRUE(canServe(max_age, 60, 10));
  EXPECT_FALSE(canServe(max_age, 60, 11));
  CacheControl min_fresh;
  min_fresh.min_fresh = 30;
  EXPECT_TRUE(canServe(min_fresh, 60, 30));
  EXPECT_FALSE(canServe(min_fresh, 60, 31));
  CacheControl max_stale;
  max_stale.max_stale = 1000;  // never honoured: no stale serving
  EXPECT_FALSE(canServe(max_stale, 60, 61));
}

TEST(CacheControlParse, QuotedCommasAndUnknownDirectives) {
  core::http::HeaderMap h;
  h.add("Cache-Control", "no-cache=\"Set-Cookie, X-A\", community=\"UCI\", max-age=5");
  const auto cc = parseCacheControl(h);
  EXPECT_TRUE(cc.no_cache);
  EXPECT_EQ(cc.max_age, 5);
  EXPECT_FALSE(cc.private_);
}

TEST(NotModified, EtagAndDateConditions) {
  core::http::HeaderMap stored;
  stored.add("ETag", "\"v1\"");
  stored.add("Last-Modified", formatHttpDate(kNow - 100));
  EXPECT_TRUE(notModified(makeRequest("GET", {{"If-None-Match", "\"v0\", W/\"v1\""}}), stored));
  EXPECT_FALSE(notModified(makeRequest("GET", {{"If-None-Match", "\"v2\""}}), stored));
  EXPECT_TRUE(notModified(makeRequest("GET", {{"If-None-Match", "*"}}), stored));
  EXPECT_TRUE(
      notModified(makeRequest("GET", {{"If-Modified-Since", formatHttpDate(kNow - 100)}}), stored));
  EXPECT_FALSE(
      notModified(makeRequest("GET", {{"If-Modified-Since", formatHttpDate(kNow - 101)}}), stored));
  // If-None-Match wins over If-Modified-Since.
  EXPECT_FALSE(notModified(makeRequest("GET", {{"If-None-Match", "\"v2\""},
                                               {"If-Modified-Since", formatHttpDate(kNow)}}),
                           stored));
  EXPECT_FALSE(notModified(makeRequest("GET", {}), stored));
}

}  // namespace
}  // namespace strata::plugins::response_cache
