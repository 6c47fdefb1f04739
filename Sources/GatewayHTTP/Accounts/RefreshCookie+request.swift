import GatewayCore
import GatewayDomain
import Hummingbird

extension RefreshCookie {
    /// The presented token, if any.
    package static func value(in request: Request) -> String? { CookieHeader.value(named: name, in: request) }
}

extension CookieHeader {
    /// The request's non-empty cookie `name`, at most 512 bytes (refresh tokens and the
    /// console's cookies are far shorter). Kept out of CookieHeader.swift, which the fuzzer
    /// builds without Hummingbird.
    package static func value(named name: String, in request: Request) -> String? {
        let headers = request.headers[values: .cookie].map { $0[...] }
        guard let value = value(named: name, in: headers, maxValueBytes: 512), value.isEmpty == false else { return nil }
        return String(value)
    }
}
