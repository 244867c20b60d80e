// TcpConnection and TcpListener over uv_tcp_t.
#include "core/event/tcp.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "core/event/handle.h"
#include "core/log/log.h"

namespace strata::core {

namespace {
constexpr size_t kReadBufferSize = 64 * 1024;

Error uvError(int code, std::string_view what, ErrorKind kind) {
  return Error::make(kind, std::string(what) + ": " + uv_strerror(code), ErrorSource::Internal);
}

ErrorKind kindForUvError(int code) {
  switch (code) {
    case UV_ECONNREFUSED:
      return ErrorKind::ConnectRefused;
    case UV_ETIMEDOUT:
      return ErrorKind::ConnectTimeout;
    case UV_ECONNRESET:
    case UV_EPIPE:
      return ErrorKind::ConnectionReset;
    default:
      return ErrorKind::Io;
  }
}
}  // namespace

// The part of a connection that must outlive its owner until libuv's close callback.
struct TcpConnection::State {
  uv_tcp_t tcp{};
  uv_connect_t connect_req{};
  uv_shutdown_t shutdown_req{};
  ConnectionHandler* handler = nullptr;
  size_t queued_bytes = 0;
  size_t high_watermark = kDefaultHighWatermark;
  size_t low_watermark = kDefaultLowWatermark;
  bool above_high = false;
  bool closing = false;
  bool reading = false;
  bool owner_alive = true;
  int pending_requests = 0;  // connect, write and shutdown requests still inside libuv

  void maybeFree() {
    if (closing && !owner_alive && pending_requests == 0 && closed_by_uv) {
      delete this;
    }
  }
  bool closed_by_uv = false;
};

namespace {
struct WriteRequest {
  uv_write_t req{};
  TcpConnection::State* state = nullptr;
  std::vector<std::string> pieces;
  size_t bytes = 0;
};

void onClosed(uv_handle_t* handle) {
  auto* state = static_cast<TcpConnection::State*>(handle->data);
  state->closed_by_uv = true;
  state->maybeFree();
}

void beginClose(TcpConnection::State* state) {
  if (state->closing) {
    return;
  }
  state->closing = true;
  state->handler = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&state->tcp), &onClosed);
}

void onWrite(uv_write_t* req, int status) noexcept {
  std::unique_ptr<WriteRequest> write(static_cast<WriteRequest*>(req->data));
  auto* state = write->state;
  state->pending_requests--;
  state->queued_bytes -= write->bytes;
  if (state->closing) {
    state->maybeFree();
    return;
  }
  if (status < 0) {
    if (state->handler != nullptr && status != UV_ECANCELED) {
      state->handler->onError(uvError(status, "write failed", kindForUvError(status)));
    }
    return;
  }
  if (state->above_high && state->queued_bytes <= state->low_watermark) {
    state->above_high = false;
    if (state->handler != nullptr) {
      state->handler->onWriteDrained();
    }
  }
}

// One read buffer per thread: onRead hands the bytes to the handler synchronously, so no
// connection needs a buffer of its own while idle (10k idle connections cost no read memory).
thread_local char t_read_buffer[kReadBufferSize];

void onAlloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
  buf->base = t_read_buffer;
  buf->len = sizeof(t_read_buffer);
}

void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) noexcept {
  auto* state = static_cast<TcpConnection::State*>(stream->data);
  if (state->closing || state->handler == nullptr) {
    return;
  }
  try {
    if (nread > 0) {
      state->handler->onData(std::string_view(t_read_buffer, static_cast<size_t>(nread)));
    } else if (nread == UV_EOF) {
      uv_read_stop(stream);
      state->reading = false;
      state->handler->onEof();
    } else if (nread < 0) {
      uv_read_stop(stream);
      state->reading = false;
      state->handler->onError(
          uvError(static_cast<int>(nread), "read failed", kindForUvError(static_cast<int>(nread))));
    }
  } catch (const std::exception& e) {
    STRATA_LOG_ERROR("connection handler threw: {}", e.what());
    beginClose(state);
  }
}
}  // namespace

TcpConnection::TcpConnection(State* state) : state_(state) {}

TcpConnection::~TcpConnection() {
  state_->owner_alive = false;
  beginClose(state_);
  state_->maybeFree();
}

std::unique_ptr<TcpConnection> TcpConnection::connect(Loop& loop, const SocketAddress& peer,
                                                      ConnectionHandler* handler) {
  auto* state = new State();
  uv_tcp_init(loop.raw(), &state->tcp);
  state->tcp.data = state;
  state->handler = handler;
  std::unique_ptr<TcpConnection> conn(new TcpConnection(state));
  conn->peer_ = peer;
  state->connect_req.data = state;
  state->pending_requests++;
  const int rc = uv_tcp_connect(
      &state->connect_req, &state->tcp, peer.raw(), [](uv_connect_t* req, int status) noexcept {
        auto* st = static_cast<State*>(req->data);
        st->pending_requests--;
        if (st->closing) {
          st->maybeFree();
          return;
        }
        if (status == 0) {
          uv_tcp_nodelay(&st->tcp, 1);
        }
        if (st->handler != nullptr) {
          Status result;
          if (status != 0) {
            result = tl::unexpected(Error::make(
                kindForUvError(status), std::string("connect failed: ") + uv_strerror(status),
                ErrorSource::Upstream, RetryDecision::Yes));
          }
          st->handler->onConnected(result);
        }
      });
  if (rc != 0) {
    // libuv never runs the callback of a call that failed: report it on the next iteration.
    state->pending_requests--;
    auto error = Error::make(kindForUvError(rc), std::string("connect failed: ") + uv_strerror(rc),
                             ErrorSource::Upstream, RetryDecision::Yes);
    loop.post([state, error]() {
      if (!state->closing && state->handler != nullptr) {
        state->handler->onConnected(tl::unexpected(error));
      }
    });
    // Keep the state alive until the posted task ran: it holds a request slot.
    state->pending_requests++;
    loop.post([state]() {
      state->pending_requests--;
      state->maybeFree();
    });
  }
  return conn;
}

void TcpConnection::setHandler(ConnectionHandler* handler) {
  if (!state_->closing) {
    state_->handler = handler;
  }
}

void TcpConnection::startReading() {
  if (state_->closing || state_->reading) {
    return;
  }
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&state_->tcp), &onAlloc, &onRead) == 0) {
    state_->reading = true;
  }
}

void TcpConnection::pauseReading() {
  if (state_->closing || !state_->reading) {
    return;
  }
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&state_->tcp));
  state_->reading = false;
}

bool TcpConnection::write(std::string bytes) {
  std::vector<std::string> pieces;
  pieces.push_back(std::move(bytes));
  return writev(std::move(pieces));
}

bool TcpConnection::writev(std::vector<std::string> pieces) {
  if (state_->closing) {
    return false;
  }
  std::vector<uv_buf_t> bufs;
  bufs.reserve(pieces.size());
  size_t total = 0;
  for (auto& piece : pieces) {
    if (!piece.empty()) {
      bufs.push_back(uv_buf_init(piece.data(), static_cast<unsigned>(piece.size())));
      total += piece.size();
    }
  }
  if (bufs.empty()) {
    return true;
  }
  auto* stream = reinterpret_cast<uv_stream_t*>(&state_->tcp);
  // With nothing queued, write straight to the socket: most responses fit in the socket buffer,
  // and this skips libuv's write queue (and its epoll re-arming) entirely.
  size_t first = 0;
  if (state_->queued_bytes == 0) {
    const int written = uv_try_write(stream, bufs.data(), static_cast<unsigned>(bufs.size()));
    if (written > 0) {
      auto left = static_cast<size_t>(written);
      total -= left;
      while (first < bufs.size() && left >= bufs[first].len) {
        left -= bufs[first].len;
        ++first;
      }
      if (first < bufs.size()) {
        bufs[first].base += left;
        bufs[first].len -= static_cast<unsigned>(left);
      }
    }
    if (first == bufs.size()) {
      return true;
    }
  }
  // Moving the vector keeps every string (and so every uv_buf_t base) where it is.
  auto request = std::make_unique<WriteRequest>();
  request->state = state_;
  request->pieces = std::move(pieces);
  request->bytes = total;
  request->req.data = request.get();
  const int rc = uv_write(&request->req, stream, bufs.data() + first,
                          static_cast<unsigned>(bufs.size() - first), &onWrite);
  if (rc != 0) {
    // The callback will never run; report the failure without re-entering the caller.
    return false;
  }
  state_->pending_requests++;
  state_->queued_bytes += request->bytes;
  if (state_->queued_bytes > state_->high_watermark) {
    state_->above_high = true;
  }
  request.release();
  return true;
}

size_t TcpConnection::queuedWriteBytes() const {
  return state_->queued_bytes;
}

bool TcpConnection::writeBlocked() const {
  return state_->queued_bytes > state_->high_watermark;
}

void TcpConnection::setWatermarks(size_t high, size_t low) {
  state_->high_watermark = high;
  state_->low_watermark = low;
}

void TcpConnection::shutdownWrite() {
  if (state_->closing) {
    return;
  }
  state_->shutdown_req.data = state_;
  if (uv_shutdown(&state_->shutdown_req, reinterpret_cast<uv_stream_t*>(&state_->tcp),
                  [](uv_shutdown_t* req, int) noexcept {
                    auto* st = static_cast<State*>(req->data);
                    st->pending_requests--;
                    st->maybeFree();
                  }) == 0) {
    state_->pending_requests++;
  }
}

void TcpConnection::close() {
  beginClose(state_);
}

bool TcpConnection::closed() const {
  return state_->closing;
}

void TcpConnection::setNoDelay(bool enabled) {
  if (!state_->closing) {
    uv_tcp_nodelay(&state_->tcp, enabled ? 1 : 0);
  }
}

void TcpConnection::setKeepAlive(bool enabled, unsigned delay_seconds) {
  if (!state_->closing) {
    uv_tcp_keepalive(&state_->tcp, enabled ? 1 : 0, delay_seconds);
  }
}

TcpListener::TcpListener(Loop& loop) : loop_(loop), handle_(new uv_tcp_t{}) {
  uv_tcp_init(loop.raw(), handle_);
  handle_->data = this;
}

TcpListener::~TcpListener() {
  close();
}

void TcpListener::close() {
  detail::closeAndFree(handle_);
  handle_ = nullptr;
}

Status TcpListener::listen(const SocketAddress& address, bool reuse_port, int backlog,
                           AcceptCallback on_accept) {
  on_accept_ = std::move(on_accept);
  // libuv 1.44 cannot set SO_REUSEPORT itself, so the socket is made here and handed over.
  const int fd = ::socket(address.raw()->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(ErrorKind::Io, "socket() failed for " + address.toString());
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (reuse_port) {
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  }
  const socklen_t len =
      address.raw()->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (::bind(fd, address.raw(), len) != 0) {
    const int err = errno;
    ::close(fd);
    return fail(ErrorKind::Io,
                "cannot bind " + address.toString() + ": " + std::string(strerror(err)));
  }
  int rc = uv_tcp_open(handle_, fd);
  if (rc != 0) {
    ::close(fd);
    return tl::unexpected(uvError(rc, "uv_tcp_open " + address.toString(), ErrorKind::Io));
  }
  rc = uv_listen(reinterpret_cast<uv_stream_t*>(handle_), backlog, &TcpListener::onConnection);
  if (rc != 0) {
    return tl::unexpected(uvError(rc, "cannot listen on " + address.toString(), ErrorKind::Io));
  }
  return {};
}

SocketAddress TcpListener::boundAddress() const {
  sockaddr_storage storage{};
  int len = sizeof(storage);
  if (handle_ == nullptr ||
      uv_tcp_getsockname(handle_, reinterpret_cast<sockaddr*>(&storage), &len) != 0) {
    return {};
  }
  return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&storage));
}

void TcpListener::onConnection(uv_stream_t* server, int status) noexcept {
  auto* self = static_cast<TcpListener*>(server->data);
  if (self == nullptr || status < 0) {
    return;
  }
  auto* state = new TcpConnection::State();
  uv_tcp_init(self->loop_.raw(), &state->tcp);
  state->tcp.data = state;
  std::unique_ptr<TcpConnection> conn(new TcpConnection(state));
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&state->tcp)) != 0) {
    return;  // conn's destructor closes and frees the state
  }
  uv_tcp_nodelay(&state->tcp, 1);
  sockaddr_storage storage{};
  int len = sizeof(storage);
  if (uv_tcp_getpeername(&state->tcp, reinterpret_cast<sockaddr*>(&storage), &len) == 0) {
    conn->peer_ = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&storage));
  }
  len = sizeof(storage);
  if (uv_tcp_getsockname(&state->tcp, reinterpret_cast<sockaddr*>(&storage), &len) == 0) {
    conn->local_ = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&storage));
  }
  try {
    self->on_accept_(std::move(conn));
  } catch (const std::exception& e) {
    STRATA_LOG_ERROR("accept callback threw: {}", e.what());
  }
}

}  // namespace strata::core
