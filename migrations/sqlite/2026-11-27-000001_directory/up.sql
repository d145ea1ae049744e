-- The meeting directory and its change log (SQLite).
CREATE TABLE fellowships (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    website TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE service_bodies (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    parent_id BIGINT REFERENCES service_bodies (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    fellowship TEXT REFERENCES fellowships (code),
    time_zone TEXT NOT NULL,
    website TEXT,
    contact TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    version BIGINT NOT NULL
);
CREATE INDEX service_bodies_parent ON service_bodies (parent_id);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    service_body_id BIGINT NOT NULL REFERENCES service_bodies (id),
    fellowship TEXT NOT NULL REFERENCES fellowships (code),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    external_id TEXT,
    attendance TEXT NOT NULL,
    days TEXT,
    start_time TEXT,
    duration_minutes INTEGER,
    time_zone TEXT,
    time_zone_derived BOOLEAN NOT NULL,
    weeks_of_month TEXT NOT NULL,
    types TEXT NOT NULL,
    languages TEXT NOT NULL,
    notes TEXT,
    group_name TEXT,
    website TEXT,
    closed_dates TEXT NOT NULL,
    suspended_until DATE,
    contacts TEXT NOT NULL,
    published BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    version BIGINT NOT NULL,
    CHECK ((days IS NULL) = (start_time IS NULL)),
    CHECK ((days IS NULL) = (time_zone IS NULL)),
    CHECK ((days IS NULL) = (duration_minutes IS NULL))
);
CREATE UNIQUE INDEX meetings_slug ON meetings (service_body_id, slug) WHERE deleted_at IS NULL;
CREATE INDEX meetings_updated_at ON meetings (updated_at);

CREATE TABLE meeting_locations (
    meeting_id BIGINT PRIMARY KEY NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    name TEXT,
    street_address TEXT,
    formatted_address TEXT,
    latitude DOUBLE,
    longitude DOUBLE,
    approximate BOOLEAN NOT NULL,
    notes TEXT,
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);

CREATE TABLE meeting_online (
    meeting_id BIGINT PRIMARY KEY NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    conference_url TEXT,
    conference_phone TEXT,
    notes TEXT
);

CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    service_body_before BIGINT,
    service_body_after BIGINT,
    change_kind TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX change_log_entity ON change_log (entity_kind, entity_id);
