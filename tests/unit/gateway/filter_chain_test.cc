// Tests for the filter-chain driver, with an in-process Gateway, two recording filters and a
// scripted upstream: hook order in both directions, Pause/resume (async and inside the hook),
// respond() and fail() from different positions, and onComplete exactly once per filter per
// request, including when the client goes away while a filter holds the request.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/config/loader.h"
#include "core/event/timer.h"
#include "gateway/gateway.h"
#include "tests/integration/gateway_test_client.h"

namespace strata::gateway {
namespace {

using strata::testing::Clock;
using strata::testing::RawHttpClient;
using strata::testing::ScriptedUpstream;
using strata::testing::SocketIo;

// Events from the worker thread, read by the test thread.
class EventLog {
 public:
  void add(std::string event) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> forPath(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& e : events_) {
      if (e.find(":" + path) != std::string::npos) {
        out.push_back(e);
      }
    }
    return out;
  }
  int count(const std::string& event) {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(std::count(events_.begin(), events_.end(), event));
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> events_;
};

EventLog& eventLog() {
  static EventLog log;
  return log;
}

// Behaviour is chosen per request by a header "X-<tag>-Action", so one gateway serves every
// scenario.
class RecordingFilter : public Filter {
 public:
  explicit RecordingFilter(std::string tag) : tag_(std::move(tag)) {}

  FilterStatus onRequestHeaders(core::http::RequestHead& head, bool end_stream) override {
    path_ = std::string(head.path());
    log("req-headers" + std::string(end_stream ? "-end" : ""));
    const std::string action(head.headers.get("x-" + tag_ + "-action").value_or(""));
    head.headers.add("X-Filtered-By", tag_);
    if (action == "pause") {
      later([this] {
        log("resume");
        callbacks_->resume();
      });
      return FilterStatus::Pause;
    }
    if (action == "resume-sync") {
      callbacks_->resume();
      return FilterStatus::Pause;
    }
    if (action == "respond") {
      respond();
      return FilterStatus::Pause;
    }
    if (action == "respond-interim") {
      core::http::ResponseHead interim;
      interim.status = 103;
      callbacks_->respond(std::move(interim), "early");
      return FilterStatus::Pause;
    }
    if (action == "respond-async") {
      later([this] { respond(); });
      return FilterStatus::Pause;
    }
    if (action == "fail") {
      callbacks_->fail(core::Error::make(core::ErrorKind::RateLimited, "test limit"));
      return FilterStatus::Pause;
    }
    if (action == "hold") {
      return FilterStatus::Pause;  // never resumes: only the client going away ends this
    }
    return FilterStatus::Continue;
  }

  FilterStatus onRequestBody(std::string& chunk, bool end_stream) override {
    body_seen_ += chunk;
    if (end_stream) {
      log("req-body:" + body_seen_);
    }
    return FilterStatus::Continue;
  }

  FilterStatus onResponseHeaders(core::http::ResponseHead& head, bool) override {
    log("resp-headers");
    head.headers.add("X-Seen-By", tag_);
    return FilterStatus::Continue;
  }

  FilterStatus onResponseBody(std::string& chunk, bool end_stream) override {
    for (auto& c : chunk) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (end_stream) {
      log("resp-end");
    }
    return FilterStatus::Continue;
  }

  void onComplete(const RequestOutcome& outcome) override {
    log("complete status=" + std::to_string(outcome.status) +
        " upstream=" + std::to_string(outcome.upstream_reached) + " reset=" +
        std::to_string(outcome.downstream_reset) + " complete=" + std::to_string(outcome.complete));
  }

 private:
  void log(const std::string& what) { eventLog().add(tag_ + ":" + path_ + " " + what); }

  void later(std::function<void()> fn) {
    timer_ = std::make_unique<core::Timer>(callbacks_->loop());
    timer_->start(5, std::move(fn));
  }

  void respond() {
    core::http::ResponseHead head;
    head.status = 203;
    head.headers.add("Content-Type", "text/plain");
    callbacks_->respond(std::move(head), "from " + tag_);
  }

  std::string tag_;
  std::string path_;
  std::string body_seen_;
  std::unique_ptr<core::Timer> timer_;
};

class RecordingWorkerFactory : public WorkerFilterFactory {
 public:
  explicit RecordingWorkerFactory(std::string tag) : tag_(std::move(tag)) {}
  std::unique_ptr<Filter> createFilter(const RouteEntry& route) override {
    if (route.name == "unfiltered") {
      return nullptr;
    }
    return std::make_unique<RecordingFilter>(tag_);
  }

 private:
  std::string tag_;
};

class RecordingFactory : public FilterFactory {
 public:
  explicit RecordingFactory(std::string tag) : tag_(std::move(tag)) {}
  std::string_view name() const override { return tag_; }
  core::Result<std::shared_ptr<const FilterConfig>> parse(const YAML::Node&, const YAML::Node&,
                                                          const std::string&) const override {
    return std::make_shared<FilterConfig>();
  }
  std::unique_ptr<WorkerFilterFactory> createForWorker(std::shared_ptr<const FilterConfig>,
                                                       WorkerContext&) const override {
    return std::make_unique<RecordingWorkerFactory>(tag_);
  }

 private:
  std::string tag_;
};

// Serves any number of sequential requests per connection, echoing what it saw.
ScriptedUpstream::Script echoingUpstream() {
  return [](SocketIo& io) {
    while (true) {
      const auto end = io.waitFor("\r\n\r\n", Clock::now() + std::chrono::seconds(10));
      if (end == std::string::npos) {
        return;
      }
      std::string head = io.buffer().substr(0, end + 4);
      io.buffer().erase(0, end + 4);
      std::string body;
      const auto cl = head.find("Content-Length: ");
      if (cl != std::string::npos) {
        const size_t n = std::strtoull(head.c_str() + cl + 16, nullptr, 10);
        io.waitForBytes(n, Clock::now() + std::chrono::seconds(10));
        body = io.buffer().substr(0, n);
        io.buffer().erase(0, n);
      }
      const bool filtered =
          head.find("X-Filtered-By: a\r\nX-Filtered-By: b\r\n") != std::string::npos;
      const std::string reply = std::string("upstream ") + (filtered ? "saw a,b" : "saw none") +
                                (body.empty() ? "" : " body=" + body);
      io.send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(reply.size()) + "\r\n\r\n" +
              reply);
    }
  };
}

class FilterChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_ = std::make_unique<ScriptedUpstream>(
        std::vector<ScriptedUpstream::Script>(4, echoingUpstream()));
    auto config = parseConfig("http_filters: [ { name: a }, { name: b } ]\n");
    ASSERT_TRUE(config) << config.error().context;
    gateway_ = std::make_unique<Gateway>(std::make_shared<const Snapshot>(std::move(*config)));
    ASSERT_TRUE(gateway_->start());
    port_ = gateway_->listenerAddresses().at(0).port();
    runner_ = std::thread([this] { unclean_ = gateway_->run(); });
  }

  void TearDown() override {
    if (gateway_) {
      gateway_->loop().post([this] { gateway_->stop(); });
      runner_.join();
      EXPECT_EQ(unclean_, 0) << "a worker loop did not close cleanly";
      gateway_.reset();
    }
    upstream_.reset();
  }

  core::Result<GatewayConfig> parseConfig(const std::string& extra,
                                          const std::string& listen = "127.0.0.1:0") {
    const std::string text =
        "workers: 1\n"
        "admin: { listen: 127.0.0.1:0 }\n"
        "listeners: [ { listen: " +
        listen +
        " } ]\n"
        "clusters: [ { name: up, endpoints: [127.0.0.1:" +
        std::to_string(upstream_->port()) +
        "] } ]\n"
        "routes:\n"
        "  - { name: unfiltered, match: { path_prefix: /plain }, cluster: up }\n"
        "  - { name: all, cluster: up }\n" +
        extra;
    auto root = core::config::loadString(text, "test.yaml");
    if (!root) {
      return tl::unexpected(root.error());
    }
    FilterFactoryList factories = {std::make_shared<RecordingFactory>("a"),
                                   std::make_shared<RecordingFactory>("b")};
    return GatewayConfig::parse(*root, "test.yaml", factories);
  }

  // Runs fn on the gateway's main loop (where publish() belongs) and returns its result.
  core::Status onMainLoop(std::function<core::Status()> fn) {
    std::promise<core::Status> done;
    gateway_->loop().post([&] { done.set_value(fn()); });
    return done.get_future().get();
  }

  std::optional<strata::testing::HttpResponse> request(const std::string& raw, bool head = false) {
    RawHttpClient client(port_);
    if (!client.ok() || !client.send(raw)) {
      return std::nullopt;
    }
    return client.readResponse(head);
  }

  // Waits (bounded) until `event` was logged `n` times; completion is logged on the worker
  // thread after the response bytes are queued, so the client can be slightly ahead.
  bool waitForEvent(const std::string& event, int n = 1) {
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline) {
      if (eventLog().count(event) >= n) {
        return eventLog().count(event) == n;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  std::unique_ptr<ScriptedUpstream> upstream_;
  std::unique_ptr<Gateway> gateway_;
  std::thread runner_;
  int unclean_ = -1;
  uint16_t port_ = 0;
};

TEST_F(FilterChainTest, HooksRunInOrderAndResponseUnwindsInReverse) {
  auto response = request("GET /order HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  // Both request hooks ran before the upstream, in config order.
  EXPECT_EQ(response->body, "UPSTREAM SAW A,B");  // uppercased by the response body hooks
  // Response headers: b first, then a (the filter nearest the client sees the response last).
  std::vector<std::string> seen;
  for (const auto& [name, value] : response->headers) {
    if (name == "X-Seen-By") {
      seen.push_back(value);
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"b", "a"}));
  ASSERT_TRUE(waitForEvent("a:/order complete status=200 upstream=1 reset=0 complete=1"));
  ASSERT_TRUE(waitForEvent("b:/order complete status=200 upstream=1 reset=0 complete=1"));
  EXPECT_EQ(eventLog().forPath("/order"),
            (std::vector<std::string>{
                "a:/order req-headers-end", "b:/order req-headers-end", "b:/order resp-headers",
                "a:/order resp-headers", "b:/order resp-end", "a:/order resp-end",
                "a:/order complete status=200 upstream=1 reset=0 complete=1",
                "b:/order complete status=200 upstream=1 reset=0 complete=1"}));
}

TEST_F(FilterChainTest, RouteWithoutFiltersIsProxiedDirectly) {
  auto response = request("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "upstream saw none");
  EXPECT_TRUE(eventLog().forPath("/plain").empty());
}

TEST_F(FilterChainTest, PauseThenAsyncResumeContinuesTheChain) {
  auto response = request(
      "POST /paused HTTP/1.1\r\nHost: x\r\nX-A-Action: pause\r\nContent-Length: 5\r\n"
      "\r\nhello");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "UPSTREAM SAW A,B BODY=HELLO");
  ASSERT_TRUE(waitForEvent("b:/paused complete status=200 upstream=1 reset=0 complete=1"));
  const auto events = eventLog().forPath("/paused");
  // b's request hook runs only after a resumed; the body reached both filters.
  const auto resumed = std::find(events.begin(), events.end(), "a:/paused resume");
  const auto b_headers = std::find(events.begin(), events.end(), "b:/paused req-headers");
  ASSERT_NE(resumed, events.end());
  ASSERT_NE(b_headers, events.end());
  EXPECT_LT(resumed - events.begin(), b_headers - events.begin());
  EXPECT_EQ(eventLog().count("a:/paused req-body:hello"), 1);
  EXPECT_EQ(eventLog().count("b:/paused req-body:hello"), 1);
}

TEST_F(FilterChainTest, ResumeInsideTheHookActsAsContinue) {
  auto response = request("GET /sync HTTP/1.1\r\nHost: x\r\nX-B-Action: resume-sync\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "UPSTREAM SAW A,B");
  EXPECT_TRUE(waitForEvent("b:/sync complete status=200 upstream=1 reset=0 complete=1"));
}

TEST_F(FilterChainTest, RespondFromFirstFilterSkipsTheRestAndTheUpstream) {
  const int accepted_before = upstream_->accepted();
  auto response = request("GET /local HTTP/1.1\r\nHost: x\r\nX-A-Action: respond\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 203);
  EXPECT_EQ(response->body, "from a");  // no filter before a: nothing uppercases it
  EXPECT_FALSE(response->header("x-seen-by"));
  EXPECT_EQ(response->header("content-length").value_or(""), "6");
  ASSERT_TRUE(waitForEvent("a:/local complete status=203 upstream=0 reset=0 complete=1"));
  EXPECT_EQ(eventLog().count("b:/local req-headers-end"), 0);
  EXPECT_EQ(upstream_->accepted(), accepted_before);
}

TEST_F(FilterChainTest, AsyncRespondFromSecondFilterRunsEarlierResponseHooks) {
  auto response = request("GET /cached HTTP/1.1\r\nHost: x\r\nX-B-Action: respond-async\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 203);
  EXPECT_EQ(response->body, "FROM B");  // a's body hook ran
  EXPECT_EQ(response->header("x-seen-by").value_or(""), "a");
  ASSERT_TRUE(waitForEvent("b:/cached complete status=203 upstream=0 reset=0 complete=1"));
  EXPECT_EQ(eventLog().count("b:/cached resp-headers"), 0);

  auto head = request("HEAD /cached-head HTTP/1.1\r\nHost: x\r\nX-B-Action: respond\r\n\r\n",
                      /*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 203);
  EXPECT_EQ(head->header("content-length").value_or(""), "6");
}

TEST_F(FilterChainTest, RespondWithAnInterimStatusIsA500NotAFinalResponse) {
  // A 1xx sent as the final response would leave the client waiting for another response and
  // reading the next one on the connection as this one's. The connection stays in step.
  RawHttpClient client(port_);
  ASSERT_TRUE(client.ok());
  client.send("GET /interim HTTP/1.1\r\nHost: x\r\nX-B-Action: respond-interim\r\n\r\n");
  auto response = client.readResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_TRUE(response->interim.empty());
  client.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
  auto next = client.readResponse();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "UPSTREAM SAW A,B");
}

TEST_F(FilterChainTest, FailMapsTheErrorToItsStatus) {
  auto response = request("GET /limited HTTP/1.1\r\nHost: x\r\nX-B-Action: fail\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 429);
  ASSERT_TRUE(waitForEvent("a:/limited complete status=429 upstream=0 reset=0 complete=1"));
  ASSERT_TRUE(waitForEvent("b:/limited complete status=429 upstream=0 reset=0 complete=1"));
}

TEST_F(FilterChainTest, ClientLeavingWhileAFilterHoldsCompletesOnceAsReset) {
  {
    RawHttpClient client(port_);
    ASSERT_TRUE(client.ok());
    client.send("GET /held HTTP/1.1\r\nHost: x\r\nX-A-Action: hold\r\nContent-Length: 10\r\n\r\n");
    // Wait until the filter holds the request, then go away mid-request.
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (eventLog().count("a:/held req-headers") == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(eventLog().count("a:/held req-headers"), 1);
  }
  EXPECT_TRUE(waitForEvent("a:/held complete status=0 upstream=0 reset=1 complete=0"))
      << ::testing::PrintToString(eventLog().forPath("/held"));
  // b never saw the request (so it logs no path) but still completes exactly once.
  EXPECT_TRUE(waitForEvent("b: complete status=0 upstream=0 reset=1 complete=0"));
}

TEST_F(FilterChainTest, PublishedSnapshotAppliesToNewRequests) {
  auto before = request("GET /before-reload HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->body, "UPSTREAM SAW A,B");

  auto moved = parseConfig("", "127.0.0.1:1");
  ASSERT_TRUE(moved);
  auto refused = onMainLoop(
      [&] { return gateway_->publish(std::make_shared<const Snapshot>(std::move(*moved), 2)); });
  EXPECT_FALSE(refused);

  auto next = parseConfig("");  // same listener, no filters
  ASSERT_TRUE(next) << next.error().context;
  auto published = onMainLoop(
      [&] { return gateway_->publish(std::make_shared<const Snapshot>(std::move(*next), 3)); });
  ASSERT_TRUE(published) << published.error().describe();
  // The worker swaps the snapshot on its next loop turn; poll a bounded number of times.
  bool applied = false;
  for (int i = 0; i < 200 && !applied; ++i) {
    auto after = request("GET /after-reload HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(after);
    applied = after->body == "upstream saw none";
    if (!applied) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_TRUE(applied);
}

}  // namespace
}  // namespace strata::gateway
