// RequestParser: server-side RESP2 command parsing (multibulk and inline) with Redis's limits
// and error wording, incremental over partially received input.
#include <algorithm>
#include <cctype>

#include "cache/resp/detail.h"
#include "cache/resp/resp.h"

namespace strata::cache::resp {

namespace {

// Longest header line ("*123\r\n", "$456\r\n") we wait for before calling it garbage; Redis
// uses its inline limit (64 KB) for the same purpose.
constexpr size_t kMaxHeaderLine = 64 * 1024;

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool isHexDigit(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// Position of the first `wanted` byte in text[from, from + limit), or npos, where a NUL byte
// ends the search as if it were the end of the data. Redis scans request lines with strchr,
// so for Redis a NUL hides every line end after it: the line stays incomplete until the size
// limit turns it into a protocol error. Scanning the same way keeps a node and any Redis peer
// in agreement on where each command ends, instead of one running what the other waits on.
size_t findLineEnd(std::string_view text, size_t from, size_t limit, char wanted) {
  if (from >= text.size()) {
    return std::string_view::npos;
  }
  const size_t end = text.size() - from > limit ? from + limit : text.size();
  const char stops[2] = {wanted, '\0'};
  const size_t at = text.substr(0, end).find_first_of(std::string_view(stops, 2), from);
  return at == std::string_view::npos || text[at] == '\0' ? std::string_view::npos : at;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

}  // namespace

bool splitInlineArgs(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  // Redis hands the line to sdssplitargs as a C string, so an embedded NUL ends it.
  line = line.substr(0, line.find('\0'));
  const size_t n = line.size();
  size_t i = 0;
  while (true) {
    while (i < n && isSpace(line[i])) {
      ++i;
    }
    if (i == n) {
      return true;
    }
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    std::string current;
    while (!done) {
      const bool at_end = i >= n;
      const char c = at_end ? '\0' : line[i];
      const char next = i + 1 < n ? line[i + 1] : '\0';
      if (in_double) {
        if (at_end) {
          return false;
        }
        if (c == '\\' && next == 'x' && i + 3 < n && isHexDigit(line[i + 2]) &&
            isHexDigit(line[i + 3])) {
          current.push_back(static_cast<char>(hexValue(line[i + 2]) * 16 + hexValue(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          ++i;
          switch (line[i]) {
            case 'n':
              current.push_back('\n');
              break;
            case 'r':
              current.push_back('\r');
              break;
            case 't':
              current.push_back('\t');
              break;
            case 'b':
              current.push_back('\b');
              break;
            case 'a':
              current.push_back('\a');
              break;
            default:
              current.push_back(line[i]);
              break;
          }
        } else if (c == '"') {
          // The closing quote must end the argument.
          if (i + 1 < n && !isSpace(next)) {
            return false;
          }
          done = true;
        } else {
          current.push_back(c);
        }
      } else if (in_single) {
        if (at_end) {
          return false;
        }
        if (c == '\\' && next == '\'') {
          ++i;
          current.push_back('\'');
        } else if (c == '\'') {
          if (i + 1 < n && !isSpace(next)) {
            return false;
          }
          done = true;
        } else {
          current.push_back(c);
        }
      } else {
        if (at_end || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
          done = true;
        } else if (c == '"') {
          in_double = true;
        } else if (c == '\'') {
          in_single = true;
        } else {
          current.push_back(c);
        }
      }
      if (!at_end) {
        ++i;
      }
    }
    out.push_back(std::move(current));
  }
}

void RequestParser::reset() {
  expected_args_ = 0;
  pos_ = 0;
  bulk_len_ = -1;
  // Drop the storage too: a command that declared many arguments must not pin its slots.
  std::vector<Span>().swap(spans_);
}

ParseOutcome RequestParser::fail(std::string message) {
  reset();
  error_ = std::move(message);
  return ParseOutcome::Error;
}

ParseOutcome RequestParser::parse(std::string_view input, size_t& consumed,
                                  std::vector<std::string>& argv) {
  consumed = 0;
  if (input.size() < pos_) {
    // The caller did not hand back the tail we were parsing; start over rather than read
    // stale offsets.
    reset();
  }
  if (expected_args_ > 0) {
    return parseMultibulkBody(input, consumed, argv);
  }
  if (input.empty()) {
    return ParseOutcome::NeedMore;
  }
  if (input[0] == '*') {
    return parseMultibulkHeader(input, consumed, argv);
  }
  return parseInline(input, consumed, argv);
}

ParseOutcome RequestParser::parseMultibulkHeader(std::string_view input, size_t& consumed,
                                                 std::vector<std::string>& argv) {
  const size_t cr = findLineEnd(input, 0, kMaxHeaderLine + 1, '\r');
  if (cr == std::string_view::npos) {
    if (input.size() > kMaxHeaderLine) {
      return fail("ERR Protocol error: too big mbulk count string");
    }
    return ParseOutcome::NeedMore;
  }
  if (cr + 1 >= input.size()) {
    return ParseOutcome::NeedMore;  // the '\n' has not arrived
  }
  int64_t count = 0;
  if (!detail::parseInt64(input.substr(1, cr - 1), count) || count > limits_.max_multibulk_len) {
    return fail("ERR Protocol error: invalid multibulk length");
  }
  if (count <= 0) {
    // "*0" and "*-1" carry no command: consume them without a reply, as Redis does.
    argv.clear();
    consumed = cr + 2;
    return ParseOutcome::Done;
  }
  expected_args_ = count;
  pos_ = cr + 2;
  bulk_len_ = -1;
  spans_.clear();
  // Reserve for what is plausible, never for what was declared: the count is untrusted.
  spans_.reserve(static_cast<size_t>(std::min(count, kMaxReserve)));
  return parseMultibulkBody(input, consumed, argv);
}

ParseOutcome RequestParser::parseMultibulkBody(std::string_view input, size_t& consumed,
                                               std::vector<std::string>& argv) {
  while (static_cast<int64_t>(spans_.size()) < expected_args_) {
    if (bulk_len_ < 0) {
      if (pos_ >= input.size()) {
        return ParseOutcome::NeedMore;
      }
      const size_t cr = findLineEnd(input, pos_, kMaxHeaderLine + 1, '\r');
      if (cr == std::string_view::npos) {
        if (input.size() - pos_ > kMaxHeaderLine) {
          return fail("ERR Protocol error: too big bulk count string");
        }
        return ParseOutcome::NeedMore;
      }
      if (cr + 1 >= input.size()) {
        return ParseOutcome::NeedMore;
      }
      if (input[pos_] != '$') {
        return fail(std::string("ERR Protocol error: expected '$', got '") + input[pos_] + "'");
      }
      int64_t len = 0;
      if (!detail::parseInt64(input.substr(pos_ + 1, cr - pos_ - 1), len) || len < 0 ||
          len > limits_.max_bulk_len) {
        return fail("ERR Protocol error: invalid bulk length");
      }
      bulk_len_ = len;
      pos_ = cr + 2;
    }
    // O(1) per call while a large bulk trickles in: only the byte count is checked.
    const size_t need = static_cast<size_t>(bulk_len_) + 2;
    if (input.size() - pos_ < need) {
      return ParseOutcome::NeedMore;
    }
    spans_.push_back(Span{pos_, static_cast<size_t>(bulk_len_)});
    pos_ += need;
    bulk_len_ = -1;
  }
  argv.clear();
  argv.reserve(spans_.size());
  for (const Span& span : spans_) {
    argv.emplace_back(input.substr(span.offset, span.length));
  }
  consumed = pos_;
  reset();
  return ParseOutcome::Done;
}

ParseOutcome RequestParser::parseInline(std::string_view input, size_t& consumed,
                                        std::vector<std::string>& argv) {
  const size_t newline = findLineEnd(input, 0, limits_.max_inline_len + 1, '\n');
  if (newline == std::string_view::npos) {
    if (input.size() > limits_.max_inline_len) {
      return fail("ERR Protocol error: too big inline request");
    }
    return ParseOutcome::NeedMore;
  }
  std::string_view line = input.substr(0, newline);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  if (!splitInlineArgs(line, argv)) {
    argv.clear();
    return fail("ERR Protocol error: unbalanced quotes in request");
  }
  consumed = newline + 1;
  return ParseOutcome::Done;
}

}  // namespace strata::cache::resp
