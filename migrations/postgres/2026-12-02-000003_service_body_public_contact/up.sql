-- Public ways to reach a service body, shown in feeds (Meeting Guide entity_*, BMLT helpline).
ALTER TABLE service_bodies ADD COLUMN email TEXT;
ALTER TABLE service_bodies ADD COLUMN phone TEXT;
