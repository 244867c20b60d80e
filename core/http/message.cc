// HeaderMap and message helpers.
#include "core/http/message.h"

#include <algorithm>

namespace strata::core::http {

namespace {
// ASCII case folding: field names are tokens, and std::tolower's locale lookup showed up in
// profiles of the request path.
constexpr char foldAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && foldAscii(a[i]) != foldAscii(b[i])) {
      return false;
    }
  }
  return true;
}

std::string_view trimOws(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  return value;
}

std::vector<std::string_view> splitList(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    const auto comma = value.find(',');
    auto element = trimOws(value.substr(0, comma));
    if (!element.empty()) {
      out.push_back(element);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
  return out;
}

void HeaderMap::add(std::string name, std::string value) {
  fields_.push_back(Header{std::move(name), std::move(value)});
}

void HeaderMap::set(std::string_view name, std::string value) {
  remove(name);
  fields_.push_back(Header{std::string(name), std::move(value)});
}

size_t HeaderMap::remove(std::string_view name) {
  const auto before = fields_.size();
  std::erase_if(fields_, [&](const Header& h) { return iequals(h.name, name); });
  return before - fields_.size();
}

bool HeaderMap::has(std::string_view name) const {
  return std::any_of(fields_.begin(), fields_.end(),
                     [&](const Header& h) { return iequals(h.name, name); });
}

std::optional<std::string_view> HeaderMap::get(std::string_view name) const {
  for (const auto& h : fields_) {
    if (iequals(h.name, name)) {
      return std::string_view(h.value);
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> HeaderMap::getAll(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& h : fields_) {
    if (iequals(h.name, name)) {
      out.emplace_back(h.value);
    }
  }
  return out;
}

std::string HeaderMap::joined(std::string_view name) const {
  std::string out;
  for (const auto& h : fields_) {
    if (iequals(h.name, name)) {
      if (!out.empty()) {
        out += ", ";
      }
      out += h.value;
    }
  }
  return out;
}

bool HeaderMap::hasToken(std::string_view name, std::string_view token) const {
  for (const auto& h : fields_) {
    if (!iequals(h.name, name)) {
      continue;
    }
    for (auto element : splitList(h.value)) {
      if (iequals(element, token)) {
        return true;
      }
    }
  }
  return false;
}

std::string_view RequestHead::path() const {
  std::string_view t(target);
  return t.substr(0, t.find('?'));
}

std::string_view RequestHead::query() const {
  std::string_view t(target);
  const auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q);
}

std::string_view RequestHead::host() const {
  return headers.get("host").value_or("");
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace strata::core::http
