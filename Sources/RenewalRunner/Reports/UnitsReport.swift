import Foundation
import GeoFiles
import GeoKernel
import RenewalAnalysis
import RenewalStore
import Support

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
        let order = run.unitOrder
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
