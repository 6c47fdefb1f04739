-- TRUNCATE users removes every row without row triggers: tell running gateways to drop
-- their whole user cache (payload '*'), so an id reused by a new registration is never
-- answered with the old user.
CREATE OR REPLACE FUNCTION gateway_notify_users_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_user_changes', '*');
    RETURN NULL;
END
$$;

CREATE TRIGGER users_notify_truncate
AFTER TRUNCATE ON users
FOR EACH STATEMENT EXECUTE FUNCTION gateway_notify_users_truncated();

-- A rotated refresh token keeps its successor, sealed with a key derived from the rotated
-- token itself (AES-GCM): within REFRESH_REUSE_GRACE_SECONDS, the client that presents
-- the same token again (two tabs refreshing at once) gets the same successor back instead
-- of being logged out. Only the holder of the old token can open it; nullable, so the
-- reference's queries are unaffected.
ALTER TABLE refresh_tokens ADD COLUMN successor_sealed TEXT;
