import Foundation
import GeoKernel
import GeoStore
import OGCFeatures
import CQL2
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
@testable import RenewalServer
import Testing
import TestSupport

/// A store whose every read fails with `error`.
struct FailingStore: FeatureReading {
    let error: any Error
    func withSnapshot<T>(_ body: (any FeatureSnapshot) throws -> T) throws -> T { throw error }
}

/// One error → HTTP status table (ErrorMapping) for the Features and the Styles routes alike.
@Suite struct ErrorMappingTests {
    static let serverError = #"{"code":"ServerError","description":"the server could not answer; see its log"}"#

    /// The errors a store or the layers below may throw, with the status and exact body every route answers.
    static let cases: [(error: any Error, status: HTTPResponse.Status, body: String)] = [
        (StoreError.queryTimeLimit(seconds: 10), .serviceUnavailable,
         #"{"code":"QueryTimeLimit","description":"the query ran longer than 10 s and was stopped; narrow it (bbox, filter, a smaller limit)"}"#),
        (StoreError.unsupportedQuery("the filter holds more than 30000 values"), .badRequest,
         #"{"code":"InvalidParameterValue","description":"the filter holds more than 30000 values"}"#),
        (CQL2Error("unknown property \"x\""), .badRequest, #"{"code":"InvalidParameterValue","description":"unknown property \"x\""}"#),
        (APIError.notFound("no collection \"x\""), .notFound, #"{"code":"NotFound","description":"no collection \"x\""}"#),
        (StoreError.database(path: "/secret/s.sqlite", message: "disk I/O error"), .internalServerError, serverError),
        (CRSError.pointFailed(Position(106, 91), from: .cgcs2000, to: .epsg(4545)), .internalServerError, serverError),
        (CocoaError(.fileReadUnknown), .internalServerError, serverError),
    ]

    /// Every route that reads the store.
    static let routes = ["/api", "/collections", "/collections/parcels", "/collections/parcels/queryables",
                         "/collections/parcels/items", "/collections/parcels/items?crs=EPSG:4545", "/collections/parcels/items/P1",
                         "/styles", "/map"]

    @Test("Every route that reads the store answers a store error with the table's status and body (503 for the time limit on /styles and /map too)",
          arguments: 0..<cases.count)
    func everyRouteOneTable(index: Int) async throws {
        let (error, status, body) = Self.cases[index]
        let dir = try TemporaryDirectory()
        var configuration = testConfiguration()
        configuration.stylesDirectory = repositoryStyles
        configuration.assetsDirectory = try fakeAssets(dir)
        let store = FailingStore(error: error)
        let router = Router()
        FeaturesAPI(store: store, configuration: configuration, logger: Logger(label: "test")).addRoutes(to: router)
        StylesAPI(store: store, configuration: configuration, logger: Logger(label: "test")).addRoutes(to: router)
        try await Application(router: router).test(.router) { client in
            for route in Self.routes {
                try await client.execute(uri: route, method: .get) { r in
                    #expect(r.status == status, "\(route) for \(error)")
                    #expect(String(buffer: r.body) == body, "\(route) for \(error)")
                    #expect(r.headers[.contentType] == "application/json", "\(route)")
                }
            }
        }
    }

    @Test("The table: client errors are not logged, the time limit is a warning, everything else an error whose detail stays in the log")
    func table() {
        for (error, status, _) in Self.cases {
            let (answer, level) = ErrorMapping.answer(for: error)
            #expect(answer.status == status, "\(error)")
            #expect(level == (status == .serviceUnavailable ? .warning : status == .internalServerError ? .error : nil), "\(error)")
        }
    }

    @Test("In context, a client error names its parameter; a server error stays as it is for the table")
    func inContext() throws {
        let named = RequestError.inContext("filter (cql2-text)", CQL2Error("unexpected end"))
        #expect(named as? RequestError == .invalidParameter("filter (cql2-text): unexpected end"))
        let answer = ErrorMapping.answer(for: named).error
        #expect(answer.status == .badRequest && answer.code == "InvalidParameterValue")
        let limit = RequestError.inContext("filter (cql2-json)", StoreError.unsupportedQuery("the LIKE pattern is too long"))
        #expect(limit as? RequestError == .invalidParameter("filter (cql2-json): the LIKE pattern is too long"))
        let timeout = RequestError.inContext("filter (cql2-text)", StoreError.queryTimeLimit(seconds: 3))
        guard case StoreError.queryTimeLimit = timeout else { Issue.record("the time limit was rewrapped: \(timeout)"); return }
    }

    @Test("A bad filter answers 400 with the filter language in front of the parser's message")
    func filterNamesItself() async throws {
        let dir = try TemporaryDirectory()
        try await app(try gridStore(dir)).test(.router) { client in
            try await client.execute(uri: "/collections/parcels/items?filter=name%20%3D%3D%201", method: .get) { r in
                #expect(r.status == .badRequest)
                let body = String(buffer: r.body)
                #expect(body.hasPrefix(#"{"code":"InvalidParameterValue","description":"filter (cql2-text): "#), "\(body)")
            }
            try await client.execute(uri: "/collections/parcels/items?filter-lang=cql2-json&filter=%7B%22op%22%3A%22and%22", method: .get) { r in
                #expect(r.status == .badRequest)
                #expect(String(buffer: r.body).hasPrefix(#"{"code":"InvalidParameterValue","description":"filter (cql2-json): "#))
            }
        }
    }
}
