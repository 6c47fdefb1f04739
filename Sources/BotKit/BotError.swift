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

    public static func wrap(_ error: any Error) -> BotError {
        (error as? BotError) ?? .upstreamFailure(status: 0)
    }
}
