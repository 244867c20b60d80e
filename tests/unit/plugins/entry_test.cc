// Tests of the stored-entry encoding: round trips (binary bodies included) and rejection of
// every truncation and of corrupted fields.
#include "plugins/response_cache/entry.h"

#include <gtest/gtest.h>

#include <random>

namespace strata::plugins::response_cache {
namespace {

StoredResponse sampleResponse() {
  StoredResponse r;
  r.status = 203;
  r.reason = "Non-Authoritative Information";
  r.headers.add("Content-Type", "application/octet-stream");
  r.headers.add("ETag", "\"abc\"");
  r.headers.add("Vary", "Accept-Encoding");
  r.body = std::string("\0\x01\xff\r\n binary \0", 13);
  r.stored_at = 1704164645;
  r.age = AgeInputs{1704164640, 1704164644, 1704164600, 17};
  r.freshness_lifetime = 600;
  r.vary = {"accept-encoding", "x-absent"};
  r.vary_values = {std::string("gzip"), std::nullopt};
  return r;
}

TEST(Entry, ResponseRoundTrip) {
  const auto in = sampleResponse();
  const auto decoded = decodeValue(encodeResponse(in));
  ASSERT_TRUE(decoded) << decoded.error().describe();
  const auto* out = std::get_if<StoredResponse>(&*decoded);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->status, in.status);
  EXPECT_EQ(out->reason, in.reason);
  EXPECT_EQ(out->body, in.body);
  EXPECT_EQ(out->stored_at, in.stored_at);
  EXPECT_EQ(out->age.request_time, in.age.request_time);
  EXPECT_EQ(out->age.response_time, in.age.response_time);
  EXPECT_EQ(out->age.date_value, in.age.date_value);
  EXPECT_EQ(out->age.age_value, in.age.age_value);
  EXPECT_EQ(out->freshness_lifetime, in.freshness_lifetime);
  EXPECT_EQ(out->vary, in.vary);
  EXPECT_EQ(out->vary_values, in.vary_values);
  ASSERT_EQ(out->headers.size(), in.headers.size());
  auto a = in.headers.begin();
  for (const auto& h : out->headers) {
    EXPECT_EQ(h.name, a->name);
    EXPECT_EQ(h.value, a->value);
    ++a;
  }
}

TEST(Entry, LargeRandomBodyRoundTrip) {
  auto in = sampleResponse();
  std::mt19937 rng(7);
  in.body.resize(1 << 20);
  for (auto& c : in.body) {
    c = static_cast<char>(rng());
  }
  const auto decoded = decodeValue(encodeResponse(in));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<StoredResponse>(*decoded).body, in.body);
}

TEST(Entry, EmptyBodyAndNoHeaders) {
  StoredResponse in;
  in.status = 204;
  const auto decoded = decodeValue(encodeResponse(in));
  ASSERT_TRUE(decoded);
  const auto& out = std::get<StoredResponse>(*decoded);
  EXPECT_EQ(out.status, 204);
  EXPECT_TRUE(out.body.empty());
  EXPECT_TRUE(out.headers.empty());
}

TEST(Entry, VaryMarkerRoundTrip) {
  const auto decoded = decodeValue(encodeVaryMarker(VaryMarker{{"accept-encoding", "cookie"}}));
  ASSERT_TRUE(decoded);
  const auto* marker = std::get_if<VaryMarker>(&*decoded);
  ASSERT_NE(marker, nullptr);
  EXPECT_EQ(marker->vary, (std::vector<std::string>{"accept-encoding", "cookie"}));
}

TEST(Entry, EveryTruncationIsRejected) {
  const auto full = encodeResponse(sampleResponse());
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(decodeValue(std::string_view(full).substr(0, n))) << "prefix " << n;
  }
  const auto marker = encodeVaryMarker(VaryMarker{{"accept-encoding"}});
  for (size_t n = 0; n < marker.size(); ++n) {
    EXPECT_FALSE(decodeValue(std::string_view(marker).substr(0, n))) << "prefix " << n;
  }
}

TEST(Entry, TrailingBytesVersionAndKindRejected) {
  auto full = encodeResponse(sampleResponse());
  EXPECT_FALSE(decodeValue(full + "x"));
  auto bad_version = full;
  bad_version[0] = static_cast<char>(kEntryFormatVersion + 1);
  EXPECT_FALSE(decodeValue(bad_version));
  auto bad_kind = full;
  bad_kind[1] = 'Z';
  EXPECT_FALSE(decodeValue(bad_kind));
  EXPECT_FALSE(decodeValue("plain text someone else stored"));
}

TEST(Entry, InjectedLineBreakInHeaderRejected) {
  auto in = sampleResponse();
  in.headers.add("X-Evil", "a\r\nSet-Cookie: x=1");
  EXPECT_FALSE(decodeValue(encodeResponse(in)));
  auto bad_name = sampleResponse();
  bad_name.headers.add("Bad Name", "v");
  EXPECT_FALSE(decodeValue(encodeResponse(bad_name)));
}

TEST(Entry, StatusesTheCacheNeverStoresAreRejected) {
  for (const int status : {100, 101, 103, 104, 199, 206, 304, 418, 599, 600, 65535}) {
    auto in = sampleResponse();
    in.status = status;
    EXPECT_FALSE(decodeValue(encodeResponse(in))) << status;
  }
  for (const int status : {200, 204, 301, 404, 503}) {
    auto in = sampleResponse();
    in.status = status;
    EXPECT_TRUE(decodeValue(encodeResponse(in))) << status;
  }
}

TEST(Entry, VaryListsBeyondTheCapAreRejected) {
  // Only the policy writes entries, and it never stores more than kMaxVaryFields; a longer list
  // in the cache tier was written by something else and would make each lookup pay for it.
  VaryMarker marker;
  auto response = sampleResponse();
  response.vary.clear();
  response.vary_values.clear();
  for (size_t i = 0; i <= kMaxVaryFields; ++i) {
    marker.vary.push_back("x-field-" + std::to_string(i));
    response.vary.push_back(marker.vary.back());
    response.vary_values.push_back(std::nullopt);
  }
  EXPECT_FALSE(decodeValue(encodeVaryMarker(marker)));
  EXPECT_FALSE(decodeValue(encodeResponse(response)));
  marker.vary.pop_back();
  response.vary.pop_back();
  response.vary_values.pop_back();
  EXPECT_TRUE(decodeValue(encodeVaryMarker(marker)));
  EXPECT_TRUE(decodeValue(encodeResponse(response)));
}

TEST(Entry, RandomCorruptionNeverCrashes) {
  const auto full = encodeResponse(sampleResponse());
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    auto copy = full;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      copy[rng() % copy.size()] = static_cast<char>(rng());
    }
    // Either a clean error or a value; what matters is that decoding stays in bounds.
    const auto decoded = decodeValue(copy);
    if (decoded) {
      EXPECT_TRUE(std::holds_alternative<StoredResponse>(*decoded) ||
                  std::holds_alternative<VaryMarker>(*decoded));
      if (const auto* response = std::get_if<StoredResponse>(&*decoded)) {
        EXPECT_TRUE(isUnderstoodStatus(response->status)) << response->status;
      }
    }
  }
}

TEST(Entry, StorableHeadersDropHopByHopAndRecomputedFields) {
  core::http::HeaderMap h;
  h.add("Connection", "keep-alive, X-Hop");
  h.add("X-Hop", "1");
  h.add("Keep-Alive", "timeout=5");
  h.add("Transfer-Encoding", "chunked");
  h.add("Content-Length", "10");
  h.add("Age", "3");
  h.add("X-Cache", "MISS");
  h.add("Content-Type", "text/plain");
  h.add("ETag", "\"e\"");
  const auto out = storableHeaders(h);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out.get("content-type"), "text/plain");
  EXPECT_EQ(out.get("etag"), "\"e\"");
}

}  // namespace
}  // namespace strata::plugins::response_cache
