import Foundation
import GeoFiles
import GeoKernel
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
/// conflicts → eligibility → units, each stage writing its result layers in one transaction (a
/// failing stage leaves that stage's previous layers in place and stops the run), then the report.
public enum ProjectRun {
    public struct Outcome: Sendable {
        public var timings: [StageTiming]
        public var units: UnitsRun?
        public var reportPath: String
        public var mapPath: String
        public var warnings: [String]
    }

    /// A stage failed: its name and the cause.
    public struct StageError: Error, CustomStringConvertible {
        public var stage: String
        public var underlying: Error
        public var description: String { "stage \(stage) failed (its previous results are kept): \(underlying)" }
    }

    public static func run(_ project: ProjectFile, log: @escaping @Sendable (String) -> Void) throws -> Outcome {
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
        try FileManager.default.createDirectory(atPath: (project.store as NSString).deletingLastPathComponent.isEmpty ? "."
                                                : (project.store as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let store = try SpatialStore(openOrCreate: project.store)

        // Import what is missing.
        try stage("import") { () -> ((), String) in
            let present = Set(try store.layers().map(\.name))
            var imported: [String] = [], kept: [String] = []
            for entry in project.layers {
                let source = try VectorSource(path: entry.file, encoding: entry.encoding)
                let layers = try entry.layer.map { [try source.layer(named: $0)] } ?? source.layers()
                var options = ImportOptions(layerName: entry.name, crs: try entry.crs.map { try CRS(parsing: $0) }, renames: entry.rename)
                options.replace = false
                var missing: [(layer: SourceLayer, options: ImportOptions)] = []
                for layer in layers {
                    let name = try entry.name ?? LayerImporter.sanitizedName(layer.name)
                    if present.contains(name) { kept.append(name) } else { missing.append((layer, options)) }
                }
                guard !missing.isEmpty else { continue }
                for report in try LayerImporter.importLayers(missing, into: store) {
                    warnings += report.warnings
                    imported.append("\(report.record.name) (\(report.record.featureCount))")
                }
            }
            return ((), "imported: \(imported.isEmpty ? "nothing" : imported.joined(separator: ", ")); already in the store: \(kept.isEmpty ? "nothing" : kept.joined(separator: ", "))")
        }

        // Every analysis stage measures in this CRS (a store too wide for one zone stops here).
        log(try store.metricCRSChoice().description)

        // Coverage.
        for mode in project.coverageModes {
            try stage("coverage (\(mode.rawValue))") { () -> ((), String) in
                var options = CoverageOptions()
                options.mode = mode
                if let radii = project.radii { options.radii = try RadiiFile.load(radii); options.radiiSource = radii }
                if let speed = project.speed {
                    guard let v = WalkingParameters.speed(named: speed) else {
                        throw InputError("\(project.path): coverage.speed \(speed) is not adult, elderly, child or metres per second below 5")
                    }
                    options.walking.speed = v
                }
                options.walkability = project.walkability
                options.barrierLayers = project.barrierLayers
                if let length = project.minPieceLength { options.walking.minPieceLength = length }
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
            let inputs = try PlanChecks.load(store: store, mapping: PlanMapping(), requireAction: true, nearZonesOnly: true)
            warnings += inputs.warnings
            let (records, _) = try PlanChecks.conflicts(inputs, rules: rules, store: store)
            let forbidden = records.filter { $0.verdict == .forbidden }.count
            return ((), "\(records.count) conflict records, \(forbidden) forbidden")
        }
        if !project.eligibilityTargets.isEmpty, let rules = loadedRules {
            try stage("eligibility") { () -> ((), String) in
                let inputs = try PlanChecks.load(store: store, mapping: PlanMapping(), requireAction: false)
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
                                       progress: { log("   units: \($0)") })
            warnings += run.warnings
            try UnitsJob.writeResults(run, to: store, producedBy: "renewalgis run \((project.path as NSString).lastPathComponent)")
            let flagged = run.delineation.units.filter { !$0.flags.isEmpty }.count
            return (run, "\(run.delineation.units.count) units (\(flagged) flagged) from \(run.parcelIDs.count) parcels")
        }

        // Report.
        let mapPath = ((project.report as NSString).deletingPathExtension) + "_units.svg"
        try stage("report") { () -> ((), String) in
            try UnitsMap.svg(units).write(toFile: mapPath, atomically: true, encoding: .utf8)
            try UnitsReportWriter.markdown(units, project: project, timings: timings, mapFile: (mapPath as NSString).lastPathComponent)
                .write(toFile: project.report, atomically: true, encoding: .utf8)
            return ((), "\(project.report) and \(mapPath)")
        }
        return Outcome(timings: timings, units: units, reportPath: project.report, mapPath: mapPath, warnings: warnings)
    }
}

/// An SVG map of the units, coloured by rank of need (darkest = most need), labelled with their rank.
public enum UnitsMap {
    public static func svg(_ run: UnitsRun, width: Double = 900) throws -> String {
        let projector = try Projector(from: .cgcs2000, to: run.metricCRS)
        var shapes: [(Int, [[Position]])] = []
        var box = Envelope.empty
        for (u, g) in run.unitGeometry.enumerated() {
            var m = g
            try projector.transform(&m)
            let rings = PlanarRing.orientedRings(m)
            rings.forEach { $0.forEach { box.expand(toInclude: $0) } }
            shapes.append((u, rings))
        }
        guard !box.isEmpty else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>" }
        let scale = width / max(box.width, 1), height = box.height * scale
        func xy(_ p: Position) -> String { String(format: "%.1f,%.1f", (p.x - box.minX) * scale, (box.maxY - p.y) * scale) }
        let count = max(1, run.delineation.units.count)
        var out = String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n", width, height + 30, width, height + 30)
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        for (u, rings) in shapes {
            let unit = run.delineation.units[u]
            let t = 1 - Double(unit.rank - 1) / Double(count)   // 1 for the most need
            let colour = String(format: "#%02x%02x%02x", 255, Int(235 - 180 * t), Int(200 - 180 * t))
            let path = rings.map { "M" + $0.map(xy).joined(separator: "L") + "Z" }.joined()
            out += "<path d=\"\(path)\" fill=\"\(colour)\" stroke=\"#444\" stroke-width=\"0.8\" fill-rule=\"evenodd\"><title>\(run.unitID(u)) rank \(unit.rank)</title></path>\n"
        }
        for (u, rings) in shapes {
            guard let outer = rings.max(by: { abs(PlanarRing.signedArea($0)) < abs(PlanarRing.signedArea($1)) }) else { continue }
            var e = Envelope.empty
            outer.forEach { e.expand(toInclude: $0) }
            let c = xy(e.center).split(separator: ",")
            out += "<text x=\"\(c[0])\" y=\"\(c[1])\" font-size=\"10\" text-anchor=\"middle\" fill=\"#000\">\(run.delineation.units[u].rank)</text>\n"
        }
        out += String(format: "<text x=\"10\" y=\"%.0f\" font-size=\"12\">Renewal units, darker = more need; labels are ranks (1 = most need).</text>\n", height + 20)
        return out + "</svg>\n"
    }
}

/// The Markdown report of a batch run.
public enum UnitsReportWriter {
    public static func markdown(_ run: UnitsRun, project: ProjectFile, timings: [StageTiming], mapFile: String) -> String {
        let d = run.delineation
        var out = "# Renewal units — \((project.path as NSString).lastPathComponent)\n\n"
        out += "Store: `\(project.store)`. Measured in the \(run.metricCRSChoice).\n\n"
        out += "Units of \(Int(project.units.minArea / 10_000))–\(Int(project.units.maxArea / 10_000)) ha, seed \(project.units.seed).\n\n"
        out += "## Run\n\n| stage | seconds | result |\n|---|---:|---|\n"
        for t in timings { out += "| \(t.stage) | \(String(format: "%.2f", t.seconds)) | \(t.note.replacingOccurrences(of: "|", with: "/")) |\n" }
        out += "\n## Units ranked by need\n\n![units](\(mapFile))\n\n"
        out += "| unit | rank | ha | population | parcels | mean need | max need | C/D parcels | 留改拆增 | 63号 | flags |\n|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|\n"
        let order = d.units.indices.sorted { d.units[$0].rank < d.units[$1].rank }
        for u in order {
            let unit = d.units[u], p = run.problems[u]
            out += "| \(run.unitID(u)) | \(unit.rank) | \(String(format: "%.1f", unit.area / 10_000)) | \(Int(unit.population)) | \(unit.parcels.count) | "
            out += "\(String(format: "%.3f", unit.meanNeed)) | \(String(format: "%.3f", unit.maxNeed)) | \(p.dangerousParcels) | \(UnitsJob.mix(p)) | "
            out += "\(p.capFlags.isEmpty ? "ok" : p.capFlags.joined(separator: "; ")) | \(unit.flags.map(\.description).joined(separator: "; ")) |\n"
        }
        out += "\n## Problem lists (问题清单)\n"
        for u in order {
            let unit = d.units[u], p = run.problems[u]
            out += "\n### \(run.unitID(u)) — rank \(unit.rank), \(String(format: "%.1f", unit.area / 10_000)) ha, \(Int(unit.population)) residents\n\n"
            out += "- Residents lacking a service: \(p.lacking.isEmpty ? "none" : UnitsJob.describe(p.lacking))\n"
            out += "- Conflicts: \(p.conflicts.isEmpty ? "none" : p.conflicts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: "; "))\n"
            out += "- Parcels with C/D dangerous buildings: \(p.dangerousParcels)\n"
            out += "- Idle land: \(String(format: "%.2f", p.idleArea / 10_000)) ha\n"
            out += "- 留改拆增 by land area: \(UnitsJob.mix(p).isEmpty ? "no planned actions" : UnitsJob.mix(p))\n"
            out += "- 63号: demolished floor area \(p.demolishedShare.map { String(format: "%.0f %%", $0 * 100) } ?? "not known") of existing (cap 20 %); "
            out += "拆建比 \(p.rebuildRatio.map { String(format: "%.2f", $0) } ?? "not evaluated (no planned floor area)") (cap 2); "
            out += "resettlement \(p.resettlement.map { String(format: "%.0f %%", $0 * 100) } ?? "not in the data") (floor 50 %)"
            out += p.capFlags.isEmpty ? " — within the caps\n" : " — **\(p.capFlags.joined(separator: "; "))**\n"
            if let s = p.suggestion { out += "- Suggestion: \(s)\n" }
            if !unit.flags.isEmpty { out += "- Flags: \(unit.flags.map(\.description).joined(separator: "; "))\n" }
        }
        return out
    }
}
