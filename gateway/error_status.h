// The one mapping from a core::Error to the HTTP status the gateway answers with, and the short
// text bodies of locally generated error responses.
#pragma once

#include <string>

#include "core/error.h"
#include "core/http/message.h"

namespace strata::gateway {

// Connect failures and broken upstream responses -> 502, timeouts -> 504, rate limited -> 429,
// invalid input -> 400 (413 for an oversize body), no route -> 404, no healthy upstream -> 503,
// anything internal -> 500.
int statusForError(const core::Error& error);

// A complete local response: the status, "text/plain" with a one-line body, Content-Length.
// `close` adds "Connection: close".
core::http::ResponseHead localResponseHead(int status, size_t body_size, bool close);
std::string localResponseBody(int status);

}  // namespace strata::gateway
