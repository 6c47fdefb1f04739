import Foundation
import JWTKit

/// The access token's claims: `sub` (email), `uid` (user id), `exp`, `iat`.
struct AccessTokenClaims: JWTPayload {
    var sub: SubjectClaim
    var uid: Int
    var exp: ExpirationClaim
    var iat: IssuedAtClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Issues and verifies HS256 access tokens; no other algorithm is ever accepted.
public struct AccessTokens: Sendable {
    private let keys: JWTKeyCollection
    let lifetime: TimeInterval

    public init(secret: String, lifetimeMinutes: Int) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.lifetime = TimeInterval(lifetimeMinutes * 60)
    }

    /// A signed token for a user; times are whole seconds.
    public func issue(userID: Int, email: String, now: Date = Date()) async throws -> String {
        let issued = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = AccessTokenClaims(
            sub: .init(value: email), uid: userID, exp: .init(value: issued.addingTimeInterval(lifetime)),
            iat: .init(value: issued))
        return try await keys.sign(claims)
    }

    /// The claims of a valid token; nil for anything forged, expired, malformed or not HS256.
    func verify(_ token: String) async -> AccessTokenClaims? {
        guard Self.headerAlgorithm(token) == "HS256" else { return nil }
        return try? await keys.verify(token, as: AccessTokenClaims.self)
    }

    /// The `alg` of a compact JWS header, checked before any verification.
    static func headerAlgorithm(_ token: String) -> String? {
        guard let segment = token.split(separator: ".", omittingEmptySubsequences: false).first,
            let data = Data(base64URLEncoded: String(segment)),
            let header = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else { return nil }
        return header["alg"]?.stringValue
    }
}

extension Data {
    /// Decodes unpadded base64url.
    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }

    /// Unpadded base64url.
    var base64URLEncodedString: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
