import Foundation
import Testing
import TestSupport

/// `renewalgis access` against the built binary, on the sample (GeoData/, synthetic, CC0) in the run's
/// backend: capacity per person within reach, and clear refusals.
@Suite struct AccessCLITests {
    @Test("On the sample: a row per residential parcel and category; what every parcel reaches, times its people, never exceeds the category's capacity and uses some of it")
    func sampleAccess() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, constraints: false, streets: false)
        for method in ["2sfca", "e2sfca"] {
            let csv = dir.path("access_\(method).csv")
            let r = try CLI.run(["access", "--store", store, "--method", method, "--csv", csv])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("kindergarten") && r.stdout.contains("capacity per"), "\(r.stdout)")
            let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.first == "parcel_id,category,access")
            // 800 residential parcels × 11 categories with a fixed radius (parks follow their area).
            #expect(lines.count == 1 + 800 * 11, "\(lines.count) lines")
            // Population per parcel and capacity per category, read from the sample files themselves.
            let population = try Self.parcelPopulation(store)
            let capacity = try Self.capacityByCategory()
            var served: [String: Double] = [:]
            for line in lines.dropFirst() {
                let cells = line.split(separator: ",").map(String.init)
                let value = try #require(Double(cells[2]))
                #expect(value >= 0 && value.isFinite)
                served[cells[1], default: 0] += value * (population[cells[0]] ?? .nan)
            }
            // The layer holds the same values as the CSV (the last run's method).
            let layer = try CheckupCLITests.features(store, "access_parcels")
            #expect(layer.count == 800 && layer.allSatisfy { $0["method"] as? String == method })
            let kindergarten = Dictionary(uniqueKeysWithValues: layer.map { ($0["parcel_id"] as? String ?? "", ($0["kindergarten"] as? NSNumber)?.doubleValue ?? -1) })
            for line in lines.dropFirst() where line.contains(",kindergarten,") {
                let cells = line.split(separator: ",").map(String.init)
                #expect(abs((kindergarten[cells[0]] ?? -1) - Double(cells[2])!) < 1e-12, "\(cells[0])")
            }
            for (category, total) in served {
                let offered = try #require(capacity[category], "\(category) has capacity in facilities.csv")
                // Σ_i A_i P_i equals the capacity of the facilities that have people in reach: at most all of it.
                #expect(total > 0 && total <= offered * (1 + 1e-9), "\(method) \(category): \(total) served of \(offered)")
            }
        }
    }

    @Test("Walking on the sample: capacity is still conserved, and every parcel that reaches a facility on foot reaches it in a straight line too")
    func walkingAccess() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, constraints: false)
        var reached: [String: [String: Set<String>]] = [:]
        for mode in ["straight", "network"] {
            let csv = dir.path("access_\(mode).csv")
            let r = try CLI.run(["access", "--store", store, "--mode", mode, "--csv", csv])
            #expect(r.status == 0, "\(r.stderr)")
            for line in try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst() {
                let cells = line.split(separator: ",").map(String.init)
                if (Double(cells[2]) ?? 0) > 0 { reached[mode, default: [:]][cells[1], default: []].insert(cells[0]) }
            }
        }
        let straight = try #require(reached["straight"]), walking = try #require(reached["network"])
        var fewer = 0
        for (category, parcels) in walking {
            let extra = parcels.subtracting(straight[category] ?? [])
            #expect(extra.isEmpty, "\(category): \(extra.count) parcels reach on foot what no straight line reaches")
            if parcels.count < (straight[category]?.count ?? 0) { fewer += 1 }
        }
        #expect(fewer > 0, "walking reaches fewer parcels than straight lines in some category")
        let layer = try CheckupCLITests.features(store, "access_parcels")
        #expect(layer.count == 800 && layer.allSatisfy { $0["mode"] as? String == "network" })
    }

    @Test("An age share divides the category's demand: every parcel's kindergarten access is 1/share times the residents' figure, other categories unchanged")
    func ageShare() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir, constraints: false, streets: false)
        func values(_ extra: [String]) throws -> [String: Double] {
            let csv = dir.path("a\(extra.count).csv")
            let r = try CLI.run(["access", "--store", store, "--no-store", "--csv", csv] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            var out: [String: Double] = [:]
            for line in try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst() {
                let cells = line.split(separator: ",").map(String.init)
                out[cells[0] + "/" + cells[1]] = Double(cells[2])
            }
            return out
        }
        let all = try values([]), children = try values(["--age-share", "kindergarten=0.05"])
        #expect(all.count == children.count && all.count > 0)
        for (key, value) in all {
            let expected = key.hasSuffix("/kindergarten") ? value / 0.05 : value
            #expect(abs((children[key] ?? -1) - expected) <= 1e-12 * max(1, expected), "\(key)")
        }
        try expectClearFailure(["access", "--store", store, "--age-share", "kindergarten=1.5"], dir: dir, naming: ["--age-share kindergarten=1.5", "at most 1"], "share above 1")
    }

    @Test("Bad input is one clear line: a capacity that is text names the facility and the value; an unknown walking speed")
    func refusals() throws {
        let dir = try TemporaryDirectory()
        let (store, id) = try Self.storeWithTextCapacity(dir, row: 2, text: "many")
        try expectClearFailure(["access", "--store", store], dir: dir, naming: ["facility \(id)", "\"many\"", "capacity"], "text capacity")
        try expectClearFailure(["access", "--store", store, "--mode", "network", "--speed", "sprint"], dir: dir, naming: ["--speed sprint"], "unknown speed")
        try expectClearFailure(["access", "--store", store, "--capacity-field", "places"], dir: dir, naming: ["places"], "missing capacity field")
    }

    /// A sample store whose facilities (imported from GeoData/facilities.csv, GCJ-02) have the text
    /// `text` as the capacity of data row `row`; returns the store and that facility's id.
    static func storeWithTextCapacity(_ dir: TemporaryDirectory, row: Int, text: String) throws -> (store: String, facility: String) {
        let store = try sampleStore(dir, constraints: false, facilities: false, streets: false)
        var rows = try String(contentsOfFile: SampleDataTests.geoData("facilities.csv"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        var cells = rows[row].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[3] = text  // capacity, the fourth column
        rows[row] = cells.joined(separator: ",")
        try (rows.joined(separator: "\n") + "\n").write(toFile: dir.path("facilities.csv"), atomically: true, encoding: .utf8)
        let imported = try CLI.run(["import", dir.path("facilities.csv"), "--crs", "GCJ02", "--store", store])
        guard imported.status == 0 else { throw CLIError(message: imported.stderr) }
        return (store, cells[0])
    }

    /// parcel_id → population of the sample's parcels, read through `renewalgis export` to GeoJSON.
    static func parcelPopulation(_ store: String) throws -> [String: Double] {
        let dir = try TemporaryDirectory()
        let out = dir.path("parcels.geojson")
        let r = try CLI.run(["export", "--store", store, "--layer", "parcels", out])
        guard r.status == 0 else { throw CLIError(message: r.stderr) }
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
        var population: [String: Double] = [:]
        for feature in object?["features"] as? [[String: Any]] ?? [] {
            let properties = feature["properties"] as? [String: Any] ?? [:]
            if let id = properties["parcel_id"] as? String { population[id] = (properties["population"] as? NSNumber)?.doubleValue ?? 0 }
        }
        return population
    }

    /// category → total capacity in GeoData/facilities.csv.
    static func capacityByCategory() throws -> [String: Double] {
        let lines = try String(contentsOfFile: SampleDataTests.geoData("facilities.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        var out: [String: Double] = [:]
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            out[cells[1], default: 0] += Double(cells[3]) ?? 0
        }
        return out
    }
}
