-- History partitioned by month (issue 28): messages by created_at, usage_daily and
-- usage_by_key by day, each a PostgreSQL range-partitioned table.
--
-- An existing table is converted in place without copying a row: it is renamed to
-- <table>_legacy and attached as the partition FROM (MINVALUE) TO the first day of the month
-- after its newest row (or after today), so ids, sequence numbers and conversations stay
-- exactly as they were; months from there on get a partition each. Its indexes keep
-- serving it (renamed *_legacy); the new parent's indexes reuse them where they match.
-- The one new index is messages' primary key, which must now hold the partition key:
-- (id, created_at), built on the legacy rows once.
--
-- messages.seq was an identity column; PostgreSQL 15 has none on partitioned tables, so it
-- becomes a plain sequence (messages_seq_seq) that continues after the largest seq.
--
-- gateway_create_partitions() makes the months ahead (the gateway calls it at start and
-- every ten minutes); gateway_drop_partitions() drops whole partitions that end before a
-- time (MESSAGES_RETENTION_DAYS), instead of deleting rows.

-- Creates monthly partitions of `parent` from where its partitions end until `ahead` from
-- now; returns how many it made. Bounds are UTC month starts.
CREATE OR REPLACE FUNCTION gateway_create_partitions(parent regclass, ahead interval) RETURNS integer
LANGUAGE plpgsql SET TimeZone = 'UTC' SET lock_timeout = '1s' AS $$
DECLARE
    upper_bound timestamptz;
    made integer := 0;
    name text;
BEGIN
    -- One replica at a time (the others wait, then find the months made).
    PERFORM pg_advisory_xact_lock(7262000002);
    SELECT max((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz)
    INTO upper_bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = parent;
    upper_bound := coalesce(upper_bound, date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC');
    WHILE upper_bound < now() + ahead LOOP
        name := (SELECT relname FROM pg_class WHERE oid = parent) || to_char(upper_bound AT TIME ZONE 'UTC', '"_p"YYYY"_"MM');
        -- Made apart, then attached: ATTACH takes only SHARE UPDATE EXCLUSIVE on the parent,
        -- so chat reads and writes go on meanwhile.
        EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name, parent);
        EXECUTE format(
            'ALTER TABLE %s ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, name,
            to_char(upper_bound AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            to_char((upper_bound AT TIME ZONE 'UTC') + interval '1 month', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
        upper_bound := ((upper_bound AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
        made := made + 1;
    END LOOP;
    RETURN made;
END $$;

-- Drops the partitions of `parent` whose range ends at or before `before`; returns their
-- names. Whole tables go: no row-by-row delete, no bloat, no vacuum debt.
CREATE OR REPLACE FUNCTION gateway_drop_partitions(parent regclass, before timestamptz) RETURNS SETOF text
LANGUAGE plpgsql SET TimeZone = 'UTC' SET lock_timeout = '1s' AS $$
DECLARE
    part record;
BEGIN
    -- DROP needs the parent alone for a moment: it waits at most lock_timeout (chat queues
    -- behind it meanwhile), else this round fails and the next one tries again.
    PERFORM pg_advisory_xact_lock(7262000002);
    FOR part IN
        SELECT c.oid::regclass::text AS name,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS ends
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = parent
        ORDER BY 2
    LOOP
        EXIT WHEN part.ends > before;
        EXECUTE format('DROP TABLE %s', part.name);
        RETURN NEXT part.name;
    END LOOP;
END $$;

-- Renames `tbl` to <tbl>_legacy (and its indexes to <index>_legacy), creates `tbl` anew as
-- a partitioned table of the same columns, defaults, CHECK and foreign-key constraints,
-- and returns the first month start after the legacy rows (where its partition ends).
CREATE OR REPLACE FUNCTION gateway_partition_start(tbl text, col text) RETURNS timestamptz
LANGUAGE plpgsql SET TimeZone = 'UTC' AS $$
DECLARE
    legacy text := tbl || '_legacy';
    newest timestamptz;
    horizon timestamptz;
    item record;
BEGIN
    EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', tbl);
    EXECUTE format('SELECT max(%I)::timestamptz FROM %I', col, tbl) INTO newest;
    horizon := (date_trunc('month', greatest(now(), coalesce(newest, now())) AT TIME ZONE 'UTC') + interval '1 month')
        AT TIME ZONE 'UTC';
    EXECUTE format('ALTER TABLE %I RENAME TO %I', tbl, legacy);
    FOR item IN SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = legacy::regclass LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', item.relname, left(item.relname, 55) || '_legacy');
    END LOOP;
    EXECUTE format(
        'CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (%I)', tbl, legacy, col);
    FOR item IN SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
                WHERE conrelid = legacy::regclass AND contype = 'f' LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', tbl, item.conname, item.def);
    END LOOP;
    RETURN horizon;
END $$;

-- Attaches <tbl>_legacy below `horizon`, or drops it when it holds no row (a new database).
CREATE OR REPLACE FUNCTION gateway_partition_attach(tbl text, horizon timestamptz) RETURNS void
LANGUAGE plpgsql SET TimeZone = 'UTC' AS $$
DECLARE
    legacy text := tbl || '_legacy';
    empty boolean;
BEGIN
    EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %I)', legacy) INTO empty;
    IF empty THEN
        EXECUTE format('DROP TABLE %I', legacy);
    ELSE
        EXECUTE format(
            'ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)', tbl, legacy,
            to_char(horizon AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
    END IF;
    PERFORM gateway_create_partitions(tbl::regclass, interval '3 months');
END $$;

DO $$
DECLARE
    horizon timestamptz;
    next_seq bigint;
BEGIN
    -- Every lock up front, in the order turn writes take them (users, conversations, then
    -- messages and usage), so a write in flight is waited for instead of deadlocking.
    -- Gateways of the previous release must be stopped: their inserts name the old key.
    LOCK TABLE users, conversations IN SHARE ROW EXCLUSIVE MODE;
    LOCK TABLE messages, usage_daily, usage_by_key IN ACCESS EXCLUSIVE MODE;
    -- messages: the identity becomes a sequence continuing after the largest seq.
    SELECT coalesce(max(seq), 0) + 1 INTO next_seq FROM messages;
    ALTER TABLE messages ALTER COLUMN seq DROP IDENTITY;
    horizon := gateway_partition_start('messages', 'created_at');
    -- The old key (id) gives way to (id, created_at), built on the legacy rows at ATTACH.
    ALTER TABLE messages_legacy DROP CONSTRAINT messages_pkey_legacy;
    EXECUTE format('CREATE SEQUENCE messages_seq_seq START %s OWNED BY messages.seq', next_seq);
    ALTER TABLE messages ALTER COLUMN seq SET DEFAULT nextval('messages_seq_seq');
    ALTER TABLE messages ADD PRIMARY KEY (id, created_at);
    CREATE INDEX messages_conversation_seq_idx ON messages (conversation_id, seq);
    PERFORM gateway_partition_attach('messages', horizon);

    horizon := gateway_partition_start('usage_daily', 'day');
    ALTER TABLE usage_daily ADD PRIMARY KEY (user_id, day, bot);
    PERFORM gateway_partition_attach('usage_daily', horizon);

    horizon := gateway_partition_start('usage_by_key', 'day');
    ALTER TABLE usage_by_key ADD PRIMARY KEY (key_id, day, bot);
    CREATE INDEX usage_by_key_user_idx ON usage_by_key (user_id, day);
    PERFORM gateway_partition_attach('usage_by_key', horizon);
END $$;

-- Autovacuum does not analyze a partitioned parent.
ANALYZE messages, usage_daily, usage_by_key;

DROP FUNCTION gateway_partition_start(text, text);
DROP FUNCTION gateway_partition_attach(text, timestamptz);
