-- A service body's id in the source it was imported from (a BMLT server's service body id):
-- a BMLT import maps the server's bodies onto a subtree by it.
ALTER TABLE service_bodies ADD COLUMN external_id TEXT;
