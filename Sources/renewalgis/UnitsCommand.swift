import ArgumentParser
import Foundation
import GeoKernel
import RenewalAnalysis
import RenewalRunner
import RenewalStore

/// Options of the unit step, shared by `units` and the batch run.
struct UnitsOptions: ParsableArguments {
    @Option(name: .customLong("min-ha"), help: "Smallest unit, hectares.") var minHectares = 10.0
    @Option(name: .customLong("max-ha"), help: "Largest unit, hectares.") var maxHectares = 50.0
    @Option(help: "Smallest unit population (optional).") var minPopulation: Double?
    @Option(help: "Largest unit population (optional).") var maxPopulation: Double?
    @Option(help: "Seed of the construction: the same seed gives the same units.") var seed: UInt64 = 1
    @Option(help: "Parcels closer than this across a street that is no barrier are neighbours, metres.") var facing = 30.0
    @Option(name: .customLong("barrier-class"), help: "Street class that bounds units (repeatable; default: motorway, expressway, trunk, primary, 快速路, 主干路, 高速公路).")
    var barrierClasses: [String] = []
    @Option(help: "Weight of compactness against homogeneity of need in the objective (0 = homogeneity only).") var compactness = UnitParameters().compactnessWeight
    @Option(help: "Seeded constructions tried per connected piece; the best is kept.") var constructions = UnitParameters().constructions
    @Option(help: "Need-score weights, YAML or JSON: old_building, dangerous, vacancy, low_far, service_gaps, conflicts.") var weights: String?

    /// The bounds, before any store is opened: --min-ha not above --max-ha, the other bounds
    /// consistent (`UnitParameters.validated`), and a weights file that reads.
    mutating func validate() throws {
        try reportingErrors {
            guard minHectares <= maxHectares else {
                throw InputError(String(format: "--min-ha %g is above --max-ha %g", minHectares, maxHectares))
            }
            _ = try parameters.validated()
            _ = try needWeights()
        }
    }

    /// The need weights: the file's, or the defaults.
    func needWeights() throws -> NeedWeights {
        try weights.map { try ConfigFile.decode(NeedWeights.self, from: $0) } ?? NeedWeights()
    }

    var parameters: UnitParameters {
        var p = UnitParameters()
        p.minArea = minHectares * 10_000; p.maxArea = maxHectares * 10_000
        p.minPopulation = minPopulation; p.maxPopulation = maxPopulation
        p.seed = seed; p.facingDistance = facing
        p.compactnessWeight = compactness; p.constructions = constructions
        return p
    }

    func mapping(parcels: String) -> UnitsMapping {
        var m = UnitsMapping()
        m.plan.parcels = parcels
        if !barrierClasses.isEmpty { m.barrierClasses = Set(barrierClasses) }
        return m
    }
}

struct Units: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delineate renewal units (更新单元) and rank them by need, each with its problem list and the 63号 caps checked.",
        usage: "renewalgis units --store <store> [<options>]",
        discussion: """
            Reads the parcels, the street layer (arterial classes bound units), blue lines (rivers) \
            and heritage zones (never split), and the coverage and conflicts results when present \
            (run those first: they feed the need score). Writes the layers renewal_units and \
            unit_parcels.

            Examples:
              renewalgis units --store city.sqlite
              renewalgis units --store city.sqlite --min-ha 8 --max-ha 30 --seed 7 \\
                  --csv units.csv --geojson units.geojson
            """
    )

    @Option(help: StoreHelp.text) var store: StoreAddress
    @Option(help: "Parcel layer.") var parcels = "parcels"
    @Option(help: DistrictHelp.text) var district: String?
    @OptionGroup var options: UnitsOptions
    @Option(help: "CSV output: parcel_id,unit_id,need_score.") var csv: String?
    @Option(help: "CSV of the parcel adjacency used: parcel_a,parcel_b.") var adjacency: String?
    @Option(help: "GeoJSON output of the units (EPSG:4490).") var geojson: String?

    func run() throws {
        try reportingErrors {
            let started = Date()
            let store = try store.openExisting()
            let weights = try options.needWeights()
            let run = try UnitsJob.run(store: store, mapping: options.mapping(parcels: parcels), weights: weights,
                                       parameters: options.parameters, district: district, progress: { Terminal.info("units: \($0)") })
            run.warnings.forEach(Terminal.warning)
            Terminal.info(run.metricCRSChoice.description)
            try UnitsJob.writeResults(run, to: store, producedBy: "renewalgis units")
            if let csv { try UnitsJob.csv(run).write(toFile: csv, atomically: true, encoding: .utf8) }
            if let adjacency { try UnitsJob.adjacencyCSV(run).write(toFile: adjacency, atomically: true, encoding: .utf8) }
            if let geojson { try ExportJob.run(store: store, layer: "renewal_units", to: geojson) }
            print(UnitsReport.table(run, top: 15))
            let d = run.delineation
            let flagged = d.units.filter { !$0.flags.isEmpty }.count
            Terminal.info(String(format: "%d units from %d parcels (%d flagged, %d parcels left out) in %.2f s; layers renewal_units and unit_parcels written",
                                 d.units.count, run.parcelIDs.count, flagged, d.excluded.count, Date().timeIntervalSince(started)))
        }
    }
}

enum UnitsReport {
    /// The top units by need, as a text table of one line per unit that fits the terminal; the
    /// 63号 caps a unit breaks and its flags follow the table as notes, one per unit.
    static func table(_ run: UnitsRun, top: Int, width: Int = Terminal.width) -> String {
        let d = run.delineation
        let order = d.units.indices.sorted { d.units[$0].rank < d.units[$1].rank }.prefix(top)
        var notes: [String] = []
        let rows = order.map { u -> [String] in
            let unit = d.units[u], p = run.problems[u]
            let text = p.capFlags + unit.flags.map(\.description)
            if !text.isEmpty { notes.append("\(run.unitID(u)): \(text.joined(separator: "; "))") }
            return [run.unitID(u), String(format: "%.1f", unit.area / 10_000), String(Int(unit.population)), String(unit.parcels.count),
                    String(format: "%.3f", unit.meanNeed), String(p.dangerousParcels), UnitsJob.mix(p),
                    p.capFlags.isEmpty ? "ok" : "over", unit.flags.isEmpty ? "" : "flagged"]
        }
        let table = TextTable.render(header: ["unit", "ha", "population", "parcels", "need", "C/D", "留改拆增", "63号", "flags"],
                                     rows: rows, width: width)
        guard !notes.isEmpty else { return table }
        let wrapped = notes.flatMap { note in
            TextTable.wrap(note, to: width - 7).enumerated().map { $0.offset == 0 ? $0.element : "       " + $0.element }
        }
        return table + "\n\n" + wrapped.joined(separator: "\n")
    }
}
