import Foundation
import GeoKernel
import GeoStore
import RenewalAnalysis
import RenewalDomain
import Support

/// A level of the health check read from a polygon layer of the store: `key=layer[:id_field[:name_field]]`.
public struct CheckupLevelSource: Sendable, Equatable {
    /// The levels a layer may stand for, with their Chinese names, smallest first.
    public static let known: [(key: String, label: String)] = [
        ("compound", "小区"), ("community", "社区"), ("subdistrict", "街道"), ("district", "区"),
    ]
    public var key: String
    public var layer: String
    public var idField: String
    /// nil: the id serves as the name.
    public var nameField: String?

    public init(key: String, layer: String, idField: String = "code", nameField: String? = "name") {
        self.key = key; self.layer = layer; self.idField = idField; self.nameField = nameField
    }

    /// Parses `key=layer[:id_field[:name_field]]`; the key must be one of `known`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        let keys = Self.known.map(\.key)
        guard parts.count == 2, !parts[1].isEmpty else {
            throw InputError("--level \(text): write LEVEL=LAYER[:ID_FIELD[:NAME_FIELD]], LEVEL one of \(keys.joined(separator: ", ")) (e.g. community=communities:code:name)")
        }
        guard keys.contains(parts[0]) else {
            throw InputError("--level \(text): unknown level \(parts[0])\(NearestNames.suggestion(for: parts[0], in: keys)) (levels: \(Self.known.map { "\($0.key) \($0.label)" }.joined(separator: ", ")))")
        }
        let fields = parts[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard fields.count <= 3, !fields.contains(where: \.isEmpty) else {
            throw InputError("--level \(text): write LEVEL=LAYER[:ID_FIELD[:NAME_FIELD]] with no empty part")
        }
        self.init(key: parts[0], layer: fields[0], idField: fields.count > 1 ? fields[1] : "code", nameField: fields.count > 2 ? fields[2] : "name")
    }

    public var label: String { Self.known.first { $0.key == key }?.label ?? key }
}

/// What `renewalgis checkup` asks for.
public struct CheckupOptions: Sendable {
    /// Coverage settings (mode, radii, layers and fields) for the coverage ratios.
    public var coverage = CoverageOptions()
    public var capacityField = "capacity"
    public var catalogue: IndicatorCatalogue
    /// The levels from layers, smallest first; empty: renewal units (when the store has them) and a grid.
    public var levels: [CheckupLevelSource] = []
    /// Side of a grid cell, metres (used when no level layer is named).
    public var gridMetres = 1_000.0
    /// The defaults, with the catalogue of the file `indicators` (YAML or JSON) or the built-in one.
    public init(indicators: String? = nil) throws {
        catalogue = try indicators.map { try ConfigFile.decode(IndicatorCatalogue.self, from: $0) }
            ?? ConfigFile.decode(IndicatorCatalogue.self, text: IndicatorCatalogue.defaultYAML, file: "built-in indicators")
    }
}

/// A finished health check: the indicators at every level and the ledger of failures.
public struct CheckupRun: Sendable {
    public var catalogue: IndicatorCatalogue
    public var levels: [LevelIndicators]
    /// The units' outlines as written back (EPSG:4490), per level.
    public var storedUnits: [[Geometry]]
    public var ledger: [LedgerEntry]
    public var metricCRSChoice: MetricCRSChoice
    public var warnings: [String]

    /// The index in `levels` of the level a ledger entry belongs to.
    public func levelIndex(of entry: LedgerEntry) -> Int {
        levels.firstIndex { $0.level.key == entry.level }!
    }
}

/// The health check (城市体检) as the CLI runs it: coverage for the ratios, facilities with their
/// capacity for the gaps, parcels for the rest, at each level from the store's layers (or renewal
/// units and a grid).
public enum CheckupJob {
    public static let cityKey = "city"
    public static let ledgerLayer = "checkup_ledger"

    public static func run(store: any LayerStore, options: CheckupOptions, progress: (@Sendable (String) -> Void)? = nil) throws -> CheckupRun {
        let coverageOptions = options.coverage
        // The level layers first: a missing or wrong one is refused before any analysis runs.
        let choice = try store.metricCRSChoice(override: coverageOptions.metricCRS.map { ($0, "--metric-crs") })
        var levels: [CheckupLevel] = [], stored: [[Geometry]] = []
        let levelLoader = try LayerLoader(store: store, crs: choice.crs)
        for source in options.levels {
            let units = try levelFromLayer(source, levelLoader)
            levels.append(CheckupLevel(key: source.key, label: source.label, units: units.units))
            stored.append(units.stored)
        }
        progress?("coverage")
        let coverage = try CoverageJob.run(store: store, options: coverageOptions, progress: progress)
        let metric = coverage.metricCRS
        let loader = try LayerLoader(store: store, crs: metric)
        let mapping = coverageOptions.mapping
        var warnings = coverage.warnings

        // Parcels with the fields the conditions name (an indicator whose field is missing is skipped).
        progress?("parcels")
        let layerFields = Set(try loader.fields(of: mapping.parcels, required: [mapping.parcelID, mapping.landUse, mapping.population]).map(\.name))
        var catalogue = options.catalogue
        catalogue.indicators = catalogue.indicators.filter { indicator in
            guard let missing = indicator.parcelFields.first(where: { !layerFields.contains($0) }) else { return true }
            warnings.append("indicator \(indicator.id) (\(indicator.name)): layer \(mapping.parcels) has no field \(missing): not computed")
            return false
        }
        let conditionFields = Array(Set(catalogue.indicators.flatMap(\.parcelFields))).sorted()
        var parcels: [CheckupParcel] = []
        try loader.forEach(mapping.parcels, required: [mapping.parcelID, mapping.landUse, mapping.population], optional: conditionFields,
                           geometry: .polygonal) { row in
            let code = row[mapping.landUse]?.text ?? ""
            var fields: [String: ConditionValue] = [:]
            for field in conditionFields {
                switch row[field] ?? .null {
                case .null: fields[field] = .missing
                case .string(let s): fields[field] = .text(s)
                case let other: fields[field] = other.number.map(ConditionValue.number) ?? .missing
                }
            }
            parcels.append(CheckupParcel(id: row.name(from: mapping.parcelID), geometry: row.geometry, landUse: code,
                                         residential: mapping.residentialPrefixes.contains(where: code.hasPrefix),
                                         population: row[mapping.population]?.number ?? 0, fields: fields))
        }
        // The coverage run read the residential parcels in the same (fid) order.
        let homes = parcels.indices.filter { parcels[$0].residential }
        guard homes.count == coverage.result.parcels.count, zip(homes, coverage.result.parcels).allSatisfy({ parcels[$0].id == $1.id }) else {
            throw InputError("layer \(mapping.parcels) changed while the health check read it: run checkup again")
        }
        var covered: [String: [Double]] = [:]
        for category in coverage.result.categories {
            var fractions = [Double](repeating: 0, count: parcels.count)
            for (k, i) in homes.enumerated() { fractions[i] = category.fractions[k] }
            covered[category.category] = fractions
        }

        // Facilities with their capacity, when a gap is asked for.
        var facilities: [CheckupFacility] = []
        let needsCapacity = catalogue.indicators.contains { [.placesGap, .accessPerThousand].contains($0.formula) }
        if needsCapacity {
            let sites = try AccessJob.capacities(loader, mapping: mapping, capacityField: options.capacityField)
            if sites.withoutCapacity > 0 {
                warnings.append("\(sites.withoutCapacity) facilities of layer \(mapping.facilities) have no \(options.capacityField) (NULL): they count as offering no places")
            }
            facilities = sites.sites.map { CheckupFacility(category: $0.category, capacity: $0.site.capacity, location: $0.site.location) }
        }

        // Capacity within reach (two-step floating catchment) for the categories an indicator asks it of.
        var access: [String: [Double]] = [:]
        let accessCategories = Set(catalogue.indicators.filter { $0.formula == .accessPerThousand }.compactMap(\.category))
        if !accessCategories.isEmpty {
            progress?("access")
            let demand = try DemandSite.ofParcels(coverage.result.parcels)
            for category in accessCategories.sorted() {
                guard let radius = coverageOptions.radii.rules[category]?.radius else {
                    warnings.append("\(category): its radius follows each facility's area, which access does not take: its access indicators are 0")
                    continue
                }
                let supply = facilities.filter { $0.category == category }.map { SupplySite(location: $0.location, capacity: $0.capacity) }
                let values = FloatingCatchment.access(demand: demand, supply: supply, radius: radius, parallelism: .allCores)
                var perParcel = [Double](repeating: 0, count: parcels.count)
                for (k, i) in homes.enumerated() { perParcel[i] = values[k] }
                access[category] = perParcel
            }
        }

        progress?("levels")
        let back = try Projector(from: metric, to: .cgcs2000)
        if options.levels.isEmpty {
            if try store.layers().contains(where: { $0.name == "renewal_units" }) {
                let units = try levelFromLayer(CheckupLevelSource(key: "unit", layer: "renewal_units", idField: "unit_id", nameField: nil), loader)
                levels.append(CheckupLevel(key: "unit", label: "更新单元", units: units.units))
                stored.append(units.stored)
            } else {
                warnings.append("no level layer named (--level) and no renewal_units layer (renewalgis units): reported on a \(Int(options.gridMetres)) m grid")
            }
            let grid = try Self.grid(parcels, metres: options.gridMetres)
            levels.append(CheckupLevel(key: "grid", label: "网格", units: grid))
            stored.append(try grid.map { var g = $0.geometry; try back.transform(&g); return g })
        }
        // The whole area: one unit holding every parcel and facility (its outline is their extent).
        var extent = Envelope.empty
        for p in parcels { if let e = p.geometry.envelope { extent.expand(toInclude: e) } }
        for f in facilities { extent.expand(toInclude: Envelope(minX: f.location.x, minY: f.location.y, maxX: f.location.x, maxY: f.location.y)) }
        if !extent.isEmpty {
            let box = Self.box(minX: extent.minX - 1, minY: extent.minY - 1, maxX: extent.maxX + 1, maxY: extent.maxY + 1)
            levels.append(CheckupLevel(key: cityKey, label: "全域", units: [CheckupUnit(id: "all", name: "全域", geometry: box)]))
            var g = box
            try back.transform(&g)
            stored.append([g])
        }

        progress?("indicators")
        let result = try HealthCheck.run(levels: levels, parcels: parcels, facilities: facilities, covered: covered, access: access,
                                         catalogue: catalogue, parallelism: .allCores)
        for level in result.levels where level.level.key != cityKey && (level.parcelsOutside > 0 || level.facilitiesOutside > 0) {
            warnings.append("level \(level.level.key) (\(level.level.label)): \(level.parcelsOutside) parcels and \(level.facilitiesOutside) facilities lie in none of its units: counted only in 全域")
        }
        return CheckupRun(catalogue: catalogue, levels: result.levels, storedUnits: stored, ledger: result.ledger,
                          metricCRSChoice: coverage.metricCRSChoice, warnings: warnings)
    }

    /// The units of a level layer: polygons with an id (and a name), in the metric CRS and as stored.
    static func levelFromLayer(_ source: CheckupLevelSource, _ loader: LayerLoader) throws -> (units: [CheckupUnit], stored: [Geometry]) {
        let fields: [FieldInfo]
        do {
            fields = try loader.fields(of: source.layer, required: [source.idField])
        } catch {
            throw InputError("level \(source.key) (\(source.label)): \(error)")
        }
        let nameField = source.nameField.flatMap { name in fields.contains { $0.name == name } ? name : nil }
        var units: [CheckupUnit] = [], stored: [Geometry] = []
        var ids = Set<String>()
        try loader.forEach(source.layer, required: [source.idField], optional: nameField.map { [$0] } ?? [], geometry: .nonEmpty) { row in
            let id = row.name(from: source.idField)
            guard row.geometry.kind.dimension == 2 else {
                throw InputError("level \(source.key) (\(source.label)): layer \(source.layer), feature \(id) is a \(row.geometry.kind.rawValue), not a polygon: a level's layer holds the outlines of its units")
            }
            guard ids.insert(id).inserted else {
                throw InputError("level \(source.key) (\(source.label)): layer \(source.layer) has two units with \(source.idField) \(id)")
            }
            units.append(CheckupUnit(id: id, name: nameField.flatMap { row[$0]?.text } ?? id, geometry: row.geometry))
            stored.append(row.storedGeometry)
        }
        guard !units.isEmpty else {
            throw InputError("level \(source.key) (\(source.label)): layer \(source.layer) has no polygon")
        }
        return (units, stored)
    }

    /// Square cells of `metres` aligned to multiples of `metres` in the metric CRS, those holding at
    /// least one parcel's centre of box; ids are the south-west corner in kilometres (`E361_N3270`).
    static func grid(_ parcels: [CheckupParcel], metres: Double) throws -> [CheckupUnit] {
        guard metres > 0 else { throw InputError("--grid-m must be a positive number of metres") }
        var cells = Set<[Int]>()
        for p in parcels {
            guard let e = p.geometry.envelope else { continue }
            cells.insert([Int(((e.minX + e.maxX) / 2 / metres).rounded(.down)), Int(((e.minY + e.maxY) / 2 / metres).rounded(.down))])
        }
        return cells.sorted { ($0[1], $0[0]) < ($1[1], $1[0]) }.map { c in
            let x = Double(c[0]) * metres, y = Double(c[1]) * metres
            let id = "E\(IndicatorValue.format(x / 1000))_N\(IndicatorValue.format(y / 1000))"
            return CheckupUnit(id: id, name: id, geometry: box(minX: x, minY: y, maxX: x + metres, maxY: y + metres))
        }
    }

    static func box(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Geometry {
        .polygon([[Position(minX, minY), Position(maxX, minY), Position(maxX, maxY), Position(minX, maxY), Position(minX, minY)]])
    }

    // MARK: - Writing

    /// The indicator layer of `level`.
    public static func layerName(_ level: LevelIndicators) -> String { "checkup_" + level.level.key }

    /// Writes `checkup_<level>` (every unit with its indicators) and `checkup_ledger` (one row per unit
    /// and failing indicator), replacing an earlier run's checkup layers.
    @discardableResult
    public static func writeResults(_ run: CheckupRun, to store: any LayerStore) throws -> [LayerRecord] {
        let produced = "renewalgis checkup"
        let indicatorFields = run.catalogue.indicators.map { FieldInfo(name: $0.id, type: .real) }
        let levelSpecs = run.levels.map { level in
            ResultLayerSpec(name: layerName(level),
                            fields: [FieldInfo(name: "unit_id", type: .text), FieldInfo(name: "name", type: .text), FieldInfo(name: "level", type: .text),
                                     FieldInfo(name: "parcels", type: .integer), FieldInfo(name: "residents", type: .real)]
                                + indicatorFields + [FieldInfo(name: "problems", type: .integer)],
                            kind: .multiPolygon, producedBy: produced)
        }
        let ledgerSpec = ResultLayerSpec(
            name: ledgerLayer,
            fields: ["level", "level_name", "unit_id", "unit_name", "indicator", "indicator_name", "value", "threshold", "shortfall", "unit", "source", "verified"]
                .map { FieldInfo(name: $0, type: ["value", "shortfall"].contains($0) ? .real : .text) },
            kind: .multiPolygon, producedBy: produced)
        let specs = levelSpecs + [ledgerSpec]
        let made = Set(specs.map(\.name))
        let old = try store.layers().map(\.name).filter { $0.hasPrefix("checkup_") && !made.contains($0) }
        return try store.writeResults(specs, dropping: old) { spec, sink in
            if spec.name == ledgerLayer {
                for entry in run.ledger {
                    let l = run.levelIndex(of: entry), level = run.levels[l]
                    let unit = level.level.units[entry.unit], indicator = run.catalogue.indicators[entry.indicator]
                    try sink.append([.string(level.level.key), .string(level.level.label), .string(unit.id), .string(unit.name),
                                     .string(indicator.id), .string(indicator.name), .double(entry.value),
                                     .string(indicator.threshold?.text ?? ""), .double(entry.shortfall), .string(indicator.unit),
                                     .string(indicator.source), .string(indicator.verified ? "是" : "否")],
                                    storedGeometry: run.storedUnits[l][entry.unit])
                }
                return
            }
            let l = levelSpecs.firstIndex { $0.name == spec.name }!
            let level = run.levels[l]
            for (u, unit) in level.level.units.enumerated() {
                try sink.append([.string(unit.id), .string(unit.name), .string(level.level.label), .int(Int64(level.parcels[u])), .double(level.residents[u])]
                                + level.values[u].map { $0.map(PropertyValue.double) ?? .null } + [.int(Int64(level.problems[u]))],
                                storedGeometry: run.storedUnits[l][u])
            }
        }
    }

    /// The header of a level table: unit columns, then each indicator's Chinese name with its unit.
    static func levelHeader(_ run: CheckupRun) -> [String] {
        ["单元编号", "单元名称", "地块数", "常住人口（人）"] + run.catalogue.indicators.map { "\($0.name)（\($0.unit)）" } + ["问题数"]
    }

    static let ledgerHeader = ["层级", "单元编号", "单元名称", "指标", "指标编号", "指标值", "阈值", "差距", "单位", "依据", "已核对"]

    /// Writes `DIR/checkup_<level>.csv` per level, `DIR/checkup_ledger.csv` and `DIR/checkup_indicators.csv`
    /// (the catalogue), UTF-8 with a BOM so Excel reads the Chinese as such.
    public static func writeCSV(_ run: CheckupRun, directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: [String] = []
        for table in tables(run) {
            let path = (directory as NSString).appendingPathComponent(table.file + ".csv")
            let file = try CSVFile(path: path, header: table.header, byteOrderMark: true)
            for row in table.rows {
                try file.write(row.map { cell in
                    switch cell {
                    case .text(let s): s
                    case .number(let v): String(format: "%.10g", v)
                    case .empty: ""
                    }
                })
            }
            try file.close()
            written.append(path)
        }
        return written
    }

    /// Writes the workbook: a sheet per level, the ledger and the catalogue.
    public static func writeXLSX(_ run: CheckupRun, to path: String) throws {
        var book = Workbook()
        for table in tables(run) { book.add(Workbook.Sheet(name: table.sheet, header: table.header, rows: table.rows)) }
        try book.write(to: path)
    }

    /// The tables both files hold: per level, the ledger, the catalogue.
    static func tables(_ run: CheckupRun) -> [(file: String, sheet: String, header: [String], rows: [[Workbook.Cell]])] {
        var out: [(file: String, sheet: String, header: [String], rows: [[Workbook.Cell]])] = []
        for level in run.levels {
            let rows = level.level.units.indices.map { u -> [Workbook.Cell] in
                let unit = level.level.units[u]
                return [.text(unit.id), .text(unit.name), .number(Double(level.parcels[u])), .number(level.residents[u])]
                    + level.values[u].map { $0.map(Workbook.Cell.number) ?? .empty } + [.number(Double(level.problems[u]))]
            }
            out.append(("checkup_" + level.level.key, "\(level.level.label)指标", levelHeader(run), rows))
        }
        let ledger = run.ledger.map { entry -> [Workbook.Cell] in
            let level = run.levels[run.levelIndex(of: entry)].level
            let unit = level.units[entry.unit], indicator = run.catalogue.indicators[entry.indicator]
            return [.text(level.label), .text(unit.id), .text(unit.name), .text(indicator.name), .text(indicator.id), .number(entry.value),
                    .text(indicator.threshold?.text ?? ""), .number(entry.shortfall), .text(indicator.unit), .text(indicator.source),
                    .text(indicator.verified ? "是" : "否")]
        }
        out.append(("checkup_ledger", "问题清单", ledgerHeader, ledger))
        let catalogue = run.catalogue.indicators.map { i -> [Workbook.Cell] in
            [.text(i.id), .text(i.name), .text(i.nameEN), .text(i.formula.rawValue), .text(i.unit), .text(i.threshold?.text ?? ""),
             .text(i.definition), .text(i.source), .text(i.verified ? "是" : "否")]
        }
        out.append(("checkup_indicators", "指标说明", ["指标编号", "指标名称", "英文名称", "算法", "单位", "阈值", "定义", "依据", "已核对"], catalogue))
        return out
    }
}
