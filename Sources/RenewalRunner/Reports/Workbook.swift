import Foundation
import ZIPFoundation

/// An Excel workbook (Office Open XML, .xlsx) of plain tables: one sheet per table, the first row a
/// bold header frozen in place, text kept as typed (inline strings, UTF-8, so Chinese stays intact),
/// numbers as numbers. Written to a temporary file and moved into place, so a failed write leaves
/// no half-written workbook.
struct Workbook {
    enum Cell {
        case text(String)
        case number(Double)
        case empty
    }

    struct Sheet {
        /// At most 31 characters, none of : \ / ? * [ ] (Excel's rules; `add` enforces them).
        var name: String
        var header: [String]
        var rows: [[Cell]]
        /// Column widths in characters (nil: from the header and the first rows).
        var widths: [Double]? = nil
    }

    private(set) var sheets: [Sheet] = []

    /// Adds a sheet; its name is cut to Excel's 31 characters and cleared of the characters Excel refuses.
    mutating func add(_ sheet: Sheet) {
        var sheet = sheet
        let refused = Set(":\\/?*[]")
        sheet.name = String(String(sheet.name.filter { !refused.contains($0) }).prefix(31))
        sheets.append(sheet)
    }

    func write(to path: String) throws {
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let archive = try Archive(url: URL(fileURLWithPath: partial), accessMode: .create)
            func add(_ name: String, _ text: String) throws {
                let data = Data(text.utf8)
                try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            try add("[Content_Types].xml", contentTypes)
            try add("_rels/.rels", rootRelationships)
            try add("xl/workbook.xml", workbookXML)
            try add("xl/_rels/workbook.xml.rels", workbookRelationships)
            try add("xl/styles.xml", Self.styles)
            for (k, sheet) in sheets.enumerated() { try add("xl/worksheets/sheet\(k + 1).xml", Self.sheetXML(sheet)) }
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw WorkbookError(path: path, reason: "\(error)")
        }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: partial, toPath: path)
    }

    private var contentTypes: String {
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        \(sheets.indices.map { "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined())\
        </Types>
        """
    }

    private var rootRelationships: String {
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        </Relationships>
        """
    }

    private var workbookXML: String {
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\
        \(sheets.enumerated().map { "<sheet name=\"\(Self.escaped($1.name))\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>" }.joined())\
        </sheets></workbook>
        """
    }

    private var workbookRelationships: String {
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        \(sheets.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }.joined())\
        <Relationship Id="rId\(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        </Relationships>
        """
    }

    /// Two cell formats: 0 plain, 1 bold (the header).
    private static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
        </styleSheet>
        """

    private static func sheetXML(_ sheet: Sheet) -> String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
            <sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>
            """
        let widths = sheet.widths ?? sheet.header.indices.map { c in
            let sample = [sheet.header[c]] + sheet.rows.prefix(50).compactMap { row -> String? in
                guard c < row.count else { return nil }
                switch row[c] {
                case .text(let s): return s
                case .number(let v): return String(v)
                case .empty: return nil
                }
            }
            // CJK characters are about two columns wide.
            let longest = sample.map { $0.unicodeScalars.reduce(0.0) { $0 + ($1.value > 0x2E80 ? 2 : 1) } }.max() ?? 8
            return min(60, max(8, longest + 2))
        }
        xml += "<cols>" + widths.enumerated().map { "<col min=\"\($0 + 1)\" max=\"\($0 + 1)\" width=\"\($1)\" customWidth=\"1\"/>" }.joined() + "</cols>"
        xml += "<sheetData>"
        xml += row(1, sheet.header.map(Cell.text), style: 1)
        for (r, cells) in sheet.rows.enumerated() { xml += row(r + 2, cells, style: 0) }
        xml += "</sheetData></worksheet>"
        return xml
    }

    private static func row(_ number: Int, _ cells: [Cell], style: Int) -> String {
        var xml = "<row r=\"\(number)\">"
        for (c, cell) in cells.enumerated() {
            let reference = columnName(c) + String(number)
            let s = style == 0 ? "" : " s=\"\(style)\""
            switch cell {
            case .text(let text): xml += "<c r=\"\(reference)\"\(s) t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escaped(text))</t></is></c>"
            case .number(let value) where value.isFinite: xml += "<c r=\"\(reference)\"\(s)><v>\(value)</v></c>"
            case .number, .empty: continue
            }
        }
        return xml + "</row>"
    }

    /// A, B, …, Z, AA, AB, … for column index 0, 1, ….
    static func columnName(_ index: Int) -> String {
        var n = index + 1, name = ""
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name
    }

    /// Text for XML: the five special characters escaped, characters XML 1.0 cannot hold dropped.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default: if scalar.value >= 0x20, scalar.value != 0xFFFE, scalar.value != 0xFFFF { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}

struct WorkbookError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "\(path): cannot write the workbook: \(reason)" }
}
