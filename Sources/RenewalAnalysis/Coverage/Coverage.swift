import Foundation
import GeoKernel
import Support
import RenewalDomain

/// A residential parcel as the coverage analysis sees it. Geometry in the metric CRS (metres).
public struct ResidentialParcel: Sendable {
    public var id: String
    public var geometry: Geometry
    /// Residents (persons).
    public var population: Double
    public init(id: String, geometry: Geometry, population: Double) {
        self.id = id; self.geometry = geometry; self.population = population
    }
}

/// A public-service facility. Location in the metric CRS (metres).
public struct Facility: Sendable {
    public var id: String
    public var category: String
    public var location: Position
    /// Site area in m², when known (parks take their service radius from it).
    public var areaM2: Double?
    public init(id: String, category: String, location: Position, areaM2: Double? = nil) {
        self.id = id; self.category = category; self.location = location; self.areaM2 = areaM2
    }
}

/// Parameters of the straight-line coverage analysis.
public struct CoverageParameters: Sendable {
    public var radii: ServiceRadii = .defaults
    /// A parcel has a gap in a category when its covered fraction is below this.
    public var fullCoverage: Double = CoverageThreshold.full
    /// Segments per quarter circle of a service area polygon (8, as GEOS, PostGIS and GeoPandas peers).
    public var quadrantSegments = 8
    public init(radii: ServiceRadii = .defaults) { self.radii = radii }
}

/// Coverage of one facility category.
public struct CategoryCoverage: Sendable {
    public var category: String
    public var rule: ServiceRule
    public var facilityCount: Int
    /// Facilities that serve nobody under the rule (parks under 2,000 m²).
    public var facilitiesNotCounted: Int
    /// Parks without a known area, given the smaller 300 m radius.
    public var parksWithoutArea: Int
    /// Covered fraction of each parcel (0…1), in the order of the input parcels.
    public var fractions: [Double]
    /// Residential land outside every service area of the category (m²).
    public var gapAreaM2: Double
    /// Σ population × uncovered share of the parcel.
    public var gapPopulation: Double
    /// Parcels whose covered fraction is below `fullCoverage`.
    public var parcelsWithGap: Int
    /// The 城市体检 coverage ratio: residential land covered ÷ residential land (0…1).
    public var coverageRatio: Double
    /// The service area the fractions were measured against (for gap geometry).
    public var serviceArea: ServiceArea
    /// Network mode: walking distance (reference metres) from each parcel to the nearest facility; nil in straight mode.
    public var walkingDistances: [Double]? = nil
    /// Network mode: facilities farther than the attach distance from any walkable street.
    public var facilitiesUnattached = 0
}

/// What a category's fractions were measured against: straight-line buffers, or (network mode)
/// the walking analysis' own gap piece per parcel (nil where the parcel has no gap).
public enum ServiceArea: Sendable {
    case disks([ServiceDisk], overlaps: DiskOverlaps)
    case gapsPerParcel([Geometry?])
}

/// For each partly covered parcel, the service disks that overlap its area (indices into the
/// category's disks), found while its covered fraction was measured, so that cutting its gap
/// does not search for them again. Empty for uncovered and fully covered parcels.
public struct DiskOverlaps: Sendable {
    /// `disks[start[i]..<start[i + 1]]` are parcel i's.
    private var start: [Int32] = [0]
    private var disks: [Int32] = []

    init() {}

    /// Disk indices overlapping parcel `i`, ascending.
    public func disks(of i: Int) -> ArraySlice<Int32> { disks[Int(start[i])..<Int(start[i + 1])] }

    /// Adds the next parcel's list (parcels are added in order).
    mutating func append<S: Sequence<Int32>>(_ list: S) {
        disks.append(contentsOf: list)
        start.append(Int32(disks.count))
    }
}

/// Result of a coverage run: per category, per parcel.
public struct CoverageResult: Sendable {
    public var parcels: [ResidentialParcel]
    /// Area of each parcel (m²).
    public var parcelAreas: [Double]
    public var categories: [CategoryCoverage]
    public var parameters: CoverageParameters

    /// Per parcel and tier, the categories of that tier it lacks (covered fraction below `fullCoverage`).
    public func missing(parcel index: Int, tier: LifeCircleTier) -> [String] {
        // By index: filtering the categories would copy each whole `CategoryCoverage` (a dozen arrays).
        var names: [String] = []
        for k in categories.indices where categories[k].rule.tier == tier && categories[k].fractions[index] < parameters.fullCoverage {
            names.append(categories[k].category)
        }
        return names
    }

    /// How many categories parcel `index` is not fully covered by.
    public func categoriesWithGap(parcel index: Int) -> Int {
        categories.indices.reduce(0) { $0 + (categories[$1].fractions[index] < parameters.fullCoverage ? 1 : 0) }
    }

    /// Per tier: the share of residential land in parcels that reach every category of the tier,
    /// and how many parcels lack at least one.
    public func tierSummary(_ tier: LifeCircleTier) -> (landShare: Double, parcelsLacking: Int, categories: [String]) {
        let tierCategories = categories.filter { $0.rule.tier == tier }
        guard !tierCategories.isEmpty else { return (1, 0, []) }
        var served = 0.0, lacking = 0
        for i in parcels.indices {
            if tierCategories.allSatisfy({ $0.fractions[i] >= parameters.fullCoverage }) { served += parcelAreas[i] } else { lacking += 1 }
        }
        let total = parcelAreas.reduce(0, +)
        return (total > 0 ? served / total : 1, lacking, tierCategories.map(\.category))
    }
}

/// Straight-line coverage of residential parcels by facility service areas (buffers), in a
/// metric CRS. Pure: values in, values out.
///
/// Definitions: a category's service area is the union of its facilities' buffers (a 32-gon per
/// facility, radius per the table); a parcel's covered fraction is area(parcel ∩ service area) ÷
/// area(parcel). It is computed without building the union: a parcel inside one buffer is fully
/// covered; otherwise the covered area is the inclusion–exclusion sum over the few buffers that
/// overlap it, each term a convex clip (Sutherland–Hodgman). Invariants (tested): covered + gap
/// = parcel area; 0 ≤ fraction ≤ 1.
public enum CoverageAnalysis {
    /// Runs every category of `parameters.radii`, categories spread over `parallelism`'s threads.
    /// `progress` is called once per finished category (from any thread).
    public static func run(parcels: [ResidentialParcel], facilities: [Facility], parameters: CoverageParameters = .init(),
                           parallelism: Parallelism = .serial,
                           progress: (@Sendable (String) -> Void)? = nil) -> CoverageResult {
        let rings = parcels.map { PlanarRing.orientedRings($0.geometry) }
        let areas = rings.map { max(0, $0.reduce(0) { $0 + PlanarRing.signedArea($1) }) }
        let categories = parameters.radii.categories
        let byCategory = Dictionary(grouping: facilities, by: \.category)
        let covered = parallelism.map(categories.count) { k in
            let category = categories[k]
            let rule = parameters.radii.rules[category]!
            let result = cover(category: category, rule: rule, facilities: byCategory[category] ?? [], parcels: parcels,
                               rings: rings, areas: areas, parameters: parameters)
            progress?(category)
            return result
        }
        return CoverageResult(parcels: parcels, parcelAreas: areas, categories: covered, parameters: parameters)
    }

    /// The service disks of a category's facilities, with the counts of parks left out or guessed.
    static func disks(for facilities: [Facility], rule: ServiceRule, quadrantSegments: Int) -> (disks: [ServiceDisk], notCounted: Int, withoutArea: Int) {
        var disks: [ServiceDisk] = [], notCounted = 0, withoutArea = 0
        for f in facilities {
            var radius = rule.radius
            if radius == nil {
                if let area = f.areaM2, area > 0 {
                    radius = ServiceRadii.parkRadius(area: area)
                    if radius == nil { notCounted += 1; continue }
                } else {
                    withoutArea += 1
                    radius = 300
                }
            }
            disks.append(ServiceDisk(center: f.location, radius: radius!, quadrantSegments: quadrantSegments))
        }
        return (disks, notCounted, withoutArea)
    }

    static func cover(category: String, rule: ServiceRule, facilities: [Facility], parcels: [ResidentialParcel],
                      rings: [[[Position]]], areas: [Double], parameters: CoverageParameters) -> CategoryCoverage {
        let (disks, notCounted, withoutArea) = disks(for: facilities, rule: rule, quadrantSegments: parameters.quadrantSegments)
        let index = GridIndex(envelopes: disks.map(\.envelope))
        var fractions = [Double](repeating: 0, count: parcels.count)
        var gapArea = 0.0, gapPopulation = 0.0, withGap = 0, coveredTotal = 0.0
        var candidates: [Int] = [], overlapping: [Int32] = []
        var overlaps = DiskOverlaps()
        for i in parcels.indices {
            let area = areas[i]
            var fraction = 0.0
            overlapping.removeAll(keepingCapacity: true)
            if area > 0, let envelope = parcels[i].geometry.envelope {
                index.query(envelope, into: &candidates)
                let covered = CoverageAnalysis.coveredArea(rings: rings[i], envelope: envelope, disks: disks, candidates: candidates,
                                                           overlapping: &overlapping)
                fraction = min(1, max(0, covered / area))
            }
            overlaps.append(fraction > 0 && fraction < parameters.fullCoverage ? overlapping : [])
            fractions[i] = fraction
            coveredTotal += fraction * area
            gapArea += (1 - fraction) * area
            gapPopulation += (1 - fraction) * parcels[i].population
            if fraction < parameters.fullCoverage { withGap += 1 }
        }
        let total = areas.reduce(0, +)
        return CategoryCoverage(category: category, rule: rule, facilityCount: facilities.count, facilitiesNotCounted: notCounted,
                                parksWithoutArea: withoutArea, fractions: fractions, gapAreaM2: gapArea, gapPopulation: gapPopulation,
                                parcelsWithGap: withGap, coverageRatio: total > 0 ? coveredTotal / total : 1, serviceArea: .disks(disks, overlaps: overlaps))
    }

    /// Area (m²) of the parcel's rings inside the union of `disks[candidates]`. `overlapping` gets
    /// the candidates whose disk overlaps the parcel's area (unless one disk holds the whole parcel).
    static func coveredArea(rings: [[Position]], envelope: Envelope, disks: [ServiceDisk], candidates: [Int],
                            overlapping found: inout [Int32]) -> Double {
        let vertices = rings.flatMap { $0 }
        var overlapping: [Int] = []
        for k in candidates where disks[k].envelope.intersects(envelope) {
            if vertices.allSatisfy(disks[k].contains) { return rings.reduce(0) { $0 + PlanarRing.signedArea($1) } }
            overlapping.append(k)
        }
        guard !overlapping.isEmpty else { return 0 }
        // Inclusion–exclusion over the overlapping disks: Σ|P∩Di| − Σ|P∩Di∩Dj| + …, each term a
        // chain of convex clips. A term of zero area ends its branch (its supersets are empty too).
        var total = 0.0
        func visit(_ clipped: [[Position]], from start: Int, sign: Double) {
            for j in start..<overlapping.count {
                let next = clipped.compactMap { ring -> [Position]? in
                    let r = disks[overlapping[j]].clip(ring)
                    return r.count >= 3 ? r : nil
                }
                let area = next.reduce(0) { $0 + PlanarRing.signedArea($1) }
                guard area > 1e-9 else { continue }
                if start == 0 { found.append(Int32(overlapping[j])) }
                total += sign * area
                visit(next, from: j + 1, sign: -sign)
            }
        }
        visit(rings, from: 0, sign: 1)
        return total
    }
}

