// The explicit list of built-in filter factories the gateway registers at start. Kept as a
// plain function rather than static self-registration, which the linker may drop from a static
// library.
#pragma once

#include <memory>
#include <vector>

#include "gateway/filter.h"

namespace strata::plugins {

// Every built-in filter factory, in no particular order; the config's filter list picks and
// orders them by name().
std::vector<std::shared_ptr<const gateway::FilterFactory>> allFilterFactories();

}  // namespace strata::plugins
