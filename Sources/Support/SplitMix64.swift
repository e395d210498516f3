/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny deterministic generator, so a seed gives the
/// same renewal units on every machine and a seeded property test the same cases.
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [0, 1) from the top 53 bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A uniform Double in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * nextUnit() }

    /// Fisher–Yates, drawing from this generator.
    public mutating func shuffle(_ a: inout [Int]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            a.swapAt(i, j)
        }
    }
}
