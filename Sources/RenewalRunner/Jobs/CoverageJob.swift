import Dispatch
import Foundation
import GeoFiles
import GeoKernel
import RenewalAnalysis
import RenewalStore
import Support
import RenewalDomain
import GeoStore

/// How people reach facilities.
public enum CoverageMode: String, Sendable, CaseIterable {
    /// Straight-line buffers around facilities.
    case straight
    /// Walking distance over the street network.
    case network
}

/// What a walking run takes besides its layers: coverage's and access's options both carry it, so
/// one set of command-line options fills either.
public protocol WalkingSettings {
    var mapping: LayerMapping { get set }
    var walking: WalkingParameters { get set }
    var walkability: String? { get set }
    var barrierLayers: [String]? { get set }
}

public struct CoverageOptions: Sendable, WalkingSettings {
    public var mode: CoverageMode = .straight
    public var radii: ServiceRadii = .defaults
    /// Where the radii came from ("defaults" or the file path), for messages.
    public var radiiSource = "defaults"
    public var mapping = LayerMapping()
    /// Metric CRS for the geometry work (`--metric-crs`); nil: the store's (`LayerStore.metricCRSChoice`).
    public var metricCRS: CRS?
    /// Network mode: who walks and how.
    public var walking = WalkingParameters()
    /// Network mode: the walkability table (`osm`, `planning` or a file); nil: chosen from the street layer's columns.
    public var walkability: String?
    /// Network mode: layers whose features attachment legs may not cross; nil: water control lines
    /// plus the layers water, waterways and barriers when the store has them.
    public var barrierLayers: [String]?
    /// One district's parcels only (`--district CODE`), read with every facility, street and barrier
    /// that can reach them, and written over that district's rows of the result layers.
    public var district: String?
    public init() {}

    /// How far around a district's own parcels (m) the inputs that can change their answers lie:
    /// facilities within the largest radius (a walk is never longer than its straight radius); in
    /// walking mode also the streets a facility or parcel attaches to and enough of each network
    /// piece to tell an isolated piece from a long one.
    var districtReach: Double {
        let radius = radii.largestRadius
        guard mode == .network else { return radius }
        return radius + walking.attachDistance + walking.accessDistance + walking.minPieceLength
    }
}

/// A finished coverage run with everything needed to report and store it.
public struct CoverageRun: Sendable {
    public var result: CoverageResult
    public var storedGeometry: [Geometry]
    public var facilities: [Facility]
    public var metricCRS: CRS
    /// The metric CRS with why it was chosen: the line the command prints.
    public var metricCRSChoice: MetricCRSChoice
    public var mode: CoverageMode
    public var warnings: [String]
    /// Network mode: how parcels and facilities met the network.
    public var walking: NetworkCoverage.Diagnostics? = nil
    /// Network mode: notes for the report (walking table used, barriers read, network pieces).
    public var notes: [String] = []
    /// In a store split by district: each parcel's and each facility's district (nil outside every
    /// one), written in the result layers' `district` field; nil when the store is not split.
    public var parcelDistricts: [String?]? = nil
    public var facilityDistricts: [String?]? = nil
    /// The district this run was limited to (`--district`), whose rows it replaces.
    public var district: String? = nil

    /// Whether the result layers have the walking columns: in walking mode, and always in a store
    /// split by district (NULL after a straight-line run), so that district runs of either mode
    /// write rows of one shape into the shared layers.
    var hasWalkingColumns: Bool { mode == .network || parcelDistricts != nil }
}

/// The coverage analysis as the CLI and the server run it: read inputs from the store, run the
/// pure analysis, write result layers, format CSV and summary.
public enum CoverageJob {
    public static func run(store: any LayerStore, options: CoverageOptions, progress: (@Sendable (String) -> Void)? = nil) throws -> CoverageRun {
        let choice = try store.metricCRSChoice(override: options.metricCRS.map { ($0, "--metric-crs") })
        let metric = choice.crs
        let loader = try LayerLoader(store: store, crs: metric)
        let districts = try Districts.of(store)
        let scope = try options.district.map { try DistrictScope.requested($0, in: store, districts: districts) }
        let loaded = try LayerInputs.residentialParcels(loader, mapping: options.mapping, district: scope)
        // A district reads what lies within reach of its own parcels; the whole city reads everything.
        let halo = scope.map { _ in DistrictScope.halo(around: loaded.storedGeometry.envelope, metres: options.districtReach) }
        let facilities = try LayerInputs.facilities(loader, mapping: options.mapping, filter: halo)
        var warnings: [String] = []
        let present = Set(facilities.map(\.category))
        for category in options.radii.categories where !present.contains(category) {
            if ServiceRadii.defaults.rules[category] == nil {
                throw InputError("\(options.radiiSource): category \(category) is neither a known category nor found in layer \(options.mapping.facilities)\(NearestNames.suggestion(for: category, in: present.sorted() + ServiceRadii.defaults.categories)) (categories there: \(present.sorted().joined(separator: ", ")))")
            }
            warnings.append("layer \(options.mapping.facilities) has no \(category) facility: every residential parcel lacks one")
        }
        let unrated = present.subtracting(options.radii.categories).sorted()
        if !unrated.isEmpty {
            warnings.append("no service radius for categories \(unrated.joined(separator: ", ")) in \(options.radiiSource): not analysed")
        }
        if loaded.parcels.isEmpty {
            warnings.append("layer \(options.mapping.parcels) has no residential parcels (\(options.mapping.landUse) starting with \(options.mapping.residentialPrefixes.joined(separator: " or ")))")
        }
        var diagnostics: NetworkCoverage.Diagnostics? = nil
        var notes: [String] = []
        var parameters = CoverageParameters(radii: options.radii)
        let result: CoverageResult
        switch options.mode {
        case .straight:
            result = CoverageAnalysis.run(parcels: loaded.parcels, facilities: facilities, parameters: parameters,
                                          parallelism: .allCores, progress: progress)
        case .network:
            let streets = try WalkingInputs.streets(loader, mapping: options.mapping, walkability: options.walkability, filter: halo)
            let barriers = try WalkingInputs.barriers(loader, named: options.barrierLayers, filter: halo)
            var walking = options.walking
            walking.walkability = streets.table
            let network = try NetworkCoverage.runWithDiagnostics(parcels: loaded.parcels, facilities: facilities, streets: streets.lines,
                                                                 barriers: barriers.barriers, parameters: parameters, walking: walking,
                                                                 parallelism: .allCores, progress: progress)
            result = network.result
            diagnostics = network.diagnostics
            let graph = network.graph
            notes.append("walkability table \(streets.table.name) (\(streets.why)); legs may not cross \(barriers.sources.isEmpty ? "anything (no water or barrier layer)" : barriers.sources.joined(separator: ", "))")
            if graph.excludedLines > 0 {
                let reasons = graph.excludedBy.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }
                notes.append("\(graph.excludedLines) of \(streets.lines.count) lines of \(streets.layer) are not walkable: \(reasons.joined(separator: ", "))")
            }
            let isolated = graph.isolatedPiece.indices.filter { graph.isolatedPiece[$0] }
            if !isolated.isEmpty {
                let metres = isolated.reduce(0) { $0 + graph.pieceLength[$1] }
                notes.append(String(format: "%d isolated pieces of the walking network (under %.0f m, not connected to the rest; %.0f m in all): nothing is attached to them",
                                    isolated.count, walking.minPieceLength, metres))
            }
            func ids(_ list: [String]) -> String { list.prefix(10).joined(separator: ", ") + (list.count > 10 ? ", … (\(list.count))" : "") }
            let d = network.diagnostics
            let unattached = facilities.indices.filter { !d.facilityAttached[$0] }
            if !unattached.isEmpty {
                warnings.append("\(unattached.count) facilities have no admissible street within \(Int(walking.attachDistance)) m (none, or only across water/a barrier or on an isolated piece): they serve nobody on foot: \(ids(unattached.map { "\(facilities[$0].category) \(facilities[$0].id)" }))")
            }
            let passedOver = facilities.indices.filter { d.facilityAttached[$0] && !d.facilityRefused[$0].isEmpty }
            if !passedOver.isEmpty {
                warnings.append("\(passedOver.count) facilities are attached past a nearer street on an isolated piece or across water/a barrier: \(ids(passedOver.map { "\(facilities[$0].category) \(facilities[$0].id)" })) (layer coverage_facilities)")
            }
            let noEntrance = loaded.parcels.indices.filter { d.parcelEntrances[$0] == 0 }
            if !noEntrance.isEmpty {
                warnings.append("\(noEntrance.count) residential parcels have no entrance to the walking network (no admissible street within \(Int(walking.accessDistance)) m): \(ids(noEntrance.map { loaded.parcels[$0].id })) (walk_entrance = none in coverage_parcels)")
            }
            let refusedParcels = loaded.parcels.indices.filter { d.parcelEntrances[$0] > 0 && !d.parcelRefused[$0].isEmpty }
            if !refusedParcels.isEmpty {
                notes.append("\(refusedParcels.count) residential parcels have parts of their boundary whose nearest street is on an isolated piece or across water/a barrier; they are entered elsewhere (walk_refused in coverage_parcels)")
            }
        }
        for c in result.categories {
            if c.parksWithoutArea > 0 {
                warnings.append("\(c.parksWithoutArea) \(c.category) facilities have no \(options.mapping.facilityArea): given the smaller 300 m radius")
            }
            if c.facilitiesNotCounted > 0 {
                warnings.append("\(c.facilitiesNotCounted) \(c.category) facilities are under 2,000 m² and serve no radius under the 城市体检 rule")
            }
        }
        var run = CoverageRun(result: result, storedGeometry: loaded.storedGeometry, facilities: facilities,
                              metricCRS: metric, metricCRSChoice: choice, mode: options.mode, warnings: warnings,
                              walking: diagnostics, notes: notes)
        if let districts {
            run.district = scope?.code
            run.parcelDistricts = try scope.map { s in loaded.storedGeometry.map { _ in s.code } }
                ?? loaded.storedGeometry.map(districts.district(of:))
            let back = try Projector(from: metric, to: .cgcs2000)
            run.facilityDistricts = try facilities.map { f in
                var point = Geometry.point(f.location)
                try back.transform(&point)
                return try districts.district(of: point)
            }
        }
        return run
    }

    /// Writes the result layers, in one transaction: `coverage_parcels` (one row per residential
    /// parcel: covered fraction per category, the categories missing per life-circle tier, and in
    /// network mode the walking distance per category) and `coverage_gaps` (per category, the part
    /// of each parcel outside the service area, with its area and uncovered population).
    /// Gap pieces are cut in chunks on every core while SQLite writes, and streamed in in order.
    @discardableResult
    public static func writeResults(_ run: CoverageRun, to store: any LayerStore) throws -> [LayerRecord] {
        let result = run.result
        let categories = result.categories
        let produced = "renewalgis coverage --mode \(run.mode.rawValue)" + (run.district.map { " --district \($0)" } ?? "")
        // In a store split by district every row names its district (the last field).
        let district = ResultWrites.districtFields(split: run.parcelDistricts != nil)
        let parcelsSpec = ResultLayerSpec(
            name: "coverage_parcels",
            fields: [FieldInfo(name: "parcel_id", type: .text), FieldInfo(name: "population", type: .real),
                     FieldInfo(name: "area_m2", type: .real)]
                + categories.map { FieldInfo(name: $0.category, type: .real) }
                + LifeCircleTier.allCases.map { FieldInfo(name: "missing_\($0.rawValue)min", type: .text) }
                + [FieldInfo(name: "categories_with_gap", type: .integer)]
                + (run.hasWalkingColumns ? categories.map { FieldInfo(name: "\($0.category)_walk_m", type: .real) }
                    + [FieldInfo(name: "walk_entrance", type: .text), FieldInfo(name: "walk_refused", type: .text)] : [])
                + district,
            kind: .multiPolygon, producedBy: produced)
        let gapsSpec = ResultLayerSpec(
            name: "coverage_gaps",
            fields: [FieldInfo(name: "category", type: .text), FieldInfo(name: "parcel_id", type: .text),
                     FieldInfo(name: "covered_fraction", type: .real), FieldInfo(name: "gap_area_m2", type: .real),
                     FieldInfo(name: "gap_population", type: .real)]
                + (run.hasWalkingColumns ? [FieldInfo(name: "walk_status", type: .text)] : []) + district,
            kind: .multiPolygon, producedBy: produced)
        let facilitiesSpec = ResultLayerSpec(
            name: "coverage_facilities",
            fields: [FieldInfo(name: "facility_id", type: .text), FieldInfo(name: "category", type: .text),
                     FieldInfo(name: "walk_attached", type: .text), FieldInfo(name: "walk_refused", type: .text),
                     FieldInfo(name: "leg_m", type: .real)] + district,
            kind: .point, producedBy: produced)

        // Work items, computed on every core while SQLite writes them in order: first the parcel rows in
        // chunks, then each category's gap pieces in chunks; geometry is encoded by the workers too.
        let chunk = 1_000
        let chunks = max(1, (result.parcels.count + chunk - 1) / chunk)
        let rows = PendingResults<Result<ResultRows, Error>>(count: (1 + categories.count) * chunks)
        let back = try ProjectorPool(from: run.metricCRS, to: .cgcs2000)
        let encoding = store.geometryEncoding
        rows.fill(window: 8) { item in
            let (k, c) = item.quotientAndRemainder(dividingBy: chunks)
            let range = min(c * chunk, result.parcels.count)..<min((c + 1) * chunk, result.parcels.count)
            if k == 0 { return Result { CoverageJob.parcelRows(range, run: run, spec: parcelsSpec, encoding: encoding) } }
            return Result { try CoverageJob.gapRows(categories[k - 1], parcels: range, run: run, spec: gapsSpec, encoding: encoding, back: back) }
        }
        let specs = [parcelsSpec, gapsSpec] + (run.walking != nil ? [facilitiesSpec] : [])
        func fill(_ spec: ResultLayerSpec, _ sink: any ResultLayerSink) throws {
            if spec.name == facilitiesSpec.name {
                try sink.append(try CoverageJob.facilityRows(run, spec: facilitiesSpec, encoding: encoding))
                return
            }
            let items = spec.name == parcelsSpec.name ? 0..<chunks : chunks..<((1 + categories.count) * chunks)
            for item in items {
                try sink.append(rows.wait(item).get())
            }
        }
        // A straight-line run removes an earlier walking run's facility attachments with the layers they explained.
        return try ResultWrites.write(specs, to: store, district: run.district, dropping: run.walking == nil ? [facilitiesSpec.name] : [], fill: fill)
    }

    /// Writes what a coverage run produces: the result layers into `store` (unless `storeResults` is
    /// false) and, when given, the CSV (`parcel_id,category,covered_fraction`) and the summary JSON.
    /// The files are formatted and written on a thread of their own, at a lower priority, while SQLite
    /// writes the layers: the single writer, not the cores, sets the pace (docs/concurrency.md, rule 3).
    /// Returns the phases and their seconds, in order, for the command's report line.
    public static func writeOutputs(_ run: CoverageRun, to store: any LayerStore, csv: String?, summary: String?,
                                    storeResults: Bool = true) throws -> [(phase: String, seconds: Double)] {
        var phases: [(phase: String, seconds: Double)] = []
        var mark = Date()
        func phase(_ name: String) { phases.append((name, Date().timeIntervalSince(mark))); mark = Date() }
        let files = PendingResults<Result<Void, Error>>(count: 1)
        files.fill(threads: 1) { _ in
            runThisThreadInSpareTime()
            return Result {
                if let csv { try CoverageJob.writeCSV(run, to: csv) }
                if let summary { try CoverageJob.summaryJSON(run).write(to: URL(fileURLWithPath: summary), options: .atomic) }
            }
        }
        if storeResults {
            try CoverageJob.writeResults(run, to: store)
            phase("gap geometry and store write")
        }
        try files.wait(0).get()
        if csv != nil || summary != nil { phase(storeResults ? "then csv and summary" : "csv and summary") }
        return phases
    }

    /// Rows of `coverage_parcels` for a range of parcels.
    static func parcelRows(_ range: Range<Int>, run: CoverageRun, spec: ResultLayerSpec, encoding: StoreGeometryEncoding) -> ResultRows {
        let result = run.result
        let categories = result.categories
        var rows = ResultRows(for: spec, encoding: encoding, capacity: range.count)
        for i in range {
            let parcel = result.parcels[i]
            var values: [PropertyValue] = []
            values.reserveCapacity(spec.fields.count)
            values += [.string(parcel.id), .double(parcel.population), .double(result.parcelAreas[i])]
            for k in categories.indices { values.append(.double(categories[k].fractions[i])) }
            for tier in LifeCircleTier.allCases { values.append(.string(result.missing(parcel: i, tier: tier).joined(separator: ","))) }
            values.append(.int(Int64(result.categoriesWithGap(parcel: i))))
            if run.mode == .network {
                for k in categories.indices {
                    let distance = categories[k].walkingDistances?[i] ?? .infinity
                    values.append(distance.isFinite ? .double(distance) : .null)
                }
                let entrances = run.walking?.parcelEntrances[i] ?? 0
                values.append(.string(entrances > 0 ? "ok" : "none"))
                values.append(.string(CoverageJob.refusalText(run.walking?.parcelRefused[i] ?? [])))
            } else if run.hasWalkingColumns {
                values += repeatElement(.null, count: categories.count + 2)
            }
            if let districts = run.parcelDistricts { values.append(ResultWrites.value(districts[i])) }
            rows.append(values, storedGeometry: run.storedGeometry[i])
        }
        return rows
    }

    /// Rows of `coverage_gaps` for one category and a range of parcels.
    static func gapRows(_ category: CategoryCoverage, parcels range: Range<Int>, run: CoverageRun,
                        spec: ResultLayerSpec, encoding: StoreGeometryEncoding, back: ProjectorPool) throws -> ResultRows {
        let result = run.result
        let pieces = try CoverageAnalysis.gaps(of: category, result: result, parcels: range)
        var rows = ResultRows(for: spec, encoding: encoding, capacity: pieces.count)
        try back.borrow { back in for piece in pieces {
            let i = piece.parcel
            let fraction = category.fractions[i]
            var values: [PropertyValue] = [.string(category.category), .string(result.parcels[i].id), .double(fraction),
                                           .double(fraction > 0 ? PlanarRing.area(piece.geometry) : result.parcelAreas[i]),
                                           .double((1 - fraction) * result.parcels[i].population)]
            if run.mode == .network { values.append(.string(CoverageJob.walkStatus(run, parcel: i, fraction: fraction))) } else if run.hasWalkingColumns { values.append(.null) }
            if let districts = run.parcelDistricts { values.append(ResultWrites.value(districts[i])) }
            if fraction > 0 {
                // A piece cut by the ring difference: checked (and repaired if invalid) before it is stored.
                var cut = piece.geometry
                try back.transform(&cut)
                try rows.append(values, geometry: cut)
            } else {
                rows.append(values, storedGeometry: run.storedGeometry[i])
            }
        } }
        return rows
    }

    /// Network mode, per parcel and category: `no_entrance` (the parcel has no admissible entrance
    /// to the walking network), `no_facility_in_reach` (it has, but no facility of the category is
    /// within the radius on foot), `in_reach` (part of it is).
    public static func walkStatus(_ run: CoverageRun, parcel i: Int, fraction: Double) -> String {
        guard let walking = run.walking else { return "" }
        if walking.parcelEntrances[i] == 0 { return "no_entrance" }
        return fraction > 0 ? "in_reach" : "no_facility_in_reach"
    }

    /// What was passed over when attaching: `isolated_piece`, `barrier` (water or a barrier line), both, or "".
    static func refusalText(_ refused: WalkingGraph.Refusals) -> String {
        var parts: [String] = []
        if refused.contains(.isolatedPiece) { parts.append("isolated_piece") }
        if refused.contains(.barrier) { parts.append("barrier") }
        return parts.joined(separator: ",")
    }

    /// Rows of `coverage_facilities` (network mode): every facility, attached or not, at its stored location.
    static func facilityRows(_ run: CoverageRun, spec: ResultLayerSpec, encoding: StoreGeometryEncoding) throws -> ResultRows {
        var rows = ResultRows(for: spec, encoding: encoding, capacity: run.facilities.count)
        guard let walking = run.walking else { return rows }
        let back = try Projector(from: run.metricCRS, to: .cgcs2000)
        for (k, f) in run.facilities.enumerated() {
            // A district's run writes its own facilities; the others it read for reach are their districts'.
            let district = run.facilityDistricts?[k]
            if let code = run.district, district != code { continue }
            var point = Geometry.point(f.location)
            try back.transform(&point)
            let leg = walking.facilityLeg[k]
            var values: [PropertyValue] = [.string(f.id), .string(f.category), .string(walking.facilityAttached[k] ? "ok" : "none"),
                                           .string(refusalText(walking.facilityRefused[k])), leg.isFinite ? .double(leg) : .null]
            if run.facilityDistricts != nil { values.append(ResultWrites.value(district)) }
            try rows.append(values, geometry: point)
        }
        return rows
    }

    /// Writes `parcel_id,category,covered_fraction` (9 decimals), sorted by parcel then category,
    /// to `path`: streamed through a small buffer and moved into place when complete.
    public static func writeCSV(_ run: CoverageRun, to path: String) throws {
        let result = run.result
        let order = result.parcels.indices.sorted { result.parcels[$0].id < result.parcels[$1].id }
        let categories = result.categories.sorted { $0.category < $1.category }
        let file = try CSVFile(path: path, header: ["parcel_id", "category", "covered_fraction"])
        let names = categories.map { Array(",\($0.category),".utf8) }
        var lines = [UInt8]()
        for i in order {
            lines.removeAll(keepingCapacity: true)
            let id = Array(CSV.cell(result.parcels[i].id).utf8)
            for (k, c) in categories.enumerated() {
                lines += id
                lines += names[k]
                appendFraction(c.fractions[i], to: &lines)
                lines.append(UInt8(ascii: "\n"))
            }
            try file.write(bytes: lines)
        }
        try file.close()
    }

    /// Appends a value in [0, 1] as "0.123456789" (9 decimals, rounded) without going through a formatter.
    static func appendFraction(_ value: Double, to out: inout [UInt8]) {
        let scaled = Int64((min(1, max(0, value)) * 1e9).rounded())
        out.append(UInt8(ascii: "0") + UInt8(scaled / 1_000_000_000))
        out.append(UInt8(ascii: "."))
        var digits = scaled % 1_000_000_000
        let end = out.count + 9
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 9))
        for k in stride(from: end - 1, through: end - 9, by: -1) { out[k] = UInt8(ascii: "0") + UInt8(digits % 10); digits /= 10 }
    }

    /// Per category `{gap_area_m2, gap_population, parcels_with_gap, coverage_ratio, radius_m, facilities, tier}`.
    public static func summaryJSON(_ run: CoverageRun) throws -> Data {
        var summary: [String: [String: Any]] = [:]
        for c in run.result.categories {
            var entry: [String: Any] = ["gap_area_m2": c.gapAreaM2, "gap_population": c.gapPopulation,
                                        "parcels_with_gap": c.parcelsWithGap, "coverage_ratio": c.coverageRatio,
                                        "facilities": c.facilityCount, "radius_source": c.rule.source]
            entry["radius_m"] = c.rule.radius.map { $0 as Any } ?? "by park area"
            if let tier = c.rule.tier { entry["tier_minutes"] = tier.rawValue }
            summary[c.category] = entry
        }
        return try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
