import BotKit
import BoundedJSON
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import TestSupport
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// OpenTelemetry: a real `gateway serve` with a collector configured exports a span per
/// request, continuing the client's `traceparent`, with child spans for the bearer check,
/// the bot call (tokens and time to first token as attributes) and the store; the model
/// upstream receives the bot call's `traceparent`.
@Suite struct TracingTests {
    /// An OTLP/HTTP collector on loopback keeping the JSON spans it receives.
    final class Collector: Sendable {
        private let spans: NIOLockedValueBox<[[String: JSONValue]]>
        private let server: LoopbackServer
        var port: Int { server.port }

        var received: [[String: JSONValue]] { spans.withLockedValue { $0 } }

        init() async throws {
            let spans = NIOLockedValueBox<[[String: JSONValue]]>([])
            let router = Router()
            router.post("v1/traces") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 22)
                guard case .object(let root) = try JSONReader.parse(Array(buffer: body)) else {
                    return Response(status: .badRequest)
                }
                let found = (root["resourceSpans"]?.array ?? []).flatMap { ($0["scopeSpans"]?.array ?? []) }
                    .flatMap { $0["spans"]?.array ?? [] }.compactMap { span -> [String: JSONValue]? in
                        if case .object(let fields) = span { return fields }
                        return nil
                    }
                spans.withLockedValue { $0 += found }
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
            }
            var logger = Logger(label: "collector")
            logger.logLevel = .critical
            server = try await LoopbackServer.start { running in
                Application(
                    router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: running,
                    logger: logger)
            }
            self.spans = spans
        }

        func stop() { server.stop() }
    }

    /// An OTLP/JSON id as lower-case hex (the spec's encoding; base64 also read).
    static func hex(_ value: JSONValue?) -> String {
        guard case .string(let text) = value else { return "" }
        if text.count == 32 || text.count == 16, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        return Data(base64Encoded: text).map { $0.map { String(format: "%02x", $0) }.joined() } ?? text
    }

    @Test func aRequestIsTracedFromClientToUpstream() async throws {
        let model = try await ModelUpstream.start()
        defer { model.stop() }
        let collector = try await Collector()
        defer { collector.stop() }
        let database = try await TestDatabase.createMigrated()
        let gateway = try await GatewayProcess.start(
            database: database,
            [
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:\(collector.port)/v1/traces",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_BSP_SCHEDULE_DELAY": "100",
                "BOTS": "up=http", "BOT_UP_URL": model.base + "/v1", "BOT_UP_MODEL": "m", "BOT_UP_RETRIES": "0",
            ])
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        let clientSpan = "00f067aa0ba902b7"
        do {
            let register = #"{"name":"T","email":"trace@example.com","password":"Passw0rd!"}"#
            #expect(try await RawHTTP.request(port: gateway.port, "POST", "/api/v1/users/register", json: register).status == 201)
            let login = try await RawHTTP.request(
                port: gateway.port, "POST", "/api/v1/users/login", json: #"{"email":"trace@example.com","password":"Passw0rd!"}"#)
            let token = try #require(
                login.text.components(separatedBy: #""access_token":""#).dropFirst().first?.prefix { $0 != "\"" })
            let chat = try await RawHTTP.request(
                port: gateway.port, "POST", "/api/v1/chat", json: #"{"message":"trace me","bot":"up"}"#,
                headers: ["Authorization": "Bearer \(token)", "traceparent": "00-\(traceID)-\(clientSpan)-01"])
            #expect(chat.status == 200)
            var spans: [[String: JSONValue]] = []
            for _ in 0..<200 {
                spans = collector.received.filter { Self.hex($0["traceId"]) == traceID }
                if Set(spans.compactMap { $0["name"]?.string }).isSuperset(of: ["bearer check", "bot call", "store turn"]),
                    spans.contains(where: { Self.hex($0["parentSpanId"]) == clientSpan })
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let request = try #require(spans.first { Self.hex($0["parentSpanId"]) == clientSpan }, "\(collector.received)")
            let requestID = Self.hex(request["spanId"])
            for name in ["bearer check", "bot call", "store turn"] {
                let child = try #require(spans.first { $0["name"]?.string == name }, "no \(name) span")
                #expect(Self.hex(child["parentSpanId"]) == requestID, "\(name) is a child of the request's span")
            }
            let call = try #require(spans.first { $0["name"]?.string == "bot call" })
            let attributes = Set((call["attributes"]?.array ?? []).compactMap { $0["key"]?.string })
            #expect(
                attributes.isSuperset(of: [
                    "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.time_to_first_token_ms",
                ]))
            // The model upstream was called within the same trace, as a child of the bot call.
            let sent = try #require(model.receivedTraceparents.last)
            #expect(sent.hasPrefix("00-\(traceID)-\(Self.hex(call["spanId"]))-"))
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }
}
