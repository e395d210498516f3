import CQL2
import GeoStore

/// A request the API cannot answer as asked — the client's mistake, described in words safe to show.
/// The HTTP adapter gives each case its status (400, 404); nothing here knows HTTP.
public enum RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A parameter is malformed, unknown, or past one of the service's limits.
    case invalidParameter(String)
    /// No such collection or feature.
    case notFound(String)

    public var description: String {
        switch self {
        case .invalidParameter(let message), .notFound(let message): message
        }
    }

    /// The client's part of `error`: a `RequestError` as it is, a bad filter (`CQL2Error`) or a query past
    /// the backend's limits (`StoreError.unsupportedQuery`) as an invalid parameter; nil when the error
    /// is the server's (a store failure, a CRS that cannot be written, a time limit).
    public static func blamingClient(_ error: any Error) -> RequestError? {
        switch error {
        case let error as RequestError: error
        case let error as CQL2Error: .invalidParameter(error.description)
        case StoreError.unsupportedQuery(let reason): .invalidParameter(reason)
        default: nil
        }
    }

    /// `error` with `context` (e.g. `filter (cql2-text)`) in front of its message when it is the client's,
    /// so the client learns which parameter it concerns; any other error as it is.
    public static func inContext(_ context: String, _ error: any Error) -> any Error {
        switch blamingClient(error) {
        case .invalidParameter(let message)?: RequestError.invalidParameter("\(context): \(message)")
        case .notFound(let message)?: RequestError.notFound("\(context): \(message)")
        case nil: error
        }
    }
}
