// YAML config loading with line-numbered diagnostics: loads a file into a YAML::Node and offers
// typed field readers that report every problem as "file:line: message" into one Diagnostics
// list, so a config check shows all errors at once instead of the first one.
//
// Modules keep their typed config structs and parse() functions to themselves (gateway/config.h,
// cache ...); this file only knows YAML, units and addresses.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/event/address.h"

namespace strata::core::config {

// Collects errors for one config file. Each entry is already formatted "file:line: message".
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  // Records a problem at the node's position (the file name alone when the node has none,
  // for example a default that the loader synthesised).
  void error(const YAML::Node& at, std::string_view message);
  void error(const YAML::Mark& at, std::string_view message);
  // Records a problem at a 1-based line remembered earlier (0: no line).
  void errorAtLine(int line, std::string_view message);
  // Records an already formatted line ("file:line: message"), e.g. from a plugin's parser.
  void addFormatted(std::string line);
  // Takes every line of an Error's context (a plugin parser may report several at once).
  void addError(const Error& error);

  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  // A ConfigInvalid error whose context is every message, one per line.
  Error toError() const;

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

// Parses a YAML file. Syntax errors come back as ConfigInvalid "file:line:col: message".
Result<YAML::Node> loadFile(const std::string& path);
// Parses YAML text; `name` stands in for the file name in messages.
Result<YAML::Node> loadString(std::string_view text, const std::string& name);

// 1-based line of a node, or 0 when the node carries no position.
int lineOf(const YAML::Node& node);

// Unit parsers, usable on their own (tests, CLI flags). Messages do not carry positions.
// Durations: "250ms", "5s", "1m", "2h", or a bare integer meaning seconds. Result in ms.
Result<uint64_t> parseDurationMs(std::string_view text);
// Sizes: "1048576", "512KiB", "1MiB", "2GiB" (also "KB"/"MB"/"GB" as powers of 1000).
Result<uint64_t> parseSize(std::string_view text);

// Reads the fields of one YAML mapping, reporting missing, mistyped and unknown keys through
// the Diagnostics. Every reader returns nullopt after reporting a problem (or when an optional
// key is absent), so callers can keep going and collect further errors.
class MapReader {
 public:
  // `what` names the mapping in messages ("cluster", "listener 'public'"). A node that is not a
  // mapping is reported once and every read then returns nullopt.
  MapReader(const YAML::Node& node, std::string what, Diagnostics& diag);

  bool valid() const { return valid_; }
  const YAML::Node& node() const { return node_; }
  const std::string& what() const { return what_; }

  // Reports each key not in `allowed` ("unknown key 'endpionts' in cluster (expected one of:
  // ...)") and each key given twice. Returns true if all keys were acceptable.
  bool allowOnly(std::initializer_list<std::string_view> allowed);
  bool allowOnly(const std::vector<std::string>& allowed);

  bool has(std::string_view key) const;
  // The raw child (undefined node when absent).
  YAML::Node child(std::string_view key) const;
  // Reports "missing required key 'k' in <what>" and returns false when absent.
  bool require(std::string_view key);

  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max,
                                 bool required = false);
  std::optional<bool> boolean(std::string_view key, bool required = false);
  std::optional<uint64_t> durationMs(std::string_view key, bool required = false);
  std::optional<uint64_t> size(std::string_view key, bool required = false);
  // A "host:port" address; allow_port_zero permits ":0" (listen on an ephemeral port).
  std::optional<SocketAddress> address(std::string_view key, bool allow_port_zero,
                                       bool required = false);

 private:
  YAML::Node node_;
  std::string what_;
  Diagnostics& diag_;
  bool valid_ = false;
};

// Scalar readers for nodes that are not mapping fields (sequence elements). `what` names the
// value in messages ("endpoint").
std::optional<std::string> readString(const YAML::Node& node, std::string_view what,
                                      Diagnostics& diag);
std::optional<SocketAddress> readAddress(const YAML::Node& node, std::string_view what,
                                         bool allow_port_zero, Diagnostics& diag);

// Reports a node that should be a sequence and returns false when it is not.
bool expectSequence(const YAML::Node& node, std::string_view what, Diagnostics& diag);

}  // namespace strata::core::config
