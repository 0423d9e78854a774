-- At most one live refresh token per session, enforced by the database itself: rotation
-- revokes the presented token before it inserts the successor, so a second live token can
-- only come from a bug, and the bug now fails its transaction instead of forking a session.
-- `signedin check` still reports a violation in a database that predates this step.
CREATE UNIQUE INDEX refresh_tokens_one_live_per_session
    ON refresh_tokens (session_id) WHERE revoked_at IS NULL;
