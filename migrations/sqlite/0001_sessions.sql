-- Accounts, sessions (one per sign-in on one device), the refresh tokens each session has
-- rotated through, and the audit trail. Timestamps are INTEGER microseconds since the Unix
-- epoch, UTC: one representation, compared as numbers.

CREATE TABLE users (
    id                  TEXT PRIMARY KEY NOT NULL,
    email               TEXT NOT NULL,
    email_normalized    TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email_normalized ON users (email_normalized);

-- The session row is what every writer of a session's tokens locks first, so a revoke can
-- never miss a successor minted by a refresh in flight.
CREATE TABLE sessions (
    id                 TEXT PRIMARY KEY NOT NULL,
    user_id            TEXT NOT NULL REFERENCES users (id),
    signed_in_at       INTEGER NOT NULL,
    last_used_at       INTEGER NOT NULL,
    reauthenticated_at INTEGER NOT NULL,
    new_location       INTEGER NOT NULL DEFAULT 0,
    revoked_at         INTEGER,
    revoked_reason     TEXT
);
CREATE INDEX sessions_live_by_user ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    jti_hash       TEXT PRIMARY KEY NOT NULL,
    jti_prefix     TEXT NOT NULL,
    session_id     TEXT NOT NULL REFERENCES sessions (id),
    user_id        TEXT NOT NULL,
    user_agent     VARCHAR(500) NOT NULL,
    ip             VARCHAR(45) NOT NULL,
    client_hints   TEXT,
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    signed_in_at   INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_reason TEXT,
    replaced_by    TEXT
);
-- (session_id, revoked_at): live tokens of a session sort first (NULL); also serves the
-- foreign key when sessions are pruned.
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id, revoked_at);
CREATE INDEX refresh_tokens_by_user_hash ON refresh_tokens (user_id, jti_hash);
CREATE INDEX refresh_tokens_by_last_used ON refresh_tokens (last_used_at);

CREATE TABLE audit_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at       INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    actor             TEXT NOT NULL,
    user_id           TEXT,
    session_id        TEXT,
    target_session_id TEXT,
    target_prefix     TEXT,
    ip                VARCHAR(45),
    user_agent        VARCHAR(500),
    detail            TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_user ON audit_events (user_id, id);
CREATE INDEX audit_events_by_time ON audit_events (occurred_at);

-- Shared by every server node on this database: the key access tokens are signed with when
-- SIGNEDIN_SECRET is not set.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
