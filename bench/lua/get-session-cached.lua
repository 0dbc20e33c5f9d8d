-- GET /api/auth/get-session with session_token and session_data (the
-- compact cookie cache), so a server with the cookie cache on can answer
-- without the database. BENCH_COOKIE holds the whole Cookie header value.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local report = dofile(here .. "report.lua")

wrk.method = "GET"
wrk.headers["Cookie"] = assert(os.getenv("BENCH_COOKIE"), "BENCH_COOKIE unset")
assert(wrk.headers["Cookie"]:find("session_data", 1, true),
  "BENCH_COOKIE has no session_data cookie")

setup = report.setup
response = report.response
done = report.done
