import Foundation
import GeoStore
import GRDB

/// The catalogue table (`renewalgis_layers`) holds one `LayerRecord` per row.
extension LayerRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "renewalgis_layers"

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
