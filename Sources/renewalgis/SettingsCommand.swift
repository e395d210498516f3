import RenewalRunner
import ArgumentParser
import Foundation
import GeoStore
import RenewalStore

struct Settings: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or change a store's settings (metric_crs: the CRS every analysis measures in).",
        discussion: """
            Without KEY: every setting with its value. With KEY: its value. With KEY VALUE: sets it; --unset KEY removes it.
            metric_crs must be a projected CRS in metres; unset, each analysis chooses the CGCS2000 3° Gauss-Krüger
            zone when the data is in China and the UTM zone of the data's centre elsewhere (docs/crs.md).

            Examples:
              renewalgis settings --store city.sqlite
              renewalgis settings --store city.sqlite metric_crs EPSG:3067
              renewalgis settings --store city.sqlite --unset metric_crs
            """
    )

    @Option(help: StoreHelp.text) var store: StoreAddress
    @Argument(help: "The setting: metric_crs.") var key: String?
    @Argument(help: "Its new value, e.g. EPSG:3067.") var value: String?
    @Flag(help: "Remove the setting KEY (back to the default).") var unset = false

    /// --unset takes a key alone; a key to read must be a known setting.
    mutating func validate() throws {
        try reportingErrors {
            if unset, value != nil { throw ValidationError("--unset takes only the key, not a value") }
            if let key, value == nil, !unset, StoreSettings.known[key] == nil {
                throw ValidationError("no setting \"\(key)\" (settings: \(StoreSettings.known.keys.sorted().joined(separator: ", ")))")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            let store = try store.openExisting()
            guard let key else {
                let values = try store.settings()
                for (name, meaning) in StoreSettings.known.sorted(by: { $0.key < $1.key }) {
                    print("\(name) = \(values[name] ?? "(unset)")    # \(meaning)")
                }
                return
            }
            if unset {
                try store.setSetting(key, nil)
            } else if let value {
                try store.setSetting(key, value)
            } else {
                print(try store.setting(key) ?? "(unset)")
                return
            }
            let now: String
            do { now = "\(try store.metricCRSChoice())" } catch { now = "analyses will stop: \(error)" }
            Terminal.info("\(key) = \(try store.setting(key) ?? "(unset)") in \(store.location); \(now)")
        }
    }
}
