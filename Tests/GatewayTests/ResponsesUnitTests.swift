import BotKit
import BoundedJSON
import Foundation
import NIOCore
import Testing

@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP

/// The Responses API's reading and writing without a server: input items into BotKit's
/// request, refusals naming the member, the event stream's order and numbering, the
/// input item list's paging. (`ResponsesTests` drives the routes with the openai SDK.)
@Suite struct ResponsesUnitTests {
    static func parse(_ text: String, extras: Set<String> = []) throws -> ResponsesRequest {
        guard case .object(let body) = try JSONValueDecoding.parse(text) else { throw CancellationError() }
        return try ResponsesRequest.parse(body) { _ in extras }
    }

    @Test func itemsBecomeTheBotsMessages() throws {
        let parsed = try Self.parse(
            #"""
            {"model":"m","instructions":"be brief","input":[
              {"role":"developer","content":"rules"},
              {"type":"message","role":"user","content":[{"type":"input_text","text":"look"},
                {"type":"input_image","image_url":"https://example.com/a.png","detail":"auto"}]},
              {"type":"message","role":"assistant","id":"msg_1","status":"completed",
               "content":[{"type":"output_text","text":"calling","annotations":[]},{"type":"refusal","refusal":"no"}]},
              {"type":"function_call","call_id":"c1","name":"f","arguments":"{}","id":"fc_1","status":"completed"},
              {"type":"function_call","call_id":"c2","name":"g","arguments":""},
              {"type":"function_call_output","call_id":"c1","output":"one"},
              {"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"two"},{"type":"input_text","text":"lines"}]},
              {"type":"function_call","call_id":"c3","name":"h","arguments":"{}"}
            ],"tools":[{"type":"function","name":"f","description":"d","parameters":{"type":"object"},"strict":true},
                       {"type":"function","name":"g"}],
            "tool_choice":{"type":"function","name":"g"},"text":{"format":{"type":"json_schema","name":"out",
              "schema":{"type":"object"},"strict":true,"description":"the answer"}},
            "max_output_tokens":50,"temperature":0.5,"top_p":0.9,"user":"u","metadata":{"k":"v"},
            "parallel_tool_calls":false,"store":false,"stream":true,"include":[],
            "previous_response_id":"resp_0123456789abcdef0123456789abcdef","top_k":3}
            """#, extras: ["top_k"])
        #expect(parsed.messages.map(\.role) == [.system, .system, .user, .assistant, .tool, .tool, .assistant])
        #expect(parsed.messages[2].content == "look" && parsed.messages[2].images.count == 1)
        #expect(parsed.messages[3].content == "calling\nno")
        #expect(parsed.messages[3].toolCalls.map(\.id) == ["c1", "c2"])
        #expect(parsed.messages[5].content == "two\nlines" && parsed.messages[5].toolCallID == "c2")
        #expect(parsed.messages[6].toolCalls.map(\.name) == ["h"])
        #expect(parsed.options.tools.map(\.name) == ["f", "g"])
        #expect(parsed.options.toolChoice == .named("g"))
        #expect(parsed.options.responseFormat == .jsonSchema(name: "out", schema: ["type": "object"], strict: true))
        #expect(parsed.options.maxTokens == 50 && parsed.options.temperature == 0.5 && parsed.options.topP == 0.9)
        #expect(parsed.options.endUser == "u" && parsed.options.extras == ["top_k": 3])
        #expect(parsed.stream && parsed.store == false)
        #expect(parsed.previous == UUID(uuidString: "01234567-89ab-cdef-0123-456789abcdef"))
        #expect(parsed.echo.parallelToolCalls == false && parsed.echo.metadata == ["k": "v"])
        #expect(parsed.echo.text["format"]?["description"] == "the answer")
        #expect(parsed.echo.tools.first?["strict"] == true)
    }

    @Test(arguments: [
        (#"{"input":"x","tool_choice":"none"}"#, ToolChoice.none, ResponseFormat.text),
        (#"{"input":"x","tool_choice":"required","text":{"format":{"type":"json_object"}}}"#, .required, .jsonObject),
        (#"{"input":"x","tool_choice":"auto","text":{"format":{"type":"text"}}}"#, .auto, .text),
        (#"{"input":"x","text":{"format":null}}"#, .auto, .text),
    ])
    func choicesAndFormats(body: String, choice: ToolChoice, format: ResponseFormat) throws {
        let parsed = try Self.parse(body.replacingOccurrences(of: "{\"input\"", with: "{\"model\":\"m\",\"input\""))
        #expect(parsed.options.toolChoice == choice && parsed.options.responseFormat == format)
    }

    @Test(arguments: [
        (#""input":5"#, "input"),
        (#""input":[5]"#, "input[0]"),
        (#""input":[{"type":"message","role":"robot","content":"x"}]"#, "input[0].role"),
        (#""input":[{"role":"user","content":5}]"#, "input[0].content"),
        (#""input":[{"role":"user","content":[5]}]"#, "input[0].content[0]"),
        (#""input":[{"role":"assistant","content":[{"type":"input_text","text":"x"}]}]"#, "input[0].content[0].type"),
        (
            #""input":[{"role":"user","content":[{"type":"input_image","image_url":"ftp://x"}]}]"#,
            "input[0].content[0].image_url"
        ),
        (#""input":[{"role":"user","content":[{"type":"input_text"}]}]"#, "input[0].content[0].text"),
        (#""input":[{"type":"function_call","name":"f","arguments":"{}"}]"#, "input[0].call_id"),
        (#""input":[{"type":"function_call_output","call_id":"c","output":5}]"#, "input[0].output"),
        (
            #""input":[{"type":"function_call_output","call_id":"c","output":[{"type":"input_image"}]}]"#,
            "input[0].output[0].type"
        ),
        (#""input":"x","instructions":5"#, "instructions"),
        (#""input":"x","tools":{}"#, "tools"),
        (#""input":"x","tools":[{"type":"function","name":"bad name"}]"#, "tools[0].name"),
        (#""input":"x","tools":[{"type":"function","name":"f","description":5}]"#, "tools[0].description"),
        (#""input":"x","tools":[{"type":"function","name":"f","parameters":[]}]"#, "tools[0].parameters"),
        (#""input":"x","tools":[{"type":"function","name":"f","strict":"yes"}]"#, "tools[0].strict"),
        (#""input":"x","tool_choice":"sometimes""#, "tool_choice"),
        (#""input":"x","text":5"#, "text"),
        (#""input":"x","text":{"format":{"type":"json_schema","schema":{}}}"#, "text.format.name"),
        (#""input":"x","text":{"format":{"type":"json_schema","name":"n","schema":5}}"#, "text.format.schema"),
        (#""input":"x","text":{"format":{"type":"json_schema","name":"n","schema":{},"strict":1}}"#, "text.format.strict"),
        (#""input":"x","temperature":3"#, "temperature"),
        (#""input":"x","top_p":"high""#, "top_p"),
        (#""input":"x","user":5"#, "user"),
        (#""input":"x","metadata":[]"#, "metadata"),
        (#""input":"x","stream":"yes""#, "stream"),
        (#""input":"x","store":1"#, "store"),
        (#""input":"x","parallel_tool_calls":"no""#, "parallel_tool_calls"),
        (#""input":"x","top_k":1"#, "top_k"),
    ])
    func refusalsNameTheMember(members: String, param: String) throws {
        let error = #expect(throws: OpenAIError.self) { try Self.parse("{\"model\":\"m\",\(members)}") }
        #expect(error?.param == param)
        #expect(error?.status == .badRequest)
    }

    @Test func anUnknownPreviousResponseIsNotFound() {
        let error = #expect(throws: OpenAIError.self) {
            try Self.parse(#"{"model":"m","input":"x","previous_response_id":"resp_nope"}"#)
        }
        #expect(error?.status == .notFound && error?.param == "previous_response_id")
        let id = UUID()
        #expect(ResponseID.uuid(ResponseID.string(id)) == id)
        #expect(ResponseID.uuid("resp_0123456789ABCDEF0123456789ABCDEF") == nil)
    }

    static func events(_ buffer: ByteBuffer?) -> [(type: String, sequence: Int)] {
        String(buffer: buffer ?? ByteBuffer()).split(separator: "\n").compactMap { line in
            guard line.hasPrefix("data: "), let data = try? JSONValueDecoding.parse(String(line.dropFirst(6))) else { return nil }
            return (data["type"]?.string ?? "", data["sequence_number"]?.int ?? -1)
        }
    }

    static var format: ResponseEvents {
        ResponseEvents(
            base: ResponseObject(id: UUID(), createdAt: 0, model: "m", echo: ResponseEcho()),
            messages: [ChatMessage(role: .user, content: "hi")])
    }

    @Test func textThenACallAreTwoItemsInOrderAndNumbered() {
        let format = Self.format
        #expect(format.opening == nil)
        var all = Self.events(format.delta("Hel", first: true))
        all += Self.events(format.delta("lo", first: false))
        all += Self.events(format.toolCall(ToolCallDelta(index: 0, id: "c", name: "f", arguments: "{"), first: false))
        all += Self.events(format.toolCall(ToolCallDelta(index: 0, arguments: "}"), first: false))
        let done = ChatService.TurnResult(
            text: "Hello", bot: "m", outcome: .completed(BotCompletion(finishReason: .length)))
        all += Self.events(format.closing(done, sentAny: true, ending: false))
        #expect(
            all.map(\.type) == [
                "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done", "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done", "response.incomplete",
            ])
        #expect(all.map(\.sequence) == Array(0..<all.count))
    }

    @Test func endingsAreEventsToo() {
        let format = Self.format
        let nothing = ChatService.TurnResult(text: "", bot: "m", outcome: .completed(BotCompletion()))
        #expect(
            Self.events(format.closing(nothing, sentAny: false, ending: false)).map(\.type) == [
                "response.created", "response.in_progress", "response.completed",
            ])
        #expect(
            Self.events(format.notStored(APIError(.serviceUnavailable, "down", code: "unavailable"))).map(\.type) == ["error"])
        let cancelled = ChatService.TurnResult(text: "", bot: "m", outcome: .cancelled)
        #expect(format.closing(cancelled, sentAny: true, ending: false) == nil)
        #expect(Self.events(Self.format.closing(cancelled, sentAny: false, ending: true)).last?.type == "response.failed")
    }

    @Test func inputItemsArePagedEitherWay() throws {
        let input = (0..<5).map { ChatMessage(role: .tool, content: "r\($0)", toolCallID: "c\($0)") }
        let id = "resp_" + String(repeating: "a", count: 32)
        let newest = try ResponseInputItems(input, responseID: id, query: ["limit": "2"])
        #expect(newest.data.map(\.id) == ["item_\(id.dropFirst(5))_4", "item_\(id.dropFirst(5))_3"] && newest.has_more)
        let next = try ResponseInputItems(input, responseID: id, query: ["limit": "2", "after": Substring(newest.last_id ?? "")])
        #expect(next.data.map(\.id).last == "item_\(id.dropFirst(5))_1")
        let oldest = try ResponseInputItems(input, responseID: id, query: ["order": "asc", "after": "elsewhere"])
        #expect(oldest.data.isEmpty && oldest.has_more == false && oldest.first_id == nil)
        #expect(throws: OpenAIError.self) { try ResponseInputItems(input, responseID: id, query: ["limit": "0"]) }
        #expect(throws: OpenAIError.self) { try ResponseInputItems(input, responseID: id, query: ["order": "up"]) }
    }
}

/// JSON text read as the gateway reads bodies.
enum JSONValueDecoding {
    static func parse(_ text: String) throws -> JSONValue { try JSONReader.parse(Array(text.utf8)) }
}
