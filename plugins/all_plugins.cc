// Registration list of the built-in filter factories.
#include "plugins/all_plugins.h"

namespace strata::plugins {

std::vector<std::shared_ptr<const gateway::FilterFactory>> allFilterFactories() {
  std::vector<std::shared_ptr<const gateway::FilterFactory>> factories;
  // The response cache factory joins this list once its filter is built (see
  // plugins/response_cache/).
  return factories;
}

}  // namespace strata::plugins
