// NodeConnection: one pipelined RESP connection from a gateway worker to one cache node, with
// per-request deadlines, reconnect with capped exponential backoff and fail-fast while down.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/client/deferred.h"
#include "cache/resp/resp.h"
#include "core/error.h"
#include "core/event/address.h"
#include "core/event/loop.h"
#include "core/event/tcp.h"
#include "core/event/timer.h"

namespace strata::cache::client {

struct NodeOptions {
  // A request without a reply after this long fails with ReadTimeout. Replies are ordered, so
  // the connection is then broken and every other in-flight request fails too.
  uint64_t request_timeout_ms = 200;
  // A connect attempt that has not finished after this long counts as failed.
  uint64_t connect_timeout_ms = 500;
  // Delay before reconnecting, doubled after each failed attempt up to the cap, reset by a
  // successful connect.
  uint64_t reconnect_initial_ms = 25;
  uint64_t reconnect_max_ms = 1000;
  // Requests in flight (sent or waiting for the connect) above which new ones fail fast.
  size_t max_pending = 4096;
  resp::ReplyLimits reply_limits;
};

// Counters written on the loop thread and readable from any thread (relaxed atomics), so the
// metrics exporter on the main thread can read them without a lock.
struct NodeStats {
  std::atomic<uint64_t> requests{0};          // requests handed to this node
  std::atomic<uint64_t> errors{0};            // requests that completed with an Error
  std::atomic<uint64_t> timeouts{0};          // of those, deadline expiries (ReadTimeout)
  std::atomic<uint64_t> rejected{0};          // of those, failed fast: node down or queue full
  std::atomic<uint64_t> error_replies{0};     // replies of RESP type Error (not in errors)
  std::atomic<uint64_t> connects{0};          // successful connects
  std::atomic<uint64_t> connect_failures{0};  // failed or timed-out connect attempts
  std::atomic<uint64_t> disconnects{0};       // established connections that were lost
  std::atomic<bool> connected{false};
};

// Plain copy of NodeStats for export.
struct NodeStatsSnapshot {
  std::string name;
  std::string address;
  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t timeouts = 0;
  uint64_t rejected = 0;
  uint64_t error_replies = 0;
  uint64_t connects = 0;
  uint64_t connect_failures = 0;
  uint64_t disconnects = 0;
  bool connected = false;
};

// Called exactly once per request. A RESP error reply (-ERR ...) is a successful Result whose
// Reply has type Error; an Error Result means no reply was obtained (disconnected, timeout,
// protocol error, queue full, client destroyed).
using ReplyCallback = std::function<void(core::Result<resp::Reply>)>;

// Thread affinity: every method except stats() must be called on the loop's thread, and
// callbacks run there. Callbacks never run inside send(): a request that fails at once is
// completed on a later loop iteration. A callback may issue new requests and may destroy the
// NodeConnection.
//
// Lifetime: destroying a NodeConnection completes every request it still holds with a
// CacheBackend error ("client shut down"), synchronously inside the destructor, so callers
// waiting on a callback are always released; no callback runs after the destructor returns.
// Owners must therefore destroy it before the objects its callbacks reference. Requests issued
// from those shutdown callbacks fail at once inside the destructor too.
class NodeConnection : private core::ConnectionHandler {
 public:
  // Starts connecting at once. Requests sent while the first connect is in progress are queued
  // and written when it completes (bounded by max_pending and by their deadlines).
  NodeConnection(core::Loop& loop, std::string name, core::SocketAddress address,
                 NodeOptions options = {});
  ~NodeConnection() override;
  NodeConnection(const NodeConnection&) = delete;
  NodeConnection& operator=(const NodeConnection&) = delete;

  // Sends one command; `callback` receives its reply. `wire` must hold exactly one
  // RESP-encoded command (one reply expected).
  void send(std::string wire, ReplyCallback callback);
  void command(const std::vector<std::string_view>& argv, ReplyCallback callback);

  bool connected() const { return state_ == State::Connected; }
  size_t pending() const { return pending_.size(); }
  const std::string& name() const { return name_; }
  const core::SocketAddress& address() const { return address_; }
  // Any thread.
  NodeStatsSnapshot stats() const;

 private:
  enum class State { Disconnected, Connecting, Connected };

  struct Pending {
    ReplyCallback callback;
    uint64_t deadline_ms;
  };

  // ConnectionHandler
  void onConnected(const core::Status& result) override;
  void onData(std::string_view bytes) override;
  void onEof() override;
  void onError(const core::Error& error) override;

  void startConnect();
  void scheduleReconnect();
  // Drops the connection, fails every pending request (the first `timed_out` with ReadTimeout,
  // the rest with CacheBackend caused by `reason`) and schedules a reconnect. The callbacks
  // run last, so the caller must not touch members afterwards: one may have destroyed this.
  void breakConnection(const core::Error& reason, size_t timed_out);
  void armRequestTimer();
  void onRequestTimer();
  void rejectLater(ReplyCallback callback, core::Error error);
  core::Error backendError(std::string what) const;

  core::Loop& loop_;
  const std::string name_;
  const core::SocketAddress address_;
  const std::string address_text_;
  const NodeOptions options_;

  State state_ = State::Disconnected;
  std::unique_ptr<core::TcpConnection> conn_;
  std::string outbox_;  // commands queued while connecting
  std::deque<Pending> pending_;
  std::string inbox_;  // received bytes; the unparsed tail starts at inbox_offset_
  size_t inbox_offset_ = 0;
  resp::ReplyParser parser_;
  core::Timer request_timer_;  // deadline of the oldest pending request
  core::Timer connect_timer_;  // reconnect backoff, or connect timeout while connecting
  uint64_t backoff_ms_;
  NodeStats stats_;
  bool shutting_down_ = false;
  std::shared_ptr<bool> alive_;  // false once the destructor has begun
  DeferredCompletions deferred_;
};

}  // namespace strata::cache::client
