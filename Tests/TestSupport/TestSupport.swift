import Foundation

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

/// SplitMix64: a tiny deterministic generator for seeded property tests (tests print their seed).
public struct SeededRandom {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    /// A uniform Double in [0, 1).
    public mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
    /// A uniform Double in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * next() }
}

/// The repository's root directory (the one holding Package.swift), found from this file's path.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The path of a sample file in GeoData/.
public func sampleDataPath(_ name: String) -> String { repositoryRoot.appendingPathComponent("GeoData/\(name)").path }
