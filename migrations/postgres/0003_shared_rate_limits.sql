-- Rate-limit buckets shared by every node on one database (PostgreSQL uses them for the
-- password doors; SQLite serves a single node and keeps the table only so both dialects
-- have the same steps). `key` is a SHA-256 hash: no email or address is stored here.
CREATE TABLE rate_limit_buckets (
    key        TEXT PRIMARY KEY NOT NULL,
    tokens     DOUBLE PRECISION NOT NULL,
    updated_ms BIGINT NOT NULL
);
