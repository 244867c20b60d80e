// AdminServer: the operator's HTTP/1.1 endpoint on the main thread's loop (127.0.0.1 unless
// configured): GET /metrics (Prometheus text format), /healthz (the process is up) and /ready
// (all workers are listening and the gateway is not stopping). Uses the same HTTP/1 codec as the
// data path; every answer is computed synchronously, so pipelined requests stay in order.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>

#include "core/error.h"
#include "core/event/address.h"
#include "core/event/loop.h"
#include "core/event/tcp.h"
#include "core/metrics/metrics.h"
#include "gateway/deferred.h"

namespace strata::gateway {

class AdminServer {
 public:
  // `ready` is asked on every /ready request, on this loop's thread.
  AdminServer(core::Loop& loop, core::MetricsRegistry& metrics, std::function<bool()> ready);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  core::Status listen(const core::SocketAddress& address);
  core::SocketAddress boundAddress() const;
  // Stops accepting and closes every admin connection.
  void close();

  class Connection;

 private:
  friend class Connection;
  void remove(Connection* connection);

  core::Loop& loop_;
  core::MetricsRegistry& metrics_;
  std::function<bool()> ready_;
  DeferredQueue deferred_;
  std::unique_ptr<core::TcpListener> listener_;
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
};

}  // namespace strata::gateway
