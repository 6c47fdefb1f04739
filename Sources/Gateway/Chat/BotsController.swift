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
                return JSONResponse(await health())
            }
    }

    /// Probes every bot concurrently.
    func health() async -> [BotInfo] {
        let bots = self.bots
        return await withTaskGroup(of: (Int, BotInfo).self) { group in
            for (index, entry) in bots.entries.enumerated() {
                group.addTask {
                    let health = await entry.provider.health()
                    return (
                        index,
                        BotInfo(
                            name: entry.name, kind: entry.kind, default: index == 0, fallback: entry.name == bots.fallback,
                            healthy: health.healthy, detail: health.detail)
                    )
                }
            }
            var infos: [(Int, BotInfo)] = []
            for await info in group { infos.append(info) }
            return infos.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
