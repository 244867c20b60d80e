// Hash functions used for sharding and placement: CRC16 (Redis Cluster slots), CRC32, FNV-1a,
// MurmurHash3, xxHash, MD5 (ketama ring points) and jump consistent hash, plus a selector that
// turns any of them into the 32-bit key hash that rings and modula distributions consume.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/error.h"

namespace strata::core {

// CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection, no final xor): the checksum
// Redis Cluster uses for key slots. Check value: crc16Xmodem("123456789") == 0x31C3.
uint16_t crc16Xmodem(std::string_view data);

// CRC-32/IEEE 802.3 (reflected polynomial 0xEDB88320, the zlib/PNG/gzip CRC), computed by zlib.
// Check value: crc32("123456789") == 0xCBF43926.
uint32_t crc32(std::string_view data);

// FNV-1a with the published 32-bit and 64-bit offset bases and primes.
uint32_t fnv1a_32(std::string_view data);
uint64_t fnv1a_64(std::string_view data);

// MurmurHash3_x86_32: 4-byte little-endian blocks, the 32-bit finalizer (fmix32). This is the
// MurmurHash3 variant most clients mean by "murmur3". Note that twemproxy's "murmur" is the
// older MurmurHash2 and gives different values.
uint32_t murmur3_32(std::string_view data, uint32_t seed = 0);

// MurmurHash3_x64_128: 16-byte blocks in two 64-bit lanes. `low` is the first lane (h1), `high`
// the second (h2); the canonical 16-byte output is low then high, each little-endian.
struct Hash128 {
  uint64_t low = 0;
  uint64_t high = 0;
  friend bool operator==(const Hash128&, const Hash128&) = default;
};
Hash128 murmur3_128(std::string_view data, uint32_t seed = 0);

// XXH64 and XXH3 (64-bit output) from libxxhash.
uint64_t xxh64(std::string_view data, uint64_t seed = 0);
uint64_t xxh3_64(std::string_view data, uint64_t seed = 0);

// MD5 through OpenSSL's EVP interface. It fails only when no loaded provider offers MD5 (a
// FIPS-only configuration) or on allocation failure; the ketama ring reports that at build time.
// Each thread reuses one digest context, so this does not allocate per call.
using Md5Digest = std::array<uint8_t, 16>;
Result<Md5Digest> md5(std::string_view data);

// Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm" (2014): maps a 64-bit key
// to a bucket in [0, buckets) so that growing from n to n+1 buckets moves only ~1/(n+1) of keys,
// all of them into the new bucket. Needs no table, but buckets can only be added or removed at
// the end, which is why named, individually removable nodes use the ketama ring instead.
// Returns -1 when buckets <= 0.
int32_t jumpConsistentHash(uint64_t key, int32_t buckets);

// The key hash a distribution uses, named as in configuration files.
enum class HashFunction {
  Md5,      // "md5": first four digest bytes read little-endian (libketama's key hash)
  Crc16,    // "crc16": CRC-16/XMODEM
  Crc32,    // "crc32": CRC-32/IEEE
  Fnv1a32,  // "fnv1a_32"
  Fnv1a64,  // "fnv1a_64": low 32 bits of the 64-bit hash
  Murmur3,  // "murmur3": MurmurHash3_x86_32, seed 0
  Xxh64,    // "xxh64": low 32 bits, seed 0
  Xxh3,     // "xxh3": low 32 bits of XXH3_64bits, seed 0
};

// Parses a configured name (see the enum); unknown names are ConfigInvalid.
Result<HashFunction> hashFunctionFromName(std::string_view name);
std::string_view hashFunctionName(HashFunction function);

// Hashes a key to 32 bits with the chosen function. For Md5 this can only fail when MD5 is
// unavailable, which HashRing::build already rejects; in that case it returns 0 (and aborts in
// debug builds) rather than failing a lookup on the data path.
uint32_t hash32(HashFunction function, std::string_view key);

}  // namespace strata::core
