// Process-wide logging over spdlog: one named logger, level set from the CLI or config.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace strata::core {

// Sets up the "strata" logger on stderr. Safe to call more than once; the last level wins.
void initLogging(std::string_view level = "info");

}  // namespace strata::core

#define STRATA_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define STRATA_LOG_INFO(...) ::spdlog::info(__VA_ARGS__)
#define STRATA_LOG_WARN(...) ::spdlog::warn(__VA_ARGS__)
#define STRATA_LOG_ERROR(...) ::spdlog::error(__VA_ARGS__)
