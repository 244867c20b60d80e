// Error-to-status mapping and local error responses.
#include "gateway/error_status.h"

namespace strata::gateway {

int statusForError(const core::Error& error) {
  using core::ErrorKind;
  switch (error.kind) {
    case ErrorKind::ConnectRefused:
    case ErrorKind::ConnectionReset:
    case ErrorKind::InvalidResponse:
    case ErrorKind::TlsHandshake:
    case ErrorKind::WriteError:
      return 502;
    case ErrorKind::ConnectTimeout:
    case ErrorKind::ReadTimeout:
      return error.source == core::ErrorSource::Downstream ? 408 : 504;
    case ErrorKind::InvalidHeader:
      return 400;
    case ErrorKind::InvalidRequest:
      return error.context.find("body too large") != std::string::npos ? 413 : 400;
    case ErrorKind::NoRoute:
      return 404;
    case ErrorKind::NoHealthyUpstream:
    case ErrorKind::CacheBackend:
      return 503;
    case ErrorKind::RateLimited:
      return 429;
    case ErrorKind::Io:
      return error.source == core::ErrorSource::Upstream ? 502 : 500;
    case ErrorKind::ConfigInvalid:
    case ErrorKind::Internal:
      return 500;
  }
  return 500;
}

std::string localResponseBody(int status) {
  std::string body = std::to_string(status);
  body += ' ';
  body += core::http::reasonPhrase(status);
  body += '\n';
  return body;
}

core::http::ResponseHead localResponseHead(int status, size_t body_size, bool close) {
  core::http::ResponseHead head;
  head.status = status;
  head.reason = std::string(core::http::reasonPhrase(status));
  head.headers.add("Content-Type", "text/plain; charset=utf-8");
  head.headers.add("Content-Length", std::to_string(body_size));
  if (close) {
    head.headers.add("Connection", "close");
  }
  head.framing = core::http::BodyFraming::ContentLength;
  head.content_length = body_size;
  head.keep_alive = !close;
  return head;
}

}  // namespace strata::gateway
