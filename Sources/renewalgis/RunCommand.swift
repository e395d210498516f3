import ArgumentParser
import Foundation
import RenewalRunner

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a whole project: import what is missing, then coverage → conflicts → eligibility → units, and write a report.",
        discussion: """
            The project file (YAML) names the store, the layer files with their CRS, encoding and \
            field renames, and the settings of each stage; paths are relative to it. An unknown key, \
            encoding, land-use code or value is an error naming its line and the nearest valid one; \
            codes are text (to: ["080701"]). Each stage writes its result layers in one transaction: \
            a failing stage keeps its previous results and stops the run. The report (Markdown, with \
            an SVG map of the units ranked by need and a problem list per unit) is written beside the \
            store.

            Example:
              renewalgis run GeoData/project.yaml
            """
    )

    @Argument(help: "The project file (YAML).") var project: String
    @Option(help: DistrictHelp.text) var district: String?
    @Flag(help: "Run every district of the store, each as its own `renewalgis run PROJECT --district CODE` process (after importing what the store lacks, once).")
    var eachDistrict = false
    @Option(help: "With --each-district: how many district processes run at once.") var jobs = 1

    /// The project file is read (and its layer files looked for) before anything runs.
    mutating func validate() throws {
        try reportingErrors {
            if eachDistrict, district != nil { throw ValidationError("--each-district runs every district; --district runs one: give one of them") }
            if jobs < 1 { throw ValidationError("--jobs \(jobs): at least 1") }
            if jobs > 1, !eachDistrict { throw ValidationError("--jobs is for --each-district") }
            _ = try ProjectFile.load(project)
        }
    }

    func run() throws {
        try reportingErrors {
            let started = Date()
            let file = try ProjectFile.load(project)
            file.warnings.forEach(Terminal.warning)
            if eachDistrict {
                let codes = try ProjectRun.prepareDistricts(file) { Terminal.info($0) }
                try DistrictJobs.run(project: project, report: file.report, codes: codes, jobs: jobs)
                Terminal.info(String(format: "done in %.2f s: %d districts, %d at a time; store %@", Date().timeIntervalSince(started),
                                     codes.count, jobs, file.store.description))
                return
            }
            let outcome = try ProjectRun.run(file, district: district) { Terminal.info($0) }
            outcome.warnings.filter { !file.warnings.contains($0) }.forEach(Terminal.warning)
            if let units = outcome.units { print(UnitsReport.table(units, top: 10)) }
            let reports = [outcome.htmlPath, outcome.pdfPath, outcome.reportPath].compactMap { $0 }.joined(separator: ", ")
            Terminal.info(String(format: "done in %.2f s; report %@ (map %@); store %@", Date().timeIntervalSince(started),
                                 reports, outcome.mapPath, file.store.description))
        }
    }
}
