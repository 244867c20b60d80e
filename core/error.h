// Error and Result: the one error type carried through every module, after Pingora's model of
// kind + source + retry decision, so a single mapping turns any failure into a response.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace strata::core {

enum class ErrorKind {
  ConnectRefused,
  ConnectTimeout,
  ConnectionReset,
  ReadTimeout,
  WriteError,
  TlsHandshake,
  InvalidHeader,
  InvalidRequest,
  InvalidResponse,
  NoHealthyUpstream,
  NoRoute,
  RateLimited,
  CacheBackend,
  ConfigInvalid,
  Io,
  Internal,
};

// Which side of the proxy the fault came from.
enum class ErrorSource { Downstream, Upstream, Internal };

// Whether the operation may be attempted again on another peer.
enum class RetryDecision { No, Yes };

struct Error {
  ErrorKind kind = ErrorKind::Internal;
  ErrorSource source = ErrorSource::Internal;
  RetryDecision retry = RetryDecision::No;
  std::string context;
  std::shared_ptr<const Error> cause;

  static Error make(ErrorKind kind, std::string context, ErrorSource source = ErrorSource::Internal,
                    RetryDecision retry = RetryDecision::No) {
    return Error{kind, source, retry, std::move(context), nullptr};
  }
  Error withCause(Error inner) && {
    cause = std::make_shared<const Error>(std::move(inner));
    return std::move(*this);
  }
  // "kind: context (caused by ...)" for logs and error bodies.
  std::string describe() const;
};

std::string_view errorKindName(ErrorKind kind);

template <typename T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> fail(ErrorKind kind, std::string context,
                                  ErrorSource source = ErrorSource::Internal) {
  return tl::unexpected<Error>(Error::make(kind, std::move(context), source));
}

}  // namespace strata::core
