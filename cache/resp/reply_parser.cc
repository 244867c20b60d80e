// ReplyParser: client-side RESP2 reply parsing, incremental and iterative (an explicit stack of
// open arrays instead of recursion), so nesting depth and declared sizes are bounded by limits
// rather than by the C++ stack or the allocator.
#include <algorithm>

#include "cache/resp/detail.h"
#include "cache/resp/resp.h"

namespace strata::cache::resp {

void ReplyParser::reset() {
  pos_ = 0;
  stack_.clear();
  stack_.shrink_to_fit();
}

size_t ReplyParser::reservedSlots() const {
  size_t total = 0;
  for (const Frame& frame : stack_) {
    total += frame.reply.elements.capacity();
  }
  return total;
}

ParseOutcome ReplyParser::fail(std::string message) {
  reset();
  error_ = std::move(message);
  return ParseOutcome::Error;
}

ParseOutcome ReplyParser::parse(std::string_view input, size_t& consumed, Reply& out) {
  consumed = 0;
  if (input.size() < pos_) {
    reset();  // not the tail we were parsing: start over
  }
  while (true) {
    if (pos_ >= input.size()) {
      return ParseOutcome::NeedMore;
    }
    const size_t cr = detail::findCr(input, pos_, limits_.max_line_len + 1);
    if (cr == std::string_view::npos) {
      if (input.size() - pos_ > limits_.max_line_len) {
        return fail("Protocol error: reply line too long");
      }
      return ParseOutcome::NeedMore;
    }
    if (cr + 1 >= input.size()) {
      return ParseOutcome::NeedMore;
    }
    if (input[cr + 1] != '\n') {
      return fail("Protocol error: line not terminated by CRLF");
    }
    const char type = input[pos_];
    const std::string_view body = input.substr(pos_ + 1, cr - pos_ - 1);
    size_t next = cr + 2;
    Reply value;
    switch (type) {
      case '+':
        value.type = Reply::Type::Status;
        value.str.assign(body);
        break;
      case '-':
        value.type = Reply::Type::Error;
        value.str.assign(body);
        break;
      case ':':
        value.type = Reply::Type::Integer;
        if (!detail::parseInt64(body, value.integer)) {
          return fail("Protocol error: invalid integer reply");
        }
        break;
      case '$': {
        int64_t len = 0;
        if (!detail::parseInt64(body, len) || len < -1 || len > limits_.max_bulk_len) {
          return fail("Protocol error: invalid bulk length");
        }
        if (len == -1) {
          value.type = Reply::Type::Null;
          break;
        }
        // Wait for the whole bulk; the header is re-read on the next call, which is cheap.
        const size_t need = static_cast<size_t>(len) + 2;
        if (input.size() - next < need) {
          return ParseOutcome::NeedMore;
        }
        const size_t end = next + static_cast<size_t>(len);
        if (input[end] != '\r' || input[end + 1] != '\n') {
          return fail("Protocol error: bulk not terminated by CRLF");
        }
        value.type = Reply::Type::Bulk;
        value.str.assign(input.substr(next, static_cast<size_t>(len)));
        next += need;
        break;
      }
      case '*': {
        int64_t count = 0;
        if (!detail::parseInt64(body, count) || count < -1 || count > limits_.max_array_len) {
          return fail("Protocol error: invalid multibulk length");
        }
        if (count == -1) {
          value.type = Reply::Type::NullArray;
          break;
        }
        value.type = Reply::Type::Array;
        if (count == 0) {
          break;
        }
        if (stack_.size() >= limits_.max_depth) {
          return fail("Protocol error: reply nested too deeply");
        }
        value.elements.reserve(static_cast<size_t>(std::min(count, kMaxReserve)));
        stack_.push_back(Frame{std::move(value), count});
        pos_ = next;
        continue;
      }
      default:
        return fail(std::string("Protocol error: invalid reply type byte '") + type + "'");
    }
    pos_ = next;
    // Attach the finished value to the innermost open array, closing arrays that are full.
    while (true) {
      if (stack_.empty()) {
        out = std::move(value);
        consumed = pos_;
        pos_ = 0;
        return ParseOutcome::Done;
      }
      Frame& top = stack_.back();
      top.reply.elements.push_back(std::move(value));
      if (--top.remaining > 0) {
        break;
      }
      value = std::move(top.reply);
      stack_.pop_back();
    }
  }
}

}  // namespace strata::cache::resp
