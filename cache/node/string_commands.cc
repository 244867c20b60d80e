// String commands: GET, SET and its variants, MGET/MSET, the INCR family, APPEND, STRLEN.
#include <charconv>

#include "cache/node/command_handlers.h"
#include "cache/resp/resp.h"

namespace strata::cache::node {

namespace {

// proto-max-bulk-len: APPEND may not grow a string past what one request could carry.
constexpr size_t kMaxStringLength = 512ull * 1024 * 1024;

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
    resp::appendError(ctx.out, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
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

}  // namespace strata::cache::node
