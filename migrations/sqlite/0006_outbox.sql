-- What must leave the server (alert emails to an account's owner, webhooks to the
-- integrator's systems), written in the same transaction as the change and its audit event,
-- and delivered at least once by whichever node claims it (src/service/outbox.rs).
-- One row per message and destination; `message_id` is the Standard Webhooks `webhook-id`,
-- the same on every attempt and for every destination of one event.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    message_id      TEXT NOT NULL,
    channel         TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    destination     TEXT NOT NULL,
    user_id         TEXT,
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    -- pending | delivered | dead
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    -- When `signedin outbox retry` revived it: its day of retries counts from here.
    revived_at      INTEGER,
    -- A claim (`<node>:<claim>`): it alone attempts the row until `claimed_until`.
    claimed_by      TEXT,
    claimed_until   INTEGER,
    delivered_at    INTEGER,
    -- An alert email held back because its account's window was full: it goes out in a digest.
    held_at         INTEGER,
    -- An alert email sent inside a digest: the digest's row (itself, for the digest).
    digest_id       TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_emails_by_user ON outbox (user_id, channel, delivered_at);

-- The links in an alert email ("This wasn't me", "Yes, it was me"): one row per alert, used
-- once, for 24 hours. The token in the link is this id, signed (src/alerts/link.rs).
CREATE TABLE alert_links (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL,
    session_id    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    -- not_me | was_me, once used
    used_for      TEXT,
    used_at       INTEGER,
    -- "Sign out everywhere", offered once after "This wasn't me"
    everywhere_at INTEGER
);
