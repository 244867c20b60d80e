// Raw-byte checks on the line-oriented sections of an HTTP/1 message (the head and the trailer
// section) that llhttp 8.1 does not make in strict mode: every line must end in CRLF, no line may
// hold a bare CR or be an obs-fold continuation, and the section must fit the configured byte
// budget.
#pragma once

#include <cstddef>
#include <string_view>

namespace strata::core::http1 {

// Scans the bytes of one section as they arrive, before llhttp parses them, and stops at the
// empty line that ends the section. llhttp accepts a bare LF after the start line, on the empty
// line that ends the head and on the one that ends the trailers, and joins obs-folded values;
// built without LLHTTP_STRICT_MODE it also takes "CR + any byte" as a line end. Each of those
// lets two parsers disagree about where a field or a message ends, so they are refused here
// rather than patched up (RFC 9112 §2.2 allows refusing a bare CR), whatever llhttp's build.
//
// The alternative, enabling llhttp's own checks, needs llhttp 9 (whose strict mode rejects bare
// LF); this scanner costs one memchr per line and keeps the exact header byte count as a bonus.
class LineScanner {
 public:
  enum class Outcome {
    NeedMore,  // all bytes scanned, the section has not ended yet
    Done,      // the section ended inside (or exactly at the end of) the bytes
    BareLf,    // a line ended in LF without CR
    BareCr,    // a CR not followed by LF
    ObsFold,   // a field line started with SP or HTAB
    TooLarge,  // the section exceeded its byte budget
  };

  // Starts a message head: optional empty lines, a start line, field lines, an empty line.
  void startHead(size_t max_bytes);
  // Starts a trailer section (after the last-chunk line): field lines, then an empty line.
  void startTrailers(size_t max_bytes);
  bool active() const { return active_; }
  // True while the start line of a head has not ended (an oversize head is then an oversize
  // request-target or status line).
  bool inStartLine() const { return active_ && lines_ == 0; }
  // Bytes of the current section seen so far.
  size_t bytes() const { return bytes_; }

  // Scans bytes that follow everything scanned before. Bytes after the end of the section are
  // left alone (they are body or the next message).
  Outcome scan(std::string_view data);

 private:
  size_t max_bytes_ = 0;
  size_t bytes_ = 0;
  size_t line_len_ = 0;  // bytes of the current line so far, CR included
  size_t lines_ = 0;     // non-empty lines finished (the start line counts)
  char prev_ = 0;        // last byte scanned, so a CR/LF pair may straddle two calls
  bool active_ = false;
};

}  // namespace strata::core::http1
