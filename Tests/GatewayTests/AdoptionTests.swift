import Crypto
import Foundation
import HTTPTypes
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// The drop-in promise on a database the reference service made itself: its schema exactly
/// as `alembic upgrade head --sql` prints it, its rows written by its own statements, its
/// tokens. The gateway adopts it and everyone carries on; the reference's statements still
/// run afterwards.
@Suite struct AdoptionTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    /// A database as the reference leaves it: Alembic's DDL, then its rows.
    static func referenceDatabase(rows: Bool = true) async throws -> String {
        let name = try await TestDatabase.createEmpty()
        let pool = TestDatabase.pool(name)
        let scripts = try [fixture("reference_alembic_upgrade_head.sql")] + (rows ? [fixture("reference_rows.sql")] : [])
        for script in scripts {
            _ = try await pool.withConnection { connection in try connection.executeScript(script) }
        }
        await pool.shutdown()
        return name
    }

    /// An access token exactly as the reference's python-jose writes it: HS256, claims
    /// `sub`, `uid`, `exp` and nothing else (no `iat`).
    static func referenceAccessToken(email: String, userID: Int, expires: Date) -> String {
        func encode(_ text: String) -> String { Data(text.utf8).base64URLEncodedString }
        let header = encode(#"{"alg":"HS256","typ":"JWT"}"#)
        let payload = encode(#"{"sub":"\#(email)","uid":\#(userID),"exp":\#(Int(expires.timeIntervalSince1970))}"#)
        let signature = HMAC<SHA256>.authenticationCode(
            for: Data("\(header).\(payload)".utf8), using: SymmetricKey(data: Data(TestApp.secret.utf8)))
        return "\(header).\(payload).\(Data(signature).base64URLEncodedString)"
    }

    @Test func aReferenceDatabaseIsAdoptedWithItsUsersAndTokens() async throws {
        let database = try await Self.referenceDatabase()
        let pool = TestDatabase.pool(database)
        try await Migrator(
            migrations: try Migrator.load(directory: TestDatabase.migrationsDirectory), logger: TestDatabase.quietLogger
        )
        .run(on: pool)
        try await TestApp.run(database: database) { client, _ in
            // Its users sign in with their passwords (Argon2id hashes the reference made).
            let (access, cookie) = try await client.login(email: "alice@example.com")
            #expect(access.isEmpty == false && cookie.isEmpty == false)
            let chat = try await client.send(.post, "/api/v1/chat", json: #"{"message":"hello again"}"#, bearer: access)
            #expect(chat.status == .ok, "\(chat.text)")
            let refreshed = try await client.send(.post, "/api/v1/users/refresh-token", cookie: cookie)
            #expect(refreshed.status == .ok, "\(refreshed.text)")
            let logout = try await client.send(.post, "/api/v1/users/logout", bearer: access, cookie: refreshed.refreshCookie)
            #expect(logout.status == .noContent)

            // A refresh cookie the reference issued rotates once; the one it revoked does not.
            let issued = "19W1ASBMUtILaeU_rclaxNiVSMqOwjoLd4nkvwn_IMsay9WTvXwD44g316Gj8Un20B_ddaZftt-OtIjj3OVm_A"
            let rotated = try await client.send(.post, "/api/v1/users/refresh-token", cookie: issued)
            #expect(rotated.status == .ok, "\(rotated.text)")
            #expect(rotated.refreshCookie != nil && rotated.refreshCookie != issued)
            // Once: presented again it starts no second chain (at most the same successor,
            // to a client that lost the answer).
            let replayed = try await client.send(.post, "/api/v1/users/refresh-token", cookie: issued)
            #expect(replayed.status == .unauthorized || replayed.refreshCookie == rotated.refreshCookie)
            let revoked = "WPFx4910fcvsT5iM9TbOzCx0-Y86jZPXv3jFlmyISDhNblo7hm_jg09oDsxE_a_Y8_wiP7hGJephvma04mQFLw"
            #expect(try await client.send(.post, "/api/v1/users/refresh-token", cookie: revoked).status == .unauthorized)

            // An access token the reference issued works until it expires.
            let live = Self.referenceAccessToken(email: "carol@example.com", userID: 3, expires: Date().addingTimeInterval(300))
            let me = try await client.send(.get, "/api/v1/users/me", bearer: live)
            #expect(me.status == .ok)
            #expect(try me.json()["email"] as? String == "carol@example.com")
            let expired = Self.referenceAccessToken(email: "carol@example.com", userID: 3, expires: Date().addingTimeInterval(-5))
            #expect(try await client.send(.get, "/api/v1/users/me", bearer: expired).status == .unauthorized)

            // Its emails stay taken.
            let again = try await client.register(email: "bob@example.com")
            #expect(again.status == .conflict)
        }
        // The reference's own statements still run on the adopted schema.
        _ = try await pool.withConnection { connection in
            try connection.executeScript(try Self.fixture("reference_statements.sql"))
        }
        await pool.shutdown()
    }

    /// The other direction: every `INSERT` the gateway makes into a table of the reference's
    /// names each column the reference made `NOT NULL` without a default (the reference fills
    /// them in Python, so an adopted database has none).
    @Test func everyInsertIntoAReferenceTableNamesItsRequiredColumns() async throws {
        let database = try await Self.referenceDatabase(rows: false)
        let pool = TestDatabase.pool(database)
        let result = try await pool.query(
            """
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name IN ('users', 'refresh_tokens')
              AND is_nullable = 'NO' AND column_default IS NULL
            """)
        var required: [String: Set<String>] = [:]
        for row in result.rows {
            required[try row.decode("table_name", as: String.self), default: []].insert(try row.decode("column_name"))
        }
        await pool.shutdown()
        #expect(required["refresh_tokens"]?.isSuperset(of: ["created_at", "revoked", "token", "expires_at"]) == true)

        let sources = Self.fixtures.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        let pattern = try Regex(#"INSERT INTO (users|refresh_tokens) \(([^)]*)\)"#)
        var checked = 0
        for file in FileManager.default.enumerator(atPath: sources.path)!.compactMap({ $0 as? String })
        where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: pattern) {
                let table = String(match.output[1].substring!)
                let columns = Set(
                    match.output[2].substring!.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                let missing = required[table, default: []].subtracting(columns)
                #expect(missing.isEmpty, "\(file): INSERT INTO \(table) leaves out \(missing.sorted())")
                checked += 1
            }
        }
        #expect(checked >= 2)
    }
}
