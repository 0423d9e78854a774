-- Asymmetric access-token signing keys (SIGNEDIN_ACCESS_TOKEN_ALG=EdDSA or ES256), published
-- at /.well-known/jwks.json. Only the key id is stored: each node derives the key pair from
-- SIGNEDIN_SECRET and the id (src/signing_keys.rs), so no private key is ever written here.
-- The newest key of the configured algorithm without `retires_at` signs; a rotated key keeps
-- verifying (and stays published) until `retires_at`, when its last token has expired.
CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,
    alg        TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    retires_at TIMESTAMPTZ
);
