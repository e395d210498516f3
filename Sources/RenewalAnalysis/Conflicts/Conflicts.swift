import Foundation
import GeoKernel
import Support
import RenewalDomain

/// A constraint zone: a heritage core or control zone, or a control line. Geometry in the metric CRS.
public struct ConstraintZone: Sendable {
    public var id: String
    public var type: ZoneType
    public var geometry: Geometry
    /// Height limit in metres (construction-control zones), when the data has one.
    public var heightLimit: Double?
    public init(id: String, type: ZoneType, geometry: Geometry, heightLimit: Double? = nil) {
        self.id = id; self.type = type; self.geometry = geometry; self.heightLimit = heightLimit
    }
}

/// A parcel with its planned action, uses and height. Geometry in the metric CRS.
public struct PlanParcel: Sendable {
    public var id: String
    public var geometry: Geometry
    public var action: PlannedAction?
    /// Current 用地用海 code.
    public var currentUse: String
    /// Planned 用地用海 code, when the plan changes it.
    public var plannedUse: String?
    /// Planned building height (m).
    public var heightM: Double?
    /// A heritage site or historic building itself: flagged, or its current use is 用地用海 1504 文物古迹.
    public var historic: Bool
    public init(id: String, geometry: Geometry, action: PlannedAction?, currentUse: String, plannedUse: String? = nil,
                heightM: Double? = nil, historic: Bool = false) {
        self.id = id; self.geometry = geometry; self.action = action; self.currentUse = currentUse
        self.plannedUse = plannedUse; self.heightM = heightM; self.historic = historic || currentUse.hasPrefix("1504")
    }
}

/// Where a parcel and a zone overlap (metric CRS).
public struct ZoneOverlap: Sendable {
    public var parcel: Int
    public var zone: Int
    public var areaM2: Double
    /// Overlap ÷ parcel area (0…1).
    public var share: Double
    public var geometry: Geometry
}

/// One row of the conflicts result: parcel × zone × rule.
public struct ConflictRecord: Sendable {
    public var parcel: Int
    /// Index of the zone, nil for the parcel's own heritage status.
    public var zone: Int?
    public var zoneType: ZoneType
    public var rule: ConflictRule
    public var verdict: Verdict
    public var overlapM2: Double
    public var share: Double
    /// The overlap (metric CRS); for a historic site, the parcel.
    public var geometry: Geometry
    public var explanationZH: String
    public var explanationEN: String
}

public enum ZoneOverlay {
    /// Every parcel × zone pair whose intersection has area, with that intersection. Zones are
    /// prepared once per thread (a GEOS context never crosses threads); a parcel inside a zone is
    /// taken whole without an overlay. Parcels are dealt round-robin to `parallelism`'s threads.
    public static func overlaps(parcels: [Geometry], zones: [Geometry], parallelism: Parallelism = .serial) throws -> [ZoneOverlap] {
        let index = GridIndex(envelopes: zones.map { $0.envelope ?? .empty }, cellSize: 200)
        let chunks = max(1, min(parallelism.width, parcels.count / 500 + 1))
        let perChunk = try parallelism.map(chunks) { chunk in
            let geos = try GEOSContext()
            let made = try zones.map { try geos.make($0) }
            let prepared = try made.map { try GEOSPreparedGeometry($0) }
            var out: [ZoneOverlap] = []
            var candidates: [Int] = []
            for i in stride(from: chunk, to: parcels.count, by: chunks) {
                guard let envelope = parcels[i].envelope else { continue }
                index.query(envelope, into: &candidates)
                guard !candidates.isEmpty else { continue }
                let p = try geos.make(parcels[i])
                let area = try p.area()
                guard area > 0 else { continue }
                for z in candidates where try prepared[z].intersects(p) {
                    if try prepared[z].contains(p) {
                        out.append(ZoneOverlap(parcel: i, zone: z, areaM2: area, share: 1, geometry: parcels[i]))
                        continue
                    }
                    let overlap = try p.intersection(made[z])
                    let a = try overlap.area()
                    guard a > 0, let polygons = try overlap.value().extractingParts(ofDimension: 2) else { continue }
                    out.append(ZoneOverlap(parcel: i, zone: z, areaM2: a, share: min(1, a / area), geometry: polygons))
                }
            }
            return out
        }
        return perChunk.joined().sorted { ($0.parcel, $0.zone) < ($1.parcel, $1.zone) }
    }
}

/// Zoning, heritage and control-line conflicts of a plan. Pure.
///
/// For every parcel × zone overlap and every rule of that zone type that applies to the parcel
/// (its action, a change of use, or its height), one record with the rule's verdict. A conditional
/// rule with the `height_within_limit` condition is evaluated when both heights are known: above
/// the zone's limit it becomes forbidden, at or below it stays conditional with the condition met.
/// Overlaps below the tolerance (area or share) are reported as touching. Parcels that are heritage
/// sites themselves get the `historic_site` rules wherever they are.
public enum ConflictAnalysis {
    public static func run(parcels: [PlanParcel], zones: [ConstraintZone], rules: RuleSet,
                           parallelism: Parallelism = .serial) throws -> (records: [ConflictRecord], overlaps: [ZoneOverlap]) {
        let overlaps = try ZoneOverlay.overlaps(parcels: parcels.map(\.geometry), zones: zones.map(\.geometry), parallelism: parallelism)
        var records: [ConflictRecord] = []
        func applies(_ rule: ConflictRule, _ p: PlanParcel) -> Bool {
            switch rule.subject {
            case .action: return p.action.map(rule.actions.contains) ?? false
            case .changeOfUse: return p.plannedUse.map { !$0.isEmpty && $0 != p.currentUse } ?? false
            case .height: return p.heightM != nil
            }
        }
        func record(_ rule: ConflictRule, parcel i: Int, zone z: Int?, type: ZoneType, area: Double, share: Double, geometry: Geometry, touching: Bool) {
            let p = parcels[i]
            var verdict = touching ? Verdict.touching : rule.verdict
            var noteEN = "", noteZH = ""
            if !touching, rule.condition == .heightWithinLimit {
                let limit = z.flatMap { zones[$0].heightLimit }
                if let h = p.heightM, let limit {
                    if h > limit {
                        verdict = .forbidden
                        noteEN = String(format: " Planned height %.1f m exceeds the zone's limit of %.1f m.", h, limit)
                        noteZH = String(format: "规划高度 %.1f 米超过该地带限高 %.1f 米。", h, limit)
                    } else {
                        noteEN = String(format: " Condition met: planned height %.1f m ≤ limit %.1f m.", h, limit)
                        noteZH = String(format: "条件满足：规划高度 %.1f 米 ≤ 限高 %.1f 米。", h, limit)
                    }
                } else {
                    noteEN = " Condition not evaluated: the height or the zone's limit is missing."
                    noteZH = "未能评估条件：缺少规划高度或该地带限高。"
                }
            }
            if touching {
                noteEN = String(format: " Only touching: %.2f m² (%.2f %% of the parcel), below the tolerance.", area, share * 100)
                noteZH = String(format: "仅接触：重叠 %.2f 平方米（占地块 %.2f%%），低于容差。", area, share * 100)
            }
            records.append(ConflictRecord(parcel: i, zone: z, zoneType: type, rule: rule, verdict: verdict, overlapM2: area, share: share,
                                          geometry: geometry, explanationZH: rule.explanationZH + noteZH,
                                          explanationEN: rule.explanationEN + noteEN))
        }
        for o in overlaps {
            let zone = zones[o.zone]
            let touching = o.areaM2 < rules.touchingArea || o.share < rules.touchingShare
            for rule in rules.rules where rule.zone == zone.type && applies(rule, parcels[o.parcel]) {
                record(rule, parcel: o.parcel, zone: o.zone, type: zone.type, area: o.areaM2, share: o.share, geometry: o.geometry, touching: touching)
            }
        }
        for (i, p) in parcels.enumerated() where p.historic {
            let area = PlanarRing.area(p.geometry)
            for rule in rules.rules where rule.zone == .historicSite && applies(rule, p) {
                record(rule, parcel: i, zone: nil, type: .historicSite, area: area, share: 1, geometry: p.geometry, touching: false)
            }
        }
        records.sort { ($0.parcel, $0.zone ?? -1, $0.rule.id) < ($1.parcel, $1.zone ?? -1, $1.rule.id) }
        return (records, overlaps)
    }

    /// The zones each parcel overlaps beyond the touching tolerance (for the eligibility check).
    public static func zonesBeyondTolerance(_ overlaps: [ZoneOverlap], zones: [ConstraintZone], parcelCount: Int, rules: RuleSet) -> [Set<ZoneType>] {
        var out = [Set<ZoneType>](repeating: [], count: parcelCount)
        for o in overlaps where o.areaM2 >= rules.touchingArea && o.share >= rules.touchingShare { out[o.parcel].insert(zones[o.zone].type) }
        return out
    }
}
