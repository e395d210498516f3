import Foundation
import GeoFiles
import GeoKernel
import GeoStore
import RenewalAnalysis
import RenewalStore
import Support

/// One stage of a batch run and how long it took.
public struct StageTiming: Sendable {
    public var stage: String
    public var seconds: Double
    public var note: String
}

/// The batch run behind `renewalgis run PROJECT.yaml`: import what the store lacks, then coverage →
/// conflicts → eligibility → units → checkup, each stage writing its result layers in one transaction (a
/// failing stage leaves that stage's previous layers in place and stops the run), then the report.
public enum ProjectRun {
    public struct Outcome: Sendable {
        public var timings: [StageTiming]
        public var units: UnitsRun?
        public var reportPath: String
        public var mapPath: String
        public var warnings: [String]
        /// The HTML report, and its PDF when one was printed.
        public var htmlPath: String? = nil
        public var pdfPath: String? = nil
        public var checkup: CheckupRun? = nil
    }

    /// A stage failed: its name and the cause.
    public struct StageError: Error, CustomStringConvertible {
        public var stage: String
        public var underlying: Error
        public var description: String { "stage \(stage) failed (its previous results are kept): \(underlying)" }
    }

    /// Runs `project`. With `district`, one district of a store split by district (`renewalgis
    /// partition`): nothing is imported (district jobs share a store that already holds the layers),
    /// every stage reads that district and what lies within reach and writes over its rows, and the
    /// report is `<report>_<district>.md`.
    public static func run(_ project: ProjectFile, district: String? = nil, log: @escaping @Sendable (String) -> Void) throws -> Outcome {
        var timings: [StageTiming] = []
        var warnings = project.warnings
        func stage<T>(_ name: String, _ body: () throws -> (T, String)) throws -> T {
            log("== \(name)")
            let started = Date()
            do {
                let (value, note) = try body()
                let seconds = Date().timeIntervalSince(started)
                timings.append(StageTiming(stage: name, seconds: seconds, note: note))
                log(String(format: "   %@ (%.2f s)", note, seconds))
                return value
            } catch {
                throw StageError(stage: name, underlying: error)
            }
        }
        if let path = project.store.filePath {
            let folder = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true)
        }
        let store = try project.store.openOrCreate()

        // Import what is missing (a district's run reads the shared store as it is).
        if let district {
            _ = try DistrictScope.requested(district, in: store, districts: try Districts.of(store))
            log("district \(district): imports are the whole project's; reading \(project.store)")
        } else { try stage("import") { () -> ((), String) in
            let (note, importWarnings) = try importMissing(project, into: store)
            warnings += importWarnings
            return ((), note)
        } }

        // Every analysis stage measures in this CRS (a store too wide for one zone stops here).
        log(try store.metricCRSChoice().description)

        // Coverage.
        for mode in project.coverageModes {
            try stage("coverage (\(mode.rawValue))") { () -> ((), String) in
                var options = CoverageOptions()
                options.mode = mode
                if let radii = project.radii { options.radii = try ConfigFile.decode(ServiceRadii.self, from: radii); options.radiiSource = radii }
                if let speed = project.speed {
                    guard let v = WalkingParameters.speed(named: speed) else {
                        throw InputError("\(project.path): coverage.speed \(speed) is not adult, elderly, child or metres per second below 5")
                    }
                    options.walking.speed = v
                }
                options.walkability = project.walkability
                options.barrierLayers = project.barrierLayers
                if let length = project.minPieceLength { options.walking.minPieceLength = length }
                options.district = district
                let run = try CoverageJob.run(store: store, options: options, progress: nil)
                run.notes.forEach(log)
                warnings += run.warnings
                try CoverageJob.writeResults(run, to: store)
                let gaps = run.result.categories.map { "\($0.category) \($0.parcelsWithGap)" }.joined(separator: ", ")
                return ((), "\(run.result.parcels.count) residential parcels; parcels with a gap: \(gaps)")
            }
        }

        // Conflicts and eligibility.
        var loadedRules: RuleSet? = nil
        try stage("conflicts") { () -> ((), String) in
            let rules = try RulesFile.load(project.rules)
            loadedRules = rules
            let inputs = try PlanChecks.load(store: store, mapping: PlanMapping(), requireAction: true, nearZonesOnly: true, district: district)
            warnings += inputs.warnings
            let (records, _) = try PlanChecks.conflicts(inputs, rules: rules, store: store)
            let forbidden = records.filter { $0.verdict == .forbidden }.count
            return ((), "\(records.count) conflict records, \(forbidden) forbidden")
        }
        if !project.eligibilityTargets.isEmpty, let rules = loadedRules {
            try stage("eligibility") { () -> ((), String) in
                let inputs = try PlanChecks.load(store: store, mapping: PlanMapping(), requireAction: false, district: district)
                let overlaps = try ZoneOverlay.overlaps(parcels: inputs.parcels.map(\.geometry), zones: inputs.zones.map(\.geometry),
                                                        parallelism: .allCores)
                let counts = try PlanChecks.eligibility(inputs, overlaps: overlaps, targets: project.eligibilityTargets, rules: rules,
                                                        includeUnlisted: false, store: store, csv: nil)
                let allowed = counts.values.reduce(0) { $0 + ($1[.allowed] ?? 0) }
                return ((), "\(inputs.parcels.count) parcels × \(project.eligibilityTargets.count) targets; \(allowed) allowed conversions")
            }
        }

        // Units.
        let units = try stage("units") { () -> (UnitsRun, String) in
            var mapping = UnitsMapping()
            if !project.barrierClasses.isEmpty { mapping.barrierClasses = Set(project.barrierClasses) }
            let run = try UnitsJob.run(store: store, mapping: mapping, weights: project.weights, parameters: project.units,
                                       district: district, progress: { log("   units: \($0)") })
            warnings += run.warnings
            try UnitsJob.writeResults(run, to: store, producedBy: "renewalgis run \((project.path as NSString).lastPathComponent)")
            let flagged = run.delineation.units.filter { !$0.flags.isEmpty }.count
            return (run, "\(run.delineation.units.count) units (\(flagged) flagged) from \(run.parcelIDs.count) parcels")
        }

        var project = project
        if let district { project.report = (project.report as NSString).deletingPathExtension + "_\(district).md" }
        let stem = (project.report as NSString).deletingPathExtension

        // The health check, on the levels named (or the units just made and a grid). A district's run
        // leaves it to a whole-city run: its levels cross districts.
        var checkup: CheckupRun? = nil
        if district == nil {
            checkup = try stage("checkup") { () -> (CheckupRun, String) in
                var options = try CheckupOptions(indicators: project.indicators)
                options.levels = project.checkupLevels
                options.gridMetres = project.checkupGridMetres
                if let radii = project.radii { options.coverage.radii = try ConfigFile.decode(ServiceRadii.self, from: radii); options.coverage.radiiSource = radii }
                let run = try CheckupJob.run(store: store, options: options)
                warnings += run.warnings.filter { !warnings.contains($0) }
                try CheckupJob.writeResults(run, to: store)
                try CheckupJob.writeXLSX(run, to: stem + "_checkup.xlsx")
                return (run, "\(run.catalogue.indicators.count) indicators at \(run.levels.count) levels, \(run.ledger.count) problems; \(stem)_checkup.xlsx")
            }
        }

        // Report: Markdown (English, as before), and the HTML report with its map, printed to PDF.
        let mapPath = stem + "_units.svg", htmlPath = stem + ".html", pdfPath = stem + ".pdf"
        var pdfWritten = false
        try stage("report") { () -> ((), String) in
            let words = ReportWords.of(project.reportLanguage)
            let map = try ReportMap.of(store: store, units: units, checkup: checkup, words: words, title: words.mapTitle)
            let svg = map.svg()
            try svg.write(toFile: mapPath, atomically: true, encoding: .utf8)
            try UnitsReportWriter.markdown(units, project: project, timings: timings, mapFile: (mapPath as NSString).lastPathComponent)
                .write(toFile: project.report, atomically: true, encoding: .utf8)
            try HealthReport.html(project: project, language: project.reportLanguage, timings: timings, checkup: checkup, units: units,
                                  map: svg, warnings: warnings).write(toFile: htmlPath, atomically: true, encoding: .utf8)
            var written = [project.report, mapPath, htmlPath]
            if project.reportPDF {
                if let browser = PDFPrinter.browser() {
                    try PDFPrinter.print(html: htmlPath, to: pdfPath, browser: browser)
                    written.append(pdfPath)
                    pdfWritten = true
                } else {
                    warnings.append("\(pdfPath) not written: no Chromium to print the report with (apt-get install chromium fonts-noto-cjk, or set CHROMIUM)")
                }
            }
            return ((), written.joined(separator: ", "))
        }
        return Outcome(timings: timings, units: units, reportPath: project.report, mapPath: mapPath, warnings: warnings,
                       htmlPath: htmlPath, pdfPath: pdfWritten ? pdfPath : nil, checkup: checkup)
    }

    /// Imports the project's layers the store does not hold yet (never replacing one); returns what
    /// was imported and kept, and the import warnings.
    static func importMissing(_ project: ProjectFile, into store: any LayerImporting) throws -> (note: String, warnings: [String]) {
        var warnings: [String] = []
        let present = Set(try store.layers().map(\.name))
        var imported: [String] = [], kept: [String] = []
        for entry in project.layers {
            let source = try VectorSource(path: entry.file, encoding: entry.encoding)
            let layers = try entry.layer.map { [try source.layer(named: $0)] } ?? source.layers()
            var options = ImportOptions(layerName: entry.name, crs: try entry.crs.map { try CRS(parsing: $0) }, renames: entry.rename)
            options.replace = false
            var missing: [(layer: SourceLayer, options: ImportOptions)] = []
            for layer in layers {
                let name = try entry.name ?? LayerName.sanitized(layer.name)
                if present.contains(name) { kept.append(name) } else { missing.append((layer, options)) }
            }
            guard !missing.isEmpty else { continue }
            for report in try LayerImporter.importLayers(missing, into: store) {
                warnings += report.warnings
                imported.append("\(report.record.name) (\(report.record.featureCount))")
            }
        }
        return ("imported: \(imported.isEmpty ? "nothing" : imported.joined(separator: ", ")); already in the store: \(kept.isEmpty ? "nothing" : kept.joined(separator: ", "))", warnings)
    }

    /// What `run --each-district` does before it starts the district jobs: opens the store, imports
    /// what it lacks (once, for all of them), and returns the district codes.
    public static func prepareDistricts(_ project: ProjectFile, log: @escaping @Sendable (String) -> Void) throws -> [String] {
        let store = try project.store.openOrCreate()
        let (note, warnings) = try importMissing(project, into: store)
        log("== import\n   \(note)")
        warnings.forEach(log)
        guard let districts = try Districts.of(store) else {
            throw InputError("\(project.store) is not split by district: run `renewalgis partition --store \(project.store) --districts LAYER --field CODE` first (docs/scale.md)")
        }
        return districts.codes
    }
}
