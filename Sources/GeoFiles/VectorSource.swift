import CGDAL
import Foundation
import GeoKernel

/// A GIS file opened for reading: GeoJSON, GeoPackage, Shapefile, CSV (and anything else OGR
/// reads). GeoPackages of simple features are read with SQLite directly (`GeoPackageFile`),
/// everything else through GDAL/OGR, loaded only then. Owns its handles; not `Sendable`.
public final class VectorSource {
    public let path: String
    /// GDAL's driver short name: "GeoJSON", "GPKG", "ESRI Shapefile", "CSV", …
    public let driver: String
    private let backend: Backend

    private enum Backend {
        case ogr(GDALDatasetH)
        case geoPackage(GeoPackageFile)
    }

    /// Opens `path` read-only. `encoding` (e.g. "GBK") is the text encoding of a Shapefile's
    /// .dbf when it has no .cpg; it is ignored for other formats.
    public convenience init(path: String, encoding: String? = nil) throws {
        try self.init(path: path, encoding: encoding, throughGDAL: false)
    }

    /// `throughGDAL` forces GDAL also for a GeoPackage the direct reader handles (tests compare the two).
    init(path: String, encoding: String? = nil, throughGDAL: Bool) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileError(path: path, reason: "no such file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw FileError(path: path, reason: "file is not readable (permission denied)")
        }
        try VectorSource.checkKind(path)
        let ext = (path as NSString).pathExtension.lowercased()
        if ext == "shp" { try VectorSource.checkShapefileParts(path) }
        if ["csv", "geojson", "json", "geojsonl", "geojsons"].contains(ext) { try TextFileCheck.refuseNUL(path, json: ext != "csv") }
        if ext == "gpkg", !throughGDAL, let file = GeoPackageFile.openIfPlain(path: path) {
            backend = .geoPackage(file)
            driver = "GPKG"
            return
        }
        try GDAL.prepare(for: path)
        var options: [String] = []
        if ext == "shp" || ext == "dbf", let encoding { options.append("ENCODING=\(encoding)") }
        if ext == "csv" {
            // All columns as text (we infer types without eating leading zeros), geometry columns kept as text.
            options += ["AUTODETECT_TYPE=NO", "KEEP_GEOM_COLUMNS=YES", "GEOM_POSSIBLE_NAMES=__none__",
                        "X_POSSIBLE_NAMES=__none__", "Y_POSSIBLE_NAMES=__none__", "EMPTY_STRING_AS_NULL=YES"]
        }
        gdal.CPLErrorReset()
        let handle = GDAL.withStringList(options) { list in
            path.withCString { gdal.GDALOpenEx($0, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), nil, GDAL.constList(list), nil) }
        }
        guard let handle else {
            let message = GDAL.lastError(or: "not a vector file GDAL can read")
            throw FileError(path: path, reason: VectorSource.explain(message, ext: ext))
        }
        backend = .ogr(handle)
        // GDALGetDriverShortName returns a driver-owned string.
        driver = gdal.GDALGetDatasetDriver(handle).flatMap { gdal.GDALGetDriverShortName($0) }.map { String(cString: $0) } ?? "unknown"
    }

    /// Only regular files and directories (a Shapefile folder) are read: a FIFO, socket or device
    /// would block the read or never end.
    static func checkKind(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw FileError(path: path, reason: "cannot read the file (\(String(cString: strerror(errno))))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG, S_IFDIR: return
        case S_IFIFO: throw FileError(path: path, reason: "a FIFO (named pipe), not a file: reading it could wait forever; save the data to a file first")
        case S_IFSOCK: throw FileError(path: path, reason: "a socket, not a file")
        case S_IFCHR, S_IFBLK: throw FileError(path: path, reason: "a device, not a file")
        default: throw FileError(path: path, reason: "not a regular file")
        }
    }

    /// A Shapefile is three files: without its .dbf, GDAL reads the shapes with no attributes at all.
    static func checkShapefileParts(_ path: String) throws {
        let base = (path as NSString).deletingPathExtension
        for part in ["dbf"] {
            let candidates = [part, part.uppercased()].map { (base as NSString).appendingPathExtension($0)! }
            guard candidates.contains(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw FileError(path: path, reason: "the Shapefile's attribute table \((base as NSString).lastPathComponent).\(part) is missing (a Shapefile is .shp, .shx and .dbf side by side); without it every attribute would be lost")
            }
        }
    }

    /// False when the file is a GeoPackage read with SQLite directly.
    var readsThroughGDAL: Bool {
        if case .ogr = backend { true } else { false }
    }

    deinit {
        if case .ogr(let dataset) = backend { gdal.GDALClose(dataset) }
    }

    /// Turns GDAL's open failure into a message that names the format the user meant.
    static func explain(_ message: String, ext: String) -> String {
        switch ext {
        case "geojson", "json": "malformed GeoJSON (\(message))"
        case "shp": "unreadable Shapefile (\(message))"
        case "gpkg": "unreadable GeoPackage (\(message))"
        case "csv": "unreadable CSV (\(message))"
        default: message
        }
    }

    /// Names of the file's layers, in file order.
    public var layerNames: [String] {
        switch backend {
        case .geoPackage(let file):
            file.tables.map(\.name)
        case .ogr(let dataset):
            (0..<gdal.GDALDatasetGetLayerCount(dataset)).compactMap { i in
                gdal.GDALDatasetGetLayer(dataset, i).flatMap { gdal.OGR_L_GetName($0) }.map { String(cString: $0) }
            }
        }
    }

    /// The layer called `name`; throws naming the layers the file does have.
    public func layer(named name: String) throws -> SourceLayer {
        func missing() -> FileError {
            FileError(path: path, reason: "no layer \"\(name)\" (layers: \(layerNames.joined(separator: ", ")))")
        }
        switch backend {
        case .geoPackage(let file):
            guard let table = file.tables.first(where: { $0.name == name }) else { throw missing() }
            return SourceLayer(source: self, file: file, table: table)
        case .ogr(let dataset):
            guard let h = name.withCString({ gdal.GDALDatasetGetLayerByName(dataset, $0) }) else { throw missing() }
            return try SourceLayer(source: self, handle: h)
        }
    }

    /// Every layer of the file.
    public func layers() throws -> [SourceLayer] {
        switch backend {
        case .geoPackage(let file):
            file.tables.map { SourceLayer(source: self, file: file, table: $0) }
        case .ogr(let dataset):
            try (0..<gdal.GDALDatasetGetLayerCount(dataset)).compactMap { i in
                guard let h = gdal.GDALDatasetGetLayer(dataset, i) else { return nil }
                return try SourceLayer(source: self, handle: h)
            }
        }
    }
}

/// One feature as read from a file: attribute values in the layer's field order.
public struct SourceFeature {
    /// 0-based position in the layer.
    public var index: Int
    /// Attribute values, aligned with `SourceLayer.fields`.
    public var values: [PropertyValue]
    /// Geometry in the layer's source CRS; nil for a feature without geometry.
    public var geometry: Geometry?
}

/// A layer of a `VectorSource`. Its handle belongs to the source, which this object keeps alive.
public final class SourceLayer {
    public let source: VectorSource
    private let backend: Backend
    public let name: String
    /// Attribute fields (for CSV: the columns other than the geometry ones, with inferred types).
    public private(set) var fields: [FieldInfo]
    /// Geometry kind the file declares; nil when it declares none or a mix.
    public let declaredKind: GeometryKind?
    /// CRS the file declares (.prj, GeoPackage srs, GeoJSON crs member); nil when it declares none.
    public let declaredCRS: CRS?
    /// Human-readable name of the declared CRS, also when no EPSG code could be found for it.
    public let declaredCRSName: String?
    /// For CSV: how geometry is taken from the columns.
    public let csvGeometry: CSVGeometry?
    private var csvFieldIndexes: [Int32] = []

    /// How a CSV carries geometry.
    public enum CSVGeometry: Sendable, Equatable {
        case wkt(column: String)
        case lonLat(lon: String, lat: String)
    }

    private enum Backend {
        case ogr(OGRLayerH)
        case geoPackage(GeoPackageFile, GeoPackageTable)
    }

    init(source: VectorSource, file: GeoPackageFile, table: GeoPackageTable) {
        self.source = source
        backend = .geoPackage(file, table)
        name = table.name
        fields = table.columns.map { FieldInfo(name: $0.name, type: $0.type) }
        declaredKind = table.kind
        declaredCRS = table.crs
        declaredCRSName = table.crsName
        csvGeometry = nil
    }

    init(source: VectorSource, handle: OGRLayerH) throws {
        self.source = source
        backend = .ogr(handle)
        name = gdal.OGR_L_GetName(handle).map { String(cString: $0) } ?? "layer"
        let defn = gdal.OGR_L_GetLayerDefn(handle)
        var all: [FieldInfo] = []
        for i in 0..<gdal.OGR_FD_GetFieldCount(defn) {
            guard let f = gdal.OGR_FD_GetFieldDefn(defn, i) else { continue }
            let fname = GDAL.text(gdal.OGR_Fld_GetNameRef(f))
            all.append(FieldInfo(name: fname, type: SourceLayer.fieldType(gdal.OGR_Fld_GetType(f), gdal.OGR_Fld_GetSubType(f))))
        }
        let flat = gdal.OGR_GT_Flatten(gdal.OGR_L_GetGeomType(handle))
        declaredKind = SourceLayer.kind(flat)
        (declaredCRS, declaredCRSName) = SourceLayer.crs(of: gdal.OGR_L_GetSpatialRef(handle))

        if source.driver == "CSV" {
            let lower = all.map { $0.name.lowercased() }
            func find(_ names: [String]) -> Int? { names.lazy.compactMap { lower.firstIndex(of: $0) }.first }
            let wkt = find(["wkt", "geom_wkt", "geometry", "geom", "the_geom", "shape", "wkt_geom"])
            let lon = find(["lon", "lng", "longitude", "long", "x", "经度"])
            let lat = find(["lat", "latitude", "y", "纬度"])
            var geometryColumns: Set<Int> = []
            if let wkt {
                csvGeometry = .wkt(column: all[wkt].name); geometryColumns = [wkt]
            } else if let lon, let lat {
                csvGeometry = .lonLat(lon: all[lon].name, lat: all[lat].name); geometryColumns = [lon, lat]
            } else {
                throw FileError(path: source.path, reason: "CSV has no geometry: expected a WKT column (wkt, geometry, geom) or lon/lat columns (lon/lng/longitude/x and lat/latitude/y), found \(all.map(\.name).joined(separator: ", "))")
            }
            let kept = all.indices.filter { !geometryColumns.contains($0) }
            csvFieldIndexes = kept.map { Int32($0) }
            fields = kept.map { all[$0] }
            fields = try inferCSVTypes(handle)
        } else {
            csvGeometry = nil
            fields = all
            csvFieldIndexes = all.indices.map { Int32($0) }
        }
    }

    /// Feature count if the driver knows it cheaply, else nil.
    public var featureCountHint: Int? {
        switch backend {
        case .geoPackage(let file, let table):
            return file.recordedCount(table)
        case .ogr(let handle):
            let n = gdal.OGR_L_GetFeatureCount(handle, 0)
            return n >= 0 ? Int(n) : nil
        }
    }

    /// The full count (may scan the file).
    public var featureCount: Int {
        switch backend {
        case .geoPackage(let file, let table): file.count(table) ?? 0
        case .ogr(let handle): Int(max(0, gdal.OGR_L_GetFeatureCount(handle, 1)))
        }
    }

    /// Where feature `index` is, for messages: "line 12" in a CSV, else "layer L, feature N (id_field=value)".
    public func location(of index: Int, values: [PropertyValue] = []) -> String {
        if source.driver == "CSV" { return "line \(index + 2)" }
        var s = "layer \(name), feature \(index + 1)"
        if let i = fields.firstIndex(where: SourceLayer.isIdentifier), i < values.count, let v = values[i].text {
            s += " (\(fields[i].name)=\(v))"
        }
        return s
    }

    static func isIdentifier(_ f: FieldInfo) -> Bool {
        let n = f.name.lowercased()
        return n == "id" || n.hasSuffix("_id") || n == "fid" || n.hasSuffix("编号")
    }

    /// Streams the layer's features in file order, one at a time: memory does not grow with the file.
    /// Throws `FileError` naming the feature (or CSV line) on unreadable geometry or a read error.
    public func forEachFeature(_ body: (SourceFeature) throws -> Void) throws {
        let handle: OGRLayerH
        switch backend {
        case .geoPackage(let file, let table):
            try file.forEachRow(of: table, location: { location(of: $0, values: $1) }) { index, values, geometry in
                try body(SourceFeature(index: index, values: values, geometry: geometry))
            }
            return
        case .ogr(let h):
            handle = h
        }
        gdal.OGR_L_ResetReading(handle)
        var index = 0
        while true {
            gdal.CPLErrorReset()
            guard let f = gdal.OGR_L_GetNextFeature(handle) else {
                if GDAL.failed {
                    throw FileError(path: source.path, location: location(of: index),
                                    reason: "read error: \(GDAL.lastError(or: "unknown"))")
                }
                return
            }
            defer { gdal.OGR_F_Destroy(f) }
            let values = try csvFieldIndexes.enumerated().map { k, i in try value(f, k, i, fields[k].type, index: index) }
            let readError = GDAL.failed ? GDAL.lastError(or: "unknown") : nil
            let geometry = try readGeometry(f, index: index, values: values)
            // Some drivers return the feature and report the damage (a truncated .shp gives a
            // feature without geometry and a CE_Failure): that is a broken file, not a null geometry.
            // (CSV geometry is parsed by readGeometry, which names the line and column itself.)
            if let readError {
                throw FileError(path: source.path, location: location(of: index, values: values), reason: "read error: \(readError)")
            }
            try body(SourceFeature(index: index, values: values, geometry: geometry))
            index += 1
        }
    }

    private func readGeometry(_ f: OGRFeatureH, index: Int, values: [PropertyValue]) throws -> Geometry? {
        var owned: OGRGeometryH? = nil
        defer { if let owned { gdal.OGR_G_DestroyGeometry(owned) } }
        var g: OGRGeometryH?
        switch csvGeometry {
        case .wkt(let column):
            let i = gdal.OGR_F_GetFieldIndex(f, column)
            guard gdal.OGR_F_IsFieldSetAndNotNull(f, i) != 0 else { return nil }
            // OGR_G_CreateFromWkt advances a char * it is given: hand it a copy.
            let copy = strdup(GDAL.text(gdal.OGR_F_GetFieldAsString(f, i)))
            defer { free(copy) }
            var cursor = copy
            var created: OGRGeometryH? = nil
            let err = gdal.OGR_G_CreateFromWkt(&cursor, nil, &created)
            guard err == OGRERR_NONE, let created else {
                let raw = GDAL.text(gdal.OGR_F_GetFieldAsString(f, i))
                throw FileError(path: source.path, location: location(of: index),
                                reason: "bad WKT in column \(column): \"\(raw.prefix(60))\"")
            }
            owned = created
            g = created
        case .lonLat(let lonName, let latName):
            let li = gdal.OGR_F_GetFieldIndex(f, lonName), ai = gdal.OGR_F_GetFieldIndex(f, latName)
            guard gdal.OGR_F_IsFieldSetAndNotNull(f, li) != 0, gdal.OGR_F_IsFieldSetAndNotNull(f, ai) != 0 else { return nil }
            let lonText = GDAL.text(gdal.OGR_F_GetFieldAsString(f, li)).trimmingCharacters(in: .whitespaces)
            let latText = GDAL.text(gdal.OGR_F_GetFieldAsString(f, ai)).trimmingCharacters(in: .whitespaces)
            guard let x = Double(lonText), let y = Double(latText), x.isFinite, y.isFinite else {
                throw FileError(path: source.path, location: location(of: index),
                                reason: "\(lonName)/\(latName) are not numbers: \"\(lonText)\", \"\(latText)\"")
            }
            return .point(Position(x, y))
        case nil:
            // The geometry belongs to the feature.
            g = gdal.OGR_F_GetGeometryRef(f)
        }
        guard var geom = g else { return nil }
        if gdal.OGR_G_HasCurveGeometry(geom, 1) != 0 {
            // Returns a new linear geometry (ours to destroy) or NULL.
            guard let linear = gdal.OGR_G_GetLinearGeometry(geom, 0, nil) else {
                throw FileError(path: source.path, location: location(of: index, values: values), reason: "cannot linearise curved geometry")
            }
            if let owned { gdal.OGR_G_DestroyGeometry(owned) }
            owned = linear
            geom = linear
        }
        if gdal.OGR_G_IsEmpty(geom) != 0 { return .geometryCollection([]) }
        let size = Int(gdal.OGR_G_WkbSize(geom))
        var buffer = [UInt8](repeating: 0, count: size)
        let err = buffer.withUnsafeMutableBufferPointer { gdal.OGR_G_ExportToIsoWkb(geom, wkbNDR, $0.baseAddress) }
        guard err == OGRERR_NONE else {
            throw FileError(path: source.path, location: location(of: index, values: values), reason: "cannot export geometry (OGR error \(err))")
        }
        do {
            return try buffer.withUnsafeBytes { try WKB.decode($0) }
        } catch {
            throw FileError(path: source.path, location: location(of: index, values: values), reason: "\(error)")
        }
    }

    private func value(_ f: OGRFeatureH, _ k: Int, _ i: Int32, _ type: FieldType, index: Int) throws -> PropertyValue {
        guard gdal.OGR_F_IsFieldSetAndNotNull(f, i) != 0 else { return .null }
        /// Text exactly as the file has it: invalid UTF-8 is an error naming the feature and column
        /// (never replaced by U+FFFD).
        func strictText() throws -> String {
            let raw = gdal.OGR_F_GetFieldAsString(f, i)
            guard let raw else { return "" }
            if let text = String(validatingCString: raw) { return text }
            let bytes = UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self)
            let length = strlen(raw)
            let bad = TextFileCheck.firstInvalidUTF8(UnsafeBufferPointer(start: bytes, count: length)) ?? 0
            let shown = (bad..<min(length, bad + 4)).map { String(format: "%02x", bytes[$0]) }.joined(separator: " ")
            throw FileError(path: source.path, location: location(of: index) + ", column \(fields[k].name)",
                            reason: "text is not valid UTF-8 (bytes \(shown) at byte \(bad + 1)); convert the file to UTF-8" + (source.driver == "ESRI Shapefile" ? " or pass --encoding (e.g. GBK)" : ""))
        }
        if source.driver == "CSV" {
            return SourceLayer.parse(try strictText(), as: type)
        }
        switch type {
        case .integer: return .int(gdal.OGR_F_GetFieldAsInteger64(f, i))
        case .boolean: return .bool(gdal.OGR_F_GetFieldAsInteger(f, i) != 0)
        case .real: return .double(gdal.OGR_F_GetFieldAsDouble(f, i))
        case .date, .dateTime:
            return .string(try strictText().replacingOccurrences(of: "/", with: "-"))
        case .text: return .string(try strictText())
        }
    }

    static func parse(_ text: String, as type: FieldType) -> PropertyValue {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch type {
        case .integer: return Int64(t).map(PropertyValue.int) ?? .string(text)
        case .real: return Double(t).map(PropertyValue.double) ?? .string(text)
        case .boolean: return .bool(["true", "1", "yes", "y", "t"].contains(t.lowercased()))
        default: return .string(text)
        }
    }

    /// CSV columns arrive as text; a column becomes INTEGER or REAL only when every value
    /// parses as one and none has a leading zero ("0701" stays text: codes keep their zeros).
    private func inferCSVTypes(_ handle: OGRLayerH) throws -> [FieldInfo] {
        var isInt = [Bool](repeating: true, count: fields.count)
        var isReal = [Bool](repeating: true, count: fields.count)
        var seen = [Bool](repeating: false, count: fields.count)
        gdal.OGR_L_ResetReading(handle)
        while let f = gdal.OGR_L_GetNextFeature(handle) {
            defer { gdal.OGR_F_Destroy(f) }
            for (k, i) in csvFieldIndexes.enumerated() where isInt[k] || isReal[k] {
                guard gdal.OGR_F_IsFieldSetAndNotNull(f, i) != 0 else { continue }
                let t = GDAL.text(gdal.OGR_F_GetFieldAsString(f, i)).trimmingCharacters(in: .whitespaces)
                if t.isEmpty { continue }
                seen[k] = true
                let digits = t.hasPrefix("-") ? t.dropFirst() : Substring(t)
                let leadingZero = digits.count > 1 && digits.first == "0" && digits.dropFirst().first != "."
                if leadingZero { isInt[k] = false; isReal[k] = false; continue }
                if isInt[k] && Int64(t) == nil { isInt[k] = false }
                if isReal[k] && Double(t) == nil { isReal[k] = false }
            }
        }
        gdal.OGR_L_ResetReading(handle)
        return fields.enumerated().map { k, f in
            guard seen[k] else { return f }
            return FieldInfo(name: f.name, type: isInt[k] ? .integer : isReal[k] ? .real : .text)
        }
    }

    static func fieldType(_ t: OGRFieldType, _ sub: OGRFieldSubType) -> FieldType {
        switch t {
        case OFTInteger: sub == OFSTBoolean ? .boolean : .integer
        case OFTInteger64: .integer
        case OFTReal: .real
        case OFTDate: .date
        case OFTDateTime: .dateTime
        default: .text
        }
    }

    static func kind(_ t: OGRwkbGeometryType) -> GeometryKind? {
        switch t {
        case wkbPoint: .point
        case wkbLineString: .lineString
        case wkbPolygon: .polygon
        case wkbMultiPoint: .multiPoint
        case wkbMultiLineString: .multiLineString
        case wkbMultiPolygon: .multiPolygon
        case wkbCircularString, wkbCompoundCurve, wkbMultiCurve: .multiLineString
        case wkbCurvePolygon, wkbMultiSurface: .multiPolygon
        default: nil
        }
    }

    /// The EPSG code of a layer's spatial reference (directly, or by PROJ's best match at
    /// ≥ 70 % confidence, which is how an ESRI .prj without authority gets its code).
    static func crs(of srs: OGRSpatialReferenceH?) -> (CRS?, String?) {
        guard let srs else { return (nil, nil) }
        let name = gdal.OSRGetName(srs).map { String(cString: $0) }
        if let auth = gdal.OSRGetAuthorityName(srs, nil), String(cString: auth) == "EPSG",
           let code = gdal.OSRGetAuthorityCode(srs, nil), let n = Int(String(cString: code)) {
            return (.epsg(n), name)
        }
        var count: Int32 = 0
        var confidences: UnsafeMutablePointer<Int32>? = nil
        // OSRFindMatches returns an array to free with OSRFreeSRSArray, confidences with CPLFree.
        guard let matches = gdal.OSRFindMatches(srs, nil, &count, &confidences) else { return (nil, name) }
        defer { gdal.OSRFreeSRSArray(matches); gdal.VSIFree(confidences) }
        for i in 0..<Int(count) {
            guard let m = matches[i], (confidences?[i] ?? 0) >= 70 else { continue }
            if let auth = gdal.OSRGetAuthorityName(m, nil), String(cString: auth) == "EPSG",
               let code = gdal.OSRGetAuthorityCode(m, nil), let n = Int(String(cString: code)) {
                return (.epsg(n), name)
            }
        }
        return (nil, name)
    }
}

/// Checks on the raw bytes of text formats that GDAL would otherwise pass on damaged.
enum TextFileCheck {
    /// Refuses a file holding a NUL character: a raw 0 byte, or (`json`) the escape \u0000. GDAL
    /// hands text over as C strings, so a NUL would silently cut the value short there.
    static func refuseNUL(_ path: String, json: Bool) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let escape = Array("\\u0000".utf8)
        var offset = 0
        var carry: [UInt8] = []   // the end of the previous chunk, for an escape split across chunks
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            let bytes = carry + Array(chunk)
            let start = offset - carry.count
            try bytes.withUnsafeBufferPointer { buffer in
                let base = buffer.baseAddress!
                // memchr returns NULL when the byte is not there.
                if let hit = memchr(base + carry.count, 0, buffer.count - carry.count) {
                    let at = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                    throw FileError(path: path, reason: "a NUL byte at byte \(start + at + 1): text values cannot hold it (a binary file, or UTF-16?); save the file as UTF-8 text")
                }
                guard json else { return }
                var from = 0
                while from < buffer.count, let hit = memchr(base + from, 0x5C, buffer.count - from) {
                    let at = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                    from = at + 1
                    guard at + escape.count <= buffer.count, buffer[at..<(at + escape.count)].elementsEqual(escape) else { continue }
                    var slashes = 0, k = at
                    while k > 0 && buffer[k - 1] == 0x5C { slashes += 1; k -= 1 }
                    // Only an unescaped backslash starts an escape (\\u0000 is a backslash and "u0000").
                    if slashes % 2 == 0 && at + escape.count > carry.count {
                        throw FileError(path: path, reason: "a \\u0000 (NUL) escape at byte \(start + at + 1): text values cannot hold NUL characters; remove them")
                    }
                }
            }
            offset += chunk.count
            carry = Array(bytes.suffix(64))
        }
    }

    /// Index of the first byte that does not start or continue a valid UTF-8 sequence; nil when all is valid.
    static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var consumed = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s): consumed += UTF8.width(s)
            case .emptyInput: return nil
            case .error: return consumed
            }
        }
    }
}
