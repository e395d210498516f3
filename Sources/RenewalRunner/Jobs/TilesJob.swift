import Foundation
import GeoFiles
import GeoKernel
import GeoStore
import Support
import VectorTiles

/// Pre-generates vector tiles of store layers for static hosting (`renewalgis tiles`): the same tiles
/// the server answers (`TilesService`: the same `TileEncoder`, buffer and `TileLimits`), every layer in
/// one tile, written to an MBTiles file or a `{z}/{x}/{y}.pbf` directory. Each layer is read once and
/// held with a packed R-tree of its features' boxes; the tiles of a zoom are encoded on every core,
/// in batches, and written in order.
public enum TilesJob {
    /// The deepest zoom, as the server has it (`TileLimits.maximumZoom`).
    public static let maximumZoom = TileLimits.maximumZoom

    public struct Report: Sendable {
        public var tiles = 0
        public var emptyTiles = 0
        public var bytes = 0
        /// Per layer: the zooms it was tiled in.
        public var zooms: [String: ClosedRange<Int>] = [:]
    }

    /// One layer in memory: its features (geometry EPSG:4490) and their boxes in a tree.
    struct HeldLayer {
        let name: String
        let features: [Feature]
        let tree: PackedBoxTree
        let limits: [Int: TileLimits]
        let fields: [FieldInfo]
    }

    /// Writes the tiles of `layers` (nil: every layer) between `minZoom` and `maxZoom` (each layer
    /// only within its limits) to `output`; `progress` hears tiles done and the total (first with 0 done).
    public static func run(store: any LayerStore, layers requested: [String]?, minZoom: Int, maxZoom: Int, output: String, replace: Bool,
                           parallelism: Parallelism, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws -> Report {
        let catalogue = try store.layers()
        // In the stored CRS (EPSG:4490): the encoder projects to Web Mercator itself.
        let loader = try LayerLoader(store: store, crs: .cgcs2000)
        let names = requested ?? catalogue.map(\.name)
        var held: [HeldLayer] = []
        for name in names {
            guard let record = catalogue.first(where: { $0.name == name }) else {
                throw StoreError.unknownLayer(path: "the store", layer: name, available: catalogue.map(\.name))
            }
            var features: [Feature] = []
            try loader.forEachFeature(in: name) { features.append($0) }
            let limits = TileLimits.of(extent: record.extent, featureCount: record.featureCount)
            held.append(HeldLayer(name: name, features: features, tree: PackedBoxTree(features.map { $0.geometry?.envelope ?? .empty }),
                                  limits: Dictionary(uniqueKeysWithValues: limits.map { ($0.zoom, $0) }), fields: try store.fields(of: name)))
        }
        // Every tile of every zoom that some layer covers, in zoom, row, column order.
        var tiles: [WebMercatorQuad.Tile] = []
        for z in minZoom...maxZoom {
            var seen = Set<WebMercatorQuad.Tile>()
            for layer in held {
                guard let l = layer.limits[z] else { continue }
                for row in l.rows { for column in l.columns { seen.insert(WebMercatorQuad.Tile(zoom: z, row: row, column: column)) } }
            }
            tiles += seen.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
        }
        let writer = try TileFileWriter(path: output, replace: replace)
        progress(0, tiles.count)
        var report = Report()
        let snapshot = held
        let batch = 256
        var start = 0
        while start < tiles.count {
            let slice = Array(tiles[start..<min(start + batch, tiles.count)])
            let encoded = try parallelism.map(slice.count) { i -> [UInt8] in
                try encode(slice[i], layers: snapshot)
            }
            for (tile, bytes) in zip(slice, encoded) {
                if bytes.isEmpty { report.emptyTiles += 1; continue }
                try writer.write(zoom: tile.zoom, row: tile.row, column: tile.column, data: bytes)
                report.tiles += 1
                report.bytes += bytes.count
            }
            start += slice.count
            progress(start, tiles.count)
        }
        for layer in held {
            let zooms = layer.limits.keys.filter { (minZoom...maxZoom).contains($0) }
            if let low = zooms.min(), let high = zooms.max() { report.zooms[layer.name] = low...high }
        }
        try writer.finish(metadata: metadata(held, report: report, minZoom: minZoom, maxZoom: maxZoom))
        return report
    }

    /// One tile with every layer that covers it.
    static func encode(_ tile: WebMercatorQuad.Tile, layers: [HeldLayer]) throws -> [UInt8] {
        let encoder = TileEncoder()
        let box = encoder.selectionBox(tile)
        var contents: [TileLayerContent] = []
        var found: [Int] = []
        for layer in layers {
            guard let l = layer.limits[tile.zoom], l.rows.contains(tile.row), l.columns.contains(tile.column) else { continue }
            layer.tree.search(box, into: &found)
            if !found.isEmpty { contents.append(TileLayerContent(name: layer.name, features: found.map { layer.features[$0] })) }
        }
        guard !contents.isEmpty else { return [] }
        return try encoder.encode(contents, tile: tile)
    }

    static func metadata(_ layers: [HeldLayer], report: Report, minZoom: Int, maxZoom: Int) throws -> [(String, String)] {
        var all = Envelope.empty
        for layer in layers { for f in layer.features { if let e = f.geometry?.envelope { all.expand(toInclude: e) } } }
        let vectorLayers: [[String: Any]] = layers.map { layer in
            let zooms = report.zooms[layer.name]
            return ["id": layer.name, "minzoom": zooms?.lowerBound ?? minZoom, "maxzoom": zooms?.upperBound ?? maxZoom,
                    "fields": Dictionary(uniqueKeysWithValues: layer.fields.map { ($0.name, $0.type == .text || $0.type == .date || $0.type == .dateTime ? "String" : "Number") })]
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: ["vector_layers": vectorLayers], options: [.sortedKeys]), as: UTF8.self)
        var out: [(String, String)] = [("name", layers.map(\.name).joined(separator: ",")), ("format", "pbf"), ("type", "overlay"), ("version", "2"),
                                       ("minzoom", String(minZoom)), ("maxzoom", String(maxZoom)), ("json", json),
                                       ("description", "vector tiles of a RenewalGIS store (WebMercatorQuad, MVT 2.1)")]
        if !all.isEmpty {
            out.append(("bounds", "\(all.minX),\(all.minY),\(all.maxX),\(all.maxY)"))
            out.append(("center", "\(all.center.x),\(all.center.y),\(minZoom)"))
        }
        return out
    }
}
