import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Checks real responses against `Sources/GatewayOps/Docs/openapi.json`: the status is
/// documented for the operation, the content type is one it lists, and the body (JSON, or
/// each Server-Sent Event's data per `x-sse-events`) matches the documented schema.
struct OpenAPIConformance: @unchecked Sendable {
    static let documentPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../Sources/GatewayOps/Docs/openapi.json").standardized.path

    static let shared: OpenAPIConformance = {
        let data = FileManager.default.contents(atPath: documentPath) ?? Data()
        let document = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return OpenAPIConformance(document: document)
    }()

    let document: [String: Any]
    var schema: JSONSchema { JSONSchema(document: document) }

    /// The operation documented for a concrete path, with its path template.
    func operation(_ method: HTTPRequest.Method, _ path: String) -> (template: String, operation: [String: Any])? {
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        let segments = path.split(separator: "/")
        for (template, operations) in paths {
            let pattern = template.split(separator: "/")
            guard pattern.count == segments.count,
                zip(pattern, segments).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }),
                let operation = operations[method.rawValue.lowercased()] as? [String: Any]
            else { continue }
            return (template, operation)
        }
        return nil
    }

    /// Every way `response` departs from the document (empty when it conforms, or when the
    /// path is not a documented operation: 404 and 405 answers).
    func problems(
        _ method: HTTPRequest.Method, _ uri: String, status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer
    ) -> [String] {
        let path = String(uri.prefix { $0 != "?" })
        guard let (template, operation) = operation(method, path) else { return [] }
        let name = "\(method) \(template) → \(status.code)"
        let responses = operation["responses"] as? [String: Any] ?? [:]
        guard var documented = (responses[String(status.code)] ?? responses["default"]) as? [String: Any] else {
            return ["\(name): status not documented"]
        }
        if let ref = documented["$ref"] as? String { documented = schema.resolve(ref) as? [String: Any] ?? [:] }
        let content = documented["content"] as? [String: [String: Any]] ?? [:]
        if content.isEmpty {
            return body.readableBytes == 0 ? [] : ["\(name): body sent where none is documented"]
        }
        let type = headers[.contentType].map { String($0.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces) }
        guard let type, let media = content[type] else {
            return ["\(name): content type \(type ?? "none") not in \(content.keys.sorted())"]
        }
        let data = Data(buffer: body)
        switch type {
        case "application/json":
            guard let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
                return ["\(name): body is not JSON"]
            }
            return schema.problems(value, against: media["schema"] ?? [:]).map { "\(name): \($0)" }
        case "text/event-stream":
            return eventProblems(String(decoding: data, as: UTF8.self), media: media).map { "\(name): \($0)" }
        default:
            return []
        }
    }

    /// Each event's `data:` against the schema `x-sse-events` gives its name.
    private func eventProblems(_ text: String, media: [String: Any]) -> [String] {
        guard let events = media["x-sse-events"] as? [String: Any] else { return ["no x-sse-events for the stream"] }
        let terminator = media["x-sse-terminator"] as? String
        var found: [String] = []
        for block in text.components(separatedBy: "\n\n") where block.isEmpty == false {
            var name = "message"
            var data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("event:") { name = line.dropFirst(6).trimmingCharacters(in: .whitespaces) }
                if line.hasPrefix("data:") { data.append(String(line.dropFirst(5).drop { $0 == " " })) }
            }
            let payload = data.joined(separator: "\n")
            if data.isEmpty || payload == terminator { continue }
            guard let eventSchema = events[name] else {
                found.append("event \(name) not documented")
                continue
            }
            guard let value = try? JSONSerialization.jsonObject(with: Data(payload.utf8), options: [.fragmentsAllowed])
            else {
                found.append("event \(name): data is not JSON")
                continue
            }
            found += schema.problems(value, against: eventSchema, at: "event \(name)")
        }
        return found
    }
}

/// A test client that records an issue for every response that departs from the OpenAPI
/// document, so every route exercised by the suite checks its documented schema.
struct ConformingClient: TestClientProtocol {
    let inner: any TestClientProtocol
    var port: Int? { inner.port }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws
        -> TestResponse
    {
        let response = try await inner.executeRequest(uri: uri, method: method, headers: headers, body: body)
        for problem in OpenAPIConformance.shared.problems(
            method, uri, status: response.status, headers: response.headers, body: response.body)
        {
            Issue.record("response departs from openapi.json: \(problem)")
        }
        return response
    }
}
