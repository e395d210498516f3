import Foundation
import Support

/// A fresh temporary directory per test, removed when the value goes away.
public final class TemporaryDirectory {
    public let url: URL
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("renewalgis-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// The seeded generator of property tests (tests print their seed): the tool's own SplitMix64,
/// drawing Doubles.
public struct SeededRandom {
    private var generator: SplitMix64
    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    /// A uniform Double in [0, 1).
    public mutating func next() -> Double { generator.nextUnit() }
    /// A uniform Double in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { generator.uniform(a, b) }
}

/// The repository's root directory (the one holding Package.swift), found from this file's path.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The path of a sample file in GeoData/.
public func sampleDataPath(_ name: String) -> String { repositoryRoot.appendingPathComponent("GeoData/\(name)").path }
