import Foundation
import GeoFiles
import GeoKernel
import RenewalAnalysis
import RenewalStore
import GeoStore

/// A problem with the analysis inputs in the store: the layer, field or value, and what to do.
public struct InputError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Which store layers and fields an analysis reads. Defaults match GeoData/ and ../shared/bench.
public struct LayerMapping: Sendable {
    public var parcels = "parcels"
    public var parcelID = "parcel_id"
    public var landUse = "land_use"
    /// A parcel is residential when its land-use code starts with one of these (用地用海 07…).
    public var residentialPrefixes = ["07"]
    public var population = "population"
    public var facilities = "facilities"
    public var category = "category"
    /// Facility site area in m² (parks), read when the field exists.
    public var facilityArea = "area_m2"
    public var facilityID = "facility_id"
    /// Street layer for walking; nil: `streets`, else `roads`.
    public var streets: String?
    public var streetClass = "class"
    public init() {}
}

extension PropertyValue {
    /// A yes/no attribute as layers write it: true/1/yes/是 (any case) or a non-zero number; nil for null.
    var flag: Bool? {
        if case .string(let s) = self { return ["true", "1", "yes", "是"].contains(s.lowercased()) }
        return number.map { $0 != 0 }
    }
}

/// Analysis inputs read from the store and projected into the metric CRS.
public struct LoadedParcels: Sendable {
    public var parcels: [ResidentialParcel]
    /// The same parcels' geometry as stored (EPSG:4490), for writing results without reprojecting back.
    public var storedGeometry: [Geometry]
}

public enum LayerInputs {
    /// The fields of `layer` (which must exist), after checking it has every one of `required`;
    /// the error names the layer, the missing field and the fields it does have.
    static func requireFields(_ required: [String], in layer: String, store: SpatialStore) throws -> [FieldInfo] {
        _ = try store.layer(layer)
        let fields = try store.fields(of: layer)
        if let missing = required.first(where: { name in !fields.contains { $0.name == name } }) {
            throw InputError("layer \(layer) has no field \(missing) (fields: \(fields.map(\.name).joined(separator: ", ")))")
        }
        return fields
    }

    /// Up to 8 × 8 boxes that together cover `geometry` more tightly than its envelope (cells of the
    /// envelope that meet the geometry): a long river band's envelope would take in half a city.
    static func coveringBoxes(_ geometry: Geometry, geos: GEOSContext, cells: Int = 8) throws -> [Envelope] {
        guard let env = geometry.envelope else { return [] }
        let shape = try geos.make(geometry)
        let prepared = try GEOSPreparedGeometry(shape)
        var boxes: [Envelope] = []
        let w = env.width / Double(cells), h = env.height / Double(cells)
        for i in 0..<cells {
            for j in 0..<cells {
                let box = Envelope(minX: env.minX + Double(i) * w, minY: env.minY + Double(j) * h,
                                   maxX: env.minX + Double(i + 1) * w, maxY: env.minY + Double(j + 1) * h)
                let rect = try geos.make(.polygon([[Position(box.minX, box.minY), Position(box.maxX, box.minY), Position(box.maxX, box.maxY),
                                                    Position(box.minX, box.maxY), Position(box.minX, box.minY)]]))
                if try prepared.intersects(rect) { boxes.append(box) }
            }
        }
        return boxes
    }

    /// The street layer to walk on: the one named, else `streets`, else `roads`.
    public static func streetLayerName(in store: SpatialStore, mapping: LayerMapping) throws -> String {
        let names = try store.layers().map(\.name)
        if let named = mapping.streets {
            guard names.contains(named) else { throw StoreError.unknownLayer(path: store.path, layer: named, available: names) }
            return named
        }
        guard let found = ["streets", "roads"].first(where: names.contains) else {
            throw InputError("network mode needs a street layer: the store has neither streets nor roads (layers: \(names.joined(separator: ", "))); import one or pass --streets")
        }
        return found
    }

    /// Street lines with their class, in `metric` (multi-part lines split into their parts).
    public static func streets(from store: SpatialStore, mapping: LayerMapping, metric: CRS) throws -> (layer: String, lines: [StreetLine]) {
        let layer = try streetLayerName(in: store, mapping: mapping)
        let fields = try store.fields(of: layer)
        let classField = fields.contains { $0.name == mapping.streetClass } ? mapping.streetClass
            : fields.first { ["class", "fclass", "highway", "type", "道路等级"].contains($0.name) }?.name
        guard let classField else {
            throw InputError("layer \(layer) has no street class field \(mapping.streetClass) (fields: \(fields.map(\.name).joined(separator: ", ")))")
        }
        let projector = try Projector(from: .cgcs2000, to: metric)
        var lines: [StreetLine] = []
        try store.forEachFeature(in: layer, columns: [classField]) { feature in
            guard var geometry = feature.geometry else { return }
            try projector.transform(&geometry)
            let streetClass = feature[classField]?.text ?? ""
            switch geometry.extractingParts(ofDimension: 1) {
            case .multiLineString(let parts)?: lines += parts.filter { $0.count >= 2 }.map { StreetLine(positions: $0, streetClass: streetClass) }
            default: break
            }
        }
        return (layer, lines)
    }

    /// Residential parcels (land-use code with a residential prefix), in `metric`.
    public static func residentialParcels(from store: SpatialStore, mapping: LayerMapping, metric: CRS) throws -> LoadedParcels {
        _ = try requireFields([mapping.parcelID, mapping.landUse, mapping.population], in: mapping.parcels, store: store)
        let projector = try Projector(from: .cgcs2000, to: metric)
        var parcels: [ResidentialParcel] = [], stored: [Geometry] = []
        // SQLite hands over only rows whose code starts like a residential one (LIKE: a superset,
        // any case), so other parcels' geometry is never decoded; the test below is the exact one.
        var residential = FeatureFilter()
        residential.textPrefixes = mapping.residentialPrefixes.map { (mapping.landUse, $0) }
        try store.forEachFeature(in: mapping.parcels, columns: [mapping.parcelID, mapping.landUse, mapping.population],
                                 filter: residential) { feature in
            guard let code = feature[mapping.landUse]?.text, mapping.residentialPrefixes.contains(where: code.hasPrefix),
                  let geometry = feature.geometry, geometry.kind.dimension == 2 else { return }
            var metricGeometry = geometry
            try projector.transform(&metricGeometry)
            let id = feature[mapping.parcelID]?.text ?? "fid \(feature.id.text ?? "?")"
            parcels.append(ResidentialParcel(id: id, geometry: metricGeometry, population: feature[mapping.population]?.number ?? 0))
            stored.append(geometry)
        }
        return LoadedParcels(parcels: parcels, storedGeometry: stored)
    }

    /// Facilities with their category, in `metric` (a polygonal facility is taken at its centre,
    /// with its area as the site area).
    public static func facilities(from store: SpatialStore, mapping: LayerMapping, metric: CRS) throws -> [Facility] {
        let fields = try requireFields([mapping.category], in: mapping.facilities, store: store)
        let hasArea = fields.contains { $0.name == mapping.facilityArea }
        let projector = try Projector(from: .cgcs2000, to: metric)
        let geos = try GEOSContext()
        var out: [Facility] = []
        try store.forEachFeature(in: mapping.facilities, columns: [mapping.category, mapping.facilityArea, mapping.facilityID]) { feature in
            guard let category = feature[mapping.category]?.text, var geometry = feature.geometry, !geometry.isEmpty else { return }
            try projector.transform(&geometry)
            var area = hasArea ? feature[mapping.facilityArea]?.number : nil
            let location: Position
            switch geometry {
            case .point(let p): location = p
            case .multiPoint(let ps) where !ps.isEmpty: location = ps[0]
            default:
                location = geometry.envelope!.center
                if geometry.kind.dimension == 2, area == nil { area = try geos.make(geometry).area() }
            }
            let id = feature[mapping.facilityID]?.text ?? feature.id.text ?? ""
            out.append(Facility(id: id, category: category, location: location, areaM2: area))
        }
        return out
    }
}
