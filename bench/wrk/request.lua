-- One request shape for wrk, from the environment:
--   BENCH_PATH          path, where "{id}" is replaced by an id from BENCH_IDS
--   BENCH_IDS           file with one id per line (optional)
--   BENCH_TOKEN         bearer token (optional)
--   BENCH_METHOD        GET (default) or POST
--   BENCH_BODY          request body (optional; "{id}" in it is replaced like in the path)
--   BENCH_CONTENT_TYPE  its content type (optional)
--   BENCH_KEYED         1: every request carries its own Idempotency-Key
local path = os.getenv("BENCH_PATH") or "/"
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local content_type = os.getenv("BENCH_CONTENT_TYPE")
local token = os.getenv("BENCH_TOKEN")
local keyed = os.getenv("BENCH_KEYED") == "1"

local headers = {}
if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
if content_type and content_type ~= "" then headers["Content-Type"] = content_type end

local ids = {}
local file = os.getenv("BENCH_IDS")
if file and file ~= "" then
  for line in io.lines(file) do
    if line ~= "" then ids[#ids + 1] = line end
  end
end

-- Each thread walks the ids with its own offset and a prime stride.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 7919)
end

local fixed = nil
local counter = 0
local run = tostring(os.time())
function request()
  if keyed then
    counter = counter + 1
    local own = {}
    for name, value in pairs(headers) do own[name] = value end
    own["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, offset or 0, counter)
    return wrk.format(method, path, own, body)
  end
  if #ids == 0 then
    fixed = fixed or wrk.format(method, path, headers, body)
    return fixed
  end
  counter = counter + 1
  local id = ids[((offset or 0) + counter * 104729) % #ids + 1]
  local own_body = body
  if body then own_body = (body:gsub("{id}", id)) end
  return wrk.format(method, (path:gsub("{id}", id)), headers, own_body)
end
