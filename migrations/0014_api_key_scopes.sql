-- What an API key may do: 'inference' (the /v1 routes, chat, the bot list: what a model
-- client needs; the default for new keys) or 'full' (everything its owner can do with a
-- password login but mint keys). Keys made before this migration keep 'full', and so do
-- keys a gateway of the previous release makes during a rolling upgrade (the default).
ALTER TABLE api_keys ADD COLUMN scope varchar(16) NOT NULL DEFAULT 'full' CHECK (scope IN ('inference', 'full'));
