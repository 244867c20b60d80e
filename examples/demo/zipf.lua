-- wrk script for the Strata demo: GETs URIs from a list with Zipf-like popularity, the way
-- real traffic concentrates on a few hot pages, and reports what the client saw.
--
--   wrk -t2 -c50 -d30s --latency -s zipf.lua http://127.0.0.1:8080 -- URI_FILE [S] [SEED]
--
-- URI_FILE holds one path per line; line k is the k-th most popular (weight 1/k^S, S=1.0 by
-- default). Each thread seeds its generator with SEED+thread number, so a run is repeatable.
-- At the end one line starting with "STRATA_WRK" carries machine-readable totals.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

-- Per-thread state (each wrk thread has its own Lua state).
local uris = {}
local cdf = {}

local function loadUris(path)
  local list = {}
  local file = assert(io.open(path, "r"), "cannot open URI file " .. tostring(path))
  for line in file:lines() do
    if line ~= "" then
      list[#list + 1] = line
    end
  end
  file:close()
  assert(#list > 0, "URI file is empty: " .. path)
  return list
end

-- The CDF is precomputed once so each request costs one binary search.
local function buildCdf(n, s)
  local table_ = {}
  local total = 0
  for k = 1, n do
    total = total + 1 / (k ^ s)
    table_[k] = total
  end
  for k = 1, n do
    table_[k] = table_[k] / total
  end
  table_[n] = 1.0
  return table_
end

local function pick()
  local r = math.random()
  local lo, hi = 1, #cdf
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < r then
      lo = mid + 1
    else
      hi = mid
    end
  end
  return lo
end

function init(args)
  local path = args[1] or os.getenv("STRATA_URI_FILE")
  local exponent = tonumber(args[2] or "1.0")
  local seed = tonumber(args[3] or "42")
  uris = loadUris(path)
  cdf = buildCdf(#uris, exponent)
  math.randomseed(seed + (thread_number or 0))
  responses = 0
  status_2xx, status_3xx, status_4xx, status_5xx, status_other = 0, 0, 0, 0, 0
  cache_hit, cache_miss, cache_other, cache_absent = 0, 0, 0, 0
end

function request()
  return wrk.format("GET", uris[pick()])
end

function response(status, headers, body)
  responses = responses + 1
  if status >= 200 and status < 300 then
    status_2xx = status_2xx + 1
  elseif status >= 300 and status < 400 then
    status_3xx = status_3xx + 1
  elseif status >= 400 and status < 500 then
    status_4xx = status_4xx + 1
  elseif status >= 500 and status < 600 then
    status_5xx = status_5xx + 1
  else
    status_other = status_other + 1
  end
  local verdict = headers["X-Cache"] or headers["x-cache"]
  if verdict == nil then
    cache_absent = cache_absent + 1
  elseif verdict:sub(1, 3) == "HIT" then
    cache_hit = cache_hit + 1
  elseif verdict:sub(1, 4) == "MISS" then
    cache_miss = cache_miss + 1
  else
    cache_other = cache_other + 1
  end
end

function done(summary, latency, requests)
  local names = { "responses", "status_2xx", "status_3xx", "status_4xx", "status_5xx",
                  "status_other", "cache_hit", "cache_miss", "cache_other", "cache_absent" }
  local totals = {}
  for _, name in ipairs(names) do
    totals[name] = 0
  end
  for _, thread in ipairs(threads) do
    for _, name in ipairs(names) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local parts = {
    string.format("requests=%d", summary.requests),
    string.format("duration_s=%.2f", seconds),
    string.format("rps=%.1f", summary.requests / seconds),
    string.format("p50_ms=%.3f", latency:percentile(50) / 1000),
    string.format("p99_ms=%.3f", latency:percentile(99) / 1000),
    string.format("socket_errors=%d", e.connect + e.read + e.write + e.timeout),
    string.format("connect_errors=%d", e.connect),
    string.format("read_errors=%d", e.read),
    string.format("write_errors=%d", e.write),
    string.format("timeouts=%d", e.timeout),
    string.format("non2xx=%d",
      totals.status_3xx + totals.status_4xx + totals.status_5xx + totals.status_other),
  }
  for _, name in ipairs(names) do
    parts[#parts + 1] = string.format("%s=%d", name, totals[name])
  end
  io.write("STRATA_WRK " .. table.concat(parts, " ") .. "\n")
end
