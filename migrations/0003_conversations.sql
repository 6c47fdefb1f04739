-- Conversations and their messages, owned by a user and deleted with them.
CREATE TABLE conversations (
    id UUID PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title VARCHAR(200) NOT NULL DEFAULT '',
    bot VARCHAR(64) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Listing: newest first, keyset pagination on (updated_at, id).
CREATE INDEX conversations_user_updated_idx ON conversations (user_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id UUID PRIMARY KEY,
    -- Insertion order inside a conversation (a user turn and its reply share a timestamp).
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    conversation_id UUID NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role VARCHAR(16) NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL,
    bot VARCHAR(64),
    -- ok: complete; failed: the bot could not answer; partial: cut off mid-stream.
    status VARCHAR(16) NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'failed', 'partial')),
    finish_reason VARCHAR(32),
    input_tokens INTEGER,
    output_tokens INTEGER,
    latency_ms INTEGER,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX messages_conversation_seq_idx ON messages (conversation_id, seq);
