import ArgumentParser
import Foundation
import GeoFiles
import GeoKernel
import RenewalAnalysis
import RenewalRunner
import RenewalStore
import RenewalDomain
import Support

/// Options shared by `conflicts` and `eligibility`.
struct PlanOptions: ParsableArguments {
    @Option(help: StoreHelp.text)
    var store: StoreAddress

    @Option(help: "Rules file (YAML): the conflict matrix and conversion lists (default: the built-in rules; `renewalgis rules` prints them).")
    var rules: String?

    @Option(help: "Parcel layer.") var parcels = "parcels"
    @Option(help: "Planned action field (retain/renovate/demolish/add or 留/改/拆/增).") var actionField = "planned_action"
    @Option(help: "Heritage zone layer (field level: core/control).") var heritage = "heritage_zones"
    @Option(help: "Control-line layer (field kind: ecological/blue/green/purple/yellow).") var controlLines = "control_lines"
    @Option(help: DistrictHelp.text) var district: String?

    /// A rules file is read before the store is opened, so a mistake in it is the first thing said.
    mutating func validate() throws {
        try reportingErrors { if let rules { _ = try RulesFile.load(rules) } }
    }

    var mapping: PlanMapping {
        var m = PlanMapping()
        m.parcels = parcels
        m.action = actionField
        m.heritage = heritage
        m.controlLines = controlLines
        return m
    }
}

struct Conflicts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every planned action against heritage zones and control lines: a verdict per parcel × zone × rule, with its clause.",
        usage: "renewalgis conflicts --store <store> [<options>]",
        discussion: """
            Writes the layer `conflicts` (geometry = the overlap) and prints a summary by rule and \
            verdict. Overlaps under 1 m² or 1 % of the parcel are reported as touching.

            Examples:
              renewalgis conflicts --store city.sqlite
              renewalgis rules > my_rules.yaml      # the default rules, to edit
              renewalgis conflicts --store city.sqlite --rules my_rules.yaml \\
                  --csv conflicts.csv --geojson conflicts.geojson
            """
    )

    @OptionGroup var options: PlanOptions
    @Option(help: "CSV output, columns parcel_id, zone_id, zone_type, action, rule_id, verdict, overlap_m2, overlap_share.") var csv: String?
    @Option(help: "GeoJSON output of the conflict features (EPSG:4490).") var geojson: String?
    @Option(help: "CSV of every parcel × zone overlap, whatever the rules: parcel_id,zone_id,zone_type,overlap_m2,overlap_share.") var overlaps: String?

    func run() throws {
        try reportingErrors {
            let started = Date()
            let rules = try RulesFile.load(options.rules)
            let store = try options.store.openExisting()
            let inputs = try PlanChecks.load(store: store, mapping: options.mapping, requireAction: true, nearZonesOnly: true,
                                             district: options.district)
            inputs.warnings.forEach(Terminal.warning)
            Terminal.info(inputs.metricCRSChoice.description)
            let (records, pairs) = try PlanChecks.conflicts(inputs, rules: rules, store: store)
            if let overlaps { try PlanChecks.overlapsCSV(pairs, inputs).write(toFile: overlaps, atomically: true, encoding: .utf8) }
            if let csv { try PlanChecks.conflictsCSV(records, inputs).write(toFile: csv, atomically: true, encoding: .utf8) }
            if let geojson { try ExportJob.run(store: store, layer: "conflicts", to: geojson) }
            var counts: [String: [Verdict: Int]] = [:]
            for r in records { counts[r.rule.id, default: [:]][r.verdict, default: 0] += 1 }
            print(PlanReport.table(counts, first: "rule"))
            Terminal.info(String(format: "checked %d parcels (near a zone, or heritage sites) against %d zones with %d rules in %.2f s; layer conflicts written (%d rows)",
                                 inputs.parcels.count, inputs.zones.count, rules.rules.count, Date().timeIntervalSince(started), records.count))
        }
    }
}

struct Eligibility: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Land-use conversion eligibility under the positive and negative lists (正负面清单), every reason given.",
        usage: "renewalgis eligibility --store <store> [--to <code> ...] [<options>]",
        discussion: """
            Writes the layer `eligibility` (one row per parcel: verdict and rule ids per target) and \
            prints a summary by target and verdict; the CSV has one row per parcel × target with \
            every reason. Target codes are checked against the 用地用海 list.

            Examples:
              renewalgis eligibility --store city.sqlite --to 080701   # may become elderly care?
              renewalgis eligibility --store city.sqlite --to 0702 --to 1401 \\
                  --csv eligibility.csv
            """
    )

    @OptionGroup var options: PlanOptions
    @Option(name: .customLong("to"), help: "Target 用地用海 code (repeatable; default: every target of the positive list).") var targets: [String] = []
    @Option(help: "CSV output: parcel_id,from_code,to_code,verdict,rule_ids,reasons.") var csv: String?
    @Flag(help: "Also list conversions that neither list names (verdict conditional, rule UNLISTED).") var includeUnlisted = false

    /// Every --to is a code of the 用地用海 list.
    mutating func validate() throws {
        try reportingErrors {
            for code in targets {
                if let problem = LandUseCodes.problem(with: code) { throw ValidationError("--to \(problem)") }
            }
        }
    }

    func run() throws {
        try reportingErrors {
            let started = Date()
            let rules = try RulesFile.load(options.rules)
            let store = try options.store.openExisting()
            let inputs = try PlanChecks.load(store: store, mapping: options.mapping, requireAction: false, district: options.district)
            inputs.warnings.forEach(Terminal.warning)
            Terminal.info(inputs.metricCRSChoice.description)
            let overlaps = try ZoneOverlay.overlaps(parcels: inputs.parcels.map(\.geometry), zones: inputs.zones.map(\.geometry),
                                                    parallelism: .allCores)
            let chosen = targets.isEmpty ? EligibilityAnalysis.targets(in: rules) : targets
            let counts = try PlanChecks.eligibility(inputs, overlaps: overlaps, targets: chosen, rules: rules,
                                                    includeUnlisted: includeUnlisted, store: store, csv: csv)
            print(PlanReport.table(counts.mapKeys { "→ \($0)" }, first: "target"))
            Terminal.info(String(format: "judged %d parcels × %d targets in %.2f s; layer eligibility written",
                                 inputs.parcels.count, chosen.count, Date().timeIntervalSince(started)))
        }
    }
}

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the default rules (YAML): the action × zone matrix with clauses, and the conversion lists.",
        discussion: """
            Example:
              renewalgis rules > my_rules.yaml
              renewalgis conflicts --store city.sqlite --rules my_rules.yaml
            """
    )
    func run() throws { print(DefaultRules.yaml) }
}

enum PlanReport {
    /// Counts per key and verdict, as a table.
    static func table(_ counts: [String: [Verdict: Int]], first: String) -> String {
        let rows = counts.keys.sorted().map { key in [key] + Verdict.allCases.map { String(counts[key]?[$0] ?? 0) } }
        return TextTable.render(header: [first] + Verdict.allCases.map(\.rawValue), rows: rows)
    }
}

extension Dictionary {
    func mapKeys<K: Hashable>(_ transform: (Key) -> K) -> [K: Value] {
        Dictionary<K, Value>(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
