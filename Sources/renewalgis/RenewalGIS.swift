import ArgumentParser
import Foundation
import GeoKernel
import RenewalStore

@main
struct RenewalGIS: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "renewalgis",
        abstract: "GIS analysis for urban renewal (城市更新): load planning layers, find gaps and conflicts, serve results.",
        discussion: """
            Layers live in one SpatiaLite store, always in EPSG:4490 (CGCS2000 lon/lat).
            Start with:  renewalgis import GeoData/streets.geojson --store city.sqlite
            """,
        version: version,
        subcommands: [Import.self, Layers.self, Settings.self, Export.self, Coverage.self, Conflicts.self, Eligibility.self, Rules.self, Units.self, Run.self, Serve.self]
    )

    static func main() async {
        limitMallocArenasToCores()
        SpatialStore.configureSQLite()
        await main(nil)
    }
}

/// Runs a command body and turns any error into one line on stderr and exit code 1
/// (no stack trace: every error type here says what and where in its description).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        Terminal.error("\(error)")
        throw ExitCode(1)
    }
}
