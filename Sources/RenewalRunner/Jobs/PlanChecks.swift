import Dispatch
import Foundation
import GeoFiles
import GeoKernel
import GeoStore
import RenewalAnalysis
import RenewalStore
import RenewalDomain
import Support

/// Which layers and fields the conflicts and eligibility checks read. Defaults match GeoData/ and ../shared/bench.
public struct PlanMapping: Sendable {
    public var parcels = "parcels"
    public var parcelID = "parcel_id"
    public var landUse = "land_use"
    public var action = "planned_action"
    /// Planned use (用地用海 code), read when the field exists.
    public var plannedUse = "planned_use"
    public var height = "height_m"
    public var buildYear = "build_year"
    public var safetyGrade = "safety_grade"
    public var vacant = "vacant"
    /// Parcels flagged historic (true/1), read when the field exists; 用地用海 1504 counts too.
    public var historic = "historic"
    public var heritage = "heritage_zones"
    public var heritageLevel = "level"
    public var controlLines = "control_lines"
    public var controlKind = "kind"
    public var heightLimit = "height_limit_m"
    public init() {}
}

/// Parcels, zones and their overlaps, loaded once for both checks.
public struct PlanInputs: Sendable {
    public var parcels: [PlanParcel]
    public var storedGeometry: [Geometry]
    public var eligibility: [EligibilityParcel]
    public var zones: [ConstraintZone]
    public var metricCRS: CRS
    /// The metric CRS with why it was chosen: the line the commands print.
    public var metricCRSChoice: MetricCRSChoice
    public var warnings: [String]
    /// In a store split by district: each parcel's district (the result layers' `district` field); nil otherwise.
    public var parcelDistricts: [String?]? = nil
    /// The district the inputs were limited to (`--district`), whose rows the results replace.
    public var district: String? = nil
}

public enum PlanChecks {
    /// Loads parcels and zones; with `nearZonesOnly` only the parcels whose box meets a zone's box, and heritage sites;
    /// with `district`, that district's own parcels and the zones that meet them.
    public static func load(store: any LayerStore, mapping: PlanMapping, requireAction: Bool, nearZonesOnly: Bool = false,
                            metric: CRS? = nil, district: String? = nil) throws -> PlanInputs {
        let choice = try store.metricCRSChoice(override: metric.map { ($0, "--metric-crs") })
        let metric = choice.crs
        let loader = try LayerLoader(store: store, crs: metric)
        let parcelFields = [mapping.parcelID, mapping.landUse] + (requireAction ? [mapping.action] : [])
        _ = try loader.fields(of: mapping.parcels, required: parcelFields)
        let districts = try Districts.of(store)
        let scope = try district.map { try DistrictScope.requested($0, in: store, districts: districts) }
        var warnings: [String] = []
        var zones: [ConstraintZone] = []
        var zoneBoxes: [Envelope] = []
        let layers = Set(try loader.layerNames())
        // A district's zones are those meeting its own parcels (read first, below); the city's are all.
        var zoneFilter: FeatureFilter? = nil
        func addZones(layer: String, typeField: String, idFields: [String], type: (String) -> ZoneType?) throws {
            guard layers.contains(layer) else {
                warnings.append("the store has no layer \(layer): its zones are not checked")
                return
            }
            let fields = Set(try loader.fields(of: layer, required: [typeField]).map(\.name))
            let idField = idFields.first(where: fields.contains)
            var unknown: Set<String> = []
            try loader.forEach(layer, required: [typeField], optional: [mapping.heightLimit] + idFields, filter: zoneFilter, geometry: .polygonal) { zone in
                let text = zone[typeField]?.text ?? ""
                guard let t = type(text) else { unknown.insert(text); return }
                zoneBoxes += try zone.storedGeometry.coveringBoxes()
                let id = idField.flatMap { zone[$0]?.text } ?? "\(layer)/\(zone.id.text ?? "?")"
                zones.append(ConstraintZone(id: id, type: t, geometry: zone.geometry, heightLimit: zone[mapping.heightLimit]?.number))
            }
            if !unknown.isEmpty { warnings.append("layer \(layer): \(typeField) values \(unknown.sorted().joined(separator: ", ")) are not a known zone type: skipped") }
        }
        func addAllZones() throws {
        try addZones(layer: mapping.heritage, typeField: mapping.heritageLevel, idFields: ["zone_id", "id"]) { text in
            switch text.lowercased() {
            case "core", "核心保护范围": .heritageCore
            case "control", "建设控制地带": .heritageControl
            default: nil
            }
        }
        try addZones(layer: mapping.controlLines, typeField: mapping.controlKind, idFields: ["line_id", "zone_id", "id"]) { text in
            switch text.lowercased() {
            case "ecological", "生态保护红线", "ecology": .ecological
            case "blue", "蓝线": .blue
            case "green", "绿线": .green
            case "purple", "紫线": .purple
            case "yellow", "黄线": .yellow
            default: nil
            }
        }
        }
        var unknownActions: [String: Int] = [:]
        var parcels: [PlanParcel] = [], stored: [Geometry] = [], eligibility: [EligibilityParcel] = []
        let needed = [mapping.action, mapping.plannedUse, mapping.height, mapping.buildYear, mapping.safetyGrade, mapping.vacant, mapping.historic]
        // Conflicts need only the parcels near a zone (found through the spatial index) and heritage sites.
        var filter: FeatureFilter? = nil
        if scope == nil { try addAllZones() }
        if let scope {
            filter = try scope.candidates()
        } else if nearZonesOnly {
            var f = FeatureFilter()
            f.boxes = zoneBoxes
            f.textPrefixes = [(mapping.landUse, "1504")]
            f.valuesIn = [(mapping.historic, ["1", "true", "yes", "是", "TRUE", "True"])]
            filter = f
        }
        try loader.forEach(mapping.parcels, required: parcelFields, optional: needed, filter: filter, geometry: .polygonal,
                           where: { row in try scope.map { s in try row.geometry.map(s.owns) ?? false } ?? true }) { f in
            stored.append(f.storedGeometry)
            let g = f.geometry
            let id = f.name(from: mapping.parcelID)
            let code = f[mapping.landUse]?.text ?? ""
            var action: PlannedAction? = nil
            if let text = f[mapping.action]?.text, !text.isEmpty {
                action = PlannedAction(text: text)
                if action == nil { unknownActions[text, default: 0] += 1 }
            }
            let historicFlag = f[mapping.historic]?.flag ?? false
            parcels.append(PlanParcel(id: id, geometry: g, action: action, currentUse: code, plannedUse: f[mapping.plannedUse]?.text,
                                      heightM: f[mapping.height]?.number, historic: historicFlag))
            eligibility.append(EligibilityParcel(
                id: id, code: code, areaM2: PlanarRing.area(g), buildYear: f[mapping.buildYear]?.number.map { Int($0) },
                vacant: f[mapping.vacant]?.flag,
                safetyGrade: f[mapping.safetyGrade]?.text))
        }
        for (text, n) in unknownActions.sorted(by: { $0.key < $1.key }) {
            warnings.append("\(n) parcels of \(mapping.parcels) have an unknown \(mapping.action) \"\(text)\" (use retain, renovate, demolish, add or 留/改/拆/增): no action rule applies to them")
        }

        if scope != nil {
            zoneFilter = DistrictScope.halo(around: stored.envelope, metres: 0)
            try addAllZones()
        }
        var inputs = PlanInputs(parcels: parcels, storedGeometry: stored, eligibility: eligibility, zones: zones, metricCRS: metric,
                                metricCRSChoice: choice, warnings: warnings)
        if let districts {
            inputs.district = scope?.code
            inputs.parcelDistricts = try scope.map { s in stored.map { _ in s.code } } ?? stored.map(districts.district(of:))
        }
        return inputs
    }

    /// Runs the conflicts analysis and writes the `conflicts` layer (overlaps in EPSG:4490).
    public static func conflicts(_ inputs: PlanInputs, rules: RuleSet, store: (any LayerStore)?) throws -> (records: [ConflictRecord], overlaps: [ZoneOverlap]) {
        let result = try ConflictAnalysis.run(parcels: inputs.parcels, zones: inputs.zones, rules: rules, parallelism: .allCores)
        if let store {
            let back = try Projector(from: inputs.metricCRS, to: .cgcs2000)
            let spec = ResultLayerSpec(
                name: "conflicts",
                fields: ["parcel_id", "zone_id", "zone_type", "action", "rule_id", "verdict"].map { FieldInfo(name: $0, type: .text) }
                    + [FieldInfo(name: "overlap_m2", type: .real), FieldInfo(name: "overlap_share", type: .real)]
                    + ["clause", "explanation_zh", "explanation_en"].map { FieldInfo(name: $0, type: .text) }
                    + ResultWrites.districtFields(split: inputs.parcelDistricts != nil),
                kind: .multiPolygon, producedBy: "renewalgis conflicts" + (inputs.district.map { " --district \($0)" } ?? ""))
            try ResultWrites.write([spec], to: store, district: inputs.district) { _, sink in
                for r in result.records {
                    var g = r.geometry
                    try back.transform(&g)
                    let text = row(r, inputs)
                    try sink.append(text[0..<6].map(PropertyValue.string) + [.double(r.overlapM2), .double(r.share)]
                                    + text[8...].map(PropertyValue.string) + (inputs.parcelDistricts.map { [ResultWrites.value($0[r.parcel])] } ?? []),
                                    geometry: g)
                }
            }
        }
        return result
    }

    /// Text cells of a conflict record in CSV/layer column order (overlap columns formatted).
    static func row(_ r: ConflictRecord, _ inputs: PlanInputs) -> [String] {
        [inputs.parcels[r.parcel].id, r.zone.map { inputs.zones[$0].id } ?? inputs.parcels[r.parcel].id, r.zoneType.rawValue,
         inputs.parcels[r.parcel].action?.rawValue ?? "", r.rule.id, r.verdict.rawValue,
         String(format: "%.3f", r.overlapM2), String(format: "%.6f", r.share), r.rule.clause, r.explanationZH, r.explanationEN]
    }

    public static func conflictsCSV(_ records: [ConflictRecord], _ inputs: PlanInputs) -> String {
        var out = "parcel_id,zone_id,zone_type,action,rule_id,verdict,overlap_m2,overlap_share\n"
        for r in records { out += CSV.line(Array(row(r, inputs).prefix(8))) }
        return out
    }

    public static func overlapsCSV(_ overlaps: [ZoneOverlap], _ inputs: PlanInputs) -> String {
        var out = "parcel_id,zone_id,zone_type,overlap_m2,overlap_share\n"
        for o in overlaps {
            out += CSV.line([inputs.parcels[o.parcel].id, inputs.zones[o.zone].id, inputs.zones[o.zone].type.rawValue,
                             String(format: "%.3f", o.areaM2), String(format: "%.6f", o.share)])
        }
        return out
    }

    /// Runs the eligibility check parcel by parcel (zones from the overlaps), streaming: each parcel's
    /// verdicts go straight to the `eligibility` layer (one row per parcel, a verdict and rule ids per
    /// target) and to `csv` (one row per parcel × target with every reason and its clause), so memory
    /// does not grow with parcels × targets. Returns the count per target and verdict.
    @discardableResult
    public static func eligibility(_ inputs: PlanInputs, overlaps: [ZoneOverlap], targets: [String], rules: RuleSet,
                                   includeUnlisted: Bool, store: (any LayerStore)?, csv: String?) throws -> [String: [Verdict: Int]] {
        var parcels = inputs.eligibility
        let zones = ConflictAnalysis.zonesBeyondTolerance(overlaps, zones: inputs.zones, parcelCount: parcels.count, rules: rules)
        for i in parcels.indices { parcels[i].zones = zones[i] }
        var counts: [String: [Verdict: Int]] = [:]
        let out = try csv.map { try CSVFile(path: $0, header: ["parcel_id", "from_code", "to_code", "verdict", "rule_ids", "reasons"]) }
        let spec = ResultLayerSpec(
            name: "eligibility",
            fields: [FieldInfo(name: "parcel_id", type: .text), FieldInfo(name: "from_code", type: .text)]
                + targets.flatMap { [FieldInfo(name: "to_\($0)", type: .text), FieldInfo(name: "to_\($0)_rules", type: .text)] }
                + ResultWrites.districtFields(split: inputs.parcelDistricts != nil),
            kind: .multiPolygon, producedBy: "renewalgis eligibility" + (inputs.district.map { " --district \($0)" } ?? ""))
        func judgeAll(_ sink: ResultLayerSink?) throws {
            for (i, p) in parcels.enumerated() {
                var values: [PropertyValue] = [.string(p.id), .string(p.code)]
                for target in targets {
                    guard !p.code.hasPrefix(target) else { values += [.string("same use"), .null]; continue }
                    let v = EligibilityAnalysis.judge(p, index: i, target: target, rules: rules)
                    let ruleIDs = v.reasons.map(\.ruleID).joined(separator: ";")
                    values += [.string(v.isUnlisted ? "unlisted" : v.verdict.rawValue), v.isUnlisted ? .null : .string(ruleIDs)]
                    guard includeUnlisted || !v.isUnlisted else { continue }
                    counts[target, default: [:]][v.verdict, default: 0] += 1
                    try out?.write([p.id, p.code, target, v.verdict.rawValue, ruleIDs,
                                    v.reasons.map { "\($0.ruleID): \($0.text) [\($0.clause)]" }.joined(separator: " | ")])
                }
                if let districts = inputs.parcelDistricts { values.append(ResultWrites.value(districts[i])) }
                try sink?.append(values, storedGeometry: inputs.storedGeometry[i])
            }
        }
        if let store { try ResultWrites.write([spec], to: store, district: inputs.district) { _, sink in try judgeAll(sink) } } else { try judgeAll(nil) }
        try out?.close()
        return counts
    }
}
