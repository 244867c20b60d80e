// GlobPattern: Redis's glob dialect with a linear-backtracking matcher and compiled classes.
#include "cache/node/glob.h"

#include <algorithm>
#include <utility>

namespace strata::cache::node {

namespace {

unsigned char fold(unsigned char c, bool nocase) {
  return nocase && c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c;
}

// A byte as a class range compares it: a signed char, folded when nocase.
int rangeValue(unsigned char c, bool nocase) {
  return static_cast<signed char>(fold(c, nocase));
}

// Adds every byte that equals `member` (after folding when nocase) to the set.
void addMember(std::bitset<256>& set, unsigned char member, bool nocase) {
  set.set(member);
  if (nocase) {
    const unsigned char lower = fold(member, true);
    set.set(lower);
    if (lower >= 'a' && lower <= 'z') {
      set.set(static_cast<unsigned char>(lower - 32));
    }
  }
}

}  // namespace

// Walks the class once, as Redis's matcher would for any byte, and records which bytes it
// accepts. Ranges compare folded bytes when nocase; a folded range seen before in the same
// class is skipped, so a class of millions of ranges costs at most 64K distinct range fills.
const GlobPattern::CompiledClass& GlobPattern::compileClass(size_t at) {
  for (const CompiledClass& compiled : classes_) {
    if (compiled.at == at) {
      return compiled;
    }
  }
  CompiledClass compiled{at, pattern_.size(), {}};
  size_t i = at + 1;
  const bool negate = i < pattern_.size() && pattern_[i] == '^';
  if (negate) {
    i++;
  }
  std::vector<bool> ranges_seen;
  while (true) {
    const size_t left = pattern_.size() - i;
    if (left == 0) {
      break;  // an unclosed class ends with the pattern
    }
    const auto here = static_cast<unsigned char>(pattern_[i]);
    if (here == '\\' && left >= 2) {
      i++;
      compiled.members.set(static_cast<unsigned char>(pattern_[i]));  // exact, even if nocase
    } else if (here == ']') {
      compiled.next = i + 1;
      break;
    } else if (left >= 3 && pattern_[i + 1] == '-') {
      // Redis compares range bytes as (signed) chars, so bytes >= 0x80 sort below '\0'.
      int low = rangeValue(here, nocase_);
      int high = rangeValue(static_cast<unsigned char>(pattern_[i + 2]), nocase_);
      if (low > high) {
        std::swap(low, high);
      }
      if (ranges_seen.empty()) {
        ranges_seen.resize(256 * 256);
      }
      const size_t seen = static_cast<size_t>(low + 128) * 256 + static_cast<size_t>(high + 128);
      if (!ranges_seen[seen]) {
        ranges_seen[seen] = true;
        for (unsigned c = 0; c < 256; c++) {
          const int value = rangeValue(static_cast<unsigned char>(c), nocase_);
          if (value >= low && value <= high) {
            compiled.members.set(c);
          }
        }
      }
      i += 2;
    } else {
      addMember(compiled.members, here, nocase_);
    }
    i++;
  }
  if (negate) {
    compiled.members.flip();
  }
  classes_.push_back(std::move(compiled));
  return classes_.back();
}

// Matches one byte against the single-byte token at pattern_[at] (anything but '*') and sets
// `next` to the position after the token, which never depends on the byte.
bool GlobPattern::tokenMatches(size_t at, char c, size_t& next) {
  const auto byte = static_cast<unsigned char>(c);
  switch (pattern_[at]) {
    case '?':
      next = at + 1;
      return true;
    case '[': {
      const CompiledClass& compiled = compileClass(at);
      next = compiled.next;
      return compiled.members.test(byte);
    }
    case '\\':
      if (at + 1 < pattern_.size()) {
        next = at + 2;
        return fold(static_cast<unsigned char>(pattern_[at + 1]), nocase_) == fold(byte, nocase_);
      }
      [[fallthrough]];  // a trailing backslash is a literal backslash
    default:
      next = at + 1;
      return fold(static_cast<unsigned char>(pattern_[at]), nocase_) == fold(byte, nocase_);
  }
}

bool GlobPattern::matches(std::string_view text) {
  if (text.empty()) {
    return pattern_.empty();
  }
  constexpr size_t kNone = std::string_view::npos;
  size_t p = 0;
  size_t t = 0;
  size_t star_p = kNone;  // pattern position after the latest star
  size_t star_t = 0;      // text position that star currently stops at
  while (t < text.size()) {
    if (p < pattern_.size() && pattern_[p] == '*') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    size_t next = 0;
    if (p < pattern_.size() && tokenMatches(p, text[t], next)) {
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
  while (p < pattern_.size() && pattern_[p] == '*') {
    p++;
  }
  return p == pattern_.size();
}

bool globMatch(std::string_view pattern, std::string_view text, bool nocase) {
  GlobPattern compiled(pattern, nocase);
  return compiled.matches(text);
}

}  // namespace strata::cache::node
