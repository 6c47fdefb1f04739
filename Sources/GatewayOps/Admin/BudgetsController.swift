import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import Hummingbird

/// `/api/v1/admin/budgets`: administrators set, list and delete budgets. A budget is a
/// user's (every call of the user) or one of its API keys', in tokens or cost
/// (`COST_CURRENCY`), per UTC day or month; `POST` creates it or changes the limit of the
/// one with the same user, key, unit and period.
package struct BudgetsController {
    package let budgets: any BudgetRepository
    /// This replica's cache of who has budgets, forgotten at once (others hear it by NOTIFY).
    package let cache: BudgetCache?
    package let admins: any AdminRepository
    package let bearer: BearerAuthenticator
    package let maxBodyBytes: Int
    package let currency: String

    package init(
        budgets: any BudgetRepository, cache: BudgetCache? = nil, admins: any AdminRepository, bearer: BearerAuthenticator,
        maxBodyBytes: Int, currency: String
    ) {
        self.budgets = budgets
        self.cache = cache
        self.admins = admins
        self.bearer = bearer
        self.maxBodyBytes = maxBodyBytes
        self.currency = currency
    }

    package struct Listing: Encodable, Sendable {
        package let budgets: [Budget]
        package let currency: String
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        let group = router.group("/api/v1/admin/budgets").add(middleware: bearer).add(middleware: AdminOnly(admins: admins))
        group.get { request, _ in
            let user = try AdminController.integer(
                request.uri.queryParameters.get("user_id"), "user_id", in: 1...Int(Int32.max))
            return JSONResponse(Listing(budgets: try await budgets.list(userID: user), currency: currency))
        }
        group.post(use: put)
        group.delete(":id") { _, context in
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)), try await budgets.delete(id: id)
            else { throw APIError(.notFound, "Budget not found.", code: "not_found") }
            cache?.invalidate(nil)
            let by = try context.requireUser().id
            context.logger.notice("budget deleted by an administrator", metadata: ["budget_id": "\(id)", "by": "\(by)"])
            return Response(status: .noContent)
        }
    }

    /// The body of `put`.
    package static let putShape = BodyShape("BudgetRequest", ["user_id", "key_id", "unit", "period", "limit"])

    @Sendable package func put(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Budget> {
        var validator = FieldValidator(try await BodyReader.object(request, limit: maxBodyBytes), shape: Self.putShape)
        let user = validator.body["user_id"]?.int.flatMap { (1...Int(Int32.max)).contains($0) ? $0 : nil }
        if user == nil {
            validator.issue(
                "user_id", type: "int_type", "Input should be a user id", input: validator.body["user_id"] ?? .null)
        }
        var key: UUID?? = .some(nil)
        if let raw = validator.optionalString("key_id") {
            key = UUID(uuidString: raw).map { .some($0) }
            if key == nil { validator.valueError("key_id", "key_id must be an API key id (a UUID).", input: raw) }
        }
        let unit = Self.choice(&validator, "unit", BudgetUnit.self)
        let period = Self.choice(&validator, "period", BudgetPeriod.self)
        var limit: Int?
        if let value = validator.body["limit"], let number = value.double, number > 0, number <= 1e9 {
            limit = unit == .cost ? Money.nanos(number) : value.int
            if limit == nil || limit == 0 {
                validator.issue("limit", type: "int_type", "Input should be a whole number of tokens", input: value)
            }
        } else {
            validator.issue(
                "limit", type: "greater_than", "Input should be a number above 0 and at most 1000000000",
                input: validator.body["limit"] ?? .null)
        }
        let (userID, keyID, unitValue, periodValue, limitValue) = try validator.finish(user, key, unit, period, limit)
        guard
            let budget = try await budgets.put(
                userID: userID, keyID: keyID, unit: unitValue, period: periodValue, limit: limitValue)
        else { throw APIError(.notFound, "No such user, or no such API key of that user.", code: "not_found") }
        cache?.invalidate(userID)
        cache?.invalidate(Budgets.anyone)
        let by = try context.requireUser().id
        context.logger.notice(
            "budget set by an administrator", metadata: ["budget_id": "\(budget.id)", "user_id": "\(userID)", "by": "\(by)"])
        return JSONResponse(budget)
    }

    /// A required string field naming one of `Choice`'s cases.
    package static func choice<Choice: RawRepresentable & CaseIterable>(
        _ validator: inout FieldValidator, _ field: String, _: Choice.Type
    ) -> Choice? where Choice.RawValue == String {
        guard let raw = validator.requiredString(field) else { return nil }
        guard let value = Choice(rawValue: raw) else {
            let names = Choice.allCases.map { "'\($0.rawValue)'" }.joined(separator: " or ")
            validator.issue(
                field, type: "enum", "Input should be \(names)", input: .string(String(raw.prefix(64))),
                ctx: ["expected": .string(names)])
            return nil
        }
        return value
    }
}
