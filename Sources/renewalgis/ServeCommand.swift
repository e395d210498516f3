import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RenewalServer
import RenewalStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve every layer and result of the store over OGC API – Features (GeoJSON).",
        discussion: """
            Every layer in the store is a collection, appearing as soon as it is written.

            Examples:
              renewalgis serve --store city.sqlite
              curl 'http://127.0.0.1:8080/collections/parcels/items?bbox=106.57,29.55,106.58,29.56&limit=10'
              curl 'http://127.0.0.1:8080/collections/parcels/items?filter=area%20%3E%205000&sortby=-area'
              ogrinfo OAPIF:http://127.0.0.1:8080 parcels -so
              open http://127.0.0.1:8080/map       (after `make maplibre`; run from the RenewalGIS directory or give --styles and --assets)
            """
    )

    @Option(help: "The store (a SpatiaLite file).") var store: String
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Directory of the MapLibre styles served at /styles (*.json).") var styles = ServerConfiguration().stylesDirectory
    @Option(help: "Directory holding maplibre-gl.js and maplibre-gl.css for /map (`make maplibre` fills vendor/maplibre).")
    var assets = ServerConfiguration().assetsDirectory
    @Option(help: "The longest CQL2 filter accepted, in bytes (longer ones answer 400).") var maxFilterLength = ServerConfiguration().maximumFilterLength
    @Option(help: "How long one store query may run, seconds, before it is stopped (503).") var queryTimeLimit = ServerConfiguration().queryTimeLimit
    @Option(help: "Seconds before an idle connection is closed.") var idleTimeout = ServerConfiguration().idleTimeout

    func run() async throws {
        var config = ServerConfiguration()
        config.host = host
        config.port = port
        config.stylesDirectory = styles
        config.assetsDirectory = assets
        guard maxFilterLength > 0 else {
            Terminal.error("--max-filter-length must be a positive number of bytes")
            throw ExitCode(1)
        }
        config.maximumFilterLength = maxFilterLength
        guard queryTimeLimit > 0, idleTimeout > 0 else {
            Terminal.error("--query-time-limit and --idle-timeout must be positive")
            throw ExitCode(1)
        }
        config.queryTimeLimit = queryTimeLimit
        config.idleTimeout = idleTimeout
        let reader: StoreReader
        do { reader = try StoreReader(path: store, queryTimeLimit: queryTimeLimit) } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        var logger = Logger(label: "renewalgis.serve")
        logger.logLevel = .info
        Terminal.info("serving \(store) at http://\(host):\(port)/ (collections: \((try? reader.layers().map(\.name).joined(separator: ", ")) ?? "?"))")
        if !FileManager.default.fileExists(atPath: styles) {
            Terminal.warning("no styles directory \(styles): /styles is empty and /map cannot draw (use --styles DIR)")
        }
        if !FileManager.default.fileExists(atPath: (assets as NSString).appendingPathComponent("maplibre-gl.js")) {
            Terminal.warning("MapLibre GL JS is not in \(assets): /map says how to install it (`make maplibre`, or --assets DIR)")
        }
        try await buildApplication(store: reader, configuration: config, logger: logger).runService()
    }
}
