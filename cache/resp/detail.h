// Internal helpers shared by the RESP request parser, reply parser and writers.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::cache::resp::detail {

// Parses a decimal integer the way Redis's string2ll does: optional '-', no '+', no leading
// zeros, no spaces, no overflow. Strictness matters: "$ 3" or "$03" are protocol errors in
// Redis, and accepting them here would let a proxy and a node disagree on framing.
inline bool parseInt64(std::string_view text, int64_t& out) {
  if (text.empty() || text.size() > 20) {
    return false;
  }
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    i = 1;
    if (text.size() == 1) {
      return false;
    }
  }
  if (text.size() == 1 && text[0] == '0') {
    out = 0;
    return true;
  }
  if (text[i] < '1' || text[i] > '9') {
    return false;
  }
  uint64_t value = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') {
      return false;
    }
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) {
      return false;
    }
    value = value * 10 + digit;
  }
  if (negative) {
    if (value > static_cast<uint64_t>(INT64_MAX) + 1) {
      return false;
    }
    out = value == static_cast<uint64_t>(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(value);
    return true;
  }
  if (value > static_cast<uint64_t>(INT64_MAX)) {
    return false;
  }
  out = static_cast<int64_t>(value);
  return true;
}

// Position of the first '\r' in text[from, from + limit), or npos.
inline size_t findCr(std::string_view text, size_t from, size_t limit) {
  if (from >= text.size()) {
    return std::string_view::npos;
  }
  const size_t end = text.size() - from > limit ? from + limit : text.size();
  const std::string_view window = text.substr(from, end - from);
  const size_t at = window.find('\r');
  return at == std::string_view::npos ? at : from + at;
}

}  // namespace strata::cache::resp::detail
