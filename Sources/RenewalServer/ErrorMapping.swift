import CQL2
import GeoKernel
import GeoStore
import HTTPTypes
import Hummingbird
import Logging

/// An API error: the HTTP status, an OGC exception code and a message safe to show.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var description: String

    static func invalidParameter(_ message: String) -> APIError { APIError(status: .badRequest, code: "InvalidParameterValue", description: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, code: "NotFound", description: message) }

    /// The OGC exception document: `{"code":…,"description":…}` as `application/json`.
    var response: Response {
        var body = "{\"code\":"
        GeoJSON.writeString(code, to: &body)
        body += ",\"description\":"
        GeoJSON.writeString(description, to: &body)
        body += "}"
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The one table from errors to HTTP answers, for every route of the server. The errors of the
/// layers below know nothing of HTTP; this is where they get their status.
///
/// | error                          | status | code                  | description                                 | logged  |
/// |--------------------------------|--------|-----------------------|---------------------------------------------|---------|
/// | `APIError`                     | its own| its own               | its own                                     | no      |
/// | `CQL2Error`                    | 400    | InvalidParameterValue | the error's                                 | no      |
/// | `StoreError.unsupportedQuery`  | 400    | InvalidParameterValue | the backend's reason                        | no      |
/// | `StoreError.queryTimeLimit`    | 503    | QueryTimeLimit        | the error's (narrow the query)              | warning |
/// | `CRSError`                     | 500    | ServerError           | "the server could not answer; see its log"  | error   |
/// | anything else                  | 500    | ServerError           | "the server could not answer; see its log"  | error   |
///
/// A parameter that names a CRS (`bbox-crs`, `filter-crs`) catches its own CRS errors and answers
/// 400 naming the parameter; a `CRSError` that reaches the table comes from writing stored features
/// in an offered CRS, which is the server's failure. A 500 never shows its detail (the log has it).
enum ErrorMapping {
    /// What the client is told for `error`, and the level at which the server logs it
    /// (nil: not logged — the answer says all there is, and a client's mistake is no server event).
    static func answer(for error: any Error) -> (error: APIError, logLevel: Logger.Level?) {
        switch error {
        case let error as APIError:
            return (error, nil)
        case let error as CQL2Error:
            return (.invalidParameter(error.description), nil)
        case StoreError.unsupportedQuery(let reason):
            return (.invalidParameter(reason), nil)
        case StoreError.queryTimeLimit:
            return (APIError(status: .serviceUnavailable, code: "QueryTimeLimit", description: "\(error)"), .warning)
        case is CRSError:
            return (serverError, .error)
        default:
            return (serverError, .error)
        }
    }

    static let serverError = APIError(status: .internalServerError, code: "ServerError", description: "the server could not answer; see its log")

    /// `error` with `context` (e.g. `filter (cql2-text)`) in front of its description when the table
    /// makes it a client error (4xx), so the client learns which parameter it concerns; any other error
    /// is returned as it is, for the table to answer.
    static func inContext(_ context: String, _ error: any Error) -> any Error {
        var mapped = answer(for: error).error
        guard (400..<500).contains(mapped.status.code) else { return error }
        mapped.description = "\(context): \(mapped.description)"
        return mapped
    }
}

/// What the server's APIs share: their settings and log, how a handler's error is answered, and the
/// address links start from.
protocol ServedAPI: Sendable {
    var configuration: ServerConfiguration { get }
    var logger: Logger { get }
}

extension ServedAPI {
    /// Runs a handler; an error it throws becomes the answer `ErrorMapping` gives, logged (with the
    /// request) at the level the table says.
    func respond(_ request: Request, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch {
            let (answer, level) = ErrorMapping.answer(for: error)
            if let level { logger.log(level: level, "\(request.method) \(request.uri): \(error)") }
            return answer.response
        }
    }

    /// This server's address as the client reached it (its Host header), else the configured one.
    func base(_ request: Request) -> String {
        let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        return "http://\(host)"
    }
}
