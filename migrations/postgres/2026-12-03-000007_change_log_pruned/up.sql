-- How far the change log was pruned: every change up to through_seq that was not an entity's latest
-- is gone. One row at most; absent when the log was never pruned.
CREATE TABLE change_log_pruned (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    through_seq BIGINT NOT NULL,
    pruned_at TIMESTAMP NOT NULL
);
