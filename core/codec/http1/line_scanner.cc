// LineScanner: CRLF, obs-fold and size checks on message heads and trailer sections.
#include "core/codec/http1/line_scanner.h"

#include <cstring>

namespace strata::core::http1 {

void LineScanner::startHead(size_t max_bytes) {
  max_bytes_ = max_bytes;
  bytes_ = 0;
  line_len_ = 0;
  lines_ = 0;
  prev_ = 0;
  active_ = true;
}

void LineScanner::startTrailers(size_t max_bytes) {
  startHead(max_bytes);
  // The last-chunk line played the part of the start line: the next empty line ends the
  // section, and a first line starting with whitespace is a fold like any other.
  lines_ = 1;
  prev_ = '\n';
}

LineScanner::Outcome LineScanner::scan(std::string_view data) {
  if (!active_) {
    return Outcome::Done;
  }
  const char* p = data.data();
  const char* const end = p + data.size();
  while (p < end) {
    if (prev_ == '\r' && *p != '\n') {
      return Outcome::BareCr;  // the previous call ended in a CR that no LF follows
    }
    if (line_len_ == 0 && lines_ > 0 && (*p == ' ' || *p == '\t')) {
      return Outcome::ObsFold;
    }
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* const stop = nl != nullptr ? nl + 1 : end;
    const auto n = static_cast<size_t>(stop - p);
    bytes_ += n;
    if (bytes_ > max_bytes_) {
      return Outcome::TooLarge;
    }
    // A CR may only be the last byte before the LF, or the last byte seen so far (its LF may be
    // in the next call); anywhere else on the line it is bare.
    const char* const cr_limit = nl != nullptr ? nl - 1 : end - 1;
    if (cr_limit > p && std::memchr(p, '\r', static_cast<size_t>(cr_limit - p)) != nullptr) {
      return Outcome::BareCr;
    }
    if (nl == nullptr) {
      line_len_ += n;
      prev_ = end[-1];
      return Outcome::NeedMore;
    }
    const char before = nl > p ? nl[-1] : prev_;
    if (before != '\r') {
      return Outcome::BareLf;
    }
    const size_t line_len = line_len_ + static_cast<size_t>(nl - p);  // CR included
    line_len_ = 0;
    prev_ = '\n';
    p = stop;
    if (line_len == 1) {
      if (lines_ == 0) {
        continue;  // RFC 9112 §2.2: empty lines before a request line are ignored
      }
      active_ = false;
      return Outcome::Done;
    }
    ++lines_;
  }
  return Outcome::NeedMore;
}

}  // namespace strata::core::http1
