// Primary and secondary (Vary) cache keys.
#include "plugins/response_cache/key.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/http/path.h"

namespace strata::plugins::response_cache {
namespace {

using core::http::iequals;

std::string toLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Fields whose values are lists of case-insensitive tokens and parameters.
constexpr std::array<std::string_view, 3> kCaseInsensitiveLists = {
    "accept-encoding", "accept-charset", "accept-language"};

bool isListField(std::string_view name) {
  return iequals(name, "accept") ||
         std::any_of(kCaseInsensitiveLists.begin(), kCaseInsensitiveLists.end(),
                     [&](std::string_view f) { return iequals(f, name); });
}

bool isCaseInsensitiveList(std::string_view name) {
  return std::any_of(kCaseInsensitiveLists.begin(), kCaseInsensitiveLists.end(),
                     [&](std::string_view f) { return iequals(f, name); });
}

}  // namespace

std::optional<std::string> primaryKey(std::string_view scheme,
                                      const core::http::RequestHead& request) {
  std::string_view target = request.target;
  std::string_view authority;
  std::string scheme_lower = toLower(scheme);
  const auto scheme_end = target.find("://");
  if (!target.empty() && target.front() != '/') {
    // Absolute-form: the target names the scheme and authority, and Host is ignored.
    if (scheme_end == std::string_view::npos) {
      return std::nullopt;  // asterisk-form or authority-form: nothing to cache
    }
    scheme_lower = toLower(target.substr(0, scheme_end));
    target.remove_prefix(scheme_end + 3);
    const auto path_start = target.find_first_of("/?");
    authority = target.substr(0, path_start);
    target = path_start == std::string_view::npos ? std::string_view() : target.substr(path_start);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
      authority.remove_prefix(at + 1);
    }
  } else {
    authority = core::http::trimOws(request.host());
  }
  if (authority.empty()) {
    return std::nullopt;
  }
  std::string host = toLower(authority);
  const std::string_view default_port = scheme_lower == "https" ? ":443" : ":80";
  if (host.size() > default_port.size() && host.ends_with(default_port)) {
    host.resize(host.size() - default_port.size());
  }
  const auto query_start = target.find('?');
  const auto path = target.substr(0, query_start);
  const auto query =
      query_start == std::string_view::npos ? std::string_view() : target.substr(query_start);
  // The gateway forwards the normalised path upstream, so keying on the same normal form can
  // never make two resources share an entry. A path it refuses is not cached.
  auto normalised = core::http::normalizePath(path.empty() ? std::string_view("/") : path);
  if (!normalised || normalised->empty() || normalised->front() != '/') {
    return std::nullopt;
  }
  std::string key;
  key.reserve(scheme_lower.size() + 3 + host.size() + normalised->size() + query.size());
  key += scheme_lower;
  key += "://";
  key += host;
  key += *normalised;
  key += query;
  return key;
}

std::optional<std::string> normaliseSelectingValue(const core::http::HeaderMap& headers,
                                                   std::string_view field_name) {
  const auto lines = headers.getAll(field_name);
  if (lines.empty()) {
    return std::nullopt;
  }
  std::string out;
  if (isListField(field_name)) {
    const bool lower = isCaseInsensitiveList(field_name);
    for (const auto line : lines) {
      for (const auto element : core::http::splitList(line)) {
        if (!out.empty()) {
          out += ',';
        }
        out += lower ? toLower(element) : std::string(element);
      }
    }
    return out;
  }
  // Any other field is compared as received, only combining its field lines (RFC 9110 §5.3).
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out += ", ";
    }
    out += core::http::trimOws(lines[i]);
  }
  return out;
}

std::vector<std::optional<std::string>> selectingValues(const core::http::HeaderMap& headers,
                                                        const std::vector<std::string>& vary) {
  std::vector<std::optional<std::string>> out;
  out.reserve(vary.size());
  for (const auto& name : vary) {
    out.push_back(normaliseSelectingValue(headers, name));
  }
  return out;
}

std::string secondaryKeySuffix(const std::vector<std::string>& vary,
                               const std::vector<std::optional<std::string>>& values) {
  std::string out;
  for (size_t i = 0; i < vary.size(); ++i) {
    out += '\n';
    out += vary[i];
    if (i < values.size() && values[i]) {
      out += '=';
      out += *values[i];
    }
  }
  return out;
}

}  // namespace strata::plugins::response_cache
