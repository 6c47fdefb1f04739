#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The fuzz targets in this binary, by the name `FUZZ_TARGET` selects them with.
let fuzzTargets: [(name: String, run: @Sendable (UnsafeBufferPointer<UInt8>) -> Void)] = [
    ("json-reader", JSONReaderHarness.run),
    ("bot-json", BotJSONHarness.run),
    ("line-framer", LineFramerHarness.run),
    ("cookie-header", CookieHeaderHarness.run),
    ("client-address", ClientAddressHarness.run),
    ("usage", UsageHarness.run),
]

/// The target `FUZZ_TARGET` names, looked up once; an unknown or missing name stops the run.
let selectedTarget: @Sendable (UnsafeBufferPointer<UInt8>) -> Void = {
    let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = fuzzTargets.first(where: { $0.name == name }) else {
        let names = fuzzTargets.map(\.name).joined(separator: ", ")
        print("FUZZ_TARGET must be one of: \(names) (got \"\(name)\")")
        exit(2)
    }
    return target.run
}()

/// libFuzzer's entry point: runs the selected target on one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget(UnsafeBufferPointer(start: size > 0 ? data : nil, count: size))
    return 0
}

/// Stops the run as a crash libFuzzer records, naming the target and the broken invariant.
func invariant(_ condition: @autoclosure () -> Bool, _ target: StaticString, _ message: @autoclosure () -> String) {
    if condition() == false { fatalError("[\(target)] invariant broken: \(message())") }
}
