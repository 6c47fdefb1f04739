import HTTPTypes
import NIOCore
import Testing

/// The checker every Gateway test's responses go through can fail: it flags a wrong
/// status, content type, body or SSE event.
@Suite struct ConformanceCheckerTests {
    let checker = OpenAPIConformance.shared
    let json: HTTPFields = [.contentType: "application/json"]

    func problems(
        _ method: HTTPRequest.Method, _ uri: String, _ status: HTTPResponse.Status, _ headers: HTTPFields, _ body: String
    )
        -> [String]
    {
        checker.problems(method, uri, status: status, headers: headers, body: ByteBuffer(string: body))
    }

    @Test func aConformingResponsePasses() {
        #expect(problems(.get, "/api/v1/users/me", .ok, json, #"{"id":1,"name":"Ada","email":"a@b.io"}"#).isEmpty)
        // Paths with parameters and query strings find their operation.
        #expect(
            checker.operation(.delete, "/api/v1/conversations/0b6f4d3c-1111-4222-8333-444455556666")?.template
                == "/api/v1/conversations/{id}")
    }

    @Test(arguments: [
        #"{"id":"1","name":"Ada","email":"a@b.io"}"#,  // wrong type
        #"{"id":1,"name":"Ada"}"#,  // missing field
        #"{"id":1,"name":"Ada","email":"a@b.io","extra":true}"#,  // undocumented field
        "not json",
    ])
    func aWrongBodyIsFlagged(body: String) {
        #expect(problems(.get, "/api/v1/users/me", .ok, json, body).isEmpty == false)
    }

    @Test func undocumentedStatusesAndContentTypesAreFlagged() {
        #expect(problems(.get, "/api/v1/users/me", HTTPResponse.Status(code: 418), json, "{}").isEmpty == false)
        #expect(problems(.get, "/api/v1/users/me", .ok, [.contentType: "text/plain"], "x").isEmpty == false)
    }

    @Test func streamsAreCheckedEventByEvent() {
        let sse: HTTPFields = [.contentType: "text/event-stream"]
        let start =
            #"event: start"# + "\n"
            + #"data: {"bot":"default","conversation_id":"0b6f4d3c-1111-4222-8333-444455556666","message_id":"0b6f4d3c-1111-4222-8333-444455556667"}"#
        #expect(problems(.post, "/api/v1/chat/stream", .ok, sse, start + "\n\n").isEmpty)
        #expect(problems(.post, "/api/v1/chat/stream", .ok, sse, start + "\n\nevent: surprise\ndata: {}\n\n").isEmpty == false)
        #expect(problems(.post, "/api/v1/chat/stream", .ok, sse, "event: delta\ndata: {\"text\":5}\n\n").isEmpty == false)
    }
}
