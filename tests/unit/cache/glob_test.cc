// Tests for globMatch: Redis's glob dialect where it differs from fnmatch, case folding, and
// patterns built to make a naive backtracking matcher take exponential time.
#include "cache/node/glob.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>

namespace strata::cache::node {
namespace {

struct Case {
  const char* pattern;
  const char* text;
  bool match;
};

// Expected values are Redis 7.0's answers (KEYS against a single key), checked by hand.
TEST(GlobTest, MatchesAsRedisDoes) {
  const Case cases[] = {
      {"h?", "hz", true},
      {"h*", "hz", true},
      {"*", "anything", true},
      {"a*b*c", "aXXbYYc", true},
      {"a*b*c", "aXXbYY", false},
      {"a**", "a", true},
      {"", "a", false},
      // Escapes: \x is x anywhere; a trailing backslash is a backslash.
      {"\\*", "*", true},
      {"\\*", "a", false},
      {"a\\", "a\\", true},
      {"\\hz", "hz", true},
      // Classes: '^' negates, '!' is a plain member, ranges work both ways.
      {"[^a]z", "hz", true},
      {"[^h]z", "hz", false},
      {"[!g]et", "get", true},
      {"[!g]et", "set", false},
      {"h[z-a]", "hz", true},
      {"h[a-c]", "hz", false},
      {"[\\]]", "]", true},
      {"[a-]", "-", false},
      {"[a-]", "a", true},
      {"[a-]", "]", true},  // "a-]" is the range ']'..'a', and the class is left open
      // An unclosed class ends with the pattern.
      {"h[z", "hz", true},
      {"h[", "h", false},
      {"h[^", "hq", true},
      {"[]", "a", false},
      {"[^]", "a", true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(globMatch(c.pattern, c.text, false), c.match) << c.pattern << " vs " << c.text;
  }
}

// Range ends compare as signed chars in Redis, so a range up to 0xff starts below 0.
TEST(GlobTest, RangesCompareBytesAsSignedChars) {
  EXPECT_FALSE(globMatch("[a-\xff]", "\x80", false));
  EXPECT_TRUE(globMatch("[a-\xff]", "\x01", false));
  EXPECT_FALSE(globMatch("[a-\xff]", "b", false));
  EXPECT_TRUE(globMatch("[\x90-\x80]", "\x85", false));
}

// One compiled pattern serves many texts; a class of megabytes, reached on every backtrack
// step against every name, is read once.
TEST(GlobTest, CompiledPatternWithAHugeClass) {
  const std::string pattern = "*[" + std::string(4 << 20, 'q') + "x-z]";
  GlobPattern compiled(pattern, true);
  // Names ending in q, x, y or z, in either case.
  const std::pair<const char*, bool> names[] = {
      {"maxmemory", true}, {"timeout", false}, {"proto-max-bulk-len", false},
      {"save", false},     {"hz", true},       {"HZ", true},
  };
  for (const auto& [name, expected] : names) {
    EXPECT_EQ(compiled.matches(name), expected) << name;
  }
  EXPECT_TRUE(compiled.matches("aaaaaaaaaaaaaaaaaaaaQ"));
}

TEST(GlobTest, EmptyTextMatchesOnlyTheEmptyPattern) {
  EXPECT_TRUE(globMatch("", "", false));
  EXPECT_FALSE(globMatch("*", "", false));
  EXPECT_FALSE(globMatch("?", "", false));
}

TEST(GlobTest, CaseFoldingAndItsOneException) {
  EXPECT_TRUE(globMatch("HZ", "hz", true));
  EXPECT_FALSE(globMatch("HZ", "hz", false));
  EXPECT_TRUE(globMatch("[H]z", "hz", true));
  EXPECT_TRUE(globMatch("[A-Z]z", "hz", true));
  EXPECT_TRUE(globMatch("\\Hz", "hz", true));
  // Inside a class an escaped member is compared exactly even when folding.
  EXPECT_FALSE(globMatch("[\\H]z", "hz", true));
  EXPECT_TRUE(globMatch("[\\h]z", "hz", true));
}

TEST(GlobTest, BinarySafe) {
  const std::string pattern("a\0*", 3);
  EXPECT_TRUE(globMatch(pattern, std::string("a\0bc", 4), false));
  EXPECT_FALSE(globMatch(pattern, "abc", false));
}

// Many stars against a text that almost matches: exponential for naive backtracking (this one
// would need about C(60, 30) steps), immediate here.
TEST(GlobTest, ManyStarsStayLinear) {
  std::string pattern;
  for (int i = 0; i < 30; i++) {
    pattern += "*a";
  }
  pattern += "*b";
  const std::string text(60, 'a');
  EXPECT_FALSE(globMatch(pattern, text, false));
  EXPECT_TRUE(globMatch(pattern, text + "b", false));
  const std::string long_pattern(1 << 20, '*');
  EXPECT_TRUE(globMatch(long_pattern + "x", "x", false));
}

}  // namespace
}  // namespace strata::cache::node
