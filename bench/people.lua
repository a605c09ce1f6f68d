-- wrk script for the mod_people benchmark (bench/bench.py runs it).
--
--   wrk -t2 -c16 -d5s -s bench/people.lua http://127.0.0.1:PORT/ -- \
--       MODE USERS_FILE [PUT_PERCENT] [STOP_AFTER]
--
-- MODE      static  GET /profile.json (the bytes of a typical GET answer)
--           get     GET /api/2.0/people/{id}, with that user's own token,
--                   so the answer is the full profile (email, contacts)
--           put     PUT /api/2.0/people/{id}/contacts (merge) with that
--                   user's token and 1-2 contacts of random type and value
--           mix     get or put, PUT_PERCENT of them put
-- USERS_FILE  one "id<TAB>token<TAB>username" line per user
-- STOP_AFTER  a thread stops after that many answers (0: run for -d)
--
-- Every mode sends the same Authorization header shape, so the static run
-- costs the client what the API runs cost it. Requests are built in init()
-- and picked at random in request(): building one per request in Lua would
-- make wrk, which shares the machine's cores with httpd, the bottleneck.
--
-- done() prints one line "BENCH {json}" with the rate, latency percentiles,
-- socket errors and the non-2xx answers counted in response().

local API = "/api/2.0/people/"
local STATIC = "/profile.json"
-- the types a benchmark user holds: a PUT replaces one of them, so every
-- user keeps 3 to 5 contacts however long the run
local TYPES = { "mail", "phone", "mobphone", "skype", "telegram" }
local PUT_VARIANTS = 4000

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_no", #threads)
end

-- per-thread state (each wrk thread has its own Lua state)
local gets, puts = {}, {}
local put_percent, stop_after = 0, 0
answers, non2xx, statuses = 0, 0, {}

local function contact_value(t)
   if t == "mail" then
      return string.format("user%05d@example.org", math.random(0, 99999))
   elseif t == "phone" or t == "mobphone" then
      return string.format("+1 555 %04d", math.random(0, 9999))
   else
      return string.format("%s.user.%d", t, math.random(0, 99999))
   end
end

local function put_body()
   local n = math.random(1, 2)
   local first = math.random(#TYPES)
   local items = {}
   for i = 1, n do
      local t = TYPES[(first + i - 2) % #TYPES + 1]
      items[i] = string.format('{"type":"%s","value":"%s"}', t,
                               contact_value(t))
   end
   return '{"contacts":[' .. table.concat(items, ",") .. ']}'
end

function init(args)
   local mode, file = args[1], args[2]
   put_percent = tonumber(args[3] or "0") or 0
   stop_after = tonumber(args[4] or "0") or 0
   math.randomseed(os.time() * 100 + (thread_no or 0))
   for _ = 1, 10 do math.random() end

   local users = {}
   for line in io.lines(file) do
      local id, token = line:match("^(%S+)\t(%S+)")
      if id then users[#users + 1] = { id = id, token = token } end
   end
   assert(#users > 0, "no users in " .. tostring(file))

   if mode == "static" or mode == "get" or mode == "mix" then
      for i, u in ipairs(users) do
         local path = mode == "static" and STATIC or (API .. u.id)
         gets[i] = wrk.format("GET", path, { ["Authorization"] = u.token })
      end
   end
   if mode == "put" or mode == "mix" then
      for i = 1, PUT_VARIANTS do
         local u = users[math.random(#users)]
         puts[i] = wrk.format("PUT", API .. u.id .. "/contacts",
                              { ["Authorization"] = u.token,
                                ["Content-Type"] = "application/json" },
                              put_body())
      end
   end
   if mode == "put" then put_percent = 100
   elseif mode ~= "mix" then put_percent = 0 end
   assert(#gets > 0 or #puts > 0, "unknown mode " .. tostring(mode))
end

function request()
   if put_percent > 0 and math.random(100) <= put_percent then
      return puts[math.random(#puts)]
   end
   return gets[math.random(#gets)]
end

function response(status, headers, body)
   answers = answers + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
   end
   if stop_after > 0 and answers >= stop_after then
      wrk.thread:stop()
   end
end

local function json_table(t)
   local parts = {}
   for k, v in pairs(t) do
      parts[#parts + 1] = string.format('"%s":%d', k, v)
   end
   return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
   local bad, answered, codes = 0, 0, {}
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non2xx") or 0)
      answered = answered + (t:get("answers") or 0)
      for k, v in pairs(t:get("statuses") or {}) do
         codes[k] = (codes[k] or 0) + v
      end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"answers":%d,"non2xx":%d,"statuses":%s,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
      summary.requests, summary.duration, summary.bytes,
      answered, bad, json_table(codes),
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9), latency.max))
end
