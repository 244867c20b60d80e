// Syntax checks for the authority of a request (the Host field, or the authority of an
// absolute-form request-target): what routing, forwarding headers and cache keys may rely on.
#pragma once

#include <string_view>

namespace strata::core::http {

// True if `value` is `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2-3.2.3): an IP-literal
// in brackets, or a reg-name / IPv4 address made of unreserved characters, sub-delims and
// percent-escapes, then an optional port of at most five digits. The empty string is valid
// (RFC 9112 §3.2 allows an empty Host for targets without an authority).
//
// Everything else is refused, and that matters beyond syntax: a Host carrying '/', '?', '#',
// '@', whitespace or a second ':' is read differently by different servers, and the response
// cache would otherwise file the answer to "Host: a.example/x" + "/" under the key of
// "Host: a.example" + "/x/" (cache poisoning). Userinfo ("user@host") is refused as RFC 9110
// §4.2.4 asks of recipients.
bool isValidAuthority(std::string_view value);

}  // namespace strata::core::http
