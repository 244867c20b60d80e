// Logger set-up: stderr, thread id in each line so worker activity can be told apart.
#include "core/log/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace strata::core {

void initLogging(std::string_view level) {
  auto logger = spdlog::get("strata");
  if (!logger) {
    logger = spdlog::stderr_color_mt("strata");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%t] %v");
    spdlog::set_default_logger(logger);
  }
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
}

}  // namespace strata::core
