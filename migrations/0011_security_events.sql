-- Security events (logins, refresh rotations and reuse, revocations, throttling), kept
-- for SECURITY_EVENTS_RETENTION_DAYS for administrators (GET /api/v1/admin/security-events).
-- Written in batches off the request path; no foreign key, so events outlive their user.
CREATE TABLE IF NOT EXISTS security_events (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    kind varchar(32) NOT NULL,
    user_id integer,
    ip varchar(64),
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS security_events_at_idx ON security_events (at);
CREATE INDEX IF NOT EXISTS security_events_user_idx ON security_events (user_id, id);
CREATE INDEX IF NOT EXISTS security_events_ip_idx ON security_events (ip, id);
