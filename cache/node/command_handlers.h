// Internal to the command table: the handler of every command (one function per command, as
// Redis's t_string.c / expire.c / server.c arrange them) and the argument helpers they share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cache/node/command.h"

namespace strata::cache::node {

inline constexpr std::string_view kSyntaxError = "ERR syntax error";
inline constexpr std::string_view kNotIntegerError = "ERR value is not an integer or out of range";
inline constexpr std::string_view kWrongTypeError =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

// Redis's string2ll: an optional '-', then digits with no leading zero, no sign '+', no
// spaces, at most 20 characters, within int64. Anything else is not an integer.
bool parseInt64(std::string_view text, int64_t& value);
// parseInt64, replying "ERR value is not an integer or out of range" on failure.
bool parseInt64OrReply(CommandContext& ctx, std::string_view text, int64_t& value);

bool equalsIgnoreCase(std::string_view a, std::string_view b);

// Client text as Redis reads it wherever it treats an argument as a C string: inside error
// messages (printf's %s) and when comparing option keywords (strcasecmp), both of which stop
// at the first NUL byte. So "x\0y" is echoed as "x", and "NX\0junk" is the option NX. Keys,
// values and numbers are binary-safe and must not go through this.
inline std::string_view untilNul(std::string_view text) {
  return text.substr(0, text.find('\0'));
}

// Appends an error built from client text the way Redis's addReplyErrorFormat sends it: CR
// and LF are trimmed from both ends of the message, and those left inside become spaces.
void replyFormattedError(std::string& out, std::string_view message);

void replyArityError(std::string& out, std::string_view command_name);
// "ERR invalid expire time in '<command>' command".
void replyExpireTimeError(CommandContext& ctx);

// The string held by an item, or null if the item is absent or holds another type.
inline const std::string* stringOf(const Keyspace::Item* item) {
  return item == nullptr ? nullptr : std::get_if<std::string>(&item->second.value);
}

// Connection and server (server_commands.cc).
void pingCommand(CommandContext& ctx);
void echoCommand(CommandContext& ctx);
void selectCommand(CommandContext& ctx);
void quitCommand(CommandContext& ctx);
void dbsizeCommand(CommandContext& ctx);
void flushallCommand(CommandContext& ctx);
void infoCommand(CommandContext& ctx);
void commandCommand(CommandContext& ctx);
void commandCountCommand(CommandContext& ctx);
void commandDocsCommand(CommandContext& ctx);
void commandInfoCommand(CommandContext& ctx);
void commandListCommand(CommandContext& ctx);
void configGetCommand(CommandContext& ctx);
void configResetStatCommand(CommandContext& ctx);
void clientSetNameCommand(CommandContext& ctx);
void clientGetNameCommand(CommandContext& ctx);
void clientIdCommand(CommandContext& ctx);

// Generic keyspace and expiry (keyspace_commands.cc).
void delCommand(CommandContext& ctx);
void existsCommand(CommandContext& ctx);
void typeCommand(CommandContext& ctx);
void expireCommand(CommandContext& ctx);
void pexpireCommand(CommandContext& ctx);
void expireatCommand(CommandContext& ctx);
void pexpireatCommand(CommandContext& ctx);
void ttlCommand(CommandContext& ctx);
void pttlCommand(CommandContext& ctx);
void expiretimeCommand(CommandContext& ctx);
void pexpiretimeCommand(CommandContext& ctx);
void persistCommand(CommandContext& ctx);
void renameCommand(CommandContext& ctx);
void renamenxCommand(CommandContext& ctx);
void touchCommand(CommandContext& ctx);
void randomkeyCommand(CommandContext& ctx);
void keysCommand(CommandContext& ctx);
void scanCommand(CommandContext& ctx);

// Strings (string_commands.cc).
void getCommand(CommandContext& ctx);
void setCommand(CommandContext& ctx);
void setnxCommand(CommandContext& ctx);
void setexCommand(CommandContext& ctx);
void psetexCommand(CommandContext& ctx);
void getexCommand(CommandContext& ctx);
void getdelCommand(CommandContext& ctx);
void mgetCommand(CommandContext& ctx);
void msetCommand(CommandContext& ctx);
void msetnxCommand(CommandContext& ctx);
void incrCommand(CommandContext& ctx);
void decrCommand(CommandContext& ctx);
void incrbyCommand(CommandContext& ctx);
void decrbyCommand(CommandContext& ctx);
void appendCommand(CommandContext& ctx);
void strlenCommand(CommandContext& ctx);
void getsetCommand(CommandContext& ctx);
void getrangeCommand(CommandContext& ctx);
void setrangeCommand(CommandContext& ctx);
void incrbyfloatCommand(CommandContext& ctx);

}  // namespace strata::cache::node
