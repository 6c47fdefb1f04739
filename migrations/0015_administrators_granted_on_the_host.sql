-- Administrators are made only on the host from now on (`gateway admin grant EMAIL`).
-- Until this release a registration with an ADMIN_EMAILS address was made an administrator,
-- and emails are never verified: an account promoted that way may be a stranger's. No
-- record tells those apart from accounts granted on the host, so every administrator is
-- reset once; grant the real ones again with `gateway admin grant EMAIL`.
UPDATE users SET is_admin = false WHERE is_admin;
