import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import Hummingbird

/// A model API's request as its parser reads it (`/v1/chat/completions`, `/v1/messages`).
package protocol ModelCallRequest {
    var model: String { get }
    var messages: [ChatMessage] { get }
    var options: GenerationOptions { get }
    var stream: Bool { get }
}

extension CompletionRequest: ModelCallRequest {}
extension MessagesRequest: ModelCallRequest {}

/// What every model API does with a request before the call, in one place: read the body
/// (knowing which extra members the named bot takes), take the stream's lease first (a call
/// refused for it reserves no budget), then prepare the turn (quotas, budget, context).
package struct ModelCallIntake: Sendable {
    package let chat: ChatService
    package let bots: BotDirectory
    package let streams: StreamRegistry
    package let maxBodyBytes: Int

    package init(chat: ChatService, bots: BotDirectory, streams: StreamRegistry, maxBodyBytes: Int) {
        self.chat = chat
        self.bots = bots
        self.streams = streams
        self.maxBodyBytes = maxBodyBytes
    }

    /// The caller and the body as `parse` reads it, told which extra members the bot a
    /// model name names takes through.
    package func read<Parsed>(
        _ request: Request, context: AppRequestContext,
        parse: ([String: JSONValue], (String) -> Set<String>) throws -> Parsed
    ) async throws -> (AuthenticatedUser, Parsed) {
        let user = try context.requireUser()
        let bots = self.bots
        // A bot the caller may not call takes no extras: its answer (a 400 for an extra
        // member, else the 403) tells nothing an unknown name would not.
        let parsed = try parse(try await BodyReader.object(request, limit: maxBodyBytes)) { model in
            bots.bot(named: model).flatMap { user.bots.permits($0.name) ? $0 : nil }?.provider.acceptedExtras ?? []
        }
        return (user, parsed)
    }

    /// The parsed request, its prepared turn, and its stream's lease when it streams.
    package func prepare<Parsed: ModelCallRequest>(
        _ request: Request, context: AppRequestContext,
        parse: ([String: JSONValue], (String) -> Set<String>) throws -> Parsed
    ) async throws -> (Parsed, ChatService.PreparedTurn, StreamRegistry.Lease?) {
        let (user, parsed) = try await read(request, context: context, parse: parse)
        let conversation = try OpenAIController.conversation(request)
        let lease = try parsed.stream ? streams.admit(userID: user.id, channel: context.channel) : nil
        let turn = try await chat.prepareCompletion(
            userID: user.id, keyID: user.keyID, access: user.bots, bot: parsed.model, messages: parsed.messages,
            conversationID: conversation,
            options: parsed.options)
        return (parsed, turn, lease)
    }
}
