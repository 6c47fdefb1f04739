import Crypto
import Foundation
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

@Suite struct LoginTests {
    @Test func loginSetsTheRefreshCookieAndAStandardJWT() async throws {
        try await TestApp.run { client, services in
            let registered = try await client.register(email: "Jwt@Example.com")
            let uid = try #require(try registered.json()["id"] as? Int, "registration: \(registered.status) \(registered.text)")
            let response = try await client.send(
                .post, "/api/v1/users/login", json: #"{"email":"jwt@example.com","password":"Passw0rd!"}"#)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(Set(body.keys) == ["access_token", "token_type"])
            #expect(body["token_type"] as? String == "bearer")
            let cookie = try #require(response.headers[.setCookie])
            let token = try #require(response.refreshCookie)
            #expect(cookie == "refresh_token=\(token); HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=86400")
            #expect(token.count >= 86)  // 64 bytes in base64url
            #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            // Only the hash is stored.
            let stored = try await services.pool.query("SELECT token FROM refresh_tokens")
            #expect(try stored.first!.decode("token", as: String.self) == RefreshTokenFactory.hash(token))

            // Verify the JWT as any HS256 library would.
            let jwt = try #require(body["access_token"] as? String)
            let parts = jwt.split(separator: ".").map(String.init)
            #expect(parts.count == 3)
            let header = try JSONSerialization.jsonObject(with: Data(base64URLEncoded: parts[0])!) as! [String: Any]
            #expect(header["alg"] as? String == "HS256")
            let mac = HMAC<SHA256>.authenticationCode(
                for: Data((parts[0] + "." + parts[1]).utf8), using: SymmetricKey(data: Data(TestApp.secret.utf8)))
            #expect(Data(mac).base64URLEncodedString == parts[2])
            let claims = try JSONSerialization.jsonObject(with: Data(base64URLEncoded: parts[1])!) as! [String: Any]
            #expect(claims["sub"] as? String == "Jwt@example.com")
            #expect(claims["uid"] as? Int == uid)
            let exp = try #require(claims["exp"] as? Int)
            let iat = try #require(claims["iat"] as? Int)
            #expect(exp - iat == 300)
            #expect(abs(Double(iat) - Date().timeIntervalSince1970) < 10)
        }
    }

    @Test func wrongPasswordAndUnknownEmailLookTheSame() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "known@example.com")
            let wrong = try await client.send(
                .post, "/api/v1/users/login", json: #"{"email":"known@example.com","password":"Wr0ngpass!"}"#)
            let unknown = try await client.send(
                .post, "/api/v1/users/login", json: #"{"email":"ghost@example.com","password":"Wr0ngpass!"}"#)
            for response in [wrong, unknown] {
                #expect(response.status == .unauthorized)
                #expect(response.text == #"{"detail":"Email or password incorrect.","code":"invalid_credentials"}"#)
                #expect(response.headers[.setCookie] == nil)
            }
            let weak = try await client.send(
                .post, "/api/v1/users/login", json: #"{"email":"known@example.com","password":"short"}"#)
            #expect(weak.status == .unprocessableContent)
        }
    }

    @Test(arguments: [
        (Fixtures.argon2Reference, true), (Fixtures.argon2Other, true), (Fixtures.bcrypt2b, true), (Fixtures.bcrypt2a, true),
        (Fixtures.bcrypt2y, true), ("$pbkdf2$unknown", false),
    ])
    func referenceHashesLogInAndAreUpgraded(hash: String, works: Bool) async throws {
        try await TestApp.run { client, services in
            _ = try await services.pool.query(
                "INSERT INTO users (name, email, hashed_password) VALUES ('Old', 'old@example.com', \(hash))")
            let response = try await client.send(
                .post, "/api/v1/users/login", json: #"{"email":"OLD@example.com","password":"\#(Fixtures.password)"}"#)
            #expect(response.status == (works ? .ok : .unauthorized))
            guard works else { return }
            var upgraded = ""
            for _ in 0..<100 {
                upgraded = try await services.pool.query("SELECT hashed_password FROM users").first!.decode("hashed_password")
                if upgraded.hasPrefix("$argon2id$v=19$m=1024,t=1,p=1$") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(upgraded.hasPrefix("$argon2id$v=19$m=1024,t=1,p=1$"))
            let again = try await client.send(
                .post, "/api/v1/users/login", json: #"{"email":"old@example.com","password":"\#(Fixtures.password)"}"#)
            #expect(again.status == .ok)
        }
    }

    @Test func defaultArgon2ParametersMatchTheReference() async throws {
        let hasher = try PasswordHasher(parameters: Argon2Parameters(timeCost: 3, memoryKiB: 65536, parallelism: 2), threads: 1)
        #expect(hasher.needsRehash(Fixtures.argon2Reference) == false)
        #expect(hasher.needsRehash(Fixtures.bcrypt2b))
        let hash = try await hasher.hash("Another#Pass2")
        #expect(hash.hasPrefix("$argon2id$v=19$m=65536,t=3,p=2$"))
        #expect(try await hasher.verify("Another#Pass2", against: hash))
        #expect(try await hasher.verify("another#Pass2", against: hash) == false)
        #expect(try await hasher.verify(Fixtures.password, against: Fixtures.argon2Reference))
        await hasher.shutdown()
    }

    @Test func hashingThreadsRunAtLowerPriority() async throws {
        let hasher = try PasswordHasher(parameters: Argon2Parameters(timeCost: 1, memoryKiB: 64, parallelism: 1), threads: 1)
        _ = try await hasher.hash("Another#Pass2")
        /// Nice values of this process's threads (field 19 of /proc/self/task/*/stat).
        let nice = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { task -> Int? in
            guard let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                let end = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            return Int(fields[16])
        }
        #expect(nice.contains(Int(PasswordHasher.hashingNiceness)))
        #expect(nice.contains(0))
        await hasher.shutdown()
    }

    @Test func failedLoginsAreThrottled() async throws {
        try await TestApp.run(["LOGIN_MAX_FAILURES": "3", "LOGIN_MAX_FAILURES_PER_IP": "5"]) { client, _ in
            try await client.register(email: "victim@example.com")
            for _ in 0..<3 {
                let r = try await client.send(
                    .post, "/api/v1/users/login", json: #"{"email":"victim@example.com","password":"Wr0ngpass!"}"#)
                #expect(r.status == .unauthorized)
            }
            let blocked = try await client.send(
                .post, "/api/v1/users/login", json: #"{"email":"victim@example.com","password":"Passw0rd!"}"#)
            #expect(blocked.status == .tooManyRequests)
            #expect(try blocked.json()["code"] as? String == "too_many_requests")
            #expect(Int(blocked.headers[.retryAfter] ?? "") ?? 0 > 0)
            // Another email from the same IP still works until the per-IP limit.
            try await client.register(email: "other@example.com")
            _ = try await client.login(email: "other@example.com")
            for _ in 0..<2 {
                try await client.send(
                    .post, "/api/v1/users/login", json: #"{"email":"other@example.com","password":"Wr0ngpass!"}"#)
            }
            let ipBlocked = try await client.send(
                .post, "/api/v1/users/login", json: #"{"email":"other@example.com","password":"Passw0rd!"}"#)
            #expect(ipBlocked.status == .tooManyRequests)
        }
    }

    @Test func throttleWindowExpires() {
        let throttle = Throttle(window: .seconds(60))
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(throttle.admit("k", limit: 3, now: start) == nil) }
        #expect(throttle.admit("k", limit: 3, now: start) == 61)
        #expect(throttle.admit("k", limit: 4, now: start) == nil)
        #expect(throttle.admit("k", limit: 3, now: start + .seconds(61)) == nil)
        throttle.reset("k")
        #expect(throttle.admit("k", limit: 1, now: start) == nil)
    }
}
