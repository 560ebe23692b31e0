-- wrk script: each request asks for a table page picked at random from a file of paths (one per
-- line), in a language picked at random: the public looking up their own tables.
-- Usage: wrk -s scripts/bench-portal-tables.lua URL -- PATHS_FILE
local paths = {}
local langs = { "es", "en", "pt", "fr" }

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local lang = langs[math.random(#langs)]
  return wrk.format("GET", "/" .. lang .. "/tables/" .. paths[math.random(#paths)] .. "/")
end
