// HTTP/1.1 codec over llhttp, used on both sides of the proxy: a Decoder turns bytes into
// message heads, body chunks and completion events; the encode* functions turn heads and body
// chunks back into bytes. Bodies stream: the decoder never accumulates a whole body.
//
// Strictness: the decoder refuses every framing ambiguity a smuggling attack relies on (empty
// or conflicting Content-Length, Transfer-Encoding together with Content-Length, whitespace
// before a field's colon, a Transfer-Encoding other than a final "chunked", oversize or
// malformed chunk sizes, bare LF, obs-fold, NUL/CTL bytes in fields). A refused request maps to
// 400 and the connection closes; a refused upstream response maps to 502.
//
// Beyond framing, requests are refused (400) when their Host is not a valid authority
// (core/http/authority.h), their target carries a fragment, or "*" comes with a method other than
// OPTIONS: each lets the gateway, the upstream and the cache key disagree about the resource.
// Responses are refused (502) for a status outside 100-599 or control bytes in the reason. Chunk
// extensions of a message, and the interim (1xx) heads of one exchange together, get the same
// byte budget as one head, so neither can stream forever.
//
// Whitespace between a field's name and its colon is refused on both sides (400, 502): strict
// llhttp does not parse it, so RFC 9112 §5.1's other option for responses (remove it, forward the
// field) is not available; either way the field is never forwarded as received.
//
// Choices within what RFC 9112 allows: identical repeated Content-Length fields are refused like
// differing ones (collapsing is permitted, never required); a request Transfer-Encoding other
// than exactly "chunked" is refused (400, or 501 for "<coding>, chunked"); a response
// Transfer-Encoding other than exactly "chunked" is refused (502) rather than read until close;
// trailer fields that carry framing, routing, credentials, cookies, response controls or the
// forwarding fields the gateway sets are dropped. The raw-byte checks llhttp 8.1 lacks (bare LF,
// bare CR, obs-fold, the CRLF after chunk data) are made by the decoder itself.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/http/message.h"

namespace strata::core::http1 {

struct DecoderLimits {
  size_t max_header_bytes = 64 * 1024;  // request/status line + all fields
  size_t max_header_count = 100;
  uint64_t max_body_bytes = UINT64_MAX;  // Content-Length or total chunked size; beyond -> 413
};

// Receives decode events; called synchronously from inside Decoder::feed().
class DecoderCallbacks {
 public:
  virtual ~DecoderCallbacks() = default;
  // Request decoders: a complete request head (framing fields already validated).
  virtual void onRequestHead(http::RequestHead&& /*head*/) {}
  // Response decoders: a complete response head. 1xx interim responses are reported here too;
  // they are followed by the final response without a message-complete in between.
  virtual void onResponseHead(http::ResponseHead&& /*head*/) {}
  // A piece of the (de-chunked) body. The view is valid only during the call.
  virtual void onBody(std::string_view chunk) = 0;
  // The message ended; trailers (possibly empty) of a chunked body.
  virtual void onMessageComplete(http::HeaderMap&& trailers) = 0;
};

class Decoder {
 public:
  enum class Kind { Request, Response };

  Decoder(Kind kind, DecoderCallbacks& callbacks, DecoderLimits limits = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Parses as much of `data` as possible. After each complete message the decoder pauses (so a
  // server answers pipelined requests one at a time) and returns how many bytes it consumed;
  // the caller keeps the rest and feeds it again after resume(). An error means the stream is
  // unusable: InvalidRequest/InvalidHeader (-> 400), InvalidResponse (-> 502), or
  // InvalidRequest with context "body too large" (-> 413).
  Result<size_t> feed(std::string_view data);
  // Continues after a message-complete pause. May also be called from inside onMessageComplete,
  // in which case feed() carries on with the next message.
  void resume();
  bool paused() const;
  // Response decoders: the next response answers a HEAD request (no body whatever its fields
  // say). Set before feeding that response; it applies to 1xx interim responses and the final
  // response, and is cleared when the final response completes.
  void expectHeadResponse(bool head);
  // Response decoders: the peer closed the connection. Completes a body framed by close, or
  // returns an error when a message was cut short.
  Status finish();
  // True between the first byte of a message and its completion.
  bool messageInProgress() const;
  // The HTTP status that best describes the last error: requests 400, 413 (body too large), 414
  // (request-target over max_header_bytes), 431 (fields over max_header_bytes or
  // max_header_count), 501 (unsupported transfer coding), 505 (not HTTP/1.x); responses 502.
  // 0 while no error occurred.
  int errorStatus() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Serialises a request head for an upstream (request line + fields + CRLF). The caller has
// already set the framing fields it wants (Content-Length or Transfer-Encoding: chunked).
std::string encodeRequestHead(const http::RequestHead& head);
// Serialises a response head ("HTTP/1.1 <status> <reason>" + fields + CRLF).
std::string encodeResponseHead(const http::ResponseHead& head);
// One chunk of a chunked body ("<hex>\r\n<data>\r\n"); empty data yields nothing.
std::string encodeChunk(std::string_view data);
// The last chunk plus optional trailers and the final CRLF.
std::string encodeLastChunk(const http::HeaderMap& trailers = {});

}  // namespace strata::core::http1
