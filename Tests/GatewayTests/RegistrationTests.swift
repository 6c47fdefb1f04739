import Foundation
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

@Suite struct RegistrationTests {
    @Test func registerReturnsTheUserAndNormalisesTheEmail() async throws {
        try await TestApp.run { client, services in
            let response = try await client.register(name: "  Ada Lovelace ", email: " Trim@Example.COM ")
            #expect(response.status == .created)
            let body = try response.json()
            #expect(Set(body.keys) == ["id", "name", "email"])
            #expect(body["name"] as? String == "Ada Lovelace")
            #expect(body["email"] as? String == "Trim@example.com")
            #expect(body["id"] is Int)
            let stored = try await services.pool.query("SELECT hashed_password FROM users")
            #expect(try stored.first!.decode("hashed_password", as: String.self).hasPrefix("$argon2id$v=19$m=1024,t=1,p=1$"))
        }
    }

    @Test func duplicateEmailInAnyCaseIs409() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "dup@example.com")
            for email in ["dup@example.com", "DUP@example.com", "Dup@EXAMPLE.com"] {
                let again = try await client.register(email: email)
                #expect(again.status == .conflict)
                #expect(
                    try again.json() as NSDictionary == [
                        "detail": "Email is already registered.", "code": "email_already_registered",
                    ])
            }
        }
    }

    static let validationCases: [(String, String, String, String)] = [
        (#"{"email":"a@b.co","password":"Passw0rd!"}"#, "name", "missing", "Field required"),
        (
            #"{"name":"A","email":"not-an-email","password":"Passw0rd!"}"#, "email", "value_error",
            "value is not a valid email address"
        ),
        (#"{"name":"A","email":"a@b","password":"Passw0rd!"}"#, "email", "value_error", "value is not a valid email address"),
        (
            #"{"name":"   ","email":"a@b.co","password":"Passw0rd!"}"#, "name", "value_error",
            "Value error, Name must not be empty."
        ),
        (
            #"{"name":"A","email":"a@b.co","password":"Pa1!"}"#, "password", "value_error",
            "Value error, Password must be at least 8 characters long."
        ),
        (
            #"{"name":"A","email":"a@b.co","password":"password1"}"#, "password", "value_error",
            "Value error, Password must contain letters, numbers, and at least one symbol (!@#$%^&*)"
        ),
        (#"{"name":123,"email":"a@b.co","password":"Passw0rd!"}"#, "name", "string_type", "Input should be a valid string"),
        (
            #"{"name":"\#(String(repeating: "n", count: 129))","email":"a@b.co","password":"Passw0rd!"}"#, "name",
            "string_too_long", "String should have at most 128 characters"
        ),
    ]

    @Test(arguments: validationCases)
    func validationErrorsUseThe422ListShape(body: String, field: String, type: String, message: String) async throws {
        try await TestApp.run { client, services in
            let response = try await client.send(.post, "/api/v1/users/register", json: body)
            #expect(response.status == .unprocessableContent)
            let items = try #require(try response.json()["detail"] as? [[String: Any]])
            let item = try #require(items.first { ($0["loc"] as? [String]) == ["body", field] })
            #expect(item["type"] as? String == type)
            #expect((item["msg"] as? String)?.hasPrefix(message) == true, "\(item)")
            #expect(item.keys.contains("input"))
            // Nothing was written.
            #expect(try await services.pool.query("SELECT id FROM users").count == 0)
        }
    }

    @Test func everyProblemIsReportedAndPasswordsAreNeverEchoed() async throws {
        try await TestApp.run { client, _ in
            let response = try await client.send(
                .post, "/api/v1/users/register", json: #"{"name":"","email":"bad","password":"weakpassword"}"#)
            #expect(response.status == .unprocessableContent)
            let items = try #require(try response.json()["detail"] as? [[String: Any]])
            #expect(items.count == 3)
            #expect(response.text.contains("weakpassword") == false)
            let missing = try await client.send(.post, "/api/v1/users/register", json: #"{"password":"S3cret!pass"}"#)
            #expect(missing.text.contains("S3cret!pass") == false)
            #expect((try missing.json()["detail"] as? [Any])?.count == 2)
        }
    }

    @Test(arguments: [
        "plainaddress", "@missing-local.org", "a@b@c.com", "a..b@example.com", "a@-example.com", "a@example..com",
        "a@example.123",
        "white space@example.com", "a@exa_mple.com",
    ])
    func invalidEmails(email: String) {
        #expect(AccountValidation.emailProblem(email) != nil)
    }

    @Test(arguments: ["a@b.co", "first.last+tag@sub.example.org", "x_y-z@example-domain.io"])
    func validEmails(email: String) {
        #expect(AccountValidation.emailProblem(email) == nil)
    }
}
