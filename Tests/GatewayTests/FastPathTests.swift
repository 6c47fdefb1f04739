import Foundation
import NIOCore
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// The shortcuts on the request path agree with the general code they bypass.
@Suite struct FastPathTests {
    @Test(arguments: [
        "hi", " hi ", "\thi\n", "", " ", "\u{00A0}x\u{2003}", "x\u{0301}", "é", "  日本 ", "\u{200B}x", "\r\n", "a b",
        "\u{85}x\u{85}", "🚀",
    ])
    func trimmingMatchesFoundation(text: String) {
        #expect(text.trimmedWhitespace == text.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(text[...].trimmedWhitespace == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func randomUUIDsAreVersion4AndUnique() {
        let ids = (0..<2000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(50) {
            let text = id.lowercasedString
            #expect(text == text.lowercased())
            #expect(Array(text)[14] == "4")
            #expect("89ab".contains(Array(text)[19]))
            #expect(UUID(uuidString: text) == id)
        }
    }

    @Test func sha256HexMatchesKnownDigests() {
        #expect(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func base64URLRoundTripsAnyBytes() throws {
        for count in 0..<70 {
            let bytes = randomBytes(count)
            #expect(bytes.count == count)
            let text = Data(bytes).base64URLEncodedString
            #expect(text.contains(where: { "+/=".contains($0) }) == false)
            #expect(try #require(Data(base64URLEncoded: text)) == Data(bytes))
        }
        #expect(Data([0xFB, 0xFF, 0xBF]).base64URLEncodedString == "-_-_")
        #expect(Data(base64URLEncoded: "not base64!") == nil)
        #expect(Set((0..<100).map { _ in randomBytes(16) }).count == 100)
    }

    @Test(arguments: [
        (#"{"message":"hello"}"#, "hello", nil as String?), (#"{"message":"  padded  ","bot":"echo"}"#, "padded", "echo"),
        (#"{"message":"x","bot":null}"#, "x", nil), (#"{"message":"x","conversation_id":null,"extra":[1,2]}"#, "x", nil),
    ])
    func chatFieldsAreRead(body: String, message: String, bot: String?) throws {
        let fields = try ChatController.validatedFields(ByteBuffer(string: body))
        #expect(fields.message == message)
        #expect(fields.bot == bot)
        #expect(fields.conversationID == nil)
    }

    @Test(arguments: [
        #"{"message":123}"#, #"{"message":null}"#, #"{"message":"   "}"#, #"{"message":"x","bot":7}"#,
        #"{"message":"x","conversation_id":"nope"}"#, #"{}"#, #"[1]"#, #"{"message":"x""#,
        #"{"message":"\#(String(repeating: "a", count: 4097))"}"#,
    ])
    func anythingOffIsA422(body: String) {
        #expect(throws: APIError.self) { try ChatController.validatedFields(ByteBuffer(string: body)) }
    }
}
