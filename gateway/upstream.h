// Upstream side of a worker: connections to endpoints (TCP + HTTP/1 response decoder), the
// per-endpoint keep-alive pool, and the cluster with its round-robin endpoint pick.
//
// Ownership: a connection in use belongs to the UpstreamRequest that took it from the pool; an
// idle connection belongs to its EndpointPool. Connections are freed only through the worker's
// DeferredQueue, because most reasons to drop one arise inside its own callbacks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/codec/http1/codec.h"
#include "core/event/tcp.h"
#include "core/event/timer.h"
#include "gateway/config.h"
#include "gateway/deferred.h"

namespace prometheus {
class Counter;
}

namespace strata::gateway {

class EndpointPool;

// What the request using a connection hears from it. Worker thread; called from inside the
// connection's callbacks (the connection stays alive until the next loop turn at least).
class UpstreamConnectionUser {
 public:
  virtual ~UpstreamConnectionUser() = default;
  virtual void onUpstreamConnected(const core::Status& result) = 0;
  // A response head; 1xx interim responses are reported too.
  virtual void onUpstreamHead(core::http::ResponseHead&& head) = 0;
  virtual void onUpstreamBody(std::string_view chunk) = 0;
  // The response ended cleanly. `reusable` is false if the connection cannot carry another
  // request (close-delimited body, Connection: close, stray bytes after the message).
  virtual void onUpstreamComplete(core::http::HeaderMap&& trailers, bool reusable) = 0;
  // The connection failed: reset, EOF before the end of the response, or an invalid response.
  // `response_started` tells whether any response byte had arrived for this request.
  virtual void onUpstreamFailure(const core::Error& error, bool response_started) = 0;
  virtual void onUpstreamWriteDrained() = 0;
  // Bracket the events of one socket read, so the user can coalesce what it writes in reaction
  // (one writev to the client instead of one write per head and body piece).
  virtual void onUpstreamReadBegin() {}
  virtual void onUpstreamReadEnd() {}
};

class UpstreamConnection : public core::ConnectionHandler,
                           public core::http1::DecoderCallbacks,
                           public Deferrable {
 public:
  UpstreamConnection(EndpointPool& pool, core::Loop& loop);
  ~UpstreamConnection() override;

  void setUser(UpstreamConnectionUser* user) { user_ = user; }
  // Prepares the decoder for the next request on this connection.
  void beginRequest(bool head_request);
  bool write(std::string bytes) { return tcp_->write(std::move(bytes)); }
  bool writev(std::vector<std::string> pieces) { return tcp_->writev(std::move(pieces)); }
  bool writeBlocked() const { return tcp_->writeBlocked(); }
  void pauseReading() { tcp_->pauseReading(); }
  void resumeReading() { tcp_->startReading(); }
  // True once the connection has carried a complete exchange (it came from the pool).
  bool reused() const { return reused_; }
  bool closed() const { return closed_; }
  EndpointPool& pool() { return pool_; }

  // core::ConnectionHandler
  void onConnected(const core::Status& result) override;
  void onData(std::string_view bytes) override;
  void onEof() override;
  void onError(const core::Error& error) override;
  void onWriteDrained() override;

  // core::http1::DecoderCallbacks
  void onResponseHead(core::http::ResponseHead&& head) override;
  void onBody(std::string_view chunk) override;
  void onMessageComplete(core::http::HeaderMap&& trailers) override;

 private:
  friend class EndpointPool;
  enum class State { Connecting, Busy, Idle, Closed };

  void connect(const core::SocketAddress& peer);
  void handleData(std::string_view bytes);
  void failUser(const core::Error& error);
  void close();

  EndpointPool& pool_;
  core::Loop& loop_;
  std::unique_ptr<core::TcpConnection> tcp_;
  core::http1::Decoder decoder_;
  core::Timer idle_timer_;
  UpstreamConnectionUser* user_ = nullptr;
  State state_ = State::Connecting;
  bool reused_ = false;
  bool closed_ = false;
  bool response_started_ = false;
  bool message_complete_ = false;
  bool response_keep_alive_ = true;
  core::http::HeaderMap trailers_;
  // Response body decoded from one read, handed on in one piece (see DownstreamConnection).
  std::string body_batch_;
};

// Keep-alive connections to one endpoint, for one worker. Lives as long as the worker, so
// connections survive config snapshots that keep the endpoint.
class EndpointPool {
 public:
  EndpointPool(core::Loop& loop, DeferredQueue& deferred, core::SocketAddress peer);
  ~EndpointPool();
  EndpointPool(const EndpointPool&) = delete;
  EndpointPool& operator=(const EndpointPool&) = delete;

  // The most recently parked idle connection (its `reused()` is true), or nullptr.
  std::unique_ptr<UpstreamConnection> takeIdle();
  // A new connection; its user hears onUpstreamConnected.
  std::unique_ptr<UpstreamConnection> connectNew(UpstreamConnectionUser* user);
  // Hands a connection back after a request. Kept for reuse only if `reusable`, the pool has
  // room and the worker is not draining; otherwise closed.
  void release(std::unique_ptr<UpstreamConnection> conn, bool reusable);
  // Closes a connection that is in use and will not be reused.
  void discard(std::unique_ptr<UpstreamConnection> conn);

  // Idle limits from the cluster config (latest snapshot wins).
  void setLimits(uint32_t max_idle, uint64_t idle_timeout_ms);
  // Closes every idle connection and refuses to park new ones (graceful stop).
  void drain();

  const core::SocketAddress& peer() const { return peer_; }
  const std::string& name() const { return name_; }
  size_t idleCount() const { return idle_.size(); }

 private:
  friend class UpstreamConnection;
  // An idle connection closed or misbehaved: drop it from the idle list.
  void onIdleClosed(UpstreamConnection* conn);

  core::Loop& loop_;
  DeferredQueue& deferred_;
  core::SocketAddress peer_;
  std::string name_;
  std::vector<std::unique_ptr<UpstreamConnection>> idle_;  // most recent at the back
  uint32_t max_idle_ = 64;
  uint64_t idle_timeout_ms_ = 30'000;
  bool draining_ = false;
};

// A cluster as one worker sees it under one snapshot: its config, its endpoints' pools and the
// round-robin position.
class UpstreamCluster {
 public:
  UpstreamCluster(const ClusterConfig& config, std::vector<EndpointPool*> pools,
                  prometheus::Counter* requests, prometheus::Counter* connect_errors);

  const ClusterConfig& config() const { return config_; }
  // Round robin over the endpoints; `avoid` (may be null) is skipped when there is a choice,
  // so a retry after a failed connect tries another endpoint.
  EndpointPool& pick(const EndpointPool* avoid = nullptr);
  size_t endpointCount() const { return pools_.size(); }

  void countRequest();
  void countConnectError();

 private:
  const ClusterConfig& config_;
  std::vector<EndpointPool*> pools_;
  size_t next_ = 0;
  prometheus::Counter* requests_;
  prometheus::Counter* connect_errors_;
};

}  // namespace strata::gateway
