/// Reads structured choices off the front of a fuzz input, so one byte string drives
/// both the data a parser sees and how it is presented (chunk sizes, limits, fields).
struct FuzzInput {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The next byte, or 0 once the input is used up.
    mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    /// The next two bytes as a little-endian number.
    mutating func uint16() -> Int { Int(byte()) | Int(byte()) << 8 }

    /// Everything not read yet.
    mutating func rest() -> UnsafeBufferPointer<UInt8> {
        defer { index = bytes.count }
        return UnsafeBufferPointer(rebasing: bytes[min(index, bytes.count)...])
    }
}

extension Collection<UInt8> {
    /// The pieces between `separator` bytes (empty ones kept), each as a string.
    func fields(separatedBy separator: UInt8) -> [String] {
        split(separator: separator, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }
}
