// RESP2 reply writers and command encoding.
#include <charconv>

#include "cache/resp/resp.h"

namespace strata::cache::resp {

namespace {

void appendNumberLine(std::string& out, char prefix, int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof(digits), value);
  out.push_back(prefix);
  out.append(digits, result.ptr);
  out.append("\r\n");
}

// Status and error lines cannot carry CR or LF without breaking framing; Redis replaces them
// with spaces, and so do we, rather than rejecting the reply.
void appendLine(std::string& out, char prefix, std::string_view text) {
  out.push_back(prefix);
  const size_t start = out.size();
  out.append(text);
  for (size_t i = start; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') {
      out[i] = ' ';
    }
  }
  out.append("\r\n");
}

}  // namespace

void appendStatus(std::string& out, std::string_view text) {
  appendLine(out, '+', text);
}

void appendError(std::string& out, std::string_view text) {
  appendLine(out, '-', text);
}

void appendInteger(std::string& out, int64_t value) {
  appendNumberLine(out, ':', value);
}

void appendBulk(std::string& out, std::string_view value) {
  appendNumberLine(out, '$', static_cast<int64_t>(value.size()));
  out.append(value);
  out.append("\r\n");
}

void appendNull(std::string& out) {
  out.append("$-1\r\n");
}

void appendArrayHeader(std::string& out, int64_t count) {
  appendNumberLine(out, '*', count);
}

void appendNullArray(std::string& out) {
  out.append("*-1\r\n");
}

void appendReply(std::string& out, const Reply& reply) {
  switch (reply.type) {
    case Reply::Type::Status:
      appendStatus(out, reply.str);
      return;
    case Reply::Type::Error:
      appendError(out, reply.str);
      return;
    case Reply::Type::Integer:
      appendInteger(out, reply.integer);
      return;
    case Reply::Type::Bulk:
      appendBulk(out, reply.str);
      return;
    case Reply::Type::Null:
      appendNull(out);
      return;
    case Reply::Type::NullArray:
      appendNullArray(out);
      return;
    case Reply::Type::Array:
      appendArrayHeader(out, static_cast<int64_t>(reply.elements.size()));
      for (const Reply& element : reply.elements) {
        appendReply(out, element);
      }
      return;
  }
}

void appendCommand(std::string& out, const std::vector<std::string_view>& argv) {
  appendArrayHeader(out, static_cast<int64_t>(argv.size()));
  for (std::string_view arg : argv) {
    appendBulk(out, arg);
  }
}

std::string encodeCommand(const std::vector<std::string_view>& argv) {
  std::string out;
  size_t size = 16;
  for (std::string_view arg : argv) {
    size += arg.size() + 16;
  }
  out.reserve(size);
  appendCommand(out, argv);
  return out;
}

}  // namespace strata::cache::resp
