// Loop implementation: uv_loop_t plus one uv_async_t that drains the cross-thread queue.
#include "core/event/loop.h"

#include <chrono>
#include <cstdlib>

#include "core/log/log.h"

namespace strata::core {

Loop::Loop() {
  if (uv_loop_init(&loop_) != 0) {
    STRATA_LOG_ERROR("uv_loop_init failed");
    std::abort();
  }
  loop_.data = this;
  async_ = new uv_async_t{};
  uv_async_init(&loop_, async_, &Loop::onAsync);
  async_->data = this;
  // The wake-up handle alone must not keep run() alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(async_));
}

Loop::~Loop() {
  if (!closed_) {
    const int rc = close();
    if (rc != 0) {
      STRATA_LOG_ERROR("event loop closed with handles still open ({})", uv_strerror(rc));
    }
  }
}

void Loop::run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
}
void Loop::runNoWait() {
  uv_run(&loop_, UV_RUN_NOWAIT);
}
void Loop::stop() {
  uv_stop(&loop_);
}

int64_t Loop::wallMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void Loop::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    posted_.push_back(std::move(fn));
  }
  // uv_async_send is the one libuv call that is safe from any thread. A posted task counts as
  // pending work, so keep the handle referenced until it drains.
  uv_async_send(async_);
}

void Loop::onAsync(uv_async_t* handle) noexcept {
  auto* self = static_cast<Loop*>(handle->data);
  if (self != nullptr) {
    self->drainPosted();
  }
}

void Loop::drainPosted() {
  // Tasks may post more tasks; those run in the next wake-up, which uv_async_send schedules.
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) {
    try {
      fn();
    } catch (const std::exception& e) {
      STRATA_LOG_ERROR("posted task threw: {}", e.what());
    }
  }
}

int Loop::close() {
  if (closed_) {
    return 0;
  }
  drainPosted();
  async_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(async_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
  // Close whatever the owners left behind (they should have closed it themselves).
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) {
          STRATA_LOG_WARN("closing leaked libuv handle of type {}", uv_handle_type_name(h->type));
          uv_close(h, nullptr);
        }
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  closed_ = true;
  return uv_loop_close(&loop_);
}

}  // namespace strata::core
