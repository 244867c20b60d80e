// SocketAddress parsing and formatting.
#include "core/event/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace strata::core {

Result<SocketAddress> SocketAddress::fromHostPort(std::string_view host, uint16_t port) {
  SocketAddress out;
  std::string h(host);
  if (h == "localhost") {
    h = "127.0.0.1";
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage_);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage_);
  if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return out;
  }
  std::memset(&out.storage_, 0, sizeof(out.storage_));
  if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return out;
  }
  return fail(ErrorKind::ConfigInvalid, "'" + h + "' is not a numeric IPv4 or IPv6 address");
}

Result<SocketAddress> SocketAddress::parse(std::string_view host_port) {
  std::string_view host;
  std::string_view port_text;
  if (!host_port.empty() && host_port.front() == '[') {
    const auto close = host_port.find(']');
    if (close == std::string_view::npos || close + 1 >= host_port.size() ||
        host_port[close + 1] != ':') {
      return fail(ErrorKind::ConfigInvalid,
                  "'" + std::string(host_port) + "' is not of the form [address]:port");
    }
    host = host_port.substr(1, close - 1);
    port_text = host_port.substr(close + 2);
  } else {
    const auto colon = host_port.rfind(':');
    if (colon == std::string_view::npos) {
      return fail(ErrorKind::ConfigInvalid,
                  "'" + std::string(host_port) + "' is not of the form address:port");
    }
    host = host_port.substr(0, colon);
    port_text = host_port.substr(colon + 1);
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535 ||
      port_text.empty()) {
    return fail(ErrorKind::ConfigInvalid,
                "'" + std::string(port_text) + "' is not a port number (0-65535)");
  }
  return fromHostPort(host, static_cast<uint16_t>(port));
}

SocketAddress SocketAddress::fromSockaddr(const sockaddr* sa) {
  SocketAddress out;
  if (sa->sa_family == AF_INET) {
    std::memcpy(&out.storage_, sa, sizeof(sockaddr_in));
  } else if (sa->sa_family == AF_INET6) {
    std::memcpy(&out.storage_, sa, sizeof(sockaddr_in6));
  }
  return out;
}

uint16_t SocketAddress::port() const {
  if (storage_.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  }
  if (storage_.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  }
  return 0;
}

std::string SocketAddress::host() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (storage_.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf,
              sizeof(buf));
  } else if (storage_.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
              sizeof(buf));
  }
  return buf;
}

std::string SocketAddress::toString() const {
  if (storage_.ss_family == AF_INET6) {
    return "[" + host() + "]:" + std::to_string(port());
  }
  return host() + ":" + std::to_string(port());
}

bool SocketAddress::isLoopback() const {
  if (storage_.ss_family == AF_INET) {
    const auto addr = ntohl(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr);
    return (addr >> 24) == 127;
  }
  if (storage_.ss_family == AF_INET6) {
    const auto& a6 = reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a6)) {
      return true;
    }
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
      return a6.s6_addr[12] == 127;
    }
  }
  return false;
}

}  // namespace strata::core
