import Foundation
import GeoKernel
import RenewalDomain
import Testing
import TestSupport
@testable import RenewalAnalysis

/// The eligibility golden cases (Tests/Fixtures/eligibility; expected answers by scripts/make_golden.py:
/// overlaps by shapely, verdicts from the default conversion lists as docs/conflicts.md defines them).
/// Each case runs as the eligibility job does: zone overlaps, the zones beyond the touching tolerance,
/// then the lists under the default rules. Verdicts, list entries, clauses and unmet conditions must be
/// the same, in the same order; overlap areas within 1e-6 of the parcel's area, shares within 1e-9.
@Suite struct EligibilityFixtureTests {
    @Test("Overlaps, verdicts and list entries equal the oracle's", .tags(.golden), arguments: FixtureFiles.cases("eligibility"))
    func eligibilityCase(name: String) throws {
        let folder = FixtureFiles.folder("eligibility", name)
        let rules = try defaultRules()
        let targets = try #require(FixtureFiles.object(folder.appendingPathComponent("case.json"))["targets"] as? [String])
        let parcelFeatures = try FixtureFiles.features(folder.appendingPathComponent("parcels.geojson"))
        let zones = try FixtureFiles.features(folder.appendingPathComponent("zones.geojson")).map { f in
            ConstraintZone(id: f.properties["zone_id"] as? String ?? "?", type: try #require(ZoneType(rawValue: f.properties["zone_type"] as? String ?? "")),
                           geometry: try #require(f.geometry))
        }
        let geometries = try parcelFeatures.map { try #require($0.geometry) }
        let overlaps = try ZoneOverlay.overlaps(parcels: geometries, zones: zones.map(\.geometry))
        let beyond = ConflictAnalysis.zonesBeyondTolerance(overlaps, zones: zones, parcelCount: geometries.count, rules: rules)
        let parcels = parcelFeatures.enumerated().map { i, f in
            EligibilityParcel(id: f.properties["parcel_id"] as? String ?? "?", code: f.properties["land_use"] as? String ?? "",
                              areaM2: PlanarRing.area(geometries[i]), buildYear: FixtureFiles.number(f.properties["build_year"]).map { Int($0) },
                              vacant: f.properties["vacant"] as? Bool, safetyGrade: f.properties["safety_grade"] as? String, zones: beyond[i])
        }
        let verdicts = EligibilityAnalysis.run(parcels: parcels, targets: targets, rules: rules)
        let expected = try FixtureFiles.features(folder.appendingPathComponent("expected.geojson"))
        #expect(expected.count == parcels.count, "\(name): \(expected.count) expected parcels for \(parcels.count)")
        for (i, parcel) in parcels.enumerated() {
            let want = try #require(expected.first { ($0.properties["parcel_id"] as? String) == parcel.id }, "\(name): \(parcel.id) expected").properties
            let label = "\(name) \(parcel.id)"
            #expect(parcel.zones.map(\.rawValue).sorted() == (want["zones"] as? [String]), "\(label): zones beyond the tolerance")

            let ourOverlaps = overlaps.filter { $0.parcel == i }
            let theirOverlaps = want["overlaps"] as? [[String: Any]] ?? []
            #expect(ourOverlaps.map { zones[$0.zone].id }.sorted() == theirOverlaps.compactMap { $0["zone_id"] as? String }.sorted(), "\(label): overlapping zones")
            for t in theirOverlaps {
                guard let o = ourOverlaps.first(where: { zones[$0.zone].id == t["zone_id"] as? String }) else { continue }
                let area = try #require(FixtureFiles.number(t["area_m2"])), share = try #require(FixtureFiles.number(t["share"]))
                #expect(abs(o.areaM2 - area) <= 1e-6 * parcel.areaM2, "\(label) × \(zones[o.zone].id): overlap \(o.areaM2) m², shapely \(area)")
                #expect(abs(o.share - share) <= 1e-9, "\(label) × \(zones[o.zone].id): share \(o.share), shapely \(share)")
            }

            let ours = verdicts.filter { $0.parcel == i }
            let theirs = want["verdicts"] as? [String: [String: Any]] ?? [:]
            #expect(Set(ours.map(\.target)) == Set(theirs.keys), "\(label): targets judged (its own use is skipped)")
            for v in ours {
                guard let t = theirs[v.target] else { continue }
                let reasons = t["reasons"] as? [[String: Any]] ?? []
                #expect(v.verdict.rawValue == t["verdict"] as? String, "\(label) → \(v.target): \(v.verdict.rawValue), expected \(t["verdict"] ?? "?")")
                #expect(v.reasons.map(\.ruleID) == reasons.compactMap { $0["rule_id"] as? String }, "\(label) → \(v.target): list entries")
                #expect(v.reasons.map(\.clause) == reasons.compactMap { $0["clause"] as? String }, "\(label) → \(v.target): clauses")
                #expect(v.reasons.map(\.unmet) == reasons.map { $0["unmet"] as? [String] ?? [] }, "\(label) → \(v.target): unmet conditions")
            }
        }
    }
}

/// Eligibility over the shared catalogue of shapes: each valid shape as a vacant factory is refused inside
/// an ecological red line that covers it (CV-N-ECO), and allowed beside one that only touches it along
/// its envelope's east edge (no area in common is no overlap: CV-P-IDLE).
@Suite struct EligibilityCatalogueTests {
    @Test("Covered by a red line forbidden, touching one allowed, for every valid catalogue shape",
          arguments: GeometryCatalogue.all.filter { $0.valid && !$0.geometry.isEmpty })
    func coveredAndTouching(entry: GeometryCatalogue.Entry) throws {
        let e = try #require(entry.geometry.envelope)
        let rules = try defaultRules()
        func judge(beside zone: Geometry) throws -> EligibilityVerdict {
            let zones = [ConstraintZone(id: "ECO", type: .ecological, geometry: zone)]
            let overlaps = try ZoneOverlay.overlaps(parcels: [entry.geometry], zones: [zone])
            let beyond = ConflictAnalysis.zonesBeyondTolerance(overlaps, zones: zones, parcelCount: 1, rules: rules)
            let parcel = EligibilityParcel(id: "P", code: "100101", areaM2: PlanarRing.area(entry.geometry), vacant: true, zones: beyond[0])
            return EligibilityAnalysis.judge(parcel, index: 0, target: "080701", rules: rules)
        }
        let covered = try judge(beside: rectangle(e.minX - 10, e.minY - 10, e.maxX + 10, e.maxY + 10))
        #expect(covered.verdict == .forbidden && covered.reasons.first?.ruleID == "CV-N-ECO", "\(entry.name): \(covered.verdict) \(covered.reasons.map(\.ruleID))")
        let touching = try judge(beside: rectangle(e.maxX, e.minY - 10, e.maxX + 50, e.maxY + 10))
        #expect(touching.verdict == .allowed && touching.reasons.map(\.ruleID) == ["CV-P-IDLE"], "\(entry.name): \(touching.verdict) \(touching.reasons.map(\.ruleID))")
    }
}
