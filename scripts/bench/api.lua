-- wrk script of scripts/bench-api: one route, one case per connection.
--
-- Run with as many threads as connections (-t N -c N): each thread then has one connection,
-- whose requests go one after another, so a write can name the version that the previous
-- answer returned (a PATCH or a lookup with apply makes a new version).
--
-- Environment:
--   BENCH_METHOD   GET, PATCH or POST
--   BENCH_PATH     the path; {id} becomes the connection's case
--   BENCH_BODY     the body, if any; {version} becomes the case's version, {n} a counter
--   BENCH_CASES    id:version,id:version,... (one per thread, taken in turn)
--   BENCH_TOKEN    a bearer token
--   BENCH_DELAY_MS pause after each answer (paces each connection to a fixed rate); unset: none
--
-- At the end it prints one line, `bench-result {json}`, with requests, seconds, p50, p99, max
-- (milliseconds), the answers that were not 2xx or never came (failed), and socket errors.

local cases = {}
for id, version in string.gmatch(os.getenv("BENCH_CASES") or "", "([^,:]+):(%d+)") do
    cases[#cases + 1] = { id = id, version = version }
end
local threads = {}

function setup(thread)
    local case = cases[#threads % math.max(#cases, 1) + 1] or { id = "", version = "0" }
    thread:set("case_id", case.id)
    thread:set("version", case.version)
    threads[#threads + 1] = thread
end

local method = os.getenv("BENCH_METHOD") or "GET"
local body_template = os.getenv("BENCH_BODY")
local headers = { ["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "") }
if body_template then
    headers["Content-Type"] = "application/json"
end
local path
local n = 0
non_2xx = 0
first_failure = nil

function init(args)
    path = (os.getenv("BENCH_PATH") or "/"):gsub("{id}", case_id)
end

function request()
    n = n + 1
    local body = nil
    if body_template then
        body = body_template:gsub("{version}", version):gsub("{n}", tostring(n))
    end
    return wrk.format(method, path, headers, body)
end

-- Reading answers costs the client time, so only a write reads them: for its next version.
if body_template then
    function response(status, _, body)
        if status < 200 or status > 299 then
            non_2xx = non_2xx + 1
            first_failure = first_failure or (status .. " " .. (body or ""):sub(1, 300))
        end
        local v = body and body:match('"version":(%d+)')
        if v then
            version = v
        end
    end
end

local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if delay_ms then
    function delay()
        return delay_ms
    end
end

function done(summary, latency, _)
    local counted = 0
    for _, thread in ipairs(threads) do
        counted = counted + (thread:get("non_2xx") or 0)
        local failure = thread:get("first_failure")
        if failure then
            io.write("bench-failure " .. failure:gsub("\n", " ") .. "\n")
        end
    end
    local e = summary.errors
    -- wrk counts answers of 400 and above in errors.status; a write's own count has the rest.
    local sockets = e.connect + e.read + e.write + e.timeout
    io.write(string.format(
        'bench-result {"requests": %d, "seconds": %.3f, "p50": %.3f, "p99": %.3f, '
            .. '"max": %.3f, "failed": %d, "socket_errors": %d}\n',
        summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000,
        math.max(counted, e.status) + sockets, sockets))
end
