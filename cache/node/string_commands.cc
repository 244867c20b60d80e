// String commands: GET, SET and its variants, GETSET, MGET/MSET, the INCR family, INCRBYFLOAT,
// APPEND, STRLEN, GETRANGE and SETRANGE.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "cache/node/command_handlers.h"
#include "cache/resp/resp.h"

namespace strata::cache::node {

namespace {

// proto-max-bulk-len: APPEND may not grow a string past what one request could carry.
constexpr size_t kMaxStringLength = 512ull * 1024 * 1024;

constexpr std::string_view kMaxSizeError =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

// Longest text Redis reads or writes as a long double (MAX_LONG_DOUBLE_CHARS).
constexpr size_t kMaxLongDoubleChars = 5 * 1024;

// Redis's string2ld: strtold must consume the whole text (so a NUL byte inside fails), which
// may not start with a space; overflow, underflow to zero and NaN are rejected, "inf" is not.
bool parseLongDouble(std::string_view text, long double& value) {
  if (text.empty() || text.size() >= kMaxLongDoubleChars) {
    return false;
  }
  char buf[kMaxLongDoubleChars];
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  const long double parsed = std::strtold(buf, &end);
  if (std::isspace(static_cast<unsigned char>(buf[0])) != 0 ||
      static_cast<size_t>(end - buf) != text.size() ||
      (errno == ERANGE &&
       (parsed == HUGE_VALL || parsed == -HUGE_VALL || std::fpclassify(parsed) == FP_ZERO)) ||
      std::isnan(parsed)) {
    return false;
  }
  value = parsed;
  return true;
}

// Redis's human-friendly long double text (ld2string LD_STR_HUMAN): 17 fixed decimals with
// trailing zeros and a bare point removed, and "-0" written as "0".
std::string formatLongDouble(long double value) {
  char buf[kMaxLongDoubleChars];
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", value);
  if (len < 0 || static_cast<size_t>(len) + 1 > sizeof(buf)) {
    return {};  // unreachable for finite values: the largest has under 5000 digits
  }
  if (std::string_view(buf, static_cast<size_t>(len)).find('.') != std::string_view::npos) {
    while (buf[len - 1] == '0') {
      len--;
    }
    if (buf[len - 1] == '.') {
      len--;
    }
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') {
    return "0";
  }
  return std::string(buf, static_cast<size_t>(len));
}

// Options of SET and GETEX, as Redis's parseExtendedStringArgumentsOrReply names them.
enum SetFlag : uint32_t {
  kSetNx = 1u << 0,
  kSetXx = 1u << 1,
  kSetGet = 1u << 2,
  kKeepTtl = 1u << 3,
  kPersist = 1u << 4,
  kEx = 1u << 5,
  kPx = 1u << 6,
  kExAt = 1u << 7,
  kPxAt = 1u << 8,
};
constexpr uint32_t kAnyExpire = kEx | kPx | kExAt | kPxAt;

enum class ArgsOf { Set, GetEx };

struct ExpireArg {
  std::string_view text;
  bool present = false;
};

uint32_t expireOptionFlag(std::string_view opt) {
  if (equalsIgnoreCase(opt, "ex")) {
    return kEx;
  }
  if (equalsIgnoreCase(opt, "px")) {
    return kPx;
  }
  if (equalsIgnoreCase(opt, "exat")) {
    return kExAt;
  }
  return equalsIgnoreCase(opt, "pxat") ? static_cast<uint32_t>(kPxAt) : 0u;
}

// Parses the options after SET key value (or GETEX key). Incompatible or unknown options and
// a missing expire value are "ERR syntax error", checked in Redis's order.
bool parseSetOptions(CommandContext& ctx, ArgsOf kind, uint32_t& flags, ExpireArg& expire) {
  const Argv& argv = ctx.argv;
  for (size_t j = kind == ArgsOf::GetEx ? 2 : 3; j < argv.size(); j++) {
    const std::string_view opt = untilNul(argv[j]);  // option names compare as C strings
    const bool has_next = j + 1 < argv.size();
    const bool is_set = kind == ArgsOf::Set;
    if (is_set && equalsIgnoreCase(opt, "nx") && (flags & kSetXx) == 0) {
      flags |= kSetNx;
    } else if (is_set && equalsIgnoreCase(opt, "xx") && (flags & kSetNx) == 0) {
      flags |= kSetXx;
    } else if (is_set && equalsIgnoreCase(opt, "get")) {
      flags |= kSetGet;
    } else if (is_set && equalsIgnoreCase(opt, "keepttl") &&
               (flags & (kPersist | kAnyExpire)) == 0) {
      flags |= kKeepTtl;
    } else if (!is_set && equalsIgnoreCase(opt, "persist") &&
               (flags & (kKeepTtl | kAnyExpire)) == 0) {
      flags |= kPersist;
    } else if (const uint32_t unit = expireOptionFlag(opt);
               unit != 0 && has_next &&
               (flags & (kKeepTtl | kPersist | (kAnyExpire & ~unit))) == 0) {
      // Each expire option excludes the other three but may repeat; the last value wins.
      flags |= unit;
      expire = {argv[j + 1], true};
      j++;
    } else {
      resp::appendError(ctx.out, kSyntaxError);
      return false;
    }
  }
  return true;
}

// Turns an EX/PX/EXAT/PXAT argument into an absolute time in ms with checked arithmetic:
// zero, negative and any value whose conversion or addition would overflow are rejected
// rather than stored wrapped (case 25).
bool expireAtMsOrReply(CommandContext& ctx, const ExpireArg& expire, uint32_t flags,
                       int64_t& when_ms) {
  int64_t value = 0;
  if (!parseInt64OrReply(ctx, expire.text, value)) {
    return false;
  }
  const bool seconds = (flags & (kEx | kExAt)) != 0;
  if (value <= 0 || (seconds && value > INT64_MAX / 1000)) {
    replyExpireTimeError(ctx);
    return false;
  }
  if (seconds) {
    value *= 1000;
  }
  if ((flags & (kEx | kPx)) != 0) {
    const int64_t now = ctx.keyspace.nowMs();
    if (value > INT64_MAX - now) {
      replyExpireTimeError(ctx);
      return false;
    }
    value += now;
  }
  when_ms = value;
  return true;
}

// Replies with the string at key (GET semantics). False if the key holds another type.
bool replyGet(CommandContext& ctx, const Keyspace::Item* item) {
  if (item == nullptr) {
    resp::appendNull(ctx.out);
    return true;
  }
  const std::string* value = stringOf(item);
  if (value == nullptr) {
    resp::appendError(ctx.out, kWrongTypeError);
    return false;
  }
  resp::appendBulk(ctx.out, *value);
  return true;
}

// The body shared by SET, SETNX, SETEX and PSETEX (Redis's setGenericCommand).
void setGeneric(CommandContext& ctx, uint32_t flags, std::string_view key, std::string_view value,
                const ExpireArg& expire, bool integer_replies) {
  int64_t when_ms = 0;
  if (expire.present && !expireAtMsOrReply(ctx, expire, flags, when_ms)) {
    return;
  }
  Keyspace::Item* existing = nullptr;
  if ((flags & kSetGet) != 0) {
    existing = ctx.keyspace.lookupRead(key);
    if (!replyGet(ctx, existing)) {
      return;
    }
  } else {
    existing = ctx.keyspace.lookupWrite(key);
  }
  const bool found = existing != nullptr;
  if (((flags & kSetNx) != 0 && found) || ((flags & kSetXx) != 0 && !found)) {
    if ((flags & kSetGet) == 0) {
      integer_replies ? resp::appendInteger(ctx.out, 0) : resp::appendNull(ctx.out);
    }
    return;
  }
  Keyspace::Item& item = ctx.keyspace.setString(key, value, (flags & kKeepTtl) != 0);
  if (expire.present) {
    ctx.keyspace.setExpire(item, when_ms);
  }
  if ((flags & kSetGet) == 0) {
    integer_replies ? resp::appendInteger(ctx.out, 1) : resp::appendStatus(ctx.out, "OK");
  }
}

// INCR, DECR, INCRBY and DECRBY: the stored string must be a Redis integer; the TTL is kept.
void incrDecr(CommandContext& ctx, int64_t increment) {
  Keyspace::Item* item = ctx.keyspace.lookupWrite(ctx.argv[1]);
  int64_t value = 0;
  if (item != nullptr) {
    const std::string* current = stringOf(item);
    if (current == nullptr) {
      resp::appendError(ctx.out, kWrongTypeError);
      return;
    }
    if (!parseInt64OrReply(ctx, *current, value)) {
      return;
    }
  }
  if ((increment < 0 && value < 0 && increment < INT64_MIN - value) ||
      (increment > 0 && value > 0 && increment > INT64_MAX - value)) {
    resp::appendError(ctx.out, "ERR increment or decrement would overflow");
    return;
  }
  value += increment;
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  const std::string_view text(digits, static_cast<size_t>(end - digits));
  if (item != nullptr) {
    ctx.keyspace.replaceString(*item, text);
  } else {
    ctx.keyspace.setString(ctx.argv[1], text);
  }
  resp::appendInteger(ctx.out, value);
}

}  // namespace

void getCommand(CommandContext& ctx) {
  replyGet(ctx, ctx.keyspace.lookupRead(ctx.argv[1]));
}

void setCommand(CommandContext& ctx) {
  uint32_t flags = 0;
  ExpireArg expire;
  if (!parseSetOptions(ctx, ArgsOf::Set, flags, expire)) {
    return;
  }
  setGeneric(ctx, flags, ctx.argv[1], ctx.argv[2], expire, false);
}

void setnxCommand(CommandContext& ctx) {
  setGeneric(ctx, kSetNx, ctx.argv[1], ctx.argv[2], {}, true);
}

void setexCommand(CommandContext& ctx) {
  setGeneric(ctx, kEx, ctx.argv[1], ctx.argv[3], {ctx.argv[2], true}, false);
}

void psetexCommand(CommandContext& ctx) {
  setGeneric(ctx, kPx, ctx.argv[1], ctx.argv[3], {ctx.argv[2], true}, false);
}

void getsetCommand(CommandContext& ctx) {
  // SET key value GET, TTL cleared: Redis's GETSET is GET followed by a plain SET.
  setGeneric(ctx, kSetGet, ctx.argv[1], ctx.argv[2], {}, false);
}

void getexCommand(CommandContext& ctx) {
  uint32_t flags = 0;
  ExpireArg expire;
  if (!parseSetOptions(ctx, ArgsOf::GetEx, flags, expire)) {
    return;
  }
  Keyspace::Item* item = ctx.keyspace.lookupRead(ctx.argv[1]);
  if (item == nullptr) {
    resp::appendNull(ctx.out);
    return;
  }
  if (stringOf(item) == nullptr) {
    resp::appendError(ctx.out, kWrongTypeError);
    return;
  }
  int64_t when_ms = 0;
  if (expire.present && !expireAtMsOrReply(ctx, expire, flags, when_ms)) {
    return;
  }
  resp::appendBulk(ctx.out, *stringOf(item));
  if (expire.present && (flags & (kExAt | kPxAt)) != 0 && when_ms <= ctx.keyspace.nowMs()) {
    ctx.keyspace.erase(*item);  // an absolute time already past deletes, as Redis does
  } else if (expire.present) {
    ctx.keyspace.setExpire(*item, when_ms);
  } else if ((flags & kPersist) != 0) {
    ctx.keyspace.persist(*item);
  }
}

void getdelCommand(CommandContext& ctx) {
  Keyspace::Item* item = ctx.keyspace.lookupRead(ctx.argv[1]);
  if (replyGet(ctx, item) && item != nullptr) {
    ctx.keyspace.erase(*item);
  }
}

void mgetCommand(CommandContext& ctx) {
  resp::appendArrayHeader(ctx.out, static_cast<int64_t>(ctx.argv.size() - 1));
  for (size_t j = 1; j < ctx.argv.size(); j++) {
    const std::string* value = stringOf(ctx.keyspace.lookupRead(ctx.argv[j]));
    if (value == nullptr) {
      resp::appendNull(ctx.out);
    } else {
      resp::appendBulk(ctx.out, *value);
    }
  }
}

void msetCommand(CommandContext& ctx) {
  // Key/value pairs only: a trailing key without a value is an arity error (case 18), checked
  // before anything is written so a malformed MSET changes nothing.
  if (ctx.argv.size() % 2 == 0) {
    replyArityError(ctx.out, ctx.spec.name);
    return;
  }
  for (size_t j = 1; j < ctx.argv.size(); j += 2) {
    ctx.keyspace.setString(ctx.argv[j], ctx.argv[j + 1]);
  }
  resp::appendStatus(ctx.out, "OK");
}

void msetnxCommand(CommandContext& ctx) {
  if (ctx.argv.size() % 2 == 0) {
    replyArityError(ctx.out, ctx.spec.name);
    return;
  }
  for (size_t j = 1; j < ctx.argv.size(); j += 2) {
    if (ctx.keyspace.lookupWrite(ctx.argv[j]) != nullptr) {
      resp::appendInteger(ctx.out, 0);
      return;
    }
  }
  for (size_t j = 1; j < ctx.argv.size(); j += 2) {
    ctx.keyspace.setString(ctx.argv[j], ctx.argv[j + 1]);
  }
  resp::appendInteger(ctx.out, 1);
}

void incrCommand(CommandContext& ctx) {
  incrDecr(ctx, 1);
}

void incrbyfloatCommand(CommandContext& ctx) {
  Keyspace::Item* item = ctx.keyspace.lookupWrite(ctx.argv[1]);
  const std::string* current = stringOf(item);
  if (item != nullptr && current == nullptr) {
    resp::appendError(ctx.out, kWrongTypeError);
    return;
  }
  long double value = 0;
  long double increment = 0;
  if ((current != nullptr && !parseLongDouble(*current, value)) ||
      !parseLongDouble(ctx.argv[2], increment)) {
    resp::appendError(ctx.out, "ERR value is not a valid float");
    return;
  }
  value += increment;
  if (std::isnan(value) || std::isinf(value)) {
    resp::appendError(ctx.out, "ERR increment would produce NaN or Infinity");
    return;
  }
  const std::string text = formatLongDouble(value);
  if (item != nullptr) {
    ctx.keyspace.replaceString(*item, text);  // the TTL stays
  } else {
    ctx.keyspace.setString(ctx.argv[1], text);
  }
  resp::appendBulk(ctx.out, text);
}

void decrCommand(CommandContext& ctx) {
  incrDecr(ctx, -1);
}

void incrbyCommand(CommandContext& ctx) {
  int64_t increment = 0;
  if (parseInt64OrReply(ctx, ctx.argv[2], increment)) {
    incrDecr(ctx, increment);
  }
}

void decrbyCommand(CommandContext& ctx) {
  int64_t decrement = 0;
  if (!parseInt64OrReply(ctx, ctx.argv[2], decrement)) {
    return;
  }
  if (decrement == INT64_MIN) {
    resp::appendError(ctx.out, "ERR decrement would overflow");
    return;
  }
  incrDecr(ctx, -decrement);
}

void appendCommand(CommandContext& ctx) {
  Keyspace::Item* item = ctx.keyspace.lookupWrite(ctx.argv[1]);
  const std::string& suffix = ctx.argv[2];
  if (item == nullptr) {
    ctx.keyspace.setString(ctx.argv[1], suffix);
    resp::appendInteger(ctx.out, static_cast<int64_t>(suffix.size()));
    return;
  }
  const std::string* current = stringOf(item);
  if (current == nullptr) {
    resp::appendError(ctx.out, kWrongTypeError);
    return;
  }
  if (current->size() + suffix.size() > kMaxStringLength) {
    resp::appendError(ctx.out, kMaxSizeError);
    return;
  }
  ctx.keyspace.appendString(*item, suffix);
  resp::appendInteger(ctx.out, static_cast<int64_t>(current->size()));
}

void strlenCommand(CommandContext& ctx) {
  Keyspace::Item* item = ctx.keyspace.lookupRead(ctx.argv[1]);
  if (item == nullptr) {
    resp::appendInteger(ctx.out, 0);
    return;
  }
  const std::string* value = stringOf(item);
  if (value == nullptr) {
    resp::appendError(ctx.out, kWrongTypeError);
    return;
  }
  resp::appendInteger(ctx.out, static_cast<int64_t>(value->size()));
}

void getrangeCommand(CommandContext& ctx) {
  int64_t start = 0;
  int64_t end = 0;
  if (!parseInt64OrReply(ctx, ctx.argv[2], start) || !parseInt64OrReply(ctx, ctx.argv[3], end)) {
    return;
  }
  Keyspace::Item* item = ctx.keyspace.lookupRead(ctx.argv[1]);
  if (item == nullptr) {
    resp::appendBulk(ctx.out, "");
    return;
  }
  const std::string* value = stringOf(item);
  if (value == nullptr) {
    resp::appendError(ctx.out, kWrongTypeError);
    return;
  }
  const auto length = static_cast<int64_t>(value->size());
  // Both ends negative and crossed is empty before clamping, as in Redis 7.
  if (start < 0 && end < 0 && start > end) {
    resp::appendBulk(ctx.out, "");
    return;
  }
  start = std::max<int64_t>(start < 0 ? length + start : start, 0);
  end = std::max<int64_t>(end < 0 ? length + end : end, 0);
  end = std::min(end, length - 1);
  if (start > end || length == 0) {
    resp::appendBulk(ctx.out, "");
    return;
  }
  resp::appendBulk(ctx.out, std::string_view(*value).substr(static_cast<size_t>(start),
                                                            static_cast<size_t>(end - start + 1)));
}

void setrangeCommand(CommandContext& ctx) {
  int64_t offset = 0;
  if (!parseInt64OrReply(ctx, ctx.argv[2], offset)) {
    return;
  }
  if (offset < 0) {
    resp::appendError(ctx.out, "ERR offset is out of range");
    return;
  }
  const std::string& patch = ctx.argv[3];
  Keyspace::Item* item = ctx.keyspace.lookupWrite(ctx.argv[1]);
  const std::string* current = stringOf(item);
  if (item != nullptr && current == nullptr) {
    resp::appendError(ctx.out, kWrongTypeError);
    return;
  }
  // An empty patch changes nothing and creates nothing, whatever the offset.
  if (patch.empty()) {
    resp::appendInteger(ctx.out, current == nullptr ? 0 : static_cast<int64_t>(current->size()));
    return;
  }
  if (static_cast<uint64_t>(offset) > kMaxStringLength ||
      static_cast<uint64_t>(offset) + patch.size() > kMaxStringLength) {
    resp::appendError(ctx.out, kMaxSizeError);
    return;
  }
  const auto at = static_cast<size_t>(offset);
  std::string updated = current == nullptr ? std::string() : *current;
  if (updated.size() < at + patch.size()) {
    updated.resize(at + patch.size(), '\0');
  }
  updated.replace(at, patch.size(), patch);
  if (item != nullptr) {
    ctx.keyspace.replaceString(*item, updated);
  } else {
    ctx.keyspace.setString(ctx.argv[1], updated);
  }
  resp::appendInteger(ctx.out, static_cast<int64_t>(updated.size()));
}

}  // namespace strata::cache::node
