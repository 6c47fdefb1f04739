import ArgumentParser
import Foundation
import Gateway
import GatewayCore
import GatewayDomain
import GatewayOps
import Hummingbird

/// `gateway`: the bot gateway's command line.
@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "A plugin-based bot gateway: accounts, sessions and chat over pluggable bots.",
        subcommands: [Serve.self, Migrate.self, CheckConfig.self, EnvExample.self, BotCheckCommand.self, AdminCommand.self],
        defaultSubcommand: Serve.self)
}

/// Reads `.env` and the environment, or exits with one line naming the bad variable.
func loadConfig() throws -> GatewayConfig {
    do {
        let config = try GatewayConfig(environment: try EnvironmentSource.load())
        // Builds every configured bot once, so a bad bot setting fails here too.
        _ = try BotDirectory(config: config.bots, registry: BuiltInBots.registry)
        return config
    } catch let error as ConfigError {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode(78)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations and serve HTTP (default).")

    @Flag(help: "Do not apply migrations at startup (overrides AUTO_MIGRATE).")
    var skipMigrations = false

    func run() async throws {
        FileDescriptors.raiseToHardLimit()
        let config = try loadConfig()
        let logger = makeLogger(config)
        // The process's metrics backend, installed before anything records a metric.
        Observability.bootstrap()
        let observability = try bootstrapTracing(config, logger: logger)
        let services = try await GatewayServices(
            config: config, logger: logger, registry: BuiltInBots.registry, stores: .postgres(config, logger: logger))
        if config.autoMigrate && !skipMigrations {
            do {
                try await services.migrate()
            } catch {
                logger.critical("migrations failed", metadata: ["error": "\(error)"])
                await services.shutdown()
                throw ExitCode(1)
            }
        }
        try await runGateway(services, observability: observability)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations and exit.")

    func run() async throws {
        let config = try loadConfig()
        let logger = makeLogger(config)
        let services = try await GatewayServices(
            config: config, logger: logger, registry: BuiltInBots.registry, stores: .postgres(config, logger: logger))
        do {
            try await services.migrate()
            await services.shutdown()
        } catch {
            logger.critical("migrations failed", metadata: ["error": "\(error)"])
            await services.shutdown()
            throw ExitCode(1)
        }
    }
}

struct EnvExample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env-example", abstract: "Print .env.example: every configuration key with its default and meaning.")

    @Flag(help: "Print the reference as Markdown instead (docs/configuration.md).")
    var markdown = false

    func run() {
        let examples = BuiltInBots.registry.settingsExamples
        print(
            markdown ? ConfigKey.markdownReference(botExamples: examples) : ConfigKey.envExample(botExamples: examples),
            terminator: "")
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the configuration and print it with secrets masked.")

    func run() async throws {
        let config = try loadConfig()
        for (key, value) in config.summary { print("\(key)=\(value)") }
    }
}
