-- wrk script for the directory benchmark (bench/directory.py runs it).
--
--   wrk -t2 -c16 -d5s -s bench/directory.lua http://127.0.0.1:PORT/ -- \
--       PATHS_FILE TOKEN
--
-- PATHS_FILE holds one request path a line (a directory page, or the static
-- file of the same bytes); each request picks one at random, with the
-- token in Authorization so that the static runs cost the client the same.
-- done() prints "BENCH {json}" as people.lua does.

local threads = {}
local reqs = {}
answers, non2xx = 0, 0

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   local file, token = args[1], args[2]
   math.randomseed(os.time())
   for line in io.lines(file) do
      if #line > 0 then
         reqs[#reqs + 1] = wrk.format("GET", line, { ["Authorization"] = token })
      end
   end
   assert(#reqs > 0, "no paths in " .. tostring(file))
end

function request()
   return reqs[math.random(#reqs)]
end

function response(status, headers, body)
   answers = answers + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end

function done(summary, latency, requests)
   local bad, answered = 0, 0
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non2xx") or 0)
      answered = answered + (t:get("answers") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"answers":%d,' ..
      '"non2xx":%d,"errors":{"connect":%d,"read":%d,"write":%d,' ..
      '"status":%d,"timeout":%d},"latency_us":{"mean":%.1f,"p50":%d,' ..
      '"p90":%d,"p99":%d,"max":%d}}\n',
      summary.requests, summary.duration, summary.bytes, answered, bad,
      e.connect, e.read, e.write, e.status, e.timeout, latency.mean,
      latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max))
end
