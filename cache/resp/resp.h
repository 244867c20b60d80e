// RESP2 codec shared by the cache node (request parsing, reply writing), the gateway's cache
// client and the sharding proxy (reply parsing, command encoding). Incremental: parsers take
// whatever bytes have arrived and report NeedMore until a whole frame is there, and never
// allocate in proportion to a declared length before the data has arrived.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::cache::resp {

enum class ParseOutcome { NeedMore, Done, Error };

struct RequestLimits {
  int64_t max_multibulk_len = 1024 * 1024;     // elements per command
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  size_t max_inline_len = 64 * 1024;           // inline command line
};

// Server side: parses commands, both multibulk (*N\r\n$len\r\n...) and inline ("SET a b\r\n").
class RequestParser {
 public:
  explicit RequestParser(RequestLimits limits = {}) : limits_(limits) {}
  // Tries to take one command from the front of `input`. On Done, argv holds it and `consumed`
  // says how many bytes it used. `*0\r\n`, `*-1\r\n` and empty inline lines are skipped
  // silently (Done with empty argv). On Error, error() holds the Redis-worded reply text
  // (e.g. "ERR Protocol error: invalid multibulk length") and the connection must be closed.
  //
  // Incremental contract: after NeedMore, call again with the same unconsumed tail plus
  // whatever arrived since (consumed stays 0 on NeedMore). The parser remembers how far into
  // a partially received multibulk it got, so a 500 MB bulk arriving in 64 KB pieces is
  // checked in O(1) per call instead of being re-scanned. A caller that drops or changes the
  // tail between calls must call reset() first.
  ParseOutcome parse(std::string_view input, size_t& consumed, std::vector<std::string>& argv);
  const std::string& error() const { return error_; }
  // Forgets any partially parsed command (e.g. when the caller discards its buffer).
  void reset();
  // True while a multibulk header has been read but its arguments have not all arrived.
  bool midCommand() const { return expected_args_ > 0; }
  // Argument slots currently reserved for the command in progress: bounded by
  // kMaxReserve whatever count the client declared (exposed for tests and memory accounting).
  size_t reservedSlots() const { return spans_.capacity(); }
  // Memory the command in progress holds besides its bytes in the caller's buffer: a slot per
  // argument and, once complete, a std::string per argument in argv. A server adds this to its
  // buffered bytes so a command of millions of empty arguments meets the same query-buffer
  // limit as one large argument.
  size_t bookkeepingBytes() const {
    return spans_.capacity() * (sizeof(Span) + sizeof(std::string));
  }

  static constexpr int64_t kMaxReserve = 1024;

 private:
  struct Span {
    size_t offset;
    size_t length;
  };
  ParseOutcome parseMultibulkHeader(std::string_view input, size_t& consumed,
                                    std::vector<std::string>& argv);
  ParseOutcome parseMultibulkBody(std::string_view input, size_t& consumed,
                                  std::vector<std::string>& argv);
  ParseOutcome parseInline(std::string_view input, size_t& consumed,
                           std::vector<std::string>& argv);
  ParseOutcome fail(std::string message);

  RequestLimits limits_;
  std::string error_;
  // State of a partially received multibulk, as offsets into the caller's tail.
  int64_t expected_args_ = 0;  // declared count; 0 when between commands
  size_t pos_ = 0;             // bytes of the tail already parsed
  int64_t bulk_len_ = -1;      // length of the bulk whose header was read, -1 if none
  std::vector<Span> spans_;    // complete arguments so far
};

// Splits an inline command line the way Redis does (sdssplitargs): whitespace separates
// arguments, "..." supports \n \r \t \b \a \xHH and \<char> escapes, '...' supports \'
// only, and a closing quote must be followed by whitespace or the end of the line. Returns
// false on unbalanced quotes.
bool splitInlineArgs(std::string_view line, std::vector<std::string>& out);

struct Reply {
  enum class Type { Status, Error, Integer, Bulk, Null, Array, NullArray };
  Type type = Type::Null;
  std::string str;  // Status, Error (without the leading '-'), Bulk
  int64_t integer = 0;
  std::vector<Reply> elements;

  bool isError() const { return type == Type::Error; }
};

struct ReplyLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // a larger bulk is a protocol error
  int64_t max_array_len = 1LL << 31;           // elements per array
  size_t max_depth = 32;                       // array nesting levels
  size_t max_line_len = 64 * 1024;             // status, error and header lines
};

// Client side: parses one reply of any RESP2 type (nested arrays included, depth-limited).
// Same incremental contract as RequestParser: after NeedMore pass the same tail again with
// more bytes; arrays already begun are kept in the parser, so replies with many elements are
// not re-parsed from the start. On Error the stream is unusable and must be closed.
class ReplyParser {
 public:
  explicit ReplyParser(ReplyLimits limits = {}) : limits_(limits) {}
  ParseOutcome parse(std::string_view input, size_t& consumed, Reply& out);
  const std::string& error() const { return error_; }
  void reset();
  // Element slots reserved by arrays in progress (bounded by kMaxReserve per array).
  size_t reservedSlots() const;

  static constexpr int64_t kMaxReserve = 1024;

 private:
  struct Frame {
    Reply reply;
    int64_t remaining = 0;
  };
  ParseOutcome fail(std::string message);

  ReplyLimits limits_;
  std::string error_;
  size_t pos_ = 0;            // bytes of the tail already parsed
  std::vector<Frame> stack_;  // arrays still waiting for elements, outermost first
};

// Reply writers append one RESP2 frame to `out`.
void appendStatus(std::string& out, std::string_view text);  // +OK
void appendError(std::string& out, std::string_view text);   // -ERR ... (text includes code)
void appendInteger(std::string& out, int64_t value);         // :1
void appendBulk(std::string& out, std::string_view value);   // $3\r\nabc
void appendNull(std::string& out);                           // $-1
void appendArrayHeader(std::string& out, int64_t count);     // *N
void appendNullArray(std::string& out);                      // *-1
void appendReply(std::string& out, const Reply& reply);

// Encodes a command as a multibulk request.
std::string encodeCommand(const std::vector<std::string_view>& argv);
void appendCommand(std::string& out, const std::vector<std::string_view>& argv);

}  // namespace strata::cache::resp
