import BotKit
import GatewayDomain
import Hummingbird

/// `GET /v1/responses/{id}/input_items`: the stored input of a response's turn (its
/// function call outputs, then its user message) as OpenAI's list of items, each with an
/// id derived from the response's; `order` (`desc` by default, as OpenAI's), `after` an
/// item id (the items after it; none after an unknown id), `limit` 1 to 100 (20).
package struct ResponseInputItems: Encodable, Sendable {
    package var object = "list"
    package var data: [Item]
    package var first_id: String?
    package var last_id: String?
    package var has_more: Bool

    package enum Item: Encodable, Sendable {
        case message(id: String, text: String, images: [String])
        case functionCallOutput(id: String, callID: String, output: String)

        package var id: String {
            switch self {
            case .message(let id, _, _), .functionCallOutput(let id, _, _): id
            }
        }

        private enum CodingKeys: String, CodingKey { case id, type, role, status, content, call_id, output }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode("completed", forKey: .status)
            switch self {
            case .message(_, let text, let images):
                try container.encode("message", forKey: .type)
                try container.encode("user", forKey: .role)
                let parts: [JSONValue] =
                    [["type": "input_text", "text": .string(text)]]
                    + images.map { ["type": "input_image", "image_url": .string($0), "detail": "auto"] }
                try container.encode(parts, forKey: .content)
            case .functionCallOutput(_, let callID, let output):
                try container.encode("function_call_output", forKey: .type)
                try container.encode(callID, forKey: .call_id)
                try container.encode(output, forKey: .output)
            }
        }
    }

    package init(_ input: [ChatMessage], responseID: String, query: Parameters) throws {
        let stem = responseID.dropFirst(5)
        var items: [Item] = input.enumerated().map { index, message in
            let id = "item_\(stem)_\(index)"
            if message.role == .tool {
                return .functionCallOutput(id: id, callID: message.toolCallID ?? "", output: message.content)
            }
            return .message(id: id, text: message.content, images: message.images.map(\.url))
        }
        let limitText = query["limit"].map(String.init)
        let limit = limitText.map { Int($0) } ?? 20
        guard let limit, (1...100).contains(limit) else {
            throw ResponsesRequest.invalid("limit", "must be an integer from 1 to 100")
        }
        switch query["order"].map(String.init) {
        case nil, "desc": items.reverse()
        case "asc": break
        default: throw ResponsesRequest.invalid("order", "must be asc or desc")
        }
        // The items after `after`; none after an id that is not one of them (a cursor past the end).
        if let after = query["after"].map(String.init), after.isEmpty == false {
            items.removeFirst((items.firstIndex { $0.id == after } ?? items.count - 1) + 1)
        }
        data = Array(items.prefix(limit))
        has_more = items.count > limit
        first_id = data.first?.id
        last_id = data.last?.id
    }
}
