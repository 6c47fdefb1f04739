import GatewayCore
import GatewayDomain
import Hummingbird

/// `GET /api/v1/bots`: the configured bots, their kind and health; never a secret.
package struct BotsController {
    package let bots: BotDirectory
    package let bearer: BearerAuthenticator

    package init(bots: BotDirectory, bearer: BearerAuthenticator) {
        self.bots = bots
        self.bearer = bearer
    }

    package struct BotInfo: Encodable, Sendable {
        package let name: String
        package let kind: String
        package let `default`: Bool
        package let fallback: Bool
        package let healthy: Bool
        package let detail: String
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.group("/api/v1/bots").add(middleware: bearer)
            .get { _, context in
                JSONResponse(health(for: try context.requireUser().bots))
            }
    }

    /// The health of every bot `access` allows, as last probed (`BOT_HEALTH_CACHE_SECONDS`);
    /// never waits on a bot.
    package func health(for access: BotAccess = .everyBot) -> [BotInfo] {
        bots.entries.enumerated().filter { access.permits($0.element.name) }.map { index, entry in
            let health = bots.health.health(of: entry.name, provider: entry.provider)
            return BotInfo(
                name: entry.name, kind: entry.kind, default: index == 0, fallback: entry.name == bots.fallback,
                healthy: health.healthy, detail: health.detail)
        }
    }
}
