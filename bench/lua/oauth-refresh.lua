-- The refresh_token grant with rotation: every refresh token is used once.
-- Each connection runs its own chain, as a client does: the refresh_token of
-- every 200 goes into the thread's queue and a later request takes it. The
-- chains start from BENCH_POOL (one fresh refresh token a line, at least
-- connections + threads of them, each from its own code redemption), dealt
-- round-robin to the threads. A broken chain (an answer without a new
-- refresh token) counts as "broken"; a request finding the queue empty sends
-- an unknown token (answered 400) and counts as "exhausted".
-- Env: BENCH_POOL, BENCH_BASIC, BENCH_THREADS (= wrk -t).
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local report = dofile(here .. "report.lua")
report.counters = { "broken", "exhausted" }

broken = 0
exhausted = 0

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  report.setup(thread)
end

local queue, head, tail = {}, 1, 0

function init(args)
  local n = tonumber(os.getenv("BENCH_THREADS") or "1")
  local f = assert(io.open(assert(os.getenv("BENCH_POOL"), "BENCH_POOL unset"), "r"))
  local i = 0
  for line in f:lines() do
    if line ~= "" then
      if (i % n) + 1 == id then
        tail = tail + 1
        queue[tail] = line
      end
      i = i + 1
    end
  end
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. assert(os.getenv("BENCH_BASIC"), "BENCH_BASIC unset")
end

function request()
  local token = "queue-empty"
  if head <= tail then
    token = queue[head]
    queue[head] = nil
    head = head + 1
  else
    exhausted = exhausted + 1
  end
  return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. token)
end

done = report.done

function response(status, headers, body)
  report.response(status, headers, body)
  local rt = status == 200 and body:match('"refresh_token"%s*:%s*"([^"]+)"')
  if rt then
    tail = tail + 1
    queue[tail] = rt
  else
    broken = broken + 1
  end
end
