import Foundation

/// Why a store operation failed. Every case names the store file and what to do next.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case notAStore(path: String, reason: String)
    case cannotCreate(path: String, reason: String)
    case unknownLayer(path: String, layer: String, available: [String])
    case layerExists(path: String, layer: String)
    case invalidLayerName(String)
    case invalidGeometry(location: String, reason: String)
    case incompatibleGeometry(location: String, kind: String, layerKind: String)
    case noCRS(path: String, layer: String)
    case database(path: String, message: String)
    case unknownField(layer: String, field: String, available: [String])
    /// A query ran past the reader's time limit and was interrupted.
    case queryTimeLimit(seconds: Double)
    /// A query this backend cannot run as asked (past one of its limits): the reason, for the client.
    case unsupportedQuery(String)

    public var description: String {
        switch self {
        case .notAStore(let path, let reason): "\(path): not a RenewalGIS store (\(reason))"
        case .cannotCreate(let path, let reason): "\(path): cannot create the store (\(reason))"
        case .unknownLayer(let path, let layer, let available):
            "\(path): no layer \"\(layer)\" in the store (layers: \(available.isEmpty ? "none" : available.joined(separator: ", ")))"
        case .layerExists(let path, let layer):
            "\(path): layer \"\(layer)\" already exists; pass --replace to replace it"
        case .invalidLayerName(let name):
            "invalid layer name \"\(name)\": use letters, digits and _ (starting with a letter)"
        case .invalidGeometry(let location, let reason): "\(location): invalid geometry: \(reason)"
        case .incompatibleGeometry(let location, let kind, let layerKind):
            "\(location): a \(kind) cannot go into a \(layerKind) layer"
        case .noCRS(let path, let layer):
            "\(path): layer \(layer) declares no CRS and its coordinates are not lon/lat inside China; pass --crs (e.g. --crs EPSG:4545 or --crs GCJ02)"
        case .database(let path, let message): "\(path): \(message)"
        case .unknownField(let layer, let field, let available):
            "layer \(layer) has no field \"\(field)\" (fields: \(available.isEmpty ? "none" : available.joined(separator: ", ")))"
        case .queryTimeLimit(let seconds):
            "the query ran longer than \(Int(seconds)) s and was stopped; narrow it (bbox, filter, a smaller limit)"
        case .unsupportedQuery(let reason): reason
        }
    }
}
