// SocketAddress: an IPv4 or IPv6 endpoint, parsed from "host:port" / "[v6]:port".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <netinet/in.h>
#include <sys/socket.h>

#include "core/error.h"

namespace strata::core {

class SocketAddress {
 public:
  SocketAddress() = default;
  // Accepts numeric addresses only ("127.0.0.1:80", "[::1]:80", "0.0.0.0:0"); "localhost" is
  // mapped to 127.0.0.1 so configs written by hand work without a resolver on the data path.
  static Result<SocketAddress> parse(std::string_view host_port);
  static Result<SocketAddress> fromHostPort(std::string_view host, uint16_t port);
  static SocketAddress fromSockaddr(const sockaddr* sa);

  const sockaddr* raw() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  uint16_t port() const;
  // The address without the port, e.g. "127.0.0.1" or "::1".
  std::string host() const;
  // "127.0.0.1:8080" or "[::1]:8080".
  std::string toString() const;
  bool valid() const { return storage_.ss_family != 0; }
  bool isLoopback() const;

 private:
  sockaddr_storage storage_{};
};

}  // namespace strata::core
