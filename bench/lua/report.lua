-- Shared by the scenario scripts: counts bad answers in every wrk thread and
-- prints one machine-readable line ("BENCH {json}") when the run ends.
-- A 200 whose body is JSON null (signed out) counts as bad: get-session
-- answering null would otherwise look like a fast success. Responses that
-- carry a Set-Cookie are counted too: a get-session answered from the cookie
-- cache sets none, so a non-zero count there means the cache was missed.
local M = {}
local threads = {}
-- Names of further per-thread counters (globals of the scenario script) that
-- done() sums over the threads and adds to the BENCH line.
M.counters = {}

bad_status = 0
null_bodies = 0
set_cookies = 0

function M.setup(thread)
  table.insert(threads, thread)
end

function M.response(status, headers, body)
  for name, _ in pairs(headers) do
    if name:lower() == "set-cookie" then
      set_cookies = set_cookies + 1
      break
    end
  end
  if status ~= 200 then
    bad_status = bad_status + 1
  elseif body == "null" then
    null_bodies = null_bodies + 1
  end
end

function M.done(summary, latency, requests)
  local bad, nulls, cookies = 0, 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("bad_status") or 0)
    nulls = nulls + (thread:get("null_bodies") or 0)
    cookies = cookies + (thread:get("set_cookies") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"rps":%.2f,"p50_ms":%.3f,' ..
    '"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"non200":%d,"null_bodies":%d,' ..
    '"with_set_cookie":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d',
    summary.requests, summary.duration,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    bad, nulls, cookies, e.connect, e.read, e.write, e.timeout))
  for _, name in ipairs(M.counters) do
    local total = 0
    for _, thread in ipairs(threads) do
      total = total + (thread:get(name) or 0)
    end
    io.write(string.format(',"%s":%d', name, total))
  end
  io.write("}\n")
end

return M
