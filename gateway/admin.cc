// Admin endpoints: request decoding, the three handlers and connection bookkeeping.
#include "gateway/admin.h"

#include "core/codec/http1/codec.h"
#include "core/log/log.h"
#include "gateway/error_status.h"

namespace strata::gateway {

namespace {
constexpr uint64_t kAdminIdleMs = 30'000;
}

class AdminServer::Connection : public core::ConnectionHandler,
                                public core::http1::DecoderCallbacks,
                                public Deferrable {
 public:
  Connection(AdminServer& server, std::unique_ptr<core::TcpConnection> tcp)
      : server_(server),
        tcp_(std::move(tcp)),
        decoder_(core::http1::Decoder::Kind::Request, *this, limits()),
        idle_(server.loop_) {}

  ~Connection() override {
    tcp_->setHandler(nullptr);
    tcp_->close();
  }

  void start() {
    tcp_->setHandler(this);
    tcp_->startReading();
    idle_.start(kAdminIdleMs, [this] { closeNow(); });
  }

  void closeNow() {
    if (closed_) {
      return;
    }
    closed_ = true;
    idle_.stop();
    tcp_->close();
    server_.remove(this);
  }

  void onData(std::string_view bytes) override {
    if (closed_ || closing_) {
      return;
    }
    input_.append(bytes);
    size_t offset = 0;
    while (offset < input_.size() && !closed_ && !closing_) {
      if (decoder_.paused()) {
        decoder_.resume();
      }
      auto used = decoder_.feed(std::string_view(input_).substr(offset));
      if (!used) {
        const int status = decoder_.errorStatus() >= 400 ? decoder_.errorStatus() : 400;
        respond(status, "text/plain; charset=utf-8", localResponseBody(status), false, true);
        return;
      }
      if (*used == 0) {
        break;
      }
      offset += *used;
    }
    if (!closed_ && !closing_) {
      input_.erase(0, offset);
    }
  }
  void onEof() override { closeNow(); }
  void onError(const core::Error&) override { closeNow(); }

  void onRequestHead(core::http::RequestHead&& head) override { head_ = std::move(head); }
  void onBody(std::string_view) override {}
  void onMessageComplete(core::http::HeaderMap&&) override { handle(); }

 private:
  static core::http1::DecoderLimits limits() {
    core::http1::DecoderLimits limits;
    limits.max_header_bytes = 16 * 1024;
    limits.max_body_bytes = 64 * 1024;
    return limits;
  }

  void handle() {
    const bool head_only = head_.method == "HEAD";
    const bool close = !head_.keep_alive;
    if (head_.method != "GET" && !head_only) {
      respond(405, "text/plain; charset=utf-8", localResponseBody(405), head_only, close);
      return;
    }
    const auto path = head_.path();
    if (path == "/metrics") {
      respond(200, std::string(core::kPrometheusTextContentType), server_.metrics_.serializeText(),
              head_only, close);
    } else if (path == "/healthz") {
      respond(200, "text/plain; charset=utf-8", "ok\n", head_only, close);
    } else if (path == "/ready") {
      const bool ready = server_.ready_();
      respond(ready ? 200 : 503, "text/plain; charset=utf-8", ready ? "ready\n" : "not ready\n",
              head_only, close);
    } else {
      respond(404, "text/plain; charset=utf-8", localResponseBody(404), head_only, close);
    }
  }

  void respond(int status, const std::string& content_type, std::string body, bool head_only,
               bool close) {
    core::http::ResponseHead head;
    head.status = status;
    head.headers.add("Content-Type", content_type);
    head.headers.add("Content-Length", std::to_string(body.size()));
    head.headers.add("Cache-Control", "no-store");
    if (status == 405) {
      head.headers.add("Allow", "GET, HEAD");
    }
    if (close) {
      head.headers.add("Connection", "close");
    }
    std::vector<std::string> pieces;
    pieces.push_back(core::http1::encodeResponseHead(head));
    if (!head_only) {
      pieces.push_back(std::move(body));
    }
    tcp_->writev(std::move(pieces));
    idle_.start(kAdminIdleMs, [this] { closeNow(); });
    if (close) {
      closing_ = true;
      tcp_->shutdownWrite();
      // The client closes after reading; the idle timer bounds a client that does not.
    }
  }

  AdminServer& server_;
  std::unique_ptr<core::TcpConnection> tcp_;
  core::http1::Decoder decoder_;
  core::Timer idle_;
  core::http::RequestHead head_;
  std::string input_;
  bool closing_ = false;
  bool closed_ = false;
};

AdminServer::AdminServer(core::Loop& loop, core::MetricsRegistry& metrics,
                         std::function<bool()> ready)
    : loop_(loop), metrics_(metrics), ready_(std::move(ready)), deferred_(loop) {}

AdminServer::~AdminServer() {
  close();
  deferred_.drainAll();
}

core::Status AdminServer::listen(const core::SocketAddress& address) {
  listener_ = std::make_unique<core::TcpListener>(loop_);
  return listener_->listen(address, false, 128, [this](std::unique_ptr<core::TcpConnection> tcp) {
    auto connection = std::make_unique<Connection>(*this, std::move(tcp));
    auto* raw = connection.get();
    connections_.emplace(raw, std::move(connection));
    raw->start();
  });
}

core::SocketAddress AdminServer::boundAddress() const {
  return listener_ ? listener_->boundAddress() : core::SocketAddress();
}

void AdminServer::close() {
  listener_.reset();
  std::vector<Connection*> open;
  for (auto& [raw, owned] : connections_) {
    open.push_back(raw);
  }
  for (auto* connection : open) {
    connection->closeNow();
  }
}

void AdminServer::remove(Connection* connection) {
  auto it = connections_.find(connection);
  if (it == connections_.end()) {
    return;
  }
  deferred_.deleteLater(std::move(it->second));
  connections_.erase(it);
}

}  // namespace strata::gateway
