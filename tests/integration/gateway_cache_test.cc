// End-to-end tests of the response cache: an nginx origin, three `strata cache-node` processes
// and `strata gateway`, all on loopback. Requests go through curl so the client side is an
// independent HTTP implementation.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/http/message.h"
#include "tests/integration/gateway_test_client.h"
#include "tests/support/nginx.h"
#include "tests/support/process.h"

namespace strata::testing {
namespace {

using core::http::HeaderMap;

constexpr size_t kMaxObjectBytes = 2 * 1024 * 1024;

struct Response {
  int status = 0;
  HeaderMap headers;
  std::string body;
};

// Splits curl -i output into the last response head (curl prints interim ones too) and body.
std::optional<Response> parseCurlOutput(const std::string& out) {
  size_t pos = 0;
  Response r;
  while (true) {
    const auto end = out.find("\r\n\r\n", pos);
    if (end == std::string::npos || out.compare(pos, 5, "HTTP/") != 0) {
      return std::nullopt;
    }
    const std::string head = out.substr(pos, end - pos);
    const auto space = head.find(' ');
    r.status = std::atoi(head.c_str() + space + 1);
    pos = end + 4;
    if (r.status >= 200) {
      size_t line_start = head.find("\r\n");
      while (line_start != std::string::npos) {
        line_start += 2;
        const auto line_end = head.find("\r\n", line_start);
        const auto line = head.substr(line_start, line_end - line_start);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
          r.headers.add(line.substr(0, colon),
                        std::string(core::http::trimOws(std::string_view(line).substr(colon + 1))));
        }
        line_start = line_end;
      }
      r.body = out.substr(pos);
      return r;
    }
  }
}

class GatewayCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"nginx", "curl", "redis-cli"}) {
      if (findProgram(tool).empty()) {
        GTEST_SKIP() << tool << " is not installed";
      }
    }
    writeSite();
    nginx_ = std::make_unique<NginxServer>(dir_.path(), nginxLocations());
    ASSERT_TRUE(nginx_->start()) << nginx_->error();

    for (int i = 0; i < 3; ++i) {
      const std::string log = dir_.file("node" + std::to_string(i) + ".log");
      uint16_t port = 0;
      ChildProcess node = startListening(
          [&](uint16_t p) {
            return ChildProcess({STRATA_BINARY, "cache-node", "--port", std::to_string(p)}, log);
          },
          port);
      ASSERT_TRUE(node.running() && waitForPort(port)) << node.log();
      node_ports_.push_back(port);
      nodes_.push_back(std::move(node));
    }

    gateway_ = startListening(
        [&](uint16_t port) {
          admin_port_ = freePort();
          dir_.write("gateway.yaml", gatewayConfig(port, admin_port_));
          return ChildProcess({STRATA_BINARY, "gateway", "--config", dir_.file("gateway.yaml")},
                              dir_.file("gateway.log"));
        },
        gateway_port_);
    ASSERT_TRUE(waitForPort(gateway_port_)) << gateway_.log();
    ASSERT_TRUE(waitForPort(admin_port_)) << gateway_.log();
  }

  std::string gatewayConfig(uint16_t port, uint16_t admin_port) const {
    std::string config = "workers: 1\n";
    config += "admin: { listen: 127.0.0.1:" + std::to_string(admin_port) + " }\n";
    config += "listeners:\n  - { name: public, listen: 127.0.0.1:" + std::to_string(port) + " }\n";
    config +=
        "clusters:\n  - { name: origin, endpoints: [127.0.0.1:" + std::to_string(nginx_->port()) +
        "] }\n";
    config += "routes:\n  - { match: { path_prefix: / }, cluster: origin, cache: true }\n";
    config += "cache_tier:\n  max_object_bytes: " + std::to_string(kMaxObjectBytes) +
              "\n  timeout: 200ms\n  nodes:\n";
    for (size_t i = 0; i < node_ports_.size(); ++i) {
      config += "    - { name: node" + std::to_string(i) +
                ", address: 127.0.0.1:" + std::to_string(node_ports_[i]) + " }\n";
    }
    return config;
  }

  // Starts a process that listens on a port picked by freePort(), with a new port if the
  // process exits first: a port freed a moment ago can meanwhile become the local port of one of
  // the many loopback connections these tests open.
  template <typename Launch>
  ChildProcess startListening(Launch launch, uint16_t& port) {
    ChildProcess process;
    for (int attempt = 0; attempt < 3; ++attempt) {
      port = freePort();
      process = launch(port);
      for (int poll = 0; poll < 200 && process.running(); ++poll) {
        if (waitForPort(port, std::chrono::milliseconds(50))) {
          return process;
        }
      }
    }
    return process;
  }

  void TearDown() override {
    if (gateway_.pid() > 0) {
      const int status = gateway_.stop();
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << gateway_.log();
    }
    for (auto& node : nodes_) {
      if (node.pid() > 0 && node.running()) {
        node.stop();
      }
    }
    if (nginx_) {
      nginx_->stop();
    }
  }

  void writeSite() {
    std::filesystem::create_directories(dir_.file("www/text"));
    std::filesystem::create_directories(dir_.file("www/private"));
    std::filesystem::create_directories(dir_.file("www/varystar"));
    small_ = "small cacheable body\n";
    dir_.write("www/small.txt", small_);
    big_ = randomBytes(1024 * 1024, 1);
    dir_.write("www/big.bin", big_);
    huge_ = randomBytes(kMaxObjectBytes + 4096, 2);
    dir_.write("www/huge.bin", huge_);
    for (int i = 0; i < 2000; ++i) {
      text_ += "line " + std::to_string(i) + " of a compressible text document\n";
    }
    dir_.write("www/text/doc.txt", text_);
    dir_.write("www/private/p.txt", "per-user data\n");
    dir_.write("www/varystar/v.txt", "varies on everything\n");
  }

  std::string nginxLocations() const {
    // `expires 1m` gives every response Cache-Control: max-age=60. /text/ is gzip-compressed
    // for clients that accept it, which nginx sends chunked, with Vary: Accept-Encoding.
    return "    root " + dir_.file("www") + ";\n" +
           "    location / { expires 1m; }\n"
           "    location /text/ {\n"
           "      expires 1m;\n"
           "      gzip on; gzip_types text/plain; gzip_min_length 0;\n"
           "      gzip_proxied any; gzip_vary on;\n"
           "    }\n"
           "    location /private/ { expires 1m; add_header Cache-Control private; }\n"
           "    location /varystar/ { expires 1m; add_header Vary *; }\n";
  }

  std::optional<Response> get(const std::string& path, const std::vector<std::string>& headers = {},
                              const std::string& method = "GET") {
    std::vector<std::string> argv = {"curl", "-s", "-S", "-i", "--max-time", "10"};
    if (method == "HEAD") {
      argv.push_back("-I");
    }
    for (const auto& h : headers) {
      argv.push_back("-H");
      argv.push_back(h);
    }
    argv.push_back("http://127.0.0.1:" + std::to_string(gateway_port_) + path);
    int code = -1;
    const auto out = runCommand(argv, &code, std::chrono::seconds(15));
    if (code != 0) {
      ADD_FAILURE() << "curl failed (" << code << ") for " << path;
      return std::nullopt;
    }
    return parseCurlOutput(out);
  }

  // Repeats a request until the cache answers it (the store after a miss is asynchronous).
  std::optional<Response> getUntilHit(const std::string& path,
                                      const std::vector<std::string>& headers = {}) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto r = get(path, headers);
      if (r && r->headers.get("x-cache") == "HIT") {
        return r;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

  // The value of an unlabelled counter on the admin /metrics page, or -1.
  double metric(const std::string& name) {
    int code = -1;
    const auto out = runCommand({"curl", "-s", "--max-time", "10",
                                 "http://127.0.0.1:" + std::to_string(admin_port_) + "/metrics"},
                                &code);
    size_t pos = 0;
    while ((pos = out.find(name, pos)) != std::string::npos) {
      const bool line_start = pos == 0 || out[pos - 1] == '\n';
      const char after = pos + name.size() < out.size() ? out[pos + name.size()] : '\0';
      if (line_start && (after == ' ' || after == '{')) {
        const auto value_start = out.find(' ', pos);
        return std::atof(out.c_str() + value_start + 1);
      }
      pos += name.size();
    }
    return -1;
  }

  long long dbsize(size_t node) {
    int code = -1;
    const auto out =
        runCommand({"redis-cli", "-p", std::to_string(node_ports_[node]), "DBSIZE"}, &code);
    return code == 0 ? std::atoll(out.c_str()) : -1;
  }

  TempDir dir_;
  std::unique_ptr<NginxServer> nginx_;
  std::vector<uint16_t> node_ports_;
  std::vector<ChildProcess> nodes_;
  ChildProcess gateway_;
  uint16_t gateway_port_ = 0;
  uint16_t admin_port_ = 0;
  std::string small_, big_, huge_, text_;
};

TEST_F(GatewayCacheTest, SmallFileMissThenHitWithAge) {
  auto miss = get("/small.txt");
  ASSERT_TRUE(miss);
  EXPECT_EQ(miss->status, 200);
  EXPECT_EQ(miss->headers.get("x-cache"), "MISS");
  EXPECT_EQ(miss->body, small_);
  auto hit = getUntilHit("/small.txt");
  ASSERT_TRUE(hit) << gateway_.log();
  EXPECT_EQ(hit->status, 200);
  EXPECT_EQ(hit->body, small_);
  ASSERT_TRUE(hit->headers.has("age"));
  const std::string age(*hit->headers.get("age"));
  EXPECT_FALSE(age.empty());
  EXPECT_EQ(age.find_first_not_of("0123456789"), std::string::npos) << age;
  EXPECT_EQ(hit->headers.get("content-length"), std::to_string(small_.size()));
  EXPECT_EQ(hit->headers.get("etag"), miss->headers.get("etag"));
  // HEAD is answered from the stored GET response, head only.
  auto head = get("/small.txt", {}, "HEAD");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->headers.get("x-cache"), "HIT");
  EXPECT_TRUE(head->body.empty());
  EXPECT_GE(metric("strata_gateway_cache_hits_total"), 2);
  EXPECT_GE(metric("strata_gateway_cache_stores_total"), 1);
}

TEST_F(GatewayCacheTest, OneMebibyteBodyIsCachedByteForByte) {
  auto miss = get("/big.bin");
  ASSERT_TRUE(miss);
  EXPECT_EQ(miss->headers.get("x-cache"), "MISS");
  EXPECT_TRUE(miss->body == big_);
  auto hit = getUntilHit("/big.bin");
  ASSERT_TRUE(hit) << gateway_.log();
  EXPECT_EQ(hit->body.size(), big_.size());
  EXPECT_TRUE(hit->body == big_);
}

TEST_F(GatewayCacheTest, BodyAboveMaxObjectBytesIsNotCached) {
  for (int i = 0; i < 3; ++i) {
    auto r = get("/huge.bin");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->headers.get("x-cache"), "MISS");
    EXPECT_TRUE(r->body == huge_);
  }
}

TEST_F(GatewayCacheTest, ChunkedGzipVariantAndVaryAcceptEncoding) {
  // Case 14, step 1: the gzip variant (chunked from nginx) is stored and hit again.
  auto gzip_miss = get("/text/doc.txt", {"Accept-Encoding: gzip"});
  ASSERT_TRUE(gzip_miss);
  EXPECT_EQ(gzip_miss->headers.get("x-cache"), "MISS");
  ASSERT_EQ(gzip_miss->headers.get("content-encoding"), "gzip");
  // nginx compresses on the fly, so the body the cache assembled arrived chunked.
  EXPECT_EQ(gzip_miss->headers.get("transfer-encoding"), "chunked");
  EXPECT_LT(gzip_miss->body.size(), text_.size());
  auto gzip_hit = getUntilHit("/text/doc.txt", {"Accept-Encoding: gzip"});
  ASSERT_TRUE(gzip_hit) << gateway_.log();
  EXPECT_EQ(gzip_hit->headers.get("content-encoding"), "gzip");
  EXPECT_TRUE(gzip_hit->body == gzip_miss->body);

  // Step 2: clients without gzip never get the gzip body.
  const std::vector<std::vector<std::string>> others = {
      {}, {"Accept-Encoding: identity"}, {"Accept-Encoding: br"}};
  for (const auto& headers : others) {
    auto r = get("/text/doc.txt", headers);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_FALSE(r->headers.has("content-encoding"));
    EXPECT_TRUE(r->body == text_);
  }
  // The identity variant is its own entry: hit for a client without Accept-Encoding.
  auto plain_hit = getUntilHit("/text/doc.txt");
  ASSERT_TRUE(plain_hit);
  EXPECT_FALSE(plain_hit->headers.has("content-encoding"));
  EXPECT_TRUE(plain_hit->body == text_);
  // A semantically equal Accept-Encoding selects the gzip variant.
  auto gzip_again = get("/text/doc.txt", {"Accept-Encoding:  GZIP "});
  ASSERT_TRUE(gzip_again);
  EXPECT_EQ(gzip_again->headers.get("x-cache"), "HIT");
  EXPECT_EQ(gzip_again->headers.get("content-encoding"), "gzip");
}

TEST_F(GatewayCacheTest, PrivateAndVaryStarAreNeverCached) {
  for (int i = 0; i < 3; ++i) {
    auto p = get("/private/p.txt");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->status, 200);
    EXPECT_EQ(p->headers.get("x-cache"), "MISS");
    auto v = get("/varystar/v.txt");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->status, 200);
    EXPECT_EQ(v->headers.get("x-cache"), "MISS");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  long long keys = 0;
  for (size_t n = 0; n < node_ports_.size(); ++n) {
    keys += dbsize(n);
  }
  EXPECT_EQ(keys, 0);
}

TEST_F(GatewayCacheTest, KeysSpreadOverTheNodes) {
  constexpr int kUrls = 50;
  for (int i = 0; i < kUrls; ++i) {
    auto r = get("/small.txt?i=" + std::to_string(i));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  std::vector<long long> sizes(node_ports_.size(), 0);
  for (int attempt = 0; attempt < 50; ++attempt) {
    long long total = 0;
    for (size_t n = 0; n < node_ports_.size(); ++n) {
      sizes[n] = dbsize(n);
      total += sizes[n];
    }
    if (total >= kUrls) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  long long total = 0;
  int non_empty = 0;
  for (auto s : sizes) {
    total += s;
    non_empty += s > 0 ? 1 : 0;
  }
  EXPECT_EQ(total, kUrls);
  EXPECT_GE(non_empty, 2) << sizes[0] << " " << sizes[1] << " " << sizes[2];
}

TEST_F(GatewayCacheTest, LosingACacheNodeFailsOpen) {
  nodes_[1].kill();
  for (int i = 0; i < 30; ++i) {
    auto r = get("/small.txt?after-kill=" + std::to_string(i));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, small_);
  }
  EXPECT_GT(metric("strata_gateway_cache_errors_total"), 0) << gateway_.log();
  // Keys owned by the surviving nodes are still cached.
  EXPECT_GT(dbsize(0) + dbsize(2), 0);
}

}  // namespace
}  // namespace strata::testing
