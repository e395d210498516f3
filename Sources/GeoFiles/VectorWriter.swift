import CGDAL
import Foundation
import GeoKernel

/// Writes one layer to a new GIS file, the format chosen by extension: .geojson/.json,
/// .gpkg, .shp, .csv. The file is written under a temporary name beside the target and
/// moved into place by `finish()`, so a failed export never leaves a half-written file.
public final class VectorWriter {
    public let path: String
    private let stagingDirectory: URL
    private let stagingPath: String
    private var dataset: GDALDatasetH?
    private let layer: OGRLayerH
    private let fields: [FieldInfo]
    private let kind: GeometryKind
    private var written = 0

    /// Supported output extensions and their GDAL drivers.
    public static let drivers = ["geojson": "GeoJSON", "json": "GeoJSON", "gpkg": "GPKG", "shp": "ESRI Shapefile", "csv": "CSV"]

    /// - Parameters:
    ///   - crs: the CRS the coordinates will be in; recorded in the file when it is an EPSG code
    ///     (GCJ-02 and BD-09 have no EPSG code: the file then declares no CRS).
    ///   - encoding: text encoding of a Shapefile's .dbf (default UTF-8), e.g. "GBK" for older Chinese software.
    public init(path: String, layerName: String, fields: [FieldInfo], kind: GeometryKind, crs: CRS, encoding: String? = nil) throws {
        try GDAL.prepare(for: path)
        self.path = path
        self.fields = fields
        self.kind = kind
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension.lowercased()
        guard let driverName = VectorWriter.drivers[ext] else {
            throw FileError(path: path, reason: "unsupported output format .\(ext) (use .geojson, .gpkg, .shp or .csv)")
        }
        let directory = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw FileError(path: path, reason: "directory \(directory.path) does not exist")
        }
        stagingDirectory = directory.appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
        do {
            try? FileManager.default.removeItem(at: stagingDirectory)
            try FileManager.default.createDirectory(at: stagingDirectory, withIntermediateDirectories: false)
        } catch {
            throw FileError(path: path, reason: "cannot write in \(directory.path) (\(error.localizedDescription))")
        }
        stagingPath = stagingDirectory.appendingPathComponent(url.lastPathComponent).path

        guard let driver = gdal.GDALGetDriverByName(driverName) else {
            throw FileError(path: path, reason: "GDAL has no \(driverName) driver")
        }
        gdal.CPLErrorReset()
        let ds = stagingPath.withCString { gdal.GDALCreate(driver, $0, 0, 0, 0, GDT_Unknown, nil) }
        guard let ds else {
            try? FileManager.default.removeItem(at: stagingDirectory)
            throw FileError(path: path, reason: GDAL.lastError(or: "cannot create file"))
        }
        dataset = ds

        var srs: OGRSpatialReferenceH? = nil
        if case .epsg(let code) = crs {
            srs = gdal.OSRNewSpatialReference(nil)
            _ = gdal.OSRImportFromEPSG(srs, Int32(code))
            gdal.OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER)
        }
        defer { if let srs { gdal.OSRRelease(srs) } }
        var layerOptions: [String] = []
        switch driverName {
        case "CSV": layerOptions = [kind == .point ? "GEOMETRY=AS_XY" : "GEOMETRY=AS_WKT", "CREATE_CSVT=YES"]
        case "ESRI Shapefile": layerOptions = ["ENCODING=\(encoding ?? "UTF-8")"]
        case "GeoJSON": layerOptions = ["COORDINATE_PRECISION=\(crs.isKnownGeographic ? 8 : 3)", "WRITE_BBOX=NO"]
        default: break
        }
        let created = GDAL.withStringList(layerOptions) { options in
            layerName.withCString { gdal.GDALDatasetCreateLayer(ds, $0, srs, VectorWriter.ogrType(kind), options) }
        }
        guard let created else {
            gdal.GDALClose(ds); dataset = nil
            try? FileManager.default.removeItem(at: stagingDirectory)
            throw FileError(path: path, reason: GDAL.lastError(or: "cannot create layer \(layerName)"))
        }
        layer = created
        for field in fields {
            let type: OGRFieldType = switch field.type {
            case .integer, .boolean: OFTInteger64
            case .real: OFTReal
            default: OFTString
            }
            guard let defn = gdal.OGR_Fld_Create(field.name, type) else { continue }
            defer { gdal.OGR_Fld_Destroy(defn) }
            guard gdal.OGR_L_CreateField(layer, defn, 1) == OGRERR_NONE else {
                abandon()
                throw FileError(path: path, reason: "cannot create field \(field.name): \(GDAL.lastError(or: "unknown"))")
            }
        }
        gdal.CPLErrorReset()
        _ = gdal.OGR_L_StartTransaction(layer)
    }

    deinit { abandon() }

    /// Appends one feature whose properties follow `fields` by name.
    public func write(_ feature: Feature) throws {
        guard let defn = gdal.OGR_L_GetLayerDefn(layer), let f = gdal.OGR_F_Create(defn) else {
            throw FileError(path: path, reason: "cannot create feature")
        }
        defer { gdal.OGR_F_Destroy(f) }
        for (i, field) in fields.enumerated() {
            let index = Int32(i)
            switch feature[field.name] ?? .null {
            case .null: gdal.OGR_F_SetFieldNull(f, index)
            case .bool(let b): gdal.OGR_F_SetFieldInteger64(f, index, b ? 1 : 0)
            case .int(let v): gdal.OGR_F_SetFieldInteger64(f, index, v)
            case .double(let d): gdal.OGR_F_SetFieldDouble(f, index, d)
            case .string(let s): gdal.OGR_F_SetFieldString(f, index, s)
            }
        }
        if let geometry = feature.geometry {
            let wkb = WKB.encode(geometry)
            var g: OGRGeometryH? = nil
            let err = wkb.withUnsafeBytes { gdal.OGR_G_CreateFromWkb($0.baseAddress, nil, &g, Int32($0.count)) }
            guard err == OGRERR_NONE, let g else {
                throw FileError(path: path, location: "feature \(written + 1)", reason: "cannot convert geometry")
            }
            // OGR_F_SetGeometryDirectly takes ownership of g.
            _ = gdal.OGR_F_SetGeometryDirectly(f, g)
        }
        guard gdal.OGR_L_CreateFeature(layer, f) == OGRERR_NONE else {
            throw FileError(path: path, location: "feature \(written + 1)", reason: GDAL.lastError(or: "write failed"))
        }
        written += 1
    }

    /// Closes the file and moves it (with its sidecar files: .shx, .dbf, .prj, .cpg, .csvt) into place.
    public func finish() throws {
        guard let ds = dataset else { return }
        _ = gdal.OGR_L_CommitTransaction(layer)
        gdal.CPLErrorReset()
        gdal.GDALClose(ds)
        dataset = nil
        if GDAL.failed {
            try? FileManager.default.removeItem(at: stagingDirectory)
            throw FileError(path: path, reason: GDAL.lastError(or: "closing failed"))
        }
        let fm = FileManager.default
        let target = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            for name in try fm.contentsOfDirectory(atPath: stagingDirectory.path) {
                let destination = target.appendingPathComponent(name)
                if fm.fileExists(atPath: destination.path) { try fm.removeItem(at: destination) }
                try fm.moveItem(at: stagingDirectory.appendingPathComponent(name), to: destination)
            }
            try fm.removeItem(at: stagingDirectory)
        } catch {
            throw FileError(path: path, reason: "cannot move the finished file into place (\(error.localizedDescription))")
        }
    }

    private func abandon() {
        if let ds = dataset { gdal.GDALClose(ds); dataset = nil }
        try? FileManager.default.removeItem(at: stagingDirectory)
    }

    static func ogrType(_ kind: GeometryKind) -> OGRwkbGeometryType {
        switch kind {
        case .point: wkbPoint
        case .lineString: wkbLineString
        case .polygon: wkbPolygon
        case .multiPoint: wkbMultiPoint
        case .multiLineString: wkbMultiLineString
        case .multiPolygon: wkbMultiPolygon
        case .geometryCollection: wkbGeometryCollection
        case .geometry: wkbUnknown
        }
    }
}
