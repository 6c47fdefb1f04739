import BotKit
import EchoBot
import HTTPBot
import WebhookBot

/// The one place that names concrete bot types: every kind this build ships. The
/// executable is the composition root; the `Gateway` library knows bots only through
/// BotKit. Adding a bot is a folder under `Sources/Bots` (`Package.swift` makes it a
/// target) plus its import and one line here.
enum BuiltInBots {
    static var registry: BotRegistry {
        var registry = BotRegistry()
        EchoBot.register(in: &registry)
        HTTPBot.register(in: &registry)
        WebhookBot.register(in: &registry)
        return registry
    }
}
