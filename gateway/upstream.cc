// Upstream connections, per-endpoint keep-alive pools and round-robin clusters.
#include "gateway/upstream.h"

#include <algorithm>

#include <prometheus/counter.h>

#include "core/log/log.h"

namespace strata::gateway {

using core::Error;
using core::ErrorKind;
using core::ErrorSource;

UpstreamConnection::UpstreamConnection(EndpointPool& pool, core::Loop& loop)
    : pool_(pool),
      loop_(loop),
      decoder_(core::http1::Decoder::Kind::Response, *this),
      idle_timer_(loop) {}

UpstreamConnection::~UpstreamConnection() {
  if (tcp_) {
    tcp_->setHandler(nullptr);
  }
}

void UpstreamConnection::connect(const core::SocketAddress& peer) {
  state_ = State::Connecting;
  tcp_ = core::TcpConnection::connect(loop_, peer, this);
}

void UpstreamConnection::beginRequest(bool head_request) {
  decoder_.resume();
  decoder_.expectHeadResponse(head_request);
  response_started_ = false;
  message_complete_ = false;
  response_keep_alive_ = true;
  trailers_.clear();
}

void UpstreamConnection::close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  state_ = State::Closed;
  user_ = nullptr;
  idle_timer_.stop();
  if (tcp_) {
    tcp_->close();
  }
}

void UpstreamConnection::failUser(const Error& error) {
  auto* user = user_;
  const bool started = response_started_;
  close();
  if (user != nullptr) {
    user->onUpstreamFailure(error, started);
  }
}

void UpstreamConnection::onConnected(const core::Status& result) {
  if (closed_) {
    return;
  }
  auto* user = user_;
  if (!result) {
    close();
  } else {
    state_ = State::Busy;
    tcp_->startReading();
  }
  if (user != nullptr) {
    user->onUpstreamConnected(result);
  }
}

void UpstreamConnection::onData(std::string_view bytes) {
  if (closed_) {
    return;
  }
  if (state_ == State::Idle) {
    // An idle keep-alive connection has nothing to say; bytes here mean it cannot be trusted.
    pool_.onIdleClosed(this);
    return;
  }
  if (user_ == nullptr) {
    return;
  }
  // The user outlives this call even if it lets go of the connection meanwhile: requests are
  // freed only through the deferred queue.
  auto* user = user_;
  user->onUpstreamReadBegin();
  handleData(bytes);
  user->onUpstreamReadEnd();
}

void UpstreamConnection::handleData(std::string_view bytes) {
  response_started_ = true;
  auto consumed = decoder_.feed(bytes);
  if (closed_ || user_ == nullptr) {
    body_batch_.clear();
    return;  // the user let go of the connection during a callback
  }
  if (!body_batch_.empty()) {
    // What decoded before an error still goes out: the client sees the body cut where the
    // upstream went wrong, as it would have piece by piece.
    std::string batch = std::move(body_batch_);
    body_batch_.clear();
    user_->onUpstreamBody(batch);
    if (closed_ || user_ == nullptr) {
      return;
    }
  }
  if (!consumed) {
    failUser(consumed.error());
    return;
  }
  if (message_complete_) {
    message_complete_ = false;
    const bool stray_bytes = *consumed < bytes.size();
    auto* user = user_;
    user->onUpstreamComplete(std::move(trailers_), response_keep_alive_ && !stray_bytes);
  }
}

void UpstreamConnection::onEof() {
  if (closed_) {
    return;
  }
  if (state_ == State::Idle) {
    pool_.onIdleClosed(this);
    return;
  }
  auto finished = decoder_.finish();
  if (finished && message_complete_ && user_ != nullptr) {
    // A body framed by the connection's close ended here.
    message_complete_ = false;
    auto* user = user_;
    close();
    user->onUpstreamComplete(std::move(trailers_), false);
    return;
  }
  if (!finished && response_started_) {
    failUser(finished.error());
    return;
  }
  failUser(Error::make(ErrorKind::ConnectionReset,
                       response_started_ ? "upstream closed the connection mid-response"
                                         : "upstream closed the connection before responding",
                       ErrorSource::Upstream, core::RetryDecision::Yes));
}

void UpstreamConnection::onError(const Error& error) {
  if (closed_) {
    return;
  }
  if (state_ == State::Idle) {
    pool_.onIdleClosed(this);
    return;
  }
  Error upstream = error;
  upstream.source = ErrorSource::Upstream;
  upstream.context = "upstream " + pool_.name() + ": " + upstream.context;
  failUser(upstream);
}

void UpstreamConnection::onWriteDrained() {
  if (!closed_ && user_ != nullptr) {
    user_->onUpstreamWriteDrained();
  }
}

void UpstreamConnection::onResponseHead(core::http::ResponseHead&& head) {
  if (head.status >= 200) {
    response_keep_alive_ = head.keep_alive;
  }
  if (user_ != nullptr) {
    user_->onUpstreamHead(std::move(head));
  }
}

void UpstreamConnection::onBody(std::string_view chunk) {
  if (user_ != nullptr) {
    body_batch_.append(chunk);
  }
}

void UpstreamConnection::onMessageComplete(core::http::HeaderMap&& trailers) {
  // Reported after feed() returns, outside the decoder, so the user may re-park the connection.
  message_complete_ = true;
  trailers_ = std::move(trailers);
}

EndpointPool::EndpointPool(core::Loop& loop, DeferredQueue& deferred, core::SocketAddress peer)
    : loop_(loop), deferred_(deferred), peer_(peer), name_(peer.toString()) {}

EndpointPool::~EndpointPool() {
  for (auto& conn : idle_) {
    conn->close();
  }
}

void EndpointPool::setLimits(uint32_t max_idle, uint64_t idle_timeout_ms) {
  max_idle_ = max_idle;
  idle_timeout_ms_ = idle_timeout_ms;
}

std::unique_ptr<UpstreamConnection> EndpointPool::takeIdle() {
  while (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    if (conn->closed()) {
      deferred_.deleteLater(std::move(conn));
      continue;
    }
    conn->idle_timer_.stop();
    conn->state_ = UpstreamConnection::State::Busy;
    return conn;
  }
  return nullptr;
}

std::unique_ptr<UpstreamConnection> EndpointPool::connectNew(UpstreamConnectionUser* user) {
  auto conn = std::make_unique<UpstreamConnection>(*this, loop_);
  conn->setUser(user);
  conn->connect(peer_);
  return conn;
}

void EndpointPool::release(std::unique_ptr<UpstreamConnection> conn, bool reusable) {
  if (!reusable || draining_ || conn->closed() || idle_.size() >= max_idle_) {
    discard(std::move(conn));
    return;
  }
  auto* raw = conn.get();
  raw->user_ = nullptr;
  raw->state_ = UpstreamConnection::State::Idle;
  raw->reused_ = true;
  raw->decoder_.resume();
  raw->tcp_->startReading();  // to notice the peer closing while idle
  raw->idle_timer_.start(idle_timeout_ms_, [this, raw] { onIdleClosed(raw); });
  idle_.push_back(std::move(conn));
}

void EndpointPool::discard(std::unique_ptr<UpstreamConnection> conn) {
  if (!conn) {
    return;
  }
  conn->close();
  deferred_.deleteLater(std::move(conn));
}

void EndpointPool::onIdleClosed(UpstreamConnection* conn) {
  auto it = std::find_if(
      idle_.begin(), idle_.end(),
      [conn](const std::unique_ptr<UpstreamConnection>& c) { return c.get() == conn; });
  if (it == idle_.end()) {
    conn->close();
    return;
  }
  auto owned = std::move(*it);
  idle_.erase(it);
  discard(std::move(owned));
}

void EndpointPool::drain() {
  draining_ = true;
  for (auto& conn : idle_) {
    conn->close();
    deferred_.deleteLater(std::move(conn));
  }
  idle_.clear();
}

UpstreamCluster::UpstreamCluster(const ClusterConfig& config, std::vector<EndpointPool*> pools,
                                 prometheus::Counter* requests, prometheus::Counter* connect_errors)
    : config_(config),
      pools_(std::move(pools)),
      requests_(requests),
      connect_errors_(connect_errors) {}

EndpointPool& UpstreamCluster::pick(const EndpointPool* avoid) {
  EndpointPool* chosen = pools_[next_ % pools_.size()];
  ++next_;
  if (chosen == avoid && pools_.size() > 1) {
    chosen = pools_[next_ % pools_.size()];
    ++next_;
  }
  return *chosen;
}

void UpstreamCluster::countRequest() {
  if (requests_ != nullptr) {
    requests_->Increment();
  }
}

void UpstreamCluster::countConnectError() {
  if (connect_errors_ != nullptr) {
    connect_errors_->Increment();
  }
}

}  // namespace strata::gateway
