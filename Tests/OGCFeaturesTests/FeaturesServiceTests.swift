import Foundation
import GeoKernel
import GeoStore
import OGCFeatures
import Testing

/// The OGC API core without the web and without a database: requests as values against the in-memory
/// store, answers checked as documents. (Hand-made data: five parcels on a 0.001° grid in Chongqing.)
@Suite struct FeaturesServiceTests {
    static let fields = [FieldInfo(name: "parcel_id", type: .text), FieldInfo(name: "population", type: .integer),
                         FieldInfo(name: "approved", type: .date)]

    static func store() -> InMemoryStore {
        let store = InMemoryStore()
        let rows: [(String, PropertyValue, PropertyValue)] = [
            ("P1", .int(120), .string("2024-01-10")), ("P2", .int(0), .null), ("P3", .null, .string("2024-05-01")),
            ("P4", .int(480), .string("2024-09-30")), ("P5", .int(75), .string("2023-12-31")),
        ]
        let features = rows.enumerated().map { i, row in
            let x = 106.570 + Double(i) * 0.001, y = 29.550
            return Feature(properties: [("parcel_id", .string(row.0)), ("population", row.1), ("approved", row.2)],
                           geometry: .polygon([[Position(x, y), Position(x + 0.0008, y), Position(x + 0.0008, y + 0.0008), Position(x, y + 0.0008), Position(x, y)]]))
        }
        store.replace("parcels", fields: fields, features: features)
        return store
    }

    let service = FeaturesService(store: FeaturesServiceTests.store())
    let base = "http://example.test"

    /// A page as the client would read it: the streamed pieces joined and parsed.
    func page(_ query: String, limits: FeaturesLimits = .init()) throws -> [String: Any] {
        let service = FeaturesService(store: self.service.store, limits: limits)
        var bytes: [UInt8] = []
        try service.store.withSnapshot { snapshot in
            let plan = try service.items("parcels", parameters: try QueryParameters(raw: query), base: base, target: "/t?\(query)", in: snapshot)
            try plan.read().writeGeoJSON { bytes += $0 }
        }
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    func ids(_ page: [String: Any]) -> [String] {
        (page["features"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    @Test("Collections describe the layer: extent in CRS84, a temporal interval from its date field, links to items and queryables")
    func collections() throws {
        let list = try service.collections(base: base)
        let parcels = try #require(list.collections.first)
        #expect(list.collections.map(\.id) == ["parcels"])
        let bbox = try #require(parcels.extent?.spatial?.bbox.first)
        #expect(abs(bbox[0] - 106.570) < 1e-9 && abs(bbox[2] - 106.5748) < 1e-9)
        #expect(parcels.extent?.temporal?.interval.first?.first??.hasPrefix("2023-12-31") == true)
        #expect(parcels.links.map(\.rel) == ["self", "items", FeaturesService.queryablesRel, TilesService.tilesetsRel])
        #expect(throws: RequestError.notFound("no collection \"nope\"")) { try service.collection("nope", base: base) }
    }

    @Test("A page: counts, ids from parcel_id, and a next link that carries the selection")
    func paging() throws {
        let first = try page("limit=2&sortby=-population")
        #expect(first["numberMatched"] as? Int == 5 && first["numberReturned"] as? Int == 2)
        #expect(ids(first) == ["P4", "P1"])
        let links = try #require(first["links"] as? [[String: String]])
        #expect(links.first { $0["rel"] == "next" }?["href"] == "\(base)/collections/parcels/items?limit=2&offset=2&sortby=-population")
        // Streamed in batches of one, the same page.
        var small = FeaturesLimits()
        small.streamBatch = 1
        #expect(ids(try page("limit=4&sortby=-population", limits: small)) == ["P4", "P1", "P5", "P2"])
    }

    @Test("Filters: CQL2 text, a property filter and datetime combine; a NULL population matches no comparison")
    func filters() throws {
        #expect(ids(try page("filter=population%20%3E%2050")) == ["P1", "P4", "P5"])
        #expect(ids(try page("filter=population%20%3E%2050&parcel_id=P4")) == ["P4"])
        // P2 has no date: no temporal information, so it matches any datetime.
        #expect(ids(try page("datetime=2024-01-01/2024-06-30")) == ["P1", "P2", "P3"])
        #expect(ids(try page("properties=population&limit=1")) == ["P1"])
    }

    @Test("The client's mistakes are RequestErrors naming the parameter")
    func mistakes() throws {
        #expect(throws: RequestError.self) { try page("filter=population%20%3D%3D%201") }
        do { _ = try page("filter=population%20%3D%3D%201") } catch let error as RequestError {
            #expect(error.description.hasPrefix("filter (cql2-text): "))
        }
        #expect(throws: RequestError.invalidParameter("offset=-1 must be a whole number ≥ 0")) { try page("offset=-1") }
        #expect(throws: RequestError.self) { try page("colour=red") }
        #expect(throws: RequestError.self) { try page("crs=EPSG:9999") }
        #expect(throws: RequestError.invalidParameter("bbox-crs is given without bbox")) { try page("bbox-crs=EPSG:4490") }
    }

    @Test("crs=EPSG:4545 writes Gauss-Krüger metres, northing first as EPSG orders them")
    func outputCRS() throws {
        let answer = try service.feature("parcels", featureID: "P1", parameters: try QueryParameters(raw: "crs=EPSG:4545"), base: base)
        #expect(answer.crs == "http://www.opengis.net/def/crs/EPSG/0/4545")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        let ring = try #require(((object["geometry"] as? [String: Any])?["coordinates"] as? [[[Double]]])?.first)
        // 106.57°E is ~140 km west of the zone's 108°E meridian: easting ~362 km; latitude 29.55°: northing ~3,270 km.
        #expect(ring[0][0] > 3_200_000 && ring[0][0] < 3_300_000, "northing first: \(ring[0])")
        #expect(ring[0][1] > 300_000 && ring[0][1] < 400_000, "easting second: \(ring[0])")
        #expect(throws: RequestError.notFound("no feature \"P9\" in collection \"parcels\"")) {
            try service.feature("parcels", featureID: "P9", parameters: try QueryParameters(raw: ""), base: base)
        }
    }

    @Test("Queryables and the OpenAPI document follow the layer's fields")
    func schemas() throws {
        let queryables = try service.queryables("parcels", base: base)
        #expect(queryables.properties["population"]?["type"] == "integer")
        #expect(queryables.properties["approved"]?["x-ogc-role"] == "primary-instant")
        let document = try service.openAPI(base: base, requestTargetLimit: 1024)
        let own = try #require(document.paths["/collections/parcels/items"]?.get.parameters)
        let names = own.compactMap { parameter -> String? in if case .inline(let p) = parameter { p.name } else { nil } }
        #expect(names.contains("parcel_id") && names.contains("population") && names.contains("approved"))
        let text = String(decoding: try DocumentEncoder.encode(document), as: UTF8.self)
        #expect(text.contains("\"$ref\":\"#/components/parameters/limit\""))
    }
}
