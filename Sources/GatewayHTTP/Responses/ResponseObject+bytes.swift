import BotKit

/// The response object written straight to bytes: what `encode(to:)` writes with `nulls`,
/// without the generic encoder or building and key-sorting a dictionary (a streamed response writes one at its start and one at its end;
/// in a profile of 32 streamed responses `closing` took 7 % of the gateway's CPU, most of it
/// here). `WireShapeUnitTests` checks both give the same JSON.
extension ResponseObject {
    package var jsonBytes: [UInt8] {
        var object = JSONObjectBytes()
        object.string("id", id)
        object.string("object", self.object)
        object.int("created_at", created_at)
        object.string("status", status)
        object.value("error", error.map { ["code": .string($0.code), "message": .string($0.message)] } ?? .null)
        object.value("incomplete_details", incomplete_details.map { ["reason": .string($0.reason)] } ?? .null)
        object.value("instructions", instructions.map(JSONValue.string) ?? .null)
        object.value("max_output_tokens", max_output_tokens.map { .int(Int64($0)) } ?? .null)
        object.string("model", model)
        object.value("output", .array(output.map(\.json)))
        object.value("parallel_tool_calls", .bool(parallel_tool_calls))
        object.value("previous_response_id", previous_response_id.map(JSONValue.string) ?? .null)
        object.value("store", .bool(store))
        object.value("temperature", temperature.map(JSONValue.double) ?? .null)
        object.value("text", text)
        object.value("tool_choice", tool_choice)
        object.value("tools", .array(tools))
        object.value("top_p", top_p.map(JSONValue.double) ?? .null)
        object.string("truncation", truncation)
        object.value("usage", usage?.json ?? .null)
        object.value("user", user.map(JSONValue.string) ?? .null)
        object.value("metadata", .object(metadata.mapValues(JSONValue.string)))
        object.value("prompt_cache_key", prompt_cache_key.map(JSONValue.string) ?? .null)
        return object.finished
    }
}

/// A JSON object written member by member, in the order written.
package struct JSONObjectBytes {
    private var out: [UInt8] = [UInt8(ascii: "{")]

    package init() { out.reserveCapacity(512) }

    private mutating func key(_ name: String) {
        if out.count > 1 { out.append(UInt8(ascii: ",")) }
        JSONValue.append(string: name, to: &out)
        out.append(UInt8(ascii: ":"))
    }

    package mutating func string(_ name: String, _ text: String) {
        key(name)
        JSONValue.append(string: text, to: &out)
    }

    package mutating func int(_ name: String, _ number: Int) {
        key(name)
        out += String(number).utf8
    }

    package mutating func value(_ name: String, _ value: JSONValue) {
        key(name)
        out += value.jsonBytes
    }

    /// The object, closed.
    package var finished: [UInt8] { out + [UInt8(ascii: "}")] }
}
