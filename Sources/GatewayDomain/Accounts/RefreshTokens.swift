import Crypto
import Foundation
import GatewayCore

/// Opaque refresh tokens: 64 random bytes, base64url; stored only as SHA-256 hex.
package enum RefreshTokenFactory {
    package static func make() -> String {
        Data(randomBytes(64)).base64URLEncodedString
    }

    package static func hash(_ token: String) -> String { sha256Hex(token) }

    /// `successor` sealed (AES-GCM, base64) under a key derived from `token`: stored with
    /// the rotated row, it can only be opened by whoever presents `token` again.
    package static func seal(_ successor: String, under token: String) -> String {
        let sealed = try? AES.GCM.seal(Data(successor.utf8), using: key(token)).combined
        return sealed?.base64EncodedString() ?? ""
    }

    /// The successor sealed under `token`; nil when it does not open.
    package static func open(_ sealed: String, under token: String) -> String? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key(token))
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }

    private static func key(_ token: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(token.utf8)), info: Data("gateway refresh successor v1".utf8),
            outputByteCount: 32)
    }

    /// The first characters of a token, safe to log.
    package static func mask(_ token: String) -> String { String(token.prefix(6)) + "…" }
}
