import Foundation
import GeoKernel
import Support

/// A parcel as the health check counts it (metric CRS, metres).
public struct CheckupParcel: Sendable {
    public var id: String
    public var geometry: Geometry
    public var landUse: String
    public var residential: Bool
    /// Residents (0 where the field is NULL).
    public var population: Double
    /// The values of the fields the catalogue's conditions name.
    public var fields: [String: ConditionValue]
    public init(id: String, geometry: Geometry, landUse: String, residential: Bool, population: Double, fields: [String: ConditionValue]) {
        self.id = id; self.geometry = geometry; self.landUse = landUse; self.residential = residential
        self.population = population; self.fields = fields
    }
}

/// A facility with its capacity (places, beds), at its point in the metric CRS.
public struct CheckupFacility: Sendable {
    public var category: String
    public var capacity: Double
    public var location: Position
    public init(category: String, capacity: Double, location: Position) { self.category = category; self.capacity = capacity; self.location = location }
}

/// One area the indicators are reported for: a compound, community, subdistrict, district, renewal
/// unit or grid cell (polygon in the metric CRS).
public struct CheckupUnit: Sendable {
    public var id: String
    public var name: String
    public var geometry: Geometry
    public init(id: String, name: String, geometry: Geometry) { self.id = id; self.name = name; self.geometry = geometry }
}

/// A level of aggregation and its units.
public struct CheckupLevel: Sendable {
    /// ASCII key (community, subdistrict, …), used in layer and file names.
    public var key: String
    /// Chinese name of the level (社区).
    public var label: String
    public var units: [CheckupUnit]
    public init(key: String, label: String, units: [CheckupUnit]) { self.key = key; self.label = label; self.units = units }
}

/// The indicators of one level: a value per unit and indicator (nil where it does not apply, e.g. a
/// coverage ratio of a unit without residential land).
public struct LevelIndicators: Sendable {
    public var level: CheckupLevel
    /// `values[u][k]`: unit u, indicator k of the catalogue.
    public var values: [[Double?]]
    public var parcels: [Int]
    public var residents: [Double]
    /// Parcels whose representative point lies in no unit of the level (counted in no unit's values).
    public var parcelsOutside: Int
    public var facilitiesOutside: Int
    /// Per unit, how many indicators it fails (its rows in the ledger).
    public var problems: [Int]
}

/// One row of the problem ledger (问题清单): a unit that fails an indicator's threshold.
public struct LedgerEntry: Sendable, Equatable {
    public var level: String
    public var unit: Int
    public var indicator: Int
    public var value: Double
    /// How far the value falls short of the threshold, in the indicator's unit (always > 0).
    public var shortfall: Double
}

/// The health check (城市体检): every indicator of a catalogue at every level, from parcels (each
/// counted in the unit holding its representative point: its centroid, or a point on its surface
/// where the centroid falls outside) and facilities (their point), and the ledger of failures.
/// Values are sums over members, so a level's values are exactly the roll-up of its parcels, and a
/// unit's value does not depend on how other levels cut the city.
public enum HealthCheck {
    /// - `covered[category][i]`: the share (0–1) of parcel i's area within the category's service
    ///   reach (coverage), for residential parcels; categories absent count as covering nothing.
    /// - `access[category][i]`: parcel i's capacity per person within reach (two-step floating
    ///   catchment), for residential parcels; categories absent count as 0.
    public static func run(levels: [CheckupLevel], parcels: [CheckupParcel], facilities: [CheckupFacility],
                           covered: [String: [Double]], access: [String: [Double]] = [:], catalogue: IndicatorCatalogue,
                           parallelism: Parallelism = .serial) throws -> (levels: [LevelIndicators], ledger: [LedgerEntry]) {
        let points = try representativePoints(parcels)
        let areas = parcels.map { PlanarRing.area($0.geometry) }
        var results: [LevelIndicators] = [], ledger: [LedgerEntry] = []
        for level in levels {
            let parcelUnit = try assign(points, to: level.units, parallelism: parallelism)
            let facilityUnit = try assign(facilities.map(\.location), to: level.units, parallelism: parallelism)
            var members = [[Int]](repeating: [], count: level.units.count)
            var sites = [[Int]](repeating: [], count: level.units.count)
            for (i, u) in parcelUnit.enumerated() { if let u { members[u].append(i) } }
            for (j, u) in facilityUnit.enumerated() { if let u { sites[u].append(j) } }
            let values = level.units.indices.map { u in
                catalogue.indicators.map { indicator in
                    value(indicator, parcels: members[u], facilities: sites[u], all: parcels, areas: areas, facilityList: facilities,
                          covered: covered, access: access)
                }
            }
            var problems = [Int](repeating: 0, count: level.units.count)
            for u in level.units.indices {
                for (k, indicator) in catalogue.indicators.enumerated() {
                    guard let threshold = indicator.threshold, let v = values[u][k] else { continue }
                    let shortfall = threshold.shortfall(v)
                    if shortfall > 1e-9 {
                        ledger.append(LedgerEntry(level: level.key, unit: u, indicator: k, value: v, shortfall: shortfall))
                        problems[u] += 1
                    }
                }
            }
            results.append(LevelIndicators(level: level, values: values, parcels: members.map(\.count),
                                           residents: members.map { $0.reduce(0) { $0 + parcels[$1].population } },
                                           parcelsOutside: parcelUnit.filter { $0 == nil }.count,
                                           facilitiesOutside: facilityUnit.filter { $0 == nil }.count, problems: problems))
        }
        return (results, ledger)
    }

    /// The value of `indicator` over the parcels `members` and facilities `sites` of one unit.
    static func value(_ indicator: Indicator, parcels members: [Int], facilities sites: [Int], all parcels: [CheckupParcel], areas: [Double],
                      facilityList: [CheckupFacility], covered: [String: [Double]], access: [String: [Double]]) -> Double? {
        let homes = members.filter { parcels[$0].residential }
        let homeArea = homes.reduce(0) { $0 + areas[$1] }
        let residents = members.reduce(0) { $0 + parcels[$1].population }
        func meets(_ i: Int) -> Bool {
            guard let condition = indicator.condition else { return false }
            return condition.matches(parcels[i].fields[condition.field] ?? .missing)
        }
        switch indicator.formula {
        case .coverageRatio:
            guard homeArea > 0 else { return nil }
            let fractions = covered[indicator.category ?? ""]
            return homes.reduce(0) { $0 + (fractions?[$1] ?? 0) * areas[$1] } / homeArea * 100
        case .placesGap:
            let needed = (residents * (indicator.perThousand ?? 0) / 1000).rounded(.up)
            let offered = sites.filter { facilityList[$0].category == indicator.category }.reduce(0) { $0 + facilityList[$1].capacity }
            return max(0, needed - offered)
        case .perCapitaArea:
            guard residents > 0 else { return nil }
            let prefixes = indicator.landUse ?? []
            let land = members.filter { i in prefixes.contains { parcels[i].landUse.hasPrefix($0) } }.reduce(0) { $0 + areas[$1] }
            return land / residents
        case .shareOfResidential:
            guard homeArea > 0 else { return nil }
            return homes.filter(meets).reduce(0) { $0 + areas[$1] } / homeArea * 100
        case .countResidential:
            return Double(homes.filter(meets).count)
        case .area:
            return members.filter(meets).reduce(0) { $0 + areas[$1] } / 10_000
        case .accessPerThousand:
            let people = homes.reduce(0) { $0 + parcels[$1].population }
            guard people > 0 else { return nil }
            let values = access[indicator.category ?? ""]
            return homes.reduce(0) { $0 + (values?[$1] ?? 0) * parcels[$1].population } / people * 1000
        }
    }

    /// Each parcel's centroid, or a point on its surface where the centroid falls outside it.
    static func representativePoints(_ parcels: [CheckupParcel]) throws -> [Position?] {
        let geos = try GEOSContext()
        return try parcels.map { try DemandSite.representativePoint(of: $0.geometry, geos: geos) }
    }

    /// The unit holding each point (the first in unit order where units overlap or share an edge), nil outside all.
    static func assign(_ points: [Position?], to units: [CheckupUnit], parallelism: Parallelism) throws -> [Int?] {
        guard !units.isEmpty else { return points.map { _ in nil } }
        let boxes = units.map { $0.geometry.envelope ?? .empty }
        let tree = PackedBoxTree(boxes)
        let size = 2_048
        let chunks = (points.count + size - 1) / size
        let parts: [[Int?]] = try parallelism.map(chunks) { c in
            // A GEOS context and prepared units per chunk: a context never crosses threads.
            let geos = try GEOSContext()
            var prepared: [Int: GEOSPreparedGeometry] = [:]
            var out: [Int?] = [], near: [Int] = []
            for i in c * size..<min(points.count, (c + 1) * size) {
                guard let p = points[i] else { out.append(nil); continue }
                near.removeAll(keepingCapacity: true)
                tree.search(Envelope(minX: p.x, minY: p.y, maxX: p.x, maxY: p.y), into: &near)
                let point = try geos.make(.point(p))
                var found: Int? = nil
                for u in near.sorted() {
                    if prepared[u] == nil { prepared[u] = try GEOSPreparedGeometry(geos.make(units[u].geometry)) }
                    if try prepared[u]!.covers(point) { found = u; break }
                }
                out.append(found)
            }
            return out
        }
        return parts.flatMap { $0 }
    }
}
