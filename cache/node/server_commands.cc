// Connection and server commands: PING, ECHO, SELECT, QUIT, INFO, COMMAND, CONFIG, CLIENT.
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "cache/node/command_handlers.h"
#include "cache/node/glob.h"
#include "cache/resp/resp.h"

namespace strata::cache::node {

namespace {

// Clients and libraries read redis_version to pick features; the node implements the Redis
// 7.0 command semantics it reports and adds its own version next to it.
constexpr std::string_view kCompatibleRedisVersion = "7.0.0";
constexpr std::string_view kStrataVersion = "0.1.0";
constexpr int kHz = 10;

void addLine(std::string& info, std::string_view name, std::string_view value) {
  info.append(name).append(":").append(value).append("\r\n");
}

void addLine(std::string& info, std::string_view name, uint64_t value) {
  addLine(info, name, std::to_string(value));
}

// Redis's bytesToHuman: "870B", "1.50K", "3.25M", "1.00G".
std::string bytesToHuman(uint64_t bytes) {
  char buffer[32];
  const double n = static_cast<double>(bytes);
  if (bytes < 1024) {
    std::snprintf(buffer, sizeof(buffer), "%" PRIu64 "B", bytes);
  } else if (bytes < 1024ull * 1024) {
    std::snprintf(buffer, sizeof(buffer), "%.2fK", n / 1024);
  } else if (bytes < 1024ull * 1024 * 1024) {
    std::snprintf(buffer, sizeof(buffer), "%.2fM", n / (1024 * 1024));
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.2fG", n / (1024 * 1024 * 1024));
  }
  return buffer;
}

void infoServer(CommandContext& ctx, std::string& info) {
  const int64_t uptime_s =
      std::max<int64_t>(ctx.keyspace.nowMs() - ctx.stats.start_time_ms, 0) / 1000;
  info += "# Server\r\n";
  addLine(info, "redis_version", kCompatibleRedisVersion);
  addLine(info, "strata_version", kStrataVersion);
  addLine(info, "redis_mode", "standalone");
  addLine(info, "arch_bits", sizeof(void*) * 8);
  addLine(info, "multiplexing_api", "libuv");
  addLine(info, "process_id", static_cast<uint64_t>(::getpid()));
  addLine(info, "tcp_port", ctx.stats.port);
  addLine(info, "uptime_in_seconds", static_cast<uint64_t>(uptime_s));
  addLine(info, "uptime_in_days", static_cast<uint64_t>(uptime_s / 86400));
  addLine(info, "hz", kHz);
}

void infoClients(CommandContext& ctx, std::string& info) {
  info += "# Clients\r\n";
  addLine(info, "connected_clients", ctx.stats.connected_clients);
  addLine(info, "blocked_clients", 0);
}

void infoMemory(CommandContext& ctx, std::string& info) {
  const uint64_t dataset = ctx.keyspace.usedBytes();
  const uint64_t used = dataset + ctx.stats.client_buffer_bytes;
  info += "# Memory\r\n";
  addLine(info, "used_memory", used);
  addLine(info, "used_memory_human", bytesToHuman(used));
  addLine(info, "used_memory_dataset", dataset);
  addLine(info, "maxmemory", 0);
  addLine(info, "maxmemory_policy", "noeviction");
}

void infoStats(CommandContext& ctx, std::string& info) {
  info += "# Stats\r\n";
  addLine(info, "total_connections_received", ctx.stats.total_connections_received);
  addLine(info, "total_commands_processed", ctx.stats.total_commands_processed);
  addLine(info, "total_net_input_bytes", ctx.stats.net_input_bytes);
  addLine(info, "total_net_output_bytes", ctx.stats.net_output_bytes);
  addLine(info, "expired_keys", ctx.keyspace.expiredKeys());
  addLine(info, "evicted_keys", 0);
  addLine(info, "keyspace_hits", ctx.keyspace.hits());
  addLine(info, "keyspace_misses", ctx.keyspace.misses());
}

void infoKeyspace(CommandContext& ctx, std::string& info) {
  info += "# Keyspace\r\n";
  // Like Redis, an empty database is left out.
  if (ctx.keyspace.size() > 0) {
    info += "db0:keys=" + std::to_string(ctx.keyspace.size()) +
            ",expires=" + std::to_string(ctx.keyspace.expiresSize()) + ",avg_ttl=0\r\n";
  }
}

struct InfoSection {
  std::string_view name;
  void (*write)(CommandContext&, std::string&);
};

constexpr InfoSection kInfoSections[] = {
    {"server", &infoServer}, {"clients", &infoClients},   {"memory", &infoMemory},
    {"stats", &infoStats},   {"keyspace", &infoKeyspace},
};

// The configuration CONFIG GET reports. redis-benchmark reads "save" and "appendonly" at start;
// the node keeps no persistence, which both values say.
struct ConfigParam {
  std::string_view name;
  std::string (*value)(const ServerStats&);
};

const ConfigParam kConfigParams[] = {
    {"appendonly", [](const ServerStats&) { return std::string("no"); }},
    {"bind", [](const ServerStats& s) { return s.bind; }},
    {"databases", [](const ServerStats&) { return std::string("1"); }},
    {"hz", [](const ServerStats&) { return std::to_string(kHz); }},
    {"maxmemory", [](const ServerStats&) { return std::string("0"); }},
    {"maxmemory-policy", [](const ServerStats&) { return std::string("noeviction"); }},
    {"port", [](const ServerStats& s) { return std::to_string(s.port); }},
    {"proto-max-bulk-len", [](const ServerStats&) { return std::string("536870912"); }},
    {"save", [](const ServerStats&) { return std::string(); }},
    {"timeout", [](const ServerStats&) { return std::string("0"); }},
};

// ACL categories are compared case-insensitively, as Redis looks them up ("STRING" = "string").
bool hasCategory(const CommandSpec& spec, std::string_view category) {
  size_t pos = 0;
  while (pos < spec.categories.size()) {
    const size_t end = std::min(spec.categories.find(' ', pos), spec.categories.size());
    const std::string_view word = spec.categories.substr(pos, end - pos);
    if (word.size() == category.size() + 1 && word[0] == '@' &&
        equalsIgnoreCase(word.substr(1), category)) {
      return true;
    }
    pos = end + 1;
  }
  return false;
}

}  // namespace

void pingCommand(CommandContext& ctx) {
  if (ctx.argv.size() > 2) {
    replyArityError(ctx.out, ctx.spec.name);
  } else if (ctx.argv.size() == 2) {
    resp::appendBulk(ctx.out, ctx.argv[1]);
  } else {
    resp::appendStatus(ctx.out, "PONG");
  }
}

void echoCommand(CommandContext& ctx) {
  resp::appendBulk(ctx.out, ctx.argv[1]);
}

void selectCommand(CommandContext& ctx) {
  int64_t index = 0;
  if (!parseInt64(ctx.argv[1], index)) {
    resp::appendError(ctx.out, kNotIntegerError);
  } else if (index < INT32_MIN || index > INT32_MAX) {
    resp::appendError(ctx.out,
                      "ERR value is out of range, value must between -2147483648 and 2147483647");
  } else if (index != 0) {
    resp::appendError(ctx.out, "ERR DB index is out of range");
  } else {
    resp::appendStatus(ctx.out, "OK");
  }
}

void quitCommand(CommandContext& ctx) {
  ctx.client.close_after_reply = true;
  resp::appendStatus(ctx.out, "OK");
}

void infoCommand(CommandContext& ctx) {
  bool all = ctx.argv.size() == 1;
  // Section names compare as C strings, as Redis reads them.
  for (size_t j = 1; j < ctx.argv.size(); j++) {
    const std::string_view arg = untilNul(ctx.argv[j]);
    all = all || equalsIgnoreCase(arg, "all") || equalsIgnoreCase(arg, "default") ||
          equalsIgnoreCase(arg, "everything");
  }
  std::string info;
  for (const auto& section : kInfoSections) {
    bool wanted = all;
    for (size_t j = 1; j < ctx.argv.size() && !wanted; j++) {
      wanted = equalsIgnoreCase(untilNul(ctx.argv[j]), section.name);
    }
    if (!wanted) {
      continue;
    }
    if (!info.empty()) {
      info += "\r\n";
    }
    section.write(ctx, info);
  }
  resp::appendBulk(ctx.out, info);
}

void commandCommand(CommandContext& ctx) {
  const auto commands = ctx.table.commands();
  resp::appendArrayHeader(ctx.out, static_cast<int64_t>(commands.size()));
  for (const auto& spec : commands) {
    appendCommandInfo(ctx.out, spec);
  }
}

void commandCountCommand(CommandContext& ctx) {
  resp::appendInteger(ctx.out, static_cast<int64_t>(ctx.table.commands().size()));
}

// Documentation is not kept; an empty reply makes redis-cli fall back to its built-in help.
void commandDocsCommand(CommandContext& ctx) {
  resp::appendArrayHeader(ctx.out, 0);
}

void commandInfoCommand(CommandContext& ctx) {
  if (ctx.argv.size() == 2) {
    commandCommand(ctx);
    return;
  }
  resp::appendArrayHeader(ctx.out, static_cast<int64_t>(ctx.argv.size() - 2));
  for (size_t j = 2; j < ctx.argv.size(); j++) {
    const std::string_view name = ctx.argv[j];
    const auto bar = name.find('|');
    const CommandSpec* spec = ctx.table.find(name.substr(0, bar));
    if (spec != nullptr && bar != std::string_view::npos) {
      const CommandSpec* match = nullptr;
      for (const auto& sub : spec->subcommands) {
        match = equalsIgnoreCase(sub.name, name) ? &sub : match;
      }
      spec = match;
    }
    if (spec == nullptr) {
      resp::appendNull(ctx.out);
    } else {
      appendCommandInfo(ctx.out, *spec);
    }
  }
}

void commandListCommand(CommandContext& ctx) {
  // COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]
  // Keywords and category names compare as C strings, as Redis reads them; a pattern is
  // binary-safe.
  std::string_view filter;
  std::string_view operand;
  if (ctx.argv.size() == 5 && equalsIgnoreCase(untilNul(ctx.argv[2]), "filterby")) {
    filter = untilNul(ctx.argv[3]);
    operand = ctx.argv[4];
    if (!equalsIgnoreCase(filter, "module") && !equalsIgnoreCase(filter, "aclcat") &&
        !equalsIgnoreCase(filter, "pattern")) {
      resp::appendError(ctx.out, kSyntaxError);
      return;
    }
  } else if (ctx.argv.size() != 2) {
    resp::appendError(ctx.out, kSyntaxError);
    return;
  }
  std::vector<std::string_view> names;
  GlobPattern pattern(operand, true);
  auto consider = [&](const CommandSpec& spec) {
    bool keep = filter.empty();
    if (equalsIgnoreCase(filter, "pattern")) {
      keep = pattern.matches(spec.name);
    } else if (equalsIgnoreCase(filter, "aclcat")) {
      keep = hasCategory(spec, untilNul(operand));
    }
    if (keep) {
      names.push_back(spec.name);
    }
  };
  for (const auto& spec : ctx.table.commands()) {
    consider(spec);
    for (const auto& sub : spec.subcommands) {
      consider(sub);
    }
  }
  resp::appendArrayHeader(ctx.out, static_cast<int64_t>(names.size()));
  for (auto name : names) {
    resp::appendBulk(ctx.out, name);
  }
}

// As Redis 7 decides it: an argument without glob characters (before any NUL) names one
// parameter, matched case-insensitively and binary-safe, and is reported as the client spelled
// it; a pattern is matched against every name and reports the canonical names. Each parameter
// is reported once, under the first argument that found it. (Redis's order among several
// matches follows its hash table; ours follows the arguments, then the table.)
void configGetCommand(CommandContext& ctx) {
  struct Match {
    std::string_view reported;
    const ConfigParam* param;
  };
  std::vector<Match> matched;
  auto add = [&matched](std::string_view reported, const ConfigParam& param) {
    const bool seen = std::any_of(matched.begin(), matched.end(),
                                  [&param](const Match& m) { return m.param == &param; });
    if (!seen) {
      matched.push_back({reported, &param});
    }
  };
  for (size_t j = 2; j < ctx.argv.size(); j++) {
    const std::string_view arg = ctx.argv[j];
    const std::string_view pattern = untilNul(arg);
    const bool glob = pattern.find_first_of("[*?") != std::string_view::npos;
    GlobPattern compiled(pattern, true);
    for (const auto& param : kConfigParams) {
      if (glob ? compiled.matches(param.name) : equalsIgnoreCase(arg, param.name)) {
        add(glob ? param.name : arg, param);
      }
    }
  }
  resp::appendArrayHeader(ctx.out, static_cast<int64_t>(matched.size() * 2));
  for (const Match& match : matched) {
    resp::appendBulk(ctx.out, match.reported);
    resp::appendBulk(ctx.out, match.param->value(ctx.stats));
  }
}

void configResetStatCommand(CommandContext& ctx) {
  ctx.keyspace.resetStats();
  ctx.stats.total_commands_processed = 0;
  ctx.stats.total_connections_received = 0;
  ctx.stats.net_input_bytes = 0;
  ctx.stats.net_output_bytes = 0;
  resp::appendStatus(ctx.out, "OK");
}

void clientSetNameCommand(CommandContext& ctx) {
  const std::string& name = ctx.argv[2];
  for (char c : name) {
    if (c < '!' || c > '~') {
      resp::appendError(ctx.out,
                        "ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
  }
  ctx.client.name = name;
  resp::appendStatus(ctx.out, "OK");
}

void clientGetNameCommand(CommandContext& ctx) {
  if (ctx.client.name.empty()) {
    resp::appendNull(ctx.out);
  } else {
    resp::appendBulk(ctx.out, ctx.client.name);
  }
}

void clientIdCommand(CommandContext& ctx) {
  resp::appendInteger(ctx.out, static_cast<int64_t>(ctx.client.id));
}

}  // namespace strata::cache::node
