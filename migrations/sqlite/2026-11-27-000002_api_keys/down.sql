DROP INDEX change_log_service_body_after;
DROP TABLE api_keys;
