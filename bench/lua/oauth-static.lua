-- The same OAuth request every time: the client_credentials grant and
-- introspection (POST, form body, client_secret_basic) or JWKS (GET).
-- Env: BENCH_METHOD (POST), BENCH_BASIC (base64 of "client_id:client_secret",
-- optional), BENCH_BODY (the form body, optional) and BENCH_EXPECT: a 200 whose
-- body lacks this text counts as "unexpected" (e.g. "active":true).
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local report = dofile(here .. "report.lua")
report.counters = { "unexpected" }

-- compared with the body with its white space removed
local expect = (os.getenv("BENCH_EXPECT") or ""):gsub("%s", "")
unexpected = 0

wrk.method = os.getenv("BENCH_METHOD") or "POST"
local basic = os.getenv("BENCH_BASIC")
if basic and basic ~= "" then
  wrk.headers["Authorization"] = "Basic " .. basic
end
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.body = body
end

setup = report.setup
done = report.done

function response(status, headers, body)
  report.response(status, headers, body)
  if status == 200 and not (body:gsub("%s", "")):find(expect, 1, true) then
    unexpected = unexpected + 1
  end
end
