-- GET a rotating list of paths.   wrk -s bench/wrk/paths.lua URL -- PATHS_FILE [HEADER_NAME HEADER_VALUE]...
-- Each connection starts at a different place in the list, so a mix of pages is served at once.
package.path = debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua;" .. package.path
require "report"

local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local paths, counter, headers = {}, 0, {}
function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  for i = 2, #args - 1, 2 do headers[args[i]] = args[i + 1] end
  counter = (tid or 1) * 7
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[counter % #paths + 1], headers)
end

done = report
