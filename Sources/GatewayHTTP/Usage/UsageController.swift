import Foundation
import GatewayCore
import GatewayDomain
import Hummingbird
import Postgres

/// `GET /api/v1/users/me/usage?from=YYYY-MM-DD&to=YYYY-MM-DD`: tokens by bot and day
/// (default: the last 30 days).
package struct UsageController {
    package let usage: any UsageRepository
    package let bearer: BearerAuthenticator

    package init(usage: any UsageRepository, bearer: BearerAuthenticator) {
        self.usage = usage
        self.bearer = bearer
    }

    package struct Report: Encodable, Sendable {
        package let from: String
        package let to: String
        package let days: [UsageRow]
        package let total_input_tokens: Int
        package let total_output_tokens: Int
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.group("/api/v1/users/me/usage").add(middleware: bearer).get { request, context in
            let user = try context.requireUser()
            let today = Date()
            let to = try Self.day(request, "to") ?? CivilDate.utcDay(today)
            let from =
                try Self.day(request, "from") ?? CivilDate.utcDay(today.addingTimeInterval(-Duration.days(29).timeInterval))
            let rows = try await usage.usage(userID: user.id, from: from, to: to)
            return JSONResponse(
                Report(
                    from: from, to: to, days: rows, total_input_tokens: rows.reduce(0) { $0 + $1.inputTokens },
                    total_output_tokens: rows.reduce(0) { $0 + $1.outputTokens }))
        }
    }

    /// Days of a month of the Gregorian calendar.
    package static func daysIn(_ month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// A `YYYY-MM-DD` query parameter (a real calendar day), or a 422 naming it.
    package static func day(_ request: Request, _ name: String) throws -> String? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1970...9999).contains(year), (1...12).contains(month), (1...daysIn(month, of: year)).contains(day)
        else {
            throw APIError.validation([
                ValidationIssue(
                    type: "date_from_datetime_parsing", loc: [.key("query"), .key(name)],
                    msg: "Input should be a valid date in the format YYYY-MM-DD", input: .string(String(text.prefix(64))))
            ])
        }
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}
