// HTTP/1 Decoder: llhttp 8.1 in strict mode plus the framing checks an edge proxy needs on top of
// it (see codec.h for the list). One llhttp parser per Decoder; every callback is a noexcept
// trampoline into Decoder::Impl.
#include <llhttp.h>

#include <cstring>
#include <limits>

#include "core/codec/http1/codec.h"
#include "core/codec/http1/line_scanner.h"
#include "core/http/authority.h"

namespace strata::core::http1 {

using http::BodyFraming;
using http::iequals;

namespace {

// Why the parser stopped: after each message for the caller, or at points where the decoder needs
// the exact byte position, which llhttp reports only through a pause.
enum class PauseReason { None, MessageEnd, Interim, ChunkEnd, TrailerStart };

bool parseContentLength(std::string_view value, uint64_t& out) {
  if (value.empty()) {
    return false;
  }
  uint64_t n = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') {
      return false;
    }
    const auto digit = static_cast<uint64_t>(c - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      return false;
    }
    n = n * 10 + digit;
  }
  out = n;
  return true;
}

// Fields that never belong in a trailer section (RFC 9110 §6.5.1): framing, routing, credentials,
// content metadata, response controls, and the forwarding fields the gateway itself sets
// (case 07: a client must not be able to send its own copy after the gateway's, for an upstream
// that merges trailers into the header section). They are dropped rather than merged anywhere.
bool forbiddenInTrailers(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "content-length",
      "transfer-encoding",
      "host",
      "connection",
      "keep-alive",
      "te",
      "trailer",
      "upgrade",
      "proxy-connection",
      "authorization",
      "content-type",
      "content-encoding",
      "content-range",
      "cookie",
      "set-cookie",
      "proxy-authorization",
      "www-authenticate",
      "proxy-authenticate",
      "cache-control",
      "expires",
      "age",
      "vary",
      "location",
      "forwarded",
      "x-forwarded-for",
      "x-forwarded-host",
      "x-forwarded-proto",
      "x-real-ip",
      "via",
  };
  for (const auto n : kNames) {
    if (iequals(n, name)) {
      return true;
    }
  }
  return false;
}

// reason-phrase = *( HTAB / SP / VCHAR / obs-text ) (RFC 9112 §4).
bool validReason(std::string_view reason) {
  for (const char c : reason) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f) {
      return false;
    }
  }
  return true;
}

}  // namespace

struct Decoder::Impl {
  Impl(Kind kind, DecoderCallbacks& callbacks, DecoderLimits limits)
      : kind_(kind), callbacks_(callbacks), limits_(limits) {
    llhttp_init(&parser_, kind == Kind::Request ? HTTP_REQUEST : HTTP_RESPONSE, &settings());
    parser_.data = this;
    scanner_.startHead(limits_.max_header_bytes);
    url_.reserve(128);
    name_.reserve(32);
    value_.reserve(128);
  }

  static const llhttp_settings_t& settings();
  static Impl& self(llhttp_t* p) { return *static_cast<Impl*>(p->data); }

  bool isRequest() const { return kind_ == Kind::Request; }

  // Records a decode failure; returns the value that makes llhttp stop. Requests fail with
  // `status` (400, 413, 431, 501, 505); every response failure is a 502.
  int reject(std::string context, int status = 400, bool header_fault = false) {
    if (!error_) {
      if (isRequest()) {
        const auto kind = header_fault ? ErrorKind::InvalidHeader : ErrorKind::InvalidRequest;
        error_ = Error::make(kind, std::move(context), ErrorSource::Downstream);
        error_status_ = status;
      } else {
        error_ = Error::make(ErrorKind::InvalidResponse, std::move(context), ErrorSource::Upstream);
        error_status_ = 502;
      }
    }
    return -1;
  }

  void resetMessage() {
    url_.clear();
    reason_.clear();
    name_.clear();
    value_.clear();
    headers_.clear();
    trailers_.clear();
    te_.clear();
    field_count_ = 0;
    host_count_ = 0;
    content_length_ = 0;
    declared_body_ = 0;
    body_bytes_ = 0;
    extension_bytes_ = 0;
    has_content_length_ = false;
    has_te_ = false;
    conn_close_ = false;
    conn_keep_alive_ = false;
    expect_continue_ = false;
    in_trailers_ = false;
    last_chunk_ = false;
    interim_ = false;
    framing_ = BodyFraming::None;
  }

  // The byte `k` positions before base + used, looking back into earlier calls when needed.
  char byteBack(const char* base, size_t used, size_t k) const {
    return used >= k ? base[used - k] : tail_[2 - (k - used)];
  }
  void rememberTail(const char* base, size_t used) {
    if (used >= 2) {
      tail_[0] = base[used - 2];
      tail_[1] = base[used - 1];
    } else if (used == 1) {
      tail_[0] = tail_[1];
      tail_[1] = base[0];
    }
  }

  int onMessageBegin() {
    resetMessage();
    in_message_ = true;
    return 0;
  }
  int onUrl(const char* at, size_t len) {
    url_.append(at, len);
    return 0;
  }
  int onStatus(const char* at, size_t len) {
    reason_.append(at, len);
    return 0;
  }
  int onHeaderField(const char* at, size_t len) {
    name_.append(at, len);
    return 0;
  }
  int onHeaderValue(const char* at, size_t len) {
    value_.append(at, len);
    return 0;
  }
  int onHeaderValueComplete();
  int onHeadersComplete();
  int requestHeadersComplete();
  int responseHeadersComplete();
  int onBody(const char* at, size_t len);
  int onChunkExtension(size_t len);
  int onChunkHeader();
  int onChunkComplete();
  int onMessageComplete();

  Result<size_t> feed(std::string_view data);
  bool handleScan(std::string_view data);

  const Kind kind_;
  DecoderCallbacks& callbacks_;
  const DecoderLimits limits_;
  llhttp_t parser_{};
  LineScanner scanner_;

  // Pieces of the current message; llhttp may deliver each in several spans.
  std::string url_;
  std::string reason_;
  std::string name_;
  std::string value_;
  std::string te_;  // every Transfer-Encoding value, comma-joined
  http::HeaderMap headers_;
  http::HeaderMap trailers_;
  size_t field_count_ = 0;
  int host_count_ = 0;
  uint64_t content_length_ = 0;
  uint64_t declared_body_ = 0;  // sum of chunk sizes announced so far
  uint64_t body_bytes_ = 0;
  size_t extension_bytes_ = 0;  // chunk extensions of this message, bounded like a head
  bool has_content_length_ = false;
  bool has_te_ = false;
  bool conn_close_ = false;
  bool conn_keep_alive_ = false;
  bool expect_continue_ = false;
  bool in_trailers_ = false;
  bool last_chunk_ = false;
  bool interim_ = false;
  BodyFraming framing_ = BodyFraming::None;

  // Head bytes of the interim (1xx) responses of the current exchange: they share one head
  // budget with the final response, so an upstream cannot stream interim heads forever.
  size_t interim_bytes_ = 0;

  // Connection-level state.
  bool in_message_ = false;
  bool head_response_ = false;
  bool user_paused_ = false;    // the caller has not resumed after a message yet
  bool llhttp_paused_ = false;  // llhttp still holds a message-end pause
  PauseReason pause_ = PauseReason::None;
  char tail_[2] = {0, 0};
  std::optional<Error> error_;
  int error_status_ = 0;
};

int Decoder::Impl::onHeaderValueComplete() {
  const std::string_view name(name_);
  const std::string_view value = http::trimOws(value_);
  // Strict llhttp refuses "X-Foo :" itself; this keeps the rule (RFC 9112 §5.1: a 400, and never
  // forwarded) independent of how llhttp was built.
  if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) {
    return reject("whitespace in a field name", 400, true);
  }
  if (in_trailers_) {
    if (trailers_.size() >= limits_.max_header_count) {
      return reject("too many trailer fields", 431, true);
    }
    if (!forbiddenInTrailers(name)) {
      trailers_.add(std::string(name), std::string(value));
    }
    name_.clear();
    value_.clear();
    return 0;
  }
  if (++field_count_ > limits_.max_header_count) {
    return reject("too many header fields", 431, true);
  }
  switch (name.size()) {
    case 4:
      if (iequals(name, "host") && isRequest()) {
        ++host_count_;
        if (!http::isValidAuthority(value)) {
          return reject("invalid Host field", 400, true);
        }
      }
      break;
    case 6:
      if (iequals(name, "expect") && iequals(value, "100-continue")) {
        expect_continue_ = true;
      }
      break;
    case 10:
      if (iequals(name, "connection")) {
        for (const auto token : http::splitList(value)) {
          conn_close_ = conn_close_ || iequals(token, "close");
          conn_keep_alive_ = conn_keep_alive_ || iequals(token, "keep-alive");
        }
      }
      break;
    case 14:
      if (iequals(name, "content-length")) {
        // llhttp already refuses empty, signed, non-digit, overflowing and repeated values; this
        // keeps the decoder's own record and stays correct if that ever changes.
        uint64_t n = 0;
        if (!parseContentLength(value, n)) {
          return reject("invalid Content-Length", 400, true);
        }
        if (has_content_length_) {
          return reject("repeated Content-Length", 400, true);
        }
        has_content_length_ = true;
        content_length_ = n;
      }
      break;
    case 17:
      if (iequals(name, "transfer-encoding")) {
        if (has_te_) {
          te_ += ',';
        }
        te_.append(value);
        has_te_ = true;
      }
      break;
    default:
      break;
  }
  headers_.add(std::string(name), std::string(value));
  name_.clear();
  value_.clear();
  return 0;
}

int Decoder::Impl::onHeadersComplete() {
  return isRequest() ? requestHeadersComplete() : responseHeadersComplete();
}

int Decoder::Impl::requestHeadersComplete() {
  if (parser_.http_major != 1) {
    return reject("unsupported HTTP version", 505);
  }
  const int minor = parser_.http_minor;
  const auto method = static_cast<llhttp_method_t>(parser_.method);
  // RFC 9112 §3.2: no form of request-target carries a fragment, and "*" is for OPTIONS only.
  // A '#' forwarded upstream would end the path there for some servers and not for others.
  if (url_.find('#') != std::string::npos) {
    return reject("fragment in the request-target");
  }
  if (url_ == "*" && method != HTTP_OPTIONS) {
    return reject("asterisk-form request-target with a method other than OPTIONS");
  }
  if (has_te_) {
    // RFC 9112 §6.1/§6.3: only a final "chunked" frames a request; anything else is a 400, and a
    // coding we would have to understand to forward (gzip, chunked) is a 501.
    if (minor == 0) {
      return reject("Transfer-Encoding in an HTTP/1.0 request", 400, true);
    }
    if (has_content_length_) {
      return reject("Transfer-Encoding together with Content-Length", 400, true);
    }
    const auto codings = http::splitList(te_);
    size_t chunked = 0;
    for (const auto coding : codings) {
      chunked += iequals(coding, "chunked") ? 1 : 0;
    }
    if (codings.empty() || chunked > 1 || !iequals(codings.back(), "chunked")) {
      return reject("invalid Transfer-Encoding", 400, true);
    }
    if (codings.size() > 1) {
      return reject("unsupported transfer coding", 501, true);
    }
    framing_ = BodyFraming::Chunked;
  } else if (has_content_length_) {
    if (content_length_ > limits_.max_body_bytes) {
      return reject("body too large", 413);
    }
    framing_ = BodyFraming::ContentLength;
  }
  if (host_count_ > 1) {
    return reject("more than one Host field", 400, true);
  }
  if (host_count_ == 0 && minor >= 1) {
    return reject("missing Host field", 400, true);
  }

  http::RequestHead head;
  head.method = llhttp_method_name(method);
  head.target = std::move(url_);
  url_.clear();
  head.version_minor = minor;
  head.headers = std::move(headers_);
  headers_.clear();
  head.framing = framing_;
  head.content_length = framing_ == BodyFraming::ContentLength ? content_length_ : 0;
  head.keep_alive = !conn_close_ && (minor >= 1 || conn_keep_alive_);
  head.expect_continue = expect_continue_ && minor >= 1;
  callbacks_.onRequestHead(std::move(head));
  return 0;
}

int Decoder::Impl::responseHeadersComplete() {
  if (parser_.http_major != 1) {
    return reject("unsupported HTTP version");
  }
  const int status = parser_.status_code;
  // RFC 9110 §15: the classes end at 5xx; a client cannot interpret anything beyond them.
  if (status < 100 || status > 599) {
    return reject("invalid status code");
  }
  if (!validReason(reason_)) {
    return reject("control character in the reason phrase");
  }
  if (has_te_) {
    // A response coding other than plain "chunked" would have to be kept through de-chunking and
    // re-framing; refusing it is simpler than the close-delimited reading RFC 9112 allows.
    const auto codings = http::splitList(te_);
    if (codings.size() != 1 || !iequals(codings.front(), "chunked")) {
      return reject("unsupported Transfer-Encoding in a response");
    }
  }
  const bool informational = status < 200;
  interim_ = informational && status != 101;
  // llhttp 8.1 reads a body for 204/304 responses that carry Content-Length, so the decoder
  // decides: HEAD answers, 1xx, 204 and 304 never have one (RFC 9112 §6.3 rule 1).
  const bool no_body = head_response_ || informational || status == 204 || status == 304;
  const int minor = parser_.http_minor;
  bool keep_alive = !conn_close_ && (minor >= 1 || conn_keep_alive_);
  if (no_body) {
    framing_ = BodyFraming::None;
  } else if (has_te_) {
    framing_ = BodyFraming::Chunked;
  } else if (has_content_length_) {
    if (content_length_ > limits_.max_body_bytes) {
      return reject("body too large");
    }
    framing_ = BodyFraming::ContentLength;
  } else {
    framing_ = BodyFraming::UntilClose;
    keep_alive = false;
  }
  if (status == 101) {
    keep_alive = false;  // the peer switched protocols; nothing after this is HTTP/1
  }

  http::ResponseHead head;
  head.status = status;
  head.reason = std::move(reason_);
  reason_.clear();
  head.version_minor = minor;
  head.headers = std::move(headers_);
  headers_.clear();
  head.framing = framing_;
  head.content_length = framing_ == BodyFraming::ContentLength ? content_length_ : 0;
  head.keep_alive = keep_alive;
  callbacks_.onResponseHead(std::move(head));
  return no_body ? 1 : 0;
}

int Decoder::Impl::onBody(const char* at, size_t len) {
  body_bytes_ += len;
  // Content-Length and chunk sizes are checked when announced; this bounds close-delimited bodies.
  if (body_bytes_ > limits_.max_body_bytes) {
    return reject("body too large", 413);
  }
  callbacks_.onBody(std::string_view(at, len));
  return 0;
}

int Decoder::Impl::onChunkExtension(size_t len) {
  // Extensions are skipped, not stored, but an endless one would keep a connection busy without
  // a body byte arriving; they get the same budget as a head.
  extension_bytes_ += len;
  if (extension_bytes_ > limits_.max_header_bytes) {
    return reject("chunk extensions too large");
  }
  return 0;
}

int Decoder::Impl::onChunkHeader() {
  const uint64_t size = parser_.content_length;
  if (size == 0) {
    // Pause to learn where the trailer section starts, so the scanner can check its lines.
    last_chunk_ = true;
    in_trailers_ = true;
    pause_ = PauseReason::TrailerStart;
    return HPE_PAUSED;
  }
  if (size > limits_.max_body_bytes - declared_body_) {
    return reject("body too large", 413);
  }
  declared_body_ += size;
  return 0;
}

int Decoder::Impl::onChunkComplete() {
  if (last_chunk_) {
    return 0;
  }
  // llhttp 8.1 skips the two bytes after chunk data without looking at them; pause so feed() can
  // check they are CRLF.
  pause_ = PauseReason::ChunkEnd;
  return HPE_PAUSED;
}

int Decoder::Impl::onMessageComplete() {
  if (interim_) {
    // A 1xx response: the final response follows as part of the same exchange.
    interim_ = false;
    pause_ = PauseReason::Interim;
    return HPE_PAUSED;
  }
  in_message_ = false;
  head_response_ = false;
  interim_bytes_ = 0;
  http::HeaderMap trailers = std::move(trailers_);
  trailers_.clear();
  user_paused_ = true;
  pause_ = PauseReason::MessageEnd;
  callbacks_.onMessageComplete(std::move(trailers));
  return HPE_PAUSED;
}

const llhttp_settings_t& Decoder::Impl::settings() {
  static const llhttp_settings_t kSettings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = [](llhttp_t* p) noexcept { return self(p).onMessageBegin(); };
    s.on_url = [](llhttp_t* p, const char* at, size_t len) noexcept {
      return self(p).onUrl(at, len);
    };
    s.on_status = [](llhttp_t* p, const char* at, size_t len) noexcept {
      return self(p).onStatus(at, len);
    };
    s.on_header_field = [](llhttp_t* p, const char* at, size_t len) noexcept {
      return self(p).onHeaderField(at, len);
    };
    s.on_header_value = [](llhttp_t* p, const char* at, size_t len) noexcept {
      return self(p).onHeaderValue(at, len);
    };
    s.on_header_value_complete = [](llhttp_t* p) noexcept {
      return self(p).onHeaderValueComplete();
    };
    s.on_headers_complete = [](llhttp_t* p) noexcept { return self(p).onHeadersComplete(); };
    s.on_body = [](llhttp_t* p, const char* at, size_t len) noexcept {
      return self(p).onBody(at, len);
    };
    s.on_chunk_extension_name = [](llhttp_t* p, const char* /*at*/, size_t len) noexcept {
      return self(p).onChunkExtension(len);
    };
    s.on_chunk_extension_value = [](llhttp_t* p, const char* /*at*/, size_t len) noexcept {
      return self(p).onChunkExtension(len);
    };
    s.on_chunk_header = [](llhttp_t* p) noexcept { return self(p).onChunkHeader(); };
    s.on_chunk_complete = [](llhttp_t* p) noexcept { return self(p).onChunkComplete(); };
    s.on_message_complete = [](llhttp_t* p) noexcept { return self(p).onMessageComplete(); };
    return s;
  }();
  return kSettings;
}

// Runs the line scanner over bytes about to reach llhttp; false once the data is refused.
bool Decoder::Impl::handleScan(std::string_view data) {
  const bool start_line = scanner_.inStartLine();
  switch (scanner_.scan(data)) {
    case LineScanner::Outcome::NeedMore:
    case LineScanner::Outcome::Done:
      return true;
    case LineScanner::Outcome::BareLf:
      reject("line ending without CR", 400, true);
      return false;
    case LineScanner::Outcome::BareCr:
      reject("CR without LF", 400, true);
      return false;
    case LineScanner::Outcome::ObsFold:
      reject("obsolete line folding", 400, true);
      return false;
    case LineScanner::Outcome::TooLarge:
      if (start_line && scanner_.inStartLine()) {
        reject("request-target too long", 414);
      } else {
        reject("header section too large", 431, true);
      }
      return false;
  }
  return false;
}

Result<size_t> Decoder::Impl::feed(std::string_view data) {
  if (error_) {
    return tl::unexpected(*error_);
  }
  if (user_paused_) {
    return 0;
  }
  if (llhttp_paused_) {
    llhttp_resume(&parser_);
    llhttp_paused_ = false;
  }
  size_t offset = 0;
  while (offset < data.size()) {
    const char* const base = data.data() + offset;
    const size_t len = data.size() - offset;
    if (scanner_.active() && !handleScan(std::string_view(base, len))) {
      return tl::unexpected(*error_);
    }
    pause_ = PauseReason::None;
    const llhttp_errno_t err = llhttp_execute(&parser_, base, len);
    if (error_) {
      return tl::unexpected(*error_);
    }
    if (err == HPE_OK) {
      rememberTail(base, len);
      return data.size();
    }
    if (err != HPE_PAUSED && err != HPE_PAUSED_UPGRADE) {
      const bool header = err == HPE_INVALID_HEADER_TOKEN || err == HPE_INVALID_CONTENT_LENGTH ||
                          err == HPE_UNEXPECTED_CONTENT_LENGTH ||
                          err == HPE_INVALID_TRANSFER_ENCODING;
      const int status = err == HPE_PAUSED_H2_UPGRADE ? 505 : 400;
      reject(llhttp_get_error_reason(&parser_), status, header);
      return tl::unexpected(*error_);
    }
    const auto used = static_cast<size_t>(llhttp_get_error_pos(&parser_) - base);
    if (err == HPE_PAUSED_UPGRADE) {
      // An Upgrade or CONNECT request (or a 101) that the proxy has not acted on: the message is
      // already complete, and whatever follows is parsed as HTTP/1 again. A caller that honours
      // the upgrade stops feeding this decoder. The scanner already looked at the bytes from here
      // on before llhttp stopped; the next head starts here, so it scans them afresh.
      llhttp_resume_after_upgrade(&parser_);
      scanner_.startHead(limits_.max_header_bytes);
      rememberTail(base, used);
      offset += used;
      continue;
    }
    switch (pause_) {
      case PauseReason::ChunkEnd:
        if (byteBack(base, used, 2) != '\r' || byteBack(base, used, 1) != '\n') {
          reject("chunk data not followed by CRLF");
          return tl::unexpected(*error_);
        }
        llhttp_resume(&parser_);
        break;
      case PauseReason::TrailerStart:
        scanner_.startTrailers(limits_.max_header_bytes);
        llhttp_resume(&parser_);
        break;
      case PauseReason::Interim:
        interim_bytes_ += scanner_.bytes();
        scanner_.startHead(limits_.max_header_bytes -
                           std::min(interim_bytes_, limits_.max_header_bytes));
        llhttp_resume(&parser_);
        break;
      case PauseReason::MessageEnd:
        scanner_.startHead(limits_.max_header_bytes);
        if (user_paused_) {
          llhttp_paused_ = true;
          rememberTail(base, used);
          return offset + used;
        }
        llhttp_resume(&parser_);  // the callback already resumed
        break;
      case PauseReason::None:
        reject("unexpected parser pause");
        return tl::unexpected(*error_);
    }
    rememberTail(base, used);
    offset += used;
  }
  return data.size();
}

Decoder::Decoder(Kind kind, DecoderCallbacks& callbacks, DecoderLimits limits)
    : impl_(std::make_unique<Impl>(kind, callbacks, limits)) {}

Decoder::~Decoder() = default;

Result<size_t> Decoder::feed(std::string_view data) {
  return impl_->feed(data);
}

void Decoder::resume() {
  impl_->user_paused_ = false;
}

bool Decoder::paused() const {
  return impl_->user_paused_;
}

void Decoder::expectHeadResponse(bool head) {
  impl_->head_response_ = head;
}

bool Decoder::messageInProgress() const {
  return impl_->in_message_;
}

int Decoder::errorStatus() const {
  return impl_->error_status_;
}

Status Decoder::finish() {
  auto& d = *impl_;
  if (d.error_) {
    return tl::unexpected(*d.error_);
  }
  if (!d.in_message_) {
    return {};
  }
  const llhttp_errno_t err = llhttp_finish(&d.parser_);
  if (d.error_) {
    return tl::unexpected(*d.error_);
  }
  // A close-delimited body completes here (on_message_complete pauses as usual); anything else
  // still in progress, including a 1xx with no final response yet, was cut short.
  if ((err == HPE_OK || err == HPE_PAUSED) && !d.in_message_) {
    return {};
  }
  d.reject("connection closed in the middle of a message");
  return tl::unexpected(*d.error_);
}

}  // namespace strata::core::http1
