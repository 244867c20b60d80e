// CacheServer: the cache node's network side. One libuv loop thread accepts clients, parses
// pipelined RESP2 commands, runs them through the command table against one keyspace, and
// runs the periodic active-expiry cycle. Each command runs to completion before the next, so
// every command is atomic without locks (as in Redis).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "cache/node/clock.h"
#include "cache/node/command.h"
#include "cache/node/keyspace.h"
#include "cache/resp/resp.h"
#include "core/error.h"
#include "core/event/loop.h"
#include "core/event/tcp.h"
#include "core/event/timer.h"

namespace strata::cache::node {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 6379;  // 0 picks a free port; port() reports it
  // Background task frequency (Redis's hz): active expiry runs this many times a second.
  int hz = 10;
  // Time one active-expiry cycle may take: 25% of a 100 ms tick, as Redis budgets it.
  int64_t expire_budget_us = 25'000;
  // A client whose unparsed input, plus the per-argument bookkeeping of the command it is
  // sending, grows past this is disconnected (Redis: 1 GB).
  size_t max_query_buffer = 1024ull * 1024 * 1024;
  // Reply bytes gathered from one read batch before they are handed to the socket early, so
  // a long pipeline of large replies meets write back-pressure instead of growing one buffer.
  size_t reply_flush_bytes = 64 * 1024;
  // Redis 7 accepts up to INT_MAX arguments per command and waits for them; what bounds a
  // huge declared count is the query-buffer limit above, never an allocation up front.
  resp::RequestLimits limits = {.max_multibulk_len = INT32_MAX};
};

class CacheServer {
 public:
  CacheServer(core::Loop& loop, const Clock& clock, ServerOptions options);
  ~CacheServer();
  CacheServer(const CacheServer&) = delete;
  CacheServer& operator=(const CacheServer&) = delete;

  // Binds, listens and starts the background timer.
  core::Status start();
  // Stops accepting, closes every client and stops the timer; the loop can then be closed.
  void stop();

  uint16_t port() const { return stats_.port; }
  size_t clientCount() const { return clients_.size(); }
  // Bytes held by all clients' query, argument, reply and write buffers right now (INFO's
  // figure is this value as of the last timer tick). Loop thread only.
  size_t clientBufferBytes() const;
  Keyspace& keyspace() { return keyspace_; }
  const ServerStats& stats() const { return stats_; }

 private:
  class Client;
  friend class Client;

  void onAccept(std::unique_ptr<core::TcpConnection> connection);
  // Removes a client in a later loop iteration, never inside its own callback.
  void scheduleRemove(uint64_t id);
  void cron();

  core::Loop& loop_;
  ServerOptions options_;
  Keyspace keyspace_;
  CommandTable table_;
  ServerStats stats_;
  core::TcpListener listener_;
  core::Timer cron_timer_;
  std::unordered_map<uint64_t, std::unique_ptr<Client>> clients_;
  uint64_t next_client_id_ = 1;
  bool stopped_ = false;
  // Lets deferred removals detect that the server is gone.
  std::shared_ptr<CacheServer*> alive_;
};

}  // namespace strata::cache::node
