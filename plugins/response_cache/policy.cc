// RFC 9111 decisions of the shared response cache: Cache-Control parsing, HTTP dates,
// storability, freshness, age and conditional requests.
#include "plugins/response_cache/policy.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <limits>

namespace strata::plugins::response_cache {
namespace {

using core::http::HeaderMap;
using core::http::iequals;
using core::http::RequestHead;
using core::http::ResponseHead;

// RFC 9111 §1.2.2: delta-seconds larger than 2^31 are treated as 2^31.
constexpr int64_t kDeltaSecondsMax = 2147483648LL;

// delta-seconds = 1*DIGIT, optionally inside a quoted string (recipients accept both forms).
std::optional<int64_t> parseDeltaSeconds(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  if (value.empty()) {
    return std::nullopt;
  }
  int64_t out = 0;
  for (char c : value) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    out = std::min(out * 10 + (c - '0'), kDeltaSecondsMax);
  }
  return out;
}

// A second occurrence of a directive with a different value makes the value unusable; RFC 9111
// §4.2.1 allows treating that as stale, which is what 0 means for max-age and s-maxage.
void setDelta(std::optional<int64_t>& field, std::string_view arg, int64_t invalid_value) {
  const auto parsed = parseDeltaSeconds(arg).value_or(invalid_value);
  if (field && *field != parsed) {
    field = std::min<int64_t>(*field, 0);
    return;
  }
  field = parsed;
}

void applyDirective(CacheControl& cc, std::string_view name, std::string_view arg, bool has_arg) {
  if (iequals(name, "no-store")) {
    cc.no_store = true;
  } else if (iequals(name, "no-cache")) {
    cc.no_cache = true;
  } else if (iequals(name, "private")) {
    cc.private_ = true;
  } else if (iequals(name, "public")) {
    cc.public_ = true;
  } else if (iequals(name, "must-revalidate")) {
    cc.must_revalidate = true;
  } else if (iequals(name, "proxy-revalidate")) {
    cc.proxy_revalidate = true;
  } else if (iequals(name, "must-understand")) {
    cc.must_understand = true;
  } else if (iequals(name, "only-if-cached")) {
    cc.only_if_cached = true;
  } else if (iequals(name, "max-age")) {
    setDelta(cc.max_age, arg, 0);
  } else if (iequals(name, "s-maxage")) {
    setDelta(cc.s_maxage, arg, 0);
  } else if (iequals(name, "min-fresh")) {
    // An unusable min-fresh asks for nothing; ignoring it cannot serve anything staler.
    if (auto v = parseDeltaSeconds(arg)) {
      cc.min_fresh = std::max(cc.min_fresh.value_or(0), *v);
    }
  } else if (iequals(name, "max-stale")) {
    cc.max_stale =
        has_arg ? parseDeltaSeconds(arg).value_or(0) : std::numeric_limits<int64_t>::max();
  }
}

// Splits a Cache-Control value into directives, honouring quoted strings (no-cache="a, b").
void parseCacheControlValue(CacheControl& cc, std::string_view value) {
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t' || value[i] == ',')) {
      ++i;
    }
    const size_t name_start = i;
    while (i < value.size() && value[i] != '=' && value[i] != ',') {
      ++i;
    }
    const auto name = core::http::trimOws(value.substr(name_start, i - name_start));
    std::string_view arg;
    bool has_arg = false;
    if (i < value.size() && value[i] == '=') {
      has_arg = true;
      ++i;
      while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) {
        ++i;
      }
      const size_t arg_start = i;
      if (i < value.size() && value[i] == '"') {
        ++i;
        while (i < value.size() && value[i] != '"') {
          i += (value[i] == '\\' && i + 1 < value.size()) ? 2 : 1;
        }
        i = std::min(i + 1, value.size());
        arg = value.substr(arg_start, i - arg_start);
      } else {
        while (i < value.size() && value[i] != ',') {
          ++i;
        }
        arg = core::http::trimOws(value.substr(arg_start, i - arg_start));
      }
    }
    if (!name.empty()) {
      applyDirective(cc, name, arg, has_arg);
    }
    while (i < value.size() && value[i] != ',') {
      ++i;
    }
  }
}

constexpr std::array<std::string_view, 7> kDayNames = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// A strict left-to-right reader for the three HTTP-date forms.
class DateReader {
 public:
  explicit DateReader(std::string_view s) : s_(s) {}
  bool literal(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) {
      return false;
    }
    pos_ += lit.size();
    return true;
  }
  // Exactly `width` digits (a leading space counts as a zero digit when space_ok).
  std::optional<int> digits(size_t width, bool space_ok = false) {
    if (pos_ + width > s_.size()) {
      return std::nullopt;
    }
    int out = 0;
    for (size_t k = 0; k < width; ++k) {
      const char c = s_[pos_ + k];
      if (c == ' ' && space_ok && k == 0) {
        continue;
      }
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      out = out * 10 + (c - '0');
    }
    pos_ += width;
    return out;
  }
  template <size_t N>
  std::optional<int> name(const std::array<std::string_view, N>& names) {
    for (size_t k = 0; k < N; ++k) {
      if (literal(names[k])) {
        return static_cast<int>(k);
      }
    }
    return std::nullopt;
  }
  bool time(int& h, int& m, int& sec) {
    auto hh = digits(2);
    if (!hh || !literal(":")) {
      return false;
    }
    auto mm = digits(2);
    if (!mm || !literal(":")) {
      return false;
    }
    auto ss = digits(2);
    if (!ss) {
      return false;
    }
    h = *hh;
    m = *mm;
    sec = *ss;
    return true;
  }
  bool atEnd() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

std::optional<int64_t> toEpoch(int year, int month, int day, int h, int m, int s) {
  if (month < 0 || month > 11 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = std::min(s, 59);  // a leap second is read as the second before it
  const time_t t = timegm(&tm);
  // timegm normalises Feb 30 into March; such a date is not a date.
  if (tm.tm_mday != day || tm.tm_mon != month) {
    return std::nullopt;
  }
  return static_cast<int64_t>(t);
}

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT")
// differ only in the day names, the date separator and the year's width.
template <size_t N>
std::optional<int64_t> parseDayFirst(std::string_view v,
                                     const std::array<std::string_view, N>& day_names,
                                     std::string_view sep, size_t year_width) {
  DateReader r(v);
  int h = 0, m = 0, s = 0;
  if (!r.name(day_names) || !r.literal(", ")) {
    return std::nullopt;
  }
  auto day = r.digits(2);
  if (!day || !r.literal(sep)) {
    return std::nullopt;
  }
  auto month = r.name(kMonthNames);
  if (!month || !r.literal(sep)) {
    return std::nullopt;
  }
  auto year = r.digits(year_width);
  if (!year || !r.literal(" ") || !r.time(h, m, s) || !r.literal(" GMT") || !r.atEnd()) {
    return std::nullopt;
  }
  if (year_width == 2) {
    // Two-digit years: 70-99 are the 1900s, the rest the 2000s (a fixed pivot instead of the
    // "50 years in the future" rule, which would make parsing depend on the clock).
    *year = *year >= 70 ? 1900 + *year : 2000 + *year;
  }
  return toEpoch(*year, *month, *day, h, m, s);
}

std::optional<int64_t> parseImfFixdate(std::string_view v) {
  return parseDayFirst(v, kDayNames, " ", 4);
}

std::optional<int64_t> parseRfc850(std::string_view v) {
  return parseDayFirst(v, kLongDayNames, "-", 2);
}

std::optional<int64_t> parseAsctime(std::string_view v) {
  DateReader r(v);
  int h = 0, m = 0, s = 0;
  if (!r.name(kDayNames) || !r.literal(" ")) {
    return std::nullopt;
  }
  auto month = r.name(kMonthNames);
  if (!month || !r.literal(" ")) {
    return std::nullopt;
  }
  auto day = r.digits(2, /*space_ok=*/true);
  if (!day || !r.literal(" ") || !r.time(h, m, s) || !r.literal(" ")) {
    return std::nullopt;
  }
  auto year = r.digits(4);
  if (!year || !r.atEnd()) {
    return std::nullopt;
  }
  return toEpoch(*year, *month, *day, h, m, s);
}

}  // namespace

CacheControl parseCacheControl(const HeaderMap& headers) {
  CacheControl cc;
  for (const auto& h : headers) {
    if (iequals(h.name, "cache-control")) {
      parseCacheControlValue(cc, h.value);
    }
  }
  return cc;
}

std::optional<int64_t> parseHttpDate(std::string_view value) {
  value = core::http::trimOws(value);
  if (auto t = parseImfFixdate(value)) {
    return t;
  }
  if (auto t = parseRfc850(value)) {
    return t;
  }
  return parseAsctime(value);
}

std::string formatHttpDate(int64_t seconds) {
  const time_t t = static_cast<time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  // Day and month names come from our own tables: strftime's %a/%b follow the locale.
  snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT",
           std::string(kDayNames[static_cast<size_t>(tm.tm_wday) % 7]).c_str(), tm.tm_mday,
           std::string(kMonthNames[static_cast<size_t>(tm.tm_mon) % 12]).c_str(), tm.tm_year + 1900,
           tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

RequestDecision classifyRequest(const RequestHead& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    return {RequestAction::Bypass, "method is not GET or HEAD"};
  }
  const auto cc = parseCacheControl(request.headers);
  if (cc.no_store) {
    return {RequestAction::Bypass, "request no-store"};
  }
  if (request.headers.has("range")) {
    return {RequestAction::Bypass, "range request"};
  }
  if (cc.no_cache || (cc.max_age && *cc.max_age == 0)) {
    return {RequestAction::ForwardAndStore, "request asks for a fresh response"};
  }
  // Pragma is the HTTP/1.0 spelling; it only counts when Cache-Control is absent (RFC 7234
  // §5.4, kept by RFC 9111 §5.4 for compatibility).
  if (!request.headers.has("cache-control") && request.headers.hasToken("pragma", "no-cache")) {
    return {RequestAction::ForwardAndStore, "request Pragma: no-cache"};
  }
  return {RequestAction::Lookup, "cacheable request"};
}

bool isUnderstoodStatus(int status) {
  switch (status) {
    case 200:
    case 203:
    case 204:
    case 300:
    case 301:
    case 302:
    case 303:
    case 307:
    case 308:
    case 400:
    case 403:
    case 404:
    case 405:
    case 410:
    case 414:
    case 451:
    case 500:
    case 501:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      // 206 (no range support) and 304 (no revalidation) are deliberately absent.
      return false;
  }
}

bool isHeuristicallyCacheable(int status) {
  switch (status) {
    case 200:
    case 203:
    case 204:
    case 300:
    case 301:
    case 308:
    case 404:
    case 405:
    case 410:
    case 414:
    case 501:
      return true;
    default:
      return false;
  }
}

std::optional<int64_t> explicitFreshness(const ResponseHead& response, int64_t response_time) {
  const auto cc = parseCacheControl(response.headers);
  if (cc.s_maxage) {
    return *cc.s_maxage;
  }
  if (cc.max_age) {
    return *cc.max_age;
  }
  const auto expires_fields = response.headers.getAll("expires");
  if (expires_fields.empty()) {
    return std::nullopt;
  }
  // Several Expires lines, or one that is not a date, mean "already expired" (§5.3).
  const auto expires =
      expires_fields.size() == 1 ? parseHttpDate(expires_fields.front()) : std::nullopt;
  if (!expires) {
    return 0;
  }
  const auto date_field = response.headers.get("date");
  const auto date = date_field ? parseHttpDate(*date_field) : std::nullopt;
  return std::max<int64_t>(0, *expires - date.value_or(response_time));
}

StoreDecision decideStore(const RequestHead& request, const ResponseHead& response,
                          int64_t response_time) {
  StoreDecision d;
  if (request.method != "GET") {
    d.reason = "only GET responses are stored";
    return d;
  }
  if (!isUnderstoodStatus(response.status)) {
    d.reason = "status not understood by the cache";
    return d;
  }
  const auto req_cc = parseCacheControl(request.headers);
  if (req_cc.no_store) {
    d.reason = "request no-store";
    return d;
  }
  const auto cc = parseCacheControl(response.headers);
  // must-understand lets a cache that knows the status ignore no-store (§5.2.2.3); every status
  // that reaches this line is understood.
  if (cc.no_store && !cc.must_understand) {
    d.reason = "response no-store";
    return d;
  }
  if (cc.private_) {
    d.reason = "response private";
    return d;
  }
  if (cc.no_cache) {
    d.reason = "response no-cache (no revalidation support)";
    return d;
  }
  if (request.headers.has("authorization") && !cc.public_ && !cc.s_maxage && !cc.must_revalidate) {
    d.reason = "authorized request without public, s-maxage or must-revalidate";
    return d;
  }
  if (response.headers.has("set-cookie")) {
    d.reason = "response sets a cookie";
    return d;
  }
  for (const auto& field : response.headers.getAll("vary")) {
    for (auto name : core::http::splitList(field)) {
      if (name == "*") {
        d.reason = "Vary: *";
        d.vary.clear();
        return d;
      }
      std::string lower(name);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (std::find(d.vary.begin(), d.vary.end(), lower) == d.vary.end()) {
        if (d.vary.size() == kMaxVaryFields) {
          d.reason = "Vary lists too many fields";
          d.vary.clear();
          return d;
        }
        d.vary.push_back(std::move(lower));
      }
    }
  }
  if (auto lifetime = explicitFreshness(response, response_time)) {
    d.freshness_lifetime = *lifetime;
  } else if (isHeuristicallyCacheable(response.status) || cc.public_) {
    const auto lm_field = response.headers.get("last-modified");
    const auto last_modified = lm_field ? parseHttpDate(*lm_field) : std::nullopt;
    const auto date_field = response.headers.get("date");
    const auto date = date_field ? parseHttpDate(*date_field) : std::nullopt;
    if (last_modified) {
      const int64_t since = date.value_or(response_time) - *last_modified;
      d.freshness_lifetime = std::clamp<int64_t>(since / 10, 0, kHeuristicFreshnessCap);
      d.heuristic = true;
    }
  } else {
    d.reason = "no explicit freshness and status not heuristically cacheable";
    return d;
  }
  if (d.freshness_lifetime <= 0) {
    d.reason = "freshness lifetime is zero";
    d.freshness_lifetime = 0;
    return d;
  }
  d.storable = true;
  d.reason = "storable";
  return d;
}

AgeInputs ageInputsFor(const ResponseHead& response, int64_t request_time, int64_t response_time) {
  AgeInputs in;
  in.request_time = request_time;
  in.response_time = response_time;
  const auto date_field = response.headers.get("date");
  const auto date = date_field ? parseHttpDate(*date_field) : std::nullopt;
  in.date_value = date.value_or(response_time);
  // Age is a single delta-seconds; a malformed one carries no information and is ignored.
  const auto age_field = response.headers.get("age");
  in.age_value = age_field ? parseDeltaSeconds(core::http::trimOws(*age_field)).value_or(0) : 0;
  return in;
}

int64_t currentAge(const AgeInputs& in, int64_t now) {
  const int64_t apparent_age = std::max<int64_t>(0, in.response_time - in.date_value);
  const int64_t response_delay = std::max<int64_t>(0, in.response_time - in.request_time);
  const int64_t corrected_age_value = in.age_value + response_delay;
  const int64_t corrected_initial_age = std::max(apparent_age, corrected_age_value);
  const int64_t resident_time = std::max<int64_t>(0, now - in.response_time);
  return corrected_initial_age + resident_time;
}

bool canServe(const CacheControl& request_cc, int64_t freshness_lifetime, int64_t current_age) {
  if (current_age >= freshness_lifetime) {
    return false;
  }
  if (request_cc.max_age && current_age > *request_cc.max_age) {
    return false;
  }
  if (request_cc.min_fresh && freshness_lifetime - current_age < *request_cc.min_fresh) {
    return false;
  }
  return true;
}

namespace {

// Opaque tag without the weak prefix, for the weak comparison of §8.8.3.2.
std::string_view opaqueTag(std::string_view tag) {
  tag = core::http::trimOws(tag);
  if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') {
    tag.remove_prefix(2);
  }
  return tag;
}

}  // namespace

bool notModified(const RequestHead& request, const HeaderMap& stored) {
  const auto inm = request.headers.getAll("if-none-match");
  if (!inm.empty()) {
    const auto etag = stored.get("etag");
    for (const auto& field : inm) {
      for (auto tag : core::http::splitList(field)) {
        if (tag == "*") {
          return true;
        }
        if (etag && opaqueTag(tag) == opaqueTag(*etag)) {
          return true;
        }
      }
    }
    return false;
  }
  const auto ims_field = request.headers.get("if-modified-since");
  const auto lm_field = stored.get("last-modified");
  if (!ims_field || !lm_field) {
    return false;
  }
  const auto ims = parseHttpDate(*ims_field);
  const auto last_modified = parseHttpDate(*lm_field);
  return ims && last_modified && *last_modified <= *ims;
}

}  // namespace strata::plugins::response_cache
