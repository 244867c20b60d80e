// UpstreamRequest: endpoint pick, pooled or fresh connection, streaming, timeouts and the one
// retry rule.
#include "gateway/upstream_request.h"

#include "core/codec/http1/codec.h"
#include "core/log/log.h"

namespace strata::gateway {

using core::Error;
using core::ErrorKind;
using core::ErrorSource;

namespace {

// Request body bytes held while the connection is not ready before the client is paused.
constexpr size_t kMaxPendingBody = 64 * 1024;
// A body larger than this is not kept for a retry; such requests fail with 502 instead.
constexpr size_t kMaxReplayBody = 64 * 1024;

bool isIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS" || method == "TRACE";
}

}  // namespace

UpstreamRequest::UpstreamRequest(UpstreamRequestCallbacks& callbacks, UpstreamCluster& cluster,
                                 core::Loop& loop, core::http::RequestHead head)
    : callbacks_(callbacks),
      cluster_(cluster),
      loop_(loop),
      head_(std::move(head)),
      timer_(loop),
      idempotent_(isIdempotent(head_.method)) {}

UpstreamRequest::~UpstreamRequest() {
  cancel();
}

void UpstreamRequest::start() {
  attempt(nullptr);
}

void UpstreamRequest::attempt(const EndpointPool* avoid) {
  EndpointPool& pool = cluster_.pick(avoid);
  pool_ = &pool;
  conn_ = pool.takeIdle();
  if (conn_) {
    conn_->setUser(this);
    dispatch();
    return;
  }
  connectTo(pool);
}

void UpstreamRequest::connectTo(EndpointPool& pool) {
  pool_ = &pool;
  phase_ = Phase::Connecting;
  ++connect_attempts_;
  conn_ = pool.connectNew(this);
  armTimer(cluster_.config().connect_timeout_ms);
}

void UpstreamRequest::dispatch() {
  phase_ = Phase::Sent;
  cluster_.countRequest();
  conn_->beginRequest(head_.method == "HEAD");
  if (!head_.headers.has("host")) {
    // Only HTTP/1.0 clients may omit Host; an HTTP/1.1 upstream needs one.
    head_.headers.add("Host", pool_->name());
  }
  keep_replay_ = idempotent_ && conn_->reused() && !retried_;
  std::vector<std::string> pieces;
  pieces.reserve(pending_.size() + 1);
  pieces.push_back(core::http1::encodeRequestHead(head_));
  for (auto& piece : pending_) {
    if (keep_replay_) {
      replay_bytes_ += piece.size();
      replay_.push_back(piece);
    }
    pieces.push_back(std::move(piece));
  }
  pending_.clear();
  pending_bytes_ = 0;
  if (replay_bytes_ > kMaxReplayBody) {
    keep_replay_ = false;
    replay_.clear();
  }
  last_activity_ms_ = loop_.nowMs();
  armTimer(cluster_.config().response_timeout_ms);
  if (!conn_->writev(std::move(pieces))) {
    onUpstreamFailure(Error::make(ErrorKind::ConnectionReset,
                                  "upstream " + pool_->name() + " closed before the request",
                                  ErrorSource::Upstream),
                      false);
    return;
  }
  callbacks_.onUpstreamReady();
}

void UpstreamRequest::queueOrWrite(std::string piece) {
  if (piece.empty()) {
    return;
  }
  if (phase_ == Phase::Idle || phase_ == Phase::Connecting) {
    pending_bytes_ += piece.size();
    pending_.push_back(std::move(piece));
    return;
  }
  if (phase_ != Phase::Sent && phase_ != Phase::Responding) {
    return;  // the exchange is over; the rest of the body has nowhere to go
  }
  if (keep_replay_) {
    replay_bytes_ += piece.size();
    if (replay_bytes_ > kMaxReplayBody) {
      keep_replay_ = false;
      replay_.clear();
    } else {
      replay_.push_back(piece);
    }
  }
  last_activity_ms_ = loop_.nowMs();
  conn_->write(std::move(piece));
}

void UpstreamRequest::sendBody(std::string chunk) {
  if (chunk.empty()) {
    return;
  }
  if (head_.framing == core::http::BodyFraming::Chunked) {
    queueOrWrite(core::http1::encodeChunk(chunk));
  } else {
    queueOrWrite(std::move(chunk));
  }
}

void UpstreamRequest::endBody(const core::http::HeaderMap& trailers) {
  body_done_ = true;
  if (head_.framing == core::http::BodyFraming::Chunked) {
    queueOrWrite(core::http1::encodeLastChunk(trailers));
  }
}

bool UpstreamRequest::acceptsBody() const {
  if (pending_bytes_ >= kMaxPendingBody) {
    return false;
  }
  return !(conn_ && (phase_ == Phase::Sent || phase_ == Phase::Responding) &&
           conn_->writeBlocked());
}

void UpstreamRequest::pauseResponse() {
  if (conn_ && phase_ == Phase::Responding) {
    response_paused_ = true;
    conn_->pauseReading();
  }
}

void UpstreamRequest::resumeResponse() {
  response_paused_ = false;
  last_activity_ms_ = loop_.nowMs();
  if (conn_ && phase_ == Phase::Responding) {
    conn_->resumeReading();
  }
}

void UpstreamRequest::dropConnection() {
  if (conn_) {
    conn_->setUser(nullptr);
    pool_->discard(std::move(conn_));
  }
}

void UpstreamRequest::cancel() {
  timer_.stop();
  dropConnection();
  if (phase_ != Phase::Done) {
    phase_ = Phase::Failed;
  }
}

void UpstreamRequest::armTimer(uint64_t ms) {
  timer_.start(ms, [this] { onTimer(); });
}

void UpstreamRequest::onTimer() {
  if (phase_ == Phase::Connecting) {
    cluster_.countConnectError();
    failWith(Error::make(ErrorKind::ConnectTimeout,
                         "connecting to " + pool_->name() + " timed out after " +
                             std::to_string(cluster_.config().connect_timeout_ms) + " ms",
                         ErrorSource::Upstream));
    return;
  }
  if (phase_ != Phase::Sent && phase_ != Phase::Responding) {
    return;
  }
  // The timeout measures the upstream's silence, so a long but steady transfer is never cut
  // off. Time spent waiting on the client does not count: while the client reads slowly (we
  // stopped reading the upstream) or has not finished sending its body (and the upstream is
  // not the one holding it back), the client side's own idle timeout applies instead.
  const bool waiting_on_client =
      response_paused_ ||
      (!body_done_ && !(conn_ && phase_ == Phase::Sent && conn_->writeBlocked()));
  if (waiting_on_client) {
    last_activity_ms_ = loop_.nowMs();
  }
  const uint64_t timeout = cluster_.config().response_timeout_ms;
  const uint64_t idle = loop_.nowMs() - last_activity_ms_;
  if (idle < timeout) {
    armTimer(timeout - idle);
    return;
  }
  failWith(Error::make(
      ErrorKind::ReadTimeout,
      "upstream " + pool_->name() + " sent nothing for " + std::to_string(timeout) + " ms",
      ErrorSource::Upstream));
}

void UpstreamRequest::failWith(const Error& error) {
  timer_.stop();
  dropConnection();
  phase_ = Phase::Failed;
  callbacks_.onUpstreamError(error);
}

void UpstreamRequest::onUpstreamConnected(const core::Status& result) {
  if (phase_ != Phase::Connecting) {
    return;
  }
  if (result) {
    dispatch();
    return;
  }
  cluster_.countConnectError();
  EndpointPool* failed = pool_;
  dropConnection();
  // Nothing was sent, so any method may try another endpoint once.
  if (connect_attempts_ < 2 && cluster_.endpointCount() > 1) {
    attempt(failed);
    return;
  }
  Error error = Error::make(result.error().kind,
                            "cannot connect to " + failed->name() + ": " + result.error().context,
                            ErrorSource::Upstream);
  failWith(error);
}

void UpstreamRequest::onUpstreamHead(core::http::ResponseHead&& head) {
  last_activity_ms_ = loop_.nowMs();
  if (head.status < 200) {
    // The gateway answers Expect itself and strips it upstream; other interim responses
    // (103 Early Hints) are dropped rather than forwarded.
    if (head.status == 101) {
      failWith(Error::make(ErrorKind::InvalidResponse,
                           "upstream " + pool_->name() + " switched protocols unasked",
                           ErrorSource::Upstream));
    }
    return;
  }
  phase_ = Phase::Responding;
  keep_replay_ = false;
  replay_.clear();
  callbacks_.onUpstreamResponseHead(std::move(head));
}

void UpstreamRequest::onUpstreamBody(std::string_view chunk) {
  last_activity_ms_ = loop_.nowMs();
  callbacks_.onUpstreamResponseBody(chunk);
}

void UpstreamRequest::onUpstreamComplete(core::http::HeaderMap&& trailers, bool reusable) {
  timer_.stop();
  phase_ = Phase::Done;
  if (conn_) {
    // A connection whose request was not fully sent is out of step with its peer.
    conn_->setUser(nullptr);
    pool_->release(std::move(conn_), reusable && body_done_ && pending_.empty());
  }
  callbacks_.onUpstreamResponseEnd(std::move(trailers));
}

void UpstreamRequest::onUpstreamFailure(const Error& error, bool response_started) {
  const bool was_reused = conn_ && conn_->reused();
  dropConnection();
  if (phase_ == Phase::Sent && !response_started && was_reused && keep_replay_ && !retried_) {
    // The pooled connection was closed by the peer as we reused it: nothing reached the
    // application, so send the request again on a fresh connection.
    STRATA_LOG_DEBUG("retrying {} {} on a fresh connection to {}: {}", head_.method, head_.target,
                     pool_->name(), error.describe());
    retried_ = true;
    pending_ = std::move(replay_);
    pending_bytes_ = replay_bytes_;
    replay_.clear();
    replay_bytes_ = 0;
    keep_replay_ = false;
    timer_.stop();
    connectTo(*pool_);
    return;
  }
  failWith(error);
}

void UpstreamRequest::onUpstreamWriteDrained() {
  if (phase_ == Phase::Sent || phase_ == Phase::Responding) {
    callbacks_.onUpstreamBodyDrained();
  }
}

}  // namespace strata::gateway
