import Foundation
import GeoFiles
import GeoKernel
import RenewalAnalysis
import RenewalStore
import RenewalDomain
import GeoStore

/// Which layers and fields the unit step reads, with defaults matching GeoData/ and ../shared/bench.
public struct UnitsMapping: Sendable {
    public var plan = PlanMapping()
    public var population = "population"
    public var far = "far"
    /// Planned floor-area ratio (for "FAR below plan" and 拆建比); read when present.
    public var plannedFAR = "planned_far"
    /// Share of residents resettled on site or nearby (0…1 or percent); read when present.
    public var resettlement = "resettlement_rate"
    /// A field marking parcels that must stay together (ownership, project); read when present.
    public var group = "group_id"
    /// Street layer (nil: streets, else roads) and the classes that bound units.
    public var streets: String?
    public var streetClass = "class"
    public var barrierClasses: Set<String> = UnitsMapping.defaultBarrierClasses
    public static let defaultBarrierClasses: Set<String> = ["motorway", "expressway", "trunk", "primary", "快速路", "主干路", "高速公路"]
    /// Control-line kinds whose areas bound units (rivers and water).
    public var barrierKinds: Set<String> = ["blue", "蓝线", "river", "water"]
    /// Land-use prefixes never put in a unit: water (17) and urban roads (1207).
    public var excludedLandUse = ["17", "1207"]
    public init() {}
}

/// The unit step's result, ready to write and report.
public struct UnitsRun: Sendable {
    public var parcelIDs: [String]
    public var storedGeometry: [Geometry]
    public var indicators: [NeedIndicators]
    public var need: [Double]
    public var delineation: UnitDelineation
    public var problems: [UnitProblems]
    public var unitGeometry: [Geometry]
    public var warnings: [String]
    public var metricCRS: CRS
    /// The metric CRS with why it was chosen: the line the command prints.
    public var metricCRSChoice: MetricCRSChoice
    /// In a store split by district: each unit's district (units never cross one); nil otherwise.
    public var unitDistricts: [String]? = nil
    /// The district this run was limited to (`--district`), whose rows it replaces.
    public var district: String? = nil

    /// Unit indices in report order: by district (when split), then rank.
    public var unitOrder: [Int] {
        delineation.units.indices.sorted { a, b in
            (unitDistricts?[a] ?? "", delineation.units[a].rank) < (unitDistricts?[b] ?? "", delineation.units[b].rank)
        }
    }

    /// `U0001`… by rank (1 = most need); in a store split by district `<code>-U0001`…, ranked within the district.
    public func unitID(_ u: Int) -> String {
        let id = String(format: "U%04d", delineation.units[u].rank)
        return unitDistricts.map { "\($0[u])-\(id)" } ?? id
    }
}

public enum UnitsJob {
    /// Delineates renewal units. In a store split by district (`renewalgis partition`) every district
    /// is delineated apart — district boundaries are barriers, no unit crosses one — so `district`
    /// (one district's units, written over its rows) gives exactly that district's part of the
    /// whole-city run.
    public static func run(store: any LayerStore, mapping: UnitsMapping, weights: NeedWeights, parameters: UnitParameters,
                           district: String? = nil, progress: (@Sendable (String) -> Void)? = nil) throws -> UnitsRun {
        _ = try parameters.validated()
        let districts = try Districts.of(store)
        if let district { _ = try DistrictScope.requested(district, in: store, districts: districts) }
        guard let districts else {
            return try runPart(store: store, mapping: mapping, weights: weights, parameters: parameters, scope: nil, progress: progress)
        }
        let codes = district.map { [$0] } ?? districts.codes
        var parts: [UnitsRun] = []
        for code in codes {
            progress?("district \(code)")
            let scope = try DistrictScope(districts: districts, code: code)
            parts.append(try runPart(store: store, mapping: mapping, weights: weights, parameters: parameters, scope: scope, progress: progress))
        }
        var run = parts[0]
        if parts.count > 1 {
            run.parcelIDs = parts.flatMap(\.parcelIDs)
            run.storedGeometry = parts.flatMap(\.storedGeometry)
            run.indicators = parts.flatMap(\.indicators)
            run.need = parts.flatMap(\.need)
            run.delineation = UnitDelineation.concatenating(parts.map { ($0.delineation, $0.parcelIDs.count) })
            run.problems = parts.flatMap(\.problems)
            run.unitGeometry = parts.flatMap(\.unitGeometry)
            var seen: Set<String> = []
            run.warnings = parts.flatMap(\.warnings).filter { seen.insert($0).inserted }
        }
        run.unitDistricts = zip(codes, parts).flatMap { code, part in part.delineation.units.map { _ in code } }
        run.district = district
        if district == nil {
            let outside = try parcelsOutsideDistricts(store: store, mapping: mapping, districts: districts)
            if outside > 0 { run.warnings.append("\(outside) parcels lie in no district of \(districts.layer): not in any unit") }
        }
        return run
    }

    /// Parcels (polygons) whose representative point no district holds.
    static func parcelsOutsideDistricts(store: any LayerStore, mapping: UnitsMapping, districts: Districts) throws -> Int {
        var outside = 0
        try LayerLoader(store: store, crs: .cgcs2000).forEachRow(mapping.plan.parcels) { row in
            if let g = row.geometry, g.kind.dimension == 2, try districts.district(of: g) == nil { outside += 1 }
        }
        return outside
    }

    /// One delineation: of the whole city, or of one district's own parcels (with the barriers and
    /// heritage zones that meet them).
    static func runPart(store: any LayerStore, mapping: UnitsMapping, weights: NeedWeights, parameters: UnitParameters,
                        scope: DistrictScope?, progress: (@Sendable (String) -> Void)?) throws -> UnitsRun {
        let choice = try store.metricCRSChoice()
        let metric = choice.crs
        let loader = try LayerLoader(store: store, crs: metric)
        let layers = Set(try loader.layerNames())
        var warnings: [String] = []
        let p = mapping.plan
        let fields = Set(try loader.fields(of: p.parcels, required: [p.parcelID, p.landUse]).map(\.name))
        for (field, what) in [(p.buildYear, "old buildings"), (p.safetyGrade, "C/D dangerous buildings"), (p.vacant, "vacancy"),
                              (mapping.far, "FAR below plan"), (p.action, "the 留改拆增 mix and 63号 caps")] where !fields.contains(field) {
            warnings.append("layer \(p.parcels) has no field \(field): \(what) not counted")
        }

        // Coverage results per parcel: residents lacking each category; share of categories with a gap.
        progress?("reading coverage and conflicts results")
        var lacking: [String: [String: Double]] = [:], gapShare: [String: Double] = [:]
        if layers.contains("coverage_parcels") {
            let coverageFields = try loader.fields(of: "coverage_parcels").map(\.name)
            let skip: Set<String> = ["parcel_id", "population", "area_m2", "categories_with_gap"]
            let categories = coverageFields.filter { !skip.contains($0) && !$0.hasPrefix("missing_") && !$0.hasSuffix("_walk_m") && !$0.hasPrefix("walk_") }
            try loader.forEachRow("coverage_parcels", optional: ["parcel_id", "population"] + categories) { f in
                guard let id = f["parcel_id"]?.text else { return }
                let population = f["population"]?.number ?? 0
                var missing: [String: Double] = [:], gaps = 0
                for c in categories {
                    let fraction = f[c]?.number ?? 1
                    if fraction < CoverageThreshold.full { gaps += 1; missing[c] = (1 - fraction) * population }
                }
                lacking[id] = missing
                gapShare[id] = categories.isEmpty ? 0 : Double(gaps) / Double(categories.count)
            }
        } else {
            warnings.append("the store has no coverage_parcels layer (run `renewalgis coverage` first): service gaps are not counted")
        }
        var conflictLabels: [String: [String]] = [:], conflictLevel: [String: Double] = [:]
        if layers.contains("conflicts") {
            try loader.forEachRow("conflicts", optional: ["parcel_id", "verdict", "rule_id"]) { f in
                guard let id = f["parcel_id"]?.text, let verdict = f["verdict"]?.text else { return }
                let level = verdict == "forbidden" ? 1.0 : verdict == "conditional" ? 0.5 : 0
                guard level > 0 else { return }
                conflictLevel[id] = max(conflictLevel[id] ?? 0, level)
                conflictLabels[id, default: []].append("\(verdict) \(f["rule_id"]?.text ?? "?")")
            }
        } else {
            warnings.append("the store has no conflicts layer (run `renewalgis conflicts` first): conflicts are not counted")
        }

        // Parcels.
        progress?("reading parcels")
        struct Row { var id: String; var code: String; var stored: Geometry; var metric: Geometry; var area: Double
                     var population: Double; var far: Double?; var plannedFAR: Double?; var year: Double?; var grade: String?
                     var vacant: Bool?; var action: PlannedAction?; var group: String?; var resettlement: Double? }
        var rows: [Row] = []
        var excludedByUse = 0
        let columns = [mapping.population, mapping.far, mapping.plannedFAR, p.buildYear, p.safetyGrade, p.vacant, p.action,
                       mapping.group, mapping.resettlement]
        func excluded(_ row: Feature) -> Bool {
            let code = row[p.landUse]?.text ?? ""
            guard mapping.excludedLandUse.contains(where: code.hasPrefix) else { return false }
            if row.geometry?.kind.dimension == 2 { excludedByUse += 1 }
            return true
        }
        try loader.forEach(p.parcels, required: [p.parcelID, p.landUse], optional: columns, filter: try scope?.candidates(), geometry: .polygonal,
                           where: { row in try !excluded(row) && scope.map { s in try row.geometry.map(s.owns) ?? false } ?? true }) { f in
            let code = f[p.landUse]?.text ?? "", g = f.storedGeometry, m = f.geometry
            let vacant = f[p.vacant]?.flag
            var resettlement = f[mapping.resettlement]?.number
            if let r = resettlement, r > 1 { resettlement = r / 100 }
            rows.append(Row(id: f.name(from: p.parcelID), code: code, stored: g, metric: m, area: PlanarRing.area(m),
                            population: f[mapping.population]?.number ?? 0, far: f[mapping.far]?.number, plannedFAR: f[mapping.plannedFAR]?.number,
                            year: f[p.buildYear]?.number, grade: f[p.safetyGrade]?.text, vacant: vacant,
                            action: f[p.action]?.text.flatMap { PlannedAction(text: $0) }, group: f[mapping.group]?.text.flatMap { $0.isEmpty ? nil : $0 },
                            resettlement: resettlement))
        }
        if excludedByUse > 0 {
            warnings.append("\(excludedByUse) parcels with land use \(mapping.excludedLandUse.joined(separator: "/"))… (water, roads) are not put in units")
        }
        // FAR below plan: against the planned FAR when the layer has one, else the district median of the same class (4 digits).
        var medianFAR: [String: Double] = [:]
        if !fields.contains(mapping.plannedFAR) {
            var byClass: [String: [Double]] = [:]
            for r in rows { if let f = r.far, f > 0 { byClass[String(r.code.prefix(4)), default: []].append(f) } }
            medianFAR = byClass.mapValues { v in let s = v.sorted(); return s[s.count / 2] }
            if fields.contains(mapping.far) {
                warnings.append("layer \(p.parcels) has no \(mapping.plannedFAR): FAR below plan is measured against the district median FAR of each 4-digit land-use class")
            }
        }
        let hasCoverage = layers.contains("coverage_parcels"), hasConflicts = layers.contains("conflicts")
        let indicators = rows.map { r -> NeedIndicators in
            let reference = r.plannedFAR ?? medianFAR[String(r.code.prefix(4))]
            return NeedIndicators(
                oldBuilding: r.year.map { $0 > 0 && $0 < 2001 ? 1 : 0 },
                dangerous: fields.contains(p.safetyGrade) ? (NeedIndicators.dangerous(grade: r.grade) ?? 0) : nil,
                vacancy: r.vacant.map { $0 ? 1 : 0 },
                lowFAR: r.far.flatMap { far in reference.map { max(0, 1 - far / max($0, 1e-9)) } },
                serviceGaps: hasCoverage ? (gapShare[r.id] ?? 0) : nil,
                conflicts: hasConflicts ? (conflictLevel[r.id] ?? 0) : nil)
        }
        let need = indicators.map(weights.score)

        // Barriers and never-split heritage zones, in the metric CRS (for a district, those meeting its parcels).
        progress?("reading barriers")
        let near = scope.map { _ in DistrictScope.halo(around: rows.map(\.stored).envelope, metres: 50) }
        var barrierLines: [Geometry] = [], barrierAreas: [Geometry] = []
        if let streetLayer = try? LayerInputs.streetLayerName(in: store, mapping: { var m = LayerMapping(); m.streets = mapping.streets; return m }()) {
            let classField = try loader.fields(of: streetLayer).contains { $0.name == mapping.streetClass } ? mapping.streetClass : nil
            if let classField {
                var seen: Set<String> = []
                try loader.forEach(streetLayer, optional: [classField], filter: near, where: { row in
                    let c = row[classField]?.text ?? ""
                    seen.insert(c)
                    return mapping.barrierClasses.contains(c.lowercased()) || mapping.barrierClasses.contains(c)
                }) { barrierLines.append($0.geometry) }
                let unused = mapping.barrierClasses.subtracting(seen)
                if barrierLines.isEmpty {
                    warnings.append("no street of \(streetLayer) has a barrier class (\(mapping.barrierClasses.sorted().joined(separator: ", "))); classes there: \(seen.sorted().joined(separator: ", "))")
                } else if !unused.isEmpty && mapping.barrierClasses != UnitsMapping.defaultBarrierClasses {
                    warnings.append("barrier classes \(unused.sorted().joined(separator: ", ")) are on no street of \(streetLayer)")
                }
            } else {
                warnings.append("layer \(streetLayer) has no field \(mapping.streetClass): no street bounds units")
            }
        } else {
            warnings.append("the store has no streets or roads layer: no street bounds units")
        }
        if layers.contains(p.controlLines), try loader.fields(of: p.controlLines).contains(where: { $0.name == p.controlKind }) {
            try loader.forEach(p.controlLines, optional: [p.controlKind], filter: near,
                               where: { mapping.barrierKinds.contains(($0[p.controlKind]?.text ?? "").lowercased()) }) { line in
                if line.geometry.kind.dimension == 2 { barrierAreas.append(line.geometry) } else { barrierLines.append(line.geometry) }
            }
        }
        // Core and control zones of one district overlap: dissolved, each district is one never-split group.
        let groupZones = layers.contains(p.heritage)
            ? try RenewalUnits.heritageGroups(dissolving: loader.load(p.heritage, filter: near, geometry: .polygonal).map(\.geometry)) : []

        // Delineate.
        let unitParcels = rows.indices.map { i in
            UnitParcel(id: rows[i].id, geometry: rows[i].metric, area: rows[i].area, population: rows[i].population, need: need[i], group: rows[i].group)
        }
        let delineation = try RenewalUnits.delineate(parcels: unitParcels, barrierLines: barrierLines, barrierAreas: barrierAreas,
                                                     groupZones: groupZones, parameters: parameters, progress: progress)
        for (i, reason) in delineation.excluded.prefix(5) { warnings.append("parcel \(rows[i].id) \(reason): not in a unit") }
        if delineation.excluded.count > 5 { warnings.append("… \(delineation.excluded.count - 5) more parcels inside barrier areas") }

        // Problem lists and unit geometry (union in the metric CRS, back to EPSG:4490).
        progress?("problem lists and unit outlines")
        let back = try Projector(from: metric, to: .cgcs2000)
        var outlines = try delineation.outlines(of: unitParcels)
        for i in outlines.indices { try back.transform(&outlines[i]) }
        let problems = delineation.units.map { unit in
            UnitProblems(unit.parcels.map { i in
                let r = rows[i]
                return UnitParcelFacts(area: r.area, population: r.population, floorArea: r.far.map { $0 * r.area },
                                       plannedFloorArea: r.plannedFAR.map { $0 * r.area }, action: r.action,
                                       dangerous: ["C", "D"].contains(r.grade?.uppercased() ?? ""), vacant: r.vacant ?? false,
                                       lacking: lacking[r.id] ?? [:], conflicts: conflictLabels[r.id] ?? [], resettlement: r.resettlement)
            })
        }
        return UnitsRun(parcelIDs: rows.map(\.id), storedGeometry: rows.map(\.stored), indicators: indicators, need: need,
                        delineation: delineation, problems: problems, unitGeometry: outlines, warnings: warnings, metricCRS: metric, metricCRSChoice: choice)
    }

    /// Writes `renewal_units` (one row per unit: totals, problem list, 63号 checks; outline geometry)
    /// and `unit_parcels` (parcel → unit with its need score and indicators), in one transaction.
    @discardableResult
    public static func writeResults(_ run: UnitsRun, to store: any LayerStore, producedBy: String) throws -> [LayerRecord] {
        let d = run.delineation
        let unitsSpec = ResultLayerSpec(name: "renewal_units", fields: [
            FieldInfo(name: "unit_id", type: .text), FieldInfo(name: "rank", type: .integer), FieldInfo(name: "area_ha", type: .real),
            FieldInfo(name: "population", type: .real), FieldInfo(name: "parcels", type: .integer),
            FieldInfo(name: "mean_need", type: .real), FieldInfo(name: "max_need", type: .real), FieldInfo(name: "flags", type: .text),
            FieldInfo(name: "lacking", type: .text), FieldInfo(name: "conflicts", type: .text), FieldInfo(name: "cd_parcels", type: .integer),
            FieldInfo(name: "idle_ha", type: .real), FieldInfo(name: "mix", type: .text), FieldInfo(name: "demolished_share", type: .real),
            FieldInfo(name: "rebuild_ratio", type: .real), FieldInfo(name: "resettlement", type: .real),
            FieldInfo(name: "cap_flags", type: .text), FieldInfo(name: "suggestion", type: .text),
        ] + ResultWrites.districtFields(split: run.unitDistricts != nil), kind: .multiPolygon, producedBy: producedBy)
        let parcelsSpec = ResultLayerSpec(name: "unit_parcels", fields: [
            FieldInfo(name: "parcel_id", type: .text), FieldInfo(name: "unit_id", type: .text), FieldInfo(name: "need_score", type: .real),
            FieldInfo(name: "old_building", type: .real), FieldInfo(name: "dangerous", type: .real), FieldInfo(name: "vacancy", type: .real),
            FieldInfo(name: "low_far", type: .real), FieldInfo(name: "service_gaps", type: .real), FieldInfo(name: "conflicts", type: .real),
        ] + ResultWrites.districtFields(split: run.unitDistricts != nil), kind: .multiPolygon, producedBy: producedBy)
        let order = run.unitOrder
        let district: (Int) -> [PropertyValue] = { u in run.unitDistricts.map { [.string($0[u])] } ?? [] }
        return try ResultWrites.write([unitsSpec, parcelsSpec], to: store, district: run.district) { spec, sink in
            if spec.name == unitsSpec.name {
                for u in order {
                    let unit = d.units[u], pr = run.problems[u]
                    let optional: (Double?) -> PropertyValue = { $0.map { .double($0) } ?? .null }
                    try sink.append([
                        .string(run.unitID(u)), .int(Int64(unit.rank)), .double(unit.area / 10_000), .double(unit.population),
                        .int(Int64(unit.parcels.count)), .double(unit.meanNeed), .double(unit.maxNeed),
                        .string(unit.flags.map(\.description).joined(separator: "; ")), .string(describe(pr.lacking)),
                        .string(pr.conflicts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: "; ")),
                        .int(Int64(pr.dangerousParcels)), .double(pr.idleArea / 10_000), .string(mix(pr)),
                        optional(pr.demolishedShare), optional(pr.rebuildRatio), optional(pr.resettlement),
                        .string(pr.capFlags.joined(separator: "; ")), pr.suggestion.map { .string($0) } ?? .null,
                    ] + district(u), geometry: run.unitGeometry[u])
                }
            } else {
                for u in order {
                    for i in d.units[u].parcels {
                        let x = run.indicators[i]
                        let v: (Double?) -> PropertyValue = { $0.map { .double($0) } ?? .null }
                        try sink.append([.string(run.parcelIDs[i]), .string(run.unitID(u)), .double(run.need[i]), v(x.oldBuilding), v(x.dangerous),
                                         v(x.vacancy), v(x.lowFAR), v(x.serviceGaps), v(x.conflicts)] + district(u), storedGeometry: run.storedGeometry[i])
                    }
                }
            }
        }
    }

    /// "kindergarten 1,204; park 330" — residents lacking each category, most first.
    public static func describe(_ lacking: [String: Double]) -> String {
        lacking.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .map { "\($0.key) \(Int($0.value))" }.joined(separator: "; ")
    }

    /// "留 60% 改 25% 拆 10% 增 5%".
    public static func mix(_ p: UnitProblems) -> String {
        PlannedAction.allCases.compactMap { a in p.actionMix[a].map { "\(a.chinese) \(Int(($0 * 100).rounded()))%" } }.joined(separator: " ")
    }

    /// `parcel_id,unit_id,need_score`, by unit rank then parcel.
    public static func csv(_ run: UnitsRun) -> String {
        var out = "parcel_id,unit_id,need_score\n"
        let d = run.delineation
        for u in run.unitOrder {
            for i in d.units[u].parcels.sorted(by: { run.parcelIDs[$0] < run.parcelIDs[$1] }) {
                out += "\(CSV.cell(run.parcelIDs[i])),\(run.unitID(u)),\(String(format: "%.6f", run.need[i]))\n"
            }
        }
        return out
    }

    /// `parcel_a,parcel_b`: the adjacency used (after barriers).
    public static func adjacencyCSV(_ run: UnitsRun) -> String {
        var out = "parcel_a,parcel_b\n"
        for pair in run.delineation.adjacency { out += "\(CSV.cell(run.parcelIDs[pair[0]])),\(CSV.cell(run.parcelIDs[pair[1]]))\n" }
        return out
    }
}
