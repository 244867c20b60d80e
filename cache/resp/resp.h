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
  int64_t max_multibulk_len = 1024 * 1024;           // elements per command
  int64_t max_bulk_len = 512LL * 1024 * 1024;        // proto-max-bulk-len
  size_t max_inline_len = 64 * 1024;                 // inline command line
};

// Server side: parses commands, both multibulk (*N\r\n$len\r\n...) and inline ("SET a b\r\n").
class RequestParser {
 public:
  explicit RequestParser(RequestLimits limits = {}) : limits_(limits) {}
  // Tries to take one command from the front of `input`. On Done, argv holds it and `consumed`
  // says how many bytes it used. `*0\r\n`, `*-1\r\n` and empty inline lines are skipped
  // silently (Done with empty argv). On Error, error() holds the Redis-worded reply text
  // (e.g. "ERR Protocol error: invalid multibulk length") and the connection must be closed.
  ParseOutcome parse(std::string_view input, size_t& consumed, std::vector<std::string>& argv);
  const std::string& error() const { return error_; }

 private:
  RequestLimits limits_;
  std::string error_;
};

struct Reply {
  enum class Type { Status, Error, Integer, Bulk, Null, Array, NullArray };
  Type type = Type::Null;
  std::string str;  // Status, Error (without the leading '-'), Bulk
  int64_t integer = 0;
  std::vector<Reply> elements;

  bool isError() const { return type == Type::Error; }
};

// Client side: parses one reply of any RESP2 type (nested arrays included, depth-limited).
class ReplyParser {
 public:
  ParseOutcome parse(std::string_view input, size_t& consumed, Reply& out);
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

// Reply writers append one RESP2 frame to `out`.
void appendStatus(std::string& out, std::string_view text);   // +OK
void appendError(std::string& out, std::string_view text);    // -ERR ... (text includes code)
void appendInteger(std::string& out, int64_t value);          // :1
void appendBulk(std::string& out, std::string_view value);    // $3\r\nabc
void appendNull(std::string& out);                            // $-1
void appendArrayHeader(std::string& out, int64_t count);      // *N
void appendNullArray(std::string& out);                       // *-1
void appendReply(std::string& out, const Reply& reply);

// Encodes a command as a multibulk request.
std::string encodeCommand(const std::vector<std::string_view>& argv);
void appendCommand(std::string& out, const std::vector<std::string_view>& argv);

}  // namespace strata::cache::resp
