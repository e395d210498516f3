// swift-tools-version:6.1
import PackageDescription

// Dependencies point one way:
//   C shims → GeoKernel → (GeoFiles, RenewalAnalysis) → RenewalStore → RenewalRunner, RenewalServer → renewalgis (CLI and HTTP)
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

        // Plain Swift geometry values plus the GEOS and PROJ bridges.
        .target(name: "GeoKernel", dependencies: ["CGEOS", "CPROJ", "CThreads"]),
        // Analyses: pure functions of values and parameters (no I/O).
        .target(name: "RenewalAnalysis", dependencies: ["GeoKernel"]),
        // Reading and writing GIS files through GDAL/OGR (simple GeoPackages read with SQLite directly).
        .target(name: "GeoFiles", dependencies: ["GeoKernel", "CGDAL", "CSpatiaLite"]),
        // The SpatiaLite store: layers, catalogue, atomic imports.
        .target(name: "RenewalStore", dependencies: [
            "GeoKernel", "GeoFiles", "CSpatiaLite", "RenewalAnalysis",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The jobs the CLI (and the server) run: store in, analysis, store and files out.
        .target(name: "RenewalRunner", dependencies: [
            "GeoKernel", "GeoFiles", "RenewalStore", "RenewalAnalysis",
            .product(name: "Yams", package: "Yams"),
        ]),
        // OGC API – Features over the store (Hummingbird 2).
        .target(name: "RenewalServer", dependencies: [
            "GeoKernel", "RenewalStore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CompressNIO", package: "compress-nio"),
        ]),
        .executableTarget(name: "renewalgis", dependencies: [
            "GeoKernel", "GeoFiles", "RenewalStore", "RenewalAnalysis", "RenewalRunner", "RenewalServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Helpers shared by the test targets: temporary directories, a seeded generator.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "GeoKernelTests", dependencies: ["GeoKernel", "TestSupport"]),
        .testTarget(name: "RenewalAnalysisTests", dependencies: [
            "RenewalAnalysis", "GeoKernel", "TestSupport", .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "RenewalStoreTests", dependencies: [
            "RenewalStore", "GeoFiles", "GeoKernel", "RenewalRunner", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "CLITests", dependencies: ["renewalgis", "TestSupport"]),
        .testTarget(name: "RenewalServerTests", dependencies: [
            "RenewalServer", "RenewalStore", "GeoFiles", "GeoKernel", "TestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "CompressNIO", package: "compress-nio"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
