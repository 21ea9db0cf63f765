-- POST form-encoded bodies to one path, rotating them.   wrk -s bench/wrk/post_forms.lua URL -- PATH BODY_FILE...
package.path = debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua;" .. package.path
require "report"

local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local path, bodies, counter = "/", {}, 0
function init(args)
  path = args[1]
  for i = 2, #args do
    local f = assert(io.open(args[i], "rb"))
    bodies[#bodies + 1] = f:read("*a")
    f:close()
  end
  counter = (tid or 1) * 13
end

function request()
  counter = counter + 1
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded"}, bodies[counter % #bodies + 1])
end

done = report
