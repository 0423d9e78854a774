-- What a token's device was made out to be when the token was minted: the device label
-- (`DeviceLabel` as JSON: "Chrome on macOS", browser, OS, kind, model) and the location
-- (`Location` as JSON; NULL when the address has none). Every rotation writes them afresh
-- from its own request, so they follow the device; `user_agent`, `ip` and `client_hints`
-- stay the raw facts. Rows from before this migration have NULL `device` and are described
-- when read, until their next rotation.
ALTER TABLE refresh_tokens ADD COLUMN device TEXT;
ALTER TABLE refresh_tokens ADD COLUMN location TEXT;

-- A user's live sessions in the order the devices list shows them (most recently used
-- first, walked backwards), so a page of 50 reads 50 rows however many the account has;
-- `signed_in_at` makes counting them (the session cap) an index-only read.
CREATE INDEX sessions_live_by_user_recency
    ON sessions (user_id, last_used_at, id, signed_in_at) WHERE revoked_at IS NULL;
DROP INDEX sessions_live_by_user;
