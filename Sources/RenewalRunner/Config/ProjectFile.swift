import Foundation
import GeoKernel
import RenewalAnalysis
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
/// checkup: {levels: [community=communities, subdistrict=subdistricts:code:name], grid_m: 1000, indicators: indicators.yaml}
/// report: ../out/yuzhong_report.md      # or {file: …, language: zh | en, pdf: true | false}
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
    /// The store: a SpatiaLite file (resolved against the project's folder) or a `postgresql://` URL.
    public var store: StoreAddress
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
    /// The report's language (Chinese unless asked otherwise).
    public var reportLanguage: ReportLanguage = .chinese
    /// Whether the run prints the HTML report to PDF (with headless Chromium, when installed).
    public var reportPDF = true
    /// The health check's levels (`key=layer[:id[:name]]`); empty: renewal units and a grid.
    public var checkupLevels: [CheckupLevelSource] = []
    public var checkupGridMetres = 1_000.0
    /// An indicator catalogue file (nil: the built-in one).
    public var indicators: String?
    /// Things worth a warning, with their line.
    public var warnings: [String] = []

    /// A project with the given store and report and every stage at its defaults.
    public init(path: String, store: StoreAddress, report: String) {
        self.path = path; self.store = store; self.report = report
    }

    /// Reads and checks a project file (through `ConfigFile`); errors are `ConfigError`s naming the
    /// file, line and key.
    public static func load(_ path: String) throws -> ProjectFile {
        try ConfigFile.decode(ProjectFile.self, from: path)
    }
}

extension ProjectFile: Decodable {
    private enum CodingKeys: String, CodingKey, CaseIterable { case store, layers, coverage, conflicts, eligibility, units, checkup, report }
    private enum CheckupKeys: String, CodingKey, CaseIterable { case levels, gridMetres = "grid_m", indicators }
    private enum ReportKeys: String, CodingKey, CaseIterable { case file, language, pdf }
    private enum LayerKeys: String, CodingKey, CaseIterable { case file, layer, name = "as", crs, encoding, rename }
    private enum CoverageKeys: String, CodingKey, CaseIterable {
        case mode, radii, speed, walkability, barrierLayers = "barrier_layers", minPieceLength = "min_piece_m"
    }
    private enum ConflictsKeys: String, CodingKey, CaseIterable { case rules }
    private enum EligibilityKeys: String, CodingKey, CaseIterable { case to }
    private enum UnitsKeys: String, CodingKey, CaseIterable {
        case minArea = "min_ha", maxArea = "max_ha", minPopulation = "min_population", maxPopulation = "max_population", seed
        case facingDistance = "facing_m", barrierClasses = "barrier_classes", weights
    }

    /// A project as its file writes it; paths are resolved against the file's folder
    /// (`Decoder.configFile`) and layer files must exist.
    public init(from decoder: any Decoder) throws {
        let path = decoder.configFile
        let base = (path as NSString).deletingLastPathComponent
        func resolve(_ p: String) -> String { PathNames.clean(p.hasPrefix("/") || base.isEmpty ? p : base + "/" + p) }
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let root = try decoder.container(keyedBy: CodingKeys.self)
        guard let storeText = try root.decodeIfPresent(String.self, forKey: .store) else {
            throw decoder.failure("the project names no store (store: path/to/store.sqlite)")
        }
        // The report goes beside a file store, or beside the project file when the store is a database.
        let store = StoreAddress.isDatabaseURL(storeText) ? StoreAddress(storeText) : .spatiaLite(path: resolve(storeText))
        self.init(path: path, store: store, report: ((store.filePath ?? path) as NSString).deletingPathExtension + "_report.md")
        if root.contains(.layers) {
            var items = try root.nestedUnkeyedContainer(forKey: .layers)
            while !items.isAtEnd {
                let item = try items.superDecoder()
                try item.rejectUnknownKeys(LayerKeys.self)
                let m = try item.container(keyedBy: LayerKeys.self)
                guard let file = try m.decodeIfPresent(String.self, forKey: .file) else { throw item.failure("a layer without file:") }
                var layer = Layer(file: resolve(file))
                layer.layer = try m.decodeIfPresent(String.self, forKey: .layer)
                layer.name = try m.decodeIfPresent(String.self, forKey: .name)
                layer.crs = try m.decodeIfPresent(String.self, forKey: .crs)
                layer.encoding = try m.decodeIfPresent(String.self, forKey: .encoding)
                if let encoding = layer.encoding, let problem = TextEncodings.problem(with: encoding, what: "encoding") {
                    throw m.failure(.encoding, problem)
                }
                layer.rename = try m.decodeIfPresent([String: String].self, forKey: .rename) ?? [:]
                guard FileManager.default.fileExists(atPath: layer.file) else {
                    throw item.failure("layer file \(layer.file) does not exist")
                }
                layers.append(layer)
            }
        }
        if root.contains(.coverage) {
            try root.superDecoder(forKey: .coverage).rejectUnknownKeys(CoverageKeys.self)
            let c = try root.nestedContainer(keyedBy: CoverageKeys.self, forKey: .coverage)
            walkability = try c.decodeIfPresent(String.self, forKey: .walkability).map { ["osm", "planning"].contains($0) ? $0 : resolve($0) }
            barrierLayers = try c.decodeOneOrMany(String.self, .barrierLayers)
            if let length = try c.decodeNumber(.minPieceLength) {
                guard length >= 0, length.isFinite else {
                    throw c.failure(.minPieceLength, "coverage.min_piece_m \(length) is not a length in metres (0 or more)")
                }
                minPieceLength = length
            }
            if let mode = try c.decodeIfPresent(String.self, forKey: .mode) {
                switch mode {
                case "straight": coverageModes = [.straight]
                case "network": coverageModes = [.network]
                case "both": coverageModes = [.straight, .network]
                default: throw c.failure(.mode, "coverage.mode \(mode) is not straight, network or both\(NearestNames.suggestion(for: mode, in: ["straight", "network", "both"]))")
                }
            }
            radii = try c.decodeIfPresent(String.self, forKey: .radii).map(resolve)
            speed = try c.decodeIfPresent(String.self, forKey: .speed)
            if let speed, WalkingParameters.speed(named: speed) == nil {
                throw c.failure(.speed, "coverage.speed \(speed) is not adult, elderly, child or metres per second below 5\(NearestNames.suggestion(for: speed, in: WalkingParameters.presets.keys.sorted()))")
            }
        }
        if root.contains(.conflicts) {
            try root.superDecoder(forKey: .conflicts).rejectUnknownKeys(ConflictsKeys.self)
            rules = try root.nestedContainer(keyedBy: ConflictsKeys.self, forKey: .conflicts).decodeIfPresent(String.self, forKey: .rules).map(resolve)
        }
        if root.contains(.eligibility) {
            try root.superDecoder(forKey: .eligibility).rejectUnknownKeys(EligibilityKeys.self)
            let e = try root.nestedContainer(keyedBy: EligibilityKeys.self, forKey: .eligibility)
            eligibilityTargets = try e.decodeCodeTexts(.to) ?? []
            for (index, code) in eligibilityTargets.enumerated() {
                if let problem = LandUseCodes.problem(with: code) {
                    throw DecodingError.dataCorrupted(.init(codingPath: e.codingPath + [EligibilityKeys.to, ConfigKey(index: index)],
                                                            debugDescription: "eligibility.to \(problem)"))
                }
            }
        }
        if root.contains(.units) {
            try root.superDecoder(forKey: .units).rejectUnknownKeys(UnitsKeys.self)
            let u = try root.nestedContainer(keyedBy: UnitsKeys.self, forKey: .units)
            if let v = try u.decodeNumber(.minArea) { units.minArea = v * 10_000 }
            if let v = try u.decodeNumber(.maxArea) { units.maxArea = v * 10_000 }
            units.minPopulation = try u.decodeNumber(.minPopulation)
            units.maxPopulation = try u.decodeNumber(.maxPopulation)
            if let v = try u.decodeNumber(.seed) {
                guard v.isFinite, v < 1.8e19 else { throw u.failure(.seed, "units.seed \(v) is not a whole number") }
                units.seed = UInt64(max(0, v))
            }
            if let v = try u.decodeNumber(.facingDistance) { units.facingDistance = v }
            barrierClasses = try u.decodeOneOrMany(String.self, .barrierClasses) ?? []
            weights = try u.decodeIfPresent(NeedWeights.self, forKey: .weights) ?? NeedWeights()
            do { _ = try units.validated() } catch {
                throw root.failure(.units, "\(error)")
            }
        }
        if root.contains(.checkup) {
            try root.superDecoder(forKey: .checkup).rejectUnknownKeys(CheckupKeys.self)
            let c = try root.nestedContainer(keyedBy: CheckupKeys.self, forKey: .checkup)
            for (k, text) in (try c.decodeOneOrMany(String.self, .levels) ?? []).enumerated() {
                do { checkupLevels.append(try CheckupLevelSource(parsing: text)) } catch {
                    throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [CheckupKeys.levels, ConfigKey(index: k)],
                                                            debugDescription: "checkup.levels \(error)"))
                }
            }
            if let metres = try c.decodeNumber(.gridMetres) {
                guard metres > 0, metres.isFinite else { throw c.failure(.gridMetres, "checkup.grid_m \(metres) is not a length in metres (more than 0)") }
                checkupGridMetres = metres
            }
            indicators = try c.decodeIfPresent(String.self, forKey: .indicators).map(resolve)
        }
        if let r = try? root.decode(String.self, forKey: .report) {
            report = resolve(r)
        } else if root.contains(.report) {
            try root.superDecoder(forKey: .report).rejectUnknownKeys(ReportKeys.self)
            let r = try root.nestedContainer(keyedBy: ReportKeys.self, forKey: .report)
            if let file = try r.decodeIfPresent(String.self, forKey: .file) { report = resolve(file) }
            if let language = try r.decodeIfPresent(String.self, forKey: .language) {
                guard let known = ReportLanguage(rawValue: language) else {
                    throw r.failure(.language, "report.language \(language) is not zh or en")
                }
                reportLanguage = known
            }
            reportPDF = try r.decodeIfPresent(Bool.self, forKey: .pdf) ?? true
        }
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
