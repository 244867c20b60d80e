// The command table, the dispatcher, and the argument helpers shared by the handlers.
#include <algorithm>
#include <cctype>

#include "cache/node/command.h"
#include "cache/node/command_handlers.h"
#include "cache/resp/resp.h"

namespace strata::cache::node {

namespace {

constexpr uint32_t kRead = kCmdReadOnly;
constexpr uint32_t kWrite = kCmdWrite;
constexpr uint32_t kFast = kCmdFast;
constexpr uint32_t kDenyOom = kCmdDenyOom;
constexpr uint32_t kServerInfo = kCmdLoading | kCmdStale;

const CommandSpec kCommandSubcommands[] = {
    {"command|count", 2, kServerInfo, "@slow @connection", 0, 0, 0, &commandCountCommand},
    {"command|docs", -2, kServerInfo, "@slow @connection", 0, 0, 0, &commandDocsCommand},
    {"command|info", -2, kServerInfo, "@slow @connection", 0, 0, 0, &commandInfoCommand},
    {"command|list", -2, kServerInfo, "@slow @connection", 0, 0, 0, &commandListCommand},
};

const CommandSpec kConfigSubcommands[] = {
    {"config|get", -3, kCmdAdmin | kCmdNoScript | kServerInfo, "@admin @slow @dangerous", 0, 0, 0,
     &configGetCommand},
    {"config|resetstat", 2, kCmdAdmin | kCmdNoScript | kServerInfo, "@admin @slow @dangerous", 0, 0,
     0, &configResetStatCommand},
};

const CommandSpec kClientSubcommands[] = {
    {"client|getname", 2, kCmdNoScript | kServerInfo, "@slow @connection", 0, 0, 0,
     &clientGetNameCommand},
    {"client|id", 2, kCmdNoScript | kServerInfo, "@slow @connection", 0, 0, 0, &clientIdCommand},
    {"client|setname", 3, kCmdNoScript | kServerInfo, "@slow @connection", 0, 0, 0,
     &clientSetNameCommand},
};

// Arity, flags and key positions follow Redis 7.0's command table.
const CommandSpec kCommands[] = {
    // Strings.
    {"get", 2, kRead | kFast, "@read @string @fast", 1, 1, 1, &getCommand},
    {"set", -3, kWrite | kDenyOom, "@write @string @slow", 1, 1, 1, &setCommand},
    {"setnx", 3, kWrite | kDenyOom | kFast, "@write @string @fast", 1, 1, 1, &setnxCommand},
    {"setex", 4, kWrite | kDenyOom, "@write @string @slow", 1, 1, 1, &setexCommand},
    {"psetex", 4, kWrite | kDenyOom, "@write @string @slow", 1, 1, 1, &psetexCommand},
    {"getex", -2, kWrite | kFast, "@write @string @fast", 1, 1, 1, &getexCommand},
    {"getdel", 2, kWrite | kFast, "@write @string @fast", 1, 1, 1, &getdelCommand},
    {"mget", -2, kRead | kFast, "@read @string @fast", 1, -1, 1, &mgetCommand},
    {"mset", -3, kWrite | kDenyOom, "@write @string @slow", 1, -1, 2, &msetCommand},
    {"msetnx", -3, kWrite | kDenyOom, "@write @string @slow", 1, -1, 2, &msetnxCommand},
    {"incr", 2, kWrite | kDenyOom | kFast, "@write @string @fast", 1, 1, 1, &incrCommand},
    {"decr", 2, kWrite | kDenyOom | kFast, "@write @string @fast", 1, 1, 1, &decrCommand},
    {"incrby", 3, kWrite | kDenyOom | kFast, "@write @string @fast", 1, 1, 1, &incrbyCommand},
    {"decrby", 3, kWrite | kDenyOom | kFast, "@write @string @fast", 1, 1, 1, &decrbyCommand},
    {"append", 3, kWrite | kDenyOom | kFast, "@write @string @fast", 1, 1, 1, &appendCommand},
    {"strlen", 2, kRead | kFast, "@read @string @fast", 1, 1, 1, &strlenCommand},
    {"getset", 3, kWrite | kDenyOom | kFast, "@write @string @fast", 1, 1, 1, &getsetCommand},
    {"getrange", 4, kRead, "@read @string @slow", 1, 1, 1, &getrangeCommand},
    {"setrange", 4, kWrite | kDenyOom, "@write @string @slow", 1, 1, 1, &setrangeCommand},
    {"incrbyfloat", 3, kWrite | kDenyOom | kFast, "@write @string @fast", 1, 1, 1,
     &incrbyfloatCommand},
    // Keyspace and expiry.
    {"del", -2, kWrite, "@keyspace @write @slow", 1, -1, 1, &delCommand},
    {"unlink", -2, kWrite | kFast, "@keyspace @write @fast", 1, -1, 1, &delCommand},
    {"exists", -2, kRead | kFast, "@keyspace @read @fast", 1, -1, 1, &existsCommand},
    {"type", 2, kRead | kFast, "@keyspace @read @fast", 1, 1, 1, &typeCommand},
    {"expire", -3, kWrite | kFast, "@keyspace @write @fast", 1, 1, 1, &expireCommand},
    {"pexpire", -3, kWrite | kFast, "@keyspace @write @fast", 1, 1, 1, &pexpireCommand},
    {"expireat", -3, kWrite | kFast, "@keyspace @write @fast", 1, 1, 1, &expireatCommand},
    {"pexpireat", -3, kWrite | kFast, "@keyspace @write @fast", 1, 1, 1, &pexpireatCommand},
    {"ttl", 2, kRead | kFast, "@keyspace @read @fast", 1, 1, 1, &ttlCommand},
    {"pttl", 2, kRead | kFast, "@keyspace @read @fast", 1, 1, 1, &pttlCommand},
    {"expiretime", 2, kRead | kFast, "@keyspace @read @fast", 1, 1, 1, &expiretimeCommand},
    {"pexpiretime", 2, kRead | kFast, "@keyspace @read @fast", 1, 1, 1, &pexpiretimeCommand},
    {"persist", 2, kWrite | kFast, "@keyspace @write @fast", 1, 1, 1, &persistCommand},
    {"rename", 3, kWrite, "@keyspace @write @slow", 1, 2, 1, &renameCommand},
    {"renamenx", 3, kWrite | kFast, "@keyspace @write @fast", 1, 2, 1, &renamenxCommand},
    {"touch", -2, kRead | kFast, "@keyspace @read @fast", 1, -1, 1, &touchCommand},
    {"randomkey", 1, kRead, "@keyspace @read @slow", 0, 0, 0, &randomkeyCommand},
    {"keys", 2, kRead, "@keyspace @read @slow @dangerous", 0, 0, 0, &keysCommand},
    {"scan", -2, kRead, "@keyspace @read @slow", 0, 0, 0, &scanCommand},
    {"dbsize", 1, kRead | kFast, "@keyspace @read @fast", 0, 0, 0, &dbsizeCommand},
    {"flushall", -1, kWrite, "@keyspace @write @slow @dangerous", 0, 0, 0, &flushallCommand},
    {"flushdb", -1, kWrite, "@keyspace @write @slow @dangerous", 0, 0, 0, &flushallCommand},
    // Connection and server.
    {"ping", -1, kFast, "@fast @connection", 0, 0, 0, &pingCommand},
    {"echo", 2, kFast, "@fast @connection", 0, 0, 0, &echoCommand},
    {"select", 2, kServerInfo | kFast, "@fast @connection", 0, 0, 0, &selectCommand},
    {"quit", -1, kCmdNoScript | kServerInfo | kFast | kCmdNoAuth, "@fast @connection", 0, 0, 0,
     &quitCommand},
    {"info", -1, kServerInfo, "@slow @dangerous", 0, 0, 0, &infoCommand},
    {"command", -1, kServerInfo, "@slow @connection", 0, 0, 0, &commandCommand,
     kCommandSubcommands},
    {"config", -2, 0, "@slow", 0, 0, 0, nullptr, kConfigSubcommands},
    {"client", -2, 0, "@slow", 0, 0, 0, nullptr, kClientSubcommands},
};

char lowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// The part of a subcommand's full name after '|' ("config|get" -> "get").
std::string_view shortName(const CommandSpec& spec) {
  const auto bar = spec.name.find('|');
  return bar == std::string_view::npos ? spec.name : spec.name.substr(bar + 1);
}

const CommandSpec* findSubcommand(const CommandSpec& parent, std::string_view name) {
  for (const auto& sub : parent.subcommands) {
    if (equalsIgnoreCase(shortName(sub), name)) {
      return &sub;
    }
  }
  return nullptr;
}

// Client-supplied text echoed inside an error line must not break the line.
void appendSanitized(std::string& message, std::string_view text) {
  for (char c : text) {
    message.push_back(c == '\r' || c == '\n' ? ' ' : c);
  }
}

void replyUnknownCommand(std::string& out, const Argv& argv) {
  constexpr size_t kMaxEcho = 128;
  std::string message = "ERR unknown command '";
  appendSanitized(message, untilNul(argv[0]).substr(0, kMaxEcho));
  message += "', with args beginning with: ";
  std::string args;
  for (size_t i = 1; i < argv.size() && args.size() < kMaxEcho; i++) {
    const size_t room = kMaxEcho - args.size();
    args += '\'';
    args.append(untilNul(argv[i]).substr(0, room));
    args += "' ";
  }
  appendSanitized(message, args);
  resp::appendError(out, message);
}

void replyUnknownSubcommand(std::string& out, const Argv& argv) {
  std::string message = "ERR unknown subcommand '";
  appendSanitized(message, untilNul(argv[1]).substr(0, 128));
  message += "'. Try ";
  for (char c : argv[0]) {
    message.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  message += " HELP.";
  resp::appendError(out, message);
}

bool arityOk(const CommandSpec& spec, size_t argc) {
  const auto n = static_cast<int64_t>(argc);
  return spec.arity > 0 ? n == spec.arity : n >= -static_cast<int64_t>(spec.arity);
}

void appendFlags(std::string& out, uint32_t flags) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kCmdWrite, "write"}, {kCmdReadOnly, "readonly"}, {kCmdDenyOom, "denyoom"},
      {kCmdAdmin, "admin"}, {kCmdNoScript, "noscript"}, {kCmdLoading, "loading"},
      {kCmdStale, "stale"}, {kCmdFast, "fast"},         {kCmdNoAuth, "no_auth"},
  };
  int64_t count = 0;
  for (const auto& [bit, name] : kNames) {
    count += (flags & bit) != 0 ? 1 : 0;
  }
  resp::appendArrayHeader(out, count);
  for (const auto& [bit, name] : kNames) {
    if ((flags & bit) != 0) {
      resp::appendStatus(out, name);
    }
  }
}

void appendCategories(std::string& out, std::string_view categories) {
  std::vector<std::string_view> words;
  size_t pos = 0;
  while (pos < categories.size()) {
    const size_t end = std::min(categories.find(' ', pos), categories.size());
    if (end > pos) {
      words.push_back(categories.substr(pos, end - pos));
    }
    pos = end + 1;
  }
  resp::appendArrayHeader(out, static_cast<int64_t>(words.size()));
  for (auto word : words) {
    resp::appendStatus(out, word);
  }
}

}  // namespace

size_t CommandNameHash::operator()(std::string_view name) const {
  // FNV-1a over lower-cased bytes: command names are short, so this beats copying.
  uint64_t hash = 1469598103934665603ull;
  for (char c : name) {
    hash ^= static_cast<unsigned char>(lowerAscii(c));
    hash *= 1099511628211ull;
  }
  return static_cast<size_t>(hash);
}

bool CommandNameEqual::operator()(std::string_view a, std::string_view b) const {
  return equalsIgnoreCase(a, b);
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); i++) {
    if (lowerAscii(a[i]) != lowerAscii(b[i])) {
      return false;
    }
  }
  return true;
}

bool parseInt64(std::string_view text, int64_t& value) {
  // Longer than "-9223372036854775808" cannot be a 64-bit integer.
  constexpr size_t kMaxDigits = 20;
  if (text.empty() || text.size() > kMaxDigits) {
    return false;
  }
  if (text == "0") {
    value = 0;
    return true;
  }
  size_t pos = 0;
  const bool negative = text[0] == '-';
  if (negative) {
    pos++;
  }
  if (pos == text.size() || text[pos] < '1' || text[pos] > '9') {
    return false;
  }
  uint64_t magnitude = 0;
  for (; pos < text.size(); pos++) {
    const char c = text[pos];
    if (c < '0' || c > '9') {
      return false;
    }
    const auto digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (UINT64_MAX - digit) / 10) {
      return false;
    }
    magnitude = magnitude * 10 + digit;
  }
  if (negative) {
    if (magnitude > static_cast<uint64_t>(INT64_MAX) + 1) {
      return false;
    }
    value = static_cast<int64_t>(0 - magnitude);
  } else {
    if (magnitude > static_cast<uint64_t>(INT64_MAX)) {
      return false;
    }
    value = static_cast<int64_t>(magnitude);
  }
  return true;
}

bool parseInt64OrReply(CommandContext& ctx, std::string_view text, int64_t& value) {
  if (parseInt64(text, value)) {
    return true;
  }
  resp::appendError(ctx.out, kNotIntegerError);
  return false;
}

void replyFormattedError(std::string& out, std::string_view message) {
  const size_t first = message.find_first_not_of("\r\n");
  message = first == std::string_view::npos ? std::string_view() : message.substr(first);
  message = message.substr(0, message.find_last_not_of("\r\n") + 1);
  resp::appendError(out, message);  // maps the inner CR and LF to spaces
}

void replyArityError(std::string& out, std::string_view command_name) {
  std::string message = "ERR wrong number of arguments for '";
  message.append(command_name);
  message += "' command";
  resp::appendError(out, message);
}

void replyExpireTimeError(CommandContext& ctx) {
  std::string message = "ERR invalid expire time in '";
  message.append(ctx.spec.name);
  message += "' command";
  resp::appendError(ctx.out, message);
}

CommandTable::CommandTable() {
  index_.reserve(std::size(kCommands) * 2);
  for (const auto& spec : kCommands) {
    index_.emplace(spec.name, &spec);
  }
}

const CommandSpec* CommandTable::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

std::span<const CommandSpec> CommandTable::commands() const {
  return kCommands;
}

void CommandTable::dispatch(Keyspace& keyspace, ServerStats& stats, ClientState& client,
                            const Argv& argv, std::string& out) const {
  const CommandSpec* spec = find(argv[0]);
  if (spec == nullptr) {
    replyUnknownCommand(out, argv);
    return;
  }
  // A container called with a subcommand resolves to it; alone, it runs its own handler or
  // fails its own arity (CONFIG needs a subcommand, COMMAND lists the table).
  if (!spec->subcommands.empty() && argv.size() >= 2) {
    spec = findSubcommand(*spec, argv[1]);
    if (spec == nullptr) {
      replyUnknownSubcommand(out, argv);
      return;
    }
  }
  if (!arityOk(*spec, argv.size()) || spec->handler == nullptr) {
    replyArityError(out, spec->name);
    return;
  }
  CommandContext ctx{keyspace, stats, client, *this, *spec, argv, out};
  spec->handler(ctx);
  stats.total_commands_processed++;
}

void appendCommandInfo(std::string& out, const CommandSpec& spec) {
  resp::appendArrayHeader(out, 10);
  resp::appendBulk(out, spec.name);
  resp::appendInteger(out, spec.arity);
  appendFlags(out, spec.flags);
  resp::appendInteger(out, spec.first_key);
  resp::appendInteger(out, spec.last_key);
  resp::appendInteger(out, spec.key_step);
  appendCategories(out, spec.categories);
  resp::appendArrayHeader(out, 0);  // tips
  resp::appendArrayHeader(out, 0);  // key specs: first/last/step above describe the keys
  resp::appendArrayHeader(out, static_cast<int64_t>(spec.subcommands.size()));
  for (const auto& sub : spec.subcommands) {
    appendCommandInfo(out, sub);
  }
}

}  // namespace strata::cache::node
