/// Why a bot could not answer. Each case carries a message that is safe to show a
/// client; details for operators go to the bot's own log.
public enum BotError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bot cannot be reached (connection refused, DNS, circuit open…).
    case unavailable(String)
    /// The call did not finish before its deadline.
    case timeout
    /// The upstream asked us to slow down; retry after the given number of seconds if known.
    case rateLimited(retryAfterSeconds: Int?)
    /// The upstream refused the request itself (bad parameters, content policy, too long).
    case rejected(String)
    /// The upstream failed with an HTTP status (or 0 for a malformed answer).
    case upstreamFailure(status: Int)

    /// A short, client-safe message.
    public var safeMessage: String {
        switch self {
        case .unavailable: "The assistant is unavailable right now."
        case .timeout: "The assistant took too long to answer."
        case .rateLimited: "The assistant is receiving too many requests."
        case .rejected: "The assistant could not process this request."
        case .upstreamFailure: "The assistant returned an error."
        }
    }

    /// A stable machine code: `bot_unavailable`, `bot_timeout`, `bot_rate_limited`,
    /// `bot_rejected`, `bot_upstream_error`.
    public var code: String {
        switch self {
        case .unavailable: "bot_unavailable"
        case .timeout: "bot_timeout"
        case .rateLimited: "bot_rate_limited"
        case .rejected: "bot_rejected"
        case .upstreamFailure: "bot_upstream_error"
        }
    }

    public var description: String {
        switch self {
        case .unavailable(let why): "unavailable: \(why)"
        case .timeout: "timeout"
        case .rateLimited(let after): "rate limited (retry after \(after.map(String.init) ?? "?") s)"
        case .rejected(let why): "rejected: \(why)"
        case .upstreamFailure(let status): "upstream failure (status \(status))"
        }
    }

    /// Any error as a `BotError`: a `BotError` as it is, anything else `upstreamFailure(0)`.
    /// True for `rejected`: the bot refused this request, which another bot should not
    /// answer in its place.
    public var isRejection: Bool {
        if case .rejected = self { true } else { false }
    }

    /// True when the upstream may have processed (and billed) the call although it failed:
    /// a timeout, a 500 or 504, or an answer dropped or unreadable after the request went
    /// out (status 0). False for what says the request was not processed: a connect error,
    /// 429, 502, 503 and other refusals (4xx).
    public var outcomeUnknown: Bool {
        switch self {
        case .timeout: true
        case .upstreamFailure(let status): status == 0 || status == 500 || status == 504
        case .unavailable, .rateLimited, .rejected: false
        }
    }

    public static func wrap(_ error: any Error) -> BotError {
        (error as? BotError) ?? .upstreamFailure(status: 0)
    }
}
