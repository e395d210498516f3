import ArgumentParser
import Foundation
import GeoKernel
import RenewalAnalysis
import RenewalDomain
import RenewalRunner
import RenewalStore
import Support

struct Checkup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The city health check (城市体检): every indicator at every level, with the problem ledger (问题清单).",
        usage: "renewalgis checkup --store <store> [--level LEVEL=LAYER[:ID[:NAME]]]… [<options>]",
        discussion: """
            Indicators come from a catalogue (built in, or --indicators FILE of the same form: \
            renewalgis checkup --print-indicators prints it): coverage ratios of residential land \
            (服务半径覆盖率), places short against a per-1,000-residents quota (学位缺口), park area per \
            resident, counts of C/D-grade homes, old-compound share, idle land. Each parcel counts in \
            the unit holding its centroid (or a point on its surface); facilities by their point.

            Levels: polygon layers of the store named with --level, smallest first, from compound \
            (小区), community (社区), subdistrict (街道), district (区); the id field defaults to code, \
            the name field to name. Without --level: the renewal units (renewalgis units) when the \
            store has them, and a grid (--grid-m). A whole-area row (全域) is always added.

            Writes the layers checkup_<level> (units with their indicators) and checkup_ledger (one \
            row per unit and failing indicator: value, threshold, shortfall, source); --csv DIR the \
            same tables as UTF-8 CSV with a BOM, --xlsx FILE as a workbook (a sheet per level, the \
            ledger, the catalogue; frozen headers with units).

            Examples:
              renewalgis checkup --store city.sqlite --xlsx checkup.xlsx
              renewalgis checkup --store city.sqlite --level community=communities --level subdistrict=subdistricts:code:name --csv checkup/
              renewalgis checkup --print-indicators > my_indicators.yaml
            """
    )

    @Option(help: StoreHelp.text)
    var store: StoreAddress?
    @Option(name: [.customLong("level"), .customLong("levels")],
            help: "A level: LEVEL=LAYER[:ID_FIELD[:NAME_FIELD]] with LEVEL compound, community, subdistrict or district (repeatable, smallest first; --levels a=…,b=… names several).")
    var level: [String] = []

    /// Every --level, the comma-separated ones split.
    private var levelTexts: [String] { level.flatMap { $0.split(separator: ",").map(String.init) } }
    @Option(help: "Grid cell side in metres, when no --level is given.") var gridM = 1_000.0
    @Option(help: "Indicator catalogue: a YAML or JSON file (default: the built-in one).") var indicators: String?
    @Flag(help: "Print the built-in indicator catalogue (YAML) and exit.") var printIndicators = false
    @Option(help: "Coverage for the coverage ratios: straight (buffers) or network (walking over the streets); access indicators use straight lines.")
    var mode: CoverageMode = .straight
    @OptionGroup var walkingOptions: WalkingOptions
    @Option(help: "Service radii: a JSON or YAML table of category: metres (default: the built-in GB 50180 table).") var radii: String?
    @Option(help: "Capacity field of the facilities.") var capacityField = "capacity"
    @OptionGroup var layers: LifeCircleLayers
    @Option(help: "Folder for the CSV tables (UTF-8 with BOM).") var csv: String?
    @Option(help: "Excel workbook to write (.xlsx).") var xlsx: String?
    @Flag(help: "Do not write result layers into the store.") var noStore = false

    mutating func validate() throws {
        try reportingErrors {
            if printIndicators { return }
            guard store != nil else { throw ValidationError("--store is required (the store to check)") }
            try walkingOptions.check()
            guard gridM > 0, gridM.isFinite else { throw ValidationError("--grid-m \(gridM) is not a length in metres (more than 0)") }
            if let radii { _ = try ConfigFile.decode(ServiceRadii.self, from: radii) }
            if let indicators { _ = try ConfigFile.decode(IndicatorCatalogue.self, from: indicators) }
            _ = try levelTexts.map(CheckupLevelSource.init(parsing:))
            if let xlsx, !xlsx.lowercased().hasSuffix(".xlsx") { throw ValidationError("--xlsx \(xlsx): the workbook's name must end in .xlsx") }
        }
    }

    func run() throws {
        if printIndicators {
            print(IndicatorCatalogue.defaultYAML, terminator: "")
            return
        }
        try reportingErrors {
            let store = try store!.openExisting()
            var options = try CheckupOptions(indicators: indicators)
            options.levels = try levelTexts.map(CheckupLevelSource.init(parsing:))
            options.gridMetres = gridM
            options.capacityField = capacityField
            options.coverage.mode = mode
            if let radii {
                options.coverage.radii = try ConfigFile.decode(ServiceRadii.self, from: radii)
                options.coverage.radiiSource = radii
            }
            layers.apply(to: &options.coverage.mapping)
            walkingOptions.apply(to: &options.coverage)
            let started = Date()
            let run = try CheckupJob.run(store: store, options: options) { step in
                if Terminal.isInteractive { Terminal.write("\r\u{1B}[2Kcheckup: \(step)") }
            }
            if Terminal.isInteractive { Terminal.write("\r\u{1B}[2K") }
            Terminal.info(run.metricCRSChoice.description)
            run.warnings.forEach(Terminal.warning)
            if !noStore { try CheckupJob.writeResults(run, to: store) }
            if let csv { _ = try CheckupJob.writeCSV(run, directory: csv) }
            if let xlsx { try CheckupJob.writeXLSX(run, to: xlsx) }

            // The whole area's values, then each level's problems.
            let city = run.levels.last!
            let rows = run.catalogue.indicators.enumerated().map { k, indicator -> [String] in
                let value = city.values[0][k]
                let verdict = indicator.threshold.map { t in value.map { t.shortfall($0) > 1e-9 ? "未达标" : "达标" } ?? "—" } ?? "—"
                return [indicator.name, value.map(IndicatorValue.format) ?? "—", indicator.unit, indicator.threshold?.text ?? "—", verdict,
                        indicator.verified ? "" : "未核对"]
            }
            print(TextTable.render(header: ["指标 (全域)", "值", "单位", "阈值", "判定", ""], rows: rows))
            print()
            let levelRows = run.levels.dropLast().map { level -> [String] in
                ["\(level.level.label) (\(level.level.key))", String(level.level.units.count), String(level.problems.filter { $0 > 0 }.count),
                 String(level.problems.reduce(0, +))]
            }
            print(TextTable.render(header: ["层级", "单元", "有问题的单元", "问题"], rows: levelRows))
            var outputs: [String] = []
            if !noStore { outputs.append("layers " + (run.levels.map(CheckupJob.layerName) + [CheckupJob.ledgerLayer]).joined(separator: ", ")) }
            if let csv { outputs.append("\(csv)/*.csv") }
            if let xlsx { outputs.append(xlsx) }
            Terminal.info(String(format: "checkup: %d indicators at %d levels, %d problems, in %.2f s%@", run.catalogue.indicators.count, run.levels.count,
                                 run.ledger.count, Date().timeIntervalSince(started), outputs.isEmpty ? "" : "; wrote " + outputs.joined(separator: "; ")))
        }
    }
}
