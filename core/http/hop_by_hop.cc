// removeHopByHop and addForwardingHeaders.
#include "core/http/hop_by_hop.h"

#include <algorithm>
#include <array>

namespace strata::core::http {
namespace {

constexpr std::array<std::string_view, 9> kHopByHop = {
    "connection", "keep-alive",         "proxy-connection",    "te", "trailer", "transfer-encoding",
    "upgrade",    "proxy-authenticate", "proxy-authorization",
};

// End-to-end fields a Connection token may not remove (see hop_by_hop.h).
constexpr std::array<std::string_view, 8> kProtected = {
    "host",          "content-length", "content-type", "content-encoding",
    "authorization", "cookie",         "set-cookie",   "www-authenticate",
};

bool isProtected(std::string_view name) {
  return std::any_of(kProtected.begin(), kProtected.end(),
                     [&](std::string_view p) { return iequals(p, name); });
}

bool isHopByHop(std::string_view name) {
  return std::any_of(kHopByHop.begin(), kHopByHop.end(),
                     [&](std::string_view p) { return iequals(p, name); });
}

}  // namespace

void removeHopByHop(HeaderMap& headers) {
  // Collect the nominated names before anything is removed: they live in Connection's values.
  std::vector<std::string> nominated;
  for (const auto& h : headers) {
    if (!iequals(h.name, "connection")) {
      continue;
    }
    for (const auto token : splitList(h.value)) {
      if (!isProtected(token) && !isHopByHop(token)) {
        nominated.emplace_back(token);
      }
    }
  }
  for (const auto name : kHopByHop) {
    headers.remove(name);
  }
  for (const auto& name : nominated) {
    headers.remove(name);
  }
}

void addForwardingHeaders(RequestHead& head, const std::string& client_ip, std::string_view proto,
                          std::string_view via_name) {
  auto& headers = head.headers;
  if (!client_ip.empty()) {
    std::string chain = headers.joined("x-forwarded-for");
    if (!chain.empty()) {
      chain += ", ";
    }
    chain += client_ip;
    headers.set("X-Forwarded-For", std::move(chain));
  }
  headers.set("X-Forwarded-Proto", std::string(proto));
  const std::string host(head.host());
  if (host.empty()) {
    headers.remove("x-forwarded-host");
  } else {
    headers.set("X-Forwarded-Host", host);
  }
  std::string via = headers.joined("via");
  if (!via.empty()) {
    via += ", ";
  }
  via += "1.1 ";
  via += via_name;
  headers.set("Via", std::move(via));
}

}  // namespace strata::core::http
