import Foundation
import GeoKernel

/// A parcel as the unit delineation sees it, in a metric CRS (metres).
public struct UnitParcel: Sendable {
    public var id: String
    /// Polygonal geometry in the metric CRS.
    public var geometry: Geometry
    /// Land area, m².
    public var area: Double
    public var population: Double
    /// Renewal-need score, 0…1 (see `RenewalNeed`).
    public var need: Double
    /// A marked group that must stay in one unit (an ownership or project id), if any.
    public var group: String?

    public init(id: String, geometry: Geometry, area: Double, population: Double, need: Double, group: String? = nil) {
        self.id = id; self.geometry = geometry; self.area = area; self.population = population; self.need = need; self.group = group
    }
}

/// Parameters of the unit delineation. Areas in m², distances in metres.
public struct UnitParameters: Sendable {
    /// Smallest unit area, m² (default 10 ha).
    public var minArea = 100_000.0
    /// Largest unit area, m² (default 50 ha, near the 10-minute life circle).
    public var maxArea = 500_000.0
    /// Optional population bounds per unit (residents).
    public var minPopulation: Double? = nil
    public var maxPopulation: Double? = nil
    /// Parcels closer than this (across a street that is not a barrier) are neighbours, m.
    public var facingDistance = 30.0
    /// Seed of the randomised construction: the same seed gives the same units.
    public var seed: UInt64 = 1
    /// Constructions tried per connected piece; the best is kept.
    public var constructions = 6
    /// Weight of compactness against need homogeneity in the objective (0 = homogeneity only).
    public var compactnessWeight = 0.01

    public init() {}
}

/// Unit parameters that cannot work together, named with their values.
public struct UnitParameterError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

extension UnitParameters {
    /// Checks the bounds: positive, minimum not above maximum (areas given back in hectares).
    public func validated() throws -> UnitParameters {
        guard minArea > 0, maxArea > 0 else {
            throw UnitParameterError(description: String(format: "unit size bounds must be positive (min %.2f ha, max %.2f ha)", minArea / 10_000, maxArea / 10_000))
        }
        guard minArea <= maxArea else {
            throw UnitParameterError(description: String(format: "the minimum unit size %.2f ha is above the maximum %.2f ha", minArea / 10_000, maxArea / 10_000))
        }
        if let lo = minPopulation, let hi = maxPopulation, lo > hi {
            throw UnitParameterError(description: String(format: "the minimum unit population %.0f is above the maximum %.0f", lo, hi))
        }
        guard facingDistance >= 0 else { throw UnitParameterError(description: "the facing distance must not be negative (\(facingDistance) m)") }
        return self
    }
}

/// Why a unit is outside the size bounds.
public enum UnitFlag: Sendable, Equatable, CustomStringConvertible {
    /// The connected piece between barriers is smaller than the minimum (area m²).
    case islandBelowMinimum(area: Double)
    /// Leftover parcels that could join no neighbouring unit without breaking its maximum.
    case belowMinimum(area: Double)
    /// A single parcel or never-split group larger than the maximum.
    case indivisibleAboveMaximum(area: Double)
    /// Population outside the optional bounds.
    case populationOutOfBounds(population: Double)
    /// A never-split group whose parcels lie on both sides of a barrier (kept whole).
    case groupSpansBarrier(group: String)

    public var description: String {
        switch self {
        case .islandBelowMinimum(let a): String(format: "island below the minimum: %.1f ha between barriers", a / 10_000)
        case .belowMinimum(let a): String(format: "below the minimum: %.1f ha left over that no neighbouring unit can take", a / 10_000)
        case .indivisibleAboveMaximum(let a): String(format: "above the maximum: one parcel or never-split group of %.1f ha", a / 10_000)
        case .populationOutOfBounds(let p): String(format: "population %.0f outside the bounds", p)
        case .groupSpansBarrier(let g): "group \(g) lies on both sides of a barrier and is kept whole"
        }
    }
}

/// One renewal unit: indices into the input parcels, with its totals.
public struct RenewalUnit: Sendable {
    public var parcels: [Int]
    /// Area, m².
    public var area: Double
    public var population: Double
    public var meanNeed: Double
    public var maxNeed: Double
    /// 1 = highest mean need.
    public var rank: Int
    public var flags: [UnitFlag]
    /// Index of the cell (connected piece of the barrier-cut adjacency graph) it lies in.
    public var cell: Int
}

/// The delineation: units, and the parcels left out (their index and why).
public struct UnitDelineation: Sendable {
    public var units: [RenewalUnit]
    /// Unit index per input parcel; nil for excluded parcels.
    public var unitOfParcel: [Int?]
    public var excluded: [(parcel: Int, reason: String)]
    /// Cell per input parcel: the connected piece of the barrier-cut adjacency graph (nil when excluded).
    public var cellOfParcel: [Int?]
    /// Parcel adjacency used (pairs of parcel indices, i < j), for checks and reports.
    public var adjacency: [[Int]]
    /// Within-unit sum of squared deviations of the need score (the homogeneity measure).
    public var withinSSD: Double
}

extension UnitDelineation {
    /// Delineations of disjoint parcel sets (one per district, delineated apart: no unit crosses from
    /// one set to another) as one: parcel indices of the k-th part are offset by the parcel counts of
    /// the parts before it, cell indices likewise; ranks stay each part's own.
    public static func concatenating(_ parts: [(delineation: UnitDelineation, parcelCount: Int)]) -> UnitDelineation {
        var all = UnitDelineation(units: [], unitOfParcel: [], excluded: [], cellOfParcel: [], adjacency: [], withinSSD: 0)
        var parcelOffset = 0, cellOffset = 0
        for (part, count) in parts {
            let unitOffset = all.units.count
            all.units += part.units.map { unit in
                var unit = unit
                unit.parcels = unit.parcels.map { $0 + parcelOffset }
                unit.cell += cellOffset
                return unit
            }
            all.unitOfParcel += part.unitOfParcel.map { $0.map { $0 + unitOffset } }
            all.excluded += part.excluded.map { ($0.parcel + parcelOffset, $0.reason) }
            all.cellOfParcel += part.cellOfParcel.map { $0.map { $0 + cellOffset } }
            all.adjacency += part.adjacency.map { $0.map { $0 + parcelOffset } }
            all.withinSSD += part.withinSSD
            parcelOffset += count
            cellOffset += (part.cellOfParcel.compactMap { $0 }.max() ?? -1) + 1
        }
        return all
    }
}
