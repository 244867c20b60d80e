// isValidAuthority: a single pass over uri-host and port.
#include "core/http/authority.h"

namespace strata::core::http {
namespace {

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isRegNameChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':  // unreserved
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':  // sub-delims
      return true;
    default:
      return false;
  }
}

// reg-name or IPv4address (the latter is a subset of the former's characters).
bool isRegName(std::string_view host) {
  for (size_t i = 0; i < host.size(); ++i) {
    if (host[i] == '%') {
      if (i + 2 >= host.size() || !isHex(host[i + 1]) || !isHex(host[i + 2])) {
        return false;
      }
      i += 2;
      continue;
    }
    if (!isRegNameChar(host[i])) {
      return false;
    }
  }
  return true;
}

// "[" IPv6address / IPvFuture "]", checked for its alphabet only: the brackets already make the
// boundary unambiguous, and a wrong address simply fails to route.
bool isIpLiteral(std::string_view host) {
  if (host.size() < 3 || host.front() != '[' || host.back() != ']') {
    return false;
  }
  for (const char c : host.substr(1, host.size() - 2)) {
    if (!isHex(c) && c != ':' && c != '.' && c != 'v' && c != 'V') {
      return false;
    }
  }
  return true;
}

bool isPort(std::string_view port) {
  if (port.size() > 5) {
    return false;
  }
  for (const char c : port) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace

bool isValidAuthority(std::string_view value) {
  std::string_view host = value;
  std::string_view port;
  if (!value.empty() && value.front() == '[') {
    const auto close = value.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    host = value.substr(0, close + 1);
    const auto rest = value.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return false;
      }
      port = rest.substr(1);
    }
    return isIpLiteral(host) && isPort(port);
  }
  const auto colon = value.find(':');
  if (colon != std::string_view::npos) {
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
  }
  return isRegName(host) && isPort(port);
}

}  // namespace strata::core::http
