-- Personal API keys: only a SHA-256 of each secret is stored.
CREATE TABLE api_keys (
    id UUID PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name VARCHAR(100) NOT NULL,
    prefix VARCHAR(16) NOT NULL,
    key_hash CHAR(64) NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);

-- Token usage per user, bot and UTC day (estimated when the bot reports none).
CREATE TABLE usage_daily (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    bot VARCHAR(64) NOT NULL,
    day DATE NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day, bot)
);

-- Requests per user and minute, for the per-minute quota (shared by every replica).
CREATE TABLE request_counters (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    minute TIMESTAMPTZ NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, minute)
);
