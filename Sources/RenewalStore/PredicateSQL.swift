import Foundation
import GeoKernel
import GeoStore
import GRDB

/// A value bound to a `?` placeholder.
enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let i): i.databaseValue
        case .real(let d): d.databaseValue
        case .text(let s): s.databaseValue
        case .blob(let b): b.databaseValue
        }
    }
}

/// A WHERE fragment over one layer's table with its bound arguments, in placeholder order.
/// The text holds only identifiers quoted from the catalogue, SQL keywords, function names and
/// `?` placeholders: no value is ever spliced into it.
struct SQLCondition: Sendable, Hashable {
    var sql: String
    var arguments: [SQLValue]

    init(sql: String, arguments: [SQLValue] = []) { self.sql = sql; self.arguments = arguments }

    /// All of `conditions` (nil when there are none).
    /// Up to `flatChain` conditions are joined as one flat AND chain (SQLite parses it without
    /// nesting); longer lists go in parenthesised chunks of that size, so that the expression tree
    /// SQLite builds (one level per AND of a chain) stays far below its limit of 1,000 levels: a
    /// thousand repeated property filters once answered 500 "Expression tree is too large".
    static let flatChain = 256

    static func all(_ conditions: [SQLCondition]) -> SQLCondition? {
        guard conditions.count > 1 else { return conditions.first }
        guard conditions.count > flatChain else {
            return SQLCondition(sql: conditions.map { "(\($0.sql))" }.joined(separator: " AND "), arguments: conditions.flatMap(\.arguments))
        }
        let chunks = stride(from: 0, to: conditions.count, by: flatChain).map { start in
            all(Array(conditions[start..<min(start + flatChain, conditions.count)]))!
        }
        return all(chunks)
    }

    var statementArguments: StatementArguments { StatementArguments(arguments.map(\.databaseValue)) }
}

/// Building blocks for `SQLCondition`s over a layer's table, so callers never need to know how
/// columns, geometry, the spatial index or stored dates are laid out.
enum StoreSQL {
    /// The R*Tree search of a layer's spatial index: the row ids whose envelope meets a box, with
    /// four placeholders bound by `rtreeArguments`. The one place this SQL is written.
    static func rtreeSearch(layer: String) -> String {
        "SELECT pkid FROM \(SQL.quote("idx_\(layer)_geom")) WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ?"
    }

    /// The arguments of `rtreeSearch` for `box`, in placeholder order.
    static func rtreeArguments(_ box: Envelope) -> [SQLValue] {
        [.real(box.minX), .real(box.maxX), .real(box.minY), .real(box.maxY)]
    }

    /// A column name from the catalogue as a quoted SQL identifier. Only for names read from the store
    /// (`StoreReader.fields(of:)`), never for request text.
    static func column(_ name: String) -> String { SQL.quote(name) }

    /// `a <relation> b`, exactly (SpatiaLite, EPSG:4490). When one side is the feature's geometry and the
    /// other a literal, an R*Tree search over the literal's envelope first narrows the rows (except for
    /// `disjoint`, which no envelope search can narrow).
    static func spatial(_ relation: SpatialRelation, _ a: SpatialOperand, _ b: SpatialOperand, layer: String) -> SQLCondition {
        var arguments: [SQLValue] = []
        var envelope: Envelope? = nil
        func operand(_ o: SpatialOperand) -> String {
            switch o {
            case .featureGeometry: return "geom"
            case .literal(let g):
                arguments.append(.blob(WKB.encode(g)))
                if envelope == nil { envelope = g.envelope ?? .empty }
                return "GeomFromWKB(?, \(SpatialStore.storageSRID))"
            }
        }
        let exact = "\(relation.simpleFeaturesFunction)(\(operand(a)), \(operand(b))) = 1"
        let oneFeatureSide = (a == .featureGeometry) != (b == .featureGeometry)
        guard relation != .disjoint, oneFeatureSide, let box = envelope else { return SQLCondition(sql: exact, arguments: arguments) }
        if box.isEmpty { return SQLCondition(sql: "0") }
        return SQLCondition(sql: "fid IN (\(rtreeSearch(layer: layer))) AND " + exact,
                            arguments: rtreeArguments(box) + arguments)
    }

    /// The start of the time a stored date or date-time value covers, as seconds since 1970 UTC
    /// (NULL when the value is not one): `expression` is SQL such as `column(name)`.
    static func timeStart(_ expression: String) -> String { "\(TimeFunctions.start)(\(expression))" }

    /// The end of the time a stored value covers: the value itself for a date-time, the day's last
    /// millisecond for a date.
    static func timeEnd(_ expression: String) -> String { "\(TimeFunctions.end)(\(expression))" }

    /// Features whose date/date-time `column` meets the closed interval [start, end] (seconds since
    /// 1970 UTC; nil for an open end). Features without a value in the column, or with text that is
    /// not a date, have no temporal information and pass.
    static func temporal(column name: String, start: Double?, end: Double?) -> SQLCondition {
        let c = column(name)
        var tests: [String] = []
        var arguments: [SQLValue] = []
        if let start { tests.append("\(timeEnd(c)) >= ?"); arguments.append(.real(start)) }
        if let end { tests.append("\(timeStart(c)) <= ?"); arguments.append(.real(end)) }
        guard !tests.isEmpty else { return SQLCondition(sql: "1") }
        return SQLCondition(sql: "\(c) IS NULL OR \(timeStart(c)) IS NULL OR (\(tests.joined(separator: " AND ")))", arguments: arguments)
    }
}

/// The SQL functions behind `StoreSQL.timeStart`/`timeEnd`: `TimeInstant.span` of stored text.
enum TimeFunctions {
    static let start = "renewalgis_time_start"
    static let end = "renewalgis_time_end"

    /// Adds both functions to a reading connection.
    static func register(in db: Database) {
        for (name, isEnd) in [(start, false), (end, true)] {
            db.add(function: DatabaseFunction(name, argumentCount: 1, pure: true) { values in
                guard case .string(let text) = values[0].storage, let span = TimeInstant.span(text) else { return nil }
                return isEnd ? span.end : span.start
            })
        }
    }
}

/// Compiles a `FeaturePredicate` into a WHERE fragment over one layer's table: identifiers quoted
/// from the predicate's field names (which the caller took from the catalogue), every value bound.
///
/// Every piece comes delimited (in parentheses, or as NOT of a delimited piece) with one pair of
/// parentheses per level, AND/OR written as balanced trees, so the SQL nests no deeper than
/// `FeaturePredicate.logicDepth` says: SQLite's parser overflows its stack on deep nesting, and
/// refuses expression trees deeper than 1,000, which a flat chain of many terms would build.
struct PredicateSQL {
    let layer: String
    /// Bound arguments one predicate may produce (SQLite allows 32,766 per statement).
    static let maximumArguments = 30_000
    /// Longest LIKE pattern after translation to GLOB (SQLite refuses patterns over 50,000 bytes).
    static let maximumPatternBytes = 50_000

    /// The fragment for `predicate`; throws `StoreError.unsupportedQuery` past SQLite's limits.
    func condition(_ predicate: FeaturePredicate) throws -> SQLCondition {
        var arguments: [SQLValue] = []
        let sql = try emit(predicate, &arguments)
        guard arguments.count <= Self.maximumArguments else {
            throw StoreError.unsupportedQuery("the filter holds more than \(Self.maximumArguments) values")
        }
        return SQLCondition(sql: sql, arguments: arguments)
    }

    /// All of `predicates`, each delimited, joined by AND (nil when there are none).
    func condition(all predicates: [FeaturePredicate]) throws -> SQLCondition? {
        SQLCondition.all(try predicates.map { try condition($0) })
    }

    private func emit(_ predicate: FeaturePredicate, _ arguments: inout [SQLValue]) throws -> String {
        switch predicate {
        case .and(let terms): return try balanced(terms.map { try emit($0, &arguments) }, "AND")
        case .or(let terms): return try balanced(terms.map { try emit($0, &arguments) }, "OR")
        case .not(let inner): return "NOT \(try emit(inner, &arguments))"
        default: return "(\(try test(predicate, &arguments)))"
        }
    }

    /// SQL for anything but AND, OR and NOT.
    private func test(_ predicate: FeaturePredicate, _ arguments: inout [SQLValue]) throws -> String {
        switch predicate {
        case .and, .or, .not: return try emit(predicate, &arguments)
        case .constant(let value):
            arguments.append(.integer(value ? 1 : 0))
            return "? = 1"
        case .compare(let a, let op, let b):
            let left = value(a, &arguments)
            return "\(left) \(op.rawValue) \(value(b, &arguments))"
        case .like(let a, let pattern):
            let left = value(a, &arguments)
            let glob = Self.glob(fromLike: pattern)
            guard glob.utf8.count <= Self.maximumPatternBytes else { throw StoreError.unsupportedQuery("the LIKE pattern is too long") }
            arguments.append(.text(glob))
            return "\(left) GLOB ?"
        case .between(let a, let low, let high):
            let subject = value(a, &arguments)
            let lower = value(low, &arguments)
            return "\(subject) BETWEEN \(lower) AND \(value(high, &arguments))"
        case .isIn(let a, let items):
            let subject = value(a, &arguments)
            return "\(subject) IN (\(items.map { value($0, &arguments) }.joined(separator: ", ")))"
        case .isNull(let a):
            return "\(value(a, &arguments)) IS NULL"
        case .spatial(let relation, let a, let b):
            let condition = StoreSQL.spatial(relation, a, b, layer: layer)
            arguments += condition.arguments
            return condition.sql
        case .temporal(let field, let start, let end):
            let condition = StoreSQL.temporal(column: field, start: start, end: end)
            arguments += condition.arguments
            return condition.sql
        }
    }

    /// Delimited `terms` joined by `op` as a balanced tree, one pair of parentheses per level.
    private func balanced(_ terms: [String], _ op: String) throws -> String {
        if terms.count == 1 { return terms[0] }
        let middle = terms.count / 2
        return "(\(try balanced(Array(terms[..<middle]), op)) \(op) \(try balanced(Array(terms[middle...]), op)))"
    }

    private func value(_ v: FeatureValue, _ arguments: inout [SQLValue]) -> String {
        switch v {
        case .field(let name): return StoreSQL.column(name)
        case .fieldTimeStart(let name): return StoreSQL.timeStart(StoreSQL.column(name))
        case .text(let text): arguments.append(.text(text))
        case .integer(let i): arguments.append(.integer(i))
        case .real(let d): arguments.append(.real(d))
        }
        return "?"
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
