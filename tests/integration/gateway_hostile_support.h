// Shared pieces of the gateway's hostile-peer integration tests: an upstream script that answers
// every request and logs what it saw, and a fixture that runs `strata gateway` in front of one
// scripted upstream.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/gateway_fixture.h"
#include "tests/integration/gateway_test_client.h"
#include "tests/support/process.h"

namespace strata::testing::hostile {

inline constexpr auto kWait = kScriptWait;

// Every request head an upstream script saw, in order, readable from the test thread.
class HeadLog {
 public:
  void add(std::string head) {
    std::lock_guard<std::mutex> lock(mutex_);
    heads_.push_back(std::move(head));
  }
  std::vector<std::string> heads() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return heads_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return heads_.size();
  }
  // Waits until no head arrived for `quiet` (or `limit` passed); returns the count.
  size_t settle(std::chrono::milliseconds quiet, std::chrono::milliseconds limit) const {
    const auto deadline = Clock::now() + limit;
    size_t last = size();
    auto last_change = Clock::now();
    while (Clock::now() < deadline && Clock::now() - last_change < quiet) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const size_t now = size();
      if (now != last) {
        last = now;
        last_change = Clock::now();
      }
    }
    return last;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> heads_;
};

// An upstream connection that answers every request head with `respond(index, head)` until the
// gateway closes it or goes quiet for `idle`.
inline ScriptedUpstream::Script answerAll(
    HeadLog& log, std::function<std::string(size_t, const std::string&)> respond,
    Clock::duration idle = kWait) {
  return [&log, respond = std::move(respond), idle](SocketIo& io) {
    for (size_t i = 0;; ++i) {
      const std::string head = readHead(io, idle);
      if (head.empty()) {
        return;
      }
      log.add(head);
      if (!io.send(respond(i, head))) {
        return;
      }
    }
  };
}

class GatewayHostileTest : public SingleUpstreamGatewayTest {
 protected:
  // One request on a fresh connection; the raw bytes the client got until the gateway closed
  // (or the deadline).
  std::string exchange(const std::string& request,
                       std::chrono::milliseconds wait = std::chrono::milliseconds(5000)) {
    RawHttpClient client(port_);
    EXPECT_TRUE(client.ok());
    client.send(request);
    return client.readUntilClose(wait);
  }

  // One request on a fresh connection; the status of the response (0 if none came).
  int statusOf(const std::string& request) {
    RawHttpClient client(port_);
    EXPECT_TRUE(client.ok());
    client.send(request);
    auto response = client.readResponse();
    return response ? response->status : 0;
  }
};

}  // namespace strata::testing::hostile
