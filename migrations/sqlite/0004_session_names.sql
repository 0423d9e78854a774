-- A name the owner gave a session ("Work laptop"), shown instead of its device label; NULL
-- when none. Plain text, held to `SessionName`'s rules (src/session_name.rs) before it is
-- written. Rotation never touches it: it lives on the session, not on its tokens.
ALTER TABLE sessions ADD COLUMN name TEXT;
