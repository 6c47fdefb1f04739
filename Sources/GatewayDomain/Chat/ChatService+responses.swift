import BotKit
import Foundation

/// The Responses API's turns: each stored answer is a response, its turn's input the
/// response's input items, its conversation the chain `previous_response_id` continues.
extension ChatService {
    /// A turn after the stored chain `previous` ends with; see `TurnPreparer.prepareResponse`.
    public func prepareResponse(
        userID: Int, keyID: UUID?, access: BotAccess, bot name: String, input: [ChatMessage], previous: UUID?, store: Bool,
        options: GenerationOptions
    ) async throws -> PreparedTurn {
        try await preparer.prepareResponse(
            userID: userID, keyID: keyID, access: access, bot: name, input: input, previous: previous, store: store,
            options: options)
    }

    /// A stored answer of `userID`; nil when not theirs.
    public func storedResponse(id: UUID, userID: Int) async throws -> StoredResponse? {
        try await preparer.conversations.response(id: id, userID: userID)
    }

    /// Deletes a stored answer of `userID` and its turn's input; false when not theirs.
    public func deleteResponse(id: UUID, userID: Int) async throws -> Bool {
        try await preparer.conversations.deleteResponse(id: id, userID: userID)
    }
}
