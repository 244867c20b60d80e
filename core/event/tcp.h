// TcpListener and TcpConnection: libuv TCP with write back-pressure and owner-safe lifetime.
//
// Lifetime: the uv_tcp_t and its read buffer live in a separate heap block (State) that is
// freed by the close callback, so the C++ owner may destroy a TcpConnection at any moment,
// including from inside one of its own handler callbacks; no callback reaches a destroyed
// handler. Write requests own their bytes and tolerate UV_ECANCELED.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/event/address.h"
#include "core/event/loop.h"

namespace strata::core {

// Receives a connection's events on the loop thread. The handler must outlive the connection
// or be detached with setHandler(nullptr).
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // Outbound connections only: the connect attempt finished (ok, or why it failed).
  virtual void onConnected(const Status& /*result*/) {}
  // Bytes arrived. The view is valid only during the call.
  virtual void onData(std::string_view bytes) = 0;
  // The peer closed its sending side (EOF).
  virtual void onEof() = 0;
  // Reading or writing failed; the connection is unusable and should be closed.
  virtual void onError(const Error& error) = 0;
  // The write queue fell to the low watermark after having passed the high watermark.
  virtual void onWriteDrained() {}
};

class TcpConnection {
 public:
  // Bytes queued for writing above which writeBlocked() turns true; onWriteDrained() fires
  // once the queue falls back to the low watermark.
  static constexpr size_t kDefaultHighWatermark = 1024 * 1024;
  static constexpr size_t kDefaultLowWatermark = 256 * 1024;

  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Starts a non-blocking connect; the handler's onConnected reports the outcome. Errors that
  // occur synchronously are reported through onConnected in a later loop iteration, so callers
  // handle a single path.
  static std::unique_ptr<TcpConnection> connect(Loop& loop, const SocketAddress& peer,
                                                ConnectionHandler* handler);

  void setHandler(ConnectionHandler* handler);
  // Starts (or resumes) delivering onData. Inbound connections start paused until this call.
  void startReading();
  void pauseReading();

  // Queues bytes for writing; they are sent in order. Returns false if the connection is
  // already closed (the bytes are dropped).
  bool write(std::string bytes);
  bool write(std::string_view bytes) { return write(std::string(bytes)); }
  // Queues several buffers in one writev.
  bool writev(std::vector<std::string> pieces);

  size_t queuedWriteBytes() const;
  bool writeBlocked() const;
  void setWatermarks(size_t high, size_t low);

  // Half-closes after queued writes are flushed.
  void shutdownWrite();
  // Closes now; queued writes that have not left are discarded. No handler callback runs after.
  void close();
  bool closed() const;

  const SocketAddress& peerAddress() const { return peer_; }
  const SocketAddress& localAddress() const { return local_; }
  void setNoDelay(bool enabled);
  void setKeepAlive(bool enabled, unsigned delay_seconds);

  struct State;  // defined in tcp.cc

 private:
  friend class TcpListener;
  explicit TcpConnection(State* state);

  State* state_;
  SocketAddress peer_;
  SocketAddress local_;
};

class TcpListener {
 public:
  using AcceptCallback = std::function<void(std::unique_ptr<TcpConnection>)>;

  explicit TcpListener(Loop& loop);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // Binds and listens. reuse_port lets one listener per worker thread share the address
  // (SO_REUSEPORT); the kernel then spreads connections across workers.
  Status listen(const SocketAddress& address, bool reuse_port, int backlog,
                AcceptCallback on_accept);
  // The bound address, with the real port when listening on port 0.
  SocketAddress boundAddress() const;
  void close();

 private:
  static void onConnection(uv_stream_t* server, int status) noexcept;

  Loop& loop_;
  uv_tcp_t* handle_;
  AcceptCallback on_accept_;
};

}  // namespace strata::core
