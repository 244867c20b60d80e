// HTTP message model shared by the HTTP/1 codec (both sides of the proxy), the router, the
// filters and the response cache: request and response heads with an ordered, case-insensitive
// header list. Bodies never live here; they stream through the codecs in chunks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::core::http {

struct Header {
  std::string name;  // as received; compare with iequals()
  std::string value;
};

bool iequals(std::string_view a, std::string_view b);

// Header fields in arrival order. Lookups are case-insensitive; lists are small, so a vector
// beats a map here.
class HeaderMap {
 public:
  void add(std::string name, std::string value);
  // Replaces every field of that name with one field.
  void set(std::string_view name, std::string value);
  // Removes every field of that name; returns how many were removed.
  size_t remove(std::string_view name);
  bool has(std::string_view name) const;
  // The first value of that name.
  std::optional<std::string_view> get(std::string_view name) const;
  std::vector<std::string_view> getAll(std::string_view name) const;
  // All values of that name joined with ", " (RFC 9110 §5.3 list semantics), "" if absent.
  std::string joined(std::string_view name) const;
  // True if the comma-separated list in `name` contains `token` (case-insensitive).
  bool hasToken(std::string_view name, std::string_view token) const;

  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }
  auto begin() { return fields_.begin(); }
  auto end() { return fields_.end(); }
  void clear() { fields_.clear(); }

 private:
  std::vector<Header> fields_;
};

// Splits a comma-separated field value into trimmed, non-empty elements.
std::vector<std::string_view> splitList(std::string_view value);
std::string_view trimOws(std::string_view value);

enum class BodyFraming {
  None,           // no body (or a response that cannot have one)
  ContentLength,  // exactly content_length bytes
  Chunked,        // Transfer-Encoding: chunked
  UntilClose,     // response framed by connection close (HTTP/1.0 style)
};

struct RequestHead {
  std::string method;     // upper-case token, e.g. "GET"
  std::string target;     // request-target as received: "/path?query" (or absolute-form)
  int version_minor = 1;  // HTTP/1.<minor>
  HeaderMap headers;
  BodyFraming framing = BodyFraming::None;
  uint64_t content_length = 0;   // valid when framing == ContentLength
  bool keep_alive = true;        // after Connection/version rules
  bool expect_continue = false;  // Expect: 100-continue

  // The path part of target (before '?'), and the query including '?' (or "").
  std::string_view path() const;
  std::string_view query() const;
  // Host header value, or "" if absent.
  std::string_view host() const;
};

struct ResponseHead {
  int status = 200;
  std::string reason;
  int version_minor = 1;
  HeaderMap headers;
  BodyFraming framing = BodyFraming::None;
  uint64_t content_length = 0;
  bool keep_alive = true;
};

// Standard reason phrase for a status code ("OK", "Bad Gateway", ...).
std::string_view reasonPhrase(int status);

}  // namespace strata::core::http
