// DownstreamConnection: decoding, pipelining order, response framing, keep-alive and closing.
#include "gateway/downstream_connection.h"

#include "core/log/log.h"
#include "gateway/active_request.h"
#include "gateway/error_status.h"
#include "gateway/worker.h"

namespace strata::gateway {

using core::http::BodyFraming;

namespace {

// Pipelined bytes buffered while a response is in progress before the client is paused.
constexpr size_t kMaxBufferedInput = 64 * 1024;
// After answering with "Connection: close", how long unread client bytes are drained before the
// socket is closed. Closing with unread data makes the kernel send a reset, which can destroy
// the response in flight (the classic lingering-close problem).
constexpr uint64_t kLingerMs = 2'000;

core::http1::DecoderLimits limitsFor(const ListenerConfig& listener) {
  core::http1::DecoderLimits limits;
  limits.max_header_bytes = listener.max_header_bytes;
  limits.max_body_bytes = listener.max_body_bytes;
  return limits;
}

}  // namespace

DownstreamConnection::DownstreamConnection(Worker& worker, const ListenerConfig& listener,
                                           std::unique_ptr<core::TcpConnection> tcp)
    : worker_(worker),
      idle_timeout_ms_(listener.idle_timeout_ms),
      tcp_(std::move(tcp)),
      decoder_(core::http1::Decoder::Kind::Request, *this, limitsFor(listener)),
      timer_(worker.loop()),
      send_timer_(worker.loop()) {
  worker_.metrics().downstream_connections_active->Increment();
  worker_.metrics().downstream_connections_total->Increment();
}

DownstreamConnection::~DownstreamConnection() {
  tcp_->setHandler(nullptr);
  tcp_->close();
  current_.reset();
  worker_.metrics().downstream_connections_active->Decrement();
}

void DownstreamConnection::start() {
  tcp_->setHandler(this);
  tcp_->startReading();
  armIdleTimer();
}

void DownstreamConnection::armIdleTimer() {
  // The whole next request head must arrive within the idle timeout: a client trickling header
  // bytes does not keep the connection alive.
  timer_.start(idle_timeout_ms_, [this] { closeNow(); });
}

// ---- input ----------------------------------------------------------------------------------

void DownstreamConnection::onData(std::string_view bytes) {
  if (closed_) {
    return;
  }
  if (lingering_) {
    return;  // draining what the client still sends after our final response
  }
  if (input_.empty()) {
    const size_t used = consume(bytes);
    if (!closed_ && !lingering_ && used < bytes.size()) {
      input_.assign(bytes.substr(used));
    }
  } else {
    input_.append(bytes);
    const size_t used = consume(input_);
    if (!closed_ && !lingering_) {
      input_.erase(0, used);
    }
  }
  updateReading();
}

// Feeds the decoder one message at a time; stops while a request is in progress (the decoder
// pauses after each message) and returns how many bytes were used.
size_t DownstreamConnection::consume(std::string_view data) {
  in_consume_ = true;
  size_t offset = 0;
  while (offset < data.size() && !closed_ && !lingering_) {
    if (decoder_.paused()) {
      if (!canStartRequest()) {
        break;  // the previous response is still going out, or the client is not reading it
      }
      decoder_.resume();
    }
    auto used = decoder_.feed(data.substr(offset));
    if (!used) {
      in_consume_ = false;
      body_batch_.clear();  // the request is refused; what it sent goes nowhere
      onCodecError(used.error());
      return data.size();
    }
    flushBody();
    if (*used == 0) {
      break;
    }
    offset += *used;
  }
  in_consume_ = false;
  return offset;
}

// A pipelined request starts only once the previous one finished and the client has read its
// responses down to the write queue's high watermark. Answering requests from a client that does
// not read would queue their responses without bound (each one may be a cache hit or a local
// answer that no upstream back-pressure slows down).
bool DownstreamConnection::canStartRequest() const {
  return !current_ && !tcp_->writeBlocked();
}

void DownstreamConnection::processPending() {
  if (closed_ || lingering_ || current_ || input_.empty()) {
    return;
  }
  const size_t used = consume(input_);
  if (!closed_ && !lingering_) {
    input_.erase(0, used);
  }
  updateReading();
}

void DownstreamConnection::updateReading() {
  if (closed_) {
    return;
  }
  if (lingering_ || (!backpressure_ && input_.size() < kMaxBufferedInput)) {
    tcp_->startReading();
  } else {
    tcp_->pauseReading();
  }
}

void DownstreamConnection::setRequestBackpressure(bool blocked) {
  if (backpressure_ != blocked) {
    backpressure_ = blocked;
    updateReading();
  }
}

void DownstreamConnection::onRequestHead(core::http::RequestHead&& head) {
  timer_.stop();
  request_done_ = false;
  response_done_ = false;
  close_after_response_ = false;
  body_mode_ = BodyMode::None;
  current_ = std::make_unique<ActiveRequest>(*this, worker_.state(), std::move(head));
  armBodyTimer();
  current_->start();
}

void DownstreamConnection::armBodyTimer() {
  // A request body that stops arriving is bounded by the same idle timeout as a request head.
  timer_.start(idle_timeout_ms_, [this] { onBodyTimeout(); });
}

void DownstreamConnection::onBodyTimeout() {
  if (closed_ || !current_ || request_done_) {
    return;
  }
  STRATA_LOG_DEBUG("client {}: request body stalled", tcp_->peerAddress().toString());
  must_close_ = true;
  if (current_->responseHeadSent()) {
    closeNow();
    return;
  }
  current_->onDownstreamCodecError(408);
}

void DownstreamConnection::onBody(std::string_view chunk) {
  if (current_) {
    body_batch_.append(chunk);
  }
}

void DownstreamConnection::flushBody() {
  if (body_batch_.empty()) {
    return;
  }
  std::string batch = std::move(body_batch_);
  body_batch_.clear();
  if (current_ && !closed_) {
    armBodyTimer();
    current_->onRequestBody(batch);
  }
}

void DownstreamConnection::onMessageComplete(core::http::HeaderMap&& trailers) {
  flushBody();
  request_done_ = true;
  if (!lingering_) {
    timer_.stop();
  }
  if (current_) {
    current_->onRequestComplete(std::move(trailers));
  }
  maybeFinishRequest();
}

void DownstreamConnection::onCodecError(const core::Error& error) {
  int status = decoder_.errorStatus();
  if (status < 400) {
    status = statusForError(error);
  }
  STRATA_LOG_DEBUG("client {}: {} -> {}", tcp_->peerAddress().toString(), error.describe(), status);
  must_close_ = true;
  if (current_) {
    if (current_->responseHeadSent()) {
      closeNow();  // the request broke mid-body while its response was going out
      return;
    }
    current_->onDownstreamCodecError(status);
    return;
  }
  // No request object: the head itself was refused. Answer and close; nothing went upstream.
  const std::string body = localResponseBody(status);
  auto head = localResponseHead(status, body.size(), true);
  tcp_->writev({core::http1::encodeResponseHead(head), body});
  worker_.state()->route_metrics.record(RouteMetricsCache::npos, status, 0.0);
  closeGracefully();
}

// ---- output ---------------------------------------------------------------------------------

void DownstreamConnection::send(std::string bytes) {
  if (closed_ || bytes.empty()) {
    return;
  }
  if (cork_ > 0) {
    out_.push_back(std::move(bytes));
  } else {
    response_flushed_ = true;
    tcp_->write(std::move(bytes));
    watchSendProgress();
  }
}

void DownstreamConnection::flush() {
  if (out_.empty()) {
    return;
  }
  if (!closed_) {
    response_flushed_ = true;
    tcp_->writev(std::move(out_));
    watchSendProgress();
  }
  out_.clear();
}

void DownstreamConnection::watchSendProgress() {
  if (!closed_ && tcp_->writeBlocked() && !send_timer_.active()) {
    send_mark_ = tcp_->queuedWriteBytes();
    send_timer_.start(idle_timeout_ms_, [this] { onSendTimeout(); });
  }
}

void DownstreamConnection::onSendTimeout() {
  if (closed_ || !tcp_->writeBlocked()) {
    return;
  }
  // While the queue is above its high watermark nothing large is added to it (the upstream and
  // pipelined requests are paused), so a shrinking queue means the client is reading, however
  // slowly, and gets another period.
  const size_t queued = tcp_->queuedWriteBytes();
  if (queued < send_mark_) {
    send_mark_ = queued;
    send_timer_.start(idle_timeout_ms_, [this] { onSendTimeout(); });
    return;
  }
  STRATA_LOG_DEBUG("client {}: read nothing for {} ms, closing", tcp_->peerAddress().toString(),
                   idle_timeout_ms_);
  closeNow();
}

void DownstreamConnection::uncork() {
  if (cork_ > 0 && --cork_ == 0) {
    flush();
  }
}

void DownstreamConnection::sendContinue() {
  send("HTTP/1.1 100 Continue\r\n\r\n");
  flush();
}

void DownstreamConnection::beginResponse(core::http::ResponseHead& head,
                                         const ResponseContext& context) {
  // Every earlier response was flushed at its end (and a 100 Continue at once), so from here on
  // the cork buffer holds this response only.
  flush();
  response_flushed_ = false;
  auto& headers = head.headers;
  const bool no_body = context.head_request || head.status < 200 || head.status == 204 ||
                       head.status == 304 || head.framing == BodyFraming::None;
  if (no_body) {
    // Content-Length stays as the upstream sent it for HEAD and 304, where it describes the
    // representation, not this message. A 1xx or 204 must not carry one (RFC 9110 §8.6): a client
    // that believed it would read the next response as this one's body. Transfer-Encoding never
    // describes a body that is not sent.
    body_mode_ = BodyMode::None;
    if (head.status < 200 || head.status == 204) {
      headers.remove("content-length");
    }
    headers.remove("transfer-encoding");
  } else if (head.framing == BodyFraming::ContentLength) {
    body_mode_ = BodyMode::Length;
    headers.set("Content-Length", std::to_string(head.content_length));
  } else if (context.request_minor >= 1) {
    // Chunked upstream, or a body the upstream ends by closing: chunked for HTTP/1.1 clients so
    // the connection survives the response.
    body_mode_ = BodyMode::Chunked;
    headers.remove("content-length");
    headers.set("Transfer-Encoding", "chunked");
  } else {
    body_mode_ = BodyMode::UntilClose;  // an HTTP/1.0 client reads until close
    headers.remove("content-length");
  }
  const bool keep_alive = context.request_keep_alive && !draining_ && !must_close_ &&
                          !peer_closed_ && !context.body_state_unknown &&
                          body_mode_ != BodyMode::UntilClose;
  if (!keep_alive) {
    headers.set("Connection", "close");
    close_after_response_ = true;
  } else if (context.request_minor == 0) {
    headers.set("Connection", "keep-alive");
  }
  head.version_minor = 1;
  send(core::http1::encodeResponseHead(head));
}

void DownstreamConnection::writeResponseBody(std::string chunk) {
  if (closed_ || chunk.empty()) {
    return;
  }
  switch (body_mode_) {
    case BodyMode::None:
      break;
    case BodyMode::Length:
    case BodyMode::UntilClose:
      send(std::move(chunk));
      break;
    case BodyMode::Chunked:
      send(core::http1::encodeChunk(chunk));
      break;
  }
}

void DownstreamConnection::endResponse(const core::http::HeaderMap& trailers) {
  if (body_mode_ == BodyMode::Chunked) {
    send(core::http1::encodeLastChunk(trailers));
  }
  // The whole response is queued in order before the connection may close or move on.
  flush();
  response_done_ = true;
  maybeFinishRequest();
}

bool DownstreamConnection::discardUnsentResponse() {
  if (closed_ || lingering_ || response_flushed_ || cork_ == 0) {
    return false;
  }
  out_.clear();
  body_mode_ = BodyMode::None;
  close_after_response_ = false;
  return true;
}

void DownstreamConnection::abortResponse() {
  must_close_ = true;
  closeNow();
}

// ---- request end, keep-alive and closing ----------------------------------------------------

void DownstreamConnection::maybeFinishRequest() {
  if (!current_ || !response_done_ || closed_) {
    return;
  }
  if (!request_done_ && !close_after_response_) {
    return;  // the rest of the request body is still read (and dropped) before the next one
  }
  current_->complete();
  worker_.deferred().deleteLater(std::move(current_));
  if (close_after_response_ || peer_closed_ || draining_ || must_close_) {
    closeGracefully();
    return;
  }
  if (tcp_->writeBlocked()) {
    // The client has not read its responses yet: the send timer watches it, and the next
    // pipelined request waits for onWriteDrained().
    updateReading();
    return;
  }
  armIdleTimer();
  if (!in_consume_ && !input_.empty()) {
    // Pipelined requests continue on the next loop turn, outside the stack that finished this
    // one (which may be deep inside an upstream connection's callbacks).
    worker_.deferred().runLater([this] { processPending(); });
  }
  updateReading();
}

void DownstreamConnection::closeGracefully() {
  if (closed_ || lingering_) {
    return;
  }
  if (current_) {
    current_->abort(false);
    worker_.deferred().deleteLater(std::move(current_));
  }
  lingering_ = true;
  if (!in_consume_) {
    input_.clear();  // inside consume() the caller still reads it; it is ignored from now on
  }
  flush();
  tcp_->shutdownWrite();
  tcp_->startReading();
  timer_.start(kLingerMs, [this] { closeNow(); });
}

void DownstreamConnection::closeNow() {
  if (closed_) {
    return;
  }
  closed_ = true;
  timer_.stop();
  send_timer_.stop();
  if (current_) {
    current_->abort(!current_->responseComplete());
    worker_.deferred().deleteLater(std::move(current_));
  }
  tcp_->close();
  worker_.removeConnection(this);
}

void DownstreamConnection::drain() {
  draining_ = true;
  if (!current_) {
    closeNow();
  }
}

void DownstreamConnection::onEof() {
  if (closed_) {
    return;
  }
  if (lingering_ || !current_) {
    closeNow();
    return;
  }
  if (!request_done_) {
    closeNow();  // the client went away in the middle of its request
    return;
  }
  // A half-close after a complete request: answer it, then close.
  peer_closed_ = true;
}

void DownstreamConnection::onError(const core::Error& error) {
  (void)error;  // only used by debug builds' logging
  STRATA_LOG_DEBUG("client {}: {}", tcp_->peerAddress().toString(), error.describe());
  closeNow();
}

void DownstreamConnection::onWriteDrained() {
  send_timer_.stop();
  if (closed_) {
    return;
  }
  if (current_) {
    current_->onDownstreamDrained();
    return;
  }
  if (!lingering_) {
    // Requests held back while the client was not reading go on now, on a fresh stack.
    armIdleTimer();
    if (!input_.empty()) {
      worker_.deferred().runLater([this] { processPending(); });
    }
    updateReading();
  }
}

}  // namespace strata::gateway
