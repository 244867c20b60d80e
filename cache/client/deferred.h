// DeferredCompletions: runs callbacks on a later loop iteration instead of inside the call that
// decided them, so a request that fails fast never re-enters its caller.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>

#include "core/event/loop.h"
#include "core/event/timer.h"

namespace strata::cache::client {

// Loop thread only. Completions queued here run in FIFO order from a zero-delay timer. The
// destructor runs whatever is still queued, so every queued completion runs exactly once and
// none runs after the owner is gone. A completion may destroy the owner of this queue.
class DeferredCompletions {
 public:
  explicit DeferredCompletions(core::Loop& loop);
  ~DeferredCompletions();
  DeferredCompletions(const DeferredCompletions&) = delete;
  DeferredCompletions& operator=(const DeferredCompletions&) = delete;

  void push(std::function<void()> completion);
  // Runs everything queued now, including completions queued meanwhile; for owners that must
  // release their callers before their own members go away.
  void runAll();
  size_t size() const { return queue_.size(); }

 private:
  void drain();

  core::Timer timer_;
  std::deque<std::function<void()>> queue_;
  std::shared_ptr<bool> alive_;
};

}  // namespace strata::cache::client
