// swift-tools-version:6.1
import Foundation
import PackageDescription

/// Bots that need nothing but BotKit: every folder of `Sources/Bots` not declared below is
/// such a bot's target, and the executable depends on it. A new bot is its folder plus the
/// line in `Sources/GatewayServer/BuiltInBots.swift` that registers it (and its import).
let declaredBotFolders: Set<String> = ["BotTransport", "HTTPBot", "WebhookBot"]
let simpleBots: [String] = {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Sources/Bots").path
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasPrefix(".") == false && declaredBotFolders.contains($0) == false }.sorted()
}()

let package = Package(
    name: "bot-gateway",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gateway", targets: ["GatewayServer"]),
        .library(name: "Gateway", targets: ["Gateway"]),
        .library(name: "BotKit", targets: ["BotKit"]),
        .library(name: "BotKitTesting", targets: ["BotKitTesting"]),
        .executable(name: "bench-baseline", targets: ["BenchBaseline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OpenTelemetry export, OTLP/HTTP only (no gRPC stack to build).
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // C libraries, each behind a module map and a shim header.
        .systemLibrary(
            name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CArgon2", path: "Sources/CArgon2", pkgConfig: "libargon2",
            providers: [.apt(["libargon2-dev"])]),

        // The plugin contract: depends on nothing of ours.
        .target(name: "BotKit", path: "Sources/BotKit"),
        .target(name: "BotKitTesting", dependencies: ["BotKit"], path: "Sources/BotKitTesting"),
        // The hardened JSON reader (linear time, explicit limits) for bytes from outside:
        // request bodies, upstream replies, webhook events. Bots need `JSONValue` only.
        .target(name: "BoundedJSON", dependencies: ["BotKit"], path: "Sources/BoundedJSON"),

        // Bots depend on BotKit only (and the HTTP-speaking ones on their shared transport).
        .target(
            name: "BotTransport",
            dependencies: ["BotKit", "BoundedJSON", "CCurl", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Bots/BotTransport"),
        .target(
            name: "HTTPBot", dependencies: ["BotKit", "BotTransport", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Bots/HTTPBot"),
        .target(
            name: "WebhookBot", dependencies: ["BotKit", "BotTransport", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Bots/WebhookBot"),

        // PostgreSQL through libpq: connections on their own threads, the pool, the `SQL`
        // type, values, group commit and the migrator. Knows nothing of the gateway.
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/Postgres"),

        // The gateway's layers, each a module: a lower one cannot import a higher one.
        // Configuration, errors in the contract's shape, small shared helpers.
        .target(
            name: "GatewayCore",
            dependencies: [
                "BotKit", "BoundedJSON", "Postgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/GatewayCore"),
        // The domain: accounts, budgets, usage and chat; repository protocols, their
        // PostgreSQL implementations, the services. No HTTP server.
        .target(
            name: "GatewayDomain",
            dependencies: [
                "BotKit", "BoundedJSON", "Postgres", "CArgon2", "GatewayCore",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/GatewayDomain"),
        // The HTTP layer: middleware, the chat API, `/v1` (OpenAI) and `/v1/messages` (Anthropic).
        .target(
            name: "GatewayHTTP",
            dependencies: [
                "BotKit", "BoundedJSON", "Postgres", "GatewayCore", "GatewayDomain",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            path: "Sources/GatewayHTTP"),
        // Operations: the admin API and console, health, metrics, logs, API docs, purging.
        .target(
            name: "GatewayOps",
            dependencies: [
                "BotKit", "BoundedJSON", "Postgres", "GatewayCore", "GatewayDomain", "GatewayHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/GatewayOps",
            // The OpenAPI description (edited by hand) and the console's assets, compiled in.
            resources: [
                .embedInCode("Docs/openapi.json"), .embedInCode("Console/console.js"), .embedInCode("Console/console.css"),
            ]),
        // The domain's stores on PostgreSQL that live apart from their protocols: conversations
        // (turns in batches, stored responses) and sessions (rotation, reuse detection).
        .target(
            name: "GatewayPostgres",
            dependencies: [
                "BotKit", "BoundedJSON", "Postgres", "GatewayCore", "GatewayDomain",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/GatewayPostgres"),
        // In-memory stores for every repository (one shared set of rows, as the tables are):
        // what `GatewayStores.inMemory` builds, for tests and trying the gateway without a
        // database.
        .target(
            name: "GatewayMemory",
            dependencies: ["BotKit", "GatewayCore", "GatewayDomain", "GatewayOps"],
            path: "Sources/GatewayMemory"),
        // Assembles the layers: `GatewayServices`, `buildApplication`, `runGateway`.
        .target(
            name: "Gateway",
            dependencies: [
                "BotKit", "Postgres", "GatewayCore", "GatewayDomain", "GatewayHTTP", "GatewayOps", "GatewayMemory", "GatewayPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // `gateway bot-check`: the conformance kit against a live bot-protocol endpoint.
        .target(
            name: "BotCheck",
            dependencies: [
                "BotKit", "BotKitTesting", "BoundedJSON", "BotTransport", "WebhookBot",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The composition root: names the bots this build ships.
        .executableTarget(
            name: "GatewayServer",
            dependencies: [
                "Gateway", "GatewayCore", "GatewayDomain", "GatewayOps", "Postgres", "HTTPBot", "WebhookBot", "BotCheck",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ] + simpleBots.map { .target(name: $0) }),

        // Benchmark yardsticks (scripts/bench): a bare Hummingbird server and a fake upstream.
        .executableTarget(
            name: "BenchBaseline",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Servers the tests run on loopback (fake upstreams, a trace collector).
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "GatewayCore", "GatewayDomain", "GatewayHTTP", "GatewayOps", "GatewayMemory", "GatewayPostgres", "EchoBot", "HTTPBot",
                "WebhookBot",
                "BotCheck", "TestSupport", "BoundedJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            // The Python clients and browser script the tests run.
            exclude: [
                "Support/openai_client.py", "Support/anthropic_client.py", "Support/sdk_through_httpbot.py",
                "Support/check_bot_protocol.py", "Support/console_browser.py", "Fixtures",
            ]),
        .testTarget(name: "BotKitTests", dependencies: ["BotKit", "BoundedJSON"]),
        .testTarget(
            name: "WebhookBotTests", dependencies: ["BotKit", "BotKitTesting", "BotTransport", "WebhookBot", "BotCheck"]),
        .testTarget(name: "EchoBotTests", dependencies: ["BotKit", "BotKitTesting", "EchoBot"]),
        .testTarget(
            name: "HTTPBotTests",
            dependencies: [
                "BotKit", "BotKitTesting", "HTTPBot", "BotTransport", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
    ]
        // The bots found in `Sources/Bots` (EchoBot among them).
        + simpleBots.map { .target(name: $0, dependencies: ["BotKit"], path: "Sources/Bots/\($0)") }
)
