-- Costs and budgets (issue 17).
--
-- Usage carries its cost in billionths of the operator's currency (COST_CURRENCY), computed
-- per call from the bot's prices (BOT_<NAME>_PRICE_*). usage_daily keeps its key, so
-- gateways of the previous release keep writing it during a rolling upgrade; calls made
-- with an API key are also counted per key in usage_by_key.
ALTER TABLE usage_daily ADD COLUMN IF NOT EXISTS cached_input_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN IF NOT EXISTS cost_nanos bigint NOT NULL DEFAULT 0;

CREATE TABLE usage_by_key (
    key_id uuid NOT NULL,
    day date NOT NULL,
    bot varchar(64) NOT NULL,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    requests integer NOT NULL DEFAULT 0,
    input_tokens bigint NOT NULL DEFAULT 0,
    output_tokens bigint NOT NULL DEFAULT 0,
    cached_input_tokens bigint NOT NULL DEFAULT 0,
    cost_nanos bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, day, bot)
);
CREATE INDEX usage_by_key_user_idx ON usage_by_key (user_id, day);

-- A budget of a user (key_id NULL: every call of the user) or of one of its API keys, in
-- tokens or cost (nanos), per UTC day or month. `spent` counts the period starting at
-- `period_start` (a call is charged to the period it is settled in); `reserved` is the
-- worst case of the calls admitted and not yet settled, each also a row of budget_holds.
CREATE TABLE budgets (
    id uuid PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- No foreign key, so `TRUNCATE api_keys` keeps working: a deleted key's budget binds nothing.
    key_id uuid,
    unit varchar(8) NOT NULL CHECK (unit IN ('tokens', 'cost')),
    period varchar(8) NOT NULL CHECK (period IN ('day', 'month')),
    amount_limit bigint NOT NULL CHECK (amount_limit > 0),
    spent bigint NOT NULL DEFAULT 0 CHECK (spent >= 0),
    reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    period_start date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX budgets_scope_idx
    ON budgets (user_id, coalesce(key_id, '00000000-0000-0000-0000-000000000000'), unit, period);

-- What each admitted call holds of each budget until it is settled. A hold whose gateway
-- died (or whose settlement was lost) is charged in full when it expires.
CREATE TABLE budget_holds (
    hold_id uuid NOT NULL,
    budget_id uuid NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
    amount bigint NOT NULL CHECK (amount >= 0),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (hold_id, budget_id)
);
CREATE INDEX budget_holds_expiry_idx ON budget_holds (expires_at);

-- Gateways cache which budgets a user has (so calls of users without any touch no
-- database): 'budget:<user_id>' when a user's budgets change, 'budget:*' on TRUNCATE.
-- Spending and reserving do not notify.
CREATE OR REPLACE FUNCTION gateway_notify_budget_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('gateway_user_changes', 'budget:' || OLD.user_id);
    ELSE
        PERFORM pg_notify('gateway_user_changes', 'budget:' || NEW.user_id);
        IF TG_OP = 'UPDATE' AND OLD.user_id <> NEW.user_id THEN
            PERFORM pg_notify('gateway_user_changes', 'budget:' || OLD.user_id);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER budgets_notify_change
AFTER INSERT OR UPDATE OF user_id, key_id, unit, period, amount_limit OR DELETE ON budgets
FOR EACH ROW EXECUTE FUNCTION gateway_notify_budget_change();

CREATE OR REPLACE FUNCTION gateway_notify_budgets_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_user_changes', 'budget:*');
    RETURN NULL;
END
$$;

CREATE TRIGGER budgets_notify_truncate
AFTER TRUNCATE ON budgets
FOR EACH STATEMENT EXECUTE FUNCTION gateway_notify_budgets_truncated();
