import ArgumentParser
import Foundation
import GeoFiles
import GeoKernel
import GeoStore
import RenewalAnalysis
import RenewalDomain
import RenewalRunner

/// What an exit code tells a script that runs `renewalgis` (README, "Exit codes"): the sysexits.h
/// numbers, so a batch can tell a typo from bad data, a broken store or a bug.
enum ExitStatus {
    /// The command line itself is wrong: an unknown command or option, a missing or malformed argument.
    static let usage: Int32 = 64
    /// The input is wrong: a file that cannot be read as what it claims, an unknown CRS, code, layer,
    /// field or category, a configuration file with a bad key or value.
    static let badInput: Int32 = 65
    /// A service the command needs is not available (the port `serve` should listen on is taken).
    static let unavailable: Int32 = 69
    /// The store cannot be opened, created, read or written (not a store, no permission, a locked or
    /// failing database, a query past its time limit).
    static let storeError: Int32 = 74
    /// Anything else: a failure the tool did not foresee (a GEOS or PROJ operation failing), a bug to report.
    static let internalError: Int32 = 70

    /// The exit code for an error that stopped a command.
    static func code(for error: Error) -> Int32 {
        switch error {
        case let stage as ProjectRun.StageError: return code(for: stage.underlying)
        case let store as StoreError:
            switch store {
            case .notAStore, .cannotCreate, .database, .queryTimeLimit: return storeError
            case .unknownLayer, .layerExists, .invalidLayerName, .invalidGeometry, .incompatibleGeometry, .noCRS,
                 .unknownField, .unsupportedQuery: return badInput
            }
        case is ValidationError: return usage
        case is FileError, is GeoJSONError, is WKBError, is CRSError, is MetricCRSError, is ConfigError,
             is UnitParameterError, is InputError, is DecodingError: return badInput
        case is GEOSError: return internalError
        default:
            // Errors of the runner's and the commands' own checks say what input was wrong.
            return String(reflecting: type(of: error)).hasPrefix("RenewalRunner.") ? badInput : internalError
        }
    }
}
