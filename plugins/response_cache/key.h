// Cache keys of the response cache: the primary key of a request (RFC 9111 §2: URI, method
// independent so GET and HEAD share an entry) and the secondary key that selects one variant of
// a response stored with Vary (RFC 9111 §4.1).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/message.h"

namespace strata::plugins::response_cache {

// The normalised URI of a request: scheme "://" lower-cased host without the scheme's default
// port, then the path in the gateway's normal form (core/http/path.h: unreserved escapes
// decoded, other escapes upper-cased, slashes merged, dot segments removed), then the query
// exactly as received. An absolute-form target supplies the authority itself (RFC 9112 §3.2.2).
// nullopt when the request has no usable authority or a path the gateway refuses (such requests
// are not cached).
std::optional<std::string> primaryKey(std::string_view scheme,
                                      const core::http::RequestHead& request);

// The value of one selecting header field of a request, normalised only where the field's
// definition makes the difference meaningless: field lines are combined, list elements are
// trimmed of whitespace around commas, and fields whose tokens are case-insensitive (Accept,
// Accept-Encoding, Accept-Charset, Accept-Language) are lower-cased. nullopt when the field is
// absent, which is different from present and empty.
std::optional<std::string> normaliseSelectingValue(const core::http::HeaderMap& headers,
                                                   std::string_view field_name);

// The selecting values of a request for a list of (lower-case) Vary field names, in that order.
std::vector<std::optional<std::string>> selectingValues(const core::http::HeaderMap& headers,
                                                        const std::vector<std::string>& vary);

// The secondary key suffix: one line per field, "name=value" when present and "name" alone when
// absent. Header values cannot contain CR or LF, so lines cannot run into each other.
std::string secondaryKeySuffix(const std::vector<std::string>& vary,
                               const std::vector<std::optional<std::string>>& values);

}  // namespace strata::plugins::response_cache
