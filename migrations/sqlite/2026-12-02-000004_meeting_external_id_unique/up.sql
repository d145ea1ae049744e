-- A meeting's id in the source it was imported from names one live meeting per service body:
-- imports match records to meetings by it.
CREATE UNIQUE INDEX meetings_external_id ON meetings (service_body_id, external_id)
    WHERE deleted_at IS NULL AND external_id IS NOT NULL;
