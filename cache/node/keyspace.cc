// Keyspace: storage, passive and active expiry, and memory accounting.
#include "cache/node/keyspace.h"

#include <chrono>
#include <iterator>

namespace strata::cache::node {

Keyspace::Keyspace(const Clock& clock, uint64_t seed) : clock_(clock), rng_(seed) {}

size_t Keyspace::valueBytes(const Value& value) {
  return std::visit([](const auto& v) -> size_t { return v.size(); }, value);
}

bool Keyspace::expireIfNeeded(Item& item, int64_t now_ms) {
  const int64_t when = item.second.expire_at_ms;
  // A key is live through its expire instant and gone after it, as in Redis (now > when).
  if (when == kNoExpiry || now_ms <= when) {
    return false;
  }
  erase(item);
  expired_keys_++;
  return true;
}

Keyspace::Item* Keyspace::lookupWrite(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    return nullptr;
  }
  Item& item = *it;
  if (item.second.expire_at_ms != kNoExpiry && expireIfNeeded(item, clock_.nowMs())) {
    return nullptr;
  }
  return &item;
}

Keyspace::Item* Keyspace::lookupRead(std::string_view key) {
  Item* item = lookupWrite(key);
  if (item == nullptr) {
    misses_++;
  } else {
    hits_++;
  }
  return item;
}

Keyspace::Item& Keyspace::setString(std::string_view key, std::string_view value, bool keep_ttl) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    it = map_.emplace(std::string(key), Entry{Value(std::in_place_index<0>, value)}).first;
    used_bytes_ += itemBytes(*it);
    scan_index_.emplace(hashOf(it->first), &*it);
    return *it;
  }
  Item& item = *it;
  replaceString(item, value);
  if (!keep_ttl) {
    persist(item);
  }
  return item;
}

void Keyspace::replaceString(Item& item, std::string_view value) {
  used_bytes_ -= valueBytes(item.second.value);
  if (auto* str = std::get_if<std::string>(&item.second.value)) {
    str->assign(value);  // reuses the existing buffer when it is large enough
  } else {
    item.second.value.emplace<std::string>(value);
  }
  used_bytes_ += value.size();
}

void Keyspace::appendString(Item& item, std::string_view suffix) {
  if (auto* str = std::get_if<std::string>(&item.second.value)) {
    str->append(suffix);
    used_bytes_ += suffix.size();
  }
}

bool Keyspace::erase(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    return false;
  }
  erase(*it);
  return true;
}

void Keyspace::erase(Item& item) {
  removeFromExpiring(item);
  used_bytes_ -= itemBytes(item);
  scan_index_.erase({hashOf(item.first), &item});
  // Erase through an iterator: the key argument must not be a reference into the node.
  map_.erase(map_.find(item.first));
}

Keyspace::Item& Keyspace::rename(Item& item, std::string_view to) {
  scan_index_.erase({hashOf(item.first), &item});
  auto node = map_.extract(map_.find(item.first));
  used_bytes_ -= node.key().size();
  node.key().assign(to);
  used_bytes_ += to.size();
  Item& moved = *map_.insert(std::move(node)).position;
  scan_index_.emplace(hashOf(moved.first), &moved);
  return moved;
}

Keyspace::Item* Keyspace::randomItem() {
  while (!map_.empty()) {
    const size_t buckets = map_.bucket_count();
    size_t bucket = std::uniform_int_distribution<size_t>(0, buckets - 1)(rng_);
    while (map_.bucket_size(bucket) == 0) {
      bucket = (bucket + 1) % buckets;
    }
    const size_t skip =
        std::uniform_int_distribution<size_t>(0, map_.bucket_size(bucket) - 1)(rng_);
    auto it = map_.begin(bucket);
    std::advance(it, static_cast<std::ptrdiff_t>(skip));
    Item& item = *map_.find(it->first);
    // Each retry deletes a key, so the loop ends.
    if (item.second.expire_at_ms == kNoExpiry || !expireIfNeeded(item, clock_.nowMs())) {
      return &item;
    }
  }
  return nullptr;
}

uint64_t Keyspace::scan(uint64_t cursor, uint64_t count, std::vector<Item*>& out) {
  auto it = scan_index_.lower_bound({static_cast<size_t>(cursor), nullptr});
  uint64_t visited = 0;
  while (it != scan_index_.end() && visited < count) {
    const size_t hash = it->first;
    for (; it != scan_index_.end() && it->first == hash; ++it) {
      out.push_back(it->second);
      visited++;
    }
  }
  // The next hash is never 0: a key hashing to 0 is first in the order, visited by cursor 0.
  return it == scan_index_.end() ? 0 : it->first;
}

void Keyspace::setExpire(Item& item, int64_t expire_at_ms) {
  if (expire_at_ms == kNoExpiry) {
    persist(item);
    return;
  }
  if (item.second.expire_at_ms == kNoExpiry) {
    item.second.expire_slot = static_cast<uint32_t>(expiring_.size());
    expiring_.push_back(&item);
  }
  item.second.expire_at_ms = expire_at_ms;
}

bool Keyspace::persist(Item& item) {
  if (item.second.expire_at_ms == kNoExpiry) {
    return false;
  }
  removeFromExpiring(item);
  return true;
}

// Swap-remove keeps the array dense, so sampling stays a single random index.
void Keyspace::removeFromExpiring(Item& item) {
  if (item.second.expire_at_ms == kNoExpiry) {
    return;
  }
  const uint32_t slot = item.second.expire_slot;
  Item* last = expiring_.back();
  expiring_[slot] = last;
  last->second.expire_slot = slot;
  expiring_.pop_back();
  item.second.expire_at_ms = kNoExpiry;
  item.second.expire_slot = 0;
}

// Sampling with replacement from the dense array costs O(1) per key and needs no cursor. The
// repeat rule keeps memory held by dead keys near 25% of the TTL population without scanning
// it all; the budget bounds the latency one cycle can add to the commands queued behind it.
ExpireCycleStats Keyspace::activeExpireCycle(int64_t budget_us) {
  ExpireCycleStats stats;
  const auto start = std::chrono::steady_clock::now();
  const int64_t now_ms = clock_.nowMs();
  while (!expiring_.empty()) {
    const size_t sample = std::min(kSampleSize, expiring_.size());
    size_t expired = 0;
    for (size_t i = 0; i < sample && !expiring_.empty(); i++) {
      std::uniform_int_distribution<size_t> pick(0, expiring_.size() - 1);
      if (expireIfNeeded(*expiring_[pick(rng_)], now_ms)) {
        expired++;
      }
    }
    stats.sampled += sample;
    stats.expired += expired;
    stats.rounds++;
    if (expired * 100 <= sample * kRepeatPercent) {
      break;
    }
    // Reading the clock every round would cost more than a round; Redis checks every 16.
    if (stats.rounds % 16 == 0) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
      if (elapsed.count() > budget_us) {
        break;
      }
    }
  }
  return stats;
}

void Keyspace::clear() {
  expiring_.clear();
  scan_index_.clear();
  map_.clear();
  used_bytes_ = 0;
}

}  // namespace strata::cache::node
