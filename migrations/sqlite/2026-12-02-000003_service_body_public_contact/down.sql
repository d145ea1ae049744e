ALTER TABLE service_bodies DROP COLUMN phone;
ALTER TABLE service_bodies DROP COLUMN email;
