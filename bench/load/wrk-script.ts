/**
 * The one Lua script wrk runs for every workload, on both systems. Its
 * arguments (after `--`): mode, method, path or path prefix, body size,
 * per-thread object counts (comma list), per-thread response limit (0 =
 * none), then `Name: value` headers. Modes:
 *   static  the same request every time (token, listings, 256 MiB)
 *   put     <prefix><thread>-<n> with n = 1, 2, … (new objects)
 *   pick    a random existing <prefix><t>-<i> (GET, HEAD)
 *   each    <prefix><thread>-<n> for n = 1..count of the thread (DELETE), then stop
 * (Names start at 1 on every thread: see `checked` below.)
 * A thread that reaches its limit prints `THREADDONE` (wrk itself only
 * ends at its duration, so the bench interrupts it once all are done).
 * done() prints one line `BENCHJSON {...}` with counts and latency.
 *
 * LEAN_WRK_SCRIPT is the same without a response() function, for static
 * GETs with no limit: wrk hands a script that has one every response body
 * whole, copying a 256 MiB GET into a growing buffer (43% of a core, and
 * the figure was the client's), so there ok/bad come from wrk's own count
 * of statuses above 399.
 */
const BASE = String.raw`
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local mode, method, path, body, limit, headers, static_req
local counts = {}
-- wrk 4.1 calls request() once on the first thread's state to check it
-- (script_verify_request) before sending anything: that call must not use
-- up a name, or object <prefix>1-1 is never written.
local checked = true
n, ok, bad = 0, 0, 0

function init(args)
  mode, method, path = args[1], args[2], args[3]
  local size = tonumber(args[4])
  for c in string.gmatch(args[5], "[^,]+") do table.insert(counts, tonumber(c)) end
  limit = tonumber(args[6])
  headers = {}
  for i = 7, #args do
    local k, v = string.match(args[i], "^([^:]+):%s*(.*)$")
    headers[k] = v
  end
  if size > 0 then body = string.rep("x", size) elseif method == "PUT" then body = "" end
  if mode == "static" then static_req = wrk.format(method, path, headers, body) end
  if mode == "each" then limit = counts[id] end
  checked = id ~= 1
end

-- The headers of a request for path p (S3_WRK_SCRIPT adds its signature).
function sign(p)
  return headers
end

function request()
  if mode == "static" then return static_req end
  local p
  if not checked then
    checked = true
    p = path .. id .. "-0"
  else
    n = n + 1
    if mode == "put" or mode == "each" then
      p = path .. id .. "-" .. n
    else
      local t = math.random(#counts)
      p = path .. t .. "-" .. math.random(counts[t])
    end
  end
  return wrk.format(method, p, sign(p), body)
end

function done(summary, latency, requests)
  local ns, oks, bads = {}, 0, 0
  local e = summary.errors
  for i, t in ipairs(threads) do
    table.insert(ns, tostring(t:get("n")))
    oks = oks + t:get("ok")
    bads = bads + t:get("bad")
  end
  if response == nil then oks, bads = summary.requests - e.status, e.status end
  io.write(string.format(
    'BENCHJSON {"requests":%d,"durationUs":%d,"ok":%d,"bad":%d,"socketErrors":%d,"p50Us":%d,"p99Us":%d,"meanUs":%.1f,"counts":[%s]}\n',
    summary.requests, summary.duration, oks, bads, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, table.concat(ns, ",")))
end
`;

/** Counts ok/bad per thread and stops a thread at its limit. */
const RESPONSE = String.raw`
function response(status, hdrs, b)
  if status < 300 then ok = ok + 1 else
    bad = bad + 1
    -- What the errors were: the first few of each thread, with the start of the body.
    if bad <= 3 then io.write(string.format("BADRESPONSE %d %s\n", status, string.gsub(string.sub(b or "", 1, 120), "%c", " "))) end
  end
  if limit > 0 and ok + bad >= limit and not stopped then
    stopped = true
    io.write("THREADDONE\n")
    io.flush()
    wrk.thread:stop()
  end
end
`;

export const WRK_SCRIPT = BASE + RESPONSE;

/** WRK_SCRIPT without its response() function (see above). */
export const LEAN_WRK_SCRIPT = BASE;

/**
 * S3 with SigV4 (s3-signed.ts): the file named by $BENCH_S3_SIGNATURES
 * holds one line per request path, `<path> <signature>`, signed before the
 * run with the same x-amz-date (sent, with x-amz-content-sha256, as a
 * header argument); the Authorization argument is the value up to its
 * signature. A path without a line goes out with a signature the server
 * refuses (403), counted as bad.
 */
const SIGNED = String.raw`
local signatures = {}
local authorization
local unsigned_init = init
function init(args)
  unsigned_init(args)
  authorization = headers["Authorization"]
  for line in io.lines(os.getenv("BENCH_S3_SIGNATURES")) do
    local sp = string.find(line, " ", 1, true)
    signatures[string.sub(line, 1, sp - 1)] = string.sub(line, sp + 1)
  end
end

function sign(p)
  headers["Authorization"] = authorization .. (signatures[p] or "none")
  return headers
end
`;

export const S3_WRK_SCRIPT = BASE + RESPONSE + SIGNED;
