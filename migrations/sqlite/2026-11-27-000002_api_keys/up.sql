-- API keys for the publishing API (SQLite). Only the SHA-256 of a token is stored.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'publisher', 'observer')),
    service_body_id BIGINT REFERENCES service_bodies (id),
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    CHECK ((role = 'admin') = (service_body_id IS NULL))
);
CREATE INDEX change_log_service_body_after ON change_log (service_body_after);
