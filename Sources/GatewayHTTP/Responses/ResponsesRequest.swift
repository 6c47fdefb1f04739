import BotKit
import Foundation
import GatewayCore
import GatewayDomain

/// A `POST /v1/responses` body (OpenAI's Responses API), checked member by member; problems
/// are 400s in OpenAI's shape naming the member. As on `/v1/chat/completions`, nothing is
/// dropped: a member the gateway does not serve is refused, not ignored (`include` only
/// when empty, as the Agents SDK sends it). Input items are read by `ResponseInput`.
package struct ResponsesRequest: Sendable {
    package let model: String
    /// `instructions` (a system message) and the input items, as the bot is sent them.
    package let messages: [ChatMessage]
    package let options: GenerationOptions
    package let stream: Bool
    package let store: Bool
    /// The stored response this one continues.
    package let previous: UUID?
    /// What the response object repeats of the request.
    package let echo: ResponseEcho

    package static let shape = BodyShape(
        "ResponsesRequest",
        [
            "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "text", "max_output_tokens",
            "temperature", "top_p", "metadata", "stream", "store", "previous_response_id", "user", "include",
            "prompt_cache_key",
        ])

    /// `extras`: the members the bot `model` names takes through (`acceptedExtras`).
    package static func parse(_ raw: [String: JSONValue], extras accepted: (String) -> Set<String> = { _ in [] }) throws
        -> ResponsesRequest
    {
        let body = ShapedBody(shape: shape, members: raw)
        let unknown = raw.keys.filter { shape.members.contains($0) == false }
        let extras = unknown.isEmpty ? [] : accepted(body["model"]?.string ?? "")
        if let refused = unknown.filter({ extras.contains($0) == false }).sorted().first {
            throw invalid(refused, "is not a parameter the gateway serves")
        }
        guard case .string(let model)? = body["model"], model.isEmpty == false else {
            throw invalid("model", "must be a non-empty string")
        }
        var echo = ResponseEcho()
        var messages: [ChatMessage] = []
        if let value = present(body["instructions"]) {
            guard case .string(let text) = value else { throw invalid("instructions", "must be a string") }
            echo.instructions = text
            if text.isEmpty == false { messages.append(ChatMessage(role: .system, content: text)) }
        }
        messages += try ResponseInput.messages(body["input"])
        var options = GenerationOptions()
        (options.tools, echo.tools) = try ResponseInput.tools(present(body["tools"]))
        (options.toolChoice, echo.toolChoice) = try ResponseInput.toolChoice(present(body["tool_choice"]), tools: options.tools)
        (options.responseFormat, echo.text) = try ResponseInput.textFormat(present(body["text"]))
        for name in unknown { options.extras[name] = raw[name] }
        if let value = present(body["max_output_tokens"]) {
            guard let tokens = value.int, (1...1_000_000).contains(tokens) else {
                throw invalid("max_output_tokens", "must be an integer from 1 to 1000000")
            }
            options.maxTokens = tokens
            echo.maxOutputTokens = tokens
        }
        options.temperature = try number(body["temperature"], "temperature", 0...2)
        options.topP = try number(body["top_p"], "top_p", 0...1)
        (echo.temperature, echo.topP) = (options.temperature, options.topP)
        if let value = present(body["user"]) {
            guard case .string(let user) = value, user.count <= 256 else {
                throw invalid("user", "must be a string of at most 256 characters")
            }
            options.endUser = user
            echo.user = user
        }
        if let value = present(body["prompt_cache_key"]) {
            guard case .string(let key) = value, (1...1024).contains(key.count) else {
                throw invalid("prompt_cache_key", "must be a string of 1 to 1024 characters")
            }
            options.promptCacheKey = key
            echo.promptCacheKey = key
        }
        echo.parallelToolCalls = try flag(body["parallel_tool_calls"], "parallel_tool_calls") ?? true
        echo.metadata = try metadata(present(body["metadata"]))
        if let value = present(body["include"]), value != .array([]) {
            throw invalid("include", "must be empty: the gateway adds nothing to its responses")
        }
        var previous: UUID?
        if let value = present(body["previous_response_id"]) {
            guard case .string(let text) = value else { throw invalid("previous_response_id", "must be a string") }
            guard let id = ResponseID.uuid(text) else { throw ResponseID.notFound(text, param: "previous_response_id") }
            previous = id
            echo.previousResponseID = text
        }
        let store = try flag(body["store"], "store") ?? true
        echo.store = store
        return ResponsesRequest(
            model: model, messages: messages, options: options, stream: try flag(body["stream"], "stream") ?? false,
            store: store, previous: previous, echo: echo)
    }

    /// Up to 16 string values, keys of at most 64 characters and values of at most 512.
    private static func metadata(_ value: JSONValue?) throws -> [String: String] {
        guard let value else { return [:] }
        guard case .object(let members) = value, members.count <= 16 else {
            throw invalid("metadata", "must be an object of at most 16 members")
        }
        return try members.reduce(into: [:]) { result, member in
            guard member.key.count <= 64, case .string(let text) = member.value, text.count <= 512 else {
                throw invalid("metadata", "must map keys of at most 64 characters to strings of at most 512")
            }
            result[member.key] = text
        }
    }

    private static func number(_ value: JSONValue?, _ name: String, _ range: ClosedRange<Double>) throws -> Double? {
        guard let value = present(value) else { return nil }
        guard let number = value.double, range.contains(number) else {
            throw invalid(name, "must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private static func flag(_ value: JSONValue?, _ name: String) throws -> Bool? {
        guard let value = present(value) else { return nil }
        guard case .bool(let flag) = value else { throw invalid(name, "must be a boolean") }
        return flag
    }

    static func present(_ value: JSONValue?) -> JSONValue? { value == .null ? nil : value }

    /// OpenAI's 400, naming the member at fault.
    package static func invalid(_ parameter: String, _ problem: String) -> OpenAIError {
        OpenAIError(
            status: .badRequest, message: "`\(parameter)` \(problem).", type: "invalid_request_error",
            code: "invalid_request", param: parameter)
    }
}

/// What a response object repeats of its request (a stored response, read back, repeats
/// only what is stored: these come back as their defaults).
package struct ResponseEcho: Sendable {
    package var instructions: String?
    package var tools: [JSONValue] = []
    package var toolChoice: JSONValue = "auto"
    package var text: JSONValue = ["format": ["type": "text"]]
    package var maxOutputTokens: Int?
    package var temperature: Double?
    package var topP: Double?
    package var user: String?
    package var parallelToolCalls = true
    package var metadata: [String: String] = [:]
    package var previousResponseID: String?
    package var store = true
    package var promptCacheKey: String?

    package init() {}
}

/// Response ids: `resp_` and the stored answer's id in 32 hex digits.
package enum ResponseID {
    package static func string(_ id: UUID) -> String { "resp_" + hex(id) }

    package static func uuid(_ text: String) -> UUID? {
        guard text.hasPrefix("resp_"), text.utf8.count == 37 else { return nil }
        let hex = Array(text.utf8.dropFirst(5))
        guard hex.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(decoding: hex[$0], as: UTF8.self) }
        return UUID(uuidString: parts.joined(separator: "-"))
    }

    /// The id's 32 lowercase hex digits.
    package static func hex(_ id: UUID) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return withUnsafeBytes(of: id.uuid) { bytes in
            String(unsafeUninitializedCapacity: 32) { out in
                for (index, byte) in bytes.enumerated() {
                    out[2 * index] = digits[Int(byte >> 4)]
                    out[2 * index + 1] = digits[Int(byte & 0x0f)]
                }
                return 32
            }
        }
    }

    /// OpenAI's 404 for a response that is not there (or not the caller's).
    package static func notFound(_ id: String, param: String? = nil) -> OpenAIError {
        OpenAIError(
            status: .notFound, message: "Response with id '\(id.prefix(64))' not found.", type: "invalid_request_error",
            code: "not_found", param: param)
    }
}
