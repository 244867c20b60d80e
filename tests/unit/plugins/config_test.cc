// Tests of the response cache's cache_tier config: defaults, node forms and file:line errors.
#include "plugins/response_cache/config.h"

#include <gtest/gtest.h>

#include "plugins/all_plugins.h"
#include "plugins/response_cache/factory.h"

namespace strata::plugins::response_cache {
namespace {

core::Result<std::shared_ptr<const ResponseCacheConfig>> parseText(const std::string& text) {
  const YAML::Node root = YAML::Load(text);
  YAML::Node block(YAML::NodeType::Map);
  block["name"] = "response_cache";
  return parseResponseCacheConfig(block, root, "gw.yaml");
}

TEST(CacheTierConfig, DefaultsAndNodeForms) {
  auto config = parseText(
      "cache_tier:\n"
      "  nodes:\n"
      "    - 127.0.0.1:7001\n"
      "    - {address: 127.0.0.1:7002, name: b, weight: 2}\n");
  ASSERT_TRUE(config) << config.error().context;
  ASSERT_EQ((*config)->nodes.size(), 2u);
  EXPECT_EQ((*config)->nodes[0].name, "127.0.0.1:7001");
  EXPECT_EQ((*config)->nodes[0].address, "127.0.0.1:7001");
  EXPECT_EQ((*config)->nodes[1].name, "b");
  EXPECT_EQ((*config)->nodes[1].weight, 2u);
  EXPECT_EQ((*config)->max_object_bytes, 1024u * 1024u);
  EXPECT_EQ((*config)->timeout_ms, 100u);
  EXPECT_EQ((*config)->key_prefix, "strata:http:");
}

TEST(CacheTierConfig, ExplicitValues) {
  auto config = parseText(
      "cache_tier:\n"
      "  nodes: [127.0.0.1:7001]\n"
      "  max_object_bytes: 2MiB\n"
      "  timeout: 250ms\n"
      "  key_prefix: \"t:\"\n");
  ASSERT_TRUE(config) << config.error().context;
  EXPECT_EQ((*config)->max_object_bytes, 2u * 1024 * 1024);
  EXPECT_EQ((*config)->timeout_ms, 250u);
  EXPECT_EQ((*config)->key_prefix, "t:");
}

TEST(CacheTierConfig, ErrorsCarryFileAndLine) {
  auto config = parseText(
      "cache_tier:\n"
      "  nodes:\n"
      "    - not-an-address\n"
      "    - {address: 127.0.0.1:1, name: x}\n"
      "    - {address: 127.0.0.1:2, name: x}\n"
      "  timeout: 0ms\n"
      "  colour: blue\n");
  ASSERT_FALSE(config);
  const auto& text = config.error().context;
  EXPECT_NE(text.find("gw.yaml:3:"), std::string::npos) << text;
  EXPECT_NE(text.find("appears twice"), std::string::npos) << text;
  EXPECT_NE(text.find("gw.yaml:6:"), std::string::npos) << text;
  EXPECT_NE(text.find("colour"), std::string::npos) << text;
}

TEST(CacheTierConfig, MissingSectionOrNodes) {
  EXPECT_FALSE(parseText("workers: 1\n"));
  EXPECT_FALSE(parseText("cache_tier: {}\n"));
  EXPECT_FALSE(parseText("cache_tier: {nodes: []}\n"));
}

TEST(CacheTierConfig, RegisteredInTheBuiltInList) {
  const auto factories = allFilterFactories();
  bool found = false;
  for (const auto& f : factories) {
    found = found || f->name() == kFilterName;
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace strata::plugins::response_cache
