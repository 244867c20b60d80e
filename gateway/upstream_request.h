// UpstreamRequest: one request's exchange with its cluster, the terminal stage of the filter
// chain. Picks an endpoint (round robin), takes a pooled keep-alive connection or opens one,
// streams the request head and body upstream, and streams the response back to its owner.
//
// Failures before any response byte: connect refused -> one try on another endpoint (nothing
// was sent yet), a pooled connection that turns out closed -> one retry on a fresh connection
// for idempotent methods (the peer's keep-alive timeout raced our reuse), connect or response
// timeout -> 504. Once a response head has been delivered nothing is retried.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/event/timer.h"
#include "core/http/message.h"
#include "gateway/upstream.h"

namespace strata::gateway {

// What the ActiveRequest hears from its UpstreamRequest. Worker thread.
class UpstreamRequestCallbacks {
 public:
  virtual ~UpstreamRequestCallbacks() = default;
  // The request head is on the wire; the request body can flow (and "100 Continue" be sent).
  virtual void onUpstreamReady() = 0;
  // The final response head (interim 1xx responses are consumed here).
  virtual void onUpstreamResponseHead(core::http::ResponseHead&& head) = 0;
  virtual void onUpstreamResponseBody(std::string_view chunk) = 0;
  virtual void onUpstreamResponseEnd(core::http::HeaderMap&& trailers) = 0;
  // The exchange failed for good (after any retry). The connection is already gone.
  virtual void onUpstreamError(const core::Error& error) = 0;
  // The upstream write queue drained: more request body may be sent.
  virtual void onUpstreamBodyDrained() = 0;
  // Bracket the callbacks caused by one upstream socket read.
  virtual void onUpstreamReadBegin() {}
  virtual void onUpstreamReadEnd() {}
};

class UpstreamRequest : public UpstreamConnectionUser {
 public:
  // `head` is the request exactly as it goes upstream (normalised target, forwarding headers,
  // framing fields set by the caller).
  UpstreamRequest(UpstreamRequestCallbacks& callbacks, UpstreamCluster& cluster, core::Loop& loop,
                  core::http::RequestHead head);
  ~UpstreamRequest() override;
  UpstreamRequest(const UpstreamRequest&) = delete;
  UpstreamRequest& operator=(const UpstreamRequest&) = delete;

  void start();
  // A piece of request body (after the filters); re-framed for the upstream.
  void sendBody(std::string chunk);
  // The request body ended (trailers go out with a chunked body).
  void endBody(const core::http::HeaderMap& trailers);
  // False while the upstream socket's write queue is full or too much body waits for the
  // connection: the caller stops reading the client until onUpstreamBodyDrained().
  bool acceptsBody() const;
  // Response back-pressure: stop/restart reading the upstream socket.
  void pauseResponse();
  void resumeResponse();
  // Drops the exchange: the connection is closed (never reused) and no callback follows.
  void cancel();

  bool responseStarted() const { return phase_ == Phase::Responding; }

  // UpstreamConnectionUser
  void onUpstreamConnected(const core::Status& result) override;
  void onUpstreamHead(core::http::ResponseHead&& head) override;
  void onUpstreamBody(std::string_view chunk) override;
  void onUpstreamComplete(core::http::HeaderMap&& trailers, bool reusable) override;
  void onUpstreamFailure(const core::Error& error, bool response_started) override;
  void onUpstreamWriteDrained() override;
  void onUpstreamReadBegin() override { callbacks_.onUpstreamReadBegin(); }
  void onUpstreamReadEnd() override { callbacks_.onUpstreamReadEnd(); }

 private:
  enum class Phase { Idle, Connecting, Sent, Responding, Done, Failed };

  void attempt(const EndpointPool* avoid);
  void connectTo(EndpointPool& pool);
  void dispatch();
  void queueOrWrite(std::string piece);
  void armTimer(uint64_t ms);
  void onTimer();
  void failWith(const core::Error& error);
  void dropConnection();

  UpstreamRequestCallbacks& callbacks_;
  UpstreamCluster& cluster_;
  core::Loop& loop_;
  core::http::RequestHead head_;
  core::Timer timer_;
  std::unique_ptr<UpstreamConnection> conn_;
  EndpointPool* pool_ = nullptr;
  Phase phase_ = Phase::Idle;

  // Encoded body pieces waiting for the connection, and copies of what went out on a reused
  // connection while a retry is still possible.
  std::vector<std::string> pending_;
  size_t pending_bytes_ = 0;
  std::vector<std::string> replay_;
  size_t replay_bytes_ = 0;
  bool keep_replay_ = false;

  bool body_done_ = false;
  bool response_paused_ = false;  // back-pressure from a slow client
  bool idempotent_ = false;
  bool retried_ = false;
  int connect_attempts_ = 0;
  uint64_t last_activity_ms_ = 0;
};

}  // namespace strata::gateway
