// Temporary entry points for subcommands whose modules are being built; each module's own
// command file replaces the matching function here.
#include <cstdio>

#include "cmd/commands.h"

namespace strata::cmd {

int runGateway(const std::string&, const std::string&) {
  std::fputs("strata gateway: not built yet\n", stderr);
  return 1;
}

}  // namespace strata::cmd
