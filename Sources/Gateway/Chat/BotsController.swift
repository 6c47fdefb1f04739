import Hummingbird

/// `GET /api/v1/bots`: the configured bots, their kind and health; never a secret.
struct BotsController {
    let bots: BotDirectory
    let bearer: BearerAuthenticator

    struct BotInfo: Encodable, Sendable {
        let name: String
        let kind: String
        let `default`: Bool
        let fallback: Bool
        let healthy: Bool
        let detail: String
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.group("/api/v1/bots").add(middleware: bearer)
            .get { _, context in
                _ = try context.requireUser()
                return JSONResponse(health())
            }
    }

    /// Every bot's health as last probed (`BOT_HEALTH_CACHE_SECONDS`); never waits on a bot.
    func health() -> [BotInfo] {
        bots.entries.enumerated().map { index, entry in
            let health = bots.health.health(of: entry.name, provider: entry.provider)
            return BotInfo(
                name: entry.name, kind: entry.kind, default: index == 0, fallback: entry.name == bots.fallback,
                healthy: health.healthy, detail: health.detail)
        }
    }
}
