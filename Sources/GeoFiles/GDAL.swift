import CGDAL
import Foundation

/// GDAL's C API, loaded on first use. Only valid after `GDAL.prepare()` succeeded, which every
/// entry point of this module (`VectorSource`, `VectorWriter`) calls before anything else.
let gdal: RGGDAL = GDAL.loaded.table!.pointee

/// Process-wide GDAL set-up, done once: load the library, register the drivers and route GDAL's
/// messages to a quiet handler (we read the last error ourselves and report it with context).
enum GDAL {
    nonisolated(unsafe) static let loaded: (table: UnsafePointer<RGGDAL>?, error: String) = {
        var message = [CChar](repeating: 0, count: 512)
        let table = rg_gdal_load(&message, message.count)
        return (table, message.withUnsafeBufferPointer { GDAL.text($0.baseAddress) })
    }()

    static let ready: Void = {
        guard loaded.table != nil else { return }
        gdal.GDALAllRegister()
        _ = gdal.CPLSetErrorHandler(gdal.CPLQuietErrorHandler)
        // GDAL's CSV driver keeps only the first 2,000 columns unless told otherwise, with nothing
        // but a warning: read them all, so the import can refuse a file wider than a layer can be.
        gdal.CPLSetConfigOption("OGR_CSV_MAX_FIELD_COUNT", "1000000")
    }()

    /// Loads and sets up GDAL; throws (naming `path`, the file about to be read or written)
    /// when the library cannot be loaded.
    static func prepare(for path: String) throws {
        _ = ready
        guard loaded.table != nil else { throw FileError(path: path, reason: loaded.error) }
    }

    /// A C string GDAL returns (field values, names, messages: never NULL in practice) as a Swift string; "" for NULL.
    static func text(_ cString: UnsafePointer<CChar>?) -> String {
        cString.map { String(cString: $0) } ?? ""
    }

    /// GDAL's last error message on this thread, or `fallback` when there is none.
    static func lastError(or fallback: String) -> String {
        // CPLGetLastErrorMsg never returns NULL (an empty string when there is no error).
        let message = GDAL.text(gdal.CPLGetLastErrorMsg())
        return message.isEmpty ? fallback : message
    }

    /// True when the last GDAL call on this thread left an error (not a warning).
    static var failed: Bool {
        let type = gdal.CPLGetLastErrorType()
        return type == CE_Failure || type == CE_Fatal
    }

    /// A `char **` list seen as GDAL's `CSLConstList`.
    static func constList(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> UnsafePointer<UnsafePointer<CChar>?>? {
        list.map { UnsafeRawPointer($0).assumingMemoryBound(to: UnsafePointer<CChar>?.self) }
    }

    /// Calls `body` with a NULL-terminated C string list (`char **`) built from `items`.
    static func withStringList<R>(_ items: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) throws -> R) rethrows -> R {
        var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        for item in items { list = gdal.CSLAddString(list, item) }
        defer { gdal.CSLDestroy(list) }
        return try body(list)
    }
}

/// Why a GIS file could not be read or written: the file, where in it, and what is wrong.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    /// Where in the file: "layer parcels, feature 17 (parcel_id=YZ0017)", "line 12"; empty for the whole file.
    public var location: String
    public var reason: String

    public init(path: String, location: String = "", reason: String) {
        self.path = path; self.location = location; self.reason = reason
    }

    public var description: String {
        location.isEmpty ? "\(path): \(reason)" : "\(path): \(location): \(reason)"
    }
}
