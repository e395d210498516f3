import Foundation
import GeoKernel
import GRDB

/// What `StoreReader.features(of:query:)` reads: which features (a box, a parameterised condition),
/// in which order, which attribute columns, and which page.
public struct FeatureQuery: Sendable {
    /// Only features whose geometry intersects one of these boxes (EPSG:4490): an R*Tree search, then an
    /// exact test, per box. Empty: no box test. (A box across the antimeridian comes as two boxes.)
    public var boxes: [Envelope]
    /// The one box of `boxes` (setting it replaces them).
    public var bbox: Envelope? {
        get { boxes.first }
        set { boxes = newValue.map { [$0] } ?? [] }
    }
    /// Only features for which this condition holds (ANDed with `bbox`). Build it from `StoreSQL`
    /// pieces: identifiers quoted from the catalogue, every value a bound argument.
    public var condition: SQLCondition?
    /// Sort keys, most significant first; the row id always follows as a tie-breaker, so pages
    /// never skip or repeat features.
    public var sortBy: [SortKey]
    /// Attribute columns to read, in this order; nil reads every column.
    public var columns: [String]?
    /// Features per page.
    public var limit: Int
    /// Matching features to skip, in sort order.
    public var offset: Int

    public init(bbox: Envelope? = nil, boxes: [Envelope] = [], condition: SQLCondition? = nil, sortBy: [SortKey] = [], columns: [String]? = nil,
                limit: Int, offset: Int = 0) {
        self.boxes = (bbox.map { [$0] } ?? []) + boxes; self.condition = condition; self.sortBy = sortBy; self.columns = columns
        self.limit = limit; self.offset = offset
    }
}

/// One key of an ORDER BY: an attribute column of the layer, ascending unless `descending`.
public struct SortKey: Sendable, Hashable {
    public var field: String
    public var descending: Bool
    public init(field: String, descending: Bool = false) { self.field = field; self.descending = descending }
}

/// A value bound to a `?` placeholder.
public enum SQLValue: Sendable, Hashable {
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
public struct SQLCondition: Sendable, Hashable {
    public var sql: String
    public var arguments: [SQLValue]

    public init(sql: String, arguments: [SQLValue] = []) { self.sql = sql; self.arguments = arguments }

    /// All of `conditions` (nil when there are none).
    public static func all(_ conditions: [SQLCondition]) -> SQLCondition? {
        guard conditions.count > 1 else { return conditions.first }
        return SQLCondition(sql: conditions.map { "(\($0.sql))" }.joined(separator: " AND "), arguments: conditions.flatMap(\.arguments))
    }

    var statementArguments: StatementArguments { StatementArguments(arguments.map(\.databaseValue)) }
}

/// Spatial relations between a layer's geometry and another geometry (OGC Simple Features / DE-9IM).
public enum SpatialRelation: String, Sendable, CaseIterable {
    case intersects, within, contains, equals, touches, overlaps, crosses, disjoint

    /// The SpatiaLite function testing it.
    var function: String {
        switch self {
        case .intersects: "ST_Intersects"
        case .within: "ST_Within"
        case .contains: "ST_Contains"
        case .equals: "ST_Equals"
        case .touches: "ST_Touches"
        case .overlaps: "ST_Overlaps"
        case .crosses: "ST_Crosses"
        case .disjoint: "ST_Disjoint"
        }
    }
}

/// One side of a spatial relation: the feature's stored geometry, or a geometry given in EPSG:4490.
public enum SpatialOperand: Sendable, Hashable {
    case featureGeometry
    case literal(Geometry)
}

/// Building blocks for `SQLCondition`s over a layer's table, so callers never need to know how
/// columns, geometry, the spatial index or stored dates are laid out.
public enum StoreSQL {
    /// A column name from the catalogue as a quoted SQL identifier. Only for names read from the store
    /// (`StoreReader.fields(of:)`), never for request text.
    public static func column(_ name: String) -> String { SQL.quote(name) }

    /// `a <relation> b`, exactly (SpatiaLite, EPSG:4490). When one side is the feature's geometry and the
    /// other a literal, an R*Tree search over the literal's envelope first narrows the rows (except for
    /// `disjoint`, which no envelope search can narrow).
    public static func spatial(_ relation: SpatialRelation, _ a: SpatialOperand, _ b: SpatialOperand, layer: String) -> SQLCondition {
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
        let exact = "\(relation.function)(\(operand(a)), \(operand(b))) = 1"
        let oneFeatureSide = (a == .featureGeometry) != (b == .featureGeometry)
        guard relation != .disjoint, oneFeatureSide, let box = envelope else { return SQLCondition(sql: exact, arguments: arguments) }
        if box.isEmpty { return SQLCondition(sql: "0") }
        return SQLCondition(
            sql: "fid IN (SELECT pkid FROM \(SQL.quote("idx_\(layer)_geom")) WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ?) AND " + exact,
            arguments: [.real(box.minX), .real(box.maxX), .real(box.minY), .real(box.maxY)] + arguments)
    }

    /// The start of the time a stored date or date-time value covers, as seconds since 1970 UTC
    /// (NULL when the value is not one): `expression` is SQL such as `column(name)`.
    public static func timeStart(_ expression: String) -> String { "\(TimeInstant.startFunction)(\(expression))" }

    /// The end of the time a stored value covers: the value itself for a date-time, the day's last
    /// millisecond for a date.
    public static func timeEnd(_ expression: String) -> String { "\(TimeInstant.endFunction)(\(expression))" }

    /// Features whose date/date-time `column` meets the closed interval [start, end] (seconds since
    /// 1970 UTC; nil for an open end). Features without a value in the column, or with text that is
    /// not a date, have no temporal information and pass.
    public static func temporal(column name: String, start: Double?, end: Double?) -> SQLCondition {
        let c = column(name)
        var tests: [String] = []
        var arguments: [SQLValue] = []
        if let start { tests.append("\(timeEnd(c)) >= ?"); arguments.append(.real(start)) }
        if let end { tests.append("\(timeStart(c)) <= ?"); arguments.append(.real(end)) }
        guard !tests.isEmpty else { return SQLCondition(sql: "1") }
        return SQLCondition(sql: "\(c) IS NULL OR \(timeStart(c)) IS NULL OR (\(tests.joined(separator: " AND ")))", arguments: arguments)
    }
}

/// Dates and date-times as stored (`2024-03-01`, `2024-03-01 10:00:00+08`, `2024-03-01T10:00:00Z`)
/// and as RFC 3339 request values, read into the span of time they cover.
public enum TimeInstant {
    static let startFunction = "renewalgis_time_start"
    static let endFunction = "renewalgis_time_end"

    /// The span `text` covers, in seconds since 1970-01-01T00:00:00Z: a date covers its whole UTC day
    /// (to its last millisecond), a date-time the one instant. Accepts `YYYY-MM-DD`, optionally followed by
    /// `T` (or `t` or a space) `hh:mm[:ss[.fff]]` and a zone `Z`, `±hh`, `±hhmm` or `±hh:mm` (none: UTC).
    /// nil for anything else or an impossible date.
    public static func span(_ text: String) -> (start: Double, end: Double)? {
        let bytes = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= bytes.count else { return nil }
            var n = 0
            for k in i..<(i + digits) {
                guard bytes[k] >= 48, bytes[k] <= 57 else { return nil }
                n = n * 10 + Int(bytes[k] - 48)
            }
            i += digits
            return n
        }
        func take(_ c: Character) -> Bool {
            guard i < bytes.count, bytes[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        guard let year = number(4), take("-"), let month = number(2), take("-"), let day = number(2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        let midnight = Double(daysSince1970(year: year, month: month, day: day)) * 86400
        if i == bytes.count { return (midnight, midnight + 86399.999) }
        guard take("T") || take("t") || take(" "), let hour = number(2), hour < 24, take(":"), let minute = number(2), minute < 60 else { return nil }
        var seconds = Double(hour * 3600 + minute * 60)
        if take(":") {
            guard let s = number(2), s <= 60 else { return nil }
            seconds += Double(s)
            if take(".") {
                var scale = 0.1, digits = 0
                while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                    seconds += Double(bytes[i] - 48) * scale
                    scale /= 10; i += 1; digits += 1
                }
                guard digits > 0 else { return nil }
            }
        }
        var offset = 0.0
        if take("Z") || take("z") {
        } else if i < bytes.count, bytes[i] == 43 || bytes[i] == 45 {
            let sign = bytes[i] == 45 ? -1.0 : 1.0
            i += 1
            guard let h = number(2), h < 24 else { return nil }
            var m = 0
            if i < bytes.count {
                _ = take(":")
                guard let mm = number(2), mm < 60 else { return nil }
                m = mm
            }
            offset = sign * Double(h * 3600 + m * 60)
        }
        guard i == bytes.count else { return nil }
        let instant = midnight + seconds - offset
        return (instant, instant)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the given day of the proleptic Gregorian calendar.
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        // Count years from March, so the leap day ends the year; 400-year eras repeat exactly.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The SQL functions behind `StoreSQL.timeStart`/`timeEnd`, added to every reading connection.
    static func register(in db: Database) {
        for (name, end) in [(startFunction, false), (endFunction, true)] {
            db.add(function: DatabaseFunction(name, argumentCount: 1, pure: true) { values in
                guard case .string(let text) = values[0].storage, let span = TimeInstant.span(text) else { return nil }
                return end ? span.end : span.start
            })
        }
    }
}
