-- GET /api/auth/get-session with the signed session cookie only: the
-- database path. BENCH_COOKIE holds the whole Cookie header value.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local report = dofile(here .. "report.lua")

wrk.method = "GET"
wrk.headers["Cookie"] = assert(os.getenv("BENCH_COOKIE"), "BENCH_COOKIE unset")

setup = report.setup
response = report.response
done = report.done
