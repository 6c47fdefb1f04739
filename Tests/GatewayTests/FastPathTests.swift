import Foundation
import NIOCore
import Testing

@testable import Gateway

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
        #"{"message":"hello"}"#, #"{"message":"  padded  ","bot":"echo"}"#, #"{"message":"x","bot":null}"#,
        #"{"message":"x","conversation_id":"8d0f7c0e-5d7c-4c8e-9a57-1c6f0e9f6b10"}"#,
        #"{"message":"x","conversation_id":null,"extra":[1,2]}"#,
    ])
    func quickFieldsAgreeWithFullValidation(body: String) throws {
        let buffer = ByteBuffer(string: body)
        let quick = try #require(ChatController.quickFields(buffer))
        let full = try ChatController.validatedFields(buffer)
        #expect(quick.message == full.message)
        #expect(quick.conversationID == full.conversationID)
        #expect(quick.bot == full.bot)
    }

    @Test(arguments: [
        #"{"message":123}"#, #"{"message":null}"#, #"{"message":"   "}"#, #"{"message":"x","bot":7}"#,
        #"{"message":"x","conversation_id":"nope"}"#, #"{}"#, #"[1]"#, #"{"message":"x""#,
        #"{"message":"\#(String(repeating: "a", count: 4097))"}"#,
    ])
    func anythingOffTakesTheFullValidation(body: String) {
        let buffer = ByteBuffer(string: body)
        #expect(ChatController.quickFields(buffer) == nil)
        #expect(throws: APIError.self) { try ChatController.validatedFields(buffer) }
    }
}
