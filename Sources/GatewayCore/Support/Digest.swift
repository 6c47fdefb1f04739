import Crypto
import Foundation

/// SHA-256 of a string's UTF-8 bytes, as lowercase hex (how tokens, API keys and
/// migration checksums are stored).
package func sha256Hex(_ text: String) -> String {
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
package func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    var difference = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) {
        difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
    }
    return difference == 0
}
