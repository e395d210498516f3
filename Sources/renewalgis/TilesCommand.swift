import ArgumentParser
import Foundation
import RenewalRunner
import Support

struct Tiles: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pre-generate vector tiles (MVT, WebMercatorQuad) of store layers for static hosting: an MBTiles file or a z/x/y directory.",
        usage: "renewalgis tiles --store <store> --out <file.mbtiles|directory> [--layers <layers>] [--minzoom <n>] [--maxzoom <n>]",
        discussion: """
            The tiles are the ones `serve` answers at /collections/{id}/tiles/WebMercatorQuad/{z}/{row}/{col}, with every
            chosen layer in each tile; a layer starts at the zoom where a tile averages at most 20,000 of its features.
            An output ending in .mbtiles is an MBTiles 1.3 file (gzip-compressed tiles); anything else is a directory of
            {z}/{x}/{y}.pbf files (uncompressed) with a metadata.json. Tiles with nothing in them are not written.

            Examples:
              renewalgis tiles --store out/demo.sqlite --out out/parcels.mbtiles --layers parcels --minzoom 13 --maxzoom 16
              renewalgis tiles --store out/demo.sqlite --out out/tiles --layers parcels,streets --minzoom 14 --maxzoom 15
            """
    )

    @Option(help: StoreHelp.text)
    var store: StoreAddress

    @Option(help: "The output: FILE.mbtiles, or a directory for {z}/{x}/{y}.pbf files.")
    var out: String

    @Option(help: "Layers to tile, comma-separated (default: every layer).")
    var layers: String?

    @Option(help: "The lowest zoom (0–22).")
    var minzoom = 12

    @Option(help: "The highest zoom (0–22).")
    var maxzoom = 16

    @Flag(help: "Overwrite an existing output.")
    var replace = false

    /// The zooms and layers, before the store is opened (one line each, as every refusal).
    mutating func validate() throws {
        let (minzoom, maxzoom, layers) = (minzoom, maxzoom, layers)
        try reportingErrors {
            guard (0...TilesJob.maximumZoom).contains(minzoom), (0...TilesJob.maximumZoom).contains(maxzoom) else {
                throw ValidationError("--minzoom and --maxzoom must lie in 0–\(TilesJob.maximumZoom) (got \(minzoom) and \(maxzoom))")
            }
            guard minzoom <= maxzoom else { throw ValidationError("--minzoom \(minzoom) is above --maxzoom \(maxzoom)") }
            if let layers, layers.split(separator: ",").isEmpty { throw ValidationError("--layers names no layer") }
        }
    }

    func run() throws {
        try reportingErrors {
            let opened = try store.openExisting()
            let names = layers.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let progress = ProgressLine("writing tiles", unit: "tiles")
            let started = Date()
            let report = try TilesJob.run(store: opened, layers: names, minZoom: minzoom, maxZoom: maxzoom, output: out, replace: replace,
                                          parallelism: .allCores) { done, total in
                if done == 0 { progress.phase("writing tiles", total: total, unit: "tiles") } else { progress.update(done) }
            }
            progress.finish()
            let zooms = report.zooms.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.lowerBound)–\($0.value.upperBound)" }
            Terminal.info("wrote \(report.tiles) tiles (\(report.bytes) bytes of MVT; \(report.emptyTiles) empty left out) to \(Terminal.path(out)) in "
                          + String(format: "%.1f s", Date().timeIntervalSince(started)) + "; zooms: " + (zooms.isEmpty ? "none (no layer reaches them)" : zooms.joined(separator: ", ")))
        }
    }
}
