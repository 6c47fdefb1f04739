-- POST /api/v1/users/refresh-token carrying each response's rotated cookie into a later
-- request. Every thread owns a queue of sessions (env BENCH_TOKENS, comma-separated);
-- a connection has one request in flight, so the queue never runs dry when there are
-- at least as many sessions as connections.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local all = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do table.insert(all, token) end
local threads = {}
function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end
local queue = nil
function init(args)
   queue = {}
   local count = tonumber(os.getenv("BENCH_THREADS"))
   for i = id, #all, count do table.insert(queue, all[i]) end
end
function request()
   -- An empty queue (every session spent) sends no cookie: a counted 401, not a crash.
   local token = table.remove(queue, 1) or ""
   return wrk.format("POST", "/api/v1/users/refresh-token", { ["Cookie"] = "refresh_token=" .. token }, "")
end
function response(status, headers, body)
   local cookie = headers["Set-Cookie"] or headers["set-cookie"]
   if cookie then
      local token = string.match(cookie, "refresh_token=([^;]+)")
      if token then table.insert(queue, token) end
   end
end
