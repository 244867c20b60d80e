// Names and descriptions of errors for logs and error responses.
#include "core/error.h"

namespace strata::core {

std::string_view errorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::ConnectRefused:
      return "connect_refused";
    case ErrorKind::ConnectTimeout:
      return "connect_timeout";
    case ErrorKind::ConnectionReset:
      return "connection_reset";
    case ErrorKind::ReadTimeout:
      return "read_timeout";
    case ErrorKind::WriteError:
      return "write_error";
    case ErrorKind::TlsHandshake:
      return "tls_handshake";
    case ErrorKind::InvalidHeader:
      return "invalid_header";
    case ErrorKind::InvalidRequest:
      return "invalid_request";
    case ErrorKind::InvalidResponse:
      return "invalid_response";
    case ErrorKind::NoHealthyUpstream:
      return "no_healthy_upstream";
    case ErrorKind::NoRoute:
      return "no_route";
    case ErrorKind::RateLimited:
      return "rate_limited";
    case ErrorKind::CacheBackend:
      return "cache_backend";
    case ErrorKind::ConfigInvalid:
      return "config_invalid";
    case ErrorKind::Io:
      return "io";
    case ErrorKind::Internal:
      return "internal";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string out(errorKindName(kind));
  if (!context.empty()) {
    out += ": ";
    out += context;
  }
  if (cause) {
    out += " (caused by ";
    out += cause->describe();
    out += ")";
  }
  return out;
}

}  // namespace strata::core
