// Loop: one libuv event loop, owned by one thread. Cross-thread work enters only through
// post(); everything else must be called on the loop's own thread.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include <uv.h>

namespace strata::core {

class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_t* raw() { return &loop_; }

  // Runs until stop() or until no referenced handles remain.
  void run();
  // Runs one non-blocking iteration; for tests that drive the loop step by step.
  void runNoWait();
  // Makes run() return after the current iteration. Loop thread only.
  void stop();

  // Queues fn to run on the loop thread in a later iteration. Safe from any thread, and the
  // way to defer work (such as deleting an object) out of its own callback.
  void post(std::function<void()> fn);

  // Milliseconds on libuv's cached monotonic clock.
  uint64_t nowMs() const { return uv_now(&loop_); }
  // Wall clock in milliseconds since the Unix epoch.
  static int64_t wallMs();

  // Closes every handle still open, runs the loop until idle and returns uv_loop_close()'s
  // result (0 means every handle was released). Called by the destructor if not before.
  int close();

 private:
  static void onAsync(uv_async_t* handle) noexcept;
  void drainPosted();

  uv_loop_t loop_{};
  uv_async_t* async_ = nullptr;  // heap-allocated: freed by its close callback
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  bool closed_ = false;
};

}  // namespace strata::core
