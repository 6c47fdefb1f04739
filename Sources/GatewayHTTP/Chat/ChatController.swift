import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /api/v1/chat` (JSON, or Server-Sent Events with `Accept: text/event-stream`)
/// and `POST /api/v1/chat/stream` (always SSE).
package struct ChatController {
    package let service: ChatService
    package let bearer: BearerAuthenticator
    package let maxBodyBytes: Int
    package let streams: StreamRegistry

    package init(service: ChatService, bearer: BearerAuthenticator, maxBodyBytes: Int, streams: StreamRegistry) {
        self.service = service
        self.bearer = bearer
        self.maxBodyBytes = maxBodyBytes
        self.streams = streams
    }

    package static let maxMessageCharacters = 4096

    package struct ChatResponse: Encodable, Sendable {
        package let response: String
        package let conversation_id: String
        package let bot: String
        package let message_id: String
        package let finish_reason: String?
        package let usage: Usage?
        package let error: ErrorInfo?
        package let suggestions: [String]?
        /// The tools the bot called (`finish_reason` `tool_calls`); absent when none.
        package var tool_calls: [ToolCall]? = nil
    }

    package struct Usage: Encodable, Sendable {
        package let input_tokens: Int
        package let output_tokens: Int

        package init(_ usage: TokenUsage) {
            input_tokens = usage.inputTokens
            output_tokens = usage.outputTokens
        }
    }

    package struct ErrorInfo: Encodable, Sendable {
        package let code: String
        package let message: String
    }

    package static let path = "/api/v1/chat"

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.group(RouterPath(Self.path)).add(middleware: bearer)
            .post { request, context in try await chat(request, context: context, stream: Self.asksForEvents(request)) }
            .post("stream") { request, context in try await chat(request, context: context, stream: true) }
    }

    /// Whether `POST /api/v1/chat` asks to be answered with Server-Sent Events.
    package static func asksForEvents(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("text/event-stream") == true
    }

    /// Whether `request` asks for one of the chat API's streams, known from its head.
    package static func asksForStream(_ request: Request) -> Bool {
        guard request.method == .post else { return false }
        switch request.uri.path {
        case path + "/stream": return true
        case path: return asksForEvents(request)
        default: return false
        }
    }

    package func chat(_ request: Request, context: AppRequestContext, stream: Bool) async throws -> Response {
        let user = try context.requireUser()
        let body = try await BodyReader.collect(request, limit: maxBodyBytes)
        let fields = try Self.validatedFields(body)
        let lease = try stream ? streams.admit(userID: user.id, channel: context.channel) : nil
        let turn = try await service.prepare(
            .init(
                userID: user.id, keyID: user.keyID, access: user.bots, message: fields.message,
                conversationID: fields.conversationID,
                bot: fields.bot,
                images: fields.images, toolResults: fields.toolResults, options: fields.options))
        if let lease {
            // The bot starts once `start` is written (a client gone by then costs no call).
            let service = self.service
            return TurnStream.response(starting: { service.start(turn) }, format: ChatEvents(turn: turn), lease: lease)
        }
        return try await collected(turn)
    }

    /// What a chat request asks.
    package struct Fields {
        package let message: String
        package let conversationID: UUID?
        package let bot: String?
        package var images: [ImagePart] = []
        package var tools: [ToolDefinition] = []
        package var toolChoice = ToolChoice.auto
        package var toolResults: [ChatMessage] = []

        package var options: GenerationOptions {
            var options = GenerationOptions()
            options.tools = tools
            options.toolChoice = toolChoice
            return options
        }
    }

    /// The body's fields, with the contract's 422 details for anything off. One linear
    /// pass reads the body (`JSONReader`); the usual body costs no more than that.
    /// The body of both chat routes.
    package static let shape = BodyShape(
        "ChatRequest", ["message", "conversation_id", "bot", "images", "tools", "tool_choice", "tool_results"])

    package static func validatedFields(_ body: ByteBuffer) throws -> Fields {
        var validator = FieldValidator(try BodyReader.object(from: body), shape: shape)
        let toolResults = Self.toolResults(validator.body["tool_results"], &validator)
        // A turn that sends tool results may say nothing more.
        let message =
            toolResults.isEmpty || validator.body["message"].map({ $0 != .null }) == true
            ? Self.message(validator.requiredString("message"), &validator) : ""
        let conversationID = Self.uuid("conversation_id", validator.optionalString("conversation_id"), &validator)
        if toolResults.isEmpty == false, conversationID == nil, validator.issues.isEmpty {
            validator.valueError("conversation_id", "Tool results continue a conversation: give its id.", input: "")
        }
        let bot = validator.optionalString("bot")
        let images = Self.images(validator.body["images"], &validator)
        let tools = Self.tools(validator.body["tools"], &validator)
        let toolChoice = Self.toolChoice(validator.body["tool_choice"], tools: tools, &validator)
        return Fields(
            message: try validator.finish(message), conversationID: conversationID, bot: bot, images: images, tools: tools,
            toolChoice: toolChoice, toolResults: toolResults)
    }

    /// The optional `images`: up to 8 https or base64 `data:image/…` URLs, for a bot that
    /// takes images.
    package static func images(_ value: JSONValue?, _ validator: inout FieldValidator) -> [ImagePart] {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value, items.count <= 8 else {
            validator.issue("images", type: "list_type", "Input should be a list of at most 8 image URLs", input: value)
            return []
        }
        var images: [ImagePart] = []
        for item in items {
            guard case .string(let text) = item, let image = ImagePart(url: text) else {
                validator.valueError(
                    "images", "Each image must be an https URL or a base64 data:image URL.", input: item.string ?? "")
                return []
            }
            images.append(image)
        }
        return images
    }

    /// Trims and checks the message with the contract's exact messages.
    package static func message(_ raw: String?, _ validator: inout FieldValidator) -> String? {
        guard let raw else { return nil }
        let text = raw.trimmedWhitespace
        if text.isEmpty {
            validator.valueError("message", "Message must not be empty or whitespace.", input: raw)
            return nil
        }
        if text.count > maxMessageCharacters {
            validator.valueError(
                "message", "Message too long. Maximum allowed is 4096 characters. Please shorten your message.", input: raw)
            return nil
        }
        return text
    }

    package static func uuid(_ field: String, _ raw: String?, _ validator: inout FieldValidator) -> UUID? {
        guard let raw else { return nil }
        guard let id = UUID(uuidString: raw) else {
            validator.issue(field, type: "uuid_parsing", "Input should be a valid UUID", input: .string(raw))
            return nil
        }
        return id
    }

    private func collected(_ turn: ChatService.PreparedTurn) async throws -> Response {
        let result = try await service.answer(turn)
        let body = ChatResponse(
            response: result.text, conversation_id: turn.conversationID.lowercasedString, bot: result.bot,
            message_id: turn.assistantMessageID.lowercasedString,
            finish_reason: result.completion?.finishReason.rawValue, usage: result.completion?.usage.map(Usage.init),
            error: result.error.map { ErrorInfo(code: $0.code, message: $0.safeMessage) },
            suggestions: result.error == nil ? nil : PoliteReply.suggestions,
            tool_calls: result.toolCalls.isEmpty ? nil : result.toolCalls)
        return try JSONResponse(body).response()
    }
}
