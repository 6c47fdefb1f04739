import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension UUID {
    /// A random (version 4) UUID from the C library's CSPRNG (`arc4random_buf`: ChaCha20
    /// seeded by the kernel, no system call per id). Foundation's `UUID()` opens
    /// `/dev/urandom` on every call on Linux.
    package static func random() -> UUID {
        var bytes = randomBytes(16)
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    /// The lowercase text form (`uuidString` is uppercase).
    package var lowercasedString: String { uuidString.lowercased() }
}

/// `count` bytes from the C library's CSPRNG (`arc4random_buf`, glibc 2.36+): kernel-seeded,
/// reseeded on fork, one call for any length.
package func randomBytes(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { buffer in
        if let base = buffer.baseAddress { arc4random_buf(base, buffer.count) }
    }
    return bytes
}
