// Cache poisoning tests of the gateway with the response cache over one `strata cache-node`: Host
// spellings and their documented keys, a Host carrying a path, Vary on a field the attacker sets,
// private with s-maxage, Set-Cookie, Authorization, HEAD before GET, a 60 KB key, and garbage
// written into the cache node under a key (including an entry whose status is a 1xx).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/integration/gateway_hostile_support.h"

namespace strata::testing::hostile {
namespace {

// A minimal RESP client for reading and overwriting entries in the cache node directly.
class RespClient {
 public:
  explicit RespClient(uint16_t port) : io_(connectLoopback(port)) {}
  bool ok() const { return io_.ok(); }
  // GET: the value, or nullopt for a nil reply or an error.
  std::optional<std::string> get(const std::string& key) {
    io_.send("*2\r\n$3\r\nGET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n");
    const auto eol = io_.waitFor("\r\n", Clock::now() + kWait);
    if (eol == std::string::npos || io_.buffer()[0] != '$') {
      return std::nullopt;
    }
    const long long n = std::atoll(io_.buffer().c_str() + 1);
    io_.buffer().erase(0, eol + 2);
    if (n < 0 || !io_.waitForBytes(static_cast<size_t>(n) + 2, Clock::now() + kWait)) {
      return std::nullopt;
    }
    std::string value = io_.buffer().substr(0, static_cast<size_t>(n));
    io_.buffer().erase(0, static_cast<size_t>(n) + 2);
    return value;
  }
  bool set(const std::string& key, const std::string& value) {
    io_.send("*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$" +
             std::to_string(value.size()) + "\r\n" + value + "\r\n");
    const auto eol = io_.waitFor("\r\n", Clock::now() + kWait);
    const bool done = eol != std::string::npos && io_.buffer().rfind("+OK", 0) == 0;
    io_.buffer().clear();
    return done;
  }

 private:
  SocketIo io_;
};

class GatewayHostileCacheTest : public GatewayHostileTest {
 protected:
  void startWithCache(uint16_t upstream_port) {
    node_port_ = freePort();
    node_ = ChildProcess({STRATA_BINARY, "cache-node", "--port", std::to_string(node_port_)},
                         dir_.file("node.log"));
    ASSERT_TRUE(waitForPort(node_port_)) << node_.log();
    port_ = freePort();
    const uint16_t admin = freePort();
    std::string config = "workers: 1\nadmin: { listen: 127.0.0.1:" + std::to_string(admin) + " }\n";
    config += "listeners: [ { listen: 127.0.0.1:" + std::to_string(port_) + " } ]\n";
    config += "clusters: [ { name: up, endpoints: [127.0.0.1:" + std::to_string(upstream_port) +
              "] } ]\n";
    config += "routes: [ { name: all, cluster: up, cache: true } ]\n";
    config += "cache_tier:\n  timeout: 500ms\n  nodes:\n    - { name: n0, address: 127.0.0.1:" +
              std::to_string(node_port_) + " }\n";
    dir_.write("gateway.yaml", config);
    gateway_ = ChildProcess({STRATA_BINARY, "gateway", "--config", dir_.file("gateway.yaml")},
                            dir_.file("gateway.log"));
    ASSERT_TRUE(waitForPort(port_)) << gateway_.log();
  }

  void TearDown() override {
    GatewayHostileTest::TearDown();
    if (node_.pid() > 0 && node_.running()) {
      node_.stop();
    }
  }

  // One request on a keep-alive connection of its own; the response.
  std::optional<HttpResponse> fetch(const std::string& target, const std::string& headers = "",
                                    const std::string& method = "GET") {
    RawHttpClient client(port_);
    if (!client.ok()) {
      return std::nullopt;
    }
    client.send(method + " " + target + " HTTP/1.1\r\n" + headers + "\r\n");
    return client.readResponse(method == "HEAD");
  }
  std::string xcache(const std::optional<HttpResponse>& r) {
    return r ? r->header("x-cache").value_or("-") : "none";
  }

  uint16_t node_port_ = 0;
  ChildProcess node_;
};

// The origin answers every request with "<target> #<n>" (n counts requests), so a HIT is told
// from a MISS by its body; response fields are picked by path.
ScriptedUpstream::Script countingOrigin(HeadLog& log) {
  return answerAll(log, [](size_t n, const std::string& head) {
    const auto target_start = head.find(' ') + 1;
    const std::string target =
        head.substr(target_start, head.find(' ', target_start) - target_start);
    std::string fields = "Cache-Control: max-age=60\r\n";
    if (target.rfind("/vary", 0) == 0) {
      fields += "Vary: X-Attacker\r\n";
    } else if (target.rfind("/private", 0) == 0) {
      fields = "Cache-Control: private, s-maxage=60\r\n";
    } else if (target.rfind("/cookie", 0) == 0) {
      fields += "Set-Cookie: session=for-one-client\r\n";
    }
    const std::string body = target.substr(0, 40) + " #" + std::to_string(n);
    if (head.rfind("HEAD ", 0) == 0) {
      return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + fields +
             "\r\n";
    }
    return okResponse(body, fields);
  });
}

TEST_F(GatewayHostileCacheTest, HostSpellingsMapToTheDocumentedKeysAndCannotPoisonOthers) {
  HeadLog log;
  ScriptedUpstream upstream({countingOrigin(log)});
  startWithCache(upstream.port());
  auto first = fetch("/h", "Host: a.test\r\n");
  ASSERT_TRUE(first);
  EXPECT_EQ(xcache(first), "MISS");
  // Lower-cased host without the default port: the same key (plugins/response_cache/key.h).
  for (const char* host : {"A.TEST", "a.test:80"}) {
    auto same = fetch("/h", std::string("Host: ") + host + "\r\n");
    ASSERT_TRUE(same) << host;
    EXPECT_EQ(xcache(same), "HIT") << host;
    EXPECT_EQ(same->body, first->body) << host;
  }
  // Anything else is another key: never served another host's entry.
  for (const char* host : {"a.test.", "a.test:8080", "b.test"}) {
    auto other = fetch("/h", std::string("Host: ") + host + "\r\n");
    ASSERT_TRUE(other) << host;
    EXPECT_EQ(xcache(other), "MISS") << host;
  }
  // "Host: a.test/x" + "/" would be filed under a.test's "/x/"; it is refused instead.
  auto poison = fetch("/", "Host: a.test/x\r\n");
  ASSERT_TRUE(poison);
  EXPECT_EQ(poison->status, 400);
  auto victim = fetch("/x/", "Host: a.test\r\n");
  ASSERT_TRUE(victim);
  EXPECT_EQ(xcache(victim), "MISS");
  EXPECT_EQ(victim->body.rfind("/x/ #", 0), 0u) << victim->body;
}

TEST_F(GatewayHostileCacheTest, AttackerControlledInputsNeverReachOtherClients) {
  HeadLog log;
  ScriptedUpstream upstream({countingOrigin(log)});
  startWithCache(upstream.port());
  const std::string host = "Host: a.test\r\n";
  // Vary on a field the attacker sets: the variant only answers the same value.
  auto evil = fetch("/vary", host + "X-Attacker: evil\r\n");
  ASSERT_TRUE(evil);
  auto plain = fetch("/vary", host);
  ASSERT_TRUE(plain);
  EXPECT_EQ(xcache(plain), "MISS");
  EXPECT_NE(plain->body, evil->body);
  auto evil_again = fetch("/vary", host + "X-Attacker: evil\r\n");
  ASSERT_TRUE(evil_again);
  EXPECT_EQ(xcache(evil_again), "HIT");
  // private wins over s-maxage; a response setting a cookie is not stored; neither is the
  // answer to an Authorization request without public/s-maxage.
  for (const std::string path : {"/private", "/cookie"}) {
    fetch(path, host);
    auto again = fetch(path, host);
    ASSERT_TRUE(again) << path;
    EXPECT_EQ(xcache(again), "MISS") << path;
  }
  fetch("/auth", host + "Authorization: Bearer secret\r\n");
  auto anonymous = fetch("/auth", host);
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(xcache(anonymous), "MISS");
  // HEAD on a cold key stores nothing a GET could get as an empty body.
  auto head = fetch("/headfirst", host, "HEAD");
  ASSERT_TRUE(head);
  EXPECT_EQ(xcache(head), "MISS");
  auto get = fetch("/headfirst", host);
  ASSERT_TRUE(get);
  EXPECT_EQ(xcache(get), "MISS");
  EXPECT_EQ(get->body.rfind("/headfirst #", 0), 0u);
  auto get_hit = fetch("/headfirst", host);
  ASSERT_TRUE(get_hit);
  EXPECT_EQ(xcache(get_hit), "HIT");
  EXPECT_EQ(get_hit->body, get->body);
  // A 60 KB key works like any other.
  const std::string huge = "/big?" + std::string(60000, 'q');
  fetch(huge, host);
  auto huge_hit = fetch(huge, host);
  ASSERT_TRUE(huge_hit);
  EXPECT_EQ(xcache(huge_hit), "HIT");
}

TEST_F(GatewayHostileCacheTest, GarbageInTheCacheTierIsAMiss) {
  HeadLog log;
  ScriptedUpstream upstream({countingOrigin(log)});
  startWithCache(upstream.port());
  const std::string host = "Host: a.test\r\n";
  ASSERT_TRUE(fetch("/g", host));
  const std::string key = "strata:http:http://a.test/g";
  RespClient node(node_port_);
  ASSERT_TRUE(node.ok());
  const auto stored = node.get(key);
  ASSERT_TRUE(stored);
  ASSERT_GT(stored->size(), 4u);
  // The stored status with 104 written over it: a 1xx served as the final response would leave
  // the client waiting for another one. Then plain garbage, a truncated entry and a forged Vary
  // marker.
  std::string interim = *stored;
  interim[2] = 104;
  interim[3] = 0;
  const std::vector<std::string> garbage = {
      interim, "garbage", "", stored->substr(0, stored->size() / 2),
      std::string("\x01V\x01\x00\x00\x00\x0d\x00\x00\x00x-attacker-ab", 23)};
  for (size_t i = 0; i < garbage.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(node.set(key, garbage[i]));
    auto response = fetch("/g", host);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_TRUE(response->interim.empty());
    EXPECT_EQ(xcache(response), "MISS");
    EXPECT_EQ(response->body.rfind("/g #", 0), 0u) << response->body;
  }
}

}  // namespace
}  // namespace strata::testing::hostile
