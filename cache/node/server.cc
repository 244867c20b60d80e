// CacheServer: client connections, pipelined command execution, back-pressure, and the
// background timer that drives active expiry.
#include "cache/node/server.h"

#include <csignal>

#include "core/event/address.h"
#include "core/log/log.h"

namespace strata::cache::node {

// One connected client: its unparsed input, its reply buffer, its parser and argv (both reused
// from command to command), and the state commands see.
class CacheServer::Client final : public core::ConnectionHandler {
 public:
  Client(CacheServer& server, uint64_t id, std::unique_ptr<core::TcpConnection> connection)
      : server_(server), connection_(std::move(connection)), parser_(server.options_.limits) {
    state_.id = id;
    connection_->setHandler(this);
    connection_->startReading();
  }

  ~Client() override { connection_->setHandler(nullptr); }

  void onData(std::string_view bytes) override;
  void onEof() override { remove(); }
  void onError(const core::Error&) override { remove(); }
  void onWriteDrained() override;

  size_t bufferBytes() const {
    size_t argv_bytes = argv_.capacity() * sizeof(std::string);
    for (const std::string& arg : argv_) {
      argv_bytes += arg.capacity();
    }
    return query_.capacity() + parser_.bookkeepingBytes() + reply_.capacity() + argv_bytes +
           connection_->queuedWriteBytes();
  }

 private:
  // Buffers larger than this are given back once a command no longer needs them, so a client
  // that once sent a 100 MB value does not pin 100 MB while it idles.
  static constexpr size_t kSpareBytes = 64 * 1024;
  static constexpr size_t kSpareArgs = 1024;

  size_t execute(std::string_view input);
  void consumeQuery(size_t used);
  void flush();
  void pause() {
    paused_ = true;
    connection_->pauseReading();
    server_.stats_.reads_paused++;
  }
  void closeAfterReply();
  void remove();

  CacheServer& server_;
  std::unique_ptr<core::TcpConnection> connection_;
  resp::RequestParser parser_;
  ClientState state_;
  Argv argv_;
  // Bytes received but not yet consumed: a partial command, or commands held back while the
  // client's replies are not draining.
  std::string query_;
  std::string reply_;
  bool paused_ = false;   // reading stopped because the write queue is over its watermark
  bool closing_ = false;  // no more input is processed; the connection closes once flushed
};

// Runs every complete command at the front of `input`; returns the bytes consumed. Stops early
// on a protocol error, QUIT, or when the socket's write queue passes its high watermark.
size_t CacheServer::Client::execute(std::string_view input) {
  size_t pos = 0;
  while (pos < input.size() && !closing_ && !paused_) {
    size_t consumed = 0;
    const auto outcome = parser_.parse(input.substr(pos), consumed, argv_);
    if (outcome == resp::ParseOutcome::NeedMore) {
      break;
    }
    if (outcome == resp::ParseOutcome::Error) {
      resp::appendError(reply_, parser_.error());
      closeAfterReply();
      break;
    }
    pos += consumed;
    if (argv_.empty()) {
      continue;  // "*0", "*-1" and blank inline lines carry no command and get no reply
    }
    server_.table_.dispatch(server_.keyspace_, server_.stats_, state_, argv_, reply_);
    if (state_.close_after_reply) {
      closeAfterReply();
      break;
    }
    if (reply_.size() >= server_.options_.reply_flush_bytes) {
      flush();
      if (connection_->writeBlocked()) {
        pause();
      }
    }
  }
  // The arguments of the last command are dead: free them now rather than when the client
  // next sends something, which may be never.
  argv_.clear();
  if (argv_.capacity() > kSpareArgs) {
    Argv().swap(argv_);
  }
  return pos;
}

// Drops the bytes the commands used. What remains is at most a partial command; if it is far
// smaller than the buffer (a large command just completed), it moves to a right-sized buffer.
// Only the storage changes, so the parser's offsets into the tail stay valid.
void CacheServer::Client::consumeQuery(size_t used) {
  query_.erase(0, used);
  if (query_.capacity() > kSpareBytes && query_.size() < query_.capacity() / 4) {
    std::string(query_).swap(query_);
  }
}

void CacheServer::Client::onData(std::string_view bytes) {
  server_.stats_.net_input_bytes += bytes.size();
  if (closing_) {
    return;
  }
  if (query_.empty()) {
    // Common case: parse straight from the read buffer and keep only an incomplete tail. The
    // parser's incremental state refers to that tail, which query_ preserves unchanged.
    const size_t used = execute(bytes);
    if (!closing_) {
      query_.assign(bytes.substr(used));
    }
  } else {
    query_.append(bytes);
    consumeQuery(execute(query_));
  }
  if (!closing_ && query_.size() + parser_.bookkeepingBytes() > server_.options_.max_query_buffer) {
    STRATA_LOG_WARN("closing client {}: query buffer over {} bytes", state_.id,
                    server_.options_.max_query_buffer);
    remove();
    return;
  }
  flush();
  if (!closing_ && !paused_ && connection_->writeBlocked()) {
    pause();
  }
}

// The client's replies drained: run the commands held back, then read again.
void CacheServer::Client::onWriteDrained() {
  if (closing_) {
    remove();  // closeAfterReply's flush completed
    return;
  }
  if (!paused_) {
    return;
  }
  paused_ = false;
  consumeQuery(execute(query_));
  flush();
  if (!closing_ && !paused_) {
    if (connection_->writeBlocked()) {
      pause();
    } else {
      connection_->startReading();
    }
  }
}

// One write per batch: the reply buffer is handed over whole and a fresh one started.
void CacheServer::Client::flush() {
  if (reply_.empty()) {
    return;
  }
  server_.stats_.net_output_bytes += reply_.size();
  if (!connection_->write(std::move(reply_))) {
    remove();
  }
  reply_ = std::string();
}

// Protocol errors and QUIT: stop processing input, send the reply, then close. A reply may
// leave for the socket at once (the connection writes directly when nothing is queued): then
// the client can go now. Otherwise zero watermarks make the connection report onWriteDrained
// exactly when the last queued byte has left, which is the moment to close. Both cases are
// checked after the write, so the node does not depend on which path the connection took.
void CacheServer::Client::closeAfterReply() {
  closing_ = true;
  connection_->pauseReading();
  query_.clear();
  connection_->setWatermarks(0, 0);
  flush();
  if (connection_->queuedWriteBytes() == 0) {
    remove();
  }
}

void CacheServer::Client::remove() {
  closing_ = true;
  connection_->pauseReading();
  server_.scheduleRemove(state_.id);
}

CacheServer::CacheServer(core::Loop& loop, const Clock& clock, ServerOptions options)
    : loop_(loop),
      options_(std::move(options)),
      keyspace_(clock),
      listener_(loop),
      cron_timer_(loop),
      alive_(std::make_shared<CacheServer*>(this)) {
  stats_.bind = options_.bind;
  stats_.port = options_.port;
}

CacheServer::~CacheServer() {
  stop();
}

core::Status CacheServer::start() {
  // A client that disconnects while replies are still queued makes the next write fail with
  // EPIPE, and the default SIGPIPE action would end the whole node for one client's exit.
  // Ignored, the failure reaches the connection's error path and only that client is dropped.
  std::signal(SIGPIPE, SIG_IGN);
  auto address = core::SocketAddress::parse(options_.bind + ":" + std::to_string(options_.port));
  if (!address) {
    return tl::unexpected(address.error());
  }
  auto listening = listener_.listen(*address, false, 511,
                                    [this](auto connection) { onAccept(std::move(connection)); });
  if (!listening) {
    return listening;
  }
  stats_.port = listener_.boundAddress().port();
  stats_.start_time_ms = keyspace_.nowMs();
  const auto period_ms = static_cast<uint64_t>(1000 / std::max(options_.hz, 1));
  cron_timer_.start(
      period_ms, [this] { cron(); }, period_ms);
  return {};
}

void CacheServer::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  listener_.close();
  cron_timer_.stop();
  clients_.clear();
  stats_.connected_clients = 0;
}

void CacheServer::onAccept(std::unique_ptr<core::TcpConnection> connection) {
  if (stopped_) {
    return;
  }
  const uint64_t id = next_client_id_++;
  clients_.emplace(id, std::make_unique<Client>(*this, id, std::move(connection)));
  stats_.connected_clients = clients_.size();
  stats_.total_connections_received++;
}

void CacheServer::scheduleRemove(uint64_t id) {
  std::weak_ptr<CacheServer*> alive = alive_;
  loop_.post([alive, id] {
    if (auto self = alive.lock()) {
      (*self)->clients_.erase(id);
      (*self)->stats_.connected_clients = (*self)->clients_.size();
    }
  });
}

size_t CacheServer::clientBufferBytes() const {
  size_t buffers = 0;
  for (const auto& [id, client] : clients_) {
    buffers += client->bufferBytes();
  }
  return buffers;
}

void CacheServer::cron() {
  keyspace_.activeExpireCycle(options_.expire_budget_us);
  stats_.active_expire_cycles++;
  stats_.client_buffer_bytes = clientBufferBytes();
}

}  // namespace strata::cache::node
