-- Which bots an API key may call: NULL (every bot: keys made before this migration, and
-- keys made without a list) or the bot names it was created with. The model routes refuse
-- any other bot with 403, and /v1/models lists only these. Bot names are the gateway's
-- lowercase configuration names; the list is kept as given, at most 64 names.
ALTER TABLE api_keys ADD COLUMN bots text[] CHECK (bots IS NULL OR cardinality(bots) BETWEEN 1 AND 64);
