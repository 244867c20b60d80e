// The cache node's command table: one entry per command (name, arity as Redis defines it,
// flags, key positions, handler), the per-call context handlers receive, and the dispatcher
// that looks a command up, checks its arity and runs it, writing RESP2 replies.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/node/keyspace.h"

namespace strata::cache::node {

using Argv = std::vector<std::string>;

// Counters and facts the server maintains and INFO / CONFIG GET report.
struct ServerStats {
  int64_t start_time_ms = 0;  // wall clock at startup
  std::string bind = "127.0.0.1";
  uint16_t port = 0;
  uint64_t connected_clients = 0;
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t client_buffer_bytes = 0;  // query and reply buffers, refreshed by the server
  uint64_t active_expire_cycles = 0;
  // Times a client's reading was paused because its replies were not draining.
  uint64_t reads_paused = 0;
};

// Per-connection state that commands read or change.
struct ClientState {
  uint64_t id = 0;
  std::string name;
  // Set by QUIT: the server flushes the reply, then closes the connection.
  bool close_after_reply = false;
};

// Command flags, reported by COMMAND with Redis's names.
enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,
  kCmdReadOnly = 1u << 1,
  kCmdDenyOom = 1u << 2,
  kCmdAdmin = 1u << 3,
  kCmdNoScript = 1u << 4,
  kCmdLoading = 1u << 5,
  kCmdStale = 1u << 6,
  kCmdFast = 1u << 7,
  kCmdNoAuth = 1u << 8,
};

class CommandTable;
struct CommandSpec;

// Everything one command execution may touch. Built on the stack per call.
struct CommandContext {
  Keyspace& keyspace;
  ServerStats& stats;
  ClientState& client;
  const CommandTable& table;
  const CommandSpec& spec;
  const Argv& argv;
  std::string& out;  // replies are appended here
};

// A plain function pointer: no std::function and no allocation per call.
using CommandHandler = void (*)(CommandContext& ctx);

struct CommandSpec {
  std::string_view name;        // lower case, as COMMAND reports it ("get", "config|get")
  int arity;                    // N: exactly N args; -N: at least N (command name included)
  uint32_t flags;               // CommandFlag bits
  std::string_view categories;  // ACL categories, space separated ("@write @string @slow")
  int first_key;
  int last_key;
  int key_step;
  CommandHandler handler;  // null for containers called without a valid subcommand
  std::span<const CommandSpec> subcommands = {};
};

// Case-insensitive hashing so argv[0] is looked up as sent, without lower-casing a copy.
struct CommandNameHash {
  size_t operator()(std::string_view name) const;
};
struct CommandNameEqual {
  bool operator()(std::string_view a, std::string_view b) const;
};

class CommandTable {
 public:
  CommandTable();

  // Runs one command (argv non-empty), appending exactly one reply to `out`. Unknown
  // commands, unknown subcommands and arity violations get Redis's error replies.
  void dispatch(Keyspace& keyspace, ServerStats& stats, ClientState& client, const Argv& argv,
                std::string& out) const;

  // The top-level command, or null.
  const CommandSpec* find(std::string_view name) const;
  std::span<const CommandSpec> commands() const;

 private:
  using Index =
      std::unordered_map<std::string_view, const CommandSpec*, CommandNameHash, CommandNameEqual>;
  Index index_;
};

// The COMMAND reply entry for one command: name, arity, flags, first/last key, step,
// categories, tips, key specs, subcommands.
void appendCommandInfo(std::string& out, const CommandSpec& spec);

}  // namespace strata::cache::node
