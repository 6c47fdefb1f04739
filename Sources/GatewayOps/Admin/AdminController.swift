import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import Hummingbird
import Postgres

/// `/api/v1/admin/`: administrators only (a signed-in administrator's access token; API keys
/// and everyone else get 403). Users (search and page, disable, enable, delete) and usage
/// per user, bot, key and day with totals, security events, bots and the effective
/// configuration (`AdminController+ops.swift`).
package struct AdminController {
    package let admins: any AdminRepository
    package let bearer: BearerAuthenticator
    /// This replica's user cache, forgotten at once (other replicas hear it by NOTIFY).
    package let userCache: UserCache?
    /// Stored security events (nil: `SECURITY_EVENTS_RETENTION_DAYS=0`, none are kept).
    package let securityEvents: SecurityEventLog?
    /// `COST_CURRENCY`.
    package let currency: String
    package let bots: BotDirectory
    /// This replica's recent calls per bot.
    package let latencies: BotLatencies
    /// The effective configuration, secrets masked (`GatewayConfig.summary`).
    package let settings: [(String, String)]

    package init(
        admins: any AdminRepository, bearer: BearerAuthenticator, userCache: UserCache? = nil,
        securityEvents: SecurityEventLog? = nil, currency: String, bots: BotDirectory, latencies: BotLatencies,
        settings: [(String, String)]
    ) {
        self.admins = admins
        self.bearer = bearer
        self.userCache = userCache
        self.securityEvents = securityEvents
        self.currency = currency
        self.bots = bots
        self.latencies = latencies
        self.settings = settings
    }

    /// One page of a list: `{<items>: [...], <cursor>: id or null}` (the cursor is written
    /// as null, not left out, on the last page).
    package struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
        package let itemsKey: String
        package let items: [Item]
        package let cursorKey: String
        package let cursor: Int?

        /// A page of `limit` asked items: the cursor is the last id when the page is full.
        package init(_ itemsKey: String, _ items: [Item], limit: Int, cursorKey: String, id: (Item) -> Int) {
            self.itemsKey = itemsKey
            self.items = items
            self.cursorKey = cursorKey
            cursor = items.count == limit ? items.last.map(id) : nil
        }

        package struct Key: CodingKey {
            package let stringValue: String
            package var intValue: Int? { nil }
            package init(stringValue: String) { self.stringValue = stringValue }
            package init?(intValue: Int) { nil }
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(items, forKey: Key(stringValue: itemsKey))
            try container.encode(cursor, forKey: Key(stringValue: cursorKey))
        }
    }

    package struct UsageReport: Encodable, Sendable {
        package let from: String
        package let to: String
        package let rows: [AdminUsageRow]
        package let by_key: [AdminUsageRow]
        package let total_requests: Int
        package let total_input_tokens: Int
        package let total_output_tokens: Int
        package let total_cost: Double
        package let currency: String
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        let group = router.group("/api/v1/admin").add(middleware: bearer).add(middleware: AdminOnly(admins: admins))
        group.get("users", use: users)
        group.post("users/:id/disable") { _, context in try await setDisabled(context, true) }
        group.post("users/:id/enable") { _, context in try await setDisabled(context, false) }
        group.delete("users/:id") { _, context in
            let id = try Self.target(context)
            guard try await admins.delete(userID: id) else { throw Self.noSuchUser }
            userCache?.invalidate(id)
            context.logger.notice("user deleted by an administrator", metadata: ["user_id": "\(id)"])
            return Response(status: .noContent)
        }
        group.get("usage", use: usage)
        group.get("security-events", use: events)
        addOperationsRoutes(to: group)
    }

    @Sendable package func users(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Page<AdminUser>> {
        let query = request.uri.queryParameters
        let limit = try Self.integer(query.get("limit"), "limit", in: 1...100) ?? 50
        let after = try Self.integer(query.get("after"), "after", in: 0...Int(Int32.max))
        let search = query.get("search").map { String($0.prefix(100)) }.flatMap { $0.isEmpty ? nil : $0 }
        let page = try await admins.users(search: search, limit: limit, after: after)
        return JSONResponse(Page("users", page, limit: limit, cursorKey: "next_after", id: \.id))
    }

    @Sendable package func usage(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<UsageReport> {
        let today = Date()
        let to = try UsageController.day(request, "to") ?? CivilDate.utcDay(today)
        let from =
            try UsageController.day(request, "from")
            ?? CivilDate.utcDay(today.addingTimeInterval(-Duration.days(29).timeInterval))
        let user = try Self.integer(request.uri.queryParameters.get("user_id"), "user_id", in: 1...Int(Int32.max))
        let (rows, byKey) = try await admins.usage(from: from, to: to, userID: user)
        return JSONResponse(
            UsageReport(
                from: from, to: to, rows: rows, by_key: byKey, total_requests: rows.reduce(0) { $0 + $1.requests },
                total_input_tokens: rows.reduce(0) { $0 + $1.inputTokens },
                total_output_tokens: rows.reduce(0) { $0 + $1.outputTokens },
                total_cost: Money.units(rows.reduce(0) { $0 + $1.costNanos }), currency: currency))
    }

    @Sendable package func events(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<
        Page<SecurityEventRecord>
    > {
        let query = request.uri.queryParameters
        let limit = try Self.integer(query.get("limit"), "limit", in: 1...500) ?? 100
        let before = try Self.integer(query.get("before"), "before", in: 1...Int(Int64.max))
        let user = try Self.integer(query.get("user_id"), "user_id", in: 1...Int(Int32.max))
        let kind = query.get("kind").map { String($0.prefix(32)) }
        let ip = query.get("ip").map { String($0.prefix(64)) }
        let page = try await securityEvents?.events(kind: kind, userID: user, ip: ip, before: before, limit: limit) ?? []
        return JSONResponse(Page("events", page, limit: limit, cursorKey: "next_before", id: \.id))
    }

    private func setDisabled(_ context: AppRequestContext, _ disabled: Bool) async throws -> Response {
        let id = try Self.target(context)
        let by = try context.requireUser().id
        guard try await admins.setDisabled(userID: id, disabled) else { throw Self.noSuchUser }
        userCache?.invalidate(id)
        context.logger.notice(
            disabled ? "user disabled by an administrator" : "user enabled by an administrator",
            metadata: ["user_id": "\(id)", "by": "\(by)"])
        return Response(status: .noContent)
    }

    package static let noSuchUser = APIError(.notFound, "User not found.", code: "not_found")

    /// The `:id` of the route: another user than the caller (an administrator cannot lock
    /// themselves out).
    package static func target(_ context: AppRequestContext) throws -> Int {
        guard let id = context.parameters.get("id").flatMap({ Int($0) }), (1...Int(Int32.max)).contains(id) else {
            throw noSuchUser
        }
        guard id != (try context.requireUser().id) else {
            throw APIError(.conflict, "Administrators cannot disable or delete themselves.", code: "conflict")
        }
        return id
    }

    /// An optional integer query parameter within `range`, or a 422 naming it.
    package static func integer(_ text: String?, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.validation([
                ValidationIssue(
                    type: "int_parsing", loc: [.key("query"), .key(name)],
                    msg: "Input should be an integer from \(range.lowerBound) to \(range.upperBound)",
                    input: .string(String(text.prefix(64))))
            ])
        }
        return value
    }
}

/// Lets administrators through: an access token (not an API key) of a user who is an
/// enabled administrator now (read from PostgreSQL on each request, so a revocation holds
/// at once on every replica).
package struct AdminOnly: RouterMiddleware {
    package typealias Context = AppRequestContext
    package let admins: any AdminRepository

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let user = try context.requireUser()
        guard user.credential == .accessToken, try await admins.isAdmin(userID: user.id) else {
            throw APIError(.forbidden, "Administrators only.", code: "forbidden")
        }
        return try await next(request, context)
    }
}
