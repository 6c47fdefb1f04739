import BotKit
import Foundation
import Testing

@testable import GatewayDomain

/// Stored answers read back as Responses API responses, and deleted, the same in both stores.
extension RepositoryContractTests {
    @Test(arguments: Store.allCases)
    func aStoredAnswerIsReadBackWithItsTurnsInputAndDeletedWithIt(store: Store) async throws {
        try await Self.with(store) { r in
            let gil = try await r.users.create(name: "Gil", email: "gil@example.com", passwordHash: "h")
            let hal = try await r.users.create(name: "Hal", email: "hal@example.com", passwordHash: "h")
            let conversation = UUID()
            let first = Self.turn(conversation, user: gil.id, new: true, "find cats", tokens: 3)
            var second = Self.turn(conversation, user: gil.id, new: false, "and dogs?", tokens: 4)
            let result = ChatMessage(role: .tool, content: "3 cats", toolCallID: "call_1")
            second.userParts = MessageParts.encode([result, ChatMessage(role: .user, content: "and dogs?")], maxImageBytes: 0)
            second.replyParts = MessageParts.encode(
                [ChatMessage(role: .assistant, content: "", toolCalls: [ToolCall(id: "call_2", name: "look", arguments: "{}")])],
                maxImageBytes: 0)
            try await r.conversations.store(first)
            try await r.conversations.store(second)

            let latest = try #require(try await r.conversations.response(id: second.assistantMessageID, userID: gil.id))
            #expect(latest.conversationID == conversation)
            #expect(latest.input == [result, ChatMessage(role: .user, content: "and dogs?")])
            #expect(latest.answer.content == "re: and dogs?")
            #expect(latest.answer.toolCalls == [ToolCall(id: "call_2", name: "look", arguments: "{}")])
            #expect(latest.usage == TokenUsage(inputTokens: 4, outputTokens: 4))
            #expect(latest.bot == "echo" && latest.status == .ok && latest.finishReason == "stop")
            #expect(latest.isLatest)
            // An answer that failed after it does not end the chain (the client never saw it).
            try await r.conversations.store(Self.turn(conversation, user: gil.id, new: false, "x", status: .failed))
            #expect(try await r.conversations.response(id: second.assistantMessageID, userID: gil.id)?.isLatest == true)
            let earlier = try #require(try await r.conversations.response(id: first.assistantMessageID, userID: gil.id))
            #expect(earlier.input == [ChatMessage(role: .user, content: "find cats")])
            #expect(earlier.isLatest == false)
            // Only the owner's answers; a user message is no response.
            #expect(try await r.conversations.response(id: second.assistantMessageID, userID: hal.id) == nil)
            #expect(try await r.conversations.response(id: second.userMessageID, userID: gil.id) == nil)
            #expect(try await r.conversations.deleteResponse(id: second.assistantMessageID, userID: hal.id) == false)

            // Deleting the last turn leaves the first; deleting that one too leaves nothing.
            #expect(try await r.conversations.deleteResponse(id: second.assistantMessageID, userID: gil.id))
            #expect(try await r.conversations.response(id: second.assistantMessageID, userID: gil.id) == nil)
            #expect(try await r.conversations.response(id: first.assistantMessageID, userID: gil.id)?.isLatest == true)
            #expect(try await r.conversations.owner(of: conversation, userID: gil.id) == .caller)
            #expect(try await r.conversations.deleteResponse(id: first.assistantMessageID, userID: gil.id))
            #expect(try await r.conversations.owner(of: conversation, userID: gil.id) == .caller)
            let failed = try #require(try await r.conversations.conversation(id: conversation, userID: gil.id)?.1.last)
            #expect(try await r.conversations.deleteResponse(id: try #require(UUID(uuidString: failed.id)), userID: gil.id))
            #expect(try await r.conversations.owner(of: conversation, userID: gil.id) == .nobody)
            #expect(try await r.conversations.deleteResponse(id: first.assistantMessageID, userID: gil.id) == false)
        }
    }
}
