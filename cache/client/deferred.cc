// DeferredCompletions: a zero-delay timer draining a FIFO of completions.
#include "cache/client/deferred.h"

#include "core/log/log.h"

namespace strata::cache::client {

DeferredCompletions::DeferredCompletions(core::Loop& loop)
    : timer_(loop), alive_(std::make_shared<bool>(true)) {}

DeferredCompletions::~DeferredCompletions() {
  *alive_ = false;
  runAll();
}

void DeferredCompletions::runAll() {
  timer_.stop();
  // Completions queued by these completions run too: the queue is empty only when drained.
  while (!queue_.empty()) {
    auto completion = std::move(queue_.front());
    queue_.pop_front();
    completion();
  }
}

void DeferredCompletions::push(std::function<void()> completion) {
  queue_.push_back(std::move(completion));
  if (!timer_.active()) {
    timer_.start(0, [this]() { drain(); });
  }
}

void DeferredCompletions::drain() {
  // Only what was queued before this pass: a completion that queues another request to a node
  // that is still down must not keep this pass spinning.
  size_t budget = queue_.size();
  const auto alive = alive_;
  while (budget-- > 0 && !queue_.empty()) {
    auto completion = std::move(queue_.front());
    queue_.pop_front();
    completion();
    if (!*alive) {
      return;  // the owner died inside the completion; its destructor ran the rest
    }
  }
  if (!queue_.empty()) {
    timer_.start(0, [this]() { drain(); });
  }
}

}  // namespace strata::cache::client
