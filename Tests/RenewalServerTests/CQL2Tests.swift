import Foundation
import GeoFiles
import GeoKernel
@testable import RenewalServer
@testable import RenewalStore
import Testing
import GeoStore
@testable import CQL2

/// The CQL2 text parser, the JSON decoder and the SQL they compile to, without a store.
@Suite struct CQL2Tests {
    let fields = [FieldInfo(name: "name", type: .text), FieldInfo(name: "area", type: .real), FieldInfo(name: "floors", type: .integer),
                  FieldInfo(name: "approved", type: .date), FieldInfo(name: "用途", type: .text)]
    var compiler: FilterCompiler { FilterCompiler(layer: "parcels", fields: fields) }
    /// The SQL SpatiaLite runs for a filter: CQL2 → predicate (FilterCompiler) → SQL (PredicateSQL).
    func sql(_ e: CQL2Expression) throws -> SQLCondition { try PredicateSQL(layer: "parcels").condition(try compiler.compile(e)) }

    func parse(_ text: String) throws -> CQL2Expression { try CQL2TextParser.parse(text) }

    func error(_ text: String, json: Bool = false) -> String? {
        do {
            let e = json ? try CQL2JSONDecoder.parse(text) : try CQL2TextParser.parse(text)
            _ = try compiler.compile(e)
            return nil
        } catch let e as CQL2Error {
            return e.description
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("NOT binds tighter than AND, AND tighter than OR; parentheses group; keywords are case-insensitive")
    func precedence() throws {
        let a = CQL2Expression.comparison(.equal, .property("a"), .integer(1))
        let b = CQL2Expression.comparison(.equal, .property("b"), .integer(2))
        let c = CQL2Expression.comparison(.equal, .property("c"), .integer(3))
        #expect(try parse("a = 1 OR b = 2 AND NOT c = 3") == .or([a, .and([b, .not(c)])]))
        #expect(try parse("(a = 1 or b = 2) and not c = 3") == .and([.or([a, b]), .not(c)]))
        #expect(try parse("NOT NOT a=1") == .not(.not(a)))
        #expect(try parse("a = 1 AND b = 2 AND c = 3") == .and([a, b, c]))
        #expect(try parse("((a = 1))") == a)
    }

    @Test("Literals: strings with '' escapes, integers, decimals, exponents, negatives, booleans, DATE, TIMESTAMP; quoted and Chinese names")
    func literals() throws {
        #expect(try parse("name = 'it''s'") == .comparison(.equal, .property("name"), .string("it's")))
        #expect(try parse("name = ''") == .comparison(.equal, .property("name"), .string("")))
        #expect(try parse("area >= -12.5e2") == .comparison(.greaterOrEqual, .property("area"), .number(-1250)))
        #expect(try parse("floors < 9223372036854775807") == .comparison(.less, .property("floors"), .integer(.max)))
        #expect(try parse("area <> .5") == .comparison(.notEqual, .property("area"), .number(0.5)))
        #expect(try parse("\"select\" = true") == .comparison(.equal, .property("select"), .boolean(true)))
        #expect(try parse("\"a\"\"b\" = 1") == .comparison(.equal, .property("a\"b"), .integer(1)))
        #expect(try parse("用途 = '0701'") == .comparison(.equal, .property("用途"), .string("0701")))
        #expect(try parse("approved > date('2024-01-31')") == .comparison(.greater, .property("approved"), .date("2024-01-31")))
        #expect(try parse("approved < TIMESTAMP('2024-01-31T08:00:00+08:00')") == .comparison(.less, .property("approved"), .timestamp("2024-01-31T08:00:00+08:00")))
        #expect(try parse("false") == .literal(false))
    }

    @Test("LIKE, BETWEEN, IN and IS NULL, each with NOT")
    func advancedComparisons() throws {
        #expect(try parse("name LIKE 'A%'") == .like(.property("name"), pattern: .string("A%")))
        #expect(try parse("name not like 'A%'") == .not(.like(.property("name"), pattern: .string("A%"))))
        #expect(try parse("area BETWEEN 1 AND 2 AND floors = 1") == .and([.between(.property("area"), low: .integer(1), high: .integer(2)),
                                                                         .comparison(.equal, .property("floors"), .integer(1))]))
        #expect(try parse("area NOT BETWEEN 1 AND 2") == .not(.between(.property("area"), low: .integer(1), high: .integer(2))))
        #expect(try parse("floors IN (1, 2,3)") == .isIn(.property("floors"), [.integer(1), .integer(2), .integer(3)]))
        #expect(try parse("name NOT IN ('a')") == .not(.isIn(.property("name"), [.string("a")])))
        #expect(try parse("name IS NULL") == .isNull(.property("name")))
        #expect(try parse("name IS NOT NULL") == .not(.isNull(.property("name"))))
    }

    @Test("Geometry literals: POINT, LINESTRING, POLYGON with a hole, MULTI*, GEOMETRYCOLLECTION, BBOX with 4 or 6 numbers")
    func geometries() throws {
        func operand(_ wkt: String) throws -> CQL2SpatialOperand {
            guard case .spatial(.intersects, .property("geometry"), let g) = try parse("S_INTERSECTS(geometry, \(wkt))") else { throw CQL2Error("not parsed") }
            return g
        }
        #expect(try operand("POINT(1 2)") == .geometry(.point(Position(1, 2))))
        #expect(try operand("linestring(0 0, 1 1)") == .geometry(.lineString([Position(0, 0), Position(1, 1)])))
        let outer = [Position(0, 0), Position(4, 0), Position(4, 4), Position(0, 4), Position(0, 0)]
        let hole = [Position(1, 1), Position(2, 1), Position(2, 2), Position(1, 1)]
        #expect(try operand("POLYGON((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 1))") == .geometry(.polygon([outer, hole])))
        #expect(try operand("MULTIPOINT(1 2, 3 4)") == .geometry(.multiPoint([Position(1, 2), Position(3, 4)])))
        #expect(try operand("MULTIPOINT((1 2), (3 4))") == .geometry(.multiPoint([Position(1, 2), Position(3, 4)])))
        #expect(try operand("MULTILINESTRING((0 0, 1 1), (2 2, 3 3))") == .geometry(.multiLineString([[Position(0, 0), Position(1, 1)], [Position(2, 2), Position(3, 3)]])))
        #expect(try operand("MULTIPOLYGON(((0 0, 4 0, 4 4, 0 4, 0 0)), ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 1)))") == .geometry(.multiPolygon([[outer], [outer, hole]])))
        #expect(try operand("GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1))") == .geometry(.geometryCollection([.point(Position(1, 2)), .lineString([Position(0, 0), Position(1, 1)])])))
        #expect(try operand("BBOX(1, 2, 3, 4)") == .bbox(Envelope(minX: 1, minY: 2, maxX: 3, maxY: 4)))
        #expect(try operand("BBOX(1, 2, 0, 3, 4, 10)") == .bbox(Envelope(minX: 1, minY: 2, maxX: 3, maxY: 4)))
        #expect(try parse("S_WITHIN(POINT(1 2), \"geometry\")") == .spatial(.within, .geometry(.point(Position(1, 2))), .property("geometry")))
    }

    @Test("CQL2 JSON decodes to the same expressions as CQL2 text")
    func jsonMatchesText() throws {
        let pairs: [(String, String)] = [
            ("name = 'a' AND NOT (area > 2 OR floors IS NULL)",
             #"{"op":"and","args":[{"op":"=","args":[{"property":"name"},"a"]},{"op":"not","args":[{"op":"or","args":[{"op":">","args":[{"property":"area"},2]},{"op":"isNull","args":[{"property":"floors"}]}]}]}]}"#),
            ("name LIKE 'x%' OR floors IN (1, 2) OR area BETWEEN 1.5 AND 2",
             #"{"op":"or","args":[{"op":"like","args":[{"property":"name"},"x%"]},{"op":"in","args":[{"property":"floors"},[1,2]]},{"op":"between","args":[{"property":"area"},1.5,2]}]}"#),
            ("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0))) AND S_WITHIN(geometry, BBOX(0, 0, 2, 2))",
             #"{"op":"and","args":[{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}]},{"op":"s_within","args":[{"property":"geometry"},{"bbox":[0,0,2,2]}]}]}"#),
            ("approved >= DATE('2024-01-01') AND approved < TIMESTAMP('2025-01-01T00:00:00Z') AND \"select\" = TRUE",
             #"{"op":"and","args":[{"op":">=","args":[{"property":"approved"},{"date":"2024-01-01"}]},{"op":"<","args":[{"property":"approved"},{"timestamp":"2025-01-01T00:00:00Z"}]},{"op":"=","args":[{"property":"select"},true]}]}"#),
        ]
        for (text, json) in pairs {
            #expect(try CQL2TextParser.parse(text) == CQL2JSONDecoder.parse(json), "\(text)")
        }
    }

    @Test("An injection attempt inside quotes is one string literal, bound as an argument and matched literally")
    func quotedInjection() throws {
        let e = try parse("name = 'a'' OR 1=1 --'")
        #expect(e == .comparison(.equal, .property("name"), .string("a' OR 1=1 --")))
        let compiled = try sql(e)
        #expect(compiled.sql == "(\"name\" = ?)")
        #expect(compiled.arguments == [.text("a' OR 1=1 --")])
        let drop = try sql(parse("name = '); DROP TABLE parcels; --'"))
        #expect(drop.sql == "(\"name\" = ?)")
        #expect(drop.arguments == [.text("); DROP TABLE parcels; --")])
    }

    @Test("Compiled SQL holds only catalogue identifiers, keywords and ? placeholders: every value is an argument")
    func placeholdersOnly() throws {
        let filters = [
            "name = 'Robert''); DROP TABLE parcels;--' OR area > 12.5 AND floors IN (1, 2, 3)",
            "name LIKE '%drop%' AND NOT approved BETWEEN DATE('2024-01-01') AND DATE('2024-12-31')",
            "用途 <> '0701' OR name IS NULL OR TRUE",
            "S_INTERSECTS(geometry, POLYGON((106 29, 107 29, 107 30, 106 29))) AND S_WITHIN(geom, BBOX(106, 29, 107, 30)) OR S_DISJOINT(geometry, POINT(1 2))",
        ]
        for filter in filters {
            let c = try sql(parse(filter))
            #expect(!c.sql.contains("'") && !c.sql.contains(";") && !c.sql.contains("--"), "\(c.sql)")
            #expect(c.sql.filter { $0 == "?" }.count == c.arguments.count, "\(c.sql)")
            for word in ["Robert", "DROP", "drop", "0701", "12.5", "2024", "106", "107"] {
                #expect(!c.sql.contains(word), "\(word) in \(c.sql)")
            }
            // What remains besides identifiers and placeholders is SQL's own vocabulary and SpatiaLite's SRID.
            let identifiers = c.sql.replacingOccurrences(of: "\"[^\"]*\"", with: "", options: .regularExpression)
                .replacingOccurrences(of: "= 1\\b|\\b4490\\b", with: "", options: .regularExpression)
            #expect(identifiers.replacingOccurrences(of: "[A-Za-z_]+|[?()=<>, ]", with: "", options: .regularExpression).isEmpty, "\(identifiers)")
        }
    }

    @Test("LIKE patterns become case-sensitive GLOB patterns with GLOB's own characters escaped")
    func globs() {
        #expect(PredicateSQL.glob(fromLike: "a%b_c") == "a*b?c")
        #expect(PredicateSQL.glob(fromLike: "100\\%") == "100%")
        #expect(PredicateSQL.glob(fromLike: "x\\_y") == "x_y")
        #expect(PredicateSQL.glob(fromLike: "*?[") == "[*][?][[]")
        #expect(PredicateSQL.glob(fromLike: "end\\") == "end\\")
    }

    @Test("Hostile text is refused with an error that says where",
          arguments: [
            ("); DROP TABLE parcels; --", "unexpected character \";\" at character 2"), ("name = 'x'; DROP TABLE parcels", "character 11"), ("name = 'x' -- c", "character 12"),
            ("name = 'x' /* c */", "character 12"), ("name = 'abc", "unterminated string starting at character 8"),
            ("\"name = 1", "unterminated quoted property name"), ("CASEI(name) = 'a'", "unknown function CASEI at character 1"),
            ("name = upper('a')", "unknown function upper at character 8"), ("name == 'a'", "character 7"), ("name != 'a'", "character 6"),
            ("name = 'a' AND", "at the end of the filter"), ("area > 5 5", "character 10"), ("name IS NOT 'a'", "expected NULL"),
            ("area BETWEEN 1 OR 2", "expected AND"), ("name NOT = 'a'", "after NOT"), ("1abc = 1", "malformed number"),
            ("S_INTERSECTS(geometry POINT(1 2))", "expected \",\""), ("S_INTERSECTS(geometry, POINT(1 2 3))", "2D"),
            ("S_INTERSECTS(geometry, BBOX(3, 0, 1, 1))", "lower corner"), ("S_INTERSECTS(geometry, POINT EMPTY)", "EMPTY"),
            ("S_CROSSES(geometry, LINESTRING(1 1))", "at least 2 positions"), ("S_INTERSECTS(geometry, CIRCLE(1 2))", "expected a geometry"),
            ("area = S_INTERSECTS(geometry, POINT(1 2))", "predicate"), ("name", "expected a comparison"), ("", "empty"),
            ("colour = 'red'", "unknown property \"colour\" (the queryables of parcels are: geometry, name, area, floors, approved, 用途)"),
            ("S_INTERSECTS(name, POINT(1 2))", "not a geometry"), ("geometry IS NULL", "only be used in spatial functions"),
            ("area IN (1, 2", "to close the IN list"),
          ])
    func hostileText(_ filter: String, _ expected: String) {
        let message = error(filter)
        #expect(message?.contains(expected) == true, "\(filter) → \(message ?? "accepted")")
    }

    @Test("Deep nesting stops at the limit while parsing (10,000 levels of parentheses, NOT or JSON are errors, not crashes)")
    func depth() {
        let parens = String(repeating: "(", count: 10_000) + "name = 'a'" + String(repeating: ")", count: 10_000)
        #expect(error(parens)?.contains("deeper than 64 levels") == true)
        #expect(error(String(repeating: "NOT ", count: 10_000) + "name = 'a'")?.contains("deeper than 64 levels") == true)
        let collections = "S_INTERSECTS(geometry, " + String(repeating: "GEOMETRYCOLLECTION(", count: 10_000) + "POINT(1 2)" + String(repeating: ")", count: 10_001)
        #expect(error(collections)?.contains("deeper than 64 levels") == true)
        let json = String(repeating: "{\"op\":\"not\",\"args\":[", count: 10_000) + "true" + String(repeating: "]}", count: 10_000)
        #expect(error(json, json: true)?.contains("deeper than 64 levels") == true)
        let arrays = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(error(arrays, json: true)?.contains("deeper than 64 levels") == true)
        // Exactly at the limit is fine.
        #expect(error(String(repeating: "(", count: 64) + "name = 'a'" + String(repeating: ")", count: 64)) == nil)
        #expect(error(String(repeating: "(", count: 65) + "name = 'a'" + String(repeating: ")", count: 65)) != nil)
    }

    @Test("IN lists hold at most 1,000 values")
    func listLimit() {
        #expect(error("floors IN (" + (1...1_000).map(String.init).joined(separator: ", ") + ")") == nil)
        #expect(error("floors IN (" + (1...1_001).map(String.init).joined(separator: ", ") + ")")?.contains("more than 1000 values") == true)
        #expect(error("{\"op\":\"in\",\"args\":[{\"property\":\"floors\"},[" + (1...1_001).map(String.init).joined(separator: ",") + "]]}", json: true)?
            .contains("more than 1000 values") == true)
    }

    @Test("Dates and date-times read into the span they cover (UTC seconds); impossible ones are refused")
    func timeInstants() throws {
        let day = try #require(TimeInstant.span("2024-03-01"))
        #expect(day.start == 1_709_251_200 && day.end == 1_709_251_200 + 86_399.999)
        #expect(TimeInstant.span("2024-03-01T00:00:00Z")?.start == 1_709_251_200)
        #expect(TimeInstant.span("2024-03-01 08:00:00+08")?.start == 1_709_251_200)
        #expect(TimeInstant.span("2024-03-01T08:00:00+0800")?.start == 1_709_251_200)
        #expect(TimeInstant.span("2024-03-01T08:00+08:00")?.start == 1_709_251_200)
        #expect(TimeInstant.span("2024-02-29T23:59:59.5-01:00")?.start == 1_709_251_200 + 3_599.5)
        #expect(TimeInstant.span("1969-12-31")?.start == -86_400)
        for bad in ["2023-02-29", "2024-13-01", "2024-1-01", "2024-01-01T24:00:00Z", "2024-01-01T10:60Z", "2024-01-01Z", "20240101", "2024-01-01T10:00:00.Z", "", "2024-01-01T10:00:00+8"] {
            #expect(TimeInstant.span(bad) == nil, "\(bad)")
        }
    }
}
