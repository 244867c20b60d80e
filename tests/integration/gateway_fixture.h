// A GoogleTest fixture that runs `strata gateway` with one listener in front of one upstream
// (usually a ScriptedUpstream), and checks on tear-down that the gateway exits cleanly.
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "tests/support/process.h"

namespace strata::testing {

class SingleUpstreamGatewayTest : public ::testing::Test {
 protected:
  // `listener_options` and `cluster_options` are spliced into their flow mappings as written,
  // e.g. ", idle_timeout: 300ms".
  void startGateway(uint16_t upstream_port, const std::string& listener_options = "",
                    const std::string& cluster_options = "") {
    port_ = freePort();
    const uint16_t admin = freePort();
    std::string config;
    config += "workers: 1\n";
    config += "admin: { listen: 127.0.0.1:" + std::to_string(admin) + " }\n";
    config +=
        "listeners: [ { listen: 127.0.0.1:" + std::to_string(port_) + listener_options + " } ]\n";
    config += "clusters: [ { name: up, endpoints: [127.0.0.1:" + std::to_string(upstream_port) +
              "]" + cluster_options + " } ]\n";
    config += "routes: [ { name: all, cluster: up } ]\n";
    dir_.write("gateway.yaml", config);
    gateway_ = ChildProcess({STRATA_BINARY, "gateway", "--config", dir_.file("gateway.yaml")},
                            dir_.file("gateway.log"));
    ASSERT_TRUE(waitForPort(port_)) << gateway_.log();
  }

  void TearDown() override {
    if (gateway_.pid() > 0) {
      const int status = gateway_.stop(std::chrono::seconds(10));
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "gateway exit status " << status << "\n"
          << gateway_.log();
    }
  }

  TempDir dir_;
  ChildProcess gateway_;
  uint16_t port_ = 0;
};

}  // namespace strata::testing
