import BotKit
import BoundedJSON
import Foundation
import GatewayCore
import JWTKit
import NIOConcurrencyHelpers

/// The access token's claims: `sub` (email), `uid` (user id), `exp`, and `iat`, which the
/// gateway writes but does not require: the reference service's tokens carry no `iat`,
/// and they stay valid until they expire after a switch-over.
package struct AccessTokenClaims: JWTPayload {
    package var sub: SubjectClaim
    package var uid: Int
    package var exp: ExpirationClaim
    package var iat: IssuedAtClaim?

    package func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Issues and verifies HS256 access tokens; no other algorithm is ever accepted.
public struct AccessTokens: Sendable {
    private let keys: JWTKeyCollection
    package let lifetime: Duration
    private let verified = VerifiedTokenCache(capacity: 10_000)

    public init(secret: String, lifetime: Duration) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.lifetime = lifetime
    }

    /// A signed token for a user; times are whole seconds.
    public func issue(userID: Int, email: String, now: Date = Date()) async throws -> String {
        let issued = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = AccessTokenClaims(
            sub: .init(value: email), uid: userID, exp: .init(value: issued.addingTimeInterval(lifetime.timeInterval)),
            iat: .init(value: issued))
        return try await keys.sign(claims)
    }

    /// The claims of a valid token; nil for anything forged, expired, malformed or not HS256.
    /// A token verified before (same bytes, signature included) is answered from memory
    /// until it expires, skipping the signature check and JSON decoding.
    package func verify(_ token: String, now: Date = Date()) async -> AccessTokenClaims? {
        if let claims = verified.claims(for: token, now: now) { return claims }
        guard Self.headerAlgorithm(token) == "HS256",
            let claims = try? await keys.verify(token, as: AccessTokenClaims.self)
        else { return nil }
        verified.insert(token, claims, now: now)
        return claims
    }

    /// The `alg` of a compact JWS header, checked before any verification.
    package static func headerAlgorithm(_ token: String) -> String? {
        guard let segment = token.split(separator: ".", omittingEmptySubsequences: false).first,
            let data = Data(base64URLEncoded: String(segment)),
            case .object(let header) = try? JSONReader.parse(data, limits: .init(maxDepth: 8, maxItems: 256))
        else { return nil }
        return header["alg"]?.stringValue
    }
}

/// Verified tokens and their claims, bounded; expired entries are never returned.
package final class VerifiedTokenCache: Sendable {
    private let entries = NIOLockedValueBox<[String: AccessTokenClaims]>([:])
    package let capacity: Int

    package init(capacity: Int) { self.capacity = capacity }

    package var count: Int { entries.withLockedValue { $0.count } }

    package func claims(for token: String, now: Date) -> AccessTokenClaims? {
        entries.withLockedValue { entries in
            guard let claims = entries[token] else { return nil }
            guard claims.exp.value > now else {
                entries[token] = nil
                return nil
            }
            return claims
        }
    }

    /// Adds an entry; when full, expired entries go first, then everything.
    package func insert(_ token: String, _ claims: AccessTokenClaims, now: Date) {
        entries.withLockedValue { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.exp.value > now }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[token] = claims
        }
    }
}

extension Data {
    /// Decodes unpadded base64url.
    package init?(base64URLEncoded text: String) {
        var bytes = text.utf8.map { byte -> UInt8 in
            switch byte {
            case UInt8(ascii: "-"): UInt8(ascii: "+")
            case UInt8(ascii: "_"): UInt8(ascii: "/")
            default: byte
            }
        }
        while bytes.count % 4 != 0 { bytes.append(UInt8(ascii: "=")) }
        self.init(base64Encoded: Data(bytes))
    }

    /// Unpadded base64url.
    package var base64URLEncodedString: String {
        let bytes = base64EncodedString().utf8.compactMap { byte -> UInt8? in
            switch byte {
            case UInt8(ascii: "+"): UInt8(ascii: "-")
            case UInt8(ascii: "/"): UInt8(ascii: "_")
            case UInt8(ascii: "="): nil
            default: byte
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
