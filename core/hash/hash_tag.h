// Redis Cluster hash tags and key slots: which part of a key decides its shard, so that related
// keys ("{user1000}.following", "{user1000}.followers") can be placed together.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::core {

// Number of slots in a Redis Cluster keyspace.
inline constexpr uint16_t kRedisClusterSlots = 16384;

// The part of `key` that is hashed, by the Redis Cluster rule: find the first `open`; find the
// first `close` after it; if both exist and at least one byte lies between them, that content
// is the tag, otherwise the whole key is hashed. Only the first `open` counts, so an empty "{}"
// means "whole key" even when a later "{...}" follows ("foo{}{bar}" hashes all of it), and
// nested braces are not balanced ("foo{{bar}}" hashes "{bar"). The returned view points into
// `key`. Configurable delimiters serve twemproxy-style pools whose hash_tag is not "{}".
std::string_view hashTagOf(std::string_view key, char open = '{', char close = '}');

// CRC-16/XMODEM of the key's hash tag, modulo 16384: the slot Redis Cluster assigns the key.
uint16_t redisClusterSlot(std::string_view key);

}  // namespace strata::core
