// DeferredQueue: runs work and frees objects on a later turn of the worker's loop, so nothing is
// ever deleted inside its own callback (STYLE.md, libuv rule 4) and pipelined requests continue
// outside the stack that finished the previous one.
//
// It is a zero-delay Timer rather than Loop::post(): post() takes a mutex and wakes the loop
// through an eventfd write, which is right across threads but wasteful for same-thread work on
// every request.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/event/loop.h"
#include "core/event/timer.h"

namespace strata::gateway {

// Base for objects whose deletion may be deferred.
class Deferrable {
 public:
  virtual ~Deferrable() = default;
};

class DeferredQueue {
 public:
  explicit DeferredQueue(core::Loop& loop) : timer_(loop) {}
  DeferredQueue(const DeferredQueue&) = delete;
  DeferredQueue& operator=(const DeferredQueue&) = delete;

  // Loop thread only. Tasks queued before a drain run before the objects queued for deletion in
  // the same drain, so a task may still look at an object that is about to go (callers check a
  // "closed" flag). Work queued during a drain waits for the next one.
  void runLater(std::function<void()> task) {
    tasks_.push_back(std::move(task));
    arm();
  }
  void deleteLater(std::unique_ptr<Deferrable> object) {
    doomed_.push_back(std::move(object));
    arm();
  }

  // Runs everything queued until nothing is left (shutdown).
  void drainAll() {
    while (!tasks_.empty() || !doomed_.empty()) {
      drain();
    }
    timer_.stop();
    armed_ = false;
  }

 private:
  void arm() {
    if (!armed_) {
      armed_ = true;
      timer_.start(0, [this] { drain(); });
    }
  }

  void drain() {
    armed_ = false;
    auto tasks = std::move(tasks_);
    tasks_.clear();
    auto doomed = std::move(doomed_);
    doomed_.clear();
    for (auto& task : tasks) {
      task();
    }
    doomed.clear();
  }

  core::Timer timer_;
  bool armed_ = false;
  std::vector<std::function<void()>> tasks_;
  std::vector<std::unique_ptr<Deferrable>> doomed_;
};

}  // namespace strata::gateway
