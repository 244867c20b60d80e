// `strata check-config FILE`: validates a gateway config with the built-in filter factories and
// prints every problem as "file:line: message".
#include <cstdio>

#include "cmd/commands.h"
#include "gateway/config.h"
#include "plugins/all_plugins.h"

namespace strata::cmd {

int runCheckConfig(const std::string& config_path) {
  auto config = gateway::GatewayConfig::load(config_path, plugins::allFilterFactories());
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().context.c_str());
    return 1;
  }
  std::printf("%s: ok\n", config_path.c_str());
  return 0;
}

}  // namespace strata::cmd
