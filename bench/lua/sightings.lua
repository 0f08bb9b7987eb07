-- Threat sightings for wrk: every request carries a fresh command id and its own place.
--
-- Arguments (after `--`): a run nonce of 8 hex digits, the request path, and the spread of
-- places: "clustered" (default: within about 170 m of one of 24 sites across the town, as
-- when many residents report the same few groups of attackers) or "uniform" (anywhere in a
-- 6 x 6 km box: every report far from the others, the fusion engine's worst case).
-- The command id packs nonce, thread and a per-thread counter into its first 20 hex digits,
-- which are exactly the digits the server keeps in the sighting id ("sig_" + 20 hex), so the
-- harness can match acknowledgements to log entries. Bodies are a pure function of
-- (thread, counter) so the harness can rebuild any of them byte for byte to retry it.
-- done() prints one JSON line; MAGEN_BENCH_ACKS names a file that receives the id of every
-- sighting acknowledged with 201, one per line.

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
   thread:set("tid", #threads)
end

local nonce = "00000000"
local path = "/api/v1/sightings"
local spread = "clustered"
counter = 0
acked = {}
statuses = {}

local MOBILITY = { "on_foot", "vehicle", "unknown" }
local ARMED = { "yes", "unknown" }

function init(args)
   nonce = args[1] or nonce
   path = args[2] or path
   spread = args[3] or spread
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   counter = counter + 1
   local n = counter
   local id = string.format("%s-%04x-4%03x-8%03x-%012x",
      nonce, tid, math.floor(n / 4096) % 4096, n % 4096, n)
   -- Places in 1e-5 degree steps from (31.74, 35.18), so both sides compute them exactly.
   local lat, lon
   if spread == "uniform" then
      local k = (n * 7919 + tid * 104729) % 36000000
      lat, lon = k % 6000, math.floor(k / 6000) % 6000
   else
      local site = (n * 31 + tid * 17) % 24
      lat = 150 + (site * 2459) % 5700 + (n * 104729 + tid * 7) % 301 - 150
      lon = 150 + (site * 3733) % 5700 + (n * 7919 + tid * 13) % 301 - 150
   end
   local body = string.format(
      '{"command_id":"%s","where":{"lat":31.%05d,"lon":35.%05d},"count":%d,'
         .. '"mobility":"%s","armed":"%s","heading_deg":%d,"text":"seen near the school"}',
      id, 74000 + lat, 18000 + lon, 1 + n % 12,
      MOBILITY[1 + n % 3], ARMED[1 + n % 2], n % 360)
   return wrk.format(nil, path, nil, body)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status == 201 then
      acked[#acked + 1] = string.match(body, '"id":%s*"sig_(%x+)"') or "?"
   end
end

function done(summary, latency, requests)
   local counts, sent = {}, {}
   local sink = os.getenv("MAGEN_BENCH_ACKS")
   local out = sink and io.open(sink, "w")
   for i, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses")) do
         counts[status] = (counts[status] or 0) + n
      end
      sent[i] = thread:get("counter")
      if out then
         for _, id in ipairs(thread:get("acked")) do
            out:write(id, "\n")
         end
      end
   end
   if out then out:close() end
   local parts = {}
   for status, n in pairs(counts) do
      parts[#parts + 1] = string.format('"%d":%d', status, n)
   end
   local e = summary.errors
   io.write(string.format(
      '{"duration_us":%d,"requests":%d,"bytes":%d,"statuses":{%s},"sent":[%s],'
         .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
         .. '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,'
         .. '"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
      summary.duration, summary.requests, summary.bytes, table.concat(parts, ","),
      table.concat(sent, ","), e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency.stdev, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9)))
end
