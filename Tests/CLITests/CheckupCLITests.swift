import Foundation
import Testing
import TestSupport

/// `renewalgis checkup` against the built binary, on the sample (GeoData/, synthetic, CC0) in the run's
/// backend: the layers, CSV and workbook agree with each other, and bad input is one clear line.
@Suite struct CheckupCLITests {
    /// The features of `layer`, read through `renewalgis export` to GeoJSON.
    static func features(_ store: String, _ layer: String) throws -> [[String: Any]] {
        let dir = try TemporaryDirectory()
        let out = dir.path("\(layer).geojson")
        let r = try CLI.run(["export", "--store", store, "--layer", layer, out])
        guard r.status == 0 else { throw CLIError(message: r.stderr) }
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
        return (object?["features"] as? [[String: Any]] ?? []).map { $0["properties"] as? [String: Any] ?? [:] }
    }

    /// Rows of a CSV the tool wrote (no quoted commas in these tables' first columns), after its BOM.
    static func csvRows(_ path: String) throws -> (bom: Bool, rows: [[String]]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bom = data.starts(with: [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bom ? data.dropFirst(3) : data, as: UTF8.self)
        return (bom, text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) })
    }

    @Test("On the sample with renewal units: layers, CSV (with BOM) and workbook hold the same units and ledger; every unit's residents add up to the whole area's")
    func sampleCheckup() throws {
        let dir = try TemporaryDirectory()
        let store = try sampleStore(dir)
        for step in [["coverage", "--store", store], ["conflicts", "--store", store], ["units", "--store", store, "--min-ha", "10", "--max-ha", "50", "--seed", "1"]] {
            let r = try CLI.run(step)
            #expect(r.status == 0, "\(step[0]): \(r.stderr)")
        }
        let csv = dir.path("checkup"), xlsx = dir.path("checkup.xlsx")
        let r = try CLI.run(["checkup", "--store", store, "--csv", csv, "--xlsx", xlsx])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("公园绿地服务半径覆盖率") && r.stdout.contains("更新单元 (unit)") && r.stdout.contains("网格 (grid)"), "\(r.stdout)")

        let units = try Self.features(store, "checkup_unit"), city = try Self.features(store, "checkup_city")
        let ledger = try Self.features(store, "checkup_ledger")
        let renewalUnits = try Self.features(store, "renewal_units")
        #expect(units.count == renewalUnits.count && city.count == 1)
        let residents = units.reduce(0.0) { $0 + (($1["residents"] as? NSNumber)?.doubleValue ?? 0) }
        let all = (city[0]["residents"] as? NSNumber)?.doubleValue ?? -1
        #expect(residents <= all + 1e-6 && residents > 0.9 * all, "units hold \(residents) of \(all) residents (parcels outside every unit count only in the whole area)")
        // The problems column counts the ledger's rows of each unit.
        let problems = units.reduce(0) { $0 + (($1["problems"] as? NSNumber)?.intValue ?? 0) }
        #expect(problems == ledger.filter { $0["level"] as? String == "unit" }.count && problems > 0)
        #expect(ledger.allSatisfy { (($0["shortfall"] as? NSNumber)?.doubleValue ?? 0) > 0 && !(($0["source"] as? String) ?? "").isEmpty })

        // The CSV: UTF-8 with a BOM, the same rows as the layers.
        let ledgerCSV = try Self.csvRows(dir.path("checkup/checkup_ledger.csv"))
        #expect(ledgerCSV.bom && ledgerCSV.rows.first?.first == "层级")
        #expect(ledgerCSV.rows.count == 1 + ledger.count)
        let unitCSV = try Self.csvRows(dir.path("checkup/checkup_unit.csv"))
        #expect(unitCSV.bom && unitCSV.rows.count == 1 + units.count)
        #expect(unitCSV.rows[0].contains("人均公园绿地面积（m²/人）"), "units in the header: \(unitCSV.rows[0])")

        // The workbook: a zip with the five sheets and the inline Chinese header.
        let book = try Data(contentsOf: URL(fileURLWithPath: xlsx))
        #expect(book.starts(with: [0x50, 0x4B, 0x03, 0x04]), "a zip archive")
        let listing = try CLI.runTool("/usr/bin/unzip", ["-l", xlsx]).stdout
        for part in ["[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml"] + (1...5).map({ "xl/worksheets/sheet\($0).xml" }) {
            #expect(listing.contains(part), "\(part) in \(listing)")
        }
        let workbook = try CLI.runTool("/usr/bin/unzip", ["-p", xlsx, "xl/workbook.xml"]).stdout
        #expect(workbook.contains("更新单元指标") && workbook.contains("问题清单") && workbook.contains("指标说明"), "\(workbook)")
        let sheet = try CLI.runTool("/usr/bin/unzip", ["-p", xlsx, "xl/worksheets/sheet1.xml"]).stdout
        #expect(sheet.contains("state=\"frozen\"") && sheet.contains("人均公园绿地面积（m²/人）"))

        // Levels from a layer replace the default ones: checkup_unit and checkup_grid go, checkup_community comes.
        let level = try CLI.run(["checkup", "--store", store, "--levels", "community=renewal_units:unit_id"])
        #expect(level.status == 0, "\(level.stderr)")
        let layers = try CLI.run(["layers", "--store", store]).stdout
        #expect(layers.contains("checkup_community") && !layers.contains("checkup_grid") && !layers.contains("checkup_unit "), "\(layers)")
        #expect(try Self.features(store, "checkup_community").count == renewalUnits.count)
    }

    @Test("Bad input is one clear line: an unknown formula, a level layer missing or not polygons, an unknown level, a capacity that is text")
    func refusals() throws {
        let dir = try TemporaryDirectory()
        let (store, id) = try AccessCLITests.storeWithTextCapacity(dir, row: 3, text: "若干")

        let catalogue = dir.path("indicators.yaml")
        try """
            indicators:
              - id: gap
                name: 小学学位缺口数
                name_en: gap
                formula: place_gap
                category: primary_school
                per_thousand: 60
                unit: 个
                definition: d
                source: s
                verified: false
            """.write(toFile: catalogue, atomically: true, encoding: .utf8)
        try expectClearFailure(["checkup", "--store", store, "--indicators", catalogue], dir: dir,
                               naming: ["indicators.yaml", "line 5", "unknown formula \"place_gap\"", "places_gap"], "unknown formula")
        try expectClearFailure(["checkup", "--store", store, "--level", "community=communities"], dir: dir,
                               naming: ["level community", "communities"], "missing level layer")
        try expectClearFailure(["checkup", "--store", store, "--level", "community=facilities:facility_id"], dir: dir,
                               naming: ["level community", "layer facilities", "not a polygon"], "level layer of points")
        try expectClearFailure(["checkup", "--store", store, "--level", "neighbourhood=parcels"], dir: dir,
                               naming: ["unknown level neighbourhood", "community"], "unknown level")
        try expectClearFailure(["checkup", "--store", store], dir: dir, naming: ["facility \(id)", "\"若干\"", "capacity"], "text capacity")
        let layers = try CLI.run(["layers", "--store", store]).stdout
        #expect(!layers.contains("checkup_"), "nothing written by a refused run: \(layers)")
    }
}
