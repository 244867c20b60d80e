// Glob-style matching in Redis's dialect, for the commands that take a pattern (CONFIG GET,
// COMMAND LIST FILTERBY PATTERN, and later KEYS and SCAN MATCH).
#pragma once

#include <bitset>
#include <cstddef>
#include <string_view>
#include <vector>

namespace strata::cache::node {

// A pattern matched as Redis's stringmatchlen decides it. Pattern and texts are binary-safe
// (callers that mimic Redis's C-string handling cut at NUL first). The dialect differs from
// fnmatch(3) in ways clients can see:
//   *  any run of bytes, ?  one byte, \x  the byte x (a lone trailing \ is itself);
//   [...]  one byte from a class: '^' first negates ('!' is an ordinary byte), "a-z" is a
//          range and "z-a" the same range, \x inside a class is x compared case-sensitively
//          even when nocase, and a class still open at the end of the pattern ends there.
// nocase folds ASCII letters. An empty text matches only the empty pattern (Redis never
// enters its loop for one, so not even "*" matches it).
//
// Cost, whatever the client sends: a star only ever resumes from the latest star, so matching
// is O(|text|^2) token steps plus one pass over the pattern, never exponential; and a class is
// turned into a 256-bit set the first time it is reached, so a class of megabytes is read
// once per pattern rather than once per byte compared. The pattern is borrowed, not copied.
class GlobPattern {
 public:
  GlobPattern(std::string_view pattern, bool nocase) : pattern_(pattern), nocase_(nocase) {}

  bool matches(std::string_view text);

 private:
  struct CompiledClass {
    size_t at;    // position of the '['
    size_t next;  // position after the class
    std::bitset<256> members;
  };
  bool tokenMatches(size_t at, char c, size_t& next);
  const CompiledClass& compileClass(size_t at);

  std::string_view pattern_;
  bool nocase_;
  std::vector<CompiledClass> classes_;  // the classes reached so far
};

// One-off match; CONFIG GET-style callers matching one pattern against many names should keep
// a GlobPattern instead, so each class is compiled once.
bool globMatch(std::string_view pattern, std::string_view text, bool nocase);

}  // namespace strata::cache::node
