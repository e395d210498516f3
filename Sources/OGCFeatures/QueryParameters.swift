import Foundation

/// A request's query string read as an HTML form (`application/x-www-form-urlencoded`), as browsers,
/// OWSLib, Python requests and `curl --data-urlencode` write it: `&`-separated `name=value` pairs,
/// `+` a space, `%XX` a byte, each decoded exactly once, the bytes read as UTF-8.
/// A `%` not followed by two hex digits, or bytes that are not UTF-8, are an invalid parameter naming it.
public struct QueryParameters: Sendable {
    /// The pairs in request order (a name may repeat; `first` answers the first).
    public let pairs: [(name: String, value: String)]

    /// Reads `raw`, the query string without its `?`.
    public init(raw: String) throws {
        var pairs: [(name: String, value: String)] = []
        for piece in raw.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = piece.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { piece[piece.startIndex..<$0] } ?? piece[...]
            let rawValue = equals.map { piece[piece.index(after: $0)...] } ?? piece[piece.endIndex...]
            // The name as the client wrote it, for messages (never echoing more than a screenful).
            let name = try Self.decode(rawName, what: "the name of query parameter \"\(String(decoding: rawName.prefix(100), as: UTF8.self))\"")
            let value = try Self.decode(rawValue, what: "query parameter \"\(name.prefix(100))\"")
            pairs.append((name, value))
        }
        self.pairs = pairs
    }

    /// The first value given for `name`.
    public func first(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    public subscript(_ name: String) -> String? { first(name) }

    /// The names given, in request order without repeats.
    public var names: [String] {
        var seen = Set<String>()
        return pairs.compactMap { seen.insert($0.name).inserted ? $0.name : nil }
    }

    /// One form-encoded component decoded: `+` → space, `%XX` → the byte.
    static func decode(_ bytes: some Collection<UInt8>, what: @autoclosure () -> String) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while i != bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%") {
                let j = bytes.index(after: i)
                guard j != bytes.endIndex, bytes.index(after: j) != bytes.endIndex,
                      let high = hex(bytes[j]), let low = hex(bytes[bytes.index(after: j)]) else {
                    throw RequestError.invalidParameter("\(what()) holds a % not followed by two hexadecimal digits (write a literal % as %25, a + as %2B)")
                }
                out.append(high << 4 | low)
                i = bytes.index(after: bytes.index(after: j))
                continue
            } else {
                out.append(b)
            }
            i = bytes.index(after: i)
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw RequestError.invalidParameter("\(what()) is not UTF-8 once percent-decoded")
        }
        return text
    }
}
