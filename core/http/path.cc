// normalizePath: percent-decoding of unreserved characters, slash merging and RFC 3986
// remove_dot_segments in one pass over the input.
#include "core/http/path.h"

namespace strata::core::http {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool isUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

tl::unexpected<Error> refuse(std::string context) {
  return fail(ErrorKind::InvalidRequest, std::move(context), ErrorSource::Downstream);
}

// Appends one raw segment (between two slashes) to `out` after decoding it; the caller has
// already written the separating '/'. Returns the decoded text's length, or an error.
Result<size_t> appendDecoded(std::string& out, std::string_view segment) {
  const size_t start = out.size();
  for (size_t i = 0; i < segment.size(); ++i) {
    const auto c = static_cast<unsigned char>(segment[i]);
    if (c == '%') {
      const int hi = i + 2 < segment.size() ? hexValue(segment[i + 1]) : -1;
      const int lo = hi >= 0 ? hexValue(segment[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return refuse("malformed percent-encoding in path");
      }
      const auto decoded = static_cast<unsigned char>(hi * 16 + lo);
      if (decoded == '/' || decoded == '\\') {
        return refuse("encoded slash in path");
      }
      if (decoded == 0) {
        return refuse("encoded NUL in path");
      }
      if (isUnreserved(decoded)) {
        out.push_back(static_cast<char>(decoded));
      } else {
        out.push_back('%');
        out.push_back("0123456789ABCDEF"[hi]);
        out.push_back("0123456789ABCDEF"[lo]);
      }
      i += 2;
      continue;
    }
    if (c <= 0x20 || c == 0x7f || c == '\\') {
      return refuse("invalid character in path");
    }
    out.push_back(static_cast<char>(c));
  }
  return out.size() - start;
}

// "." or ".." followed by ';' and path parameters.
bool isDotSegmentWithParams(std::string_view segment) {
  const auto semi = segment.find(';');
  if (semi == std::string_view::npos) {
    return false;
  }
  const auto head = segment.substr(0, semi);
  return head == "." || head == "..";
}

}  // namespace

Result<std::string> normalizePath(std::string_view path) {
  if (path == "*") {
    return std::string(path);
  }
  if (path.empty() || path.front() != '/') {
    return refuse("path does not start with '/'");
  }
  std::string out;
  out.reserve(path.size());
  // Invariant: `out` is "" or "/seg/seg..." without a trailing slash; each segment is appended
  // as "/" + decoded text, then inspected: empty and "." are dropped, ".." drops itself and the
  // segment before it.
  bool trailing_slash = false;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    const size_t mark = out.size();
    out.push_back('/');
    auto decoded = appendDecoded(out, path.substr(pos, end - pos));
    if (!decoded) {
      return tl::unexpected(std::move(decoded.error()));
    }
    const std::string_view segment = std::string_view(out).substr(mark + 1);
    const bool last = end == path.size();
    if (segment.empty() || segment == ".") {
      out.resize(mark);
      trailing_slash = last;
    } else if (segment == "..") {
      out.resize(mark);
      const size_t parent = out.rfind('/');
      out.resize(parent == std::string::npos ? 0 : parent);
      trailing_slash = last;
    } else if (isDotSegmentWithParams(segment)) {
      return refuse("dot-segment with path parameters");
    } else {
      trailing_slash = false;
    }
    pos = end + 1;
  }
  if (out.empty() || trailing_slash) {
    out.push_back('/');
  }
  return out;
}

}  // namespace strata::core::http
