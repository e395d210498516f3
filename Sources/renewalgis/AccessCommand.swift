import ArgumentParser
import Foundation
import GeoKernel
import RenewalAnalysis
import RenewalRunner
import RenewalStore
import Support

/// The weighting of `access --method`.
enum AccessMethod: String, ExpressibleByArgument, CaseIterable {
    case twoStep = "2sfca", gaussian = "e2sfca"
    var weight: CatchmentWeight { self == .twoStep ? .uniform : .gaussian }
}

struct Access: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capacity-aware access: each residential parcel's facility capacity per person within reach (two-step floating catchment).",
        usage: "renewalgis access --store <store> [<options>]",
        discussion: """
            Residential parcels (land_use starting with 07, their population at the centroid, or at a \
            point on the surface where the centroid falls outside) against the facilities' capacity \
            (field capacity), category by category within the coverage service radii (defaults, or \
            --radii FILE as for coverage), straight-line distances in the metric CRS. 2sfca counts every \
            pair inside the radius fully; e2sfca weights it by a Gaussian decay, 1 at the facility and 0 \
            at the radius. The result is capacity per person: 0.02 kindergarten places per resident is \
            20 places per 1,000. Prints a summary per category, writes the layer access_parcels (one \
            column per category), and --csv writes parcel_id,category,access. --mode network measures \
            walking costs over the streets as coverage's walking mode does (a facility attaches to its \
            nearest admissible street, a parcel is entered from its boundary, the last leg walked \
            straight to its point). renewalgis checkup reports access per 1,000 residents for every unit.

            Examples:
              renewalgis access --store city.sqlite --csv access.csv
              renewalgis access --store city.sqlite --method e2sfca
              renewalgis access --store city.sqlite --mode network --speed elderly
              renewalgis access --store city.sqlite --age-share kindergarten=0.03 --age-share primary_school=0.06
            """
    )

    @Option(help: StoreHelp.text)
    var store: StoreAddress
    @Option(help: "2sfca (every pair within the radius counts fully) or e2sfca (Gaussian distance decay).")
    var method: AccessMethod = .twoStep
    @Option(help: "straight (lines in the metric CRS) or network (walking over the streets, as coverage).")
    var mode: CoverageMode = .straight
    @OptionGroup var walkingOptions: WalkingOptions
    @Option(help: "Service radii: a JSON or YAML table of category: metres (default: the built-in GB 50180 table).")
    var radii: String?
    @Option(help: "CSV output: parcel_id,category,access, sorted by parcel then category.")
    var csv: String?
    @Option(help: "Capacity field of the facilities.") var capacityField = "capacity"
    @Option(help: ArgumentHelp("CATEGORY=SHARE: the share (0–1) of residents a category serves, e.g. kindergarten=0.03 for children aged 3–6; access is then capacity per person of that age (repeatable).",
                               valueName: "category=share"))
    var ageShare: [String] = []
    @OptionGroup var layers: LifeCircleLayers
    @Flag(help: "Do not write the result layer into the store.") var noStore = false

    mutating func validate() throws {
        try reportingErrors {
            try walkingOptions.check()
            _ = try demandShares()
            if let radii { _ = try ConfigFile.decode(ServiceRadii.self, from: radii) }
        }
    }

    /// --age-share, each CATEGORY=SHARE with a share in (0, 1].
    private func demandShares() throws -> [String: Double] {
        var shares: [String: Double] = [:]
        for text in ageShare {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let share = Double(parts[1]), share > 0, share <= 1 else {
                throw ValidationError("--age-share \(text): write CATEGORY=SHARE with a share above 0 and at most 1 (e.g. kindergarten=0.03)")
            }
            shares[parts[0]] = share
        }
        return shares
    }

    func run() throws {
        try reportingErrors {
            let store = try store.openExisting()
            var options = AccessOptions()
            if let radii {
                options.radii = try ConfigFile.decode(ServiceRadii.self, from: radii)
                options.radiiSource = radii
            }
            options.weight = method.weight
            options.demandShares = try demandShares()
            options.capacityField = capacityField
            layers.apply(to: &options.mapping)
            options.mode = mode
            walkingOptions.apply(to: &options)
            let started = Date()
            let run = try AccessJob.run(store: store, options: options)
            Terminal.info(run.metricCRSChoice.description)
            run.warnings.forEach(Terminal.warning)
            if !noStore { try AccessJob.writeResults(run, to: store) }
            if let csv { try AccessJob.writeCSV(run, to: csv) }
            let people = run.population.reduce(0, +)
            let rows = run.categories.enumerated().map { c, category -> [String] in
                let values = run.access[c]
                let reached = zip(values, run.population).filter { $0.0 > 0 }.reduce(0) { $0 + $1.1 }
                let mean = people > 0 ? zip(values, run.population).reduce(0) { $0 + $1.0 * $1.1 } / people : 0
                return [category.name, String(format: "%.0f m", category.radius), String(category.facilities),
                        String(format: "%.4f", mean), String(format: "%.1f %%", people > 0 ? reached / people * 100 : 0),
                        String(values.filter { $0 == 0 }.count)]
            }
            print(TextTable.render(header: ["category", "radius", "facilities", "capacity per person (mean)", "people reaching some", "parcels reaching none"], rows: rows))
            Terminal.info(String(format: "access (%@, %@) of %d residential parcels in %@ done in %.2f s%@", method.rawValue, mode.rawValue, run.parcelIDs.count,
                                 run.metricCRSChoice.crs.description, Date().timeIntervalSince(started),
                                 (noStore ? "" : "; layer access_parcels written") + (csv.map { "; \($0) written" } ?? "")))
        }
    }
}
