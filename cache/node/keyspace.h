// Keyspace: the cache node's single database. A hash map from key to entry (value plus
// absolute expire time), an array of the keys that carry a TTL for O(1) random sampling, an
// index of the keys in hash order for SCAN's cursor, the passive and active expiry that Redis
// performs, and a running byte count for INFO memory.
#pragma once

#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "cache/node/clock.h"

namespace strata::cache::node {

// A stored value. Only strings exist today; hashes and lists join as further alternatives,
// and commands check the alternative to answer WRONGTYPE, so no command assumes a string.
using Value = std::variant<std::string>;

enum class ValueType { String };

inline ValueType valueType(const Value& value) {
  return static_cast<ValueType>(value.index());
}

constexpr int64_t kNoExpiry = -1;

struct Entry {
  Value value;
  int64_t expire_at_ms = kNoExpiry;  // absolute wall-clock ms, or kNoExpiry
  uint32_t expire_slot = 0;          // index in the expiring-keys array when expire_at_ms set
};

// Transparent hashing so lookups by string_view need no temporary std::string.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

struct ExpireCycleStats {
  size_t sampled = 0;
  size_t expired = 0;
  size_t rounds = 0;
};

class Keyspace {
 public:
  using Map = std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>>;
  // A stored key and its entry. Node-based map: the address stays valid until the key is
  // deleted, which is what lets the expiring-keys array point at items.
  using Item = Map::value_type;

  // Keys sampled per round of the active cycle, and the share of expired keys in a sample
  // above which another round runs (Redis: 20 keys, 25%).
  static constexpr size_t kSampleSize = 20;
  static constexpr size_t kRepeatPercent = 25;
  // Bookkeeping bytes charged per key on top of key and value bytes: the map node, the bucket
  // pointer and the string headers. An estimate, kept so used_memory tracks key count too.
  // The scan index adds a tree node per key (three links, a colour, the pair).
  static constexpr size_t kEntryOverhead =
      sizeof(Item) + 2 * sizeof(void*) + 4 * sizeof(void*) + sizeof(std::pair<size_t, void*>);

  explicit Keyspace(const Clock& clock, uint64_t seed = 0x5eed);
  Keyspace(const Keyspace&) = delete;
  Keyspace& operator=(const Keyspace&) = delete;

  // Looks a key up for reading: deletes it first if its time has passed (passive expiry) and
  // counts a keyspace hit or miss. Returns nullptr when absent.
  Item* lookupRead(std::string_view key);
  // Same as lookupRead without touching the hit/miss counters (writes, DEL, EXPIRE).
  Item* lookupWrite(std::string_view key);

  // Stores a string value, replacing any value. The TTL is cleared unless keep_ttl.
  Item& setString(std::string_view key, std::string_view value, bool keep_ttl = false);
  // Replaces the value of an existing item in place, keeping its TTL.
  void replaceString(Item& item, std::string_view value);
  // Appends to a string item in place (amortized, no copy of the old value).
  void appendString(Item& item, std::string_view suffix);
  // Deletes the key if present. Callers that report whether a key existed call lookupWrite
  // first, so a key whose time has passed is not counted as deleted.
  bool erase(std::string_view key);
  // Deletes an item; the reference is dangling afterwards.
  void erase(Item& item);

  // Gives an item a new key, keeping its value and TTL (RENAME). The caller erases any item
  // already at `to` first. The map node itself moves, so pointers to the item (the
  // expiring-keys array) stay valid.
  Item& rename(Item& item, std::string_view to);
  // A key chosen at random, deleting keys whose time has passed on the way (RANDOMKEY); null
  // when the keyspace is empty. A random bucket, then the next non-empty one: cheap, slightly
  // biased towards keys after empty runs, which RANDOMKEY does not promise against.
  Item* randomItem();
  // Calls fn(const Item&) for every key whose time has not passed, in table order (KEYS).
  // Expired keys are skipped, not deleted, so fn may not change the keyspace.
  template <typename Fn>
  void forEachLive(Fn&& fn) const {
    const int64_t now_ms = clock_.nowMs();
    for (const Item& item : map_) {
      const int64_t when = item.second.expire_at_ms;
      if (when == kNoExpiry || now_ms <= when) {
        fn(item);
      }
    }
  }

  // SCAN: appends to `out` the items from `cursor` on in hash order, at least `count` of them
  // unless the keyspace ends first (keys sharing a hash are never split), and returns the
  // cursor to continue from, 0 once every key was visited. Items may have expired: the caller
  // checks them after the walk. Because the order is by the key's hash, not by position in a
  // table, inserts, deletes and rehashing between calls cannot hide a key from a scan: every
  // key present for the whole scan is returned exactly once.
  uint64_t scan(uint64_t cursor, uint64_t count, std::vector<Item*>& out);

  // Sets or clears an absolute expire time.
  void setExpire(Item& item, int64_t expire_at_ms);
  // Returns true if the item had a TTL.
  bool persist(Item& item);

  // Active expiry (Redis's activeExpireCycle): samples kSampleSize keys with a TTL at random,
  // deletes the expired ones, and repeats while more than kRepeatPercent of a sample was
  // expired and the time budget (steady clock) lasts.
  ExpireCycleStats activeExpireCycle(int64_t budget_us);

  void clear();
  // CONFIG RESETSTAT: zeroes the hit, miss and expired-key counters.
  void resetStats() { hits_ = misses_ = expired_keys_ = 0; }

  int64_t nowMs() const { return clock_.nowMs(); }
  size_t size() const { return map_.size(); }
  size_t expiresSize() const { return expiring_.size(); }
  // Bytes held by keys, values and per-key bookkeeping.
  size_t usedBytes() const { return used_bytes_; }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }
  uint64_t expiredKeys() const { return expired_keys_; }

 private:
  static size_t valueBytes(const Value& value);
  static size_t itemBytes(const Item& item) {
    return item.first.size() + valueBytes(item.second.value) + kEntryOverhead;
  }
  bool expireIfNeeded(Item& item, int64_t now_ms);
  void removeFromExpiring(Item& item);

  size_t hashOf(std::string_view key) const { return map_.hash_function()(key); }

  const Clock& clock_;
  Map map_;
  // Every key by (hash, item), the order SCAN walks; the item pointer breaks hash ties.
  std::set<std::pair<size_t, Item*>> scan_index_;
  std::vector<Item*> expiring_;
  size_t used_bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  uint64_t expired_keys_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace strata::cache::node
