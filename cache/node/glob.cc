// globMatch: Redis's glob dialect with a linear-backtracking matcher.
#include "cache/node/glob.h"

#include <utility>

namespace strata::cache::node {

namespace {

char fold(char c, bool nocase) {
  return nocase && c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

// Matches one byte against the class that opens at pattern[at] ('['). Sets `next` to the
// position after the class. How far a class reaches depends only on the pattern, never on
// the byte, which is what lets the caller treat a class as one token.
bool classMatches(std::string_view pattern, size_t at, char c, bool nocase, size_t& next) {
  size_t i = at + 1;
  const bool negate = i < pattern.size() && pattern[i] == '^';
  if (negate) {
    i++;
  }
  bool match = false;
  while (true) {
    const size_t left = pattern.size() - i;
    if (left == 0) {
      next = i;  // an unclosed class ends with the pattern
      break;
    }
    if (pattern[i] == '\\' && left >= 2) {
      i++;
      match = match || pattern[i] == c;  // escaped class members ignore nocase, as in Redis
    } else if (pattern[i] == ']') {
      next = i + 1;
      break;
    } else if (left >= 3 && pattern[i + 1] == '-') {
      char low = fold(pattern[i], nocase);
      char high = fold(pattern[i + 2], nocase);
      if (low > high) {
        std::swap(low, high);
      }
      const char folded = fold(c, nocase);
      match = match || (folded >= low && folded <= high);
      i += 2;
    } else {
      match = match || fold(pattern[i], nocase) == fold(c, nocase);
    }
    i++;
  }
  return match != negate;
}

// Matches one byte against the single-byte token at pattern[at] (anything but '*').
bool tokenMatches(std::string_view pattern, size_t at, char c, bool nocase, size_t& next) {
  switch (pattern[at]) {
    case '?':
      next = at + 1;
      return true;
    case '[':
      return classMatches(pattern, at, c, nocase, next);
    case '\\':
      if (at + 1 < pattern.size()) {
        next = at + 2;
        return fold(pattern[at + 1], nocase) == fold(c, nocase);
      }
      [[fallthrough]];  // a trailing backslash is a literal backslash
    default:
      next = at + 1;
      return fold(pattern[at], nocase) == fold(c, nocase);
  }
}

}  // namespace

bool globMatch(std::string_view pattern, std::string_view text, bool nocase) {
  // Redis's matcher never enters its loop for an empty text, so only an empty pattern matches
  // it ("*" does not); kept so every caller agrees with Redis on empty keys.
  if (text.empty()) {
    return pattern.empty();
  }
  constexpr size_t kNone = std::string_view::npos;
  size_t p = 0;
  size_t t = 0;
  size_t star_p = kNone;  // pattern position after the latest star
  size_t star_t = 0;      // text position that star currently stops at
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    size_t next = 0;
    if (p < pattern.size() && tokenMatches(pattern, p, text[t], nocase, next)) {
      p = next;
      t++;
      continue;
    }
    // Let the latest star swallow one more byte and retry; earlier stars never need to move,
    // because anything they could take the latest star can take instead.
    if (star_p == kNone) {
      return false;
    }
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') {
    p++;
  }
  return p == pattern.size();
}

}  // namespace strata::cache::node
