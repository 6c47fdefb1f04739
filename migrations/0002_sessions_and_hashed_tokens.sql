-- Emails are unique whatever their letter case, and looked up by lower(email).
CREATE UNIQUE INDEX IF NOT EXISTS users_email_lower_key ON users (lower(email));

-- Refresh tokens are stored as SHA-256 digests (hex) from now on. An adopted
-- reference database holds them in plaintext: hash them in place so its sessions
-- keep working.
UPDATE refresh_tokens SET token = encode(sha256(convert_to(token, 'UTF8')), 'hex');

-- A session is one login: the family of refresh tokens rotated from it.
CREATE TABLE auth_sessions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ,
    user_agent VARCHAR(256),
    ip_address VARCHAR(64)
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id);

-- New columns are nullable or defaulted, so the reference's own queries still run.
ALTER TABLE refresh_tokens ADD COLUMN session_id UUID;
ALTER TABLE refresh_tokens ADD COLUMN rotated_at TIMESTAMPTZ;

-- Each adopted token becomes a session of its own.
UPDATE refresh_tokens SET session_id = gen_random_uuid();
INSERT INTO auth_sessions (id, user_id, created_at, last_used_at, revoked_at, user_agent, ip_address)
SELECT session_id, user_id, created_at, created_at, CASE WHEN revoked THEN now() END, user_agent, ip_address
FROM refresh_tokens;

ALTER TABLE refresh_tokens
    ADD CONSTRAINT refresh_tokens_session_fk FOREIGN KEY (session_id)
    REFERENCES auth_sessions (id) ON DELETE CASCADE;
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expiry_idx ON refresh_tokens (expires_at);
