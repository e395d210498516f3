import GeoStore
import RenewalRunner
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RenewalServer
import RenewalStore
import CQL2

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve every layer and result of the store over OGC API – Features (GeoJSON).",
        usage: "renewalgis serve --store <store> [<options>]",
        discussion: """
            Every layer in the store is a collection, appearing as soon as it is written. The map \
            is at http://127.0.0.1:8080/map (after `make maplibre`; run from the RenewalGIS \
            directory or give --styles and --assets).

            Examples:
              renewalgis serve --store city.sqlite
              curl 'http://127.0.0.1:8080/collections/parcels/items?limit=10'
              curl -G http://127.0.0.1:8080/collections/parcels/items \\
                  -d bbox=106.57,29.55,106.58,29.56 -d limit=10
              curl -G http://127.0.0.1:8080/collections/parcels/items \\
                  --data-urlencode 'filter=population>500' -d sortby=-population
              ogrinfo OAPIF:http://127.0.0.1:8080 parcels -so
            """
    )

    @Option(help: StoreHelp.text) var store: StoreAddress
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Directory of the MapLibre styles served at /styles (*.json).") var styles = ServerConfiguration().stylesDirectory
    @Option(help: "Directory holding maplibre-gl.js and maplibre-gl.css for /map (`make maplibre` fills vendor/maplibre).")
    var assets = ServerConfiguration().assetsDirectory
    @Option(help: "The longest CQL2 filter accepted, in bytes (longer ones answer 400).") var maxFilterLength = ServerConfiguration().maximumFilterLength
    @Option(help: "How long one store query may run, seconds, before it is stopped (503).") var queryTimeLimit = ServerConfiguration().queryTimeLimit
    @Option(help: "Seconds before an idle connection is closed.") var idleTimeout = ServerConfiguration().idleTimeout
    @Option(help: "The largest layer held in memory to answer pages of a box without reading the store, in features (about 1 KB each; 0 holds none).")
    var holdFeatures = ServerConfiguration().maximumHeldFeatures
    @Option(help: "Megabytes of whole answers (pages of a box from held layers) kept for identical requests at the same store version (0 keeps none).")
    var answerCacheMb = ServerConfiguration().answerCacheBytes >> 20
    @Flag(help: "Log every request (method, path, request id) to standard error.") var accessLog = false

    /// The limits must be positive (a usage error, before the store is opened).
    mutating func validate() throws {
        guard maxFilterLength > 0 else {
            Terminal.error("--max-filter-length must be a positive number of bytes")
            throw ExitCode(ExitStatus.usage)
        }
        guard queryTimeLimit > 0, idleTimeout > 0 else {
            Terminal.error("--query-time-limit and --idle-timeout must be positive")
            throw ExitCode(ExitStatus.usage)
        }
    }

    func run() async throws {
        var config = ServerConfiguration()
        config.host = host
        config.port = port
        config.stylesDirectory = styles
        config.assetsDirectory = assets
        config.maximumFilterLength = maxFilterLength
        config.queryTimeLimit = queryTimeLimit
        config.idleTimeout = idleTimeout
        config.maximumHeldFeatures = max(0, holdFeatures)
        config.answerCacheBytes = max(0, answerCacheMb) << 20
        config.logsRequests = accessLog
        let reader: any FeatureReading
        do { reader = try store.openReader(queryTimeLimit: queryTimeLimit) } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.code(for: error))
        }
        if let problem = ListeningCheck.problem(host: host, port: port) {
            Terminal.error(problem)
            throw ExitCode(ExitStatus.unavailable)
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
        do {
            try await buildApplication(store: reader, configuration: config, logger: logger).runService()
        } catch {
            // Taken between the check and the bind, or another failure of the server: one line.
            Terminal.error(ListeningCheck.describe(error, host: host, port: port))
            throw ExitCode(ExitStatus.unavailable)
        }
    }
}

/// Whether the server can listen on host:port, asked before "serving …" is printed, so that a busy
/// port is one clear line instead of a promise followed by a raw bind error.
enum ListeningCheck {
    /// nil when a TCP socket can be bound to `host`:`port` (with SO_REUSEADDR, as the server binds);
    /// else what is wrong and what to do.
    static func problem(host: String, port: Int) -> String? {
        guard (1...65535).contains(port) else { return "--port \(port) is not a TCP port (1–65535)" }
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            return "cannot listen on \(host): not an address or host name this machine resolves (\(String(cString: gai_strerror(status))))"
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return nil }   // let the server report it
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 else { return nil }
        return message(errno: errno, host: host, port: port)
    }

    static func message(errno code: Int32, host: String, port: Int) -> String {
        switch code {
        case EADDRINUSE:
            return "port \(port) on \(host) is already in use (another server is listening there); stop it or choose another port with --port"
        case EACCES:
            return "no permission to listen on port \(port) on \(host) (ports below 1024 need root); choose another port with --port"
        case EADDRNOTAVAIL:
            return "cannot listen on \(host): not an address of this machine; use --host 127.0.0.1 or 0.0.0.0"
        default:
            return "cannot listen on \(host) port \(port): \(String(cString: strerror(code)))"
        }
    }

    /// An error of the running server as one line (a bind error names the port and what to do).
    static func describe(_ error: Error, host: String, port: Int) -> String {
        let text = "\(error)"
        if text.contains("Address already in use") || text.contains("errno: \(EADDRINUSE)") { return message(errno: EADDRINUSE, host: host, port: port) }
        if text.contains("Permission denied") { return message(errno: EACCES, host: host, port: port) }
        return "the server stopped: \(text.replacingOccurrences(of: "\n", with: " "))"
    }
}
