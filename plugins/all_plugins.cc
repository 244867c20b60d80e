// Registration list of the built-in filter factories.
#include "plugins/all_plugins.h"

#include "plugins/response_cache/factory.h"

namespace strata::plugins {

std::vector<std::shared_ptr<const gateway::FilterFactory>> allFilterFactories() {
  std::vector<std::shared_ptr<const gateway::FilterFactory>> factories;
  factories.push_back(std::make_shared<response_cache::ResponseCacheFactory>());
  return factories;
}

}  // namespace strata::plugins
