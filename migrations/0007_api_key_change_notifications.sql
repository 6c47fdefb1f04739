-- Tell running gateways when an API key is revoked, re-dated, deleted or truncated (by
-- them or by plain SQL), so their in-memory key caches drop it at once: payload
-- 'key:<key_hash>', or 'key:*' for every key. last_used_at updates do not notify.
CREATE OR REPLACE FUNCTION gateway_notify_api_key_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_user_changes', 'key:' || OLD.key_hash);
    RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_notify_change
AFTER UPDATE OF key_hash, user_id, expires_at, revoked_at OR DELETE ON api_keys
FOR EACH ROW EXECUTE FUNCTION gateway_notify_api_key_change();

CREATE OR REPLACE FUNCTION gateway_notify_api_keys_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_user_changes', 'key:*');
    RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_notify_truncate
AFTER TRUNCATE ON api_keys
FOR EACH STATEMENT EXECUTE FUNCTION gateway_notify_api_keys_truncated();
