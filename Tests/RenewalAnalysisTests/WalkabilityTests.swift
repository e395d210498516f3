import Foundation
import Testing
import TestSupport
import GeoKernel
import Yams
@testable import RenewalAnalysis
import RenewalDomain

// Data: synthetic geometry and tags made up in this file (no third-party data); the docs block read
// by the last test is this project's docs/coverage.md.

@Suite struct WalkabilityTests {
    @Test("Walkability: viaducts, trunk roads and foot=no counted as walkable (defect); sidewalks and foot=yes open a road")
    func viaductsTrunkRoadsAndFootNoCountedAsWalkable() {
        let osm = WalkabilityTable.osm
        func walks(_ c: String, _ tags: [String: String] = [:]) -> Bool { osm.decide(streetClass: c, tags: tags).walkable }
        #expect(walks("footway") && walks("pedestrian") && walks("steps") && walks("living_street") && walks("residential"))
        #expect(!walks("motorway") && !walks("motorway_link") && !walks("trunk") && !walks("trunk_link"))
        #expect(!walks("primary", ["bridge": "viaduct"]), "a viaduct")
        #expect(!walks("residential", ["foot": "no"]) && !walks("cycleway", ["foot": "no"]))
        #expect(walks("trunk", ["sidewalk": "both"]) && walks("trunk", ["sidewalk:right": "yes"]) && walks("motorway", ["foot": "designated"]))
        #expect(walks("primary", ["bridge": "viaduct", "foot": "yes"]), "foot=yes opens a viaduct")
        #expect(!walks("trunk", ["sidewalk": "separate"]), "a sidewalk drawn separately is walked on its own line")
        #expect(osm.decide(streetClass: "steps", tags: [:]).factor == 0.5)
        #expect(!walks("高架路") && !WalkabilityTable.planning.decide(streetClass: "高架路", tags: [:]).walkable)
        // The planning table keeps the sample's meaning: an urban trunk road (主干路) has sidewalks.
        let planning = WalkabilityTable.planning
        #expect(planning.decide(streetClass: "trunk", tags: [:]).walkable && !planning.decide(streetClass: "expressway", tags: [:]).walkable)
        #expect(!planning.decide(streetClass: "trunk", tags: ["foot": "no"]).walkable)
    }

    @Test("The graph leaves out what the table closes, and says why")
    func graphCountsClosedLines() {
        var walking = WalkingParameters()
        walking.walkability = .osm
        let graph = WalkingGraph(streets: [polyline([(0, 0), (100, 0)]), polyline([(0, 10), (100, 10)], class: "trunk"),
                                           polyline([(0, 20), (100, 20)], tags: ["bridge": "viaduct"]),
                                           polyline([(0, 30), (100, 30)], class: "trunk", tags: ["sidewalk": "both"])], parameters: walking)
        #expect(graph.excludedLines == 2 && graph.excludedBy == ["class trunk": 1, "bridge=viaduct": 1] && graph.edgeCount == 2)
    }

    @Test("A user's table amends a built-in one; mistakes are named")
    func userTable() throws {
        let yaml = "base: osm\nclasses:\n  trunk: yes\n  cycleway: {walk: no}\nnot_walkable_if:\n  foot: [no, private]\n"
        let table = try decodeConfig(WalkabilityTable.self, yaml, file: "w.yaml")
        #expect(table.name == "w.yaml")
        #expect(table.decide(streetClass: "trunk", tags: [:]).walkable && !table.decide(streetClass: "cycleway", tags: [:]).walkable)
        #expect(!table.decide(streetClass: "footway", tags: ["foot": "private"]).walkable)
        #expect(table.decide(streetClass: "footway", tags: ["foot": "yes"]).walkable)
        for (bad, naming) in [("base: osmm\n", "osmm"), ("clases: {}\n", "clases"), ("classes: {steps: {walk: yes, factor: 2}}\n", "factor"),
                              ("classes: {steps: maybe}\n", "maybe")] {
            #expect(throws: DecodingError.self, "\(bad)") { try decodeConfig(WalkabilityTable.self, bad, file: "w.yaml") }
            do { _ = try decodeConfig(WalkabilityTable.self, bad, file: "w.yaml") } catch {
                #expect("\(error)".contains(naming), "\(error)")
            }
        }
    }

    @Test("OSM other_tags (GDAL hstore text) are read with escapes")
    func otherTags() {
        let pairs = WalkabilityTable.parseOSMTags(#""foot"=>"no","name"=>"Say \"hi\"","sidewalk"=>"both""#)
        #expect(pairs.map(\.0) == ["foot", "name", "sidewalk"] && pairs[1].1 == "Say \"hi\"" && pairs[2].1 == "both")
    }

    @Test("docs/coverage.md lists the built-in tables exactly as the code has them")
    func docsListTheTables() throws {
        let docs = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/coverage.md").standardized, encoding: .utf8)
        // When a block is out of date, print both as they should read (to paste into the docs).
        for table in [WalkabilityTable.osm, .planning] where !docs.contains("```yaml walkability-\(table.name)\n\(table.yaml)```") {
            for t in [WalkabilityTable.osm, .planning] { print("```yaml walkability-\(t.name)\n\(t.yaml)```\n") }
            break
        }
        for table in [WalkabilityTable.osm, .planning] {
            let marker = "```yaml walkability-\(table.name)\n"
            let start = try #require(docs.range(of: marker), "docs/coverage.md has no block \(marker)")
            let end = try #require(docs.range(of: "```", range: start.upperBound..<docs.endIndex))
            let text = String(docs[start.upperBound..<end.lowerBound])
            #expect(text == table.yaml, "docs block for \(table.name) differs from the code:\n\(table.yaml)")
            var read = try decodeConfig(WalkabilityTable.self, text, file: "docs")
            read.name = table.name
            #expect(read == table, "the docs block for \(table.name) reads back as the same table")
        }
    }
}

@Suite struct WalkingAttachmentTests {
    @Test("A facility attached silently to an isolated piece (a lone footway) is attached to the connected network instead, and reported")
    func facilityAttachedSilentlyToIsolatedPiece() throws {
        // A 2 km street at y = 0; a lone 60 m footway at y = 100 with no shared vertex; a kindergarten at
        // (500, 110), 10 m from the footway and 110 m from the street; a parcel on the street at x = 600.
        let streets = [polyline([(0, 0), (2000, 0)]), polyline([(470, 100), (530, 100)], class: "footway")]
        let parcel = ResidentialParcel(id: "P", geometry: rectangle(590, 5, 610, 25), population: 1)
        let k = Facility(id: "K", category: "kindergarten", location: Position(500, 110))
        let run = try NetworkCoverage.runWithDiagnostics(parcels: [parcel], facilities: [k], streets: streets, parameters: onlyKindergartens())
        #expect(run.graph.isolatedPieceCount == 1)
        #expect(run.diagnostics.facilityAttached == [true] && run.diagnostics.facilityRefused == [.isolatedPiece])
        #expect(abs(run.diagnostics.facilityLeg[0] - 110) < 1e-9)
        let walk = try #require(run.result.categories[0].walkingDistances?[0])
        // 110 m leg to the street, 90 m along it, 5 m to the parcel (attached to the footway, it would reach no one).
        #expect(abs(walk - 205) < 1e-6, "walk \(walk)")
    }

    @Test("An attachment leg across a river is refused and the street on the parcel's own bank is used")
    func attachmentLegCrossesRiver() throws {
        // A river between y = 20 and y = 40. The parcel's north side (y = 15) is 35 m from the far-bank
        // street (y = 50, across the water) and its south side 20 m from its own bank's street (y = −30).
        let river = Geometry.polygon([[Position(-100, 20), Position(3000, 20), Position(3000, 40), Position(-100, 40), Position(-100, 20)]])
        let streets = [polyline([(0, -30), (2000, -30)]), polyline([(0, 50), (2000, 50)])]
        let parcel = ResidentialParcel(id: "P", geometry: rectangle(500, -10, 540, 15), population: 1)
        let k = Facility(id: "K", category: "kindergarten", location: Position(700, 60))  // on the far bank
        let plain = try NetworkCoverage.runWithDiagnostics(parcels: [parcel], facilities: [k], streets: streets, parameters: onlyKindergartens(1000))
        #expect(plain.result.categories[0].walkingDistances?[0].isFinite == true, "without the river the leg crosses it")
        let run = try NetworkCoverage.runWithDiagnostics(parcels: [parcel], facilities: [k], streets: streets,
                                                         barriers: WalkingBarriers(areas: [river]), parameters: onlyKindergartens(1000))
        #expect(run.diagnostics.parcelEntrances[0] > 0 && run.diagnostics.parcelRefused[0] == [.barrier])
        // The two banks are not connected: the kindergarten across the river is out of reach on foot.
        #expect(run.result.categories[0].walkingDistances?[0] == .infinity && run.result.categories[0].fractions[0] == 0)
        // A waterway drawn as a line is refused the same way.
        let line = try NetworkCoverage.runWithDiagnostics(parcels: [parcel], facilities: [k], streets: streets,
                                                          barriers: WalkingBarriers(lines: [[Position(-100, 30), Position(3000, 30)]]),
                                                          parameters: onlyKindergartens(1000))
        #expect(line.result.categories[0].walkingDistances?[0] == .infinity)
        // A leg that only ends in the water (a quay inside the blue line) is not a crossing.
        #expect(!WalkingBarriers(areas: [river]).blocks(Position(10, 0), Position(10, 30)))
        #expect(WalkingBarriers(areas: [river]).blocks(Position(10, 0), Position(10, 50)))
    }

    @Test("No entrance is told from no facility in reach")
    func noEntranceLooksLikeNoFacilityInReach() throws {
        let streets = [polyline([(0, 0), (2000, 0)])]
        let cut = ResidentialParcel(id: "no street within 50 m", geometry: rectangle(100, 80, 140, 120), population: 1)
        let far = ResidentialParcel(id: "on the street, far away", geometry: rectangle(1800, 5, 1840, 25), population: 1)
        let k = Facility(id: "K", category: "kindergarten", location: Position(100, 5))
        let run = try NetworkCoverage.runWithDiagnostics(parcels: [cut, far], facilities: [k], streets: streets, parameters: onlyKindergartens())
        #expect(run.diagnostics.parcelEntrances[0] == 0 && run.diagnostics.parcelEntrances[1] > 0)
        #expect(run.result.categories[0].fractions == [0, 0])
    }
}
