// Hash function implementations. CRC16, FNV-1a, MurmurHash3 and jump hash are written from their
// published definitions (no common library ships them); CRC32, xxHash and MD5 come from zlib,
// libxxhash and OpenSSL.
#include "core/hash/hash.h"

#include <openssl/evp.h>
#include <xxhash.h>
#include <zlib.h>

#include <cassert>
#include <cstring>
#include <memory>

namespace strata::core {
namespace {

// CRC-16/XMODEM table, generated at compile time from the polynomial so no magic table is
// carried in the source: entry i is the CRC of the single byte i, processed MSB first.
constexpr std::array<uint16_t, 256> makeCrc16Table() {
  std::array<uint16_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
    table[i] = crc;
  }
  return table;
}
constexpr std::array<uint16_t, 256> kCrc16Table = makeCrc16Table();

const unsigned char* bytesOf(std::string_view data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

// Little-endian loads assembled byte by byte: MurmurHash3 is defined on little-endian words, and
// this keeps the result identical on big-endian hosts and safe for unaligned input.
uint32_t load32le(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
uint64_t load64le(const unsigned char* p) {
  return static_cast<uint64_t>(load32le(p)) | static_cast<uint64_t>(load32le(p + 4)) << 32;
}

constexpr uint32_t rotl32(uint32_t x, int r) {
  return (x << r) | (x >> (32 - r));
}
constexpr uint64_t rotl64(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

constexpr uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bU;
  h ^= h >> 13;
  h *= 0xc2b2ae35U;
  h ^= h >> 16;
  return h;
}
constexpr uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// The MD5 algorithm object is fetched once and deliberately never freed: freeing it from a
// static destructor could run after OpenSSL's own atexit cleanup.
const EVP_MD* md5Algorithm() {
  static const EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "MD5", nullptr);
  return algorithm;
}

struct DigestContextFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

uint16_t crc16Xmodem(std::string_view data) {
  uint16_t crc = 0;
  for (unsigned char byte : data) {
    crc = static_cast<uint16_t>((crc << 8) ^ kCrc16Table[((crc >> 8) ^ byte) & 0xff]);
  }
  return crc;
}

uint32_t crc32(std::string_view data) {
  // crc32_z takes a size_t length, so inputs over 4 GiB are not truncated.
  return static_cast<uint32_t>(::crc32_z(0L, bytesOf(data), data.size()));
}

uint32_t fnv1a_32(std::string_view data) {
  uint32_t hash = 0x811c9dc5U;
  for (unsigned char byte : data) {
    hash ^= byte;
    hash *= 0x01000193U;
  }
  return hash;
}

uint64_t fnv1a_64(std::string_view data) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char byte : data) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

uint32_t murmur3_32(std::string_view data, uint32_t seed) {
  constexpr uint32_t kC1 = 0xcc9e2d51U;
  constexpr uint32_t kC2 = 0x1b873593U;
  const unsigned char* p = bytesOf(data);
  const size_t len = data.size();
  const size_t blocks = len / 4;
  uint32_t h = seed;

  for (size_t i = 0; i < blocks; ++i) {
    uint32_t k = load32le(p + i * 4);
    k *= kC1;
    k = rotl32(k, 15);
    k *= kC2;
    h ^= k;
    h = rotl32(h, 13);
    h = h * 5 + 0xe6546b64U;
  }

  // The 1-3 trailing bytes form one partial little-endian word that is mixed without the
  // rotate-and-add step of full blocks.
  const unsigned char* tail = p + blocks * 4;
  uint32_t k = 0;
  switch (len & 3) {
    case 3:
      k ^= static_cast<uint32_t>(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      k ^= static_cast<uint32_t>(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      k ^= tail[0];
      k *= kC1;
      k = rotl32(k, 15);
      k *= kC2;
      h ^= k;
      break;
    default:
      break;
  }

  // The length is folded in as 32 bits, as the reference definition does.
  h ^= static_cast<uint32_t>(len);
  return fmix32(h);
}

Hash128 murmur3_128(std::string_view data, uint32_t seed) {
  constexpr uint64_t kC1 = 0x87c37b91114253d5ULL;
  constexpr uint64_t kC2 = 0x4cf5ad432745937fULL;
  const unsigned char* p = bytesOf(data);
  const size_t len = data.size();
  const size_t blocks = len / 16;
  uint64_t h1 = seed;
  uint64_t h2 = seed;

  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k1 = load64le(p + i * 16);
    uint64_t k2 = load64le(p + i * 16 + 8);
    k1 *= kC1;
    k1 = rotl64(k1, 31);
    k1 *= kC2;
    h1 ^= k1;
    h1 = rotl64(h1, 27);
    h1 += h2;
    h1 = h1 * 5 + 0x52dce729;
    k2 *= kC2;
    k2 = rotl64(k2, 33);
    k2 *= kC1;
    h2 ^= k2;
    h2 = rotl64(h2, 31);
    h2 += h1;
    h2 = h2 * 5 + 0x38495ab5;
  }

  // Tail: bytes 0-7 of the remainder feed lane 1, bytes 8-14 lane 2, little-endian.
  const unsigned char* tail = p + blocks * 16;
  const size_t rest = len & 15;
  uint64_t k1 = 0;
  uint64_t k2 = 0;
  for (size_t i = rest; i > 8; --i) {
    k2 ^= static_cast<uint64_t>(tail[i - 1]) << ((i - 9) * 8);
  }
  if (rest > 8) {
    k2 *= kC2;
    k2 = rotl64(k2, 33);
    k2 *= kC1;
    h2 ^= k2;
  }
  for (size_t i = rest < 8 ? rest : 8; i > 0; --i) {
    k1 ^= static_cast<uint64_t>(tail[i - 1]) << ((i - 1) * 8);
  }
  if (rest > 0) {
    k1 *= kC1;
    k1 = rotl64(k1, 31);
    k1 *= kC2;
    h1 ^= k1;
  }

  h1 ^= len;
  h2 ^= len;
  h1 += h2;
  h2 += h1;
  h1 = fmix64(h1);
  h2 = fmix64(h2);
  h1 += h2;
  h2 += h1;
  return Hash128{h1, h2};
}

uint64_t xxh64(std::string_view data, uint64_t seed) {
  return XXH64(data.data(), data.size(), seed);
}

uint64_t xxh3_64(std::string_view data, uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

Result<Md5Digest> md5(std::string_view data) {
  const EVP_MD* algorithm = md5Algorithm();
  if (algorithm == nullptr) {
    return fail(ErrorKind::Internal, "MD5 is not offered by any loaded OpenSSL provider");
  }
  thread_local std::unique_ptr<EVP_MD_CTX, DigestContextFree> ctx(EVP_MD_CTX_new());
  if (!ctx) {
    return fail(ErrorKind::Internal, "cannot allocate an OpenSSL digest context");
  }
  Md5Digest digest{};
  unsigned int length = 0;
  if (EVP_DigestInit_ex2(ctx.get(), algorithm, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1 || length != digest.size()) {
    return fail(ErrorKind::Internal, "OpenSSL MD5 digest failed");
  }
  return digest;
}

int32_t jumpConsistentHash(uint64_t key, int32_t buckets) {
  if (buckets <= 0) {
    return -1;
  }
  // Each step draws the next bucket at which this key would jump, using a 64-bit LCG as the
  // random source; the last jump that stays below `buckets` is the answer.
  int64_t bucket = -1;
  int64_t next = 0;
  while (next < buckets) {
    bucket = next;
    key = key * 2862933555777941757ULL + 1;
    next = static_cast<int64_t>(
        static_cast<double>(bucket + 1) *
        (static_cast<double>(int64_t{1} << 31) / static_cast<double>((key >> 33) + 1)));
  }
  return static_cast<int32_t>(bucket);
}

Result<HashFunction> hashFunctionFromName(std::string_view name) {
  for (HashFunction function :
       {HashFunction::Md5, HashFunction::Crc16, HashFunction::Crc32, HashFunction::Fnv1a32,
        HashFunction::Fnv1a64, HashFunction::Murmur3, HashFunction::Xxh64, HashFunction::Xxh3}) {
    if (hashFunctionName(function) == name) {
      return function;
    }
  }
  return fail(ErrorKind::ConfigInvalid,
              "unknown hash function '" + std::string(name) +
                  "' (expected md5, crc16, crc32, fnv1a_32, fnv1a_64, murmur3, xxh64 or xxh3)");
}

std::string_view hashFunctionName(HashFunction function) {
  switch (function) {
    case HashFunction::Md5:
      return "md5";
    case HashFunction::Crc16:
      return "crc16";
    case HashFunction::Crc32:
      return "crc32";
    case HashFunction::Fnv1a32:
      return "fnv1a_32";
    case HashFunction::Fnv1a64:
      return "fnv1a_64";
    case HashFunction::Murmur3:
      return "murmur3";
    case HashFunction::Xxh64:
      return "xxh64";
    case HashFunction::Xxh3:
      return "xxh3";
  }
  return "unknown";
}

uint32_t hash32(HashFunction function, std::string_view key) {
  switch (function) {
    case HashFunction::Md5: {
      auto digest = md5(key);
      if (!digest) {
        assert(false && "MD5 unavailable after the ring was built");
        return 0;
      }
      return load32le(digest->data());
    }
    case HashFunction::Crc16:
      return crc16Xmodem(key);
    case HashFunction::Crc32:
      return crc32(key);
    case HashFunction::Fnv1a32:
      return fnv1a_32(key);
    case HashFunction::Fnv1a64:
      return static_cast<uint32_t>(fnv1a_64(key));
    case HashFunction::Murmur3:
      return murmur3_32(key);
    case HashFunction::Xxh64:
      return static_cast<uint32_t>(xxh64(key));
    case HashFunction::Xxh3:
      return static_cast<uint32_t>(xxh3_64(key));
  }
  return 0;
}

}  // namespace strata::core
