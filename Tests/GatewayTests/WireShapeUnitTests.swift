import BotKit
import BoundedJSON
import Foundation
import Testing

@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// One source for each wire shape: the request bodies' member lists (`BodyShape`, what the
/// parsers read) and the typed answers are held to `openapi.json` member by member, both
/// ways. A member added to a type and not to the document fails here, and so does a
/// documented member the type does not have. No database.
@Suite struct WireShapeUnitTests {
    static let document = OpenAPIConformance.shared
    static var schemas: [String: Any] {
        (document.document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
    }

    static let requests: [BodyShape] = [
        ChatController.shape, UsersController.registerShape, UsersController.loginShape, APIKeysController.createShape,
        BudgetsController.putShape, CompletionRequest.shape, MessagesRequest.shape, OpenAIController.embeddingsShape,
        ResponsesRequest.shape, MessagesRequest.countShape,
    ]

    @Test(arguments: requests.map(\.schema))
    func aRequestBodyIsDocumentedMemberByMember(schema: String) throws {
        let shape = try #require(Self.requests.first { $0.schema == schema })
        let documented = try #require(Self.schemas[schema] as? [String: Any], "\(schema) is not in openapi.json")
        let properties = documented["properties"] as? [String: Any] ?? [:]
        #expect(Set(properties.keys) == shape.members, "\(schema): the document and the parser's members differ")
    }

    /// The response object's direct writer (its hot path) writes what its `Encodable` does.
    @Test func theDirectWritersAgreeWithTheTypes() throws {
        let response = WireSample.response
        #expect(try JSONReader.parse(response.jsonBytes) == (try JSONValueEncoder.encode(response, nulls: true)))
        var streaming = response
        streaming.output = [.message(id: "msg_x", status: "in_progress", text: "")]
        streaming.usage = nil
        streaming.error = nil
        #expect(try JSONReader.parse(streaming.jsonBytes) == (try JSONValueEncoder.encode(streaming, nulls: true)))
        #expect(ResponseID.hex(UUID(uuidString: "0B6F4D3C-1111-4222-8333-444455556666")!) == "0b6f4d3c111142228333444455556666")
    }

    @Test func everyDocumentedRequestBodyHasAShape() {
        let paths = Self.document.document["paths"] as? [String: [String: Any]] ?? [:]
        var documented: Set<String> = []
        for operations in paths.values {
            for case let operation as [String: Any] in operations.values {
                let body = operation["requestBody"] as? [String: Any]
                let media = (body?["content"] as? [String: Any])?["application/json"] as? [String: Any]
                if let ref = (media?["schema"] as? [String: Any])?["$ref"] as? String {
                    documented.insert(String(ref.split(separator: "/").last ?? ""))
                }
            }
        }
        #expect(documented == Set(Self.requests.map(\.schema)))
    }

    @Test(arguments: WireSample.all)
    func anAnswerIsDocumentedMemberByMember(sample: WireSample) throws {
        // The sample leaves nothing out, so every member the type has is on the wire.
        #expect(Self.emptyOptionals(sample.value, at: sample.schema).isEmpty, "fill every optional of the sample")
        let json = try JSONSerialization.jsonObject(with: try sample.encoded(), options: [.fragmentsAllowed])
        let schema: [String: Any] = ["$ref": "#/components/schemas/\(sample.schema)"]
        // Every member on the wire is documented (`additionalProperties: false`) with its type…
        #expect(Self.document.schema.problems(json, against: schema).isEmpty)
        // …and every documented member is one the type writes.
        #expect(Self.undocumentedGaps(json, schema, at: sample.schema).isEmpty)
    }

    /// The paths of optionals left nil anywhere in `value`.
    static func emptyOptionals(_ value: Any, at path: String) -> [String] {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional, mirror.children.isEmpty { return [path] }
        return mirror.children.enumerated().flatMap { index, child in
            emptyOptionals(child.value, at: path + "." + (child.label ?? String(index)))
        }
    }

    /// The documented members of each object in `value` that it does not have.
    static func undocumentedGaps(_ value: Any, _ schema: Any, at path: String) -> [String] {
        guard var schema = schema as? [String: Any] else { return [] }
        if let ref = schema["$ref"] as? String { schema = document.schema.resolve(ref) as? [String: Any] ?? [:] }
        for keyword in ["oneOf", "anyOf"] {
            if let branches = schema[keyword] as? [Any] {
                let match = branches.first { document.schema.problems(value, against: $0).isEmpty }
                return match.map { undocumentedGaps(value, $0, at: path) } ?? ["\(path): matches no branch"]
            }
        }
        var gaps = (schema["allOf"] as? [Any] ?? []).flatMap { undocumentedGaps(value, $0, at: path) }
        if let object = value as? [String: Any], let properties = schema["properties"] as? [String: Any] {
            for (name, property) in properties {
                guard let member = object[name] else {
                    gaps.append("\(path).\(name)")
                    continue
                }
                gaps += undocumentedGaps(member, property, at: "\(path).\(name)")
            }
        }
        if let items = value as? [Any], let itemSchema = schema["items"] {
            gaps += items.enumerated().flatMap { undocumentedGaps($1, itemSchema, at: "\(path)[\($0)]") }
        }
        return gaps
    }
}

/// A fully filled answer of one documented schema, encoded as its route encodes it.
struct WireSample: Sendable, CustomTestStringConvertible {
    let schema: String
    let value: any Sendable
    let encoded: @Sendable () throws -> Data
    var testDescription: String { schema }

    /// Written by `JSONValueEncoder` and BotKit's writer (`/v1`, `/v1/messages`; every
    /// member, `null` when unset, with `nulls`: `/v1/responses`).
    init(_ schema: String, wire value: some Encodable & Sendable, nulls: Bool = false) {
        self.schema = schema
        self.value = value
        encoded = { Data(try JSONValueEncoder.encode(value, nulls: nulls).jsonBytes) }
    }

    /// Written by `JSONResponse` (the chat API).
    init(_ schema: String, response value: some Encodable & Sendable) {
        self.schema = schema
        self.value = value
        encoded = { try JSONResponse(value).body() }
    }

    static let usage = TokenUsage(
        inputTokens: 120, outputTokens: 30, cachedInputTokens: 100, reasoningTokens: 12, cacheWriteInputTokens: 8)
    static let call = ToolCall(id: "call_1", name: "lookup", arguments: #"{"q":"swift"}"#)
    static let id = "0b6f4d3c-1111-4222-8333-444455556666"
    static var result: ChatService.TurnResult {
        var result = ChatService.TurnResult(
            text: "Hello", bot: "echo", outcome: .completed(BotCompletion(finishReason: .toolCalls, usage: usage)))
        result.toolCalls = [call]
        return result
    }

    static var response: ResponseObject {
        var echo = ResponseEcho()
        echo.instructions = "Be brief."
        echo.maxOutputTokens = 100
        echo.temperature = 0.5
        echo.topP = 0.9
        echo.user = "u1"
        echo.previousResponseID = "resp_" + String(repeating: "a", count: 32)
        echo.metadata = ["k": "v"]
        echo.promptCacheKey = "tenant-7"
        echo.tools = [
            ["type": "function", "name": "lookup", "description": "d", "parameters": ["type": "object"], "strict": true]
        ]
        echo.toolChoice = ["type": "function", "name": "lookup"]
        var response = ResponseObject(id: UUID(), createdAt: 1_700_000_000, model: "echo", echo: echo)
            .finished(
                answer: "Hello", calls: [call], bot: "echo", finishReason: "length", failure: .timeout, usage: usage)
        response.incomplete_details = .init(reason: "max_output_tokens")
        return response
    }

    static let all: [WireSample] = [
        WireSample("Response", wire: response, nulls: true),
        WireSample(
            "ResponseInputItemList",
            wire: try! ResponseInputItems(
                [
                    ChatMessage(role: .tool, content: "3 cats", toolCallID: "call_1"),
                    ChatMessage(role: .user, content: "hi", images: [ImagePart(url: "https://example.com/a.png")!]),
                ], responseID: "resp_" + String(repeating: "b", count: 32), query: [:]), nulls: true),
        WireSample("TokenCount", wire: TokenCount(input_tokens: 12)),
        WireSample("ResponseDeleted", wire: ResponseDeleted(id: "resp_" + String(repeating: "c", count: 32))),
        WireSample(
            "ChatCompletion", wire: ChatCompletion(id: "chatcmpl-" + id, created: 1_700_000_000, result: result, usage: usage)),
        WireSample("AnthropicMessage", wire: AnthropicMessage(id: "msg_" + id, result: result, usage: usage)),
        WireSample(
            "EmbeddingList",
            wire: EmbeddingList(
                data: [.init(index: 0, embedding: [0.25, -0.5])], model: "echo", usage: .init(prompt_tokens: 2, total_tokens: 2))),
        WireSample(
            "ModelList", response: OpenAIController.ModelList(data: [.init(id: "echo", owned_by: "gateway:echo")])),
        WireSample(
            "ChatResponse",
            response: ChatController.ChatResponse(
                response: "Hello", conversation_id: id, bot: "echo", message_id: id, finish_reason: "tool_calls",
                usage: .init(usage), error: .init(code: "bot_timeout", message: "The bot took too long."),
                suggestions: ["Try again."], tool_calls: [call])),
        WireSample(
            "ConversationPage",
            response: ConversationsController.Page(
                items: [ConversationSummary(id: id, title: "Hi", bot: "echo", createdAt: Date(), updatedAt: Date())],
                next_cursor: "cursor")),
        WireSample(
            "ConversationDetail",
            response: ConversationsController.Detail(
                id: id, title: "Hi", bot: "echo", created_at: Date(), updated_at: Date(),
                messages: [
                    StoredMessage(
                        id: id, role: .assistant, content: "Hello", bot: "echo", status: .ok, finishReason: "stop",
                        inputTokens: 3, outputTokens: 1, latencyMs: 12, createdAt: Date())
                ])),
    ]
}
