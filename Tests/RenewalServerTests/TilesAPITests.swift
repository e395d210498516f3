import Foundation
import GeoKernel
import GeoStore
import Hummingbird
import HummingbirdTesting
import RenewalRunner
import RenewalServer
import Support
import Testing
import TestSupport

/// Vector tiles through the router, decoded by GDAL's MVT driver (ogr2ogr), against the store's own
/// geometry. Data: the sample's parcels and streets (GeoData/README.md: synthetic, CC0), in the run's
/// backend. The tile arithmetic here is written apart from the encoder's, so a shared mistake shows.
@Suite struct TilesAPITests {
    static let extent = 4096.0, buffer = 64.0
    /// The sample in a store of the run's backend, and a router serving its tiles.
    static func sampleRouter(_ dir: TemporaryDirectory) throws -> (any FeatureReading, Router<BasicRequestContext>) {
        let reader = try HeldLayersTests.sampleStore(dir).reader
        let router = Router()
        TilesAPI(store: reader).addRoutes(to: router)
        return (reader, router)
    }

    /// The paths TilesAPI serves, as /api names them.
    static let paths: Set<String> = ["/tileMatrixSets", "/tileMatrixSets/{tileMatrixSetId}", "/collections/{collectionId}/tiles",
                                     "/collections/{collectionId}/tiles/{tileMatrixSetId}",
                                     "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"]

    @Test("/api describes the tiles routes, every one answers in the whole application, and the landing page and conformance name them")
    func describedAndServed() async throws {
        let dir = try TemporaryDirectory()
        let reader = try HeldLayersTests.sampleStore(dir).reader
        try await fullApp(reader).test(.router) { client in
            let described = try await client.execute(uri: "/api", method: .get) { r in
                Set(((try object(r)["paths"] as? [String: Any]) ?? [:]).keys)
            }
            #expect(Self.paths.isSubset(of: described))
            for path in Self.paths {
                let uri = path.replacingOccurrences(of: "{collectionId}", with: "parcels").replacingOccurrences(of: "{tileMatrixSetId}", with: "WebMercatorQuad")
                    .replacingOccurrences(of: "{tileMatrix}/{tileRow}/{tileCol}", with: "16/27131/52169")
                try await client.execute(uri: uri, method: .get) { r in #expect(r.status == .ok, "\(uri)") }
                try await client.execute(uri: uri, method: .head) { r in #expect(r.status == .ok && r.body.readableBytes == 0, "HEAD \(uri)") }
            }
            try await client.execute(uri: "/", method: .get) { r in
                let links = try object(r)["links"] as? [[String: String]] ?? []
                #expect(links.contains { $0["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes" })
            }
            try await client.execute(uri: "/conformance", method: .get) { r in
                let classes = try object(r)["conformsTo"] as? [String] ?? []
                #expect(classes.contains("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt"))
            }
        }
    }

    /// EPSG:3857 metres of a longitude and latitude (spherical Mercator).
    static func mercator(_ p: Position) -> Position {
        Position(p.x * .pi / 180 * 6_378_137, log(tan(.pi / 4 + p.y * .pi / 360)) * 6_378_137)
    }

    /// Tile units (4,096 a side, y down) of EPSG:3857 metres in tile z/row/col.
    static func tileUnits(_ m: Position, z: Int, row: Int, col: Int) -> Position {
        let world = 2 * Double.pi * 6_378_137, size = world / Double(1 << z)
        let minX = -world / 2 + Double(col) * size, maxY = world / 2 - Double(row) * size
        return Position((m.x - minX) / size * extent, (maxY - m.y) / size * extent)
    }

    struct Decoded: Decodable {
        struct Feature: Decodable {
            let properties: [String: PropertyValue]
            let geometry: Geometry?
        }
        let features: [Feature]
    }

    /// The tile's features as GDAL's MVT driver reads them (geometry in EPSG:3857 metres).
    static func decode(_ bytes: ByteBuffer, z: Int, row: Int, col: Int, in dir: TemporaryDirectory) throws -> [Decoded.Feature] {
        // The driver georeferences a tile from a path ending in z/x/y.pbf.
        let folder = dir.path("tiles/\(z)/\(col)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/\(row).pbf", out = dir.path("tile_\(z)_\(row)_\(col).geojson")
        try Data(buffer: bytes).write(to: URL(fileURLWithPath: file))
        // CLIP=NO: GDAL would otherwise cut features at the tile's edge, hiding the buffer.
        try RealOSMData.run("/usr/bin/env", ["ogr2ogr", "-oo", "CLIP=NO", "-f", "GeoJSON", out, file])
        return try JSONDecoder().decode(Decoded.self, from: Data(contentsOf: URL(fileURLWithPath: out))).features
    }

    @Test("Tiles at zooms 13–17, decoded by GDAL: exactly the features meeting the tile and its buffer (parts under a unit may vanish), attributes intact, geometry within one tile unit (seeded)")
    func tilesHoldTheStoresFeatures() async throws {
        let dir = try TemporaryDirectory()
        let (reader, router) = try Self.sampleRouter(dir)
        let seed: UInt64 = 2027
        print("TilesAPITests seed \(seed)")
        var random = SeededRandom(seed: seed)
        let geos = try GEOSContext()
        var checkedFeatures = 0, emptyTiles = 0
        for (layer, key) in [("parcels", "parcel_id"), ("streets", "street_id")] {
            let (record, stored) = try reader.withSnapshot { s in
                (try s.layer(layer)!, try s.page(of: layer, query: FeatureQuery(limit: .max)))
            }
            let box = try #require(record.extent)
            for z in 13...17 {
                let low = Self.mercator(Position(box.minX, box.minY)), high = Self.mercator(Position(box.maxX, box.maxY))
                let world = 2 * Double.pi * 6_378_137, size = world / Double(1 << z)
                let cols = Int((low.x + world / 2) / size)...Int((high.x + world / 2) / size)
                let rows = Int((world / 2 - high.y) / size)...Int((world / 2 - low.y) / size)
                for _ in 0..<3 {
                    let col = cols.lowerBound + Int(random.uniform(0, Double(cols.count))) % cols.count
                    let row = rows.lowerBound + Int(random.uniform(0, Double(rows.count))) % rows.count
                    let response = try await Application(router: router).test(.router) { client in
                        try await client.execute(uri: "/collections/\(layer)/tiles/WebMercatorQuad/\(z)/\(row)/\(col)", method: .get) { $0 }
                    }
                    // What the store says the tile holds: features meeting the tile grown by the buffer.
                    let clip = Envelope(minX: -Self.buffer, minY: -Self.buffer, maxX: Self.extent + Self.buffer, maxY: Self.extent + Self.buffer)
                    let clipBox = try geos.make(.polygon([[Position(clip.minX, clip.minY), Position(clip.maxX, clip.minY), Position(clip.maxX, clip.maxY),
                                                           Position(clip.minX, clip.maxY), Position(clip.minX, clip.minY)]]))
                    var expected: [String: GEOSGeometry] = [:]
                    for f in stored {
                        guard var g = f.geometry, case .string(let id)? = f[key] else { continue }
                        g.transformPositions { run in for i in run.indices { run[i] = Self.tileUnits(Self.mercator(run[i]), z: z, row: row, col: col) } }
                        let inTile = try geos.make(g).intersection(clipBox)
                        if !inTile.isEmpty { expected[id] = inTile }
                    }
                    if response.status == .noContent {
                        emptyTiles += 1
                        #expect(expected.values.allSatisfy { (try? $0.area()) ?? 0 < 1 }, "\(layer) \(z)/\(row)/\(col) is empty but \(expected.count) features meet it")
                        continue
                    }
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/vnd.mapbox-vector-tile")
                    let decoded = try Self.decode(response.body, z: z, row: row, col: col, in: dir)
                    var seen = Set<String>()
                    for d in decoded {
                        guard case .string(let id)? = d.properties[key], var g = d.geometry else {
                            Issue.record("a decoded feature without \(key) or geometry in \(layer) \(z)/\(row)/\(col)"); continue
                        }
                        seen.insert(id)
                        guard let truth = expected[id] else {
                            Issue.record("\(layer) \(z)/\(row)/\(col) holds \(id), which does not meet the tile and its buffer"); continue
                        }
                        g.transformPositions { run in for i in run.indices { run[i] = Self.tileUnits(run[i], z: z, row: row, col: col) } }
                        let distance = try geos.make(g).hausdorffDistance(to: truth)
                        #expect(distance <= 1.0, "\(layer) \(id) in \(z)/\(row)/\(col): \(distance) tile units from the store's geometry")
                        // Every stored attribute with a value, as the store holds it (GDAL adds mvt_id).
                        let original = try #require(stored.first { $0[key] == .string(id) })
                        for (name, value) in original.properties where value != .null {
                            #expect(Self.same(d.properties[name], value), "\(layer) \(id).\(name): \(String(describing: d.properties[name])) against \(value)")
                        }
                        checkedFeatures += 1
                    }
                    // Features left out must be slivers that vanish on the grid: under a unit of area or length.
                    for (id, g) in expected where !seen.contains(id) {
                        let size = max(try g.area(), 0)
                        let bounds = try g.value().envelope ?? .empty
                        #expect(size < 1 && (bounds.width < 1 || bounds.height < 1 || layer == "parcels"),
                                "\(layer) \(id) meets \(z)/\(row)/\(col) (area \(size), box \(bounds.width)×\(bounds.height)) but is not in the tile")
                    }
                }
            }
        }
        #expect(checkedFeatures > 200, "\(checkedFeatures) features checked")
        print("TilesAPITests: \(checkedFeatures) features checked, \(emptyTiles) empty tiles")
    }

    static func same(_ decoded: PropertyValue?, _ stored: PropertyValue) -> Bool {
        switch (decoded, stored) {
        case (.int(let a)?, .int(let b)): a == b
        case (.double(let a)?, .double(let b)): a == b
        case (.int(let a)?, .double(let b)): Double(a) == b
        case (.double(let a)?, .int(let b)): a == Double(b)
        case (.string(let a)?, .string(let b)): a == b
        case (.bool(let a)?, .bool(let b)): a == b
        case (.int(let a)?, .bool(let b)): a == (b ? 1 : 0)
        default: false
        }
    }

    @Test("Tile documents and bad requests: the tile matrix set, tilesets, TileJSON; 404 for an unknown set, collection or a tile outside the limits, 400 for parts that are not numbers; 204, ETag and 304, gzip")
    func documentsAndErrors() async throws {
        let dir = try TemporaryDirectory()
        let (reader, router) = try Self.sampleRouter(dir)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/tileMatrixSets/WebMercatorQuad", method: .get) { r in
                let matrices = try object(r)["tileMatrices"] as? [[String: Any]]
                #expect(matrices?.count == 25)
                #expect((matrices?[1]["matrixWidth"] as? Int) == 2)
            }
            try await client.execute(uri: "/collections/parcels/tiles", method: .get) { r in
                #expect(r.status == .ok)
                let tilesets = try object(r)["tilesets"] as? [[String: Any]]
                #expect((tilesets?.first?["dataType"] as? String) == "vector")
            }
            try await client.execute(uri: "/collections/parcels/tiles/WebMercatorQuad?f=tilejson", method: .get) { r in
                let tj = try object(r)
                #expect(tj["tilejson"] as? String == "3.0.0")
                #expect((tj["tiles"] as? [String])?.first?.hasSuffix("/collections/parcels/tiles/WebMercatorQuad/{z}/{y}/{x}") == true)
            }
            for (uri, status) in [("/tileMatrixSets/WorldCRS84Quad", HTTPResponse.Status.notFound),
                                  ("/collections/parcels/tiles/WorldCRS84Quad/1/0/0", .notFound),
                                  ("/collections/nothing/tiles/WebMercatorQuad/1/0/0", .notFound),
                                  ("/collections/parcels/tiles/WebMercatorQuad/23/0/0", .notFound),
                                  ("/collections/parcels/tiles/WebMercatorQuad/2/4/0", .notFound),
                                  ("/collections/parcels/tiles/WebMercatorQuad/2/0/-1", .notFound),
                                  ("/collections/parcels/tiles/WebMercatorQuad/x/0/0", .badRequest),
                                  ("/collections/parcels/tiles/WebMercatorQuad/2/0/1.5", .badRequest),
                                  ("/collections/parcels/tiles/WebMercatorQuad/16/27131/52169?limit=3", .badRequest)] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == status, "\(uri)")
                    #expect((try? object(r)["description"] as? String)?.isEmpty == false, "\(uri): a message")
                }
            }
            // A tile inside the limits with nothing in it: along the northern edge of the parcels' extent
            // at zoom 19 (the sample's rivers and hills leave gaps), then one with parcels.
            var empty = 0
            for col in 417_326...417_387 where empty == 0 {
                try await client.execute(uri: "/collections/parcels/tiles/WebMercatorQuad/19/217017/\(col)", method: .get) { r in
                    if r.status == .noContent { empty += 1; #expect(r.body.readableBytes == 0 && r.headers[.eTag] != nil) }
                }
            }
            #expect(empty == 1, "no empty tile found")
            let uri = "/collections/parcels/tiles/WebMercatorQuad/16/27131/52169"
            let tag = try await client.execute(uri: uri, method: .get) { r -> String in
                #expect(r.status == .ok && r.body.readableBytes > 1000)
                return r.headers[.eTag] ?? ""
            }
            try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: tag]) { r in #expect(r.status == .notModified) }
            try await client.execute(uri: uri, method: .get, headers: [.acceptEncoding: "gzip"]) { r in
                #expect(r.headers[.contentEncoding] == "gzip")
                #expect(r.body.getBytes(at: r.body.readerIndex, length: 2) == [0x1f, 0x8b])
            }
        }
    }

    @Test("properties=land_use: the same features carrying land_use and the identifying parcel_id only; the tileset and TileJSON carry the choice; an unknown property is 400 naming it")
    func chosenProperties() async throws {
        let dir = try TemporaryDirectory()
        let (_, router) = try Self.sampleRouter(dir)
        let uri = "/collections/parcels/tiles/WebMercatorQuad/16/27131/52169"
        let (whole, part) = try await Application(router: router).test(.router) { client in
            let whole = try await client.execute(uri: uri, method: .get) { r in r.body }
            let part = try await client.execute(uri: uri + "?properties=land_use", method: .get) { r in
                #expect(r.status == .ok)
                return r.body
            }
            try await client.execute(uri: "/collections/parcels/tiles/WebMercatorQuad?f=tilejson&properties=land_use", method: .get) { r in
                let tj = try object(r)
                #expect((tj["tiles"] as? [String])?.first?.hasSuffix("/WebMercatorQuad/{z}/{y}/{x}?properties=land_use") == true)
                let fields = ((tj["vector_layers"] as? [[String: Any]])?.first?["fields"] as? [String: String]) ?? [:]
                #expect(Set(fields.keys) == ["land_use", "parcel_id"])
            }
            try await client.execute(uri: "/collections/parcels/tiles/WebMercatorQuad?properties=land_use", method: .get) { r in
                let links = try object(r)["links"] as? [[String: Any]] ?? []
                let item = links.first { $0["rel"] as? String == "item" }?["href"] as? String
                #expect(item?.hasSuffix("/{tileMatrix}/{tileRow}/{tileCol}?properties=land_use") == true)
            }
            for bad in [uri + "?properties=land_use,nope", "/collections/parcels/tiles/WebMercatorQuad?f=tilejson&properties=nope"] {
                try await client.execute(uri: bad, method: .get) { r in
                    #expect(r.status == .badRequest, "\(bad)")
                    #expect((try? object(r)["description"] as? String)?.contains("\"nope\"") == true, "\(bad): names the property")
                }
            }
            return (whole, part)
        }
        let all = try Self.decode(whole, z: 16, row: 27131, col: 52169, in: dir)
        let chosen = try Self.decode(part, z: 16, row: 27131, col: 52169, in: try TemporaryDirectory())
        #expect(!all.isEmpty && chosen.count == all.count)
        for (full, some) in zip(all, chosen) {
            // GDAL adds mvt_id where a feature has an id.
            #expect(Set(some.properties.keys).subtracting(["mvt_id"]) == ["land_use", "parcel_id"])
            #expect(some.properties["land_use"] == full.properties["land_use"] && some.properties["parcel_id"] == full.properties["parcel_id"])
        }
    }

    @Test("renewalgis tiles (TilesJob) writes the very bytes the server answers, tile for tile, on every core")
    func pregeneratedEqualsServed() async throws {
        let dir = try TemporaryDirectory()
        let (reader, address) = try HeldLayersTests.sampleStore(dir)
        let router = Router()
        TilesAPI(store: reader).addRoutes(to: router)
        let out = dir.path("pyramid")
        let report = try TilesJob.run(store: try address.openExisting(), layers: ["parcels"], minZoom: 15, maxZoom: 16, output: out, replace: false,
                                      parallelism: .allCores)
        #expect(report.tiles > 20)
        var compared = 0
        for z in [15, 16] {
            for column in try FileManager.default.contentsOfDirectory(atPath: "\(out)/\(z)") {
                for file in try FileManager.default.contentsOfDirectory(atPath: "\(out)/\(z)/\(column)") {
                    let row = file.replacingOccurrences(of: ".pbf", with: "")
                    let written = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(z)/\(column)/\(file)"))
                    let served = try await Application(router: router).test(.router) { client in
                        try await client.execute(uri: "/collections/parcels/tiles/WebMercatorQuad/\(z)/\(row)/\(column)", method: .get) { Data(buffer: $0.body) }
                    }
                    #expect(written == served, "tile \(z)/\(row)/\(column)")
                    compared += 1
                }
            }
        }
        #expect(compared == report.tiles)
    }
}
