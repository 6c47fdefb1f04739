#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address as its bytes (4 or 16); IPv4-mapped IPv6 addresses are
/// read as the IPv4 address they carry.
package struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    package let bytes: [UInt8]

    /// Parses a textual address (no port, no zone); nil when it is not one.
    package init?(_ text: some StringProtocol) {
        guard text.utf8.count <= 45, text.utf8.contains(0) == false else { return nil }
        let string = String(text)
        var v4 = in_addr()
        if inet_pton(AF_INET, string, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, string, &v6) == 1 else { return nil }
        let raw = withUnsafeBytes(of: &v6) { Array($0) }
        bytes = raw.prefix(12).elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) ? Array(raw.suffix(4)) : raw
    }

    /// An address from its 4 or 16 bytes.
    package init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// A hop as proxies write it: also `1.2.3.4:5678` and `[2001:db8::1]:443`.
    package init?(hop: some StringProtocol) {
        let text = Substring(hop)
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            self.init(text[text.index(after: text.startIndex)..<close])
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            self.init(text[..<colon])
        } else {
            self.init(text)
        }
    }

    package var description: String {
        var text = [CChar](repeating: 0, count: 64)
        var storage = bytes
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        guard inet_ntop(family, &storage, &text, socklen_t(text.count)) != nil else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`, or one address).
package struct IPNetwork: Sendable, Equatable {
    package let base: IPAddress
    package let prefixLength: Int

    package init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let base = IPAddress(parts[0]) else { return nil }
        let maxLength = base.bytes.count * 8
        if parts.count == 2 {
            guard parts[1].count <= 3, let length = Int(parts[1]), (0...maxLength).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = maxLength
        }
        self.base = base
    }

    package func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == base.bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address.bytes, base.bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }
}

/// `TRUSTED_PROXIES`: the proxies whose `X-Forwarded-For` is believed. The client address
/// is the right-most hop not in the list (each trusted proxy appends the address it saw);
/// when the peer itself is not trusted, the header is ignored and the peer is the client.
/// With no trusted proxy (the default) nobody can choose their address with a header.
package struct TrustedProxies: Sendable, Equatable {
    package let networks: [IPNetwork]
    /// Hops read from the right at most; a longer chain is cut there.
    package static let maxHops = 32

    package static let none = TrustedProxies(networks: [])

    package init(networks: [IPNetwork]) { self.networks = networks }

    /// Parses a comma-separated list of addresses and CIDRs; nil names the bad entry.
    package static func parse(_ list: String) -> Result<TrustedProxies, InvalidEntry> {
        var networks: [IPNetwork] = []
        for entry in list.split(separator: ",") {
            let trimmed = entry.trimmedWhitespace
            if trimmed.isEmpty { continue }
            guard let network = IPNetwork(trimmed) else { return .failure(InvalidEntry(text: String(trimmed.prefix(64)))) }
            networks.append(network)
        }
        return .success(TrustedProxies(networks: networks))
    }

    package struct InvalidEntry: Error, Equatable {
        package let text: String
    }

    /// A peer as one spelling per address (`::ffff:1.2.3.4` is `1.2.3.4`), so throttle keys
    /// do not depend on the configuration; plain IPv4 text, the usual case, is kept as is.
    package static func normalised(_ peer: String) -> String {
        guard peer.utf8.contains(UInt8(ascii: ":")) else { return peer }
        return IPAddress(peer)?.description ?? peer
    }

    package func trusts(_ address: IPAddress) -> Bool { networks.contains { $0.contains(address) } }

    /// The client's address given the socket peer and every `X-Forwarded-For` value in order.
    package func clientAddress(peer: String?, forwardedFor: [Substring]) -> String? {
        guard networks.isEmpty == false else { return peer.map(Self.normalised) }
        guard let peer, let peerAddress = IPAddress(peer), trusts(peerAddress) else { return peer.map(Self.normalised) }
        var client = peerAddress
        var hops = 0
        for value in forwardedFor.reversed() {
            for hop in value.split(separator: ",").reversed() {
                hops += 1
                guard hops <= Self.maxHops, let address = IPAddress(hop: hop.trimmedWhitespace) else {
                    return client.description
                }
                client = address
                if trusts(address) == false { return address.description }
            }
        }
        return client.description
    }
}
