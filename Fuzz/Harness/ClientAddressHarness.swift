/// `client-address`: `IPAddress`, `IPNetwork`, `TrustedProxies.parse` and
/// `TrustedProxies.clientAddress(peer:forwardedFor:)`.
///
/// Input: one control byte (bit 0: no peer; bit 1: keep only the valid entries of a
/// trusted list that does not parse), then LF-separated fields: the trusted list, the peer,
/// then each `X-Forwarded-For` value.
///
/// Invariants: it never crashes; the result is nil exactly when the peer is; with nobody
/// trusted it is the peer (normalised when it is an address); any other result is an
/// address; an address prints as text that reads back as the same address, and every
/// network contains its own base.
enum ClientAddressHarness {
    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        var input = FuzzInput(data)
        let control = input.byte()
        var fields = input.rest().fields(separatedBy: UInt8(ascii: "\n"))
        let list = fields.removeFirst()
        let peerField = fields.isEmpty ? "" : fields.removeFirst()
        let peer = control & 1 == 0 ? peerField : nil
        let forwardedFor = fields.map { $0[...] }

        let proxies: TrustedProxies
        switch TrustedProxies.parse(list) {
        case .success(let parsed): proxies = parsed
        case .failure(let invalid):
            invariant(invalid.text.count <= 64, "client-address", "invalid entry text longer than 64: \(invalid.text)")
            let valid = list.split(separator: ",").compactMap { IPNetwork($0.trimmedWhitespace) }
            proxies = control & 2 == 0 ? .none : TrustedProxies(networks: valid)
        }
        for network in proxies.networks {
            checkAddress(network.base)
            invariant(network.contains(network.base), "client-address", "\(network) does not contain its base")
        }
        for text in [peerField] + forwardedFor.flatMap({ $0.split(separator: ",") }).map({ $0.trimmedWhitespace }) {
            if let address = IPAddress(text) { checkAddress(address) }
        }

        let client = proxies.clientAddress(peer: peer, forwardedFor: forwardedFor)
        invariant(
            (client == nil) == (peer == nil), "client-address",
            "result \(String(describing: client)) for peer \(String(describing: peer))")
        guard let peer, let client else { return }
        let normalisedPeer = IPAddress(peer)?.description ?? peer
        if proxies.networks.isEmpty {
            invariant(client == normalisedPeer, "client-address", "nobody trusted, yet \(client) for peer \(peer)")
        }
        if client != peer {
            invariant(
                IPAddress(client) != nil, "client-address", "result \(client.debugDescription) is neither the peer nor an address"
            )
        }
    }

    /// An address prints as text that reads back as itself, in 4 or 16 bytes.
    static func checkAddress(_ address: IPAddress) {
        invariant(
            address.bytes.count == 4 || address.bytes.count == 16, "client-address", "address of \(address.bytes.count) bytes")
        invariant(
            IPAddress(address.description) == address, "client-address", "\(address.bytes) prints as \(address.description)")
    }
}
