-- A token request whose body is used once: authorization_code redemption,
-- each request with a fresh code (and its PKCE verifier). BENCH_POOL is a
-- file of complete form bodies, one a line, minted before the run; they are
-- dealt round-robin to the wrk threads. When a thread runs out it sends a
-- body with an unknown code (answered 400) and counts it as "exhausted".
-- Env: BENCH_POOL, BENCH_BASIC, BENCH_EXPECT (as in oauth-static.lua),
-- BENCH_THREADS (= wrk -t).
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local report = dofile(here .. "report.lua")
report.counters = { "unexpected", "exhausted", "used" }

-- compared with the body with its white space removed
local expect = (os.getenv("BENCH_EXPECT") or ""):gsub("%s", "")
unexpected = 0
exhausted = 0
used = 0

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  report.setup(thread)
end

local pool, head, tail = {}, 1, 0
local empty = "grant_type=authorization_code&code=pool-exhausted"

function init(args)
  local n = tonumber(os.getenv("BENCH_THREADS") or "1")
  local f = assert(io.open(assert(os.getenv("BENCH_POOL"), "BENCH_POOL unset"), "r"))
  local i = 0
  for line in f:lines() do
    if line ~= "" then
      if (i % n) + 1 == id then
        tail = tail + 1
        pool[tail] = line
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
  local body = empty
  if head <= tail then
    body = pool[head]
    pool[head] = nil
    head = head + 1
    used = used + 1
  else
    exhausted = exhausted + 1
  end
  return wrk.format(nil, nil, nil, body)
end

done = report.done

function response(status, headers, body)
  report.response(status, headers, body)
  if status == 200 and not (body:gsub("%s", "")):find(expect, 1, true) then
    unexpected = unexpected + 1
  end
end
