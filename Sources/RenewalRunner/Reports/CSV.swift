import Foundation

/// CSV text for the result files (RFC 4180 quoting).
enum CSV {
    /// `s` as one CSV field: quoted, with quotes doubled, only when it holds a comma, quote or line break.
    static func cell(_ s: String) -> String {
        var special = false, quote = false
        for byte in s.utf8 {
            if byte == UInt8(ascii: "\"") { quote = true; special = true; break }
            if byte == UInt8(ascii: ",") || byte == 10 || byte == 13 { special = true }
        }
        guard special else { return s }
        guard quote else { return "\"" + s + "\"" }
        return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// One CSV line (with its newline) from fields.
    static func line(_ fields: [String]) -> String {
        var out = ""
        for (i, f) in fields.enumerated() {
            if i > 0 { out += "," }
            out += cell(f)
        }
        out += "\n"
        return out
    }
}

/// A CSV file written line by line through a buffer, moved into place when closed.
final class CSVFile {
    private let path: String
    private let partial: String
    private let handle: FileHandle
    private var buffer = Data()

    /// `byteOrderMark`: starts the file with UTF-8's BOM (EF BB BF), which Excel needs to read
    /// UTF-8 (Chinese) text as such instead of the system's code page.
    init(path: String, header: [String], byteOrderMark: Bool = false) throws {
        self.path = path
        partial = path + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: nil), let h = FileHandle(forWritingAtPath: partial) else {
            throw CSVError(path: path)
        }
        handle = h
        if byteOrderMark { buffer.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
        try write(header)
    }

    func write(_ fields: [String]) throws {
        try write(bytes: CSV.line(fields).utf8)
    }

    /// Appends already formatted CSV text (whole lines).
    func write<Bytes: Sequence<UInt8>>(bytes: Bytes) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count > 1 << 18 { try flush() }
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.close()
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: partial, toPath: path)
    }
}

struct CSVError: Error, CustomStringConvertible {
    var path: String
    var description: String { "\(path): cannot write the file" }
}
