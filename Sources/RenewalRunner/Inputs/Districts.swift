import Foundation
import GeoKernel
import GeoStore
import Support

/// A city split by district (区县): the store's districts layer (setting `districts_layer`) and its
/// code field (`district_field`), with the rule that places every feature in one district — the
/// district whose polygon covers the feature's representative point (GEOS/PostGIS PointOnSurface, in
/// EPSG:4490), the lowest code on a shared boundary. `renewalgis partition` records the two settings;
/// `--district CODE` runs read them here.
///
/// One instance belongs to one thread (its `RegionAssignment` owns a GEOS context).
public final class Districts {
    public let layer: String
    public let field: String
    /// Every district's code, ascending.
    public var codes: [String] { assignment.codes }
    private let assignment: RegionAssignment

    /// The districts of `store`, or nil when it records none (no `districts_layer` setting).
    /// Throws `InputError` when the layer or field is missing, a code is empty or repeated.
    public static func of(_ store: any LayerStore) throws -> Districts? {
        guard let layer = try store.setting("districts_layer") else { return nil }
        guard let field = try store.setting("district_field") else {
            throw InputError("the store names districts layer \(layer) but no district_field; run `renewalgis partition --store \(store.location) --districts \(layer) --field CODE`")
        }
        return try Districts(store: store, layer: layer, field: field)
    }

    /// Reads the districts from `layer`, codes from `field`.
    public init(store: any LayerStore, layer: String, field: String) throws {
        let loader = try LayerLoader(store: store, crs: .cgcs2000)
        var regions: [(code: String, geometry: Geometry)] = []
        try loader.forEach(layer, required: [field], geometry: .polygonal) { district in
            guard let code = district[field]?.text?.trimmingCharacters(in: .whitespaces), !code.isEmpty else {
                throw InputError("districts layer \(layer): feature \(district.id.text ?? "?") has no \(field)")
            }
            regions.append((code, district.storedGeometry))
        }
        guard !regions.isEmpty else { throw InputError("districts layer \(layer) has no polygons") }
        regions.sort { $0.code < $1.code }
        for (a, b) in zip(regions, regions.dropFirst()) where a.code == b.code {
            throw InputError("districts layer \(layer): code \(a.code) appears twice in \(field); a district is one feature (a multipolygon when it has parts)")
        }
        self.layer = layer
        self.field = field
        assignment = try RegionAssignment(regions)
    }

    /// The district holding `geometry`'s representative point (geometry as stored, EPSG:4490); nil outside every district.
    public func district(of geometry: Geometry) throws -> String? { try assignment.region(of: geometry) }

    /// The bounding box (EPSG:4490) of district `code`; `InputError` naming the codes there are when unknown.
    public func envelope(of code: String) throws -> Envelope {
        guard let k = assignment.codes.firstIndex(of: code) else {
            throw InputError("no district \(code) in \(layer).\(field)\(NearestNames.suggestion(for: code, in: codes)) (districts: \(codes.joined(separator: ", ")))")
        }
        return assignment.envelopes[k]
    }
}

/// What a `--district CODE` job reads and writes: its own features (those `Districts` places in the
/// district) and, for context, every feature within `halo` metres of them.
public struct DistrictScope {
    public let code: String
    public let districts: Districts

    /// The scope of district `code` of `districts` (an `InputError` naming the codes there are when unknown).
    public init(districts: Districts, code: String) throws {
        _ = try districts.envelope(of: code)
        self.code = code
        self.districts = districts
    }

    /// The scope a `--district CODE` run asks for: checks, before any work, that the store can write
    /// one district's rows (not a SpatiaLite file), that it is split (`districts`: `Districts.of(store)`)
    /// and that it has the district.
    public static func requested(_ code: String, in store: any LayerStore, districts: Districts?) throws -> DistrictScope {
        _ = try writer(store)
        guard let districts else {
            throw InputError("\(store.location) is not split by district: run `renewalgis partition --store \(store.location) --districts LAYER --field CODE` first (docs/scale.md)")
        }
        return try DistrictScope(districts: districts, code: code)
    }

    /// `store` as one that writes a district's rows, or the `InputError` saying which stores do.
    static func writer(_ store: any LayerStore) throws -> any DistrictResultWriting {
        guard let writer = store as? any DistrictResultWriting else {
            throw InputError("--district writes one district's rows into shared result layers, which \(store.location) cannot: use a PostGIS store (postgresql://…; docs/scale.md)")
        }
        return writer
    }

    /// The store filter for features that may be the district's own: those whose box meets its box.
    public func candidates() throws -> FeatureFilter {
        var filter = FeatureFilter()
        filter.boxes = [try districts.envelope(of: code)]
        return filter
    }

    /// Whether a feature (geometry as stored) is the district's own.
    public func owns(_ storedGeometry: Geometry) throws -> Bool { try districts.district(of: storedGeometry) == code }

    /// The store filter for features within `metres` of `own` (the own features' box, EPSG:4490).
    public static func halo(around own: Envelope, metres: Double) -> FeatureFilter {
        var filter = FeatureFilter()
        filter.boxes = own.isEmpty ? [] : [own.expanded(byMetres: metres)]
        return filter
    }
}
