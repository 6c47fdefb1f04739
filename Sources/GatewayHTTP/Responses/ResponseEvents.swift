import BotKit
import GatewayCore
import GatewayDomain
import NIOConcurrencyHelpers
import NIOCore

/// A response's stream in the Responses API's typed events, each numbered
/// (`sequence_number`): `response.created` and `response.in_progress` with the first
/// output; per output item `response.output_item.added`, then for the text message
/// `response.content_part.added`, `response.output_text.delta`s, `response.output_text.done`
/// and `response.content_part.done`, for a function call
/// `response.function_call_arguments.delta`s and `.done`; `response.output_item.done`; and
/// last `response.completed` (or `response.incomplete`) with the whole response and usage,
/// or `response.failed` when the bot failed after output. One stream writes it, so its
/// state is only ever touched by one task at a time.
package final class ResponseEvents: TurnEventFormat, Sendable {
    private let base: ResponseObject
    /// What the bot was sent (usage is estimated from it when the bot reports none).
    private let messages: [ChatMessage]
    /// `"response":` and the response as it starts, written once for `response.created` and
    /// `response.in_progress`.
    private let startedMembers: [UInt8]
    /// `"item_id":"msg_…"`: the text message's id, as every text event names it.
    private let itemIDMember: [UInt8]

    private struct State {
        var sequence = 0
        /// The open item: the text message (tool nil) or a tool call (its index).
        var open: (outputIndex: Int, tool: Int?)?
        var nextIndex = 0
        var text = ""
        var calls = ToolCallAssembler()
        /// Each call's place among the calls, in the order they began (their items' ids, as
        /// the finished response numbers them).
        var ordinals: [Int: Int] = [:]

        mutating func ordinal(_ index: Int) -> Int {
            if let known = ordinals[index] { return known }
            ordinals[index] = ordinals.count
            return ordinals.count - 1
        }
    }

    private let state = NIOLockedValueBox(State())

    package init(base: ResponseObject, messages: [ChatMessage]) {
        self.base = base
        self.messages = messages
        startedMembers = Array(#""response":"#.utf8) + base.jsonBytes
        var member = Array(#""item_id":"#.utf8)
        JSONValue.append(string: OutputItem.messageID(base.id), to: &member)
        itemIDMember = member
    }

    package var opening: ByteBuffer? { nil }

    package func delta(_ piece: String, first: Bool) -> ByteBuffer {
        state.withLockedValue { state in
            var buffer = first ? started(&state) : ByteBuffer()
            if state.open.map({ $0.tool != nil }) ?? true {
                closeOpen(&state, into: &buffer)
                let index = state.nextIndex
                state.nextIndex += 1
                state.open = (index, nil)
                let item = OutputItem.message(id: messageID, status: "in_progress", text: "")
                write(&state, "response.output_item.added", ["output_index": .int(Int64(index)), "item": item.json], &buffer)
                write(&state, "response.content_part.added", part(index, ["part": OutputItem.textPart("")]), &buffer)
            }
            state.text += piece
            // The one event per delta, written directly (no dictionary, no key sorting).
            var members = Array(#""content_index":0,"delta":"#.utf8)
            members.reserveCapacity(members.count + piece.utf8.count + itemIDMember.count + 48)
            JSONValue.append(string: piece, to: &members)
            members.append(UInt8(ascii: ","))
            members += itemIDMember
            members += #","logprobs":[],"output_index":"#.utf8
            members += String(state.open!.outputIndex).utf8
            write(&state, "response.output_text.delta", members: members, &buffer)
            return buffer
        }
    }

    package func toolCall(_ piece: ToolCallDelta, first: Bool) -> ByteBuffer? {
        state.withLockedValue { state in
            var buffer = first ? started(&state) : ByteBuffer()
            state.calls.add(piece)
            if state.open?.tool != piece.index {
                closeOpen(&state, into: &buffer)
                let index = state.nextIndex
                state.nextIndex += 1
                state.open = (index, piece.index)
                let item = OutputItem.functionCall(
                    id: OutputItem.callID(base.id, state.ordinal(piece.index)), status: "in_progress", callID: piece.id ?? "",
                    name: piece.name ?? "", arguments: "")
                write(&state, "response.output_item.added", ["output_index": .int(Int64(index)), "item": item.json], &buffer)
            }
            if piece.arguments.isEmpty == false {
                write(
                    &state, "response.function_call_arguments.delta",
                    [
                        "item_id": .string(OutputItem.callID(base.id, state.ordinal(piece.index))),
                        "output_index": .int(Int64(state.open!.outputIndex)), "delta": .string(piece.arguments),
                    ], &buffer)
            }
            return buffer
        }
    }

    package func closing(_ result: ChatService.TurnResult, sentAny: Bool, ending: Bool) -> ByteBuffer? {
        if case .cancelled = result.outcome, ending == false { return nil }
        return state.withLockedValue { state in
            var buffer = sentAny ? ByteBuffer() : started(&state)
            closeOpen(&state, into: &buffer)
            let usage = Quotas.usage(result.completion?.usage, messages: messages, reply: result.text)
            let failure = ending ? BotError.unavailable("the gateway is shutting down") : result.error
            let response = base.finished(
                answer: result.text, calls: result.toolCalls.isEmpty ? state.calls.calls : result.toolCalls, bot: result.bot,
                finishReason: result.completion?.finishReason.rawValue, failure: failure, usage: usage)
            let name =
                switch response.status {
                case "failed": "response.failed"
                case "incomplete": "response.incomplete"
                default: "response.completed"
                }
            write(&state, name, members: Array(#""response":"#.utf8) + response.jsonBytes, &buffer)
            return buffer
        }
    }

    package func notStored(_ error: APIError) -> ByteBuffer {
        state.withLockedValue { state in
            let failure = OpenAIError.from(error)
            var buffer = ByteBuffer()
            write(
                &state, "error", ["code": .string(failure.code), "message": .string(failure.message), "param": .null],
                &buffer)
            return buffer
        }
    }

    private var messageID: String { OutputItem.messageID(base.id) }

    /// `response.created` and `response.in_progress`, before the first item.
    private func started(_ state: inout State) -> ByteBuffer {
        var buffer = ByteBuffer()
        write(&state, "response.created", members: startedMembers, &buffer)
        write(&state, "response.in_progress", members: startedMembers, &buffer)
        return buffer
    }

    /// Ends the open item: its text or arguments done, then the item itself.
    private func closeOpen(_ state: inout State, into buffer: inout ByteBuffer) {
        guard let open = state.open else { return }
        state.open = nil
        let item: OutputItem
        if let tool = open.tool {
            let call = state.calls.call(index: tool)
            let id = OutputItem.callID(base.id, state.ordinal(tool))
            let arguments = call?.arguments ?? ""
            write(
                &state, "response.function_call_arguments.done",
                ["item_id": .string(id), "output_index": .int(Int64(open.outputIndex)), "arguments": .string(arguments)],
                &buffer)
            item = .functionCall(
                id: id, status: "completed", callID: call?.id ?? "", name: call?.name ?? "", arguments: arguments)
        } else {
            write(
                &state, "response.output_text.done",
                part(open.outputIndex, ["text": .string(state.text), "logprobs": []]), &buffer)
            write(
                &state, "response.content_part.done", part(open.outputIndex, ["part": OutputItem.textPart(state.text)]),
                &buffer)
            item = .message(id: messageID, status: "completed", text: state.text)
        }
        write(
            &state, "response.output_item.done", ["output_index": .int(Int64(open.outputIndex)), "item": item.json],
            &buffer)
    }

    /// The members of an event about the message's one text part.
    private func part(_ outputIndex: Int, _ members: [String: JSONValue]) -> [String: JSONValue] {
        members.merging(
            ["item_id": .string(messageID), "output_index": .int(Int64(outputIndex)), "content_index": 0]
        ) { own, _ in own }
    }

    /// One event: `event:` its type, `data:` its members with the type and the next number.
    private func write(_ state: inout State, _ type: String, _ members: [String: JSONValue], _ buffer: inout ByteBuffer) {
        var payload = members
        payload["type"] = .string(type)
        payload["sequence_number"] = .int(Int64(state.sequence))
        state.sequence += 1
        buffer.writeImmutableBuffer(ChatEvents.event(type, .object(payload)))
    }

    /// The same from members already written as JSON (without braces); `type` is a plain
    /// event name, which needs no escaping.
    private func write(_ state: inout State, _ type: String, members: [UInt8], _ buffer: inout ByteBuffer) {
        buffer.writeString("event: ")
        buffer.writeString(type)
        buffer.writeString("\ndata: {")
        buffer.writeBytes(members)
        buffer.writeString(",\"sequence_number\":")
        buffer.writeString(String(state.sequence))
        buffer.writeString(",\"type\":\"")
        buffer.writeString(type)
        buffer.writeString("\"}\n\n")
        state.sequence += 1
    }

}
