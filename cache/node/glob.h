// Glob-style matching in Redis's dialect, for the commands that take a pattern (CONFIG GET,
// COMMAND LIST FILTERBY PATTERN, and later KEYS and SCAN MATCH).
#pragma once

#include <string_view>

namespace strata::cache::node {

// True if `text` matches `pattern` as Redis's stringmatchlen decides it. Both are binary-safe
// (callers that mimic Redis's C-string handling cut at NUL first). The dialect differs from
// fnmatch(3) in ways clients can see:
//   *  any run of bytes, ?  one byte, \x  the byte x (a lone trailing \ is itself);
//   [...]  one byte from a class: '^' first negates ('!' is an ordinary byte), "a-z" is a
//          range and "z-a" the same range, \x inside a class is x compared case-sensitively
//          even when nocase, and a class still open at the end of the pattern ends there.
// nocase folds ASCII letters. Runs in O(|pattern| * |text|) whatever the pattern: a star only
// ever resumes from the latest star, so "*a*a*a*...b" cannot backtrack exponentially.
bool globMatch(std::string_view pattern, std::string_view text, bool nocase);

}  // namespace strata::cache::node
