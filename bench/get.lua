-- GET with an optional bearer token (env BENCH_TOKEN).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
