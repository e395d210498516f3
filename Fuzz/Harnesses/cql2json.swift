// libFuzzer target: the CQL2 JSON decoder (nesting check, JSONDecoder, then the expression reader)
// on arbitrary text. Any input must give an expression or a CQL2Error — never a crash or a hang.
@testable import CQL2

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCQL2JSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? CQL2JSONDecoder.parse(text)
    return 0
}
