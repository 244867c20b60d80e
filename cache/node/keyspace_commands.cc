// Generic keyspace commands: DEL/UNLINK, EXISTS, TYPE, the EXPIRE family, TTL/PTTL,
// EXPIRETIME/PEXPIRETIME, PERSIST, RENAME/RENAMENX, TOUCH, RANDOMKEY, KEYS and SCAN.
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <vector>

#include "cache/node/glob.h"

#include "cache/node/command_handlers.h"
#include "cache/resp/resp.h"

namespace strata::cache::node {

namespace {

enum ExpireOption : uint32_t {
  kExpireNx = 1u << 0,
  kExpireXx = 1u << 1,
  kExpireGt = 1u << 2,
  kExpireLt = 1u << 3,
};

enum class TimeUnit { Seconds, Milliseconds };

bool parseExpireOptions(CommandContext& ctx, uint32_t& options) {
  for (size_t j = 3; j < ctx.argv.size(); j++) {
    const std::string_view opt = untilNul(ctx.argv[j]);  // option names compare as C strings
    if (equalsIgnoreCase(opt, "nx")) {
      options |= kExpireNx;
    } else if (equalsIgnoreCase(opt, "xx")) {
      options |= kExpireXx;
    } else if (equalsIgnoreCase(opt, "gt")) {
      options |= kExpireGt;
    } else if (equalsIgnoreCase(opt, "lt")) {
      options |= kExpireLt;
    } else {
      // Echoed whole, as Redis does: the reply cannot outgrow the request that carried it.
      std::string message = "ERR Unsupported option ";
      message.append(opt);
      replyFormattedError(ctx.out, message);
      return false;
    }
  }
  if ((options & kExpireNx) != 0 && (options & (kExpireXx | kExpireGt | kExpireLt)) != 0) {
    resp::appendError(ctx.out,
                      "ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((options & kExpireGt) != 0 && (options & kExpireLt) != 0) {
    resp::appendError(ctx.out, "ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

// Whether NX/XX/GT/LT allow replacing `current` (kNoExpiry means persistent, which GT treats
// as infinite and LT as larger than anything).
bool expireConditionHolds(uint32_t options, int64_t current, int64_t when) {
  if ((options & kExpireNx) != 0 && current != kNoExpiry) {
    return false;
  }
  if ((options & kExpireXx) != 0 && current == kNoExpiry) {
    return false;
  }
  if ((options & kExpireGt) != 0 && (current == kNoExpiry || when <= current)) {
    return false;
  }
  if ((options & kExpireLt) != 0 && current != kNoExpiry && when >= current) {
    return false;
  }
  return true;
}

// EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT (Redis's expireGenericCommand). The TTL may be
// negative (the key is deleted), but converting to ms or adding the base time must not
// overflow: a wrapped time would silently expire the key at a random moment (case 25).
void expireGeneric(CommandContext& ctx, int64_t base_ms, TimeUnit unit) {
  uint32_t options = 0;
  if (!parseExpireOptions(ctx, options)) {
    return;
  }
  int64_t when = 0;
  if (!parseInt64OrReply(ctx, ctx.argv[2], when)) {
    return;
  }
  if (unit == TimeUnit::Seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      replyExpireTimeError(ctx);
      return;
    }
    when *= 1000;
  }
  if (when > INT64_MAX - base_ms) {
    replyExpireTimeError(ctx);
    return;
  }
  when += base_ms;
  Keyspace::Item* item = ctx.keyspace.lookupWrite(ctx.argv[1]);
  if (item == nullptr || !expireConditionHolds(options, item->second.expire_at_ms, when)) {
    resp::appendInteger(ctx.out, 0);
    return;
  }
  if (when <= ctx.keyspace.nowMs()) {
    ctx.keyspace.erase(*item);
  } else {
    ctx.keyspace.setExpire(*item, when);
  }
  resp::appendInteger(ctx.out, 1);
}

// The key's absolute expiry for TTL and EXPIRETIME and their P- forms; a missing key (-2) or
// one without expiry (-1) is answered here and yields nothing.
std::optional<int64_t> expireAtOrReply(CommandContext& ctx) {
  Keyspace::Item* item = ctx.keyspace.lookupRead(ctx.argv[1]);
  if (item == nullptr) {
    resp::appendInteger(ctx.out, -2);
    return std::nullopt;
  }
  const int64_t expire = item->second.expire_at_ms;
  if (expire == kNoExpiry) {
    resp::appendInteger(ctx.out, -1);
    return std::nullopt;
  }
  return expire;
}

void ttlGeneric(CommandContext& ctx, TimeUnit unit) {
  const std::optional<int64_t> expire_at = expireAtOrReply(ctx);
  if (!expire_at) {
    return;
  }
  const int64_t expire = *expire_at;
  const int64_t ttl = std::max<int64_t>(expire - ctx.keyspace.nowMs(), 0);
  // Seconds round to nearest, so EXPIRE k 100 reads back as 100 right after.
  resp::appendInteger(ctx.out, unit == TimeUnit::Milliseconds ? ttl : (ttl + 500) / 1000);
}

void expiretimeGeneric(CommandContext& ctx, TimeUnit unit) {
  const std::optional<int64_t> expire_at = expireAtOrReply(ctx);
  if (!expire_at) {
    return;
  }
  const int64_t expire = *expire_at;
  // Rounded to the nearest second without adding first: expire may be INT64_MAX (PEXPIREAT).
  const int64_t seconds = expire / 1000 + (expire % 1000 >= 500 ? 1 : 0);
  resp::appendInteger(ctx.out, unit == TimeUnit::Milliseconds ? expire : seconds);
}

// RENAME and RENAMENX (Redis's renameGenericCommand): the value and its TTL move to the new
// name; renaming a key to itself only checks that it exists.
void renameGeneric(CommandContext& ctx, bool nx) {
  const std::string& from = ctx.argv[1];
  const std::string& to = ctx.argv[2];
  Keyspace::Item* item = ctx.keyspace.lookupWrite(from);
  if (item == nullptr) {
    resp::appendError(ctx.out, "ERR no such key");
    return;
  }
  if (from == to) {
    nx ? resp::appendInteger(ctx.out, 0) : resp::appendStatus(ctx.out, "OK");
    return;
  }
  if (Keyspace::Item* target = ctx.keyspace.lookupWrite(to)) {
    if (nx) {
      resp::appendInteger(ctx.out, 0);
      return;
    }
    ctx.keyspace.erase(*target);
  }
  ctx.keyspace.rename(*item, to);
  nx ? resp::appendInteger(ctx.out, 1) : resp::appendStatus(ctx.out, "OK");
}

// Redis's parseScanCursorOrReply: strtoull over the argument read as a C string, so "-1"
// wraps, "" is 0 and text after a NUL is ignored; a leading space, trailing junk or a value
// past 64 bits is "ERR invalid cursor".
bool parseScanCursorOrReply(CommandContext& ctx, uint64_t& cursor) {
  const std::string text(untilNul(ctx.argv[1]));
  errno = 0;
  char* end = nullptr;
  cursor = std::strtoull(text.c_str(), &end, 10);
  if ((!text.empty() && std::isspace(static_cast<unsigned char>(text[0])) != 0) || *end != '\0' ||
      errno == ERANGE) {
    resp::appendError(ctx.out, "ERR invalid cursor");
    return false;
  }
  return true;
}

std::string_view typeName(const Value& value) {
  switch (valueType(value)) {
    case ValueType::String:
      return "string";
  }
  return "none";
}

}  // namespace

void delCommand(CommandContext& ctx) {
  int64_t deleted = 0;
  for (size_t j = 1; j < ctx.argv.size(); j++) {
    // lookupWrite first so a key whose time has passed does not count as deleted.
    if (Keyspace::Item* item = ctx.keyspace.lookupWrite(ctx.argv[j])) {
      ctx.keyspace.erase(*item);
      deleted++;
    }
  }
  resp::appendInteger(ctx.out, deleted);
}

void existsCommand(CommandContext& ctx) {
  int64_t count = 0;
  for (size_t j = 1; j < ctx.argv.size(); j++) {
    count += ctx.keyspace.lookupRead(ctx.argv[j]) != nullptr ? 1 : 0;
  }
  resp::appendInteger(ctx.out, count);
}

void typeCommand(CommandContext& ctx) {
  Keyspace::Item* item = ctx.keyspace.lookupWrite(ctx.argv[1]);
  if (item == nullptr) {
    resp::appendStatus(ctx.out, "none");
    return;
  }
  switch (valueType(item->second.value)) {
    case ValueType::String:
      resp::appendStatus(ctx.out, "string");
      return;
  }
}

void expireCommand(CommandContext& ctx) {
  expireGeneric(ctx, ctx.keyspace.nowMs(), TimeUnit::Seconds);
}

void pexpireCommand(CommandContext& ctx) {
  expireGeneric(ctx, ctx.keyspace.nowMs(), TimeUnit::Milliseconds);
}

void expireatCommand(CommandContext& ctx) {
  expireGeneric(ctx, 0, TimeUnit::Seconds);
}

void pexpireatCommand(CommandContext& ctx) {
  expireGeneric(ctx, 0, TimeUnit::Milliseconds);
}

void ttlCommand(CommandContext& ctx) {
  ttlGeneric(ctx, TimeUnit::Seconds);
}

void pttlCommand(CommandContext& ctx) {
  ttlGeneric(ctx, TimeUnit::Milliseconds);
}

void expiretimeCommand(CommandContext& ctx) {
  expiretimeGeneric(ctx, TimeUnit::Seconds);
}

void pexpiretimeCommand(CommandContext& ctx) {
  expiretimeGeneric(ctx, TimeUnit::Milliseconds);
}

void persistCommand(CommandContext& ctx) {
  Keyspace::Item* item = ctx.keyspace.lookupWrite(ctx.argv[1]);
  resp::appendInteger(ctx.out, item != nullptr && ctx.keyspace.persist(*item) ? 1 : 0);
}

void renameCommand(CommandContext& ctx) {
  renameGeneric(ctx, false);
}

void renamenxCommand(CommandContext& ctx) {
  renameGeneric(ctx, true);
}

void touchCommand(CommandContext& ctx) {
  // No access times are kept (there is no eviction), so touching is counting live keys.
  existsCommand(ctx);
}

void randomkeyCommand(CommandContext& ctx) {
  const Keyspace::Item* item = ctx.keyspace.randomItem();
  if (item == nullptr) {
    resp::appendNull(ctx.out);
  } else {
    resp::appendBulk(ctx.out, item->first);
  }
}

void keysCommand(CommandContext& ctx) {
  // The pattern is binary-safe here. "*" alone takes every key, the empty key included, which
  // the matcher on its own would not (Redis special-cases it the same way).
  const std::string& pattern = ctx.argv[1];
  const bool all = pattern == "*";
  GlobPattern glob(pattern, false);
  std::vector<const std::string*> keys;
  ctx.keyspace.forEachLive([&](const Keyspace::Item& item) {
    if (all || glob.matches(item.first)) {
      keys.push_back(&item.first);
    }
  });
  resp::appendArrayHeader(ctx.out, static_cast<int64_t>(keys.size()));
  for (const std::string* key : keys) {
    resp::appendBulk(ctx.out, *key);
  }
}

void scanCommand(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!parseScanCursorOrReply(ctx, cursor)) {
    return;
  }
  const Argv& argv = ctx.argv;
  int64_t count = 10;
  const std::string* pattern = nullptr;
  std::string_view type;
  bool has_type = false;
  for (size_t i = 2; i < argv.size(); i += 2) {
    const std::string_view opt = untilNul(argv[i]);
    const bool has_value = i + 1 < argv.size();
    if (equalsIgnoreCase(opt, "count") && has_value) {
      if (!parseInt64OrReply(ctx, argv[i + 1], count)) {
        return;
      }
      if (count < 1) {
        resp::appendError(ctx.out, kSyntaxError);
        return;
      }
    } else if (equalsIgnoreCase(opt, "match") && has_value) {
      pattern = argv[i + 1] == "*" ? nullptr : &argv[i + 1];
    } else if (equalsIgnoreCase(opt, "type") && has_value) {
      type = untilNul(argv[i + 1]);
      has_type = true;
    } else {
      resp::appendError(ctx.out, kSyntaxError);
      return;
    }
  }
  std::vector<Keyspace::Item*> visited;
  const uint64_t next = ctx.keyspace.scan(cursor, static_cast<uint64_t>(count), visited);
  // Filter after the walk: deleting an expired key must not disturb the walk itself. An
  // unknown type name matches nothing, as in Redis 7.0.
  std::vector<std::string> keys;
  std::optional<GlobPattern> glob;
  if (pattern != nullptr) {
    glob.emplace(*pattern, false);
  }
  for (Keyspace::Item* item : visited) {
    if ((glob && !glob->matches(item->first)) ||
        (has_type && !equalsIgnoreCase(type, typeName(item->second.value)))) {
      continue;
    }
    std::string key = item->first;
    if (ctx.keyspace.lookupWrite(key) != nullptr) {  // deletes the key if its time has passed
      keys.push_back(std::move(key));
    }
  }
  resp::appendArrayHeader(ctx.out, 2);
  resp::appendBulk(ctx.out, std::to_string(next));
  resp::appendArrayHeader(ctx.out, static_cast<int64_t>(keys.size()));
  for (const std::string& key : keys) {
    resp::appendBulk(ctx.out, key);
  }
}

void dbsizeCommand(CommandContext& ctx) {
  resp::appendInteger(ctx.out, static_cast<int64_t>(ctx.keyspace.size()));
}

void flushallCommand(CommandContext& ctx) {
  // SYNC and ASYNC are accepted; freeing happens inline either way for now.
  const std::string_view mode = ctx.argv.size() == 2 ? untilNul(ctx.argv[1]) : "sync";
  if (ctx.argv.size() > 2 ||
      (!equalsIgnoreCase(mode, "sync") && !equalsIgnoreCase(mode, "async"))) {
    resp::appendError(ctx.out, kSyntaxError);
    return;
  }
  ctx.keyspace.clear();
  resp::appendStatus(ctx.out, "OK");
}

}  // namespace strata::cache::node
