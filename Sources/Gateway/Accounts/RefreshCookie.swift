import Crypto
import Foundation
import Hummingbird

/// The refresh-token cookie, with the contract's exact attributes.
enum RefreshCookie {
    static let name = "refresh_token"

    /// `Set-Cookie` value that stores a token for `maxAge` seconds.
    static func set(_ token: String, maxAge: Int, secure: Bool = true) -> String {
        "\(name)=\(token); HttpOnly;\(secure ? " Secure;" : "") SameSite=Strict; Path=/; Max-Age=\(maxAge)"
    }

    /// `Set-Cookie` value that deletes the cookie.
    static let cleared =
        "\(name)=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"

    /// The presented token, if any.
    static func value(in request: Request) -> String? { CookieHeader.value(named: name, in: request) }
}

extension CookieHeader {
    /// The request's non-empty cookie `name`, at most 512 bytes (refresh tokens and the
    /// console's cookies are far shorter). Kept out of CookieHeader.swift, which the fuzzer
    /// builds without Hummingbird.
    static func value(named name: String, in request: Request) -> String? {
        let headers = request.headers[values: .cookie].map { $0[...] }
        guard let value = value(named: name, in: headers, maxValueBytes: 512), value.isEmpty == false else { return nil }
        return String(value)
    }
}

/// Opaque refresh tokens: 64 random bytes, base64url; stored only as SHA-256 hex.
enum RefreshTokenFactory {
    static func make() -> String {
        Data(randomBytes(64)).base64URLEncodedString
    }

    static func hash(_ token: String) -> String { sha256Hex(token) }

    /// `successor` sealed (AES-GCM, base64) under a key derived from `token`: stored with
    /// the rotated row, it can only be opened by whoever presents `token` again.
    static func seal(_ successor: String, under token: String) -> String {
        let sealed = try? AES.GCM.seal(Data(successor.utf8), using: key(token)).combined
        return sealed?.base64EncodedString() ?? ""
    }

    /// The successor sealed under `token`; nil when it does not open.
    static func open(_ sealed: String, under token: String) -> String? {
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
    static func mask(_ token: String) -> String { String(token.prefix(6)) + "…" }
}

/// SHA-256 of a string's UTF-8 bytes, as lowercase hex (how tokens, API keys and
/// migration checksums are stored).
func sha256Hex(_ text: String) -> String {
    let digits = Array("0123456789abcdef".utf8)
    return SHA256.hash(data: Data(text.utf8)).withUnsafeBytes { digest in
        String(unsafeUninitializedCapacity: digest.count * 2) { buffer in
            for (index, byte) in digest.enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            return digest.count * 2
        }
    }
}

/// Constant-time equality of two strings' bytes.
func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    var difference = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) {
        difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
    }
    return difference == 0
}
