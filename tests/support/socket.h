// Blocking loopback socket helpers for tests that speak a wire protocol byte by byte: connect,
// send everything, and read with a bounded deadline.
#pragma once

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::testing {

// A blocking client connection to 127.0.0.1:port; a failed connect is a test failure.
inline int connectLoopbackClient(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

// Writes all of `bytes`; a failed send is a fatal test failure (MSG_NOSIGNAL: no SIGPIPE).
inline void sendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

struct Received {
  std::string bytes;
  bool eof = false;
};

// Reads until `want` bytes arrived (or only EOF when until_eof), the peer closed, or `limit`
// passed.
inline Received readBytes(int fd, size_t want, bool until_eof = false,
                          std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
  Received r;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buffer[65536];
  while ((until_eof || r.bytes.size() < want) && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      continue;
    }
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      r.eof = true;
      break;
    }
    r.bytes.append(buffer, static_cast<size_t>(n));
  }
  return r;
}

}  // namespace strata::testing
