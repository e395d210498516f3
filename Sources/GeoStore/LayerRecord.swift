import GeoKernel

/// One entry of a store's layer catalogue: what a layer is and where it came from.
public struct LayerRecord: Codable, Sendable, Hashable {
    /// Table name of the layer in the store.
    public var name: String
    /// `source` for imported layers, `result` for layers an analysis wrote.
    public var kind: String
    /// The file it was imported from (or the analysis that wrote it).
    public var sourceFile: String
    /// The layer inside the source file.
    public var sourceLayer: String
    /// The CRS the source coordinates were in (`EPSG:4545`, `GCJ02`, …); stored geometry is always EPSG:4490.
    public var sourceCRS: String
    public var featureCount: Int
    /// Extent in EPSG:4490 lon/lat degrees; nil for an empty layer.
    public var minX: Double?
    public var minY: Double?
    public var maxX: Double?
    public var maxY: Double?
    /// SpatiaLite geometry type of the `geom` column: POINT, MULTIPOLYGON, …
    public var geometryType: String
    /// ISO 8601 UTC time of the import.
    public var importedAt: String
    /// Invalid geometries repaired with GEOS MakeValid.
    public var repairedCount: Int
    /// Features skipped: no geometry, empty geometry, or nothing left after repair.
    public var skippedCount: Int

    public init(name: String, kind: String, sourceFile: String, sourceLayer: String, sourceCRS: String, featureCount: Int,
                minX: Double? = nil, minY: Double? = nil, maxX: Double? = nil, maxY: Double? = nil,
                geometryType: String, importedAt: String, repairedCount: Int = 0, skippedCount: Int = 0) {
        self.name = name; self.kind = kind; self.sourceFile = sourceFile; self.sourceLayer = sourceLayer
        self.sourceCRS = sourceCRS; self.featureCount = featureCount
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
        self.geometryType = geometryType; self.importedAt = importedAt
        self.repairedCount = repairedCount; self.skippedCount = skippedCount
    }

    /// Every field of the entry in one string (an ETag ingredient): equal exactly when the entries are.
    public var fingerprint: String {
        func text(_ d: Double?) -> String { d.map { "\($0.bitPattern)" } ?? "-" }
        return [name, kind, sourceFile, sourceLayer, sourceCRS, String(featureCount), text(minX), text(minY), text(maxX), text(maxY),
                geometryType, importedAt, String(repairedCount), String(skippedCount)].joined(separator: "\u{1F}")
    }

    public var extent: Envelope? {
        guard let minX, let minY, let maxX, let maxY else { return nil }
        return Envelope(minX: minX, minY: minY, maxX: maxX, maxY: maxY)
    }
}
