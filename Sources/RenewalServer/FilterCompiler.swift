import Foundation
import GeoFiles
import GeoKernel
import RenewalStore

/// Turns a CQL2 expression into a parameterised WHERE fragment over one layer's table.
///
/// Property names are looked up in the layer's fields from the catalogue and only those names are
/// quoted into the SQL; every literal is a bound argument. Geometry literals are transformed from the
/// filter CRS to the stored EPSG:4490 and tested through the R*Tree, then exactly (`StoreSQL.spatial`).
struct FilterCompiler {
    let layer: String
    /// The layer's attribute fields, from the catalogue.
    let fields: [FieldInfo]
    /// The CRS of geometry literals and whether its EPSG axis order puts northing first; nil for CRS84
    /// (lon/lat, taken as the stored CGCS2000 like `bbox`).
    var filterCRS: (crs: CRS, uri: String, swap: Bool)? = nil
    /// Bound arguments one filter may produce (SQLite allows 32,766 per statement).
    var maximumArguments = 30_000
    /// Longest LIKE pattern after translation (SQLite refuses patterns over 50,000 bytes).
    static let maximumPatternBytes = 50_000

    /// The names the geometry answers to: `geometry` (unless an attribute has that name) and its column name `geom`.
    var geometryNames: Set<String> { fields.contains { $0.name == "geometry" } ? ["geom"] : ["geometry", "geom"] }

    /// What a filter may name, for messages and the queryables document.
    var queryables: [String] { (fields.contains { $0.name == "geometry" } ? ["geom"] : ["geometry"]) + fields.map(\.name) }

    /// The deepest logic a filter may have (see `logicDepth`), checked before any SQL is built. SQLite's
    /// parser overflows its stack on deeper SQL: with SQLite 3.40, filters nested 23 levels answered
    /// 500 in the SQL this compiler used to write, and in the shape it writes now (one pair of
    /// parentheses per level) a spatial test under alternating AND/OR overflows at 25 levels
    /// (NestingLimitTests). 20 keeps a margin of four levels.
    static let maximumLogicDepth = 20
    var maximumLogicDepth = FilterCompiler.maximumLogicDepth

    /// How deeply the SQL written for `expression` nests: one level per NOT, and per AND/OR the levels
    /// of its balanced tree (⌈log₂ n⌉ for n terms) on top of its deepest term.
    static func logicDepth(_ expression: CQL2Expression) -> Int {
        switch expression {
        case .and(let terms), .or(let terms):
            var levels = 0
            while (1 << levels) < terms.count { levels += 1 }
            return levels + (terms.map(logicDepth).max() ?? 0)
        case .not(let inner): return 1 + logicDepth(inner)
        default: return 0
        }
    }

    func compile(_ expression: CQL2Expression) throws -> SQLCondition {
        let depth = Self.logicDepth(expression)
        guard depth <= maximumLogicDepth else {
            throw CQL2Error("the filter's logic nests \(depth) levels deep (each NOT, and AND/OR inside one another, counts a level; a chain of n terms counts log₂ n); at most \(maximumLogicDepth) are accepted")
        }
        var arguments: [SQLValue] = []
        let sql = try emit(expression, &arguments)
        guard arguments.count <= maximumArguments else {
            throw CQL2Error("the filter holds more than \(maximumArguments) values")
        }
        return SQLCondition(sql: sql, arguments: arguments)
    }

    /// SQL for `expression`, appending its arguments in placeholder order. Every piece comes delimited
    /// (in parentheses, or as NOT of a delimited piece) with one pair of parentheses per level, so the
    /// SQL nests no deeper than `logicDepth` says.
    private func emit(_ expression: CQL2Expression, _ arguments: inout [SQLValue]) throws -> String {
        switch expression {
        case .and(let terms): return try balanced(terms.map { try emit($0, &arguments) }, "AND")
        case .or(let terms): return try balanced(terms.map { try emit($0, &arguments) }, "OR")
        case .not(let inner): return "NOT \(try emit(inner, &arguments))"
        default: return "(\(try predicate(expression, &arguments)))"
        }
    }

    /// SQL for a predicate (anything but AND, OR, NOT).
    private func predicate(_ expression: CQL2Expression, _ arguments: inout [SQLValue]) throws -> String {
        switch expression {
        case .and, .or, .not: return try emit(expression, &arguments)
        case .literal(let value):
            arguments.append(.integer(value ? 1 : 0))
            return "? = 1"
        case .comparison(let op, let a, let b):
            let temporal = isTemporal(a) || isTemporal(b)
            let left = try value(a, temporal: temporal, &arguments)
            return "\(left) \(op.rawValue) \(try value(b, temporal: temporal, &arguments))"
        case .like(let a, let pattern):
            guard case .string(let text) = pattern else {
                throw CQL2Error("LIKE needs a pattern string, not \(pattern.described)")
            }
            let left = try value(a, temporal: false, &arguments)
            let glob = Self.glob(fromLike: text)
            guard glob.utf8.count <= Self.maximumPatternBytes else { throw CQL2Error("the LIKE pattern is too long") }
            arguments.append(.text(glob))
            return "\(left) GLOB ?"
        case .between(let a, let low, let high):
            let temporal = [a, low, high].contains(where: isTemporal)
            let subject = try value(a, temporal: temporal, &arguments)
            let lower = try value(low, temporal: temporal, &arguments)
            return "\(subject) BETWEEN \(lower) AND \(try value(high, temporal: temporal, &arguments))"
        case .isIn(let a, let items):
            let temporal = ([a] + items).contains(where: isTemporal)
            let subject = try value(a, temporal: temporal, &arguments)
            return "\(subject) IN (\(try items.map { try value($0, temporal: temporal, &arguments) }.joined(separator: ", ")))"
        case .isNull(let a):
            return "\(try value(a, temporal: false, &arguments)) IS NULL"
        case .spatial(let function, let a, let b):
            let condition = StoreSQL.spatial(relation(function), try operand(a), try operand(b), layer: layer)
            arguments += condition.arguments
            return condition.sql
        }
    }

    /// Delimited `terms` joined by `op` as a balanced tree, one pair of parentheses per level, so a
    /// long chain stays shallow (SQLite refuses expression trees deeper than 1,000).
    private func balanced(_ terms: [String], _ op: String) throws -> String {
        if terms.count == 1 { return terms[0] }
        let middle = terms.count / 2
        return "(\(try balanced(Array(terms[..<middle]), op)) \(op) \(try balanced(Array(terms[middle...]), op)))"
    }

    private func isTemporal(_ s: CQL2Scalar) -> Bool {
        switch s {
        case .date, .timestamp: true
        default: false
        }
    }

    /// The attribute field a property names; the geometry and unknown names are errors that list the queryables.
    func field(_ name: String) throws -> FieldInfo {
        if let f = fields.first(where: { $0.name == name }) { return f }
        if geometryNames.contains(name) {
            throw CQL2Error("the geometry (\(name)) can only be used in spatial functions such as S_INTERSECTS")
        }
        throw CQL2Error("unknown property \"\(name)\" (the queryables of \(layer) are: \(queryables.joined(separator: ", ")))")
    }

    /// SQL for a value; in a temporal comparison a property is read as its start instant.
    private func value(_ s: CQL2Scalar, temporal: Bool, _ arguments: inout [SQLValue]) throws -> String {
        switch s {
        case .property(let name):
            let column = StoreSQL.column(try field(name).name)
            return temporal ? StoreSQL.timeStart(column) : column
        case .string(let text): arguments.append(.text(text))
        case .integer(let i): arguments.append(.integer(i))
        case .number(let d): arguments.append(.real(d))
        case .boolean(let b): arguments.append(.integer(b ? 1 : 0))
        case .date(let text), .timestamp(let text):
            guard let span = TimeInstant.span(text) else { throw CQL2Error("'\(text)' is not a date or date-time") }
            arguments.append(.real(span.start))
        }
        return "?"
    }

    private func relation(_ f: CQL2SpatialFunction) -> SpatialRelation {
        switch f {
        case .intersects: .intersects
        case .within: .within
        case .contains: .contains
        case .equals: .equals
        case .disjoint: .disjoint
        case .touches: .touches
        case .overlaps: .overlaps
        case .crosses: .crosses
        }
    }

    private func operand(_ o: CQL2SpatialOperand) throws -> SpatialOperand {
        switch o {
        case .property(let name):
            guard geometryNames.contains(name) else {
                if fields.contains(where: { $0.name == name }) {
                    throw CQL2Error("\(name) is not a geometry; spatial functions take \(geometryNames.sorted().joined(separator: " or ")) or a geometry literal")
                }
                throw CQL2Error("unknown property \"\(name)\" (the queryables of \(layer) are: \(queryables.joined(separator: ", ")))")
            }
            return .featureGeometry
        case .geometry(let g): return .literal(try stored(g))
        case .bbox(let box):
            guard filterCRS != nil else {
                return .literal(.polygon([[Position(box.minX, box.minY), Position(box.maxX, box.minY), Position(box.maxX, box.maxY),
                                           Position(box.minX, box.maxY), Position(box.minX, box.minY)]]))
            }
            // Corners in the CRS's axis order; the edges are sampled so the transformed outline follows them.
            var ring: [Position] = []
            let corners = [(box.minX, box.minY), (box.maxX, box.minY), (box.maxX, box.maxY), (box.minX, box.maxY), (box.minX, box.minY)]
            for k in 0..<4 {
                for step in 0..<20 {
                    let t = Double(step) / 20
                    ring.append(Position(corners[k].0 + (corners[k + 1].0 - corners[k].0) * t, corners[k].1 + (corners[k + 1].1 - corners[k].1) * t))
                }
            }
            ring.append(ring[0])
            return .literal(try stored(.polygon([ring])))
        }
    }

    /// A geometry literal in the filter CRS (its axis order), transformed to EPSG:4490 lon/lat.
    private func stored(_ geometry: Geometry) throws -> Geometry {
        guard let source = filterCRS else { return geometry }
        var g = geometry
        if source.swap { g.transformPositions { run in for i in run.indices { run[i] = Position(run[i].y, run[i].x) } } }
        do { try Projector(from: source.crs, to: .cgcs2000).transform(&g) } catch {
            throw CQL2Error("a geometry in the filter cannot be read in \(source.uri)")
        }
        var finite = true
        g.forEachPosition { if !$0.x.isFinite || !$0.y.isFinite { finite = false } }
        guard finite else { throw CQL2Error("a geometry in the filter lies outside \(source.uri)") }
        return g
    }

    /// A CQL2 LIKE pattern as a SQLite GLOB pattern, which is case-sensitive like CQL2: `%` → `*`,
    /// `_` → `?`, `\` escapes the next character, and GLOB's own `*`, `?` and `[` are matched literally.
    static func glob(fromLike pattern: String) -> String {
        var out = ""
        var escaped = false
        func literal(_ c: Character) {
            switch c {
            case "*": out += "[*]"
            case "?": out += "[?]"
            case "[": out += "[[]"
            default: out.append(c)
            }
        }
        for c in pattern {
            if escaped { literal(c); escaped = false; continue }
            switch c {
            case "\\": escaped = true
            case "%": out += "*"
            case "_": out += "?"
            default: literal(c)
            }
        }
        if escaped { literal("\\") }
        return out
    }
}
