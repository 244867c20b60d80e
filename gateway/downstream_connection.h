// DownstreamConnection: one client connection speaking HTTP/1.1. Feeds the request decoder,
// runs one ActiveRequest at a time (pipelined requests wait in the input buffer and are answered
// strictly in order), frames responses for the client, and owns keep-alive, idle timeout,
// codec-error answers and the lingering close.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/codec/http1/codec.h"
#include "core/event/tcp.h"
#include "core/event/timer.h"
#include "gateway/deferred.h"

namespace strata::gateway {

class ActiveRequest;
class Worker;
struct ListenerConfig;

// What the connection needs to know about a request to frame its response.
struct ResponseContext {
  bool head_request = false;
  int request_minor = 1;
  bool request_keep_alive = true;
  // An "Expect: 100-continue" request whose body was never asked for: the client may or may
  // not send it, so the connection cannot carry another request.
  bool body_state_unknown = false;
};

class DownstreamConnection : public core::ConnectionHandler,
                             public core::http1::DecoderCallbacks,
                             public Deferrable {
 public:
  DownstreamConnection(Worker& worker, const ListenerConfig& listener,
                       std::unique_ptr<core::TcpConnection> tcp);
  ~DownstreamConnection() override;

  void start();
  // Graceful stop: an idle connection closes now, a busy one after its current response.
  void drain();
  // Closes at once; an unfinished request completes as reset.
  void closeNow();

  Worker& worker() { return worker_; }
  const core::SocketAddress& peerAddress() const { return tcp_->peerAddress(); }

  // Response path, used by the ActiveRequest.
  void sendContinue();
  // Frames and writes the head. Sets Connection and the framing fields for this client.
  void beginResponse(core::http::ResponseHead& head, const ResponseContext& context);
  void writeResponseBody(std::string chunk);
  void endResponse(const core::http::HeaderMap& trailers);
  bool writeBlocked() const { return tcp_->writeBlocked(); }
  // While corked, response bytes collect and go out in one writev at uncork() (or at the end of
  // the response). Calls nest.
  void cork() { ++cork_; }
  void uncork();
  // The request cannot go on (upstream broke mid-response): close without finishing it.
  void abortResponse();
  // If no byte of the response begun with beginResponse() has left the cork buffer yet, drops it
  // and returns true: the caller may send another response (an error status) in its place.
  bool discardUnsentResponse();
  // Request body back-pressure: stop reading the client while the upstream cannot take more.
  void setRequestBackpressure(bool blocked);

  // core::ConnectionHandler
  void onData(std::string_view bytes) override;
  void onEof() override;
  void onError(const core::Error& error) override;
  void onWriteDrained() override;

  // core::http1::DecoderCallbacks
  void onRequestHead(core::http::RequestHead&& head) override;
  void onBody(std::string_view chunk) override;
  void onMessageComplete(core::http::HeaderMap&& trailers) override;

 private:
  enum class BodyMode { None, Length, Chunked, UntilClose };

  void send(std::string bytes);
  void flush();
  size_t consume(std::string_view data);
  void processPending();
  void onCodecError(const core::Error& error);
  void maybeFinishRequest();
  void armBodyTimer();
  void onBodyTimeout();
  void flushBody();
  void watchSendProgress();
  void onSendTimeout();
  bool canStartRequest() const;
  void closeGracefully();
  void updateReading();
  void armIdleTimer();

  Worker& worker_;
  const uint64_t idle_timeout_ms_;
  std::unique_ptr<core::TcpConnection> tcp_;
  core::http1::Decoder decoder_;
  core::Timer timer_;  // idle timeout, request body timeout, then linger deadline
  // Runs while the write queue is above its high watermark: a client that accepts no bytes for
  // a whole idle timeout is cut off, so it cannot hold the connection and its upstream forever.
  core::Timer send_timer_;
  size_t send_mark_ = 0;  // queued bytes when send_timer_ was last armed
  std::string input_;     // bytes read but not yet decoded (a pipelined request)
  // Request body decoded during one feed, handed on in one piece: a body of tiny chunks must not
  // become one queued write (with its bookkeeping) per chunk.
  std::string body_batch_;
  std::unique_ptr<ActiveRequest> current_;
  std::vector<std::string> out_;  // corked output
  int cork_ = 0;
  bool response_flushed_ = false;  // bytes of the current response went to the socket

  BodyMode body_mode_ = BodyMode::None;
  bool request_done_ = false;
  bool response_done_ = false;
  bool close_after_response_ = false;
  bool must_close_ = false;  // the request stream is unusable (codec error, aborted response)
  bool in_consume_ = false;
  bool backpressure_ = false;
  bool peer_closed_ = false;
  bool draining_ = false;
  bool lingering_ = false;
  bool closed_ = false;
};

}  // namespace strata::gateway
