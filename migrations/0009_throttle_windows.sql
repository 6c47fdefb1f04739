-- Login, refresh and registration throttles shared by every replica (THROTTLE_STORE=postgres,
-- the default): one fixed window per key. The key is stored as its SHA-256 (it names an
-- email and an address). UNLOGGED: counters are not worth a WAL write per login attempt;
-- a crash or a failover to a standby starts every window afresh. Rows of past windows are
-- deleted by the gateway's purge every 10 minutes.
CREATE UNLOGGED TABLE IF NOT EXISTS throttle_windows (
    key bytea PRIMARY KEY,
    window_start timestamptz NOT NULL,
    count integer NOT NULL,
    -- Whether the last attempt counted was admitted (returned by the same statement).
    admitted boolean NOT NULL
);
