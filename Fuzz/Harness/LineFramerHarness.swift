/// `line-framer`: `LineFramer` and `SSEDecoder` on a byte stream cut into chunks.
///
/// Input: one control byte, then (for explicit cuts) two bytes per cut position, then the
/// stream. Control bits 0–2: the number of cuts (0–7), or with bit 7 set the chunk size
/// (1–8 bytes, so long lines arrive in many small chunks). Bits 3–6: `maxLine` (0 = the
/// default 1 MiB, else n² bytes, so the long-line check is exercised).
///
/// Invariants: fed whole or in chunks, the framer returns the lines a plain split on LF
/// (less one trailing CR) gives, and the same SSE events; with a `maxLine`, it throws
/// exactly at the first chunk after which the unfinished line is longer than `maxLine`.
enum LineFramerHarness {
    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        var input = FuzzInput(data)
        let control = input.byte()
        let maxLineCode = Int(control >> 3 & 0x0F)
        let maxLine = maxLineCode == 0 ? 1 << 20 : maxLineCode * maxLineCode
        var cuts: [Int] = []
        if control & 0x80 == 0 {
            for _ in 0..<Int(control & 0x07) { cuts.append(input.uint16()) }
        }
        let stream = Array(input.rest())
        if control & 0x80 != 0 {
            let size = Int(control & 0x07) + 1
            cuts = Array(stride(from: size, to: stream.count, by: size))
        } else {
            cuts = cuts.map { $0 % (stream.count + 1) }.sorted()
        }
        let chunks = zip([0] + cuts, cuts + [stream.count]).map { Array(stream[$0..<$1]) }

        let expected = reference(stream)
        let whole = frame([stream], maxLine: maxLine)
        let chunked = frame(chunks, maxLine: maxLine)
        check(whole, [stream], expected, maxLine: maxLine)
        check(chunked, chunks, expected, maxLine: maxLine)
        if whole.failedAt == nil, chunked.failedAt == nil {
            invariant(events(whole.lines) == events(chunked.lines), "line-framer", "SSE events differ by chunking")
        }
    }

    /// What the framer returned: every line, then the flushed tail; or where it threw.
    struct Framed {
        var lines: [String] = []
        var failedAt: Int?
    }

    static func frame(_ chunks: [[UInt8]], maxLine: Int) -> Framed {
        var framer = LineFramer(maxLine: maxLine)
        var framed = Framed()
        for (index, chunk) in chunks.enumerated() {
            do { framed.lines += try framer.feed(chunk) } catch {
                framed.failedAt = index
                return framed
            }
        }
        if let tail = framer.flush() { framed.lines.append(tail) }
        invariant(framer.flush() == nil, "line-framer", "flush twice returned a line")
        return framed
    }

    /// The lines of the whole stream by a plain split on LF, the last one unfinished unless
    /// the stream ends with LF.
    static func reference(_ stream: [UInt8]) -> [String] {
        var pieces = stream.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if pieces.last?.isEmpty == true { pieces.removeLast() }
        return pieces.enumerated().map { index, piece in
            let finished = index < pieces.count - 1 || stream.last == UInt8(ascii: "\n")
            let line = finished && piece.last == UInt8(ascii: "\r") ? piece.dropLast() : piece
            return String(decoding: line, as: UTF8.self)
        }
    }

    static func check(_ framed: Framed, _ chunks: [[UInt8]], _ expected: [String], maxLine: Int) {
        // The chunk after which the unfinished line first exceeds maxLine, if any.
        var expectedFailure: Int?
        var unfinished = 0
        for (index, chunk) in chunks.enumerated() {
            for byte in chunk { unfinished = byte == UInt8(ascii: "\n") ? 0 : unfinished + 1 }
            if unfinished > maxLine {
                expectedFailure = index
                break
            }
        }
        invariant(
            framed.failedAt == expectedFailure, "line-framer",
            "threw at chunk \(framed.failedAt.map(String.init) ?? "none"), expected \(expectedFailure.map(String.init) ?? "none") (maxLine \(maxLine), chunk sizes \(chunks.map(\.count)))"
        )
        if expectedFailure == nil {
            invariant(
                framed.lines.count == expected.count && zip(framed.lines, expected).allSatisfy { $0.utf8.elementsEqual($1.utf8) },
                "line-framer", "lines \(framed.lines) expected \(expected), chunk sizes \(chunks.map(\.count))")
        }
    }

    static func events(_ lines: [String]) -> [SSEDecoder.Event] {
        var decoder = SSEDecoder()
        var events = lines.compactMap { decoder.line($0) }
        if let last = decoder.finish() { events.append(last) }
        return events
    }
}
