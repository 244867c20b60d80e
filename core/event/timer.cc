// Timer and SignalWatcher over uv_timer_t and uv_signal_t.
#include "core/event/timer.h"

#include <csignal>

#include "core/event/handle.h"
#include "core/log/log.h"

namespace strata::core {

Timer::Timer(Loop& loop) : handle_(new uv_timer_t{}) {
  uv_timer_init(loop.raw(), handle_);
  handle_->data = this;
}

Timer::~Timer() {
  detail::closeAndFree(handle_);
}

void Timer::start(uint64_t timeout_ms, std::function<void()> callback, uint64_t repeat_ms) {
  callback_ = std::move(callback);
  uv_timer_start(handle_, &Timer::onTimer, timeout_ms, repeat_ms);
}

void Timer::stop() {
  uv_timer_stop(handle_);
}

bool Timer::active() const {
  return uv_is_active(reinterpret_cast<const uv_handle_t*>(handle_)) != 0;
}

void Timer::unref() {
  uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
}

void Timer::onTimer(uv_timer_t* handle) noexcept {
  auto* self = static_cast<Timer*>(handle->data);
  if (self == nullptr || !self->callback_) {
    return;
  }
  try {
    // Copy first: the callback may re-arm the timer with a new callback or destroy the Timer.
    auto callback = self->callback_;
    callback();
  } catch (const std::exception& e) {
    STRATA_LOG_ERROR("timer callback threw: {}", e.what());
  }
}

SignalWatcher::SignalWatcher(Loop& loop, int signum, std::function<void()> callback)
    : handle_(new uv_signal_t{}), callback_(std::move(callback)) {
  uv_signal_init(loop.raw(), handle_);
  handle_->data = this;
  uv_signal_start(
      handle_,
      [](uv_signal_t* h, int) noexcept {
        auto* self = static_cast<SignalWatcher*>(h->data);
        if (self != nullptr && self->callback_) {
          try {
            auto callback = self->callback_;
            callback();
          } catch (const std::exception& e) {
            STRATA_LOG_ERROR("signal callback threw: {}", e.what());
          }
        }
      },
      signum);
}

void ignoreStopSignals() {
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
}

SignalWatcher::~SignalWatcher() {
  detail::closeAndFree(handle_);
}

void SignalWatcher::unref() {
  uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
}

}  // namespace strata::core
