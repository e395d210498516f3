import Foundation
import GeoKernel
import RenewalAnalysis
import Yams
import Support
import RenewalDomain

/// A batch project (`renewalgis run PROJECT.yaml`): the layers to load, and the settings of each
/// stage. Paths are relative to the project file. Unknown keys, encodings, land-use codes and
/// parameter values are errors with their line and the nearest valid names; codes must be YAML text.
///
/// ```yaml
/// store: ../out/yuzhong.sqlite
/// layers:
///   - file: parcels.shp
///     encoding: GBK
///     rename: {safety_gra: safety_grade, planned_ac: planned_action}
///   - file: facilities.csv
///     crs: GCJ02
/// coverage: {mode: straight, radii: radii.yaml, speed: adult, walkability: osm, barrier_layers: [water], min_piece_m: 1000}
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
    /// Walking mode: the walkability table (`osm`, `planning` or a file, resolved against the project's folder).
    public var walkability: String?
    /// Walking mode: layers attachment legs may not cross (nil: the default water and barrier layers).
    public var barrierLayers: [String]?
    /// Walking mode: network pieces shorter than this (m) take no attachments (nil: the default 1000 m).
    public var minPieceLength: Double?
    public var rules: String?
    public var eligibilityTargets: [String] = []
    public var units = UnitParameters()
    public var barrierClasses: [String] = []
    public var weights = NeedWeights()
    public var report: String
    /// Things worth a warning, with their line.
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
        func resolve(_ p: String) -> String { PathNames.clean(p.hasPrefix("/") || base.isEmpty ? p : base + "/" + p) }
        func line(_ n: Node) -> String { n.mark.map { "line \($0.line)" } ?? "?" }
        let warnings: [String] = []
        func check(_ mapping: Node.Mapping, _ allowed: [String], in section: String) throws {
            for (key, _) in mapping {
                guard let k = key.string, !allowed.contains(k) else { continue }
                throw InputError("\(path) \(line(key)): unknown key \(section.isEmpty ? "" : section + ".")\(k)\(NearestNames.suggestion(for: k, in: allowed)) (known: \(allowed.joined(separator: ", ")))")
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
        /// 用地用海 codes: YAML text (a plain number loses its leading zero: 080701 → 80701), each a code of the list.
        func codes(_ n: Node?, _ key: String, _ what: String) throws -> [String] {
            guard let n else { return [] }
            let items = n.sequence.map(Array.init) ?? [n]
            let written = items.map { $0.string ?? "" }
            func quoted(_ s: String) -> String {
                "\"" + (s.allSatisfy(\.isNumber) && s.count % 2 == 1 ? "0" + s : s) + "\""
            }
            for item in items {
                guard let scalar = item.scalar else { throw InputError("\(path) \(line(item)): \(what) must be text") }
                if scalar.style == .plain, [Tag.Name.int, .float].contains(Resolver.default.resolveTag(of: item)) {
                    throw InputError("\(path) \(line(item)): \(what) \(scalar.string) is a number to YAML, which drops leading zeros (080701 → 80701); write codes as text: \(key): [\(written.map(quoted).joined(separator: ", "))]")
                }
                if let problem = LandUseCodes.problem(with: scalar.string) {
                    throw InputError("\(path) \(line(item)): \(what) \(problem)")
                }
            }
            return written
        }
        try check(root, ["store", "layers", "coverage", "conflicts", "eligibility", "units", "report"], in: "")
        guard let storeText = try string(root["store"], "store") else { throw InputError("\(path): the project names no store (store: path/to/store.sqlite)") }
        let store = resolve(storeText)
        var project = ProjectFile(path: path, store: store, report: ((store as NSString).deletingPathExtension) + "_report.md")
        if let layers = root["layers"] {
            guard let seq = layers.sequence else { throw InputError("\(path) \(line(layers)): layers must be a list of {file: …}") }
            for item in seq {
                guard let m = item.mapping else { throw InputError("\(path) \(line(item)): a layer is a mapping with file: …") }
                try check(m, ["file", "layer", "as", "crs", "encoding", "rename"], in: "layers")
                guard let file = try string(m["file"], "file") else { throw InputError("\(path) \(line(item)): a layer without file:") }
                var layer = Layer(file: resolve(file))
                layer.layer = try string(m["layer"], "layer")
                layer.name = try string(m["as"], "as")
                layer.crs = try string(m["crs"], "crs")
                layer.encoding = try string(m["encoding"], "encoding")
                if let encoding = layer.encoding, let problem = TextEncodings.problem(with: encoding, what: "encoding") {
                    throw InputError("\(path) \(line(m["encoding"]!)): \(problem)")
                }
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
            try check(c, ["mode", "radii", "speed", "walkability", "barrier_layers", "min_piece_m"], in: "coverage")
            project.walkability = try string(c["walkability"], "coverage.walkability").map { ["osm", "planning"].contains($0) ? $0 : resolve($0) }
            if let layers = c["barrier_layers"] { project.barrierLayers = try strings(layers, "coverage.barrier_layers") }
            if let length = try number(c["min_piece_m"], "coverage.min_piece_m") {
                guard length >= 0, length.isFinite else { throw InputError("\(path) \(line(c["min_piece_m"]!)): coverage.min_piece_m \(length) is not a length in metres (0 or more)") }
                project.minPieceLength = length
            }
            if let mode = try string(c["mode"], "coverage.mode") {
                switch mode {
                case "straight": project.coverageModes = [.straight]
                case "network": project.coverageModes = [.network]
                case "both": project.coverageModes = [.straight, .network]
                default: throw InputError("\(path) \(line(c["mode"]!)): coverage.mode \(mode) is not straight, network or both\(NearestNames.suggestion(for: mode, in: ["straight", "network", "both"]))")
                }
            }
            project.radii = try string(c["radii"], "coverage.radii").map(resolve)
            project.speed = try string(c["speed"], "coverage.speed")
            if let speed = project.speed, WalkingParameters.speed(named: speed) == nil {
                throw InputError("\(path) \(line(c["speed"]!)): coverage.speed \(speed) is not adult, elderly, child or metres per second below 5\(NearestNames.suggestion(for: speed, in: WalkingParameters.presets.keys.sorted()))")
            }
        }
        if let c = root["conflicts"]?.mapping {
            try check(c, ["rules"], in: "conflicts")
            project.rules = try string(c["rules"], "conflicts.rules").map(resolve)
        }
        if let e = root["eligibility"]?.mapping {
            try check(e, ["to"], in: "eligibility")
            project.eligibilityTargets = try codes(e["to"], "to", "eligibility.to")
        }
        if let u = root["units"]?.mapping {
            try check(u, ["min_ha", "max_ha", "min_population", "max_population", "seed", "facing_m", "barrier_classes", "weights"], in: "units")
            if let v = try number(u["min_ha"], "units.min_ha") { project.units.minArea = v * 10_000 }
            if let v = try number(u["max_ha"], "units.max_ha") { project.units.maxArea = v * 10_000 }
            project.units.minPopulation = try number(u["min_population"], "units.min_population")
            project.units.maxPopulation = try number(u["max_population"], "units.max_population")
            if let v = try number(u["seed"], "units.seed") { project.units.seed = UInt64(max(0, v)) }
            if let v = try number(u["facing_m"], "units.facing_m") { project.units.facingDistance = v }
            project.barrierClasses = try strings(u["barrier_classes"], "units.barrier_classes")
            if let w = u["weights"] {
                guard let wm = w.mapping else { throw InputError("\(path) \(line(w)): units.weights is a mapping name: number") }
                try check(wm, NeedWeights.names, in: "units.weights")
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

/// Paths as messages show them.
public enum PathNames {
    /// `path` with `.` and empty components dropped and `dir/..` collapsed where `dir` is a real
    /// directory and not a symbolic link (so the path still names the same file): `GeoData/../out/x`
    /// becomes `out/x`. Relative paths stay relative.
    public static func clean(_ path: String) -> String {
        guard !path.isEmpty else { return path }
        let absolute = path.hasPrefix("/")
        var parts: [String] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            if component == "." { continue }
            if component == "..", let last = parts.last, last != ".." {
                let sofar = (absolute ? "/" : "") + parts.joined(separator: "/")
                var info = stat()
                if lstat(sofar, &info) != 0 || (info.st_mode & S_IFMT) != S_IFLNK {
                    parts.removeLast()
                    continue
                }
            }
            if component == "..", absolute, parts.isEmpty { continue }
            parts.append(component)
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}
