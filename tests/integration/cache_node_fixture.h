// A GoogleTest fixture that runs one `strata cache-node` on a free loopback port for each test
// and stops it afterwards (tests may stop it themselves to check the exit).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "tests/support/process.h"

namespace strata::testing {

class CacheNodeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = freePort();
    node_ = ChildProcess({STRATA_BINARY, "cache-node", "--port", std::to_string(port_)},
                         dir_.file("cache-node.log"));
    ASSERT_TRUE(waitForPort(port_)) << node_.log();
  }

  void TearDown() override {
    if (node_.pid() > 0 && node_.running()) {
      node_.stop();
    }
  }

  TempDir dir_;
  uint16_t port_ = 0;
  ChildProcess node_;
};

}  // namespace strata::testing
