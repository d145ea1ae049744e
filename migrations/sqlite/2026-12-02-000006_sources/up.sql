-- Published feeds and BMLT servers Lantern follows (SQLite): each is pulled on its schedule and
-- applied as an import into its service body.
CREATE TABLE sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('meeting-guide', 'bmlt')),
    service_body_id BIGINT NOT NULL REFERENCES service_bodies (id),
    fellowship TEXT,
    time_zone TEXT,
    every_minutes BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    etag TEXT,
    last_modified TEXT,
    failures BIGINT NOT NULL DEFAULT 0,
    last_attempt_at TIMESTAMP,
    last_success_at TIMESTAMP,
    last_status TEXT,
    last_error TEXT,
    last_diff TEXT,
    next_pull_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX sources_service_body ON sources (service_body_id);
CREATE INDEX sources_next_pull_at ON sources (next_pull_at);
