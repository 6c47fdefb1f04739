import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import Hummingbird
import NIOCore

extension OpenAIController {
    /// `POST /v1/embeddings`: `model` names a bot with the `embeddings` capability; `input`
    /// is a string or up to 2,048 non-empty strings; `encoding_format` `float` or `base64`
    /// (little-endian float32, what OpenAI's SDK asks for by default); `dimensions`.
    @Sendable package func embeddings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let raw = try await BodyReader.object(request, limit: maxBodyBytes)
        let body = ShapedBody(shape: Self.embeddingsShape, members: raw)
        if let unknown = raw.keys.filter({ Self.embeddingsShape.members.contains($0) == false }).sorted().first {
            throw CompletionRequest.unrecognized(unknown)
        }
        guard case .string(let model)? = body["model"], model.isEmpty == false else {
            throw CompletionRequest.invalid("model", "must be a non-empty string")
        }
        let inputs: [String]
        switch body["input"] {
        case .string(let text)?: inputs = [text]
        case .array(let items)? where (1...2048).contains(items.count):
            inputs = try items.map { item in
                guard case .string(let text) = item else { throw CompletionRequest.invalid("input", "must hold strings") }
                return text
            }
        default: throw CompletionRequest.invalid("input", "must be a string or an array of 1 to 2048 strings")
        }
        guard inputs.allSatisfy({ $0.isEmpty == false }) else { throw CompletionRequest.invalid("input", "must not be empty") }
        var dimensions: Int?
        if let value = body["dimensions"], value != .null {
            guard let number = value.int, (1...4096).contains(number) else {
                throw CompletionRequest.invalid("dimensions", "must be an integer from 1 to 4096")
            }
            dimensions = number
        }
        let base64: Bool
        switch body["encoding_format"] {
        case nil, .null?, .string("float")?: base64 = false
        case .string("base64")?: base64 = true
        default: throw CompletionRequest.invalid("encoding_format", "must be float or base64")
        }
        if let value = body["user"], value != .null {
            guard case .string = value else { throw CompletionRequest.invalid("user", "must be a string") }
        }
        let bot = try bots.bot(named: model, for: user.bots)
        let result = try await chat.embed(userID: user.id, keyID: user.keyID, bot: bot, inputs: inputs, dimensions: dimensions)
        let tokens = result.inputTokens ?? 0
        let list = EmbeddingList(
            data: result.vectors.enumerated().map { index, vector in
                EmbeddingList.Embedding(
                    index: index, embedding: base64 ? .string(Self.base64(vector)) : .array(vector.map(JSONValue.double)))
            },
            model: bot.name, usage: .init(prompt_tokens: tokens, total_tokens: tokens))
        return Self.json(try JSONValueEncoder.encode(list))
    }

    /// The body of `embeddings`.
    package static let embeddingsShape = BodyShape(
        "EmbeddingsRequest", ["model", "input", "encoding_format", "dimensions", "user"])

    /// A vector as OpenAI's `base64` encoding: little-endian float32 values.
    package static func base64(_ vector: [Double]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector { withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { bytes += $0 } }
        return Data(bytes).base64EncodedString()
    }
}

/// `POST /v1/embeddings`' answer: OpenAI's list of embeddings.
package struct EmbeddingList: Encodable, Sendable {
    package var object = "list"
    package var data: [Embedding]
    package var model: String
    package var usage: Usage

    package struct Embedding: Encodable, Sendable {
        package var object = "embedding"
        package var index: Int
        /// Numbers, or their little-endian float32 bytes in base64.
        package var embedding: JSONValue
    }

    package struct Usage: Encodable, Sendable {
        package var prompt_tokens: Int
        package var total_tokens: Int
    }
}
