import Foundation
import GeoKernel
import Testing
import TestSupport
@testable import RenewalAnalysis

/// The zone-overlay golden cases (Tests/Fixtures/overlay; expected answers by shapely in
/// scripts/make_golden.py): the same parcel × zone pairs, areas within 1e-6 of the parcel's area,
/// shares within 1e-9, overlap geometries equal as geometries.
@Suite struct OverlayFixtureTests {
    @Test("Overlaps of parcels and zones equal shapely's", .tags(.golden), arguments: FixtureFiles.cases("overlay"))
    func overlayCase(name: String) throws {
        let folder = FixtureFiles.folder("overlay", name)
        let parcels = try FixtureFiles.features(folder.appendingPathComponent("parcels.geojson"))
        let zones = try FixtureFiles.features(folder.appendingPathComponent("zones.geojson"))
        let overlaps = try ZoneOverlay.overlaps(parcels: parcels.map { $0.geometry! }, zones: zones.map { $0.geometry! })
        let expected = try FixtureFiles.features(folder.appendingPathComponent("expected.geojson"))
        func key(_ parcel: Any?, _ zone: Any?) -> String { "\(parcel as? String ?? "?")|\(zone as? String ?? "?")" }
        let ours = Dictionary(uniqueKeysWithValues: overlaps.map { (key(parcels[$0.parcel].properties["parcel_id"], zones[$0.zone].properties["zone_id"]), $0) })
        let theirs = Dictionary(uniqueKeysWithValues: expected.map { (key($0.properties["parcel_id"], $0.properties["zone_id"]), $0) })
        #expect(Set(ours.keys) == Set(theirs.keys), "\(name): pairs \(ours.keys.sorted()) vs shapely's \(theirs.keys.sorted())")
        let geos = try GEOSContext()
        for (k, o) in ours {
            guard let t = theirs[k] else { continue }
            let parcelArea = PlanarRing.area(parcels[o.parcel].geometry!)
            #expect(abs(o.areaM2 - (t.properties["area_m2"] as! Double)) <= 1e-6 * parcelArea, "\(name) \(k): area \(o.areaM2)")
            #expect(abs(o.share - (t.properties["share"] as! Double)) <= 1e-9, "\(name) \(k): share \(o.share)")
            let symmetric = try FixtureFiles.differenceArea(o.geometry, t.geometry!, geos: geos)
            #expect(symmetric <= 1e-6 * parcelArea, "\(name) \(k): overlap differs from shapely's by \(symmetric) m²")
        }
    }
}
