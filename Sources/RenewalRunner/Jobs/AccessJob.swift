import Foundation
import GeoKernel
import GeoStore
import RenewalAnalysis
import Support

/// What `renewalgis access` asks for.
public struct AccessOptions: Sendable, WalkingSettings {
    /// The catchment radius of each category (the coverage radii; categories without a fixed radius,
    /// parks, are left out).
    public var radii: ServiceRadii = .defaults
    /// Where the radii came from ("defaults" or the file path), for messages.
    public var radiiSource = "defaults"
    public var mapping = LayerMapping()
    /// The facility field holding each facility's capacity (places, beds, seats).
    public var capacityField = "capacity"
    /// `.uniform` for 2SFCA, `.gaussian` for the distance-decay form.
    public var weight: CatchmentWeight = .uniform
    /// The share of residents a category serves (children of kindergarten age: 0.03), 0–1; categories
    /// not listed serve every resident. Access is then capacity per person of that age.
    public var demandShares: [String: Double] = [:]
    /// Metric CRS for the distances (`--metric-crs`); nil: the store's (`LayerStore.metricCRSChoice`).
    public var metricCRS: CRS?
    /// Straight lines, or walking over the street network (as coverage's walking mode).
    public var mode: CoverageMode = .straight
    /// Walking speed, attachment distances and walkability for `.network`.
    public var walking = WalkingParameters()
    /// Walkability table name or file for `.network` (nil: chosen from the street layer's fields).
    public var walkability: String?
    /// Layers that legs to the network may not cross (nil: the default water and barrier layers).
    public var barrierLayers: [String]?
    public init() {}
}

/// A finished access run: for each analysed category, each residential parcel's capacity per person
/// within reach.
public struct AccessRun: Sendable {
    public var parcelIDs: [String]
    public var population: [Double]
    /// Categories analysed, alphabetical, with their radius (m) and the facilities that offered capacity.
    public var categories: [(name: String, radius: Double, facilities: Int)]
    /// `access[c][i]`: category c, parcel i (capacity units per person).
    public var access: [[Double]]
    public var metricCRSChoice: MetricCRSChoice
    public var warnings: [String]
    /// The parcels' geometry as stored (EPSG:4490), for the result layer.
    public var storedGeometry: [Geometry]
    /// How the pairs were weighted.
    public var weight: CatchmentWeight
    public var mode: CoverageMode
}

/// Capacity-aware access (two-step floating catchment) as the CLI runs it: residential parcels as
/// demand (their population, at the centroid or, where that falls outside, a point on the surface),
/// facilities as supply (their capacity), straight-line distances in the metric CRS.
public enum AccessJob {
    public static func run(store: any LayerStore, options: AccessOptions) throws -> AccessRun {
        let choice = try store.metricCRSChoice(override: options.metricCRS.map { ($0, "--metric-crs") })
        let loader = try LayerLoader(store: store, crs: choice.crs)
        let loaded = try LayerInputs.residentialParcels(loader, mapping: options.mapping)
        let demand = try DemandSite.ofParcels(loaded.parcels)
        let facilities = try capacities(loader, mapping: options.mapping, capacityField: options.capacityField)
        var warnings: [String] = []
        if facilities.withoutCapacity > 0 {
            warnings.append("\(facilities.withoutCapacity) facilities of layer \(options.mapping.facilities) have no \(options.capacityField) (NULL): they offer nothing")
        }
        var categories: [(name: String, radius: Double, facilities: Int)] = [], access: [[Double]] = []
        let present = Set(facilities.sites.map(\.category))
        // Walking: the network, and each parcel's entrances on it (its boundary, as coverage enters it).
        var network: (graph: WalkingGraph, entrances: [[WalkingGraph.Attachment]])? = nil
        if options.mode == .network {
            let streets = try WalkingInputs.streets(loader, mapping: options.mapping, walkability: options.walkability, filter: nil)
            let barriers = try WalkingInputs.barriers(loader, named: options.barrierLayers, filter: nil)
            var walking = options.walking
            walking.walkability = streets.table
            let graph = WalkingGraph(streets: streets.lines, barriers: barriers.barriers, parameters: walking)
            let accessDistance = walking.accessDistance
            let entrances = Parallelism.allCores.map(loaded.parcels.count) { i in
                graph.boundaryEntrances(of: loaded.parcels[i].geometry, maxDistance: accessDistance).entrances
            }
            let stranded = entrances.filter(\.isEmpty).count
            if stranded > 0 {
                warnings.append("\(stranded) residential parcels have no admissible street within \(Int(walking.accessDistance)) m of their boundary: they reach nothing on foot")
            }
            network = (graph, entrances)
        }
        for category in options.radii.categories where present.contains(category) {
            guard let radius = options.radii.rules[category]?.radius else {
                warnings.append("\(category): its radius follows each facility's area, which access does not take: not analysed")
                continue
            }
            let supply = facilities.sites.filter { $0.category == category }.map(\.site)
            categories.append((category, radius, supply.count))
            // The residents of the age the category serves.
            let share = options.demandShares[category] ?? 1
            let demand = share == 1 ? demand : demand.map { DemandSite(location: $0.location, population: $0.population * share) }
            if let network {
                let walked = FloatingCatchment.walkingCatchments(demand: demand, entrances: network.entrances, supply: supply, radius: radius,
                                                                 graph: network.graph, walking: options.walking, parallelism: .allCores)
                if walked.unattached > 0 {
                    warnings.append("\(category): \(walked.unattached) facilities have no admissible street within \(Int(options.walking.attachDistance)) m: they serve nobody on foot")
                }
                access.append(FloatingCatchment.access(demand: demand, supply: supply, catchments: walked.catchments, radius: radius, weight: options.weight))
            } else {
                access.append(FloatingCatchment.access(demand: demand, supply: supply, radius: radius, weight: options.weight, parallelism: .allCores))
            }
        }
        let unknownShares = Set(options.demandShares.keys).subtracting(categories.map(\.name)).sorted()
        if !unknownShares.isEmpty {
            warnings.append("--age-share for \(unknownShares.joined(separator: ", ")): no such category analysed (categories: \(categories.map(\.name).joined(separator: ", ")))")
        }
        let unrated = present.subtracting(options.radii.categories).sorted()
        if !unrated.isEmpty { warnings.append("no radius for categories \(unrated.joined(separator: ", ")) in \(options.radiiSource): not analysed") }
        return AccessRun(parcelIDs: loaded.parcels.map(\.id), population: loaded.parcels.map(\.population), categories: categories,
                         access: access, metricCRSChoice: choice, warnings: warnings, storedGeometry: loaded.storedGeometry, weight: options.weight,
                         mode: options.mode)
    }

    /// The facilities with their capacity: a number (text that reads as one included), NULL counted
    /// apart, anything else refused with the facility named.
    static func capacities(_ loader: LayerLoader, mapping m: LayerMapping, capacityField: String) throws
        -> (sites: [(category: String, site: SupplySite)], withoutCapacity: Int) {
        var sites: [(category: String, site: SupplySite)] = [], without = 0
        for row in try loader.load(m.facilities, required: [m.category, capacityField], optional: [m.facilityID],
                                   geometry: .nonEmpty, where: { $0[m.category]?.text != nil }) {
            let id = row[m.facilityID]?.text ?? row.id.text ?? "?"
            let value = row[capacityField] ?? .null
            if value == .null { without += 1; continue }
            guard let capacity = value.number, capacity.isFinite, capacity >= 0 else {
                throw InputError("layer \(m.facilities), facility \(id): \(capacityField) \(value.text.map { "\"\($0)\"" } ?? "") is not a capacity (a number of places, 0 or more)")
            }
            guard let facility = try Facility(id: id, category: row[m.category]?.text ?? "", site: row.geometry) else { continue }
            sites.append((facility.category, SupplySite(location: facility.location, capacity: capacity)))
        }
        return (sites, without)
    }

    /// The layer `access_parcels`: each residential parcel with its population and, per category, its
    /// capacity per person within reach (replacing an earlier run's).
    @discardableResult
    public static func writeResults(_ run: AccessRun, to store: any LayerStore) throws -> [LayerRecord] {
        let method = run.weight == .uniform ? "2sfca" : "e2sfca"
        let spec = ResultLayerSpec(
            name: "access_parcels",
            fields: [FieldInfo(name: "parcel_id", type: .text), FieldInfo(name: "population", type: .real)]
                + run.categories.map { FieldInfo(name: $0.name, type: .real) } + [FieldInfo(name: "method", type: .text), FieldInfo(name: "mode", type: .text)],
            kind: .multiPolygon, producedBy: "renewalgis access --method \(method) --mode \(run.mode.rawValue)")
        return try store.writeResults([spec]) { _, sink in
            for i in run.parcelIDs.indices {
                try sink.append([.string(run.parcelIDs[i]), .double(run.population[i])] + run.access.map { .double($0[i]) } + [.string(method), .string(run.mode.rawValue)],
                                storedGeometry: run.storedGeometry[i])
            }
        }
    }

    /// `parcel_id,category,access`, sorted by parcel then category (as coverage's CSV); access with
    /// 17 significant digits (capacity units per person).
    public static func writeCSV(_ run: AccessRun, to path: String) throws {
        let file = try CSVFile(path: path, header: ["parcel_id", "category", "access"])
        let order = run.parcelIDs.indices.sorted { run.parcelIDs[$0] < run.parcelIDs[$1] }
        for i in order {
            var lines = ""
            for (c, category) in run.categories.enumerated() {
                lines += "\(CSV.cell(run.parcelIDs[i])),\(category.name),\(String(format: "%.17g", run.access[c][i]))\n"
            }
            try file.write(bytes: Array(lines.utf8))
        }
        try file.close()
    }
}
