import Synchronization

/// The process's projectors, one `ProjectorPool` per pair of CRSs, made on first use and kept:
/// code that transforms a few geometries per call (a web request, a filter literal) pays PROJ's
/// set-up (milliseconds of `proj.db` look-ups) once per pair and thread, not once per call.
///
/// Thread-safe. A PROJ object must not be used by two threads at once (see `Projector`): every
/// call borrows a projector from the pair's pool, which no other thread uses until it is given
/// back, and a call that finds the pool's projectors all lent makes another. So a pool holds as
/// many projectors as calls for its pair have ever run at the same time.
///
/// A borrowed projector's `positionsOutsideChina` counts for every call that has borrowed it:
/// code that reports that count makes a `Projector` of its own.
public final class ProjectorPools: Sendable {
    /// The pools every caller shares.
    public static let shared = ProjectorPools()

    /// The most pairs kept. Past it a pair's projectors are made for the call and dropped after it
    /// (the answers stay the same; only the set-up is paid again), so a stream of ever-new CRSs
    /// cannot grow the process without bound.
    public let capacity: Int

    private struct Pair: Hashable {
        var source: CRS, target: CRS
    }

    private let pools = Mutex<[Pair: ProjectorPool]>([:])

    public init(capacity: Int = 256) {
        self.capacity = capacity
    }

    /// Runs `body` with a projector from `source` to `target` that no other thread uses meanwhile.
    /// Throws `CRSError` when PROJ does not know either CRS or finds no operation between them
    /// (such a pair is not kept: the next call tries again), and whatever `body` throws.
    public func borrow<T>(from source: CRS, to target: CRS, _ body: (Projector) throws -> T) throws -> T {
        try pool(from: source, to: target).borrow(body)
    }

    /// How many pairs are kept now.
    public var count: Int { pools.withLock { $0.count } }

    private func pool(from source: CRS, to target: CRS) throws -> ProjectorPool {
        let pair = Pair(source: source, target: target)
        if let kept = pools.withLock({ $0[pair] }) { return kept }
        // Made outside the lock, so a slow first use of one pair holds up no other pair; when two
        // threads race on a new pair, the first one kept wins and the other's pool is dropped.
        let made = try ProjectorPool(from: source, to: target)
        return pools.withLock { pools in
            if let raced = pools[pair] { return raced }
            if pools.count < capacity { pools[pair] = made }
            return made
        }
    }
}

extension Envelope {
    /// The envelope, in `target`, of this box of `source`: its four edges are sampled at
    /// `stepsPerEdge + 1` positions each (`edgeSamples`), transformed through the shared
    /// `ProjectorPools`, and enveloped, so the result covers the box's curved image.
    /// Positions as everywhere here: (east, north), whatever the CRS's EPSG axis order.
    /// Throws `CRSError` when the CRSs are unknown or a sample cannot be transformed
    /// (e.g. outside the target CRS's domain).
    public func transformed(from source: CRS, to target: CRS, densifiedEdges stepsPerEdge: Int = Envelope.defaultStepsPerEdge) throws -> Envelope {
        var samples = edgeSamples(stepsPerEdge: stepsPerEdge)
        try ProjectorPools.shared.borrow(from: source, to: target) { try $0.transform(&samples) }
        var envelope = Envelope.empty
        samples.forEach { envelope.expand(toInclude: $0) }
        return envelope
    }
}

extension Geometry {
    /// The geometry with every position transformed from `source` to `target` through the shared
    /// `ProjectorPools`; itself when the two are the same CRS. Positions are (east, north) on both
    /// sides: swap them with `swappingAxes()` for a CRS that writes northing first. Throws `CRSError`
    /// when the CRSs are unknown or a position cannot be transformed.
    public func transformed(from source: CRS, to target: CRS) throws -> Geometry {
        var g = self
        try ProjectorPools.shared.borrow(from: source, to: target) { try $0.transform(&g) }
        return g
    }
}
