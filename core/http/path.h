// Request path normalisation: the one canonical form of a path that routing, access control,
// rate limiting and cache keys all see, and that the gateway forwards upstream, so the gateway
// and the upstream can never disagree about which resource a request names.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace strata::core::http {

// Normalises the path component of a request-target (no query: the caller splits at '?' and
// passes the query through untouched).
//
// Steps, in order:
//  1. "*" (the asterisk-form of OPTIONS) is returned as is; any other path must start with '/'.
//  2. Percent-decoding of unreserved characters (ALPHA, DIGIT, '-', '.', '_', '~'), so "%2e%2e"
//     is the dot-segment "..", and "%7Euser" is "~user". Other escapes stay encoded, with their
//     hex digits upper-cased (RFC 3986 §6.2.2.1) so equal paths compare equal.
//  3. Repeated slashes merge into one ("//a" is "/a").
//  4. Dot-segments are removed (RFC 3986 §5.2.4): "." disappears, ".." removes the segment before
//     it and never climbs above the root ("/info/.." is "/", "/../x" is "/x"). A path that ended
//     in a dot-segment keeps its trailing slash ("/a/b/.." is "/a/").
//
// Refused with InvalidRequest (the gateway answers 400):
//  - an encoded slash or backslash (%2F, %5C): decoding would create a separator the upstream
//    may or may not honour, and keeping it encoded lets the two sides disagree;
//  - an encoded NUL (%00), a malformed escape ("%4", "%zz"), a raw backslash, and raw bytes that
//    a request-target cannot hold (controls, space, DEL);
//  - a dot-segment carrying path parameters ("..;", "..;x", ".;x", also when the dots were
//    encoded). Servlet containers strip ";..." before resolving dots, so "/info/..;/private"
//    would be "/private" behind the gateway while reading as a child of /info here. Rewriting
//    it to ".." would also work, but no legitimate client sends it, and refusing makes the
//    attack visible in the access log instead of silently reshaped.
Result<std::string> normalizePath(std::string_view path);

}  // namespace strata::core::http
