// ClusterClient: key routing over the ring and the typed GET / SET wrappers.
#include "cache/client/cluster_client.h"

#include <set>

#include "core/hash/hash_tag.h"

namespace strata::cache::client {

core::Result<std::unique_ptr<ClusterClient>> ClusterClient::create(core::Loop& loop,
                                                                   std::vector<ClusterNode> nodes,
                                                                   ClusterOptions options) {
  if (nodes.empty()) {
    return core::fail(core::ErrorKind::ConfigInvalid, "cache client: no cache nodes configured");
  }
  if (!options.hash_tag.empty() && options.hash_tag.size() != 2) {
    return core::fail(
        core::ErrorKind::ConfigInvalid,
        "cache client: hash_tag must be two characters, got '" + options.hash_tag + "'");
  }
  std::vector<core::SocketAddress> addresses;
  std::vector<core::RingNode> ring_nodes;
  std::set<std::string> names;
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto address = core::SocketAddress::parse(nodes[i].address);
    if (!address) {
      return tl::unexpected(
          core::Error::make(core::ErrorKind::ConfigInvalid,
                            "cache client: node '" + nodes[i].name + "' has an invalid address")
              .withCause(address.error()));
    }
    if (!names.insert(nodes[i].name).second) {
      return core::fail(core::ErrorKind::ConfigInvalid,
                        "cache client: duplicate node name '" + nodes[i].name + "'");
    }
    addresses.push_back(*address);
    ring_nodes.push_back(core::RingNode{nodes[i].name, i, nodes[i].weight});
  }
  auto ring = core::HashRing::build(std::move(ring_nodes), options.ring);
  if (!ring) {
    return tl::unexpected(
        core::Error::make(core::ErrorKind::ConfigInvalid, "cache client: invalid ring")
            .withCause(ring.error()));
  }
  std::unique_ptr<ClusterClient> client(
      new ClusterClient(loop, std::move(*ring), std::move(options.hash_tag)));
  for (size_t i = 0; i < nodes.size(); ++i) {
    client->nodes_.push_back(std::make_unique<NodeConnection>(loop, std::move(nodes[i].name),
                                                              addresses[i], options.node));
  }
  return client;
}

ClusterClient::ClusterClient(core::Loop& loop, core::HashRing ring, std::string hash_tag)
    : ring_(std::move(ring)), hash_tag_(std::move(hash_tag)), deferred_(loop) {}

ClusterClient::~ClusterClient() {
  // Each node fails its own outstanding requests; then the routing failures still queued here.
  nodes_.clear();
  deferred_.runAll();
}

std::string_view ClusterClient::routingKey(std::string_view key) const {
  if (hash_tag_.empty()) {
    return key;
  }
  return core::hashTagOf(key, hash_tag_[0], hash_tag_[1]);
}

size_t ClusterClient::nodeIndexFor(std::string_view key) const {
  return ring_.nodeFor(routingKey(key));
}

std::vector<NodeStatsSnapshot> ClusterClient::stats() const {
  std::vector<NodeStatsSnapshot> out;
  out.reserve(nodes_.size());
  for (const auto& node : nodes_) {
    out.push_back(node->stats());
  }
  return out;
}

void ClusterClient::command(std::string_view key, const std::vector<std::string_view>& argv,
                            ReplyCallback callback) {
  const size_t index = nodeIndexFor(key);
  if (index >= nodes_.size()) {
    // Only reachable when every node has weight 0: nothing owns any key.
    auto error =
        core::Error::make(core::ErrorKind::NoHealthyUpstream,
                          "cache client: no cache node owns the key", core::ErrorSource::Internal);
    deferred_.push([callback = std::move(callback), error = std::move(error)]() {
      callback(tl::unexpected(error));
    });
    return;
  }
  nodes_[index]->command(argv, std::move(callback));
}

namespace {
core::Error unexpectedReply(const resp::Reply& reply, std::string_view command) {
  if (reply.isError()) {
    return core::Error::make(core::ErrorKind::CacheBackend,
                             std::string(command) + " failed: " + reply.str,
                             core::ErrorSource::Upstream);
  }
  return core::Error::make(core::ErrorKind::InvalidResponse,
                           std::string("unexpected reply type to ") + std::string(command),
                           core::ErrorSource::Upstream);
}
}  // namespace

void ClusterClient::get(std::string_view key, GetCallback callback) {
  command(key, {"GET", key}, [callback = std::move(callback)](core::Result<resp::Reply> reply) {
    if (!reply) {
      callback(tl::unexpected(std::move(reply.error())));
    } else if (reply->type == resp::Reply::Type::Bulk) {
      callback(std::optional<std::string>(std::move(reply->str)));
    } else if (reply->type == resp::Reply::Type::Null) {
      callback(std::optional<std::string>());
    } else {
      callback(tl::unexpected(unexpectedReply(*reply, "GET")));
    }
  });
}

void ClusterClient::set(std::string_view key, std::string_view value, uint64_t ttl_ms,
                        StatusCallback callback) {
  auto on_reply = [callback = std::move(callback)](core::Result<resp::Reply> reply) {
    if (!reply) {
      callback(tl::unexpected(std::move(reply.error())));
    } else if (reply->type == resp::Reply::Type::Status && reply->str == "OK") {
      callback(core::Status());
    } else {
      callback(tl::unexpected(unexpectedReply(*reply, "SET")));
    }
  };
  if (ttl_ms == 0) {
    command(key, {"SET", key, value}, std::move(on_reply));
    return;
  }
  const std::string ttl = std::to_string(ttl_ms);
  command(key, {"SET", key, value, "PX", ttl}, std::move(on_reply));
}

}  // namespace strata::cache::client
