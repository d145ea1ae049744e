DROP INDEX meetings_external_id;
