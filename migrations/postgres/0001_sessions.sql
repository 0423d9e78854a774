-- Accounts, sessions (one per sign-in on one device), the refresh tokens each session has
-- rotated through, and the audit trail. Same shape as migrations/sqlite/0001.

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL,
    email_normalized    TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    password_changed_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_email_normalized ON users (email_normalized);

-- The session row is what every writer of a session's tokens locks first, so a revoke can
-- never miss a successor minted by a refresh in flight.
CREATE TABLE sessions (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id),
    signed_in_at       TIMESTAMPTZ NOT NULL,
    last_used_at       TIMESTAMPTZ NOT NULL,
    reauthenticated_at TIMESTAMPTZ NOT NULL,
    new_location       BOOLEAN NOT NULL DEFAULT FALSE,
    revoked_at         TIMESTAMPTZ,
    revoked_reason     TEXT
);
CREATE INDEX sessions_live_by_user ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    jti_hash       TEXT COLLATE "C" PRIMARY KEY,
    jti_prefix     TEXT NOT NULL,
    session_id     TEXT NOT NULL REFERENCES sessions (id),
    user_id        TEXT NOT NULL,
    user_agent     VARCHAR(500) NOT NULL,
    ip             VARCHAR(45) NOT NULL,
    client_hints   TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    last_used_at   TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    signed_in_at   TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ,
    revoked_reason TEXT,
    replaced_by    TEXT
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id, revoked_at);
CREATE INDEX refresh_tokens_by_user_hash ON refresh_tokens (user_id, jti_hash);
CREATE INDEX refresh_tokens_by_last_used ON refresh_tokens (last_used_at);

CREATE TABLE audit_events (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at       TIMESTAMPTZ NOT NULL,
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

CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
