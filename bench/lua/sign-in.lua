-- POST /api/auth/sign-in/email as JSON for one existing user; each request
-- verifies the password once and opens a new session.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
local report = dofile(here .. "report.lua")

local email = assert(os.getenv("BENCH_EMAIL"), "BENCH_EMAIL unset")
local password = assert(os.getenv("BENCH_PASSWORD"), "BENCH_PASSWORD unset")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Origin"] = assert(os.getenv("BENCH_ORIGIN"), "BENCH_ORIGIN unset")
wrk.body = string.format('{"email":"%s","password":"%s"}', email, password)

setup = report.setup
response = report.response
done = report.done
