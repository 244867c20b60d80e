// Tests for the cache node's keyspace on a manual clock: storage, TTL bookkeeping (the
// expiring-keys array stays consistent under random operations), passive and active expiry,
// hit/miss counters and the byte count behind INFO used_memory.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "cache/node/keyspace.h"

namespace strata::cache::node {
namespace {

const std::string* stringAt(Keyspace::Item* item) {
  return item == nullptr ? nullptr : std::get_if<std::string>(&item->second.value);
}

TEST(KeyspaceTest, SetLookupErase) {
  ManualClock clock;
  Keyspace ks(clock);
  EXPECT_EQ(ks.lookupRead("a"), nullptr);
  ks.setString("a", "1");
  ASSERT_NE(stringAt(ks.lookupRead("a")), nullptr);
  EXPECT_EQ(*stringAt(ks.lookupRead("a")), "1");
  EXPECT_EQ(ks.hits(), 2u);
  EXPECT_EQ(ks.misses(), 1u);
  ks.setString("a", "22");
  EXPECT_EQ(*stringAt(ks.lookupWrite("a")), "22");
  EXPECT_EQ(ks.hits(), 2u);  // writes do not count
  EXPECT_TRUE(ks.erase("a"));
  EXPECT_FALSE(ks.erase("a"));
  EXPECT_EQ(ks.size(), 0u);
}

TEST(KeyspaceTest, UsedBytesFollowKeysAndValues) {
  ManualClock clock;
  Keyspace ks(clock);
  EXPECT_EQ(ks.usedBytes(), 0u);
  ks.setString("key", "value");
  const size_t one = ks.usedBytes();
  EXPECT_EQ(one, 3 + 5 + Keyspace::kEntryOverhead);
  ks.setString("key", std::string(100, 'x'));
  EXPECT_EQ(ks.usedBytes(), 3 + 100 + Keyspace::kEntryOverhead);
  ks.appendString(*ks.lookupWrite("key"), "yz");
  EXPECT_EQ(ks.usedBytes(), 3 + 102 + Keyspace::kEntryOverhead);
  ks.setString("other", "");
  ks.erase("key");
  EXPECT_EQ(ks.usedBytes(), 5 + Keyspace::kEntryOverhead);
  ks.clear();
  EXPECT_EQ(ks.usedBytes(), 0u);
}

TEST(KeyspaceTest, TtlSetKeptClearedAndPassiveExpiry) {
  ManualClock clock;
  Keyspace ks(clock);
  auto& item = ks.setString("k", "v");
  ks.setExpire(item, clock.nowMs() + 100);
  EXPECT_EQ(ks.expiresSize(), 1u);
  ks.setString("k", "w", /*keep_ttl=*/true);
  EXPECT_EQ(ks.lookupWrite("k")->second.expire_at_ms, clock.nowMs() + 100);
  ks.setString("k", "x");
  EXPECT_EQ(ks.lookupWrite("k")->second.expire_at_ms, kNoExpiry);
  EXPECT_EQ(ks.expiresSize(), 0u);

  ks.setExpire(*ks.lookupWrite("k"), clock.nowMs() + 100);
  clock.advance(100);
  EXPECT_NE(ks.lookupRead("k"), nullptr);
  clock.advance(1);
  EXPECT_EQ(ks.lookupRead("k"), nullptr);
  EXPECT_EQ(ks.size(), 0u);
  EXPECT_EQ(ks.expiresSize(), 0u);
  EXPECT_EQ(ks.expiredKeys(), 1u);
  EXPECT_EQ(ks.usedBytes(), 0u);
}

// The dense expiring-keys array and each entry's slot must agree after any mix of set, expire,
// persist and delete; checked against a plain model.
TEST(KeyspaceTest, ExpiringSetStaysConsistentUnderRandomOperations) {
  ManualClock clock;
  Keyspace ks(clock);
  std::map<std::string, int64_t> model;  // key -> expire time or kNoExpiry
  std::mt19937 rng(42);
  for (int step = 0; step < 20000; step++) {
    const std::string key = "k" + std::to_string(rng() % 300);
    switch (rng() % 5) {
      case 0:
        ks.setString(key, "v");
        model[key] = kNoExpiry;
        break;
      case 1:
      case 2:
        if (auto* item = ks.lookupWrite(key)) {
          const int64_t when = clock.nowMs() + 1'000'000 + static_cast<int64_t>(rng() % 1000);
          ks.setExpire(*item, when);
          model[key] = when;
        }
        break;
      case 3:
        if (auto* item = ks.lookupWrite(key)) {
          ks.persist(*item);
          model[key] = kNoExpiry;
        }
        break;
      case 4:
        ks.erase(key);
        model.erase(key);
        break;
    }
  }
  ASSERT_EQ(ks.size(), model.size());
  size_t expiring = 0;
  for (const auto& [key, when] : model) {
    auto* item = ks.lookupWrite(key);
    ASSERT_NE(item, nullptr) << key;
    EXPECT_EQ(item->second.expire_at_ms, when) << key;
    expiring += when != kNoExpiry ? 1 : 0;
  }
  EXPECT_EQ(ks.expiresSize(), expiring);
  // Everything with a TTL is reachable by the active cycle once its time has passed.
  clock.advance(2'000'000);
  ks.activeExpireCycle(1'000'000'000);
  EXPECT_EQ(ks.expiresSize(), 0u);
  EXPECT_EQ(ks.size(), model.size() - expiring);
  EXPECT_EQ(ks.expiredKeys(), expiring);
}

TEST(KeyspaceTest, ActiveCycleRemovesExpiredKeysWithoutAccess) {
  ManualClock clock;
  Keyspace ks(clock);
  for (int i = 0; i < 1000; i++) {
    ks.setExpire(ks.setString("temp" + std::to_string(i), "v"), clock.nowMs() + 50);
  }
  for (int i = 0; i < 10; i++) {
    ks.setString("keep" + std::to_string(i), "v");
  }
  auto stats = ks.activeExpireCycle(1'000'000'000);
  EXPECT_EQ(stats.expired, 0u);
  EXPECT_EQ(stats.rounds, 1u);  // nothing expired: one sample, no repeat
  EXPECT_EQ(ks.size(), 1010u);

  clock.advance(51);
  stats = ks.activeExpireCycle(1'000'000'000);
  // Every sample is 100% expired, so rounds repeat until the TTL population is gone.
  EXPECT_EQ(stats.expired, 1000u);
  EXPECT_EQ(ks.size(), 10u);
  EXPECT_EQ(ks.expiresSize(), 0u);
  EXPECT_EQ(ks.expiredKeys(), 1000u);
}

TEST(KeyspaceTest, ActiveCycleStopsWhenFewSampledKeysAreExpired) {
  ManualClock clock;
  Keyspace ks(clock);
  // 1 key in 20 expired: a sample of 20 is far below the 25% repeat threshold.
  for (int i = 0; i < 2000; i++) {
    const int64_t ttl = i % 20 == 0 ? 10 : 1'000'000;
    ks.setExpire(ks.setString("k" + std::to_string(i), "v"), clock.nowMs() + ttl);
  }
  clock.advance(11);
  const auto stats = ks.activeExpireCycle(1'000'000'000);
  EXPECT_EQ(stats.rounds, 1u);
  EXPECT_EQ(stats.sampled, Keyspace::kSampleSize);
  EXPECT_LT(stats.expired, 6u);  // 5 expired would already be 25%
  EXPECT_EQ(ks.size(), 2000u - stats.expired);
}

TEST(KeyspaceTest, ActiveCycleOnEmptyKeyspace) {
  ManualClock clock;
  Keyspace ks(clock);
  const auto stats = ks.activeExpireCycle(1000);
  EXPECT_EQ(stats.rounds, 0u);
  EXPECT_EQ(stats.sampled, 0u);
}

}  // namespace
}  // namespace strata::cache::node
