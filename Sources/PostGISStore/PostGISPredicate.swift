import Foundation
import GeoKernel
import GeoStore

/// A WHERE fragment over one layer's table with its bound values, in placeholder order. The text holds
/// only identifiers quoted from the catalogue, keywords, function names and `$n` placeholders.
struct PGCondition: Sendable, Hashable {
    var sql: String
    var values: [PGValue]
}

/// Quoting and the SQL pieces every PostGIS statement shares.
enum PGSQL {
    /// The SRID of stored geometry (EPSG:4490).
    static let srid = 4490

    /// An identifier (a layer or column name from the catalogue), double-quoted.
    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The start and end instants of stored date text (`TimeInstant.span` in PL/pgSQL; see `PostGISStore.schemaSQL`).
    static let timeStart = "renewalgis_time_start"
    static let timeEnd = "renewalgis_time_end"
}

/// Compiles a `FeaturePredicate` into a WHERE fragment over one layer's table, with the meaning the
/// SpatiaLite compiler gives it (`RenewalStore/PredicateSQL`), every value bound as `$n`:
/// - three-valued logic: a comparison with NULL is unknown, and so is its NOT;
/// - types as SQLite's affinities treat them: a number compared with a text column is compared as its
///   text; a text compared with a number column is read as a number when it is one, and is otherwise
///   greater than every number; two literals of different kinds compare number < text;
/// - LIKE is case-sensitive, `%` any run, `_` one character, `\` escapes; numbers are matched as text;
/// - spatial relations with `ST_Intersects` & co. on EPSG:4490, narrowed by `&&` on the literal's box;
/// - temporal intervals through `renewalgis_time_start`/`_end`: no date means the feature passes.
/// AND/OR are written as balanced trees, one pair of parentheses per level.
struct PGPredicateCompiler {
    /// The layer's fields by name (types decide how values are compared).
    let fields: [String: FieldType]
    /// Bound values one statement may carry (the protocol allows 65,535).
    static let maximumValues = 60_000

    private var values: [PGValue] = []

    init(fields: [FieldInfo]) {
        self.fields = Dictionary(fields.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
    }

    /// The fragment for all of `predicates` joined by AND, numbering placeholders from `firstPlaceholder`
    /// (nil when there are none); throws `StoreError.unsupportedQuery` past the protocol's limit.
    static func condition(_ predicates: [FeaturePredicate], fields: [FieldInfo], firstPlaceholder: Int = 1) throws -> PGCondition? {
        guard !predicates.isEmpty else { return nil }
        var compiler = PGPredicateCompiler(fields: fields)
        compiler.values.reserveCapacity(16)
        let offset = firstPlaceholder - 1
        let parts = try predicates.map { try compiler.emit($0, offset) }
        guard compiler.values.count <= maximumValues else {
            throw StoreError.unsupportedQuery("the filter holds more than \(maximumValues) values")
        }
        return PGCondition(sql: balanced(parts, "AND"), values: compiler.values)
    }

    private mutating func bind(_ value: PGValue, _ offset: Int) -> String {
        values.append(value)
        return "$\(values.count + offset)"
    }

    private mutating func emit(_ predicate: FeaturePredicate, _ offset: Int) throws -> String {
        switch predicate {
        case .and(let terms): return Self.balanced(try terms.map { try emit($0, offset) }, "AND")
        case .or(let terms): return Self.balanced(try terms.map { try emit($0, offset) }, "OR")
        case .not(let inner): return "NOT \(try emit(inner, offset))"
        default: return "(\(try test(predicate, offset)))"
        }
    }

    /// Delimited `terms` joined by `op` as a balanced tree (an empty AND is TRUE, an empty OR FALSE).
    private static func balanced(_ terms: [String], _ op: String) -> String {
        if terms.isEmpty { return op == "AND" ? "(TRUE)" : "(FALSE)" }
        if terms.count == 1 { return terms[0] }
        let middle = terms.count / 2
        return "(\(balanced(Array(terms[..<middle]), op)) \(op) \(balanced(Array(terms[middle...]), op)))"
    }

    private mutating func test(_ predicate: FeaturePredicate, _ offset: Int) throws -> String {
        switch predicate {
        case .and, .or, .not: return try emit(predicate, offset)
        case .constant(let value): return bind(.boolean(value), offset)
        case .compare(let a, let op, let b): return compare(a, op, b, offset)
        case .between(let a, let low, let high):
            return "\(compare(a, .greaterOrEqual, low, offset)) AND \(compare(a, .lessOrEqual, high, offset))"
        case .isIn(let a, let items):
            guard !items.isEmpty else { return "FALSE" }
            return items.map { "(\(compare(a, .equal, $0, offset)))" }.joined(separator: " OR ")
        case .isNull(let a):
            if case .field(let name) = a { return "\(PGSQL.quote(name)) IS NULL" }
            if case .fieldTimeStart = a { return "\(numeric(a)) IS NULL" }
            return "FALSE"
        case .like(let a, let pattern):
            return "\(asText(a, offset)) LIKE \(bind(.text(Self.likePattern(pattern)), offset))"
        case .spatial(let relation, let a, let b): return spatial(relation, a, b, offset)
        case .temporal(let field, let start, let end):
            let c = "\(PGSQL.quote(field))::text"
            var tests: [String] = []
            if let start { tests.append("\(PGSQL.timeEnd)(\(c)) >= \(bind(.real(start), offset))") }
            if let end { tests.append("\(PGSQL.timeStart)(\(c)) <= \(bind(.real(end), offset))") }
            guard !tests.isEmpty else { return "TRUE" }
            return "\(PGSQL.quote(field)) IS NULL OR \(PGSQL.timeStart)(\(c)) IS NULL OR (\(tests.joined(separator: " AND ")))"
        }
    }

    /// How a side compares: as a number, as text, or (a literal) as itself.
    private enum Kind { case number, text }

    private func kind(_ v: FeatureValue) -> Kind {
        switch v {
        case .field(let name):
            switch fields[name] {
            case .integer?, .real?, .boolean?: return .number
            default: return .text
            }
        case .fieldTimeStart, .integer, .real: return .number
        case .text: return .text
        }
    }

    private func isLiteral(_ v: FeatureValue) -> Bool {
        switch v {
        case .field, .fieldTimeStart: false
        default: true
        }
    }

    /// A number-valued side as SQL (fields and start instants only).
    private func numeric(_ v: FeatureValue) -> String {
        switch v {
        case .field(let name): PGSQL.quote(name)
        case .fieldTimeStart(let name): "\(PGSQL.timeStart)(\(PGSQL.quote(name))::text)"
        default: "NULL"
        }
    }

    /// A number as SQLite writes it as text (`402.0` for a whole real).
    private static func sqliteText(_ v: FeatureValue) -> String? {
        switch v {
        case .integer(let i): return String(i)
        case .real(let d): return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)"
        case .text(let s): return s
        default: return nil
        }
    }

    /// Text SQLite's numeric affinity would read as a number, as that number.
    private static func number(fromText s: String) -> PGValue? {
        let t = s.trimmingCharacters(in: .whitespaces)
        if let i = Int64(t) { return .integer(i) }
        if let d = Double(t), d.isFinite, t.allSatisfy({ "0123456789.eE+-".contains($0) }) { return .real(d) }
        return nil
    }

    /// Any side as text, as SQLite's GLOB sees it.
    private mutating func asText(_ v: FeatureValue, _ offset: Int) -> String {
        switch v {
        case .field(let name):
            let c = PGSQL.quote(name)
            switch fields[name] {
            case .real?: return Self.realAsText(c)
            case .integer?, .boolean?: return "\(c)::text"
            default: return c
            }
        case .fieldTimeStart: return Self.realAsText(numeric(v))
        default: return bind(.text(Self.sqliteText(v) ?? ""), offset)
        }
    }

    /// A double precision expression as SQLite prints a REAL (`402.0`, `402.5`).
    private static func realAsText(_ e: String) -> String {
        "(CASE WHEN \(e) = trunc(\(e)) AND abs(\(e)) < 1e15 THEN trunc(\(e))::bigint::text || '.0' ELSE \(e)::text END)"
    }

    private mutating func literal(_ v: FeatureValue, as kind: Kind, _ offset: Int) -> String {
        switch (v, kind) {
        case (.integer(let i), .number): return bind(.integer(i), offset)
        case (.real(let d), .number): return bind(.real(d), offset)
        case (.text(let s), .number): return bind(Self.number(fromText: s) ?? .null, offset)
        default: return bind(.text(Self.sqliteText(v) ?? ""), offset)
        }
    }

    /// `a op b` with SQLite's comparison rules (see the type's description).
    private mutating func compare(_ a: FeatureValue, _ op: ComparisonOperator, _ b: FeatureValue, _ offset: Int) -> String {
        let (ka, kb) = (kind(a), kind(b))
        switch (isLiteral(a), isLiteral(b)) {
        case (true, true):
            if ka == kb { return "\(literal(a, as: ka, offset)) \(op.rawValue) \(literal(b, as: kb, offset))" }
            // Different kinds of literal: every number is less than every text.
            let less = ka == .number
            let holds: Bool = switch op {
            case .equal: false
            case .notEqual: true
            case .less, .lessOrEqual: less
            case .greater, .greaterOrEqual: !less
            }
            return bind(.boolean(holds), offset)
        case (false, true): return side(a, ka, offset, op, literalSide: b)
        case (true, false): return side(b, kb, offset, Self.flipped(op), literalSide: a)
        case (false, false):
            // Two attributes: numbers with numbers, else both as text.
            if ka == .number && kb == .number { return "\(numeric(a)) \(op.rawValue) \(numeric(b))" }
            return "\(asText(a, offset)) \(op.rawValue) \(asText(b, offset))"
        }
    }

    /// An attribute (or start instant) compared with a literal.
    private mutating func side(_ attribute: FeatureValue, _ kind: Kind, _ offset: Int, _ op: ComparisonOperator, literalSide: FeatureValue) -> String {
        let left = kind == .number ? numeric(attribute) : asText(attribute, offset)
        if kind == .number, case .text(let s) = literalSide, Self.number(fromText: s) == nil {
            // A number against text that is not one: the number is less (unknown when NULL).
            let holds = [.notEqual, .less, .lessOrEqual].contains(op)
            return "CASE WHEN \(left) IS NULL THEN NULL ELSE \(bind(.boolean(holds), offset)) END"
        }
        return "\(left) \(op.rawValue) \(literal(literalSide, as: kind, offset))"
    }

    private static func flipped(_ op: ComparisonOperator) -> ComparisonOperator {
        switch op {
        case .less: .greater
        case .lessOrEqual: .greaterOrEqual
        case .greater: .less
        case .greaterOrEqual: .lessOrEqual
        default: op
        }
    }

    /// `a <relation> b` on EPSG:4490; one side the feature's geometry and the other a literal: the
    /// literal's box first narrows the rows through the GiST index (not for `disjoint`).
    private mutating func spatial(_ relation: SpatialRelation, _ a: SpatialOperand, _ b: SpatialOperand, _ offset: Int) -> String {
        var box: Envelope? = nil
        func operand(_ o: SpatialOperand, _ compiler: inout PGPredicateCompiler) -> String {
            switch o {
            case .featureGeometry: return "geom"
            case .literal(let g):
                if box == nil { box = g.envelope ?? .empty }
                return "ST_GeomFromWKB(\(compiler.bind(.bytes(WKB.encode(g)), offset)), \(PGSQL.srid))"
            }
        }
        let first = operand(a, &self)
        let second = operand(b, &self)
        let exact = "\(relation.simpleFeaturesFunction)(\(first), \(second))"
        let oneFeatureSide = (a == .featureGeometry) != (b == .featureGeometry)
        guard relation != .disjoint, oneFeatureSide, let box else { return exact }
        if box.isEmpty { return "FALSE" }
        return "geom && \(envelope(box, offset)) AND \(exact)"
    }

    /// `ST_MakeEnvelope` of `box` in EPSG:4490, its corners bound.
    mutating func envelope(_ box: Envelope, _ offset: Int) -> String {
        let corners = [box.minX, box.minY, box.maxX, box.maxY].map { bind(.real($0), offset) }
        return "ST_MakeEnvelope(\(corners.joined(separator: ", ")), \(PGSQL.srid))"
    }

    /// A CQL2 LIKE pattern for PostgreSQL's LIKE, whose default escape is also `\` and whose `%` and `_`
    /// mean the same: only a trailing lone `\` (a literal backslash in CQL2, an error in PostgreSQL) changes.
    static func likePattern(_ pattern: String) -> String {
        var escaped = false
        for c in pattern { escaped = c == "\\" ? !escaped : false }
        return escaped ? pattern + "\\" : pattern
    }

    /// The boxes of a query: a feature passes when its geometry intersects one of them (index, then exact).
    static func boxes(_ boxes: [Envelope], firstPlaceholder: Int) -> PGCondition? {
        guard !boxes.isEmpty else { return nil }
        var compiler = PGPredicateCompiler(fields: [])
        let offset = firstPlaceholder - 1
        let tests = boxes.map { box -> String in
            let e = compiler.envelope(box, offset)
            // The envelope is bound twice so each test names its own placeholders.
            let exact = compiler.envelope(box, offset)
            return "(geom && \(e) AND ST_Intersects(geom, \(exact)))"
        }
        return PGCondition(sql: tests.count == 1 ? tests[0] : "(" + tests.joined(separator: " OR ") + ")", values: compiler.values)
    }
}
