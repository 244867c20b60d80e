// NodeConnection: connect / pipeline / deadline / reconnect state machine for one cache node.
#include "cache/client/node_connection.h"

#include <algorithm>

#include "core/log/log.h"

namespace strata::cache::client {

namespace {
// Bytes of consumed input kept at the front of the inbox before it is compacted.
constexpr size_t kInboxCompactBytes = 64 * 1024;
// An idle inbox larger than this gives its memory back (after one very large reply).
constexpr size_t kInboxKeepCapacity = 1024 * 1024;
}  // namespace

NodeConnection::NodeConnection(core::Loop& loop, std::string name, core::SocketAddress address,
                               NodeOptions options)
    : loop_(loop),
      name_(std::move(name)),
      address_(address),
      address_text_(address.toString()),
      options_(options),
      parser_(options.reply_limits),
      request_timer_(loop),
      connect_timer_(loop),
      backoff_ms_(std::max<uint64_t>(options.reconnect_initial_ms, 1)),
      alive_(std::make_shared<bool>(true)),
      deferred_(loop) {
  // Reconnecting is background work: it must not keep a loop alive that has nothing else to
  // do. In-flight requests keep it alive through the request timer and the socket.
  connect_timer_.unref();
  startConnect();
}

NodeConnection::~NodeConnection() {
  *alive_ = false;
  shutting_down_ = true;
  conn_.reset();
  request_timer_.stop();
  connect_timer_.stop();
  stats_.connected.store(false, std::memory_order_relaxed);
  std::deque<Pending> failed;
  failed.swap(pending_);
  stats_.errors.fetch_add(failed.size(), std::memory_order_relaxed);
  const core::Error error = backendError("client shut down");
  for (Pending& request : failed) {
    request.callback(tl::unexpected(error));
  }
  deferred_.runAll();
}

core::Error NodeConnection::backendError(std::string what) const {
  return core::Error::make(core::ErrorKind::CacheBackend,
                           "cache node " + name_ + " (" + address_text_ + "): " + what,
                           core::ErrorSource::Upstream, core::RetryDecision::No);
}

NodeStatsSnapshot NodeConnection::stats() const {
  NodeStatsSnapshot out;
  out.name = name_;
  out.address = address_text_;
  out.requests = stats_.requests.load(std::memory_order_relaxed);
  out.errors = stats_.errors.load(std::memory_order_relaxed);
  out.timeouts = stats_.timeouts.load(std::memory_order_relaxed);
  out.rejected = stats_.rejected.load(std::memory_order_relaxed);
  out.error_replies = stats_.error_replies.load(std::memory_order_relaxed);
  out.connects = stats_.connects.load(std::memory_order_relaxed);
  out.connect_failures = stats_.connect_failures.load(std::memory_order_relaxed);
  out.disconnects = stats_.disconnects.load(std::memory_order_relaxed);
  out.connected = stats_.connected.load(std::memory_order_relaxed);
  return out;
}

void NodeConnection::command(const std::vector<std::string_view>& argv, ReplyCallback callback) {
  send(resp::encodeCommand(argv), std::move(callback));
}

void NodeConnection::rejectLater(ReplyCallback callback, core::Error error) {
  stats_.errors.fetch_add(1, std::memory_order_relaxed);
  stats_.rejected.fetch_add(1, std::memory_order_relaxed);
  deferred_.push([callback = std::move(callback), error = std::move(error)]() {
    callback(tl::unexpected(error));
  });
}

void NodeConnection::send(std::string wire, ReplyCallback callback) {
  if (shutting_down_) {
    // Issued from a shutdown callback: there is no later iteration to defer to.
    stats_.errors.fetch_add(1, std::memory_order_relaxed);
    callback(tl::unexpected(backendError("client shut down")));
    return;
  }
  stats_.requests.fetch_add(1, std::memory_order_relaxed);
  // Fail fast while down: queueing until the node returns would turn a dead node into a pile
  // of hung requests; the caller decides whether to fail open.
  if (state_ == State::Disconnected) {
    rejectLater(std::move(callback), backendError("not connected"));
    return;
  }
  if (pending_.size() >= options_.max_pending) {
    rejectLater(std::move(callback), backendError("too many requests in flight (" +
                                                  std::to_string(pending_.size()) + ")"));
    return;
  }
  if (state_ == State::Connecting) {
    outbox_.append(wire);
  } else if (!conn_->write(std::move(wire))) {
    rejectLater(std::move(callback), backendError("connection closed"));
    return;
  }
  pending_.push_back(Pending{std::move(callback), loop_.nowMs() + options_.request_timeout_ms});
  if (pending_.size() == 1) {
    armRequestTimer();
  }
}

void NodeConnection::startConnect() {
  state_ = State::Connecting;
  conn_ = core::TcpConnection::connect(loop_, address_, this);
  connect_timer_.start(options_.connect_timeout_ms, [this]() {
    stats_.connect_failures.fetch_add(1, std::memory_order_relaxed);
    breakConnection(core::Error::make(core::ErrorKind::ConnectTimeout,
                                      "connect to " + address_text_ + " timed out",
                                      core::ErrorSource::Upstream, core::RetryDecision::Yes),
                    0);
  });
}

void NodeConnection::scheduleReconnect() {
  connect_timer_.start(backoff_ms_, [this]() { startConnect(); });
  backoff_ms_ = std::min(backoff_ms_ * 2, std::max<uint64_t>(options_.reconnect_max_ms, 1));
}

void NodeConnection::onConnected(const core::Status& result) {
  connect_timer_.stop();
  if (!result) {
    stats_.connect_failures.fetch_add(1, std::memory_order_relaxed);
    breakConnection(result.error(), 0);
    return;
  }
  state_ = State::Connected;
  stats_.connects.fetch_add(1, std::memory_order_relaxed);
  stats_.connected.store(true, std::memory_order_relaxed);
  backoff_ms_ = std::max<uint64_t>(options_.reconnect_initial_ms, 1);
  conn_->startReading();
  if (!outbox_.empty()) {
    std::string queued;
    queued.swap(outbox_);
    if (!conn_->write(std::move(queued))) {
      breakConnection(backendError("connection closed"), 0);
    }
  }
}

void NodeConnection::onData(std::string_view bytes) {
  inbox_.append(bytes);
  const auto alive = alive_;
  while (state_ == State::Connected) {
    size_t consumed = 0;
    resp::Reply reply;
    const auto outcome =
        parser_.parse(std::string_view(inbox_).substr(inbox_offset_), consumed, reply);
    if (outcome == resp::ParseOutcome::NeedMore) {
      break;
    }
    if (outcome == resp::ParseOutcome::Error) {
      breakConnection(core::Error::make(core::ErrorKind::InvalidResponse, parser_.error(),
                                        core::ErrorSource::Upstream),
                      0);
      return;
    }
    inbox_offset_ += consumed;
    if (pending_.empty()) {
      breakConnection(core::Error::make(core::ErrorKind::InvalidResponse, "reply without a request",
                                        core::ErrorSource::Upstream),
                      0);
      return;
    }
    Pending request = std::move(pending_.front());
    pending_.pop_front();
    if (reply.isError()) {
      stats_.error_replies.fetch_add(1, std::memory_order_relaxed);
    }
    armRequestTimer();
    request.callback(std::move(reply));
    if (!*alive) {
      return;
    }
  }
  if (inbox_offset_ == inbox_.size()) {
    if (inbox_.capacity() > kInboxKeepCapacity) {
      std::string().swap(inbox_);
    } else {
      inbox_.clear();
    }
    inbox_offset_ = 0;
  } else if (inbox_offset_ > kInboxCompactBytes && inbox_offset_ * 2 > inbox_.size()) {
    // The parser keeps offsets relative to the unparsed tail, so moving the tail is safe.
    inbox_.erase(0, inbox_offset_);
    inbox_offset_ = 0;
  }
}

void NodeConnection::onEof() {
  breakConnection(
      core::Error::make(core::ErrorKind::ConnectionReset, "connection closed by the cache node",
                        core::ErrorSource::Upstream, core::RetryDecision::Yes),
      0);
}

void NodeConnection::onError(const core::Error& error) {
  breakConnection(error, 0);
}

void NodeConnection::armRequestTimer() {
  if (pending_.empty()) {
    request_timer_.stop();
    return;
  }
  // Requests share one timeout and complete in order, so the oldest has the nearest deadline.
  const uint64_t now = loop_.nowMs();
  const uint64_t deadline = pending_.front().deadline_ms;
  request_timer_.start(deadline > now ? deadline - now : 0, [this]() { onRequestTimer(); });
}

void NodeConnection::onRequestTimer() {
  const uint64_t now = loop_.nowMs();
  size_t expired = 0;
  while (expired < pending_.size() && pending_[expired].deadline_ms <= now) {
    ++expired;
  }
  if (expired == 0) {
    armRequestTimer();
    return;
  }
  // The late reply would still arrive ahead of the later ones; with no way to tell it apart,
  // the connection is unusable and is replaced.
  core::Error timeout =
      backendError("no reply within " + std::to_string(options_.request_timeout_ms) + " ms");
  timeout.kind = core::ErrorKind::ReadTimeout;
  breakConnection(timeout, expired);
}

void NodeConnection::breakConnection(const core::Error& reason, size_t timed_out) {
  if (state_ == State::Connected) {
    stats_.disconnects.fetch_add(1, std::memory_order_relaxed);
    STRATA_LOG_WARN("cache node {} ({}) connection lost: {}", name_, address_text_,
                    reason.describe());
  }
  state_ = State::Disconnected;
  stats_.connected.store(false, std::memory_order_relaxed);
  conn_.reset();  // allowed from inside its own handler callback
  outbox_.clear();
  inbox_.clear();
  inbox_offset_ = 0;
  parser_.reset();
  request_timer_.stop();
  connect_timer_.stop();
  scheduleReconnect();

  std::deque<Pending> failed;
  failed.swap(pending_);
  timed_out = std::min(timed_out, failed.size());
  // Count before calling back: a callback may destroy this object.
  stats_.errors.fetch_add(failed.size(), std::memory_order_relaxed);
  stats_.timeouts.fetch_add(timed_out, std::memory_order_relaxed);
  const core::Error timeout_error =
      core::Error::make(core::ErrorKind::ReadTimeout, reason.context, core::ErrorSource::Upstream);
  const core::Error lost_error = backendError("request aborted").withCause(reason);
  size_t index = 0;
  for (Pending& request : failed) {
    // Every callback of the batch runs, even if an earlier one destroyed this object: they
    // were moved out and are owed exactly one call.
    request.callback(tl::unexpected(index < timed_out ? timeout_error : lost_error));
    ++index;
  }
}

}  // namespace strata::cache::client
