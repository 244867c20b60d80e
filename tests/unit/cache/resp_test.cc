// Tests for the RESP2 codec: request parsing (multibulk, inline, quoting, limits and the inputs
// of case 23), incremental and pipelined input, reply parsing of every type, writers.
#include <gtest/gtest.h>

#include <climits>
#include <string>
#include <vector>

#include "cache/resp/resp.h"

namespace strata::cache::resp {
namespace {

using Args = std::vector<std::string>;

struct Parsed {
  ParseOutcome outcome;
  Args argv;
  size_t consumed;
  std::string error;
};

Parsed parseOnce(std::string_view input, RequestLimits limits = {}) {
  RequestParser parser(limits);
  Parsed p;
  p.outcome = parser.parse(input, p.consumed, p.argv);
  p.error = parser.error();
  return p;
}

// Feeds `wire` to a fresh parser one byte at a time the way a connection does: a buffer that
// grows by what arrived and loses what a Done consumed. Returns every command, skipped frames
// included (as empty argv), and fails the test on a protocol error.
std::vector<Args> feedByteByByte(std::string_view wire) {
  RequestParser parser;
  std::string buffer;
  std::vector<Args> commands;
  for (char c : wire) {
    buffer.push_back(c);
    while (true) {
      size_t consumed = 0;
      Args argv;
      const ParseOutcome outcome = parser.parse(buffer, consumed, argv);
      EXPECT_NE(outcome, ParseOutcome::Error) << parser.error();
      if (outcome != ParseOutcome::Done) {
        EXPECT_EQ(consumed, 0u);
        break;
      }
      EXPECT_GT(consumed, 0u);
      buffer.erase(0, consumed);
      commands.push_back(std::move(argv));
    }
  }
  EXPECT_TRUE(buffer.empty());
  EXPECT_FALSE(parser.midCommand());
  return commands;
}

TEST(RespRequestTest, ParsesMultibulkCommand) {
  const std::string wire = "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$5\r\nhello\r\n";
  const Parsed p = parseOnce(wire);
  ASSERT_EQ(p.outcome, ParseOutcome::Done);
  EXPECT_EQ(p.consumed, wire.size());
  EXPECT_EQ(p.argv, (Args{"SET", "a", "hello"}));
}

TEST(RespRequestTest, BulksAreBinarySafe) {
  const std::string value("a\r\nb\0c", 6);
  const std::string wire = encodeCommand({"SET", "k", value});
  const Parsed p = parseOnce(wire);
  ASSERT_EQ(p.outcome, ParseOutcome::Done);
  EXPECT_EQ(p.argv, (Args{"SET", "k", value}));
}

TEST(RespRequestTest, FragmentedInputFedByteByByte) {
  const std::string wire =
      "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
      "PING\r\n"
      "*0\r\n"
      "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$10\r\n0123456789\r\n"
      "set \"a b\" 'c'\n";
  const auto commands = feedByteByByte(wire);
  ASSERT_EQ(commands.size(), 5u);
  EXPECT_EQ(commands[0], (Args{"GET", "key"}));
  EXPECT_EQ(commands[1], (Args{"PING"}));
  EXPECT_TRUE(commands[2].empty());
  EXPECT_EQ(commands[3], (Args{"SET", "", "0123456789"}));
  EXPECT_EQ(commands[4], (Args{"set", "a b", "c"}));
}

TEST(RespRequestTest, PipelinedCommandsInOneBuffer) {
  const std::string wire = encodeCommand({"SET", "a", "1"}) + encodeCommand({"GET", "a"}) +
                           "PING\r\n" + encodeCommand({"DEL", "a", "b"});
  RequestParser parser;
  std::string_view rest = wire;
  std::vector<Args> commands;
  for (int i = 0; i < 10 && !rest.empty(); ++i) {
    size_t consumed = 0;
    Args argv;
    ASSERT_EQ(parser.parse(rest, consumed, argv), ParseOutcome::Done);
    rest.remove_prefix(consumed);
    commands.push_back(argv);
  }
  ASSERT_EQ(commands.size(), 4u);
  EXPECT_EQ(commands[1], (Args{"GET", "a"}));
  EXPECT_EQ(commands[2], (Args{"PING"}));
  EXPECT_EQ(commands[3], (Args{"DEL", "a", "b"}));
}

TEST(RespRequestTest, InlineCommandsAndQuoting) {
  EXPECT_EQ(parseOnce("SET a b\r\n").argv, (Args{"SET", "a", "b"}));
  EXPECT_EQ(parseOnce("  PING   \n").argv, (Args{"PING"}));
  EXPECT_EQ(parseOnce("SET \"hello world\" 'x y'\r\n").argv, (Args{"SET", "hello world", "x y"}));
  EXPECT_EQ(parseOnce("SET k \"\\x41\\n\\t\\\\\\\"\\q\"\r\n").argv,
            (Args{"SET", "k", "A\n\t\\\"q"}));
  EXPECT_EQ(parseOnce("SET k 'it\\'s \\n'\r\n").argv, (Args{"SET", "k", "it's \\n"}));
  EXPECT_EQ(parseOnce("SET k \"\"\r\n").argv, (Args{"SET", "k", ""}));
  // A quote inside an unquoted word switches to quoted mode, as in Redis.
  EXPECT_EQ(parseOnce("SET ab\"c d\"\r\n").argv, (Args{"SET", "abc d"}));
  const Parsed empty = parseOnce("\r\n");
  EXPECT_EQ(empty.outcome, ParseOutcome::Done);
  EXPECT_EQ(empty.consumed, 2u);
  EXPECT_TRUE(empty.argv.empty());
  const Parsed blanks = parseOnce("   \t \r\n");
  EXPECT_EQ(blanks.outcome, ParseOutcome::Done);
  EXPECT_TRUE(blanks.argv.empty());
  EXPECT_EQ(parseOnce("PING").outcome, ParseOutcome::NeedMore);
}

TEST(RespRequestTest, InlineUnbalancedQuotesAreProtocolErrors) {
  for (const char* line :
       {"SET \"abc\r\n", "SET 'abc\r\n", "SET \"a\"b\r\n", "SET 'a'b\r\n", "SET \"abc\\\"\r\n"}) {
    const Parsed p = parseOnce(line);
    EXPECT_EQ(p.outcome, ParseOutcome::Error) << line;
    EXPECT_EQ(p.error, "ERR Protocol error: unbalanced quotes in request") << line;
  }
}

TEST(RespRequestTest, TooBigInlineRequest) {
  RequestLimits limits;
  limits.max_inline_len = 1024;
  EXPECT_EQ(parseOnce(std::string(1024, 'a'), limits).outcome, ParseOutcome::NeedMore);
  const Parsed p = parseOnce(std::string(1025, 'a'), limits);
  EXPECT_EQ(p.outcome, ParseOutcome::Error);
  EXPECT_EQ(p.error, "ERR Protocol error: too big inline request");
}

// Case 23, every input on a fresh parser.
TEST(RespRequestTest, Case23HugeArrayCountsAreRejected) {
  for (const char* wire : {"*2000000000\r\n", "*10000000\r\n"}) {
    const Parsed p = parseOnce(wire);
    EXPECT_EQ(p.outcome, ParseOutcome::Error) << wire;
    EXPECT_EQ(p.error, "ERR Protocol error: invalid multibulk length") << wire;
  }
}

TEST(RespRequestTest, Case23HugeCountWithinLimitWaitsWithoutAllocating) {
  RequestLimits limits;
  limits.max_multibulk_len = INT_MAX;
  RequestParser parser(limits);
  size_t consumed = 1;
  Args argv;
  EXPECT_EQ(parser.parse("*2000000000\r\n", consumed, argv), ParseOutcome::NeedMore);
  EXPECT_EQ(consumed, 0u);
  EXPECT_TRUE(parser.midCommand());
  EXPECT_LE(parser.reservedSlots(), static_cast<size_t>(RequestParser::kMaxReserve));
  // A large declared bulk inside the limit waits for data, also without allocating for it.
  std::string wire = "*2000000000\r\n$536870912\r\n";
  EXPECT_EQ(parser.parse(wire, consumed, argv), ParseOutcome::NeedMore);
  EXPECT_LE(parser.reservedSlots(), static_cast<size_t>(RequestParser::kMaxReserve));
  EXPECT_TRUE(argv.empty());
}

TEST(RespRequestTest, Case23InvalidBulkLengths) {
  for (const char* wire : {"*2\r\n$2147483648\r\n", "*2\r\n$-5\r\n", "*1\r\n$abc\r\n",
                           "*1\r\n$\r\n", "*1\r\n$536870913\r\n", "*1\r\n$03\r\n"}) {
    const Parsed p = parseOnce(wire);
    EXPECT_EQ(p.outcome, ParseOutcome::Error) << wire;
    EXPECT_EQ(p.error, "ERR Protocol error: invalid bulk length") << wire;
  }
  RequestLimits limits;
  limits.max_bulk_len = 10;
  EXPECT_EQ(parseOnce("*1\r\n$10\r\n", limits).outcome, ParseOutcome::NeedMore);
  EXPECT_EQ(parseOnce("*1\r\n$11\r\n", limits).error, "ERR Protocol error: invalid bulk length");
}

TEST(RespRequestTest, Case23EmptyAndNullArraysAreSkipped) {
  for (const std::string prefix : {"*-1\r\n", "*0\r\n"}) {
    const std::string wire = prefix + "*1\r\n$4\r\nPING\r\n";
    RequestParser parser;
    size_t consumed = 0;
    Args argv{"stale"};
    ASSERT_EQ(parser.parse(wire, consumed, argv), ParseOutcome::Done);
    EXPECT_EQ(consumed, prefix.size());
    EXPECT_TRUE(argv.empty());
    size_t second = 0;
    ASSERT_EQ(parser.parse(std::string_view(wire).substr(consumed), second, argv),
              ParseOutcome::Done);
    EXPECT_EQ(argv, (Args{"PING"}));
    EXPECT_EQ(consumed + second, wire.size());
  }
}

TEST(RespRequestTest, MalformedMultibulkHeaders) {
  for (const char* wire :
       {"*abc\r\n", "*\r\n", "*+1\r\n", "*01\r\n", "*1 \r\n", "*99999999999999999999\r\n"}) {
    const Parsed p = parseOnce(wire);
    EXPECT_EQ(p.outcome, ParseOutcome::Error) << wire;
    EXPECT_EQ(p.error, "ERR Protocol error: invalid multibulk length") << wire;
  }
  const Parsed p = parseOnce("*2\r\n$3\r\nGET\r\n:12\r\n");
  EXPECT_EQ(p.outcome, ParseOutcome::Error);
  EXPECT_EQ(p.error, "ERR Protocol error: expected '$', got ':'");
  const Parsed long_count = parseOnce("*" + std::string(70000, '1'));
  EXPECT_EQ(long_count.outcome, ParseOutcome::Error);
  EXPECT_EQ(long_count.error, "ERR Protocol error: too big mbulk count string");
}

// Case 18: odd MSET arguments are the command layer's business; the codec must frame them
// exactly so the node can reply with the arity error and keep the connection.
TEST(RespRequestTest, Case18FramesOddArgumentCommandsExactly) {
  const std::string wire =
      "*4\r\n$4\r\nMSET\r\n$4\r\nkey1\r\n$4\r\nval1\r\n$4\r\nkey2\r\n"
      "*2\r\n$4\r\nMSET\r\n$4\r\nkey1\r\n"
      "*1\r\n$4\r\nMSET\r\n"
      "*1\r\n$4\r\nPING\r\n";
  const auto commands = feedByteByByte(wire);
  ASSERT_EQ(commands.size(), 4u);
  EXPECT_EQ(commands[0], (Args{"MSET", "key1", "val1", "key2"}));
  EXPECT_EQ(commands[1], (Args{"MSET", "key1"}));
  EXPECT_EQ(commands[2], (Args{"MSET"}));
  EXPECT_EQ(commands[3], (Args{"PING"}));
}

TEST(RespRequestTest, LargeBulkArrivingInPiecesCompletes) {
  const std::string value(4 * 1024 * 1024 + 17, 'v');
  const std::string wire = encodeCommand({"SET", "big", value}) + "PING\r\n";
  RequestParser parser;
  std::string buffer;
  std::vector<Args> commands;
  constexpr size_t kPiece = 64 * 1024;
  for (size_t at = 0; at < wire.size(); at += kPiece) {
    buffer.append(wire, at, kPiece);
    for (int i = 0; i < 4; ++i) {
      size_t consumed = 0;
      Args argv;
      const ParseOutcome outcome = parser.parse(buffer, consumed, argv);
      ASSERT_NE(outcome, ParseOutcome::Error);
      if (outcome == ParseOutcome::NeedMore) {
        break;
      }
      buffer.erase(0, consumed);
      commands.push_back(std::move(argv));
    }
  }
  ASSERT_EQ(commands.size(), 2u);
  ASSERT_EQ(commands[0].size(), 3u);
  EXPECT_EQ(commands[0][2], value);
  EXPECT_EQ(commands[1], (Args{"PING"}));
}

TEST(RespRequestTest, ResetForgetsPartialCommand) {
  RequestParser parser;
  size_t consumed = 0;
  Args argv;
  EXPECT_EQ(parser.parse("*2\r\n$3\r\nGET\r\n", consumed, argv), ParseOutcome::NeedMore);
  EXPECT_TRUE(parser.midCommand());
  parser.reset();
  EXPECT_FALSE(parser.midCommand());
  EXPECT_EQ(parser.parse("PING\r\n", consumed, argv), ParseOutcome::Done);
  EXPECT_EQ(argv, (Args{"PING"}));
}

// A NUL byte ends the search for a request line's end, as Redis's strchr-based scan does: the
// line is incomplete however many line ends follow, and the size limit makes it an error.
// Inline lines, multibulk counts and bulk lengths alike; bulk payloads stay binary-safe.
TEST(RespRequestTest, NulByteHidesTheLineEndOfEveryRequestLine) {
  using namespace std::string_literals;
  for (const std::string& wire :
       {"ECHO a\0b\r\nPING\r\n"s, "\0\r\nPING\r\n"s, "*1\0\r\n$4\r\nPING\r\n"s, "*\0\r\n"s,
        "*1\r\n\0\r\n"s, "*1\r\n$4\0\r\nPING\r\n"s, "*2\r\n$1\r\na\r\n$\0\r\n"s}) {
    const Parsed p = parseOnce(wire);
    EXPECT_EQ(p.outcome, ParseOutcome::NeedMore) << ::testing::PrintToString(wire);
    EXPECT_EQ(p.consumed, 0u);
  }
  const std::string filler(70000, 'x');
  const std::pair<std::string, std::string> too_big[] = {
      {"ECHO a\0b\r\n"s + filler, "ERR Protocol error: too big inline request"},
      {"*1\0\r\n"s + filler, "ERR Protocol error: too big mbulk count string"},
      {"*1\r\n$4\0\r\n"s + filler, "ERR Protocol error: too big bulk count string"},
  };
  for (const auto& [wire, message] : too_big) {
    const Parsed p = parseOnce(wire);
    EXPECT_EQ(p.outcome, ParseOutcome::Error) << message;
    EXPECT_EQ(p.error, message);
  }
  // A NUL after the line end belongs to the next request, and bulk payloads may hold NULs.
  const Parsed ping = parseOnce("PING\r\n\0"s);
  EXPECT_EQ(ping.outcome, ParseOutcome::Done);
  EXPECT_EQ(ping.argv, (Args{"PING"}));
  const Parsed echo = parseOnce("*2\r\n$4\r\nECHO\r\n$3\r\n\0\r\0\r\n"s);
  EXPECT_EQ(echo.outcome, ParseOutcome::Done);
  EXPECT_EQ(echo.argv, (Args{"ECHO", "\0\r\0"s}));
}

// The memory a command of many arguments holds beyond its bytes is reported, so a server can
// charge it against the query-buffer limit; it is released when the command completes.
TEST(RespRequestTest, BookkeepingBytesFollowTheArgumentsReceived) {
  RequestLimits limits;
  limits.max_multibulk_len = INT_MAX;
  RequestParser parser(limits);
  std::string wire = "*2000000000\r\n";
  size_t consumed = 0;
  Args argv;
  EXPECT_EQ(parser.parse(wire, consumed, argv), ParseOutcome::NeedMore);
  const size_t empty = parser.bookkeepingBytes();
  EXPECT_LE(empty, static_cast<size_t>(RequestParser::kMaxReserve) * 64);
  for (int i = 0; i < 100000; i++) {
    wire += "$0\r\n\r\n";
  }
  EXPECT_EQ(parser.parse(wire, consumed, argv), ParseOutcome::NeedMore);
  EXPECT_GE(parser.bookkeepingBytes(), 100000 * (sizeof(std::string) + 2 * sizeof(size_t)));
  parser.reset();
  EXPECT_EQ(parser.bookkeepingBytes(), 0u);
  const std::string small = "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n";
  EXPECT_EQ(parser.parse(small, consumed, argv), ParseOutcome::Done);
  EXPECT_EQ(parser.bookkeepingBytes(), 0u);
}

// ---- replies ----

Reply status(std::string s) {
  return Reply{Reply::Type::Status, std::move(s), 0, {}};
}
Reply error(std::string s) {
  return Reply{Reply::Type::Error, std::move(s), 0, {}};
}
Reply integer(int64_t v) {
  return Reply{Reply::Type::Integer, "", v, {}};
}
Reply bulk(std::string s) {
  return Reply{Reply::Type::Bulk, std::move(s), 0, {}};
}
Reply null() {
  return Reply{Reply::Type::Null, "", 0, {}};
}
Reply nullArray() {
  return Reply{Reply::Type::NullArray, "", 0, {}};
}
Reply array(std::vector<Reply> elements) {
  return Reply{Reply::Type::Array, "", 0, std::move(elements)};
}

bool sameReply(const Reply& a, const Reply& b) {
  if (a.type != b.type || a.str != b.str || a.integer != b.integer ||
      a.elements.size() != b.elements.size()) {
    return false;
  }
  for (size_t i = 0; i < a.elements.size(); ++i) {
    if (!sameReply(a.elements[i], b.elements[i])) {
      return false;
    }
  }
  return true;
}

// Feeds the bytes one at a time into a growing buffer and collects every reply.
std::vector<Reply> feedRepliesByteByByte(std::string_view wire, ReplyLimits limits = {}) {
  ReplyParser parser(limits);
  std::string buffer;
  std::vector<Reply> replies;
  for (char c : wire) {
    buffer.push_back(c);
    size_t consumed = 0;
    Reply reply;
    const ParseOutcome outcome = parser.parse(buffer, consumed, reply);
    EXPECT_NE(outcome, ParseOutcome::Error) << parser.error();
    if (outcome == ParseOutcome::Done) {
      buffer.erase(0, consumed);
      replies.push_back(std::move(reply));
    }
  }
  EXPECT_TRUE(buffer.empty());
  return replies;
}

TEST(RespReplyTest, RoundTripsEveryType) {
  const std::vector<Reply> replies = {status("OK"),
                                      error("ERR wrong type"),
                                      integer(0),
                                      integer(-42),
                                      integer(INT64_MAX),
                                      integer(INT64_MIN),
                                      bulk(""),
                                      bulk(std::string("bin\r\n\0ary", 10)),
                                      null(),
                                      nullArray(),
                                      array({}),
                                      array({bulk("a"), integer(1), null()})};
  for (const Reply& original : replies) {
    std::string wire;
    appendReply(wire, original);
    ReplyParser parser;
    size_t consumed = 0;
    Reply parsed;
    ASSERT_EQ(parser.parse(wire, consumed, parsed), ParseOutcome::Done) << wire;
    EXPECT_EQ(consumed, wire.size());
    EXPECT_TRUE(sameReply(original, parsed)) << wire;
  }
}

TEST(RespReplyTest, WritersProduceExactBytes) {
  std::string out;
  appendStatus(out, "OK");
  appendError(out, "ERR bad\r\nthing");
  appendInteger(out, -7);
  appendBulk(out, "abc");
  appendNull(out);
  appendArrayHeader(out, 2);
  appendNullArray(out);
  EXPECT_EQ(out, "+OK\r\n-ERR bad  thing\r\n:-7\r\n$3\r\nabc\r\n$-1\r\n*2\r\n*-1\r\n");
  EXPECT_EQ(encodeCommand({"GET", "k"}), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

TEST(RespReplyTest, NestedArraysFedByteByByte) {
  const Reply nested =
      array({integer(1), array({bulk("a"), null(), array({}), array({status("x")})}),
             error("ERR inner"), nullArray(), bulk("tail")});
  std::string wire;
  appendReply(wire, nested);
  appendReply(wire, status("PONG"));
  const auto replies = feedRepliesByteByByte(wire);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_TRUE(sameReply(replies[0], nested));
  EXPECT_TRUE(sameReply(replies[1], status("PONG")));
}

TEST(RespReplyTest, DepthLimit) {
  ReplyLimits limits;
  limits.max_depth = 8;
  std::string ok_wire;
  for (int i = 0; i < 8; ++i) {
    ok_wire += "*1\r\n";
  }
  ok_wire += ":1\r\n";
  EXPECT_EQ(feedRepliesByteByByte(ok_wire, limits).size(), 1u);
  ReplyParser parser(limits);
  size_t consumed = 0;
  Reply reply;
  EXPECT_EQ(parser.parse("*1\r\n" + ok_wire, consumed, reply), ParseOutcome::Error);
  EXPECT_EQ(parser.reservedSlots(), 0u);
}

TEST(RespReplyTest, BadInputIsAnError) {
  for (const char* wire : {"?abc\r\n", ":12a\r\n", "$-2\r\n", "*-2\r\n", "$3\r\nabcd\r\n", "+OK\rX",
                           "$2147483648\r\n"}) {
    ReplyParser parser;
    size_t consumed = 0;
    Reply reply;
    EXPECT_EQ(parser.parse(wire, consumed, reply), ParseOutcome::Error) << wire;
    EXPECT_FALSE(parser.error().empty());
  }
}

TEST(RespReplyTest, HugeDeclaredArrayDoesNotAllocate) {
  ReplyParser parser;
  size_t consumed = 0;
  Reply reply;
  EXPECT_EQ(parser.parse("*2000000000\r\n*2000000000\r\n:1\r\n", consumed, reply),
            ParseOutcome::NeedMore);
  EXPECT_LE(parser.reservedSlots(), 2u * static_cast<size_t>(ReplyParser::kMaxReserve));
  EXPECT_EQ(consumed, 0u);
}

TEST(RespReplyTest, PipelinedRepliesInOneBuffer) {
  std::string wire = "+OK\r\n$3\r\nabc\r\n$-1\r\n:5\r\n*2\r\n$1\r\na\r\n$-1\r\n";
  ReplyParser parser;
  std::string_view rest = wire;
  std::vector<Reply> replies;
  for (int i = 0; i < 10 && !rest.empty(); ++i) {
    size_t consumed = 0;
    Reply reply;
    ASSERT_EQ(parser.parse(rest, consumed, reply), ParseOutcome::Done);
    rest.remove_prefix(consumed);
    replies.push_back(std::move(reply));
  }
  ASSERT_EQ(replies.size(), 5u);
  EXPECT_TRUE(sameReply(replies[1], bulk("abc")));
  EXPECT_TRUE(sameReply(replies[2], null()));
  EXPECT_TRUE(sameReply(replies[4], array({bulk("a"), null()})));
}

}  // namespace
}  // namespace strata::cache::resp
