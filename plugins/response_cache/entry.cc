// Binary encoding of stored responses and Vary markers.
//
// Layout (integers little-endian, strings as u32 length + bytes):
//   u8 version, u8 kind ('R' response | 'V' vary marker), then
//   'R': u16 status, str reason, i64 stored_at, request_time, response_time, date_value,
//        age_value, freshness_lifetime, u32 n + n * (str name, str value) headers,
//        u32 m + m * (str name, u8 present, str value) vary, u64 + bytes body
//   'V': u32 m + m * str name
// A hand-rolled layout rather than JSON or protobuf: bodies are arbitrary bytes, the value is
// read on every hit, and the format is small enough to validate completely.
#include "plugins/response_cache/entry.h"

#include <array>

namespace strata::plugins::response_cache {
namespace {

using core::ErrorKind;
using core::http::iequals;

constexpr char kKindResponse = 'R';
constexpr char kKindVary = 'V';

constexpr std::array<std::string_view, 10> kNotStored = {
    "connection", "keep-alive", "proxy-connection", "te",     "trailer", "transfer-encoding",
    "upgrade",    "age",        "content-length",   "x-cache"};

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { fixed(v, 2); }
  void u32(uint32_t v) { fixed(v, 4); }
  void u64(uint64_t v) { fixed(v, 8); }
  void i64(int64_t v) { fixed(static_cast<uint64_t>(v), 8); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void bytes(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  std::string take() { return std::move(out_); }

 private:
  void fixed(uint64_t v, int width) {
    for (int i = 0; i < width; ++i) {
      out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
  }
  std::string out_;
};

// Every read checks the remaining length; after the first failure all reads fail, so callers
// check ok() once at the end of a group of reads.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool atEnd() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }
  uint8_t u8() { return static_cast<uint8_t>(fixed(1)); }
  uint16_t u16() { return static_cast<uint16_t>(fixed(2)); }
  uint32_t u32() { return static_cast<uint32_t>(fixed(4)); }
  uint64_t u64() { return fixed(8); }
  int64_t i64() { return static_cast<int64_t>(fixed(8)); }
  std::string str() { return take(u32()); }
  std::string bytes() { return take(u64()); }

 private:
  uint64_t fixed(int width) {
    if (!ok_ || remaining() < static_cast<size_t>(width)) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < width; ++i) {
      v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    }
    pos_ += width;
    return v;
  }
  std::string take(uint64_t n) {
    if (!ok_ || remaining() < n) {
      ok_ = false;
      return {};
    }
    std::string out(in_.substr(pos_, n));
    pos_ += n;
    return out;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// A stored field must still be a valid field when it is sent downstream: a corrupted value must
// not be able to inject lines into a response.
bool validName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (char c : name) {
    if (c <= ' ' || c == ':' || c == 0x7f) {
      return false;
    }
  }
  return true;
}

bool validValue(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return false;
    }
  }
  return true;
}

tl::unexpected<core::Error> corrupt(std::string what) {
  return core::fail(ErrorKind::CacheBackend, "corrupt cache entry: " + std::move(what));
}

void writeVaryNames(Writer& w, const std::vector<std::string>& vary) {
  w.u32(static_cast<uint32_t>(vary.size()));
  for (const auto& name : vary) {
    w.str(name);
  }
}

core::Result<CacheValue> decodeResponse(Reader& r) {
  StoredResponse out;
  out.status = r.u16();
  out.reason = r.str();
  out.stored_at = r.i64();
  out.age.request_time = r.i64();
  out.age.response_time = r.i64();
  out.age.date_value = r.i64();
  out.age.age_value = r.i64();
  out.freshness_lifetime = r.i64();
  // Only statuses the cache stores can come back: a 1xx served as a final response would leave
  // the client waiting for another one and reading the next response as this one's.
  if (!r.ok() || !isUnderstoodStatus(out.status) || !validValue(out.reason)) {
    return corrupt("bad response head");
  }
  const uint32_t header_count = r.u32();
  // Each header needs at least two length prefixes: a count beyond that is corrupt, and checking
  // it first keeps a forged count from reserving gigabytes.
  if (!r.ok() || header_count > r.remaining() / 8) {
    return corrupt("bad header count");
  }
  for (uint32_t i = 0; i < header_count; ++i) {
    auto name = r.str();
    auto value = r.str();
    if (!r.ok() || !validName(name) || !validValue(value)) {
      return corrupt("bad header field");
    }
    out.headers.add(std::move(name), std::move(value));
  }
  const uint32_t vary_count = r.u32();
  if (!r.ok() || vary_count > kMaxVaryFields || vary_count > r.remaining() / 9) {
    return corrupt("bad vary count");
  }
  for (uint32_t i = 0; i < vary_count; ++i) {
    auto name = r.str();
    const uint8_t present = r.u8();
    auto value = r.str();
    if (!r.ok() || !validName(name) || present > 1 || (!present && !value.empty())) {
      return corrupt("bad vary field");
    }
    out.vary.push_back(std::move(name));
    out.vary_values.push_back(present ? std::optional<std::string>(std::move(value))
                                      : std::nullopt);
  }
  out.body = r.bytes();
  if (!r.ok() || !r.atEnd()) {
    return corrupt("bad body or trailing bytes");
  }
  return CacheValue(std::move(out));
}

core::Result<CacheValue> decodeMarker(Reader& r) {
  VaryMarker out;
  const uint32_t count = r.u32();
  if (!r.ok() || count == 0 || count > kMaxVaryFields || count > r.remaining() / 4) {
    return corrupt("bad vary marker count");
  }
  for (uint32_t i = 0; i < count; ++i) {
    auto name = r.str();
    if (!r.ok() || !validName(name)) {
      return corrupt("bad vary marker field");
    }
    out.vary.push_back(std::move(name));
  }
  if (!r.atEnd()) {
    return corrupt("trailing bytes after vary marker");
  }
  return CacheValue(std::move(out));
}

}  // namespace

core::http::HeaderMap storableHeaders(const core::http::HeaderMap& headers) {
  std::vector<std::string> connection_named;
  for (const auto& value : headers.getAll("connection")) {
    for (const auto token : core::http::splitList(value)) {
      connection_named.emplace_back(token);
    }
  }
  core::http::HeaderMap out;
  for (const auto& h : headers) {
    bool drop = false;
    for (const auto name : kNotStored) {
      drop = drop || iequals(h.name, name);
    }
    for (const auto& name : connection_named) {
      drop = drop || iequals(h.name, name);
    }
    if (!drop) {
      out.add(h.name, h.value);
    }
  }
  return out;
}

std::string encodeResponse(const StoredResponse& response) {
  Writer w;
  w.u8(kEntryFormatVersion);
  w.u8(static_cast<uint8_t>(kKindResponse));
  w.u16(static_cast<uint16_t>(response.status));
  w.str(response.reason);
  w.i64(response.stored_at);
  w.i64(response.age.request_time);
  w.i64(response.age.response_time);
  w.i64(response.age.date_value);
  w.i64(response.age.age_value);
  w.i64(response.freshness_lifetime);
  w.u32(static_cast<uint32_t>(response.headers.size()));
  for (const auto& h : response.headers) {
    w.str(h.name);
    w.str(h.value);
  }
  w.u32(static_cast<uint32_t>(response.vary.size()));
  for (size_t i = 0; i < response.vary.size(); ++i) {
    const bool present = i < response.vary_values.size() && response.vary_values[i].has_value();
    w.str(response.vary[i]);
    w.u8(present ? 1 : 0);
    w.str(present ? *response.vary_values[i] : std::string_view());
  }
  w.bytes(response.body);
  return w.take();
}

std::string encodeVaryMarker(const VaryMarker& marker) {
  Writer w;
  w.u8(kEntryFormatVersion);
  w.u8(static_cast<uint8_t>(kKindVary));
  writeVaryNames(w, marker.vary);
  return w.take();
}

core::Result<CacheValue> decodeValue(std::string_view data) {
  Reader r(data);
  const uint8_t version = r.u8();
  const uint8_t kind = r.u8();
  if (!r.ok()) {
    return corrupt("truncated header");
  }
  if (version != kEntryFormatVersion) {
    return corrupt("unknown format version " + std::to_string(version));
  }
  if (kind == static_cast<uint8_t>(kKindResponse)) {
    return decodeResponse(r);
  }
  if (kind == static_cast<uint8_t>(kKindVary)) {
    return decodeMarker(r);
  }
  return corrupt("unknown value kind");
}

}  // namespace strata::plugins::response_cache
