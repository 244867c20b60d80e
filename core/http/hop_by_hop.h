// Hop-by-hop field removal and the proxy's forwarding fields (X-Forwarded-*, Via): what changes
// in a message's header list when the gateway passes it from one connection to the next.
#pragma once

#include <string>
#include <string_view>

#include "core/http/message.h"

namespace strata::core::http {

// Removes the fields that describe one connection rather than the message (RFC 9110 §7.6.1):
// Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade,
// Proxy-Authenticate, Proxy-Authorization, and every field the Connection field names.
//
// Ordering contract: call this on an inbound message BEFORE the gateway or any filter adds its
// own fields (X-Forwarded-*, identity headers from auth). Otherwise a client could list those
// names in Connection and have the gateway's values deleted on the way upstream.
//
// A Connection token naming an end-to-end field that framing, routing or authentication relies
// on (Host, Content-Length, Content-Type, Content-Encoding, Authorization, Cookie, Set-Cookie,
// WWW-Authenticate) is ignored: those fields stay. The decoder has validated them already and
// the rest of the proxy depends on them; honouring the token would let the client strip them
// after validation. Rejecting the request instead would break clients that send odd but harmless
// Connection lists.
void removeHopByHop(HeaderMap& headers);

// Adds the gateway's forwarding fields to a request about to go upstream; call it after
// removeHopByHop().
//  - X-Forwarded-For: `client_ip` is appended to the chain the request arrived with (all
//    X-Forwarded-For fields are joined into one list first), as proxies conventionally do.
//    Upstreams must trust only the entries added by proxies they know.
//  - X-Forwarded-Proto: replaced by `proto` ("http" or "https").
//  - X-Forwarded-Host: replaced by the request's Host (removed if the request has none).
//  - Via: "1.1 <via_name>" appended to the existing list (RFC 9110 §7.6.3).
void addForwardingHeaders(RequestHead& head, const std::string& client_ip, std::string_view proto,
                          std::string_view via_name);

}  // namespace strata::core::http
