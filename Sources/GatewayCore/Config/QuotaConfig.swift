/// Optional per-user limits (`QUOTA_REQUESTS_PER_MINUTE`, `QUOTA_TOKENS_PER_DAY`; 0 = off).
/// Counters live in PostgreSQL, so replicas share them: the per-minute count is leased in
/// slices (`RequestLeases`: never past the limit, one upsert per slice); the daily token
/// limit is checked before each call (`DailyTokens`: other replicas' calls seen up to a
/// second late), so calls already running when it is reached may overshoot it.
public struct QuotaConfig: Sendable, Equatable {
    public var requestsPerMinute: Int
    public var tokensPerDay: Int
}
