// libFuzzer target: the CQL2 text parser (lexer and recursive-descent parser, with the server's
// default nesting and list limits) on arbitrary text. Any input must give an expression or a
// CQL2Error — never a crash, a stack overflow or a hang.
@testable import CQL2

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCQL2Text(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? CQL2TextParser.parse(text)
    return 0
}
