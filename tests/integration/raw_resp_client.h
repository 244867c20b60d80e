// Test support for the cache node's integration tests: a blocking loopback client that sends
// raw bytes and reads whole RESP2 replies with bounded waits.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace strata::testing {

// A blocking loopback client that reads whole RESP2 replies with a bounded wait.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // The bytes of the next complete reply, or "" if none arrived within `limit`.
  std::string readReply(std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
      const size_t end = frameEnd(buffer_, 0, 0);
      if (end != std::string::npos) {
        std::string reply = buffer_.substr(0, end);
        buffer_.erase(0, end);
        return reply;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return "";
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) {
        continue;
      }
      char chunk[65536];
      const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        return "";
      }
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  // End of the reply starting at `pos`, or npos while it is incomplete. Written here rather
  // than taken from the node's codec, so the check does not share the code it checks.
  static size_t frameEnd(const std::string& buf, size_t pos, int depth) {
    const size_t eol = buf.find("\r\n", pos);
    if (eol == std::string::npos || depth > 8) {
      return std::string::npos;
    }
    const char type = buf[pos];
    if (type == '+' || type == '-' || type == ':') {
      return eol + 2;
    }
    const long long n = std::atoll(buf.c_str() + pos + 1);
    if (type == '$') {
      const size_t end = eol + 2 + static_cast<size_t>(n) + 2;
      return n < 0 ? eol + 2 : (buf.size() >= end ? end : std::string::npos);
    }
    size_t at = eol + 2;
    for (long long i = 0; i < n && at != std::string::npos; i++) {
      at = frameEnd(buf, at, depth + 1);
    }
    return at;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

// A command as a RESP2 multibulk request.
inline std::string encodeCommand(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& arg : argv) {
    out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  }
  return out;
}

}  // namespace strata::testing
