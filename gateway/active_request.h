// ActiveRequest: one request on a downstream connection, from its head to onComplete. It
// normalises and routes the request, rewrites its headers for forwarding, drives the filter
// chain (gateway/filter.h) in both directions, and runs the terminal stage (UpstreamRequest).
//
// Filter order: request hooks run in config order; response hooks run in the reverse order
// (the filter nearest the client sees the response last, as the onion model of Envoy and most
// proxies has it). A respond() from filter i runs the response hooks of filters i-1 .. 0.
// Errors from fail(), the router and the upstream are answered directly, without response hooks.
//
// Lifetime: owned by its DownstreamConnection, deleted through the worker's DeferredQueue, so
// every callback here may finish the request without the stack unwinding into freed memory.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/http/message.h"
#include "gateway/deferred.h"
#include "gateway/filter.h"
#include "gateway/upstream_request.h"

namespace strata::gateway {

class DownstreamConnection;
struct WorkerState;

class ActiveRequest : public UpstreamRequestCallbacks, public Deferrable {
 public:
  ActiveRequest(DownstreamConnection& connection, std::shared_ptr<WorkerState> state,
                core::http::RequestHead head);
  ~ActiveRequest() override;
  ActiveRequest(const ActiveRequest&) = delete;
  ActiveRequest& operator=(const ActiveRequest&) = delete;

  // Routes the request and runs the request-header hooks; may answer at once (400, 404).
  void start();

  // Downstream events, from the connection's decoder.
  void onRequestBody(std::string_view chunk);
  void onRequestComplete(core::http::HeaderMap&& trailers);
  // The connection's write queue drained below its low watermark.
  void onDownstreamDrained();
  // The request stream turned out malformed after the head (bad chunk, body too large): answer
  // `status` if nothing was sent yet. The connection closes afterwards either way.
  void onDownstreamCodecError(int status);
  // The connection is going away before the request finished; completes the request.
  void abort(bool downstream_reset);
  // Called by the connection once the response is written and the request fully read (or the
  // connection closes). Runs onComplete of every filter and records metrics; idempotent.
  void complete();

  bool responseHeadSent() const { return resp_head_sent_; }
  bool responseComplete() const { return response_complete_; }

 private:
  class Slot;
  friend class Slot;
  struct BodyItem {
    std::string data;
    bool end = false;
    core::http::HeaderMap trailers;
  };
  static constexpr size_t kNone = static_cast<size_t>(-1);

  // FilterCallbacks, per filter.
  void resumeFrom(size_t index);
  void respondFrom(size_t index, core::http::ResponseHead head, std::string body);
  void failFrom(size_t index, const core::Error& error);

  // Request direction.
  void pumpRequest();
  template <typename Hook>
  bool runRequestHooks(Hook hook);
  bool runRequestHeaderHooks();
  bool runRequestBodyHooks(BodyItem& item);
  void forwardRequestItem(BodyItem& item);
  void startUpstream();
  void updateRequestBackpressure();
  void stopRequestChain();

  // Response direction.
  void pumpResponse();
  template <typename Hook>
  bool runResponseHooks(uint64_t generation, Hook hook);
  void finishResponse(const core::http::HeaderMap& trailers);
  void sendLocalResponse(int status);
  void resetResponse();
  void updateResponseBackpressure();

  // UpstreamRequestCallbacks
  void onUpstreamReady() override;
  void onUpstreamResponseHead(core::http::ResponseHead&& head) override;
  void onUpstreamResponseBody(std::string_view chunk) override;
  void onUpstreamResponseEnd(core::http::HeaderMap&& trailers) override;
  void onUpstreamError(const core::Error& error) override;
  void onUpstreamBodyDrained() override;
  void onUpstreamReadBegin() override;
  void onUpstreamReadEnd() override;

  DownstreamConnection& conn_;
  std::shared_ptr<WorkerState> state_;
  core::http::RequestHead head_;
  const RouteEntry* route_ = nullptr;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::unique_ptr<UpstreamRequest> upstream_;
  std::chrono::steady_clock::time_point started_;

  // What is needed of the head after it went upstream.
  bool head_request_ = false;
  bool expect_continue_ = false;
  bool request_has_body_ = false;
  int request_minor_ = 1;
  bool request_keep_alive_ = true;

  // Request chain.
  bool req_headers_done_ = false;
  bool req_stopped_ = false;  // answered locally: nothing more goes upstream
  bool in_req_pump_ = false;
  size_t req_next_ = 0;
  size_t req_paused_ = kNone;
  std::deque<BodyItem> req_queue_;
  size_t req_queue_bytes_ = 0;
  bool request_complete_ = false;
  bool continue_sent_ = false;

  // Response chain.
  bool resp_begun_ = false;  // a response head (upstream or local) entered the chain
  bool resp_headers_done_ = false;
  bool resp_head_sent_ = false;
  bool resp_end_stream_ = false;
  bool in_resp_pump_ = false;
  uint64_t resp_generation_ = 0;  // bumped when a local error replaces the response
  size_t resp_top_ = 0;           // filters [0, resp_top_) see the response
  size_t resp_next_ = 0;
  size_t resp_paused_ = kNone;
  core::http::ResponseHead resp_head_;
  std::deque<BodyItem> resp_queue_;
  size_t resp_queue_bytes_ = 0;
  bool upstream_paused_ = false;
  bool awaiting_upstream_end_ = false;  // a body-less upstream response not yet complete
  bool response_complete_ = false;

  // Hook bookkeeping: which filter is inside a hook, and whether it resumed synchronously.
  size_t executing_ = kNone;
  bool resume_pending_ = false;

  int status_ = 0;
  bool upstream_reached_ = false;
  bool completed_ = false;
  bool aborted_ = false;
  bool downstream_reset_ = false;
};

}  // namespace strata::gateway
