-- POST /api/v1/applications with submit=true, rotating citizens' Bearer tokens and bodies, each request
-- with a fresh Idempotency-Key.   wrk -s bench/wrk/submit.lua URL -- TOKENS_FILE BODY_FILE [BODY_FILE...]
package.path = debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua;" .. package.path
require "report"

local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local tokens, bodies, counter, run = {}, {}, 0, ""
function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  for i = 2, #args do
    local f = assert(io.open(args[i], "rb"))
    bodies[#bodies + 1] = f:read("*a")
    f:close()
  end
  math.randomseed(os.time() + (tid or 1) * 7919)
  run = string.format("%x-%d-%x", os.time(), tid or 1, math.random(0, 0x7fffffff))
end

function request()
  counter = counter + 1
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[(counter * 7 + (tid or 1)) % #tokens + 1],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = run .. "-" .. counter,
  }
  return wrk.format("POST", "/api/v1/applications", headers, bodies[counter % #bodies + 1])
end

done = report
