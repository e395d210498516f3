import ArgumentParser
import Foundation
import GeoStore
import RenewalRunner

struct Partition: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Split a city by district (区县): record the districts layer, and in PostGIS store every layer as partitions by district, optionally on other nodes.",
        usage: "renewalgis partition --store <store> --districts <layer> --field <field> [--node <url> ...]",
        discussion: """
            A feature belongs to the district whose polygon holds its representative point (PointOnSurface; \
            the lowest code on a shared boundary). Afterwards every analysis and `run` take --district CODE \
            (that district, read with everything within reach, written over its rows), `run --each-district \
            --jobs N` runs them all, and units are delineated district by district. With --node, the \
            partitions of each district live on those PostgreSQL servers (postgres_fdw), spread in turn \
            (docs/scale.md).

            Examples:
              renewalgis import districts.gpkg --store postgresql://planner@db/city
              renewalgis partition --store postgresql://planner@db/city --districts districts --field code
              renewalgis partition --store postgresql://planner@db/city --districts districts --field code \\
                  --node postgresql://planner@node1/city --node postgresql://planner@node2/city
              renewalgis run project.yaml --each-district --jobs 2
            """
    )

    @Option(help: StoreHelp.text) var store: StoreAddress
    @Option(help: "The polygon layer of districts (already imported).") var districts: String
    @Option(help: "Its field holding each district's code.") var field: String
    @Option(help: "A PostgreSQL node for partitions (repeatable; postgresql://user@host[:port]/db).") var node: [String] = []

    mutating func validate() throws {
        try reportingErrors {
            if let bad = node.first(where: { !StoreAddress.isDatabaseURL($0) }) {
                throw ValidationError("--node \(bad) is not a postgresql:// URL")
            }
            if !node.isEmpty, store.filePath != nil {
                throw ValidationError("--node places partitions on PostgreSQL servers: the store must be a PostGIS database (postgresql://…)")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            let started = Date()
            let opened = try store.openExisting()
            // Checks the layer, the field and the codes before anything changes.
            let split = try Districts(store: opened, layer: districts, field: field)
            if let partitioning = opened as? any DistrictPartitioning {
                let lines = try partitioning.partition(districtsLayer: districts, field: field, codes: split.codes, nodes: node) { Terminal.info($0) }
                lines.forEach { print($0) }
            } else if !node.isEmpty {
                throw ValidationError("--node needs a PostGIS store")
            }
            try opened.setSetting("districts_layer", districts)
            try opened.setSetting("district_field", field)
            Terminal.info(String(format: "%@ split into %d districts (%@) in %.2f s; analyses now take --district CODE",
                                 store.description, split.codes.count, split.codes.joined(separator: ", "), Date().timeIntervalSince(started)))
        }
    }
}
