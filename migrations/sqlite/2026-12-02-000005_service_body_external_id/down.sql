ALTER TABLE service_bodies DROP COLUMN external_id;
