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
    /// The street layer to walk on: the one named, else `streets`, else `roads`.
    public static func streetLayerName(in store: any LayerStore, mapping: LayerMapping) throws -> String {
        let names = try store.layers().map(\.name)
        if let named = mapping.streets {
            guard names.contains(named) else { throw StoreError.unknownLayer(path: store.location, layer: named, available: names) }
            return named
        }
        guard let found = ["streets", "roads"].first(where: names.contains) else {
            throw InputError("network mode needs a street layer: the store has neither streets nor roads (layers: \(names.joined(separator: ", "))); import one or pass --streets")
        }
        return found
    }

    /// Residential parcels (land-use code with a residential prefix), in the loader's (metric) CRS;
    /// with `district`, only that district's own.
    public static func residentialParcels(_ loader: LayerLoader, mapping: LayerMapping, district: DistrictScope? = nil) throws -> LoadedParcels {
        var parcels: [ResidentialParcel] = [], stored: [Geometry] = []
        // The store hands over only rows whose code starts like a residential one (LIKE: a superset,
        // any case), or for a district those whose box meets its box, so other parcels' geometry is
        // never decoded; `where` is the exact test.
        var residential = FeatureFilter()
        residential.textPrefixes = mapping.residentialPrefixes.map { (mapping.landUse, $0) }
        try loader.forEach(mapping.parcels, required: [mapping.parcelID, mapping.landUse, mapping.population],
                           filter: try district?.candidates() ?? residential,
                           geometry: .polygonal, where: { row in
                               guard row[mapping.landUse]?.text.map({ code in mapping.residentialPrefixes.contains(where: code.hasPrefix) }) ?? false
                               else { return false }
                               guard let district, let geometry = row.geometry else { return true }
                               return try district.owns(geometry)
                           }) { parcel in
            parcels.append(ResidentialParcel(id: parcel.name(from: mapping.parcelID), geometry: parcel.geometry,
                                             population: parcel[mapping.population]?.number ?? 0))
            stored.append(parcel.storedGeometry)
        }
        return LoadedParcels(parcels: parcels, storedGeometry: stored)
    }

    /// Facilities with their category, in the loader's (metric) CRS; a facility that is not a point
    /// is taken at its centre, a polygonal one with its area as the site area (see `Facility.init(id:category:site:areaM2:)`).
    /// `filter`: only those the store hands over (a district's halo).
    public static func facilities(_ loader: LayerLoader, mapping: LayerMapping, filter: FeatureFilter? = nil) throws -> [Facility] {
        try loader.load(mapping.facilities, required: [mapping.category], optional: [mapping.facilityArea, mapping.facilityID],
                        filter: filter, geometry: .nonEmpty, where: { $0[mapping.category]?.text != nil }).compactMap { site in
            try Facility(id: site[mapping.facilityID]?.text ?? site.id.text ?? "", category: site[mapping.category]?.text ?? "",
                         site: site.geometry, areaM2: site[mapping.facilityArea]?.number)
        }
    }
}
