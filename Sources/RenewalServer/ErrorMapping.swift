import OGCFeatures
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
/// | `RequestError.invalidParameter`| 400    | InvalidParameterValue | the error's                                 | no      |
/// | `RequestError.notFound`        | 404    | NotFound              | the error's                                 | no      |
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
        if let error = error as? APIError { return (error, nil) }
        // The service's word on what is the client's fault: its RequestError, a bad filter (CQL2Error),
        // a query past the backend's limits (StoreError.unsupportedQuery).
        switch RequestError.blamingClient(error) {
        case .invalidParameter(let message)?: return (.invalidParameter(message), nil)
        case .notFound(let message)?: return (.notFound(message), nil)
        case nil: break
        }
        if case StoreError.queryTimeLimit = error {
            return (APIError(status: .serviceUnavailable, code: "QueryTimeLimit", description: "\(error)"), .warning)
        }
        return (serverError, .error)
    }

    static let serverError = APIError(status: .internalServerError, code: "ServerError", description: "the server could not answer; see its log")
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
