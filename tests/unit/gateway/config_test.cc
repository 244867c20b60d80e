// Tests for the gateway config: the documented example parses, each kind of mistake is reported
// with its line, several mistakes are reported together, and the filter chain is assembled from
// the factories handed in.
#include <gtest/gtest.h>

#include <string>

#include "core/config/loader.h"
#include "gateway/config.h"

namespace strata::gateway {
namespace {

// A stand-in factory: records the block it was given and fails when asked to.
class FakeConfig : public FilterConfig {
 public:
  explicit FakeConfig(std::string seen) : seen_name(std::move(seen)) {}
  std::string seen_name;
};

class FakeFactory : public FilterFactory {
 public:
  explicit FakeFactory(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  core::Result<std::shared_ptr<const FilterConfig>> parse(const YAML::Node& block,
                                                          const YAML::Node& root,
                                                          const std::string& file) const override {
    // The response cache reads the top-level cache_tier section; others read their own block.
    const YAML::Node own =
        name_ == "response_cache" && root["cache_tier"].IsDefined() ? root["cache_tier"] : block;
    for (const YAML::Node& node : {block, own}) {
      if (node["fail"].IsDefined()) {
        return core::fail(core::ErrorKind::ConfigInvalid,
                          file + ":" + std::to_string(node["fail"].Mark().line + 1) +
                              ": fake filter refused its config");
      }
    }
    const bool has_tier = root["cache_tier"].IsDefined();
    return std::make_shared<FakeConfig>(block["name"].as<std::string>() +
                                        (has_tier ? "+tier" : ""));
  }
  std::unique_ptr<WorkerFilterFactory> createForWorker(std::shared_ptr<const FilterConfig>,
                                                       WorkerContext&) const override {
    return nullptr;
  }

 private:
  std::string name_;
};

FilterFactoryList factories() {
  return {std::make_shared<FakeFactory>("response_cache"), std::make_shared<FakeFactory>("other")};
}

core::Result<GatewayConfig> parseText(const std::string& text,
                                      const FilterFactoryList& list = factories()) {
  auto root = core::config::loadString(text, "gw.yaml");
  if (!root) {
    return tl::unexpected(root.error());
  }
  return GatewayConfig::parse(*root, "gw.yaml", list);
}

std::string errorsOf(const std::string& text) {
  auto config = parseText(text);
  EXPECT_FALSE(config) << "config unexpectedly valid:\n" << text;
  return config ? std::string() : config.error().context;
}

constexpr const char* kExample = R"(workers: 2
admin: { listen: 127.0.0.1:9901 }
listeners: [ { name: public, listen: 127.0.0.1:8080 } ]
clusters:
  - { name: site, lb: round_robin, endpoints: [127.0.0.1:9001, 127.0.0.1:9002], connect_timeout: 1s, response_timeout: 15s }
routes:
  - { match: { host: "*", path_prefix: / }, cluster: site, cache: true }
cache_tier: { nodes: [127.0.0.1:7001, 127.0.0.1:7002, 127.0.0.1:7003], max_object_bytes: 1048576 }
)";

TEST(GatewayConfigTest, DocumentedExampleParses) {
  auto config = parseText(kExample);
  ASSERT_TRUE(config) << config.error().context;
  EXPECT_EQ(config->workers, 2);
  EXPECT_EQ(config->admin.address.toString(), "127.0.0.1:9901");
  ASSERT_EQ(config->listeners.size(), 1u);
  EXPECT_EQ(config->listeners[0].name, "public");
  EXPECT_EQ(config->listeners[0].address.toString(), "127.0.0.1:8080");
  ASSERT_EQ(config->clusters.size(), 1u);
  const auto& site = config->clusters[0];
  EXPECT_EQ(site.name, "site");
  ASSERT_EQ(site.endpoints.size(), 2u);
  EXPECT_EQ(site.endpoints[1].toString(), "127.0.0.1:9002");
  EXPECT_EQ(site.connect_timeout_ms, 1000u);
  EXPECT_EQ(site.response_timeout_ms, 15000u);
  ASSERT_EQ(config->routes.size(), 1u);
  EXPECT_EQ(config->routes[0].cluster, "site");
  EXPECT_EQ(config->routes[0].cluster_index, 0u);
  EXPECT_TRUE(config->routes[0].cache);
  EXPECT_EQ(config->routes[0].match.host, "*");
  EXPECT_EQ(config->routes[0].match.path_prefix, "/");
  // No http_filters but a cache tier: the chain is [response_cache], parsed by its factory.
  ASSERT_EQ(config->filters.size(), 1u);
  EXPECT_EQ(config->filters[0].name, "response_cache");
  auto* fake = dynamic_cast<const FakeConfig*>(config->filters[0].config.get());
  ASSERT_NE(fake, nullptr);
  EXPECT_EQ(fake->seen_name, "response_cache+tier");
}

TEST(GatewayConfigTest, DefaultsApply) {
  auto config = parseText(R"(
listeners: [ { listen: 127.0.0.1:0 } ]
)");
  ASSERT_TRUE(config) << config.error().context;
  EXPECT_GE(config->workers, 1);
  EXPECT_EQ(config->admin.address.toString(), "127.0.0.1:9901");
  EXPECT_EQ(config->listeners[0].name, "listener_0");
  EXPECT_TRUE(config->filters.empty());
  EXPECT_TRUE(config->routes.empty());
}

TEST(GatewayConfigTest, ExplicitFilterChainKeepsOrder) {
  auto config = parseText(R"(
listeners: [ { listen: 127.0.0.1:8080 } ]
http_filters:
  - name: other
  - { name: response_cache }
)");
  ASSERT_TRUE(config) << config.error().context;
  ASSERT_EQ(config->filters.size(), 2u);
  EXPECT_EQ(config->filters[0].name, "other");
  EXPECT_EQ(config->filters[1].name, "response_cache");
}

TEST(GatewayConfigTest, UnknownKeyIsReportedWithLineAndAlternatives) {
  const auto errors = errorsOf(R"(listeners: [ { listen: 127.0.0.1:8080 } ]
clusters:
  - name: site
    endpionts: [127.0.0.1:9001]
)");
  EXPECT_NE(errors.find("gw.yaml:4: unknown key 'endpionts' in cluster (expected one of: name, lb, "
                        "endpoints,"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("gw.yaml:3: missing required key 'endpoints' in cluster"),
            std::string::npos)
      << errors;
}

TEST(GatewayConfigTest, RouteToUndefinedClusterIsReported) {
  const auto errors = errorsOf(R"(listeners: [ { listen: 127.0.0.1:8080 } ]
clusters: [ { name: site, endpoints: [127.0.0.1:9001] } ]
routes:
  - match: { path_prefix: /api }
    cluster: missing
)");
  EXPECT_NE(errors.find("gw.yaml:5: route 'route_0' names cluster 'missing', which is not defined"),
            std::string::npos)
      << errors;
}

TEST(GatewayConfigTest, UnsupportedLbIsReported) {
  const auto errors = errorsOf(R"(listeners: [ { listen: 127.0.0.1:8080 } ]
clusters:
  - name: site
    lb: least_request
    endpoints: [127.0.0.1:9001]
)");
  EXPECT_NE(errors.find("gw.yaml:4: lb 'least_request' is not supported"), std::string::npos)
      << errors;
}

TEST(GatewayConfigTest, NoListenerIsReported) {
  EXPECT_NE(errorsOf("listeners: []\n").find("gw.yaml:1: at least one listener is required"),
            std::string::npos);
  EXPECT_NE(errorsOf("workers: 2\n").find("missing required key 'listeners'"), std::string::npos);
}

TEST(GatewayConfigTest, BadValuesAreReportedWithTheirLines) {
  const auto errors = errorsOf(R"(workers: zero
listeners:
  - { name: a, listen: 127.0.0.1:99999 }
  - { name: a, listen: 127.0.0.1:8081, idle_timeout: 5 parsecs }
clusters:
  - name: site
    endpoints: [127.0.0.1:0, not-an-address]
    connect_timeout: 0s
routes:
  - { match: { host: "api.*.com", path_prefix: api }, cluster: site, cache: maybe }
)");
  EXPECT_NE(errors.find("gw.yaml:1: 'workers' in the config document must be an integer"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("gw.yaml:3: 'listen' in listener #1: '99999' is not a port number"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("gw.yaml:4: listener name 'a' is already used on line 3"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("gw.yaml:4: 'idle_timeout' in listener #2:"), std::string::npos) << errors;
  EXPECT_NE(errors.find("gw.yaml:7: endpoint: port 0 is not a valid port here"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("gw.yaml:7: endpoint: 'not-an-address' is not of the form address:port"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("gw.yaml:8: 'connect_timeout' in cluster must be greater than zero"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("gw.yaml:10: host pattern 'api.*.com' may use '*' only"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("gw.yaml:10: path_prefix 'api' must start with '/'"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("gw.yaml:10: 'cache' in route must be true or false"), std::string::npos)
      << errors;
  // Every problem is its own line: at least the ten above were collected in one pass.
  EXPECT_GE(std::count(errors.begin(), errors.end(), '\n') + 1, 10) << errors;
}

TEST(GatewayConfigTest, DuplicateListenAddressAndAdminClashAreReported) {
  const auto errors = errorsOf(R"(admin: { listen: 127.0.0.1:8080 }
listeners:
  - { name: a, listen: 127.0.0.1:8080 }
  - { name: b, listen: 127.0.0.1:8080 }
)");
  EXPECT_NE(errors.find("gw.yaml:4: listen address 127.0.0.1:8080 is already used by listener 'a'"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("gw.yaml:1: admin address 127.0.0.1:8080 is also used by listener 'a'"),
            std::string::npos)
      << errors;
}

TEST(GatewayConfigTest, FilterProblemsAreReported) {
  const auto errors = errorsOf(R"(listeners: [ { listen: 127.0.0.1:8080 } ]
http_filters:
  - name: nope
  - name: other
    fail: true
  - name: other
clusters: [ { name: site, endpoints: [127.0.0.1:9001] } ]
routes: [ { cluster: site, cache: true } ]
)");
  EXPECT_NE(errors.find("gw.yaml:3: unknown http filter 'nope' (available: response_cache, other)"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("gw.yaml:5: fake filter refused its config"), std::string::npos) << errors;
  EXPECT_NE(errors.find("gw.yaml:8: route 'route_0' sets cache: true but no response_cache filter"),
            std::string::npos)
      << errors;
}

TEST(GatewayConfigTest, CacheTierWithoutTheFactoryIsAnError) {
  auto config = parseText(kExample, FilterFactoryList{});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().context.find("unknown http filter 'response_cache' (available: none)"),
            std::string::npos)
      << config.error().context;
}

TEST(GatewayConfigTest, YamlSyntaxErrorCarriesLineAndColumn) {
  auto config = parseText("listeners: [ { listen: 127.0.0.1:8080 }\nclusters: {\n");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().context.rfind("gw.yaml:", 0), 0u);
  EXPECT_NE(config.error().context.find(':', 8), std::string::npos);
}

TEST(GatewayConfigTest, MissingFileIsReported) {
  auto config = GatewayConfig::load("/nonexistent/strata.yaml", {});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().context, "/nonexistent/strata.yaml: cannot open file");
}

TEST(GatewayConfigTest, DurationsAndSizes) {
  using core::config::parseDurationMs;
  using core::config::parseSize;
  EXPECT_EQ(*parseDurationMs("250ms"), 250u);
  EXPECT_EQ(*parseDurationMs("5s"), 5000u);
  EXPECT_EQ(*parseDurationMs("1m"), 60000u);
  EXPECT_EQ(*parseDurationMs("2h"), 7200000u);
  EXPECT_EQ(*parseDurationMs("3"), 3000u);
  EXPECT_FALSE(parseDurationMs("5 s"));
  EXPECT_FALSE(parseDurationMs("-1s"));
  EXPECT_FALSE(parseDurationMs("1.5s"));
  EXPECT_FALSE(parseDurationMs("99999999999999999999ms"));
  EXPECT_EQ(*parseSize("1048576"), 1048576u);
  EXPECT_EQ(*parseSize("1MiB"), 1048576u);
  EXPECT_EQ(*parseSize("512KiB"), 524288u);
  EXPECT_EQ(*parseSize("2GiB"), 2147483648u);
  EXPECT_FALSE(parseSize("1 MiB"));
  EXPECT_FALSE(parseSize("1XB"));
  EXPECT_FALSE(parseSize("99999999999GiB"));
}

TEST(GatewayConfigTest, SnapshotCarriesRouter) {
  auto config = parseText(R"(listeners: [ { listen: 127.0.0.1:8080 } ]
clusters: [ { name: site, endpoints: [127.0.0.1:9001] } ]
routes: [ { name: all, match: { host: Example.COM }, cluster: site } ]
)");
  ASSERT_TRUE(config) << config.error().context;
  auto snapshot = std::make_shared<const Snapshot>(std::move(*config));
  const auto* route = snapshot->router.match("example.com:8080", "/x");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->name, "all");
  EXPECT_EQ(snapshot->config.clusters[route->cluster_index].name, "site");
}

}  // namespace
}  // namespace strata::gateway

namespace strata::gateway {
namespace {

TEST(GatewayConfigTest, ErrorsAreListedInFileOrder) {
  // Routes are checked after clusters, but the report follows the file.
  const auto errors = errorsOf(R"(listeners: [ { listen: 127.0.0.1:8080 } ]
routes: [ { cluster: missing } ]
clusters: [ { name: site, lb: magic, endpoints: [127.0.0.1:9001] } ]
)");
  const auto route_error = errors.find("gw.yaml:2:");
  const auto cluster_error = errors.find("gw.yaml:3:");
  ASSERT_NE(route_error, std::string::npos) << errors;
  ASSERT_NE(cluster_error, std::string::npos) << errors;
  EXPECT_LT(route_error, cluster_error) << errors;
}

TEST(GatewayConfigTest, BrokenCacheTierIsReportedAsItselfNotAsAMissingFilter) {
  const auto errors = errorsOf(R"(listeners: [ { listen: 127.0.0.1:8080 } ]
clusters: [ { name: site, endpoints: [127.0.0.1:9001] } ]
routes: [ { cluster: site, cache: true } ]
cache_tier: { fail: true }
)");
  EXPECT_NE(errors.find("gw.yaml:4: fake filter refused its config"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("no response_cache filter"), std::string::npos) << errors;
}

TEST(GatewayConfigTest, CacheTierThatNoFilterUsesIsAnError) {
  const auto errors = errorsOf(R"(listeners: [ { listen: 127.0.0.1:8080 } ]
http_filters: [ { name: other } ]
clusters: [ { name: site, endpoints: [127.0.0.1:9001] } ]
routes: [ { cluster: site } ]
cache_tier: { nodes: [127.0.0.1:7001] }
)");
  EXPECT_NE(errors.find("gw.yaml:5: cache_tier is set but http_filters does not list "
                        "response_cache"),
            std::string::npos)
      << errors;
}

TEST(GatewayConfigTest, TopLevelSectionNamedAfterAFilterIsUnknown) {
  const auto errors = errorsOf(R"(listeners: [ { listen: 127.0.0.1:8080 } ]
clusters: [ { name: site, endpoints: [127.0.0.1:9001] } ]
routes: [ { cluster: site } ]
response_cache: { max_object_bytes: 5 }
)");
  EXPECT_NE(errors.find("gw.yaml:4: unknown key 'response_cache'"), std::string::npos) << errors;
}

}  // namespace
}  // namespace strata::gateway
