-- wrk script: nearby searches from the centres of busy cities, in turn, with default parameters
-- (radius 50 km, starting within 120 minutes of now, limit 20). FIELDS=name,location,online asks for
-- the compact shape (`fields=`) instead of whole meetings.
local fields = os.getenv("FIELDS")
local extra = fields and ("&fields=" .. fields) or ""
local points = {
  {40.7128, -74.0060}, {51.5074, -0.1278}, {34.0522, -118.2437}, {41.8781, -87.6298},
  {19.4326, -99.1332}, {-23.5505, -46.6333}, {-33.8688, 151.2093}, {52.5200, 13.4050},
  {28.6139, 77.2090}, {35.6762, 139.6503}, {-26.2041, 28.0473}, {43.6532, -79.3832},
}
local i = 0
request = function()
  i = i + 1
  local p = points[(i % #points) + 1]
  return wrk.format("GET", string.format("/v1/meetings/nearby?lat=%.4f&lon=%.4f", p[1], p[2]) .. extra)
end
