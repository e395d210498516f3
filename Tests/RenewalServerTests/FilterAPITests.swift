import Foundation
import GeoFiles
import GeoKernel
import RenewalRunner
import GeoStore
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import RenewalServer
import RenewalStore
import Testing
import TestSupport

/// The twelve plots of `PlotsFixture` imported into a SpatiaLite store, layer `plots`.
func filterStore(_ dir: TemporaryDirectory) throws -> any FeatureReading {
    try PlotsFixture.geoJSON().write(toFile: dir.path("plots.geojson"), atomically: true, encoding: .utf8)
    return try servedStore(dir, "f.sqlite", importing: [("plots.geojson", "plots", ImportOptions())])
}

/// Percent-encodes everything but ASCII letters and digits.
func encoded(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))!
}

/// GET `uri`: the status, the JSON body, and the ids of the features in it.
func fetch(_ client: some TestClientProtocol, _ uri: String) async throws -> (status: HTTPResponse.Status, body: [String: Any], ids: [String]) {
    try await client.execute(uri: uri, method: .get) { r in
        let body = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:]
        let ids = (body["features"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        return (r.status, body, ids)
    }
}

/// The ids a filter selects (every page of 100), checking the answer is 200.
func filtered(_ client: some TestClientProtocol, _ filter: String, lang: String = "cql2-text", extra: String = "") async throws -> Set<String> {
    let r = try await fetch(client, "/collections/plots/items?filter=\(encoded(filter))&filter-lang=\(lang)\(extra)")
    #expect(r.status == .ok, "\(filter): \(r.body["description"] ?? "")")
    #expect(r.body["numberMatched"] as? Int == r.ids.count, "\(filter)")
    return Set(r.ids)
}

func ids(_ numbers: Int...) -> Set<String> { Set(numbers.map { "P\($0)" }) }

@Suite struct FilterAPITests {
    /// Each operator in CQL2 text and CQL2 JSON, with the parcels it must select.
    static let operatorCases: [(text: String, json: String, expected: Set<String>)] = [
        ("parcel_id = 'P3'", #"{"op":"=","args":[{"property":"parcel_id"},"P3"]}"#, ids(3)),
        ("use <> '0701'", #"{"op":"<>","args":[{"property":"use"},"0701"]}"#, ids(2, 3, 5, 6, 8, 9, 11, 12)),
        ("area < 301.5", #"{"op":"<","args":[{"property":"area"},301.5]}"#, ids(1, 2)),
        ("area <= 301.5", #"{"op":"<=","args":[{"property":"area"},301.5]}"#, ids(1, 2, 3)),
        ("floors > 2", #"{"op":">","args":[{"property":"floors"},2]}"#, ids(5, 9, 10)),
        ("floors >= 2", #"{"op":">=","args":[{"property":"floors"},2]}"#, ids(3, 5, 9, 10)),
        ("floors = 0 AND use = '0701'", #"{"op":"and","args":[{"op":"=","args":[{"property":"floors"},0]},{"op":"=","args":[{"property":"use"},"0701"]}]}"#, ids(1)),
        ("parcel_id = 'P1' OR parcel_id = 'P12'", #"{"op":"or","args":[{"op":"=","args":[{"property":"parcel_id"},"P1"]},{"op":"=","args":[{"property":"parcel_id"},"P12"]}]}"#, ids(1, 12)),
        ("NOT area > 201", #"{"op":"not","args":[{"op":">","args":[{"property":"area"},201]}]}"#, ids(1, 2)),
        ("name LIKE '北街%'", #"{"op":"like","args":[{"property":"name"},"北街%"]}"#, ids(1, 7, 10)),
        ("name LIKE 'Lot _'", #"{"op":"like","args":[{"property":"name"},"Lot _"]}"#, []),
        ("name LIKE 'Lot __'", #"{"op":"like","args":[{"property":"name"},"Lot __"]}"#, ids(11, 12)),
        ("name LIKE 'park%'", #"{"op":"like","args":[{"property":"name"},"park%"]}"#, ids(4)),
        ("name LIKE 'Park\\_%'", #"{"op":"like","args":[{"property":"name"},"Park\\_%"]}"#, ids(3)),
        ("name LIKE '%\\%%'", #"{"op":"like","args":[{"property":"name"},"%\\%%"]}"#, ids(5)),
        ("name LIKE 'Lot*%' OR name LIKE 'Lot[%'", #"{"op":"or","args":[{"op":"like","args":[{"property":"name"},"Lot*%"]},{"op":"like","args":[{"property":"name"},"Lot[%"]}]}"#, ids(6, 8)),
        ("name NOT LIKE 'Lot%'", #"{"op":"not","args":[{"op":"like","args":[{"property":"name"},"Lot%"]}]}"#, ids(1, 2, 3, 4, 5, 7, 9, 10)),
        ("parcel_id IN ('P2', 'P4', 'P99')", #"{"op":"in","args":[{"property":"parcel_id"},["P2","P4","P99"]]}"#, ids(2, 4)),
        ("floors NOT IN (0, 1)", #"{"op":"not","args":[{"op":"in","args":[{"property":"floors"},[0,1]]}]}"#, ids(3, 5, 9, 10)),
        ("area BETWEEN 200 AND 402", #"{"op":"between","args":[{"property":"area"},200,402]}"#, ids(2, 3, 4)),
        ("area NOT BETWEEN 200 AND 1100", #"{"op":"not","args":[{"op":"between","args":[{"property":"area"},200,1100]}]}"#, ids(1, 11, 12)),
        ("floors IS NULL", #"{"op":"isNull","args":[{"property":"floors"}]}"#, ids(4, 8, 12)),
        ("approved IS NOT NULL AND floors IS NOT NULL", #"{"op":"and","args":[{"op":"not","args":[{"op":"isNull","args":[{"property":"approved"}]}]},{"op":"not","args":[{"op":"isNull","args":[{"property":"floors"}]}]}]}"#, ids(2, 3, 6, 7, 10, 11)),
        ("name = 'O''Brien'", #"{"op":"=","args":[{"property":"name"},"O'Brien"]}"#, ids(2)),
        ("\"use\" = '0801' and \"floors\" <> 3", #"{"op":"and","args":[{"op":"=","args":[{"property":"use"},"0801"]},{"op":"<>","args":[{"property":"floors"},3]}]}"#, ids(3, 6)),
        ("approved > DATE('2024-10-01')", #"{"op":">","args":[{"property":"approved"},{"date":"2024-10-01"}]}"#, ids(10, 11, 12)),
        ("approved < TIMESTAMP('2024-03-01T00:00:00Z')", #"{"op":"<","args":[{"property":"approved"},{"timestamp":"2024-03-01T00:00:00Z"}]}"#, ids(2)),
        ("TRUE", "true", Set((1...12).map { "P\($0)" })),
        ("FALSE OR parcel_id = 'P5'", #"{"op":"or","args":[false,{"op":"=","args":[{"property":"parcel_id"},"P5"]}]}"#, ids(5)),
        ("(parcel_id = 'P1' OR parcel_id = 'P2') AND NOT (area > 150)", #"{"op":"and","args":[{"op":"or","args":[{"op":"=","args":[{"property":"parcel_id"},"P1"]},{"op":"=","args":[{"property":"parcel_id"},"P2"]}]},{"op":"not","args":[{"op":">","args":[{"property":"area"},150]}]}]}"#, ids(1)),
        // Spatial: the grid's columns start at 106.570, .571, .572, .573; rows at 29.550, .551, .552.
        ("S_INTERSECTS(geometry, POINT(106.5714 29.5514))", #"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[106.5714,29.5514]}]}"#, ids(6)),
        ("S_INTERSECTS(geometry, BBOX(106.5712, 29.5502, 106.5725, 29.5515))", #"{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[106.5712,29.5502,106.5725,29.5515]}]}"#, ids(2, 3, 6, 7)),
        ("s_intersects(geom, LINESTRING(106.5704 29.5504, 106.5734 29.5504))", #"{"op":"s_intersects","args":[{"property":"geom"},{"type":"LineString","coordinates":[[106.5704,29.5504],[106.5734,29.5504]]}]}"#, ids(1, 2, 3, 4)),
        ("S_INTERSECTS(geometry, MULTIPOINT((106.5704 29.5504), (106.5734 29.5524)))", #"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"MultiPoint","coordinates":[[106.5704,29.5504],[106.5734,29.5524]]}]}"#, ids(1, 12)),
        ("S_INTERSECTS(geometry, POLYGON((106.5705 29.5505, 106.5715 29.5505, 106.5715 29.5515, 106.5705 29.5515, 106.5705 29.5505)))",
         #"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[106.5705,29.5505],[106.5715,29.5505],[106.5715,29.5515],[106.5705,29.5515],[106.5705,29.5505]]]}]}"#, ids(1, 2, 5, 6)),
        ("S_WITHIN(geometry, POLYGON((106.5699 29.5499, 106.5719 29.5499, 106.5719 29.5519, 106.5699 29.5519, 106.5699 29.5499)))",
         #"{"op":"s_within","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[106.5699,29.5499],[106.5719,29.5499],[106.5719,29.5519],[106.5699,29.5519],[106.5699,29.5499]]]}]}"#, ids(1, 2, 5, 6)),
        ("S_WITHIN(geometry, BBOX(106.5699, 29.5499, 106.5719, 29.5509))", #"{"op":"s_within","args":[{"property":"geometry"},{"bbox":[106.5699,29.5499,106.5719,29.5509]}]}"#, ids(1, 2)),
        ("S_WITHIN(POINT(106.5714 29.5514), geometry)", #"{"op":"s_within","args":[{"type":"Point","coordinates":[106.5714,29.5514]},{"property":"geometry"}]}"#, ids(6)),
        ("S_CONTAINS(geometry, POINT(106.5724 29.5524))", #"{"op":"s_contains","args":[{"property":"geometry"},{"type":"Point","coordinates":[106.5724,29.5524]}]}"#, ids(11)),
        ("S_DISJOINT(geometry, BBOX(106.5699, 29.5499, 106.5739, 29.5519)) AND use = '0701'",
         #"{"op":"and","args":[{"op":"s_disjoint","args":[{"property":"geometry"},{"bbox":[106.5699,29.5499,106.5739,29.5519]}]},{"op":"=","args":[{"property":"use"},"0701"]}]}"#, ids(10)),
        ("S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(106.5704 29.5504), POINT(106.5734 29.5524))) AND area > 200",
         #"{"op":"and","args":[{"op":"s_intersects","args":[{"property":"geometry"},{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[106.5704,29.5504]},{"type":"Point","coordinates":[106.5734,29.5524]}]}]},{"op":">","args":[{"property":"area"},200]}]}"#, ids(12)),
        // The other spatial functions, on P1 (106.5700–106.5708 × 29.5500–29.5508).
        ("S_TOUCHES(geometry, POINT(\(106.57 + 0.0008) 29.5504))", "{\"op\":\"s_touches\",\"args\":[{\"property\":\"geometry\"},{\"type\":\"Point\",\"coordinates\":[\(106.57 + 0.0008),29.5504]}]}", ids(1)),
        ("S_OVERLAPS(geometry, BBOX(106.5704, 29.5502, 106.5709, 29.5506))", #"{"op":"s_overlaps","args":[{"property":"geometry"},{"bbox":[106.5704,29.5502,106.5709,29.5506]}]}"#, ids(1)),
        ("S_CROSSES(geometry, LINESTRING(106.5704 29.5504, 106.5714 29.5504))", #"{"op":"s_crosses","args":[{"property":"geometry"},{"type":"LineString","coordinates":[[106.5704,29.5504],[106.5714,29.5504]]}]}"#, ids(1, 2)),
        ("S_EQUALS(geometry, POLYGON((106.57 29.55, \(106.57 + 0.0008) 29.55, \(106.57 + 0.0008) \(29.55 + 0.0008), 106.57 \(29.55 + 0.0008), 106.57 29.55)))",
         #"{"op":"s_equals","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[106.57,29.55],["# + "\(106.57 + 0.0008),29.55],[\(106.57 + 0.0008),\(29.55 + 0.0008)],[106.57,\(29.55 + 0.0008)],[106.57,29.55]]]}]}", ids(1)),
    ]

    @Test("Each operator selects the expected parcels, the same in CQL2 text and CQL2 JSON")
    func operators() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        try await app(reader).test(.router) { client in
            for c in Self.operatorCases {
                let text = try await filtered(client, c.text)
                let json = try await filtered(client, c.json, lang: "cql2-json")
                #expect(text == c.expected, "\(c.text)")
                #expect(json == c.expected, "\(c.json)")
            }
        }
    }

    @Test("filter-crs: literals in web Mercator, and in EPSG:4326 lat/lon order, select what CRS84 does")
    func filterCRS() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        let mercator = try Projector(from: .cgcs2000, to: .webMercator)
        let lo = try mercator.transform(Position(106.5712, 29.5502)), hi = try mercator.transform(Position(106.5725, 29.5515))
        let p = try mercator.transform(Position(106.5714, 29.5514))
        let epsg = "http://www.opengis.net/def/crs/EPSG/0/"
        try await app(reader).test(.router) { client in
            let reference = try await filtered(client, "S_INTERSECTS(geometry, BBOX(106.5712, 29.5502, 106.5725, 29.5515))")
            #expect(reference == ids(2, 3, 6, 7))
            let viaMercator = try await filtered(client, "S_INTERSECTS(geometry, BBOX(\(lo.x), \(lo.y), \(hi.x), \(hi.y)))", extra: "&filter-crs=\(encoded(epsg + "3857"))")
            #expect(viaMercator == reference)
            let point = try await filtered(client, "S_INTERSECTS(geometry, POINT(\(p.x) \(p.y)))", extra: "&filter-crs=\(encoded(epsg + "3857"))")
            #expect(point == ids(6))
            let latLon = try await filtered(client, "S_INTERSECTS(geometry, BBOX(29.5502, 106.5712, 29.5515, 106.5725))", extra: "&filter-crs=\(encoded(epsg + "4326"))")
            #expect(latLon == reference)
            let json = try await filtered(client, #"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[29.5514,106.5714]}]}"#,
                                          lang: "cql2-json", extra: "&filter-crs=\(encoded(epsg + "4326"))")
            #expect(json == ids(6))
            let crs84 = try await filtered(client, "S_INTERSECTS(geometry, POINT(106.5714 29.5514))", extra: "&filter-crs=\(encoded("http://www.opengis.net/def/crs/OGC/1.3/CRS84"))")
            #expect(crs84 == ids(6))
            for bad in ["&filter-crs=EPSG:2000", "&filter-crs=nonsense"] {
                let r = try await fetch(client, "/collections/plots/items?filter=\(encoded("S_INTERSECTS(geometry, POINT(1 2))"))\(bad)")
                #expect(r.status == .badRequest, "\(bad)")
            }
            let alone = try await fetch(client, "/collections/plots/items?filter-crs=\(encoded(epsg + "3857"))")
            #expect(alone.status == .badRequest)
        }
    }

    @Test("datetime: instants, intervals and open ends on the layer's date field; undated features always match; malformed is 400")
    func datetime() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        let undated = ids(1, 5, 9)
        try await app(reader).test(.router) { client in
            let cases: [(String, Set<String>)] = [
                ("2024-03-15", ids(3)),
                ("2024-03-15T12:00:00Z", ids(3)),
                ("2024-03-15T00:00:00+08:00", []),
                ("2024-03-16T00:00:00Z", []),
                ("2024-01-01/2024-04-15", ids(2, 3, 4)),
                ("2024-01-01T00:00:00Z/2024-04-14T23:59:59Z", ids(2, 3)),
                ("../2024-02-15", ids(2)),
                ("2024-11-15/..", ids(11, 12)),
                ("/2024-02-15", ids(2)),
                ("2024-11-16T00:00:00Z/", ids(12)),
            ]
            for (value, expected) in cases {
                let r = try await fetch(client, "/collections/plots/items?datetime=\(encoded(value))")
                #expect(r.status == .ok, "\(value): \(r.body["description"] ?? "")")
                #expect(Set(r.ids) == expected.union(undated), "\(value)")
            }
            for bad in ["2024-13-01", "2024-02-30", "yesterday", "2024-01-01/2023-01-01", "../..", "2024-01-01/2024-02-01/2024-03-01", "2024-01-01T25:00:00Z", ""] {
                let r = try await fetch(client, "/collections/plots/items?datetime=\(encoded(bad))")
                #expect(r.status == .badRequest, "\(bad)")
                #expect(r.body["code"] as? String == "InvalidParameterValue")
            }
            // With a filter and paging parameters too.
            let both = try await fetch(client, "/collections/plots/items?datetime=2024-06-01/..&filter=\(encoded("use = '0701'"))")
            #expect(Set(both.ids) == ids(1, 7, 10))
        }
    }

    @Test("datetime on date-times with zones, and on a text field named like a date (values that are not dates match)")
    func datetimeFieldKinds() async throws {
        let dir = try TemporaryDirectory()
        let rows = [("A", "2024-03-01T10:00:00+08:00", "2024-03-01"), ("B", "2024-03-01T12:00:00Z", "not surveyed"), ("C", "2024-05-01T00:00:00Z", "2024-06-01")]
        let features = rows.enumerated().map { i, r in
            "{\"type\":\"Feature\",\"properties\":{\"code\":\"\(r.0)\",\"updated\":\"\(r.1)\",\"survey_date\":\"\(r.2)\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[\(106.57 + Double(i) * 0.001),29.55]}}"
        }
        try "{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}".write(toFile: dir.path("sites.geojson"), atomically: true, encoding: .utf8)
        let reader = try servedStore(dir, "d.sqlite", importing: [("sites.geojson", "sites", ImportOptions())])
        #expect(try TemporalExtent.field(in: reader.withSnapshot { try $0.fields(of: "sites") })?.name == "updated")
        #expect(try reader.withSnapshot { try $0.fields(of: "sites") }.first { $0.name == "updated" }?.type == .dateTime)
        // Without a typed field, the name decides.
        #expect(TemporalExtent.field(in: [FieldInfo(name: "code", type: .text), FieldInfo(name: "survey_date", type: .text)])?.name == "survey_date")
        #expect(TemporalExtent.field(in: [FieldInfo(name: "code", type: .text), FieldInfo(name: "dated", type: .text)]) == nil)
        try await app(reader).test(.router) { client in
            func codes(_ datetime: String) async throws -> Set<String> {
                let r = try await fetch(client, "/collections/sites/items?datetime=\(encoded(datetime))")
                #expect(r.status == .ok)
                return Set((r.body["features"] as? [[String: Any]] ?? []).compactMap { ($0["properties"] as? [String: Any])?["code"] as? String })
            }
            #expect(try await codes("2024-03-01T02:00:00Z") == ["A"])
            #expect(try await codes("2024-03-01T02:00:01Z/2024-03-01T12:00:00Z") == ["B"])
            #expect(try await codes("2024-03-01") == ["A", "B"])
            #expect(try await codes("2024-04-01T00:00:00+08:00/..") == ["C"])
            let filter = try await fetch(client, "/collections/sites/items?filter=\(encoded("updated >= TIMESTAMP('2024-03-01T11:00:00+00:00')"))")
            #expect(filter.body["numberMatched"] as? Int == 2)
            try await client.execute(uri: "/collections/sites", method: .get) { r in
                let interval = ((try object(r)["extent"] as? [String: Any])?["temporal"] as? [String: Any])?["interval"] as? [[String]]
                #expect(interval == [["2024-03-01T02:00:00Z", "2024-05-01T00:00:00Z"]])
            }
        }
    }

    @Test("datetime on a layer without a temporal field is checked, then selects every feature")
    func datetimeWithoutTemporalField() async throws {
        let dir = try TemporaryDirectory()
        let reader = try gridStore(dir, count: 4)
        try await app(reader).test(.router) { client in
            let r = try await fetch(client, "/collections/parcels/items?datetime=2024-01-01/2024-02-01")
            #expect(r.status == .ok)
            #expect(r.ids.count == 4)
            let bad = try await fetch(client, "/collections/parcels/items?datetime=soon")
            #expect(bad.status == .badRequest)
        }
    }

    @Test("sortby orders ascending and descending, ties broken by row id; unknown fields are 400")
    func sortby() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        try await app(reader).test(.router) { client in
            let down = try await fetch(client, "/collections/plots/items?sortby=-area")
            #expect(down.ids == (1...12).reversed().map { "P\($0)" })
            let up = try await fetch(client, "/collections/plots/items?sortby=%2Barea")
            #expect(up.ids == (1...12).map { "P\($0)" })
            // use ascending, then floors descending (NULLs sort first ascending, last descending), then row id.
            let two = try await fetch(client, "/collections/plots/items?sortby=use,-floors")
            #expect(two.ids == ["P10", "P7", "P1", "P4", "P5", "P2", "P11", "P8", "P9", "P3", "P6", "P12"])
            for bad in ["nope", "-nope", "area,", "geometry"] {
                let r = try await fetch(client, "/collections/plots/items?sortby=\(encoded(bad))")
                #expect(r.status == .badRequest, "\(bad)")
            }
        }
    }

    @Test("properties returns only the listed attributes (ids stay the parcel ids); unknown names are 400")
    func properties() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        try await app(reader).test(.router) { client in
            let r = try await fetch(client, "/collections/plots/items?properties=area,name&limit=2")
            let features = r.body["features"] as? [[String: Any]] ?? []
            #expect(r.ids == ["P1", "P2"])
            #expect(features.allSatisfy { Set(($0["properties"] as? [String: Any] ?? [:]).keys) == ["area", "name"] })
            #expect((features.first?["geometry"] as? [String: Any])?["type"] as? String == "MultiPolygon")
            let none = try await fetch(client, "/collections/plots/items?properties=&limit=1")
            #expect(((none.body["features"] as? [[String: Any]])?.first?["properties"] as? [String: Any])?.isEmpty == true)
            #expect(none.ids == ["P1"])
            let bad = try await fetch(client, "/collections/plots/items?properties=area,colour")
            #expect(bad.status == .badRequest)
            #expect((bad.body["description"] as? String)?.contains("colour") == true)
        }
    }

    @Test("Queryables: a JSON Schema of the geometry and each attribute with its type, linked from the collection")
    func queryables() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        try await app(reader).test(.router) { client in
            try await client.execute(uri: "/collections/plots/queryables", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/schema+json")
                let doc = try object(r)
                #expect(doc["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
                #expect((doc["$id"] as? String)?.hasSuffix("/collections/plots/queryables") == true)
                #expect(doc["type"] as? String == "object")
                let properties = doc["properties"] as? [String: [String: Any]] ?? [:]
                #expect(Set(properties.keys) == ["geometry", "parcel_id", "name", "area", "floors", "use", "approved"])
                #expect(properties["geometry"]?["format"] as? String == "geometry-any")
                #expect(properties["geometry"]?["x-ogc-role"] as? String == "primary-geometry")
                #expect(properties["area"]?["type"] as? String == "number")
                #expect(properties["floors"]?["type"] as? String == "integer")
                #expect(properties["name"]?["type"] as? String == "string")
                #expect(properties["approved"]?["format"] as? String == "date")
                #expect(properties["approved"]?["x-ogc-role"] as? String == "primary-instant")
            }
            try await client.execute(uri: "/collections/plots", method: .get) { r in
                let c = try object(r)
                let links = c["links"] as? [[String: String]] ?? []
                #expect(links.contains { $0["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables" && $0["href"]?.hasSuffix("/collections/plots/queryables") == true })
                let temporal = (c["extent"] as? [String: Any])?["temporal"] as? [String: Any]
                let interval = temporal?["interval"] as? [[String]]
                #expect(interval?.first?.first?.hasPrefix("2024-02-15T00:00:00") == true)
                #expect(interval?.first?.last?.hasPrefix("2024-12-15T23:59:59") == true)
            }
            try await client.execute(uri: "/collections/nope/queryables", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/conformance", method: .get) { r in
                let classes = Set(try object(r)["conformsTo"] as? [String] ?? [])
                for c in ["ogcapi-features-3/1.0/conf/filter", "ogcapi-features-3/1.0/conf/features-filter", "ogcapi-features-3/1.0/conf/queryables",
                          "cql2/1.0/conf/cql2-text", "cql2/1.0/conf/cql2-json", "cql2/1.0/conf/basic-cql2", "cql2/1.0/conf/advanced-comparison-operators",
                          "cql2/1.0/conf/basic-spatial-functions"] {
                    #expect(classes.contains("http://www.opengis.net/spec/\(c)"), "\(c)")
                }
            }
        }
    }

    @Test("Paging through a filtered, sorted layer follows rel=next carrying every parameter: no skips, no repeats")
    func pagingWithFilter() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        let filter = "name <> 'O''Brien' AND S_INTERSECTS(geometry, BBOX(106.5699, 29.5499, 106.5739, 29.5529))"
        try await app(reader).test(.router) { client in
            var uri: String? = "/collections/plots/items?limit=2&filter=\(encoded(filter))&sortby=-use&properties=use&datetime=\(encoded("../2024-11-30"))"
            var seen: [String] = []
            var pages = 0
            while let next = uri, pages < 20 {
                let r = try await fetch(client, next)
                #expect(r.status == .ok, "\(next): \(r.body["description"] ?? "")")
                #expect(r.body["numberMatched"] as? Int == 10)
                seen += r.ids
                let links = r.body["links"] as? [[String: String]] ?? []
                let href = links.first { $0["rel"] == "next" }?["href"]
                if let href {
                    #expect(href.contains("filter=") && href.contains("sortby=-use") && href.contains("properties=use") && href.contains("datetime="))
                    #expect(!href.contains(" ") && !href.contains("'"), "\(href)")
                }
                uri = href.map { String($0[$0.range(of: "/collections")!.lowerBound...]) }
                pages += 1
            }
            #expect(pages == 5)
            // Sorted by use descending, ties by row id; P2 (O'Brien) and P12 (after 2024-11-30) are out.
            #expect(seen == ["P3", "P6", "P9", "P5", "P8", "P11", "P1", "P4", "P7", "P10"])
        }
    }

    @Test("Filter errors are 400 with a message: unknown property (listing the queryables), syntax (with the place), unknown filter-lang")
    func filterErrors() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        try await app(reader).test(.router) { client in
            let unknown = try await fetch(client, "/collections/plots/items?filter=\(encoded("colour = 'red'"))")
            #expect(unknown.status == .badRequest)
            let message = unknown.body["description"] as? String ?? ""
            #expect(message.contains("colour") && message.contains("parcel_id") && message.contains("geometry"), "\(message)")
            let syntax = try await fetch(client, "/collections/plots/items?filter=\(encoded("area > 5 AND"))")
            #expect((syntax.body["description"] as? String)?.contains("end of the filter") == true)
            let place = try await fetch(client, "/collections/plots/items?filter=\(encoded("area > 5 ORR floors = 1"))")
            #expect((place.body["description"] as? String)?.contains("character 10") == true, "\(place.body)")
            let lang = try await fetch(client, "/collections/plots/items?filter=\(encoded("area > 5"))&filter-lang=cql-text")
            #expect(lang.status == .badRequest)
            #expect((lang.body["description"] as? String)?.contains("filter-lang") == true)
        }
    }

    @Test("Hostile filters are 400s, never 500s, and leave the store as it was",
          arguments: [
            "); DROP TABLE plots; --", "name = 'x'; DROP TABLE plots", "name = 'x' -- comment", "name = 'x' /* c */", "name = 'unterminated",
            "\"name = 'x'", "name = 'x' OR 1=1) --", "CASEI(name) = 'x'", "foo(1) = 1", "name = NULL", "S_INTERSECTS(geometry, POINT(1))",
            "S_INTERSECTS(name, POINT(1 2))", "S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))", "S_INTERSECTS(geometry, POINT Z (1 2 3))",
            "name LIKE area", "area > 1e999", "", "   ", "name = 'a' AND", "NOT", "(((name = 'a')", "name IN ()", "geometry = 'x'",
            "DATE('2024-02-30') = approved", "approved = TIMESTAMP('2024-01-01')", "name = 'a' AND AND", "\u{0000}", "name = 'x' \\ 'y'",
            "{\"op\":\"=\",\"args\":[{\"property\":\"name\"},\"x\"]}",
          ])
    func hostileFilters(_ filter: String) async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        try await app(reader).test(.router) { client in
            let r = try await fetch(client, "/collections/plots/items?filter=\(encoded(filter))")
            #expect(r.status == .badRequest, "\(filter)")
            #expect(r.body["code"] as? String == "InvalidParameterValue")
            #expect((r.body["description"] as? String)?.isEmpty == false)
            let all = try await fetch(client, "/collections/plots/items")
            #expect(all.ids.count == 12)
        }
    }

    @Test("Hostile CQL2 JSON filters are 400s",
          arguments: [
            "{", "[]", "null", "42", "{\"op\":\"drop\",\"args\":[]}", "{\"op\":\"=\",\"args\":[{\"property\":\"name\"}]}",
            "{\"op\":\"=\",\"args\":[{\"property\":\"x; DROP TABLE plots\"},1]}", "{\"op\":\"casei\",\"args\":[{\"property\":\"name\"}]}",
            "{\"op\":\"=\",\"args\":[{\"op\":\"casei\",\"args\":[{\"property\":\"name\"}]},\"a\"]}",
            "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geometry\"},{\"type\":\"Point\",\"coordinates\":[1,2,3]}]}",
            "{\"op\":\"s_intersects\",\"args\":[{\"property\":\"geometry\"},{\"type\":\"Circle\",\"coordinates\":[1,2]}]}",
            "{\"op\":\"in\",\"args\":[{\"property\":\"name\"},\"a\"]}", "{\"op\":\"and\",\"args\":[true]}",
          ])
    func hostileJSONFilters(_ filter: String) async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        try await app(reader).test(.router) { client in
            let r = try await fetch(client, "/collections/plots/items?filter-lang=cql2-json&filter=\(encoded(filter))")
            #expect(r.status == .badRequest, "\(filter)")
            #expect(r.body["code"] as? String == "InvalidParameterValue")
        }
    }

    @Test("Limits: a filter over 64 KiB, 10,000 nested parentheses or NOTs, 2,000 JSON levels, and 1,001 IN values are 400s")
    func limits() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        let long = "name = '" + String(repeating: "x", count: 70_000) + "'"
        let deep = String(repeating: "(", count: 10_000) + "name = 'a'" + String(repeating: ")", count: 10_000)
        let nots = String(repeating: "NOT ", count: 10_000) + "name = 'a'"
        // (10,000 JSON levels would pass 64 KiB; the parser's own tests take those.)
        let deepJSON = String(repeating: "{\"op\":\"not\",\"args\":[", count: 2_000) + "true" + String(repeating: "]}", count: 2_000)
        let wideIn = "floors IN (" + (0...1_000).map(String.init).joined(separator: ",") + ")"
        let okIn = "floors IN (" + (0..<1_000).map(String.init).joined(separator: ",") + ")"
        try await app(reader).test(.router) { client in
            for (filter, lang, words) in [(long, "cql2-text", "65536"), (deep, "cql2-text", "64 levels"), (nots, "cql2-text", "64 levels"),
                                          (deepJSON, "cql2-json", "64 levels"), (wideIn, "cql2-text", "1000 values")] {
                let r = try await fetch(client, "/collections/plots/items?filter-lang=\(lang)&filter=\(encoded(filter))")
                #expect(r.status == .badRequest)
                #expect((r.body["description"] as? String)?.contains(words) == true, "\(r.body["description"] ?? "")")
            }
            let fine = try await filtered(client, okIn)
            #expect(fine.count == 9)
            // 64 levels are fine.
            let nested = try await filtered(client, String(repeating: "(", count: 63) + "parcel_id = 'P1'" + String(repeating: ")", count: 63))
            #expect(nested == ids(1))
            // A long flat OR chain stays within SQLite's expression depth.
            let chain = (0..<2_500).map { "parcel_id = 'P\($0)'" }.joined(separator: " OR ")
            let many = try await filtered(client, chain)
            #expect(many.count == 12)
        }
    }

    @Test("Property filters combine with filter; percent-encoded names and values are read once")
    func propertyFiltersWithFilter() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        try await app(reader).test(.router) { client in
            let r = try await fetch(client, "/collections/plots/items?use=0701&filter=\(encoded("area > 400"))")
            #expect(Set(r.ids) == ids(4, 7, 10))
            let percent = try await fetch(client, "/collections/plots/items?name=\(encoded("地块%5"))")
            #expect(r.status == .ok)
            #expect(percent.ids == ["P5"])
            let next = (try await fetch(client, "/collections/plots/items?use=0701&limit=1")).body["links"] as? [[String: String]] ?? []
            #expect(next.first { $0["rel"] == "next" }?["href"]?.contains("use=0701") == true)
        }
    }

    @Test("A thousand and more property filters are served like one, not a 500 (SQLite's expression tree limit)")
    func manyPropertyFilters() async throws {
        let dir = try TemporaryDirectory()
        let reader = try filterStore(dir)
        try await app(reader).test(.router) { client in
            for count in [256, 257, 1_500] {
                let query = Array(repeating: "use=0701", count: count).joined(separator: "&")
                let r = try await fetch(client, "/collections/plots/items?\(query)&filter=\(encoded("area > 400"))")
                #expect(r.status == .ok, "\(count) property filters: \(r.status) \(r.body)")
                #expect(Set(r.ids) == ids(4, 7, 10), "\(count) property filters")
            }
        }
    }
}
