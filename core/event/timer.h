// Timer: a one-shot or repeating libuv timer with a std::function callback.
#pragma once

#include <cstdint>
#include <functional>

#include "core/event/loop.h"

namespace strata::core {

class Timer {
 public:
  explicit Timer(Loop& loop);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // (Re)arms the timer; repeat_ms == 0 means one-shot. The callback runs on the loop thread and
  // may destroy this Timer.
  void start(uint64_t timeout_ms, std::function<void()> callback, uint64_t repeat_ms = 0);
  void stop();
  bool active() const;
  // A background timer does not keep the loop alive.
  void unref();

 private:
  static void onTimer(uv_timer_t* handle) noexcept;

  uv_timer_t* handle_;
  std::function<void()> callback_;
};

// Signal: runs a callback on the loop thread when the process receives signum.
class SignalWatcher {
 public:
  SignalWatcher(Loop& loop, int signum, std::function<void()> callback);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;
  void unref();

 private:
  uv_signal_t* handle_;
  std::function<void()> callback_;
};

// Ignores SIGINT and SIGTERM for the rest of the process's life. Called once shutdown has begun
// and the signal watchers are gone: libuv then restores the default action, and a repeated
// signal (an impatient operator, a supervisor's retry) would turn a clean exit into a kill.
void ignoreStopSignals();

}  // namespace strata::core
