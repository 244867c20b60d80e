// YAML loading, unit parsing and line-numbered field readers for every module's config.
#include "core/config/loader.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace strata::core::config {

namespace {

bool isScalar(const YAML::Node& node) {
  return node.IsDefined() && node.IsScalar();
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) {
      out += ", ";
    }
    out += name;
  }
  return out;
}

// Digits only, no sign, no overflow.
std::optional<uint64_t> parseUnsigned(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// Splits "512KiB" into ("512", "KiB").
std::pair<std::string_view, std::string_view> splitNumber(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    ++i;
  }
  return {text.substr(0, i), text.substr(i)};
}

std::optional<uint64_t> multiply(uint64_t value, uint64_t factor) {
  if (factor != 0 && value > std::numeric_limits<uint64_t>::max() / factor) {
    return std::nullopt;
  }
  return value * factor;
}

}  // namespace

void Diagnostics::error(const YAML::Node& at, std::string_view message) {
  errorAtLine(lineOf(at), message);
}

void Diagnostics::error(const YAML::Mark& at, std::string_view message) {
  errorAtLine(at.is_null() ? 0 : at.line + 1, message);
}

void Diagnostics::errorAtLine(int line, std::string_view message) {
  if (line > 0) {
    errors_.push_back(file_ + ":" + std::to_string(line) + ": " + std::string(message));
  } else {
    errors_.push_back(file_ + ": " + std::string(message));
  }
}

void Diagnostics::addFormatted(std::string line) {
  errors_.push_back(std::move(line));
}

void Diagnostics::addError(const Error& error) {
  std::string_view rest(error.context);
  if (rest.empty()) {
    errors_.push_back(file_ + ": " + error.describe());
    return;
  }
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    auto line = rest.substr(0, nl);
    if (!line.empty()) {
      // Plugin parsers are asked to prefix "file:line:"; keep their text, add the file if not.
      if (line.substr(0, file_.size()) == file_) {
        errors_.emplace_back(line);
      } else {
        errors_.push_back(file_ + ": " + std::string(line));
      }
    }
    if (nl == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(nl + 1);
  }
}

Error Diagnostics::toError() const {
  // Report in file order, whatever order the sections were checked in; errors without a line
  // (a missing file, a missing required section) come first.
  auto lineNumber = [this](const std::string& entry) {
    if (entry.compare(0, file_.size(), file_) != 0 || entry.size() <= file_.size() ||
        entry[file_.size()] != ':') {
      return 0L;
    }
    return std::strtol(entry.c_str() + file_.size() + 1, nullptr, 10);
  };
  std::vector<std::string> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const std::string& a, const std::string& b) {
    return lineNumber(a) < lineNumber(b);
  });
  std::string context;
  for (const auto& line : sorted) {
    if (!context.empty()) {
      context += '\n';
    }
    context += line;
  }
  return Error::make(ErrorKind::ConfigInvalid, std::move(context));
}

Result<YAML::Node> loadString(std::string_view text, const std::string& name) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string where = name;
    if (!e.mark.is_null()) {
      where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    }
    return fail(ErrorKind::ConfigInvalid, where + ": " + e.msg);
  }
}

Result<YAML::Node> loadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorKind::ConfigInvalid, path + ": cannot open file");
  }
  std::stringstream text;
  text << in.rdbuf();
  return loadString(text.str(), path);
}

int lineOf(const YAML::Node& node) {
  if (!node.IsDefined()) {
    return 0;
  }
  const auto mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

Result<uint64_t> parseDurationMs(std::string_view text) {
  const auto [digits, unit] = splitNumber(text);
  const auto value = parseUnsigned(digits);
  if (!value) {
    return fail(ErrorKind::ConfigInvalid,
                "'" + std::string(text) + "' is not a duration (e.g. 250ms, 5s, 1m, 2h)");
  }
  uint64_t factor = 0;
  if (unit == "ms") {
    factor = 1;
  } else if (unit == "s" || unit.empty()) {
    factor = 1000;
  } else if (unit == "m") {
    factor = 60 * 1000;
  } else if (unit == "h") {
    factor = 60 * 60 * 1000;
  } else {
    return fail(ErrorKind::ConfigInvalid,
                "'" + std::string(text) + "' has an unknown duration unit (use ms, s, m, h)");
  }
  const auto ms = multiply(*value, factor);
  if (!ms) {
    return fail(ErrorKind::ConfigInvalid, "duration '" + std::string(text) + "' is too large");
  }
  return *ms;
}

Result<uint64_t> parseSize(std::string_view text) {
  const auto [digits, unit] = splitNumber(text);
  const auto value = parseUnsigned(digits);
  if (!value) {
    return fail(ErrorKind::ConfigInvalid,
                "'" + std::string(text) + "' is not a size (e.g. 1048576, 512KiB, 1MiB)");
  }
  uint64_t factor = 0;
  if (unit.empty() || unit == "B") {
    factor = 1;
  } else if (unit == "KiB") {
    factor = 1024;
  } else if (unit == "MiB") {
    factor = 1024 * 1024;
  } else if (unit == "GiB") {
    factor = 1024ull * 1024 * 1024;
  } else if (unit == "KB") {
    factor = 1000;
  } else if (unit == "MB") {
    factor = 1000 * 1000;
  } else if (unit == "GB") {
    factor = 1000ull * 1000 * 1000;
  } else {
    return fail(ErrorKind::ConfigInvalid,
                "'" + std::string(text) + "' has an unknown size unit (use KiB, MiB, GiB)");
  }
  const auto bytes = multiply(*value, factor);
  if (!bytes) {
    return fail(ErrorKind::ConfigInvalid, "size '" + std::string(text) + "' is too large");
  }
  return *bytes;
}

MapReader::MapReader(const YAML::Node& node, std::string what, Diagnostics& diag)
    : node_(node), what_(std::move(what)), diag_(diag) {
  if (!node.IsDefined() || node.IsNull()) {
    diag_.error(node, what_ + " is empty (expected a mapping)");
  } else if (!node.IsMap()) {
    diag_.error(node, what_ + " must be a mapping of key: value");
  } else {
    valid_ = true;
  }
}

bool MapReader::allowOnly(std::initializer_list<std::string_view> allowed) {
  std::vector<std::string> names;
  for (auto name : allowed) {
    names.emplace_back(name);
  }
  return allowOnly(names);
}

bool MapReader::allowOnly(const std::vector<std::string>& allowed) {
  if (!valid_) {
    return false;
  }
  bool ok = true;
  std::set<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const YAML::Node key = it->first;
    if (!isScalar(key)) {
      diag_.error(key, "keys in " + what_ + " must be plain names");
      ok = false;
      continue;
    }
    const std::string name = key.Scalar();
    bool known = false;
    for (const auto& candidate : allowed) {
      if (candidate == name) {
        known = true;
        break;
      }
    }
    if (!known) {
      diag_.error(key, "unknown key '" + name + "' in " + what_ +
                           " (expected one of: " + joinNames(allowed) + ")");
      ok = false;
    } else if (!seen.insert(name).second) {
      diag_.error(key, "key '" + name + "' appears twice in " + what_);
      ok = false;
    }
  }
  return ok;
}

bool MapReader::has(std::string_view key) const {
  return valid_ && node_[std::string(key)].IsDefined();
}

YAML::Node MapReader::child(std::string_view key) const {
  if (!valid_) {
    return YAML::Node(YAML::NodeType::Undefined);
  }
  const YAML::Node value = node_[std::string(key)];
  if (!value.IsDefined()) {
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return value;
}

bool MapReader::require(std::string_view key) {
  if (!valid_) {
    return false;
  }
  if (!has(key)) {
    diag_.error(node_, "missing required key '" + std::string(key) + "' in " + what_);
    return false;
  }
  return true;
}

std::optional<std::string> MapReader::string(std::string_view key, bool required) {
  if (required ? !require(key) : !has(key)) {
    return std::nullopt;
  }
  const YAML::Node value = child(key);
  if (!isScalar(value)) {
    diag_.error(value, "'" + std::string(key) + "' in " + what_ + " must be a string");
    return std::nullopt;
  }
  return value.Scalar();
}

std::optional<int64_t> MapReader::integer(std::string_view key, int64_t min, int64_t max,
                                          bool required) {
  auto text = string(key, required);
  if (!text) {
    return std::nullopt;
  }
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || text->empty()) {
    diag_.error(child(key), "'" + std::string(key) + "' in " + what_ +
                                " must be an integer, got '" + *text + "'");
    return std::nullopt;
  }
  if (value < min || value > max) {
    diag_.error(child(key), "'" + std::string(key) + "' in " + what_ + " must be between " +
                                std::to_string(min) + " and " + std::to_string(max) + ", got " +
                                std::to_string(value));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> MapReader::boolean(std::string_view key, bool required) {
  auto text = string(key, required);
  if (!text) {
    return std::nullopt;
  }
  if (*text == "true" || *text == "yes" || *text == "on") {
    return true;
  }
  if (*text == "false" || *text == "no" || *text == "off") {
    return false;
  }
  diag_.error(child(key), "'" + std::string(key) + "' in " + what_ +
                              " must be true or false, got '" + *text + "'");
  return std::nullopt;
}

std::optional<uint64_t> MapReader::durationMs(std::string_view key, bool required) {
  auto text = string(key, required);
  if (!text) {
    return std::nullopt;
  }
  auto ms = parseDurationMs(*text);
  if (!ms) {
    diag_.error(child(key), "'" + std::string(key) + "' in " + what_ + ": " + ms.error().context);
    return std::nullopt;
  }
  return *ms;
}

std::optional<uint64_t> MapReader::size(std::string_view key, bool required) {
  auto text = string(key, required);
  if (!text) {
    return std::nullopt;
  }
  auto bytes = parseSize(*text);
  if (!bytes) {
    diag_.error(child(key),
                "'" + std::string(key) + "' in " + what_ + ": " + bytes.error().context);
    return std::nullopt;
  }
  return *bytes;
}

std::optional<SocketAddress> MapReader::address(std::string_view key, bool allow_port_zero,
                                                bool required) {
  if (required ? !require(key) : !has(key)) {
    return std::nullopt;
  }
  return readAddress(child(key), "'" + std::string(key) + "' in " + what_, allow_port_zero, diag_);
}

std::optional<std::string> readString(const YAML::Node& node, std::string_view what,
                                      Diagnostics& diag) {
  if (!isScalar(node)) {
    diag.error(node, std::string(what) + " must be a string");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<SocketAddress> readAddress(const YAML::Node& node, std::string_view what,
                                         bool allow_port_zero, Diagnostics& diag) {
  auto text = readString(node, what, diag);
  if (!text) {
    return std::nullopt;
  }
  auto address = SocketAddress::parse(*text);
  if (!address) {
    diag.error(node, std::string(what) + ": " + address.error().context);
    return std::nullopt;
  }
  if (!allow_port_zero && address->port() == 0) {
    diag.error(node, std::string(what) + ": port 0 is not a valid port here (1-65535)");
    return std::nullopt;
  }
  return *address;
}

bool expectSequence(const YAML::Node& node, std::string_view what, Diagnostics& diag) {
  if (!node.IsDefined() || !node.IsSequence()) {
    diag.error(node, std::string(what) + " must be a list");
    return false;
  }
  return true;
}

}  // namespace strata::core::config
