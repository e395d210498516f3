import ArgumentParser
import Foundation
import GeoKernel
import RenewalAnalysis
import RenewalRunner
import RenewalStore
import Support
import RenewalDomain
import Synchronization

extension CoverageMode: ExpressibleByArgument {}

struct Coverage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Coverage gaps of the 15-minute life circle: which residential parcels lack which facility within its service radius.",
        usage: "renewalgis coverage --store <store> [<options>]",
        discussion: """
            Residential parcels (land_use starting with 07) against facilities by category, with the \
            service radii of GB 50180 (defaults, or --radii FILE in JSON or YAML, which changes only \
            the categories it names; `category: false` leaves one out). Writes the result layers \
            coverage_parcels and coverage_gaps into the store (replacing earlier ones) and prints a \
            summary per category.

            Examples:
              renewalgis coverage --store city.sqlite
              echo 'kindergarten: 250' > radii.yaml
              renewalgis coverage --store city.sqlite --radii radii.yaml \\
                  --csv coverage.csv --summary summary.json
              renewalgis export --store city.sqlite --layer coverage_gaps gaps.geojson
            """
    )

    @Option(help: StoreHelp.text)
    var store: StoreAddress

    @Option(help: "straight (buffers) or network (walking over the streets).")
    var mode: CoverageMode = .straight

    @Option(help: "Service radii: a JSON or YAML table of category: metres (default: the built-in GB 50180 table).")
    var radii: String?

    @Option(help: "CSV output: parcel_id,category,covered_fraction, sorted by parcel then category.")
    var csv: String?

    @Option(help: "JSON output: per category {gap_area_m2, gap_population, parcels_with_gap, …}.")
    var summary: String?

    @OptionGroup var walkingOptions: WalkingOptions
    @OptionGroup var layers: LifeCircleLayers
    @Option(help: "Metric CRS for the geometry work (default: the store's metric_crs setting, else the CGCS2000 3° zone in China or the UTM zone elsewhere).") var metricCrs: String?

    @Option(help: DistrictHelp.text) var district: String?
    @Flag(help: "Do not write result layers into the store.")
    var noStore = false

    /// The options checked before any store is opened: the speed and piece length, the radius table
    /// and a walkability file (each read as `run` reads them), a projected --metric-crs.
    mutating func validate() throws {
        try reportingErrors {
            try walkingOptions.check()
            if let radii { _ = try ConfigFile.decode(ServiceRadii.self, from: radii) }
            _ = try metricCRS()
        }
    }

    /// --metric-crs, refused when it is not projected.
    private func metricCRS() throws -> CRS? {
        guard let metricCrs else { return nil }
        let crs = try CRS(parsing: metricCrs)
        guard try !CRSRegistry.info(crs).isGeographic else { throw ValidationError("--metric-crs \(metricCrs) is not a projected (metric) CRS") }
        return crs
    }

    func run() throws {
        try reportingErrors {
            let store = try store.openExisting()
            var options = CoverageOptions()
            options.mode = mode
            if let radii {
                options.radii = try ConfigFile.decode(ServiceRadii.self, from: radii)
                options.radiiSource = radii
            }
            layers.apply(to: &options.mapping)
            walkingOptions.apply(to: &options)
            options.district = district
            if let crs = try metricCRS() { options.metricCRS = crs }
            let started = Date()
            let total = options.radii.categories.count
            let done = Counter()
            let run = try CoverageJob.run(store: store, options: options) { category in
                let n = done.increment()
                if Terminal.isInteractive { Terminal.write("\r\u{1B}[2Kcoverage: \(n)/\(total) categories (\(category))") }
            }
            if Terminal.isInteractive { Terminal.write("\r\u{1B}[2K") }
            Terminal.info(run.metricCRSChoice.description)
            run.notes.forEach(Terminal.info)
            run.warnings.forEach(Terminal.warning)
            var phases = [String(format: "analysis %.2f s", Date().timeIntervalSince(started))]
            phases += try CoverageJob.writeOutputs(run, to: store, csv: csv, summary: summary, storeResults: !noStore)
                .map { String(format: "%@ %.2f s", $0.phase, $0.seconds) }
            print(CoverageReport.render(run))
            Terminal.info(String(format: "coverage (%@) of %d residential parcels in %@ done in %.2f s (%@)%@", mode.rawValue,
                                 run.result.parcels.count, run.metricCRS.description, Date().timeIntervalSince(started),
                                 phases.joined(separator: ", "), noStore ? "" : mode == .network ? "; layers coverage_parcels, coverage_gaps and coverage_facilities written" : "; layers coverage_parcels and coverage_gaps written"))
        }
    }
}

/// A thread-safe counter for progress callbacks.
final class Counter: Sendable {
    private let value = Atomic(0)
    func increment() -> Int { value.add(1, ordering: .relaxed).newValue }
}

enum CoverageReport {
    static func render(_ run: CoverageRun) -> String {
        let result = run.result
        let rows = result.categories.sorted { ($0.rule.tier?.rawValue ?? 99, $0.category) < ($1.rule.tier?.rawValue ?? 99, $1.category) }.map { c in
            [c.category, c.rule.tier.map { "\($0.rawValue) min" } ?? "-", c.rule.radius.map { String(format: "%.0f m", $0) } ?? "by area",
             String(c.facilityCount), String(format: "%.1f %%", c.coverageRatio * 100), String(format: "%.2f", c.gapAreaM2 / 10_000),
             String(format: "%.0f", c.gapPopulation), "\(c.parcelsWithGap) / \(result.parcels.count)"]
        }
        var text = TextTable.render(header: ["category", "tier", "radius", "facilities", "land covered", "gap ha", "gap population", "parcels with gap"], rows: rows)
        for tier in LifeCircleTier.allCases {
            let t = result.tierSummary(tier)
            guard !t.categories.isEmpty else { continue }
            text += String(format: "\n%@ life circle (%@): %.1f %% of residential land reaches all of them; %d parcels lack at least one",
                           tier.label, t.categories.joined(separator: ", "), t.landShare * 100, t.parcelsLacking)
        }
        return text
    }
}

/// The layers and fields of the life-circle analyses (coverage, access): residential parcels with
/// their population, facilities by category.
/// How the walking modes of coverage, access and checkup walk: speed, street layer, walkability,
/// barriers and isolated pieces (one definition for the three commands).
struct WalkingOptions: ParsableArguments {
    @Option(help: "Walking speed for --mode network: adult (1.25 m/s), elderly (1.0), child (1.1), or metres per second.")
    var speed = "adult"
    @Option(help: "Street layer for --mode network (default: streets, else roads).") var streets: String?
    @Option(help: "Walkability table for --mode network: osm, planning, or a YAML/JSON file (default: osm when the street layer has OSM tag columns, else planning; see docs/coverage.md).")
    var walkability: String?
    @Option(help: "Layer whose features attachment legs may not cross in --mode network (repeatable; default: water control lines and the layers water, waterways, barriers when present).")
    var barrierLayer: [String] = []
    @Option(help: "--mode network: network pieces shorter than this (m), other than the largest, are isolated and nothing attaches to them.")
    var minPieceM: Double = 1000

    /// The checks made before any store is opened: the speed, the piece length, a walkability file.
    func check() throws {
        guard WalkingParameters.speed(named: speed) != nil else {
            throw ValidationError("--speed \(speed) is not adult, elderly, child or a walking speed in m/s (0–5)\(NearestNames.suggestion(for: speed, in: WalkingParameters.presets.keys.sorted()))")
        }
        guard minPieceM >= 0, minPieceM.isFinite else { throw ValidationError("--min-piece-m \(minPieceM) is not a length in metres (0 or more)") }
        if let walkability { _ = try WalkingInputs.table(named: walkability, streetFields: []) }
    }

    func apply(to options: inout some WalkingSettings) {
        options.mapping.streets = streets
        if let metresPerSecond = WalkingParameters.speed(named: speed) { options.walking.speed = metresPerSecond }
        options.walking.minPieceLength = minPieceM
        options.walkability = walkability
        options.barrierLayers = barrierLayer.isEmpty ? nil : barrierLayer
    }
}

struct LifeCircleLayers: ParsableArguments {
    @Option(help: "Parcel layer.") var parcels = "parcels"
    @Option(help: "Facility layer.") var facilities = "facilities"
    @Option(help: "Parcel id field.") var idField = "parcel_id"
    @Option(help: "Land-use code field.") var landUseField = "land_use"
    @Option(help: "Land-use code prefix that marks residential land (repeatable).") var residentialPrefix: [String] = ["07"]
    @Option(help: "Population field of the parcels.") var populationField = "population"
    @Option(help: "Category field of the facilities.") var categoryField = "category"

    func apply(to mapping: inout LayerMapping) {
        mapping.parcels = parcels
        mapping.facilities = facilities
        mapping.parcelID = idField
        mapping.landUse = landUseField
        mapping.residentialPrefixes = residentialPrefix
        mapping.population = populationField
        mapping.category = categoryField
    }
}
