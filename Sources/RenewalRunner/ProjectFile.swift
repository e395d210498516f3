import Foundation
import GeoKernel
import RenewalAnalysis
import Yams

/// A batch project (`renewalgis run PROJECT.yaml`): the layers to load, and the settings of each
/// stage. Paths are relative to the project file. Unknown keys are warned with their line.
///
/// ```yaml
/// store: ../out/yuzhong.sqlite
/// layers:
///   - file: parcels.shp
///     encoding: GBK
///     rename: {safety_gra: safety_grade, planned_ac: planned_action}
///   - file: facilities.csv
///     crs: GCJ02
/// coverage: {mode: straight, radii: radii.yaml, speed: adult}
/// conflicts: {rules: rules.yaml}
/// eligibility: {to: ["080701"]}
/// units: {min_ha: 10, max_ha: 50, seed: 1, barrier_classes: [primary], weights: {dangerous: 0.3}}
/// report: ../out/yuzhong_report.md
/// ```
public struct ProjectFile: Sendable {
    public struct Layer: Sendable {
        public var file: String
        public var layer: String?
        public var name: String?
        public var crs: String?
        public var encoding: String?
        public var rename: [String: String] = [:]
    }

    public var path: String
    public var store: String
    public var layers: [Layer] = []
    public var coverageModes: [CoverageMode] = [.straight]
    public var radii: String?
    public var speed: String?
    public var rules: String?
    public var eligibilityTargets: [String] = []
    public var units = UnitParameters()
    public var barrierClasses: [String] = []
    public var weights = NeedWeights()
    public var report: String
    /// Unknown keys and other things worth a warning, with their line.
    public var warnings: [String] = []

    /// Reads and checks a project file; errors name the file, line and key.
    public static func load(_ path: String) throws -> ProjectFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw InputError("\(path): cannot read the project file")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw InputError("\(path): not valid YAML: \(error)")
        }
        guard let root = node?.mapping else { throw InputError("\(path): a project file is a YAML mapping (store:, layers:, …)") }
        let base = (path as NSString).deletingLastPathComponent
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : ((base.isEmpty ? p : base + "/" + p) as NSString).standardizingPath }
        func line(_ n: Node) -> String { n.mark.map { "line \($0.line)" } ?? "?" }
        var warnings: [String] = []
        func check(_ mapping: Node.Mapping, _ allowed: [String], in section: String) {
            for (key, _) in mapping {
                guard let k = key.string, !allowed.contains(k) else { continue }
                warnings.append("\(path) \(line(key)): unknown key \(section.isEmpty ? "" : section + ".")\(k) (known: \(allowed.joined(separator: ", "))): ignored")
            }
        }
        func string(_ n: Node?, _ what: String) throws -> String? {
            guard let n else { return nil }
            guard let s = n.string, n.scalar != nil else { throw InputError("\(path) \(line(n)): \(what) must be a text value") }
            return s
        }
        func number(_ n: Node?, _ what: String) throws -> Double? {
            guard let n else { return nil }
            guard let s = n.string, let v = Double(s) else { throw InputError("\(path) \(line(n)): \(what) must be a number") }
            return v
        }
        func strings(_ n: Node?, _ what: String) throws -> [String] {
            guard let n else { return [] }
            if let seq = n.sequence { return try seq.map { try string($0, what) ?? "" } }
            return [try string(n, what) ?? ""]
        }
        check(root, ["store", "layers", "coverage", "conflicts", "eligibility", "units", "report"], in: "")
        guard let storeText = try string(root["store"], "store") else { throw InputError("\(path): the project names no store (store: path/to/store.sqlite)") }
        let store = resolve(storeText)
        var project = ProjectFile(path: path, store: store, report: ((store as NSString).deletingPathExtension) + "_report.md")
        if let layers = root["layers"] {
            guard let seq = layers.sequence else { throw InputError("\(path) \(line(layers)): layers must be a list of {file: …}") }
            for item in seq {
                guard let m = item.mapping else { throw InputError("\(path) \(line(item)): a layer is a mapping with file: …") }
                check(m, ["file", "layer", "as", "crs", "encoding", "rename"], in: "layers")
                guard let file = try string(m["file"], "file") else { throw InputError("\(path) \(line(item)): a layer without file:") }
                var layer = Layer(file: resolve(file))
                layer.layer = try string(m["layer"], "layer")
                layer.name = try string(m["as"], "as")
                layer.crs = try string(m["crs"], "crs")
                layer.encoding = try string(m["encoding"], "encoding")
                if let r = m["rename"] {
                    guard let rm = r.mapping else { throw InputError("\(path) \(line(r)): rename is a mapping old: new") }
                    for (k, v) in rm { layer.rename[k.string ?? ""] = v.string ?? "" }
                }
                guard FileManager.default.fileExists(atPath: layer.file) else {
                    throw InputError("\(path) \(line(item)): layer file \(layer.file) does not exist")
                }
                project.layers.append(layer)
            }
        }
        if let c = root["coverage"]?.mapping {
            check(c, ["mode", "radii", "speed"], in: "coverage")
            if let mode = try string(c["mode"], "coverage.mode") {
                switch mode {
                case "straight": project.coverageModes = [.straight]
                case "network": project.coverageModes = [.network]
                case "both": project.coverageModes = [.straight, .network]
                default: throw InputError("\(path) \(line(c["mode"]!)): coverage.mode \(mode) is not straight, network or both")
                }
            }
            project.radii = try string(c["radii"], "coverage.radii").map(resolve)
            project.speed = try string(c["speed"], "coverage.speed")
        }
        if let c = root["conflicts"]?.mapping {
            check(c, ["rules"], in: "conflicts")
            project.rules = try string(c["rules"], "conflicts.rules").map(resolve)
        }
        if let e = root["eligibility"]?.mapping {
            check(e, ["to"], in: "eligibility")
            project.eligibilityTargets = try strings(e["to"], "eligibility.to")
        }
        if let u = root["units"]?.mapping {
            check(u, ["min_ha", "max_ha", "min_population", "max_population", "seed", "facing_m", "barrier_classes", "weights"], in: "units")
            if let v = try number(u["min_ha"], "units.min_ha") { project.units.minArea = v * 10_000 }
            if let v = try number(u["max_ha"], "units.max_ha") { project.units.maxArea = v * 10_000 }
            project.units.minPopulation = try number(u["min_population"], "units.min_population")
            project.units.maxPopulation = try number(u["max_population"], "units.max_population")
            if let v = try number(u["seed"], "units.seed") { project.units.seed = UInt64(max(0, v)) }
            if let v = try number(u["facing_m"], "units.facing_m") { project.units.facingDistance = v }
            project.barrierClasses = try strings(u["barrier_classes"], "units.barrier_classes")
            if let w = u["weights"] {
                guard let wm = w.mapping else { throw InputError("\(path) \(line(w)): units.weights is a mapping name: number") }
                check(wm, NeedWeights.names, in: "units.weights")
                var table: [String: Double] = [:]
                for (k, v) in wm where NeedWeights.names.contains(k.string ?? "") {
                    guard let n = try number(v, "units.weights.\(k.string ?? "")"), n >= 0 else {
                        throw InputError("\(path) \(line(v)): a weight must be a number ≥ 0")
                    }
                    table[k.string!] = n
                }
                project.weights = try JSONDecoder().decode(NeedWeights.self, from: JSONSerialization.data(withJSONObject: table))
            }
            do { _ = try project.units.validated() } catch {
                throw InputError("\(path) \(line(root["units"]!)): \(error)")
            }
        }
        if let r = try string(root["report"], "report") { project.report = resolve(r) }
        project.warnings = warnings
        return project
    }
}
