// Known-answer tests for the hash functions and the Redis Cluster hash-tag and slot rules.
// Expected values are the published check values of each algorithm, plus values computed from
// the algorithm definitions by an independent reference implementation.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/hash/hash.h"
#include "core/hash/hash_tag.h"

namespace strata::core {
namespace {

constexpr std::string_view kCheckInput = "123456789";
constexpr std::string_view kFox = "The quick brown fox jumps over the lazy dog";

TEST(Crc16Test, XmodemCheckValue) {
  EXPECT_EQ(crc16Xmodem(kCheckInput), 0x31C3);
  EXPECT_EQ(crc16Xmodem(""), 0);
}

TEST(Crc32Test, IeeeCheckValue) {
  EXPECT_EQ(crc32(kCheckInput), 0xCBF43926U);
  EXPECT_EQ(crc32(""), 0U);
}

TEST(FnvTest, KnownAnswers) {
  EXPECT_EQ(fnv1a_32(""), 0x811C9DC5U);
  EXPECT_EQ(fnv1a_32("a"), 0xE40C292CU);
  EXPECT_EQ(fnv1a_32("foobar"), 0xBF9CF968U);
  EXPECT_EQ(fnv1a_64(""), 0xCBF29CE484222325ULL);
  EXPECT_EQ(fnv1a_64("a"), 0xAF63DC4C8601EC8CULL);
  EXPECT_EQ(fnv1a_64("foobar"), 0x85944171F73967E8ULL);
}

TEST(Murmur3Test, X86_32KnownAnswers) {
  EXPECT_EQ(murmur3_32(""), 0U);
  EXPECT_EQ(murmur3_32("", 1), 0x514E28B7U);
  EXPECT_EQ(murmur3_32("a"), 0x3C2569B2U);
  EXPECT_EQ(murmur3_32(kFox), 0x2E4FF723U);
  EXPECT_EQ(murmur3_32("Hello, world!", 1234), 0xFAF6CDB3U);
  // Lengths 15 and 17 exercise 3-byte and 1-byte tails.
  EXPECT_EQ(murmur3_32("abcdefghijklmno"), 0x9D09F7D2U);
  EXPECT_EQ(murmur3_32("abcdefghijklmnopq", 1234), 0x77E19BC4U);
}

TEST(Murmur3Test, X64_128KnownAnswers) {
  EXPECT_EQ(murmur3_128(""), (Hash128{0, 0}));
  EXPECT_EQ(murmur3_128(kFox), (Hash128{0xE34BBC7BBC071B6CULL, 0x7A433CA9C49A9347ULL}));
  EXPECT_EQ(murmur3_128("Hello, world!", 42),
            (Hash128{0x01C8726001FDD5C4ULL, 0x722607F66D95C21BULL}));
  // 15 bytes: a tail that fills lane 1 and most of lane 2; 17 bytes: one block plus one byte.
  EXPECT_EQ(murmur3_128("abcdefghijklmno"),
            (Hash128{0x8ABE2451890C2FFBULL, 0x6A548C2D9C962A61ULL}));
  EXPECT_EQ(murmur3_128("abcdefghijklmnopq", 42),
            (Hash128{0xB7DA3A48AB3B5413ULL, 0x0108AA140A7E9EBEULL}));
}

void appendLittleEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

// SMHasher's verification procedure: hash the keys {}, {0}, {0,1}, ... {0..254} with seed
// 256 - length, concatenate the digests, hash that with seed 0 and read the first four bytes
// little-endian. Every length and tail path contributes, so one constant covers them all.
template <typename HashBytes>
uint32_t smhasherVerification(HashBytes hash_bytes) {
  std::string key;
  std::string digests;
  for (int i = 0; i < 256; ++i) {
    digests += hash_bytes(key, static_cast<uint32_t>(256 - i));
    key.push_back(static_cast<char>(i));
  }
  const std::string final_digest = hash_bytes(digests, 0);
  uint32_t result = 0;
  for (int i = 3; i >= 0; --i) {
    result = (result << 8) | static_cast<unsigned char>(final_digest[i]);
  }
  return result;
}

TEST(Murmur3Test, SmhasherVerificationValues) {
  EXPECT_EQ(smhasherVerification([](std::string_view data, uint32_t seed) {
              std::string out;
              appendLittleEndian(out, murmur3_32(data, seed), 4);
              return out;
            }),
            0xB0F57EE3U);
  EXPECT_EQ(smhasherVerification([](std::string_view data, uint32_t seed) {
              std::string out;
              const Hash128 hash = murmur3_128(data, seed);
              appendLittleEndian(out, hash.low, 8);
              appendLittleEndian(out, hash.high, 8);
              return out;
            }),
            0x6384BA69U);
}

TEST(XxhashTest, KnownAnswersAndSeeds) {
  EXPECT_EQ(xxh64(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(xxh3_64(""), 0x2D06800538D394C2ULL);
  EXPECT_NE(xxh64(kFox), xxh64(kFox, 1));
  EXPECT_NE(xxh3_64(kFox), xxh3_64(kFox, 1));
}

std::string hex(const Md5Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t byte : digest) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0xf]);
  }
  return out;
}

TEST(Md5Test, Rfc1321Vectors) {
  auto empty = md5("");
  ASSERT_TRUE(empty) << empty.error().describe();
  EXPECT_EQ(hex(*empty), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex(*md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex(*md5(kFox)), "9e107d9d372bb6826bd81d3542a419d6");
}

TEST(Md5Test, ConcurrentThreadsGetCorrectDigests) {
  // Each thread has its own digest context; results must not interleave.
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &mismatches] {
      const std::string input = t % 2 == 0 ? "abc" : "";
      const std::string expected =
          t % 2 == 0 ? "900150983cd24fb0d6963f7d28e17f72" : "d41d8cd98f00b204e9800998ecf8427e";
      for (int i = 0; i < 200; ++i) {
        auto digest = md5(input);
        if (!digest || hex(*digest) != expected) {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(JumpHashTest, KnownAnswers) {
  EXPECT_EQ(jumpConsistentHash(0, 1), 0);
  EXPECT_EQ(jumpConsistentHash(0, 100), 0);
  EXPECT_EQ(jumpConsistentHash(1, 10), 6);
  EXPECT_EQ(jumpConsistentHash(1, 100), 55);
  EXPECT_EQ(jumpConsistentHash(0xDEADBEEFULL, 10), 5);
  EXPECT_EQ(jumpConsistentHash(0xDEADBEEFULL, 1000), 285);
  EXPECT_EQ(jumpConsistentHash(12345678901234567890ULL, 7), 0);
  EXPECT_EQ(jumpConsistentHash(UINT64_MAX, 2147483647), 699554662);
  EXPECT_EQ(jumpConsistentHash(42, 0), -1);
  EXPECT_EQ(jumpConsistentHash(42, -3), -1);
}

TEST(JumpHashTest, GrowingMovesKeysOnlyIntoTheNewBucket) {
  constexpr int kKeys = 5000;
  for (int32_t buckets = 1; buckets < 12; ++buckets) {
    int moved = 0;
    for (int i = 0; i < kKeys; ++i) {
      const uint64_t key = xxh64(std::to_string(i));
      const int32_t before = jumpConsistentHash(key, buckets);
      const int32_t after = jumpConsistentHash(key, buckets + 1);
      ASSERT_GE(before, 0);
      ASSERT_LT(before, buckets);
      if (before != after) {
        EXPECT_EQ(after, buckets) << "key " << i << " moved between old buckets";
        ++moved;
      }
    }
    // About 1/(n+1) of the keys move; allow a wide margin around it.
    const double expected = static_cast<double>(kKeys) / (buckets + 1);
    EXPECT_GT(moved, expected * 0.8) << buckets;
    EXPECT_LT(moved, expected * 1.2) << buckets;
  }
}

TEST(HashFunctionTest, NamesRoundTripAndHash32Selects) {
  for (std::string_view name :
       {"md5", "crc16", "crc32", "fnv1a_32", "fnv1a_64", "murmur3", "xxh64", "xxh3"}) {
    auto function = hashFunctionFromName(name);
    ASSERT_TRUE(function) << name;
    EXPECT_EQ(hashFunctionName(*function), name);
  }
  auto unknown = hashFunctionFromName("murmur");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::ConfigInvalid);

  // md5("hello") = 5d41402a...: the first four bytes read little-endian.
  EXPECT_EQ(hash32(HashFunction::Md5, "hello"), 0x2A40415DU);
  EXPECT_EQ(hash32(HashFunction::Crc16, kCheckInput), 0x31C3U);
  EXPECT_EQ(hash32(HashFunction::Crc32, kCheckInput), 0xCBF43926U);
  EXPECT_EQ(hash32(HashFunction::Fnv1a32, "foobar"), 0xBF9CF968U);
  EXPECT_EQ(hash32(HashFunction::Fnv1a64, "foobar"), 0xF73967E8U);
  EXPECT_EQ(hash32(HashFunction::Murmur3, kFox), 0x2E4FF723U);
  EXPECT_EQ(hash32(HashFunction::Xxh64, ""), 0x51D8E999U);
  EXPECT_EQ(hash32(HashFunction::Xxh3, ""), 0x38D394C2U);
}

// The oracle table of shared case 21 (ioredis/node-redis empty hash tag bug).
struct SlotCase {
  std::string_view key;
  std::string_view hashed;
  uint16_t slot;
};
constexpr SlotCase kSlotCases[] = {
    {"foo{}{bar}", "foo{}{bar}", 8363},
    {"{}{same}", "{}{same}", 4123},
    {"{}abc", "{}abc", 5980},
    {"}{abc", "}{abc", 15680},
    {"{abc", "{abc", 444},
    {"a{b}c", "b", 3300},
    {"foo{{bar}}zap", "{bar", 4015},
    {"foo{bar}{zap}", "bar", 5061},
    {"{user1000}.following", "user1000", 3443},
};

TEST(HashTagTest, RedisClusterRuleTable) {
  for (const SlotCase& c : kSlotCases) {
    EXPECT_EQ(hashTagOf(c.key), c.hashed) << c.key;
    EXPECT_EQ(redisClusterSlot(c.key), c.slot) << c.key;
  }
  // The buggy clients routed these by a later tag; the slots must differ from those tags' slots.
  EXPECT_EQ(redisClusterSlot("bar"), 5061);
  EXPECT_NE(redisClusterSlot("foo{}{bar}"), redisClusterSlot("bar"));
  EXPECT_EQ(redisClusterSlot("same"), 13447);
  EXPECT_NE(redisClusterSlot("{}{same}"), redisClusterSlot("same"));
}

TEST(HashTagTest, EdgeCasesAndViewsIntoKey) {
  EXPECT_EQ(hashTagOf(""), "");
  EXPECT_EQ(hashTagOf("plain"), "plain");
  EXPECT_EQ(hashTagOf("{}"), "{}");
  EXPECT_EQ(hashTagOf("{x}"), "x");
  EXPECT_EQ(hashTagOf("abc}"), "abc}");
  const std::string key = "user:{42}:cart";
  const std::string_view tag = hashTagOf(key);
  EXPECT_EQ(tag, "42");
  EXPECT_EQ(tag.data(), key.data() + 6);
  EXPECT_EQ(redisClusterSlot("{user1000}.followers"), redisClusterSlot("{user1000}.following"));
}

TEST(HashTagTest, CustomDelimiters) {
  EXPECT_EQ(hashTagOf("user:[42]:cart", '[', ']'), "42");
  EXPECT_EQ(hashTagOf("user:{42}:cart", '[', ']'), "user:{42}:cart");
  EXPECT_EQ(hashTagOf("a[]b[c]", '[', ']'), "a[]b[c]");
  // Identical open and close characters: the tag runs to the next occurrence.
  EXPECT_EQ(hashTagOf("a$tag$b", '$', '$'), "tag");
  EXPECT_EQ(hashTagOf("a$$b$c$", '$', '$'), "a$$b$c$");
}

}  // namespace
}  // namespace strata::core
