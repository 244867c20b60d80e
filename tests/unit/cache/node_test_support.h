// Test support for the cache node's unit tests: a command harness that feeds argv to the
// command table against a keyspace on a manual clock and returns the raw RESP reply bytes.
#pragma once

#include <initializer_list>
#include <string>

#include "cache/node/clock.h"
#include "cache/node/command.h"
#include "cache/node/keyspace.h"

namespace strata::cache::node::testing {

class CommandHarness {
 public:
  CommandHarness() : keyspace(clock) { stats.start_time_ms = clock.nowMs(); }

  // Runs one command and returns exactly the bytes it replied.
  std::string run(std::initializer_list<std::string> args) {
    Argv argv(args);
    std::string out;
    table.dispatch(keyspace, stats, client, argv, out);
    return out;
  }

  ManualClock clock;
  Keyspace keyspace;
  ServerStats stats;
  ClientState client;
  CommandTable table;
};

inline std::string err(const std::string& text) {
  return "-" + text + "\r\n";
}
inline std::string integer(long long value) {
  return ":" + std::to_string(value) + "\r\n";
}
inline std::string bulk(const std::string& value) {
  return "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
}
inline const std::string kOk = "+OK\r\n";
inline const std::string kNil = "$-1\r\n";

}  // namespace strata::cache::node::testing
