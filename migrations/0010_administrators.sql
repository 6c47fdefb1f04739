-- Administrators and disabled accounts. An administrator may use /api/v1/admin/ (granted by
-- `gateway admin grant EMAIL` or ADMIN_EMAILS). A disabled user cannot sign in, and the
-- tokens, sessions and API keys it holds stop working at once on every replica: disabling
-- revokes its refresh tokens in the same statement and notifies the user caches (below).
ALTER TABLE users ADD COLUMN IF NOT EXISTS is_admin boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS disabled_at timestamptz;

DROP TRIGGER IF EXISTS users_notify_change ON users;
CREATE TRIGGER users_notify_change
AFTER UPDATE OF id, name, email, disabled_at OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION gateway_notify_user_change();
