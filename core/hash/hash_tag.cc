// Redis Cluster hash-tag extraction and slot computation.
#include "core/hash/hash_tag.h"

#include "core/hash/hash.h"

namespace strata::core {

std::string_view hashTagOf(std::string_view key, char open, char close) {
  const size_t start = key.find(open);
  if (start == std::string_view::npos) {
    return key;
  }
  // Search for the closing delimiter only after the opening one: in "}{abc" the leading '}'
  // closes nothing. An immediately following close ("{}") is an empty tag, which Redis treats
  // as no tag at all rather than skipping ahead to a later pair.
  const size_t end = key.find(close, start + 1);
  if (end == std::string_view::npos || end == start + 1) {
    return key;
  }
  return key.substr(start + 1, end - start - 1);
}

uint16_t redisClusterSlot(std::string_view key) {
  // 16384 is a power of two, so the modulo is the low 14 bits of the CRC.
  return static_cast<uint16_t>(crc16Xmodem(hashTagOf(key)) & (kRedisClusterSlots - 1));
}

}  // namespace strata::core
