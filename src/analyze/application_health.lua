-- ladder: the health of a child Application, so an app-of-apps root's sync wave waits
-- until its children have synced the spec the root applied and are Healthy.
-- Runs without Lua's string library, as Argo CD runs checks from argocd-cm.
local hs = {status = "Progressing", message = ""}

-- A message only when it is a string: anything else makes the result invalid.
local function text(v)
  if type(v) == "string" then return v end
  return ""
end

-- Zero values count as absent, as they do once Argo CD has written a source back
-- through its Go types (omitempty).
local function empty(v)
  if v == nil or v == false or v == "" or v == 0 then return true end
  if type(v) ~= "table" then return false end
  for _, x in pairs(v) do
    if not empty(x) then return false end
  end
  return true
end

local function same(a, b)
  if empty(a) then return empty(b) end
  if empty(b) then return false end
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, x in pairs(a) do
    if not same(x, b[k]) then return false end
  end
  for k, y in pairs(b) do
    if a[k] == nil and not empty(y) then return false end
  end
  return true
end

local spec = obj.spec or {}
local status = obj.status or {}
local sync = status.sync or {}
local health = status.health or {}
local op = status.operationState or {}
local annotations = (obj.metadata or {}).annotations or {}
local policy = spec.syncPolicy or {}
local automated = policy.automated ~= nil and policy.automated.enabled ~= false

local function sources_of(t)
  return t ~= nil and same(spec.source, t.source) and same(spec.sources, t.sources)
end

if obj.operation ~= nil or op.phase == "Running" or op.phase == "Terminating" then
  hs.message = "a sync is running"
  return hs
end

-- A manual child (ladder.dev/sync: manual, or no automated sync) waits for an
-- operator, not for the root: it passes unless it is Degraded.
if annotations["ladder.dev/sync"] == "manual" or not automated then
  if health.status == "Degraded" then
    hs.status = "Degraded"
    hs.message = text(health.message)
    return hs
  end
  hs.status = "Healthy"
  hs.message = "manual: passes its wave; an operator syncs it"
  return hs
end

if not sources_of(sync.comparedTo) then
  hs.message = "waiting for Argo CD to compare it with its new spec"
  return hs
end

if sync.status ~= "Synced" then
  -- Automated sync skips a spec and revision it has already tried.
  local result = op.syncResult
  local tried = op.phase ~= nil and (result == nil or (sources_of(result)
    and same(sync.revision, result.revision) and same(sync.revisions, result.revisions)))
  local prune_only = false
  if policy.automated.prune ~= true then
    prune_only = true
    for _, r in ipairs(status.resources or {}) do
      if r.status ~= "Synced" and r.requiresPruning ~= true then prune_only = false end
    end
  end
  if not tried and not prune_only then
    hs.message = "not Synced: waiting for its automated sync"
    return hs
  end
  if tried and op.phase ~= "Succeeded" then
    hs.status = "Degraded"
    hs.message = "its last sync of this spec did not succeed: " .. text(op.message)
    return hs
  end
  -- Drift that automated sync leaves alone: the child is as healthy as it says.
end

local h = health.status
if h == "Healthy" or h == "Progressing" or h == "Degraded" or h == "Suspended"
  or h == "Missing" or h == "Unknown" then
  hs.status = h
  hs.message = text(health.message)
elseif h == nil then
  hs.message = "no health reported yet"
else
  hs.status = "Unknown"
  hs.message = "unknown health status"
end
return hs
