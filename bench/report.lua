-- wrk reporting hook for bench/run: prints one machine-readable line at the end of a run.
-- No request/response hooks are defined, so wrk keeps its fast native request path.
function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "STRATA_WRK requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f socket_errors=%d status_errors=%d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout, e.status))
end
