import GatewayCore

/// The refresh-token cookie, with the contract's exact attributes.
package enum RefreshCookie {
    package static let name = "refresh_token"

    /// `Set-Cookie` value that stores a token for `maxAge` seconds.
    package static func set(_ token: String, maxAge: Int, secure: Bool = true) -> String {
        "\(name)=\(token); HttpOnly;\(secure ? " Secure;" : "") SameSite=Strict; Path=/; Max-Age=\(maxAge)"
    }

    /// `Set-Cookie` value that deletes the cookie.
    package static let cleared =
        "\(name)=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
}
