-- wrk script for scripts/soak.sh: a seeded mix of OGC API – Features requests against one store.
--   SOAK_BBOX=minlon,minlat,maxlon,maxlat SOAK_LAYERS=parcels,roads SOAK_SEED=7 \
--   wrk -t2 -c64 -d600s --latency -s soak.lua http://127.0.0.1:8080
-- Per request, by a seeded draw (each wrk thread its own seed, so runs repeat):
--   70 % bbox items of a random layer: a square of 200–1000 m inside SOAK_BBOX, limit 1000;
--   15 % a page of items (limit 100) at a random offset below 2000;
--   10 % a collection's description, or /collections;
--    5 % the landing page, /conformance or /styles.
-- Prints one JSON line at the end, as ../shared/bench/serve/paths.lua does.
local bbox = {}
for v in string.gmatch(os.getenv("SOAK_BBOX") or "106.45,29.49,106.65,29.62", "[^,]+") do bbox[#bbox + 1] = tonumber(v) end
local layers = {}
for v in string.gmatch(os.getenv("SOAK_LAYERS") or "parcels", "[^,]+") do layers[#layers + 1] = v end
local seed = tonumber(os.getenv("SOAK_SEED") or "7")
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(seed * 1000 + (id or 0))
  non2xx = 0
end

local function pick(list) return list[math.random(#list)] end

function request()
  local r = math.random()
  local layer = pick(layers)
  if r < 0.70 then
    local size = 200 + math.random() * 800
    local lat = bbox[2] + math.random() * (bbox[4] - bbox[2])
    local lon = bbox[1] + math.random() * (bbox[3] - bbox[1])
    local dy = size / 2 / 110574
    local dx = size / 2 / (111320 * math.cos(math.rad(lat)))
    return wrk.format("GET", string.format("/collections/%s/items?bbox=%.7f,%.7f,%.7f,%.7f&limit=1000",
      layer, lon - dx, lat - dy, lon + dx, lat + dy))
  elseif r < 0.85 then
    return wrk.format("GET", string.format("/collections/%s/items?limit=100&offset=%d", layer, math.random(0, 1999)))
  elseif r < 0.95 then
    if math.random() < 0.5 then return wrk.format("GET", "/collections/" .. layer) end
    return wrk.format("GET", "/collections")
  else
    return wrk.format("GET", pick({ "/", "/conformance", "/styles" }))
  end
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.3f, "requests_per_s": %.2f, "bytes": %d, ' ..
    '"latency_ms": {"p50": %.2f, "p90": %.2f, "p99": %.2f, "max": %.2f, "mean": %.2f}, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d, "non2xx_seen": %d}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), summary.bytes,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000,
    e.connect, e.read, e.write, e.timeout, e.status, bad))
end
