// ActiveRequest: routing, header rewriting, the filter-chain driver and the terminal stage.
#include "gateway/active_request.h"

#include "core/http/authority.h"
#include "core/http/hop_by_hop.h"
#include "core/http/path.h"
#include "core/log/log.h"
#include "gateway/downstream_connection.h"
#include "gateway/error_status.h"
#include "gateway/worker.h"

namespace strata::gateway {

using core::http::BodyFraming;

namespace {

// Body bytes a paused filter chain may hold in either direction before the sending side is
// paused (client reading for requests, upstream reading for responses).
constexpr size_t kMaxQueuedBody = 64 * 1024;

constexpr std::string_view kViaName = "strata";

// Splits an absolute-form target ("http://host:port/path?q") into authority and the rest.
bool splitAbsoluteForm(std::string_view target, std::string_view& authority,
                       std::string_view& rest) {
  size_t scheme_end = 0;
  if (target.substr(0, 7) == "http://") {
    scheme_end = 7;
  } else if (target.substr(0, 8) == "https://") {
    scheme_end = 8;
  } else {
    return false;
  }
  const auto after = target.substr(scheme_end);
  const auto slash = after.find_first_of("/?");
  authority = after.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view("/") : after.substr(slash);
  return true;
}

}  // namespace

// The FilterCallbacks one filter gets: it knows its position, so resume(), respond() and fail()
// act on the right place in the chain.
class ActiveRequest::Slot : public FilterCallbacks {
 public:
  Slot(ActiveRequest& request, size_t index, std::unique_ptr<Filter> filter)
      : filter(std::move(filter)), request_(request), index_(index) {}

  core::Loop& loop() override { return request_.state_->loop; }
  const RouteEntry& route() const override { return *request_.route_; }
  const core::SocketAddress& downstreamAddress() const override {
    return request_.conn_.peerAddress();
  }
  void resume() override { request_.resumeFrom(index_); }
  void respond(core::http::ResponseHead head, std::string body) override {
    request_.respondFrom(index_, std::move(head), std::move(body));
  }
  void fail(const core::Error& error) override { request_.failFrom(index_, error); }

  std::unique_ptr<Filter> filter;

 private:
  ActiveRequest& request_;
  size_t index_;
};

ActiveRequest::ActiveRequest(DownstreamConnection& connection, std::shared_ptr<WorkerState> state,
                             core::http::RequestHead head)
    : conn_(connection),
      state_(std::move(state)),
      head_(std::move(head)),
      started_(std::chrono::steady_clock::now()) {
  head_request_ = head_.method == "HEAD";
  expect_continue_ = head_.expect_continue;
  request_minor_ = head_.version_minor;
  request_keep_alive_ = head_.keep_alive;
  request_has_body_ = head_.framing == BodyFraming::Chunked ||
                      (head_.framing == BodyFraming::ContentLength && head_.content_length > 0);
}

ActiveRequest::~ActiveRequest() {
  // The connection completes every request it finishes; this covers teardown paths.
  complete();
}

void ActiveRequest::start() {
  if (head_.method == "CONNECT") {
    // The gateway does not tunnel. Whatever the client sends after a CONNECT is meant for the
    // tunnel, so it must never be read as further requests: answer and close.
    request_keep_alive_ = false;
    sendLocalResponse(501);
    return;
  }
  // Absolute-form targets name their host themselves (RFC 9112 §3.2.2). An http(s) URI with an
  // empty host is invalid (RFC 9110 §4.2.1), and the authority must pass the checks the decoder
  // applies to Host, since it becomes the Host sent upstream and the cache key's host.
  std::string_view authority;
  std::string_view origin_form;
  if (splitAbsoluteForm(head_.target, authority, origin_form)) {
    if (authority.empty() || !core::http::isValidAuthority(authority)) {
      STRATA_LOG_DEBUG("refusing request target '{}': invalid authority", head_.target);
      sendLocalResponse(400);
      return;
    }
    head_.headers.set("Host", std::string(authority));
    head_.target = std::string(origin_form);
  }
  // Every decision below, and the upstream, sees the normalised path (case 08).
  auto path = core::http::normalizePath(head_.path());
  if (!path) {
    STRATA_LOG_DEBUG("refusing request target '{}': {}", head_.target, path.error().describe());
    sendLocalResponse(400);
    return;
  }
  std::string target = std::move(*path);
  target.append(head_.query());
  head_.target = std::move(target);

  route_ = state_->snapshot->router.match(head_.host(), head_.path());
  if (route_ == nullptr) {
    sendLocalResponse(404);
    return;
  }
  // The client's Connection list is applied before the gateway adds anything (case 07).
  core::http::removeHopByHop(head_.headers);
  core::http::addForwardingHeaders(head_, conn_.peerAddress().host(), "http", kViaName);

  for (auto& factory : state_->filter_factories) {
    if (!factory) {
      continue;
    }
    auto filter = factory->createFilter(*route_);
    if (!filter) {
      continue;
    }
    auto slot = std::make_unique<Slot>(*this, slots_.size(), std::move(filter));
    slot->filter->setCallbacks(*slot);
    slots_.push_back(std::move(slot));
  }
  pumpRequest();
}

// ---- request direction ----------------------------------------------------------------------

void ActiveRequest::onRequestBody(std::string_view chunk) {
  if (req_stopped_ || completed_) {
    return;  // answered locally: the rest of the body is read and dropped
  }
  if (slots_.empty() && req_headers_done_ && req_queue_.empty() && upstream_) {
    upstream_->sendBody(std::string(chunk));
    updateRequestBackpressure();
    return;
  }
  req_queue_bytes_ += chunk.size();
  req_queue_.push_back(BodyItem{std::string(chunk), false, {}});
  pumpRequest();
  updateRequestBackpressure();
}

void ActiveRequest::onRequestComplete(core::http::HeaderMap&& trailers) {
  request_complete_ = true;
  if (req_stopped_ || completed_) {
    return;
  }
  req_queue_.push_back(BodyItem{std::string(), true, std::move(trailers)});
  pumpRequest();
}

void ActiveRequest::pumpRequest() {
  if (in_req_pump_) {
    return;  // the running pump picks the new work up
  }
  in_req_pump_ = true;
  while (!req_stopped_ && !completed_ && req_paused_ == kNone) {
    if (!req_headers_done_) {
      if (!runRequestHeaderHooks()) {
        break;
      }
      req_headers_done_ = true;
      startUpstream();
      continue;
    }
    if (req_queue_.empty()) {
      break;
    }
    BodyItem& item = req_queue_.front();
    if (!runRequestBodyHooks(item)) {
      break;
    }
    BodyItem done = std::move(item);
    req_queue_.pop_front();
    req_queue_bytes_ -= std::min(req_queue_bytes_, done.data.size());
    forwardRequestItem(done);
  }
  in_req_pump_ = false;
}

// Calls `hook` on each filter from req_next_ on. False when a filter paused the chain or the
// request stopped or completed underneath it; req_next_ then says where to go on.
template <typename Hook>
bool ActiveRequest::runRequestHooks(Hook hook) {
  while (req_next_ < slots_.size()) {
    const size_t i = req_next_++;
    executing_ = i;
    resume_pending_ = false;
    const auto status = hook(*slots_[i]->filter);
    executing_ = kNone;
    if (req_stopped_ || completed_) {
      return false;
    }
    if (status == FilterStatus::Pause && !resume_pending_) {
      req_paused_ = i;
      return false;
    }
  }
  req_next_ = 0;
  return true;
}

bool ActiveRequest::runRequestHeaderHooks() {
  const bool end_stream = !request_has_body_;
  return runRequestHooks(
      [&](Filter& filter) { return filter.onRequestHeaders(head_, end_stream); });
}

bool ActiveRequest::runRequestBodyHooks(BodyItem& item) {
  if (!request_has_body_) {
    return true;  // the headers hook already said end_stream; only the end marker is here
  }
  return runRequestHooks([&](Filter& filter) { return filter.onRequestBody(item.data, item.end); });
}

void ActiveRequest::forwardRequestItem(BodyItem& item) {
  if (!upstream_) {
    return;
  }
  if (!item.data.empty()) {
    upstream_->sendBody(std::move(item.data));
  }
  if (item.end) {
    upstream_->endBody(item.trailers);
  }
}

void ActiveRequest::startUpstream() {
  upstream_reached_ = true;
  auto& cluster = *state_->clusters[route_->cluster_index];
  // The upstream speaks HTTP/1.1 with this gateway whatever the client spoke; framing fields
  // are rewritten for the body as the gateway will send it.
  head_.version_minor = 1;
  head_.headers.remove("expect");
  switch (head_.framing) {
    case BodyFraming::ContentLength:
      head_.headers.set("Content-Length", std::to_string(head_.content_length));
      break;
    case BodyFraming::Chunked:
      head_.headers.remove("content-length");
      head_.headers.set("Transfer-Encoding", "chunked");
      break;
    case BodyFraming::None:
    case BodyFraming::UntilClose:
      break;
  }
  upstream_ = std::make_unique<UpstreamRequest>(*this, cluster, state_->loop, std::move(head_));
  head_ = core::http::RequestHead();
  upstream_->start();
}

void ActiveRequest::updateRequestBackpressure() {
  const bool blocked =
      !completed_ && !req_stopped_ &&
      (req_queue_bytes_ > kMaxQueuedBody || (upstream_ && !upstream_->acceptsBody()));
  conn_.setRequestBackpressure(blocked);
}

void ActiveRequest::stopRequestChain() {
  req_stopped_ = true;
  req_queue_.clear();
  req_queue_bytes_ = 0;
  if (upstream_) {
    upstream_->cancel();
  }
  conn_.setRequestBackpressure(false);
}

// ---- filter callbacks -----------------------------------------------------------------------

void ActiveRequest::resumeFrom(size_t index) {
  if (completed_) {
    return;
  }
  if (executing_ == index) {
    resume_pending_ = true;  // resumed before its hook returned: treat Pause as Continue
    return;
  }
  if (req_paused_ == index) {
    req_paused_ = kNone;
    pumpRequest();
    updateRequestBackpressure();
  } else if (resp_paused_ == index) {
    resp_paused_ = kNone;
    pumpResponse();
  }
}

void ActiveRequest::respondFrom(size_t index, core::http::ResponseHead head, std::string body) {
  if (completed_) {
    return;
  }
  if (resp_begun_) {
    // A response is already on its way; a filter cannot swap it for another one.
    failFrom(index, core::Error::make(core::ErrorKind::Internal,
                                      "a filter answered a request that already had a response"));
    return;
  }
  if (head.status < 200 || head.status > 599) {
    // A 1xx as the final response would leave the client waiting for another response (and
    // reading the next one as this one's): a filter bug or a corrupt stored entry, never sent.
    failFrom(index, core::Error::make(core::ErrorKind::Internal, "a filter answered with status " +
                                                                     std::to_string(head.status)));
    return;
  }
  stopRequestChain();
  if (req_paused_ == index) {
    req_paused_ = kNone;
  }
  head.headers.set("Content-Length", std::to_string(body.size()));
  head.framing = BodyFraming::ContentLength;
  head.content_length = body.size();
  if (head.reason.empty()) {
    head.reason = std::string(core::http::reasonPhrase(head.status));
  }
  resp_begun_ = true;
  resp_head_ = std::move(head);
  resp_top_ = index;
  resp_next_ = index;
  resp_end_stream_ = head_request_ || body.empty();
  if (!resp_end_stream_) {
    resp_queue_bytes_ += body.size();
    resp_queue_.push_back(BodyItem{std::move(body), true, {}});
  }
  pumpResponse();
}

void ActiveRequest::failFrom(size_t /*index*/, const core::Error& error) {
  if (completed_) {
    return;
  }
  STRATA_LOG_DEBUG("filter failed the request: {}", error.describe());
  sendLocalResponse(statusForError(error));
}

// ---- response direction ---------------------------------------------------------------------

void ActiveRequest::onUpstreamReady() {
  if (expect_continue_ && !request_complete_ && !continue_sent_ && !resp_head_sent_) {
    // The client waits for this before sending the body; upstream never saw the Expect.
    continue_sent_ = true;
    conn_.sendContinue();
  }
  updateRequestBackpressure();
}

void ActiveRequest::onUpstreamResponseHead(core::http::ResponseHead&& head) {
  if (completed_ || resp_begun_) {
    return;
  }
  core::http::removeHopByHop(head.headers);
  std::string via = head.headers.joined("via");
  via.append(via.empty() ? "1.1 " : ", 1.1 ");
  via.append(kViaName);
  head.headers.set("Via", std::move(via));
  resp_begun_ = true;
  resp_end_stream_ = head.framing == BodyFraming::None;
  awaiting_upstream_end_ = resp_end_stream_;
  resp_head_ = std::move(head);
  resp_top_ = slots_.size();
  resp_next_ = resp_top_;
  pumpResponse();
}

void ActiveRequest::onUpstreamResponseBody(std::string_view chunk) {
  if (completed_ || resp_end_stream_) {
    return;
  }
  if (resp_top_ == 0 && resp_head_sent_ && resp_queue_.empty()) {
    // No filter sees the response: straight to the client.
    conn_.writeResponseBody(std::string(chunk));
    updateResponseBackpressure();
    return;
  }
  resp_queue_bytes_ += chunk.size();
  resp_queue_.push_back(BodyItem{std::string(chunk), false, {}});
  pumpResponse();
  updateResponseBackpressure();
}

void ActiveRequest::onUpstreamResponseEnd(core::http::HeaderMap&& trailers) {
  if (completed_) {
    return;
  }
  if (resp_end_stream_) {
    awaiting_upstream_end_ = false;
    if (resp_head_sent_ && !response_complete_) {
      finishResponse({});
    }
    return;  // otherwise the end goes out when the paused header hooks finish
  }
  resp_queue_.push_back(BodyItem{std::string(), true, std::move(trailers)});
  pumpResponse();
}

void ActiveRequest::onUpstreamError(const core::Error& error) {
  if (completed_) {
    return;
  }
  STRATA_LOG_WARN("route '{}': upstream failed: {}", route_ != nullptr ? route_->name : "",
                  error.describe());
  sendLocalResponse(statusForError(error));
}

void ActiveRequest::onUpstreamBodyDrained() {
  updateRequestBackpressure();
}

void ActiveRequest::onUpstreamReadBegin() {
  conn_.cork();
}

void ActiveRequest::onUpstreamReadEnd() {
  conn_.uncork();
  // The bytes just flushed count toward the client's write queue only now.
  updateResponseBackpressure();
}

void ActiveRequest::onDownstreamDrained() {
  updateResponseBackpressure();
}

// Calls `hook` on each filter from resp_next_ down. True when a filter paused the chain; the
// caller tells completion and a replaced response (another generation) apart itself.
template <typename Hook>
bool ActiveRequest::runResponseHooks(uint64_t generation, Hook hook) {
  while (resp_next_ > 0) {
    const size_t i = --resp_next_;
    executing_ = i;
    resume_pending_ = false;
    const auto status = hook(*slots_[i]->filter);
    executing_ = kNone;
    if (completed_ || resp_generation_ != generation) {
      return false;
    }
    if (status == FilterStatus::Pause && !resume_pending_) {
      resp_paused_ = i;
      return true;
    }
  }
  return false;
}

void ActiveRequest::pumpResponse() {
  if (in_resp_pump_) {
    return;
  }
  in_resp_pump_ = true;
  conn_.cork();
  while (!completed_ && !response_complete_ && resp_paused_ == kNone && resp_begun_) {
    const uint64_t generation = resp_generation_;
    if (!resp_headers_done_) {
      const bool paused = runResponseHooks(generation, [&](Filter& filter) {
        return filter.onResponseHeaders(resp_head_, resp_end_stream_);
      });
      if (completed_ || paused) {
        break;
      }
      if (resp_generation_ != generation) {
        continue;  // a local error replaced the response; start over with it
      }
      resp_headers_done_ = true;
      resp_next_ = resp_top_;
      status_ = resp_head_.status;
      ResponseContext context;
      context.head_request = head_request_;
      context.request_minor = request_minor_;
      context.request_keep_alive = request_keep_alive_;
      context.body_state_unknown = expect_continue_ && !continue_sent_ && !request_complete_;
      resp_head_sent_ = true;
      conn_.beginResponse(resp_head_, context);
      if (resp_end_stream_) {
        // An upstream connection is released only at its message end, which for a body-less
        // response comes right after the head: wait for it before finishing the request.
        if (!awaiting_upstream_end_) {
          finishResponse({});
        }
        break;
      }
      continue;
    }
    if (resp_queue_.empty()) {
      break;
    }
    BodyItem& item = resp_queue_.front();
    const bool paused = runResponseHooks(
        generation, [&](Filter& filter) { return filter.onResponseBody(item.data, item.end); });
    if (completed_ || paused) {
      break;
    }
    if (resp_generation_ != generation) {
      continue;
    }
    resp_next_ = resp_top_;
    BodyItem done = std::move(item);
    resp_queue_.pop_front();
    resp_queue_bytes_ -= std::min(resp_queue_bytes_, done.data.size());
    if (!done.data.empty()) {
      conn_.writeResponseBody(std::move(done.data));
    }
    if (done.end) {
      finishResponse(done.trailers);
      break;
    }
  }
  in_resp_pump_ = false;
  conn_.uncork();
  updateResponseBackpressure();
}

void ActiveRequest::finishResponse(const core::http::HeaderMap& trailers) {
  response_complete_ = true;
  resp_queue_.clear();
  resp_queue_bytes_ = 0;
  // May finish the whole request (and schedule this object's deletion) before returning.
  conn_.endResponse(trailers);
}

void ActiveRequest::resetResponse() {
  ++resp_generation_;
  resp_queue_.clear();
  resp_queue_bytes_ = 0;
  resp_paused_ = kNone;
  resp_headers_done_ = false;
  resp_top_ = 0;
  resp_next_ = 0;
}

void ActiveRequest::sendLocalResponse(int status) {
  if (completed_ || response_complete_) {
    return;
  }
  if (resp_head_sent_) {
    if (!conn_.discardUnsentResponse()) {
      // Too late for a status: the client already has a head. Cut the connection so the client
      // sees a truncated response rather than a wrong one.
      aborted_ = true;
      conn_.abortResponse();
      return;
    }
    // The head (and any body) still sat in the cork buffer, which happens when the upstream's
    // head and its fault arrive in one read: the client gets the error status, not an empty
    // reply.
    resp_head_sent_ = false;
  }
  stopRequestChain();
  resetResponse();
  awaiting_upstream_end_ = false;
  std::string body = localResponseBody(status);
  resp_head_ = localResponseHead(status, body.size(), false);
  resp_begun_ = true;
  resp_end_stream_ = head_request_;
  if (!resp_end_stream_) {
    resp_queue_bytes_ += body.size();
    resp_queue_.push_back(BodyItem{std::move(body), true, {}});
  }
  pumpResponse();
}

void ActiveRequest::updateResponseBackpressure() {
  if (!upstream_ || completed_) {
    return;
  }
  const bool blocked = conn_.writeBlocked() || resp_queue_bytes_ > kMaxQueuedBody;
  if (blocked && !upstream_paused_) {
    upstream_paused_ = true;
    upstream_->pauseResponse();
  } else if (!blocked && upstream_paused_) {
    upstream_paused_ = false;
    upstream_->resumeResponse();
  }
}

// ---- end of the request -----------------------------------------------------------------------

void ActiveRequest::onDownstreamCodecError(int status) {
  if (completed_) {
    return;
  }
  request_complete_ = true;  // nothing more will be read
  sendLocalResponse(status);
}

void ActiveRequest::abort(bool downstream_reset) {
  if (completed_) {
    return;
  }
  aborted_ = true;
  downstream_reset_ = downstream_reset;
  complete();
}

void ActiveRequest::complete() {
  if (completed_) {
    return;
  }
  completed_ = true;
  if (upstream_) {
    upstream_->cancel();
  }
  RequestOutcome outcome;
  outcome.status = resp_head_sent_ ? status_ : 0;
  outcome.upstream_reached = upstream_reached_;
  outcome.downstream_reset = downstream_reset_;
  outcome.complete = response_complete_ && !aborted_;
  for (auto& slot : slots_) {
    slot->filter->onComplete(outcome);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  // A request the client abandoned before any status is counted as 499, as nginx logs it.
  const int status = resp_head_sent_ ? status_ : 499;
  const size_t route_index =
      route_ != nullptr ? static_cast<size_t>(route_ - state_->snapshot->router.routes().data())
                        : RouteMetricsCache::npos;
  state_->route_metrics.record(route_index, status, seconds);
}

}  // namespace strata::gateway
