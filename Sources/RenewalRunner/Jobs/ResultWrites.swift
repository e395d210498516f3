import Foundation
import GeoKernel
import GeoStore

/// How a job writes its result layers: the whole layers at once, or — for a `--district` run — only
/// that district's rows (`DistrictResultWriting`).
enum ResultWrites {
    /// The `district` field every result row has in a store split by district (none otherwise).
    static func districtFields(split: Bool) -> [FieldInfo] {
        split ? [FieldInfo(name: ResultLayerSpec.districtField, type: .text)] : []
    }

    /// A district's code as a row value (NULL outside every district).
    static func value(_ district: String?) -> PropertyValue { district.map(PropertyValue.string) ?? .null }

    /// Writes `specs` into `store`: replacing the layers (and dropping `dropping`), or with `district`
    /// replacing only that district's rows; a store that cannot is an `InputError` saying which can.
    @discardableResult
    static func write(_ specs: [ResultLayerSpec], to store: any LayerStore, district: String?, dropping: [String] = [],
                      fill: (ResultLayerSpec, any ResultLayerSink) throws -> Void) throws -> [LayerRecord] {
        guard let district else { return try store.writeResults(specs, dropping: dropping, fill: fill) }
        return try DistrictScope.writer(store).writeResults(specs, district: district, fill: fill)
    }
}
