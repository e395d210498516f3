// swift-tools-version:6.1
import PackageDescription

// Dependencies point one way (scripts/check_layers.sh fails on an arrow pointing up):
//   C shims → Support → GeoKernel → GeoStore (the storage seam) → CQL2 → OGCFeatures (the web-free
//   OGC API core) → RenewalServer (HTTP);
//   GeoKernel → GeoFiles, RenewalDomain → RenewalAnalysis; GeoStore → RenewalStore (SpatiaLite) →
//   RenewalRunner (jobs) → renewalgis (CLI). docs/architecture.md draws it.
let package = Package(
    name: "RenewalGIS",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "renewalgis", targets: ["renewalgis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // C libraries from Debian, one module map and shim header each.
        .systemLibrary(name: "CGEOS", pkgConfig: "geos", providers: [.apt(["libgeos-dev"])]),
        .systemLibrary(name: "CPROJ", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),
        // GDAL is loaded on first use (dlopen), not linked: see Sources/CGDAL/include/CGDAL.h.
        .target(name: "CGDAL", linkerSettings: [.linkedLibrary("dl")]),
        // Thread calls glibc offers only as variadic functions or macros.
        .target(name: "CThreads"),
        .systemLibrary(name: "CSpatiaLite", providers: [.apt(["libsqlite3-dev", "libsqlite3-mod-spatialite"])]),
        .systemLibrary(name: "CSystemZlib", providers: [.apt(["zlib1g-dev"])]),

        // No geometry: the ordered work pipeline, process tuning, a seeded generator, nearest names.
        .target(name: "Support", dependencies: ["CThreads"]),
        // Plain geometry values (Values/), planar algorithms (Planar/) and the GEOS and PROJ bridges.
        .target(name: "GeoKernel", dependencies: ["CGEOS", "CPROJ"]),
        // The vocabulary of urban renewal: land-use codes, zone kinds, planned actions, verdicts, tiers.
        .target(name: "RenewalDomain", dependencies: ["Support"]),
        // Analyses: pure functions of values and parameters (no I/O).
        .target(name: "RenewalAnalysis", dependencies: ["GeoKernel", "RenewalDomain", "Support"]),
        // The storage seam: the catalogue, the neutral query and predicate, the reading protocols.
        // No SQL and no database library: every backend (SpatiaLite now) implements it.
        .target(name: "GeoStore", dependencies: ["GeoKernel"]),
        // CQL2 text and JSON parsers and their compiler to `FeaturePredicate` (no web, no SQL; fuzzed).
        .target(name: "CQL2", dependencies: ["GeoKernel", "GeoStore"]),
        // Reading and writing GIS files through GDAL/OGR (simple GeoPackages read with SQLite directly).
        .target(name: "GeoFiles", dependencies: ["GeoKernel", "CGDAL", "CSpatiaLite", "CSystemZlib"]),
        // The SpatiaLite backend of the storage seam: tables, catalogue, bulk rows and packed R*Trees,
        // snapshots for serving, predicates compiled to SQL. No file formats and no analysis vocabulary.
        .target(name: "RenewalStore", dependencies: [
            "GeoKernel", "GeoStore", "CSpatiaLite",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The PostGIS backend of the reading seam (postgres-nio): snapshots, pages, counts, predicates
        // compiled to PostGIS SQL with every value bound; a test loader. Import and jobs come later.
        .target(name: "PostGISStore", dependencies: [
            "GeoKernel", "GeoStore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // The jobs the CLI (and the server) run: store in, analysis, store and files out.
        .target(name: "RenewalRunner", dependencies: [
            "GeoKernel", "GeoStore", "GeoFiles", "RenewalStore", "PostGISStore", "RenewalDomain", "RenewalAnalysis", "Support", "VectorTiles",
            .product(name: "Yams", package: "Yams"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // Mapbox Vector Tiles 2.1 in the WebMercatorQuad tile matrix set: geometry to tile units, clipped,
        // snapped and encoded (protocol buffers generated from vector_tile.proto, committed).
        .target(name: "VectorTiles", dependencies: ["GeoKernel", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["vector_tile.proto"]),
        // OGC API – Features and Tiles without the web: requests as values in, typed documents, streamed
        // GeoJSON and vector tiles out.
        .target(name: "OGCFeatures", dependencies: ["GeoKernel", "GeoStore", "CQL2", "VectorTiles"]),
        // The HTTP adapter (Hummingbird 2): the service's answers as responses, styles and the map page.
        .target(name: "RenewalServer", dependencies: [
            "GeoKernel", "GeoStore", "OGCFeatures",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .executableTarget(name: "renewalgis", dependencies: [
            "GeoKernel", "GeoStore", "GeoFiles", "RenewalStore", "RenewalDomain", "RenewalAnalysis", "RenewalRunner", "RenewalServer", "Support",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Helpers shared by the test targets: temporary directories, a seeded generator.
        .target(name: "TestSupport", dependencies: ["Support", "GeoKernel"], path: "Tests/TestSupport"),
        .testTarget(name: "GeoKernelTests", dependencies: ["GeoKernel", "Support", "TestSupport"]),
        .testTarget(name: "RenewalAnalysisTests", dependencies: [
            "RenewalAnalysis", "RenewalDomain", "GeoKernel", "TestSupport", .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "RenewalStoreTests", dependencies: [
            "RenewalStore", "GeoStore", "GeoFiles", "GeoKernel", "RenewalRunner", "PostGISStore", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "OGCFeaturesTests", dependencies: ["OGCFeatures", "GeoStore", "GeoKernel", "VectorTiles", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["renewalgis", "TestSupport"]),
        .testTarget(name: "GeoFilesTests", dependencies: ["GeoFiles", "GeoKernel", "TestSupport"]),
        .testTarget(name: "RenewalRunnerTests", dependencies: [
            "RenewalRunner", "RenewalAnalysis", "RenewalDomain", "Support", "RenewalStore", "PostGISStore", "GeoStore", "GeoFiles", "GeoKernel", "TestSupport",
        ]),
        .testTarget(name: "RenewalServerTests", dependencies: [
            "RenewalServer", "OGCFeatures", "RenewalStore", "RenewalRunner", "GeoStore", "CQL2", "GeoFiles", "GeoKernel", "TestSupport", "Support",
            .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "CompressNIO", package: "compress-nio"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
