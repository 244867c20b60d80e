// Temporary entry points for subcommands whose modules are being built; each module's own
// command file replaces the matching function here.
#include <cstdio>

#include "cmd/commands.h"

namespace strata::cmd {

}  // namespace strata::cmd
