-- A database the reference service made has refresh_tokens.created_at and revoked NOT NULL
-- with no default (SQLAlchemy fills them in Python); 0001 declares defaults only when it
-- creates the table itself. Give an adopted database the same defaults, so a statement
-- that leaves them out behaves alike on both. The gateway's own INSERTs name them anyway.
ALTER TABLE refresh_tokens ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE refresh_tokens ALTER COLUMN revoked SET DEFAULT false;
