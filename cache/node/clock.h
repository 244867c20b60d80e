// Clock: the time source of the cache node's expiry logic, injectable so tests never sleep.
#pragma once

#include <chrono>
#include <cstdint>

namespace strata::cache::node {

// Wall-clock milliseconds since the Unix epoch. Expire times are absolute wall-clock instants
// (as Redis stores them) so EXPIREAT/PXAT and TTL agree with clients' clocks.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t nowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t nowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to; for tests of expiry.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : now_ms_(start_ms) {}
  int64_t nowMs() const override { return now_ms_; }
  void advance(int64_t ms) { now_ms_ += ms; }
  void set(int64_t ms) { now_ms_ = ms; }

 private:
  int64_t now_ms_;
};

}  // namespace strata::cache::node
