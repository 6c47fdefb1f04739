-- Tell running gateways when a user is deleted or renamed (by them or by plain SQL, e.g.
-- the reference service), so their in-memory user caches drop the entry at once.
-- NOTIFY is delivered at commit; password changes do not notify (not cached).
CREATE OR REPLACE FUNCTION gateway_notify_user_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_user_changes', OLD.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_notify_change
AFTER UPDATE OF id, name, email OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION gateway_notify_user_change();
