// The stored form of cached responses: one binary string per cache-tier key, with a format
// version byte so a future layout change turns old values into misses instead of garbage.
//
// A primary key holds either a whole response (the origin sent no Vary) or a Vary marker that
// lists the selecting header names; in the latter case each variant lives under its own
// secondary key. Decoding validates every length and field, so a truncated, corrupt or foreign
// value is reported as an error (the caller counts it and treats it as a miss), never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "core/http/message.h"
#include "plugins/response_cache/policy.h"

namespace strata::plugins::response_cache {

inline constexpr uint8_t kEntryFormatVersion = 1;

struct StoredResponse {
  int status = 200;
  std::string reason;
  // End-to-end headers as received, without hop-by-hop fields, Age and Content-Length (the
  // first are per connection, the others are recomputed when the entry is served).
  core::http::HeaderMap headers;
  std::string body;
  int64_t stored_at = 0;  // seconds since the epoch
  AgeInputs age;
  int64_t freshness_lifetime = 0;  // seconds
  // The Vary field names of the response and, in the same order, the normalised selecting
  // values of the request that produced it (nullopt: the request did not carry the field). A hit
  // re-checks them against the new request, independent of how the key was built.
  std::vector<std::string> vary;
  std::vector<std::optional<std::string>> vary_values;
};

// Stored under the primary key of a response that carries Vary.
struct VaryMarker {
  std::vector<std::string> vary;  // lower-case field names
};

using CacheValue = std::variant<StoredResponse, VaryMarker>;

// Removes hop-by-hop fields (Connection, the fields it names, Keep-Alive, Proxy-Connection, TE,
// Trailer, Transfer-Encoding, Upgrade), Age, Content-Length and X-Cache from a response's
// headers before they are stored.
core::http::HeaderMap storableHeaders(const core::http::HeaderMap& headers);

std::string encodeResponse(const StoredResponse& response);
std::string encodeVaryMarker(const VaryMarker& marker);

// Parses a stored value; a CacheBackend error for anything that is not a complete, valid value
// of the current format version.
core::Result<CacheValue> decodeValue(std::string_view data);

}  // namespace strata::plugins::response_cache
