import Foundation
import GeoKernel
import GeoStore

/// A token of CQL2 text, with the (1-based) character where it starts.
struct CQL2Token: Equatable {
    enum Kind: Equatable {
        /// An unquoted word: a keyword, a function name or a property name (compared case-insensitively as a keyword).
        case word
        /// A "double-quoted" property name, quotes removed and "" read as ".
        case quoted
        /// A 'single-quoted' string, quotes removed and '' read as '.
        case string
        case number
        /// ( ) , = <> < <= > >=
        case symbol
        case end
    }
    var kind: Kind
    var text: String
    var offset: Int

    /// How an error message names the token.
    var described: String {
        switch kind {
        case .end: "the end of the filter"
        case .string: "the string '\(text.count > 40 ? String(text.prefix(40)) + "…" : text)'"
        case .quoted: "\"\(text)\""
        default: "\"\(text)\""
        }
    }

    var position: String { kind == .end ? "at the end of the filter" : "at character \(offset)" }
}

/// Splits CQL2 text into tokens. Anything that is not part of the language — `;`, `--`, `/*`, a
/// stray quote, a control character — is an error naming its position, never passed on.
enum CQL2Lexer {
    static func tokens(_ text: String) throws -> [CQL2Token] {
        let s = Array(text.unicodeScalars)
        var tokens: [CQL2Token] = []
        var i = 0
        func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        func isWordPart(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || isDigit(c) || c == "." || c == ":" }
        func quoted(_ quote: Unicode.Scalar, what: String) throws -> String {
            let start = i
            var out = String.UnicodeScalarView()
            i += 1
            while true {
                guard i < s.count else { throw CQL2Error("unterminated \(what) starting at character \(start + 1)") }
                if s[i] == quote {
                    if i + 1 < s.count, s[i + 1] == quote { out.append(quote); i += 2; continue }
                    i += 1
                    return String(out)
                }
                out.append(s[i])
                i += 1
            }
        }
        while i < s.count {
            let c = s[i]
            let offset = i + 1
            if c.properties.isWhitespace { i += 1; continue }
            if c == "'" {
                tokens.append(CQL2Token(kind: .string, text: try quoted("'", what: "string"), offset: offset))
            } else if c == "\"" {
                let name = try quoted("\"", what: "quoted property name")
                guard !name.isEmpty else { throw CQL2Error("empty property name \"\" at character \(offset)") }
                tokens.append(CQL2Token(kind: .quoted, text: name, offset: offset))
            } else if isDigit(c) || ((c == "-" || c == ".") && i + 1 < s.count && (isDigit(s[i + 1]) || (s[i + 1] == "." && c == "-"))) {
                var j = i
                if s[j] == "-" { j += 1 }
                var digits = 0
                while j < s.count, isDigit(s[j]) { j += 1; digits += 1 }
                if j < s.count, s[j] == "." {
                    j += 1
                    while j < s.count, isDigit(s[j]) { j += 1; digits += 1 }
                }
                guard digits > 0 else { throw CQL2Error("malformed number at character \(offset)") }
                if j < s.count, s[j] == "e" || s[j] == "E" {
                    j += 1
                    if j < s.count, s[j] == "+" || s[j] == "-" { j += 1 }
                    var exponent = 0
                    while j < s.count, isDigit(s[j]) { j += 1; exponent += 1 }
                    guard exponent > 0 else { throw CQL2Error("malformed number at character \(offset)") }
                }
                if j < s.count, isWordPart(s[j]) { throw CQL2Error("malformed number at character \(offset)") }
                var text = String.UnicodeScalarView()
                text.append(contentsOf: s[i..<j])
                tokens.append(CQL2Token(kind: .number, text: String(text), offset: offset))
                i = j
            } else if isWordStart(c) {
                var j = i
                while j < s.count, isWordPart(s[j]) { j += 1 }
                var text = String.UnicodeScalarView()
                text.append(contentsOf: s[i..<j])
                tokens.append(CQL2Token(kind: .word, text: String(text), offset: offset))
                i = j
            } else if c == "<" || c == ">" {
                var symbol = String(c)
                if i + 1 < s.count, s[i + 1] == "=" || (c == "<" && s[i + 1] == ">") { symbol.unicodeScalars.append(s[i + 1]); i += 1 }
                tokens.append(CQL2Token(kind: .symbol, text: symbol, offset: offset))
                i += 1
            } else if c == "(" || c == ")" || c == "," || c == "=" {
                tokens.append(CQL2Token(kind: .symbol, text: String(c), offset: offset))
                i += 1
            } else {
                let shown = c.value < 32 || c.value == 127 ? String(format: "U+%04X", c.value) : "\"\(c)\""
                throw CQL2Error("unexpected character \(shown) at character \(offset)")
            }
        }
        tokens.append(CQL2Token(kind: .end, text: "", offset: s.count + 1))
        return tokens
    }
}

/// A recursive-descent parser for CQL2 text. Precedence: NOT binds tighter than AND, AND tighter
/// than OR; parentheses group. Keywords are case-insensitive; property names that clash with one
/// can be "double-quoted". Nesting is counted as it is parsed, so deep input stops with an error long
/// before the stack is at risk.
public struct CQL2TextParser {
    private let tokens: [CQL2Token]
    private var index = 0
    private var depth = 0
    private let limits: CQL2Limits

    /// Parses a whole filter, or throws `CQL2Error` saying what is wrong and where.
    public static func parse(_ text: String, limits: CQL2Limits = .init()) throws -> CQL2Expression {
        var parser = CQL2TextParser(tokens: try CQL2Lexer.tokens(text), limits: limits)
        guard parser.current.kind != .end else { throw CQL2Error("the filter is empty") }
        let expression = try parser.orExpression()
        guard parser.current.kind == .end else {
            throw CQL2Error("expected AND, OR or the end of the filter \(parser.current.position) but found \(parser.current.described)")
        }
        return expression
    }

    private init(tokens: [CQL2Token], limits: CQL2Limits) { self.tokens = tokens; self.limits = limits }

    // MARK: Tokens

    private var current: CQL2Token { tokens[index] }
    private var next: CQL2Token { tokens[min(index + 1, tokens.count - 1)] }
    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private func isKeyword(_ token: CQL2Token, _ keyword: String) -> Bool { token.kind == .word && token.text.uppercased() == keyword }
    private func isSymbol(_ token: CQL2Token, _ symbol: String) -> Bool { token.kind == .symbol && token.text == symbol }

    private mutating func accept(keyword: String) -> Bool {
        guard isKeyword(current, keyword) else { return false }
        advance()
        return true
    }

    private mutating func expect(_ symbol: String, after what: String) throws {
        guard isSymbol(current, symbol) else {
            throw CQL2Error("expected \"\(symbol)\" \(what) \(current.position) but found \(current.described)")
        }
        advance()
    }

    private mutating func enter() throws {
        depth += 1
        guard depth <= limits.maximumDepth else {
            throw CQL2Error("the filter nests deeper than \(limits.maximumDepth) levels (\(current.position))")
        }
    }

    private mutating func leave() { depth -= 1 }

    /// Words that cannot be unquoted property names.
    private static let reserved: Set<String> = ["AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE"]

    // MARK: Boolean expressions

    private mutating func orExpression() throws -> CQL2Expression {
        var terms = [try andExpression()]
        while accept(keyword: "OR") { terms.append(try andExpression()) }
        return terms.count == 1 ? terms[0] : .or(terms)
    }

    private mutating func andExpression() throws -> CQL2Expression {
        var terms = [try notExpression()]
        while accept(keyword: "AND") { terms.append(try notExpression()) }
        return terms.count == 1 ? terms[0] : .and(terms)
    }

    private mutating func notExpression() throws -> CQL2Expression {
        guard accept(keyword: "NOT") else { return try predicate() }
        try enter()
        defer { leave() }
        return .not(try notExpression())
    }

    private mutating func predicate() throws -> CQL2Expression {
        if isSymbol(current, "(") {
            advance()
            try enter()
            let expression = try orExpression()
            try expect(")", after: "to close the parenthesis")
            leave()
            return expression
        }
        if current.kind == .word, isSymbol(next, "("), let function = CQL2SpatialFunction(rawValue: current.text.uppercased()) {
            advance(); advance()
            let a = try spatialOperand()
            try expect(",", after: "between the arguments of \(function.rawValue)")
            let b = try spatialOperand()
            try expect(")", after: "to close \(function.rawValue)(")
            return .spatial(function, a, b)
        }
        let left = try scalar()
        if current.kind == .symbol, let op = CQL2Comparison(rawValue: current.text) {
            advance()
            return .comparison(op, left, try scalar())
        }
        let negated = accept(keyword: "NOT")
        let expression: CQL2Expression
        if accept(keyword: "LIKE") {
            expression = .like(left, pattern: try scalar())
        } else if accept(keyword: "BETWEEN") {
            let low = try scalar()
            guard accept(keyword: "AND") else {
                throw CQL2Error("expected AND between the bounds of BETWEEN \(current.position) but found \(current.described)")
            }
            expression = .between(left, low: low, high: try scalar())
        } else if accept(keyword: "IN") {
            try expect("(", after: "to open the list after IN")
            var items = [try scalar()]
            while isSymbol(current, ",") {
                advance()
                items.append(try scalar())
                guard items.count <= limits.maximumListItems else {
                    throw CQL2Error("an IN list holds more than \(limits.maximumListItems) values (\(current.position))")
                }
            }
            try expect(")", after: "to close the IN list")
            expression = .isIn(left, items)
        } else if !negated, accept(keyword: "IS") {
            let not = accept(keyword: "NOT")
            guard accept(keyword: "NULL") else {
                throw CQL2Error("expected NULL after IS\(not ? " NOT" : "") \(current.position) but found \(current.described)")
            }
            return not ? .not(.isNull(left)) : .isNull(left)
        } else if negated {
            throw CQL2Error("expected LIKE, BETWEEN or IN after NOT \(current.position) but found \(current.described)")
        } else if case .boolean(let value) = left {
            return .literal(value)
        } else {
            throw CQL2Error("expected a comparison (=, <>, <, <=, >, >=, LIKE, BETWEEN, IN, IS NULL) after \(left.described) \(current.position) but found \(current.described)")
        }
        return negated ? .not(expression) : expression
    }

    // MARK: Values

    private mutating func scalar() throws -> CQL2Scalar {
        let token = current
        switch token.kind {
        case .string:
            advance()
            return .string(token.text)
        case .number:
            advance()
            return try Self.number(token.text, at: token.position)
        case .quoted:
            advance()
            return .property(token.text)
        case .word:
            let upper = token.text.uppercased()
            if isSymbol(next, "(") {
                if upper == "DATE" || upper == "TIMESTAMP" {
                    advance(); advance()
                    guard current.kind == .string else {
                        throw CQL2Error("expected a quoted \(upper.lowercased()) in \(upper)( \(current.position) but found \(current.described)")
                    }
                    let text = current.text
                    advance()
                    try expect(")", after: "to close \(upper)(")
                    return try Self.temporal(upper == "DATE", text, at: token.position)
                }
                if let function = CQL2SpatialFunction(rawValue: upper) {
                    throw CQL2Error("\(function.rawValue) is a predicate, not a value (\(token.position))")
                }
                throw CQL2Error("unknown function \(token.text) \(token.position) (this server supports \(CQL2SpatialFunction.allCases.map(\.rawValue).joined(separator: ", ")), DATE and TIMESTAMP)")
            }
            if upper == "TRUE" || upper == "FALSE" {
                advance()
                return .boolean(upper == "TRUE")
            }
            guard !Self.reserved.contains(upper) else {
                throw CQL2Error("expected a property or a value \(token.position) but found \(upper)")
            }
            advance()
            return .property(token.text)
        case .symbol, .end:
            throw CQL2Error("expected a property or a value \(token.position) but found \(token.described)")
        }
    }

    static func number(_ text: String, at position: String) throws -> CQL2Scalar {
        if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let i = Int64(text) { return .integer(i) }
        guard let d = Double(text), d.isFinite else { throw CQL2Error("the number \(text) \(position) is out of range") }
        return .number(d)
    }

    /// A DATE or TIMESTAMP literal, checked (a date is `YYYY-MM-DD`; a timestamp has a time of day).
    static func temporal(_ isDate: Bool, _ text: String, at position: String) throws -> CQL2Scalar {
        guard let span = TimeInstant.span(text), isDate == (span.start != span.end) else {
            throw CQL2Error(isDate ? "DATE('\(text)') \(position) is not a date (YYYY-MM-DD)"
                                   : "TIMESTAMP('\(text)') \(position) is not a date-time (e.g. 2024-03-01T10:00:00Z)")
        }
        return isDate ? .date(text) : .timestamp(text)
    }

    // MARK: Geometry

    private static let geometryKeywords: Set<String> = ["POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING",
                                                        "MULTIPOLYGON", "GEOMETRYCOLLECTION", "BBOX"]

    private mutating func spatialOperand() throws -> CQL2SpatialOperand {
        let token = current
        if token.kind == .word, Self.geometryKeywords.contains(token.text.uppercased()) {
            return try geometryLiteral()
        }
        if token.kind == .quoted || (token.kind == .word && !Self.reserved.contains(token.text.uppercased()) && !isSymbol(next, "(")) {
            advance()
            return .property(token.text)
        }
        throw CQL2Error("expected a geometry (POINT, LINESTRING, POLYGON, MULTI…, GEOMETRYCOLLECTION, BBOX) or the geometry property \(token.position) but found \(token.described)")
    }

    private mutating func geometryLiteral() throws -> CQL2SpatialOperand {
        let keyword = current.text.uppercased()
        let start = current.position
        advance()
        if current.kind == .word {
            let modifier = current.text.uppercased()
            throw CQL2Error(modifier == "EMPTY" ? "\(keyword) EMPTY \(start) matches nothing; give coordinates"
                                                : "\(keyword) \(modifier) \(start): only 2D coordinates are supported")
        }
        try expect("(", after: "after \(keyword)")
        let operand: CQL2SpatialOperand
        switch keyword {
        case "BBOX":
            var numbers = [try coordinate()]
            while isSymbol(current, ",") { advance(); numbers.append(try coordinate()) }
            guard numbers.count == 4 || numbers.count == 6 else { throw CQL2Error("BBOX \(start) takes 4 or 6 numbers, not \(numbers.count)") }
            let (a1, b1, a2, b2) = numbers.count == 4 ? (numbers[0], numbers[1], numbers[2], numbers[3]) : (numbers[0], numbers[1], numbers[3], numbers[4])
            guard a1 <= a2, b1 <= b2 else { throw CQL2Error("BBOX \(start): the lower corner must come first") }
            operand = .bbox(Envelope(minX: a1, minY: b1, maxX: a2, maxY: b2))
        case "GEOMETRYCOLLECTION":
            try enter()
            var parts: [Geometry] = []
            repeat {
                if !parts.isEmpty { advance() }
                guard current.kind == .word, Self.geometryKeywords.contains(current.text.uppercased()), current.text.uppercased() != "BBOX" else {
                    throw CQL2Error("expected a geometry inside GEOMETRYCOLLECTION \(current.position) but found \(current.described)")
                }
                guard case .geometry(let g) = try geometryLiteral() else { throw CQL2Error("BBOX cannot be part of a GEOMETRYCOLLECTION") }
                parts.append(g)
            } while isSymbol(current, ",")
            leave()
            operand = .geometry(.geometryCollection(parts))
        default:
            let geometry: Geometry
            switch keyword {
            case "POINT": geometry = .point(try position())
            case "LINESTRING": geometry = .lineString(try line(open: false))
            case "POLYGON": geometry = .polygon(try rings(open: false))
            case "MULTIPOINT":
                var points: [Position] = []
                repeat {
                    if !points.isEmpty { advance() }
                    if isSymbol(current, "(") {
                        advance()
                        points.append(try position())
                        try expect(")", after: "to close a point of MULTIPOINT")
                    } else {
                        points.append(try position())
                    }
                } while isSymbol(current, ",")
                geometry = .multiPoint(points)
            case "MULTILINESTRING":
                var lines = [try line(open: true)]
                while isSymbol(current, ",") { advance(); lines.append(try line(open: true)) }
                geometry = .multiLineString(lines)
            default: // MULTIPOLYGON
                var polygons = [try rings(open: true)]
                while isSymbol(current, ",") { advance(); polygons.append(try rings(open: true)) }
                geometry = .multiPolygon(polygons)
            }
            operand = .geometry(geometry)
        }
        try expect(")", after: "to close \(keyword)(")
        return operand
    }

    private mutating func coordinate() throws -> Double {
        guard current.kind == .number else { throw CQL2Error("expected a coordinate \(current.position) but found \(current.described)") }
        let token = current
        advance()
        switch try Self.number(token.text, at: token.position) {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: throw CQL2Error("expected a coordinate \(token.position)")
        }
    }

    private mutating func position() throws -> Position {
        let x = try coordinate(), y = try coordinate()
        if current.kind == .number { throw CQL2Error("only 2D coordinates are supported (a third number \(current.position))") }
        return Position(x, y)
    }

    /// `x y, x y, …`, in parentheses when `open` (a part of a MULTI…; the keyword's own parenthesis is already read).
    private mutating func line(open: Bool) throws -> [Position] {
        let start = current.position
        if open { try expect("(", after: "to open a line") }
        var positions = [try position()]
        while isSymbol(current, ",") { advance(); positions.append(try position()) }
        if open { try expect(")", after: "to close a line") }
        guard positions.count >= 2 else { throw CQL2Error("a line needs at least 2 positions (\(start))") }
        return positions
    }

    private mutating func rings(open: Bool) throws -> [[Position]] {
        if open { try expect("(", after: "to open a polygon") }
        var rings: [[Position]] = []
        repeat {
            if !rings.isEmpty { advance() }
            let start = current.position
            let ring = try line(open: true)
            guard ring.count >= 4, ring.first == ring.last else {
                throw CQL2Error("a polygon ring needs at least 4 positions, the last equal to the first (\(start))")
            }
            rings.append(ring)
        } while isSymbol(current, ",")
        if open { try expect(")", after: "to close a polygon") }
        return rings
    }
}
