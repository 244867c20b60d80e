// Test helpers for the gateway integration tests: a raw blocking HTTP/1.1 client with bounded
// reads (so tests control exact bytes, pipelining and half-closes), and a scripted upstream that
// plays one connection at a time from a test-supplied function. Independent of the gateway's
// own codec, so a codec bug cannot hide itself.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace strata::testing {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<int> interim;  // 1xx statuses seen before this response

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (lower(n) == lower(name)) {
        return v;
      }
    }
    return std::nullopt;
  }
};

// Reads/writes with poll() deadlines: every wait in the tests is bounded.
class SocketIo {
 public:
  explicit SocketIo(int fd = -1) : fd_(fd) {}
  ~SocketIo() { closeFd(); }
  SocketIo(const SocketIo&) = delete;
  SocketIo& operator=(const SocketIo&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  void closeFd() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads more bytes into the buffer; false on EOF, error or deadline.
  bool fill(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return false;
    }
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) {
      return false;
    }
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  // Fills until `needle` is in the buffer; returns its position or npos.
  size_t waitFor(std::string_view needle, Clock::time_point deadline) {
    while (true) {
      const auto pos = buffer_.find(needle);
      if (pos != std::string::npos) {
        return pos;
      }
      if (!fill(deadline)) {
        return std::string::npos;
      }
    }
  }

  bool waitForBytes(size_t n, Clock::time_point deadline) {
    while (buffer_.size() < n) {
      if (!fill(deadline)) {
        return false;
      }
    }
    return true;
  }

  // Reads until the peer closes (or the deadline); returns everything buffered.
  std::string readUntilClose(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (fill(deadline)) {
    }
    return take();
  }

  // True if the peer closes within `timeout` (bytes that arrive meanwhile are kept).
  bool closedWithin(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (fill(deadline)) {
    }
    return eof_;
  }

  std::string take() { return std::exchange(buffer_, std::string()); }
  std::string& buffer() { return buffer_; }

  // Parses one HTTP/1.x message head + body from the stream. `no_body` for HEAD requests.
  std::optional<HttpResponse> readResponse(bool no_body = false,
                                           milliseconds timeout = milliseconds(10000)) {
    const auto deadline = Clock::now() + timeout;
    HttpResponse response;
    while (true) {
      const auto end = waitFor("\r\n\r\n", deadline);
      if (end == std::string::npos || buffer_.compare(0, 5, "HTTP/") != 0) {
        return std::nullopt;
      }
      const std::string head = buffer_.substr(0, end);
      buffer_.erase(0, end + 4);
      response.status = std::atoi(head.c_str() + head.find(' ') + 1);
      response.headers.clear();
      size_t line = head.find("\r\n");
      while (line != std::string::npos) {
        line += 2;
        const auto next = head.find("\r\n", line);
        const auto text = head.substr(line, next - line);
        const auto colon = text.find(':');
        if (colon != std::string::npos) {
          auto value = text.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') {
            value.erase(0, 1);
          }
          response.headers.emplace_back(text.substr(0, colon), value);
        }
        line = next;
      }
      if (response.status >= 100 && response.status < 200) {
        response.interim.push_back(response.status);
        continue;
      }
      break;
    }
    if (no_body || response.status == 204 || response.status == 304) {
      return response;
    }
    const auto te = response.header("transfer-encoding");
    const auto cl = response.header("content-length");
    if (te && lower(*te) == "chunked") {
      while (true) {
        const auto eol = waitFor("\r\n", deadline);
        if (eol == std::string::npos) {
          return std::nullopt;
        }
        const size_t size = std::strtoull(buffer_.substr(0, eol).c_str(), nullptr, 16);
        buffer_.erase(0, eol + 2);
        if (size == 0) {
          const auto trailer_end = waitFor("\r\n", deadline);
          if (trailer_end == std::string::npos) {
            return std::nullopt;
          }
          // No trailers expected in these tests: the last chunk is followed by CRLF.
          buffer_.erase(0, trailer_end + 2);
          return response;
        }
        if (!waitForBytes(size + 2, deadline)) {
          return std::nullopt;
        }
        response.body.append(buffer_, 0, size);
        buffer_.erase(0, size + 2);
      }
    }
    if (cl) {
      const size_t size = std::strtoull(cl->c_str(), nullptr, 10);
      if (!waitForBytes(size, deadline)) {
        return std::nullopt;
      }
      response.body = buffer_.substr(0, size);
      buffer_.erase(0, size);
      return response;
    }
    response.body =
        readUntilClose(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
    return response;
  }

 private:
  int fd_;
  std::string buffer_;
  bool eof_ = false;
};

// A client connection to 127.0.0.1:port. A non-zero `rcvbuf` sets SO_RCVBUF before connecting,
// so a small window keeps unread bytes on the peer's side rather than in this socket.
inline int connectLoopback(uint16_t port, int rcvbuf = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (rcvbuf > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A client connection to the gateway. Not called RawClient: the cache node tests have a class of
// that name in this namespace, and two classes of one name in one test binary break the
// one-definition rule (the linker keeps one constructor for both).
class RawHttpClient : public SocketIo {
 public:
  explicit RawHttpClient(uint16_t port) : SocketIo(connectLoopback(port)) {}
  void shutdownWrite() { ::shutdown(fd(), SHUT_WR); }
};

// A listening socket on 127.0.0.1 (port 0) served by a thread that hands each accepted
// connection, in order, to the next script. Scripts must bound their own waits (SocketIo does).
class ScriptedUpstream {
 public:
  using Script = std::function<void(SocketIo&)>;

  explicit ScriptedUpstream(std::vector<Script> scripts) : scripts_(std::move(scripts)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listen_fd_, 16);
    thread_ = std::thread([this] { serve(); });
  }
  // Unblocks a script still waiting on its connection, then waits for the thread.
  ~ScriptedUpstream() {
    stop_ = true;
    const int active = active_fd_.exchange(-1);
    if (active >= 0) {
      ::shutdown(active, SHUT_RDWR);
    }
    thread_.join();
    ::close(listen_fd_);
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  void serve() {
    for (auto& script : scripts_) {
      int fd = -1;
      while (!stop_ && fd < 0) {
        pollfd pfd{listen_fd_, POLLIN, 0};
        if (::poll(&pfd, 1, 50) > 0) {
          fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        }
      }
      if (fd < 0) {
        return;
      }
      ++accepted_;
      SocketIo io(fd);
      active_fd_ = fd;
      if (stop_) {
        return;
      }
      script(io);
      active_fd_ = -1;
    }
  }

  std::vector<Script> scripts_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> active_fd_{-1};
  std::thread thread_;
};

// ---- upstream-side helpers for scripts ------------------------------------------------------

// How long a script waits for the gateway before giving up on a step.
inline constexpr auto kScriptWait = std::chrono::seconds(10);

// Reads one request head from the upstream side; "" on timeout or close.
inline std::string readHead(SocketIo& io, Clock::duration wait = kScriptWait) {
  const auto end = io.waitFor("\r\n\r\n", Clock::now() + wait);
  if (end == std::string::npos) {
    return "";
  }
  std::string head = io.buffer().substr(0, end + 4);
  io.buffer().erase(0, end + 4);
  return head;
}

// Exactly `n` bytes from the peer; "" on timeout or close.
inline std::string readExactly(SocketIo& io, size_t n) {
  if (!io.waitForBytes(n, Clock::now() + kScriptWait)) {
    return "";
  }
  std::string out = io.buffer().substr(0, n);
  io.buffer().erase(0, n);
  return out;
}

inline std::string okResponse(const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra +
         "\r\n" + body;
}

// `n` reproducible pseudo-random bytes (every byte value, NULs included) for byte-exact checks.
inline std::string randomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) {
    c = static_cast<char>(rng());
  }
  return out;
}

}  // namespace strata::testing
