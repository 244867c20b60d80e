// HTTP/1 encoders: request and response heads, chunks and the last chunk with trailers.
//
// Heads come from the decoder (already validated) but also from filters and plugins, which may
// copy arbitrary data into a field. So the encoder never lets a field break the framing: a field
// whose name is not a token is left out, CR, LF or NUL inside a value or reason phrase is
// written as a space, and whitespace or control bytes in a request-target are percent-encoded.
// Refusing would need an error path on every encode for a case that only a buggy filter produces;
// rewriting keeps the message well formed and the bytes predictable.
#include <array>

#include "core/codec/http1/codec.h"

namespace strata::core::http1 {
namespace {

constexpr std::array<bool, 256> makeTokenTable() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) {
    t[c] = true;
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    t[c] = true;
    t[c - 'a' + 'A'] = true;
  }
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) {
    t[static_cast<unsigned char>(c)] = true;
  }
  return t;
}
constexpr auto kTokenChars = makeTokenTable();

bool isToken(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (const char c : s) {
    if (!kTokenChars[static_cast<unsigned char>(c)]) {
      return false;
    }
  }
  return true;
}

void appendSafe(std::string& out, std::string_view text) {
  const size_t start = out.size();
  out.append(text);
  for (size_t i = start; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n' || out[i] == '\0') {
      out[i] = ' ';
    }
  }
}

// A request-target never holds whitespace or control bytes; percent-encode any a filter put in.
void appendTarget(std::string& out, std::string_view target) {
  for (const char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      out.push_back('%');
      out.push_back("0123456789ABCDEF"[u >> 4]);
      out.push_back("0123456789ABCDEF"[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
}

size_t fieldsSize(const http::HeaderMap& headers) {
  size_t n = 0;
  for (const auto& h : headers) {
    n += h.name.size() + h.value.size() + 4;
  }
  return n;
}

void appendFields(std::string& out, const http::HeaderMap& headers) {
  for (const auto& h : headers) {
    if (!isToken(h.name)) {
      continue;
    }
    out.append(h.name);
    out.append(": ");
    appendSafe(out, h.value);
    out.append("\r\n");
  }
}

void appendVersion(std::string& out, int minor) {
  out.append("HTTP/1.");
  out.push_back(minor == 0 ? '0' : '1');
}

void appendHex(std::string& out, uint64_t n) {
  char digits[16];
  size_t i = sizeof(digits);
  do {
    digits[--i] = "0123456789abcdef"[n & 0xf];
    n >>= 4;
  } while (n != 0);
  out.append(digits + i, sizeof(digits) - i);
}

}  // namespace

std::string encodeRequestHead(const http::RequestHead& head) {
  std::string out;
  out.reserve(head.method.size() + head.target.size() + 16 + fieldsSize(head.headers));
  appendSafe(out, head.method);
  out.push_back(' ');
  appendTarget(out, head.target);
  out.push_back(' ');
  appendVersion(out, head.version_minor);
  out.append("\r\n");
  appendFields(out, head.headers);
  out.append("\r\n");
  return out;
}

std::string encodeResponseHead(const http::ResponseHead& head) {
  const std::string_view reason =
      head.reason.empty() ? http::reasonPhrase(head.status) : std::string_view(head.reason);
  std::string out;
  out.reserve(reason.size() + 20 + fieldsSize(head.headers));
  appendVersion(out, head.version_minor);
  out.push_back(' ');
  // Three digits always: statuses outside 100..999 are a caller bug; clamp instead of emitting
  // a line no parser accepts.
  const int status = head.status < 100 || head.status > 999 ? 500 : head.status;
  out.append(std::to_string(status));
  out.push_back(' ');
  appendSafe(out, reason);
  out.append("\r\n");
  appendFields(out, head.headers);
  out.append("\r\n");
  return out;
}

std::string encodeChunk(std::string_view data) {
  std::string out;
  if (data.empty()) {
    return out;  // an empty chunk would read as the last chunk
  }
  out.reserve(data.size() + 20);
  appendHex(out, data.size());
  out.append("\r\n");
  out.append(data);
  out.append("\r\n");
  return out;
}

std::string encodeLastChunk(const http::HeaderMap& trailers) {
  std::string out;
  out.reserve(5 + fieldsSize(trailers));
  out.append("0\r\n");
  appendFields(out, trailers);
  out.append("\r\n");
  return out;
}

}  // namespace strata::core::http1
