import Foundation
import GeoKernel
import GRDB

/// One row of the layer catalogue (`renewalgis_layers`): what a layer is and where it came from.
public struct LayerRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "renewalgis_layers"

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

    public var extent: Envelope? {
        guard let minX, let minY, let maxX, let maxY else { return nil }
        return Envelope(minX: minX, minY: minY, maxX: maxX, maxY: maxY)
    }

    static let createSQL = """
        CREATE TABLE IF NOT EXISTS renewalgis_layers (
            name TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL DEFAULT 'source',
            sourceFile TEXT NOT NULL,
            sourceLayer TEXT NOT NULL,
            sourceCRS TEXT NOT NULL,
            featureCount INTEGER NOT NULL,
            minX REAL, minY REAL, maxX REAL, maxY REAL,
            geometryType TEXT NOT NULL,
            importedAt TEXT NOT NULL,
            repairedCount INTEGER NOT NULL DEFAULT 0,
            skippedCount INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS renewalgis_settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
        """
}
