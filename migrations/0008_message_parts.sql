-- What a message carries beyond its text, so a conversation's context replays faithfully:
-- the images of a user message (URLs, and base64 data up to CONVERSATION_IMAGE_MAX_BYTES;
-- larger ones are counted in "images_omitted") and the tool calls of an assistant message,
-- as {"images": [...], "images_omitted": n, "tool_calls": [{"id", "name", "arguments"}]}.
-- NULL for plain text (every message the reference service wrote).
ALTER TABLE messages ADD COLUMN IF NOT EXISTS parts jsonb;
