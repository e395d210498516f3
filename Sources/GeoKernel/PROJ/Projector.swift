import CPROJ
import Foundation
import Synchronization

/// Transforms positions between two `CRS`s, in (lon, lat) / (easting, northing) order.
///
/// EPSG-to-EPSG steps go through PROJ (`proj_create_crs_to_crs`, normalised for
/// visualisation so geographic CRSs are lon/lat). GCJ-02 and BD-09 are not in PROJ:
/// they are converted to or from CGCS2000 lon/lat by `ChinaOffsets` around the PROJ step.
///
/// A `Projector` owns its PROJ context and transformation: PROJ objects are single-thread,
/// so a projector is not `Sendable`; make one per task.
public final class Projector {
    public let source: CRS
    public let target: CRS
    /// Positions in GCJ-02 / BD-09 seen outside China's rectangle (no offset applied there).
    public private(set) var positionsOutsideChina = 0

    private let context: OpaquePointer?
    private let transformation: OpaquePointer?

    /// Throws `CRSError.unknown` when PROJ does not know either EPSG code, and
    /// `CRSError.transformFailed` when PROJ finds no operation between them.
    public init(from source: CRS, to target: CRS) throws {
        self.source = source
        self.target = target
        let pivotSource = source.pivot, pivotTarget = target.pivot
        guard pivotSource != pivotTarget else {
            context = nil; transformation = nil
            return
        }
        // proj_context_create returns NULL only when out of memory.
        guard let ctx = proj_context_create() else {
            throw CRSError.transformFailed(from: source, to: target, reason: "PROJ could not create a context")
        }
        proj_log_level(ctx, PJ_LOG_NONE)
        try CRSRegistry.check(pivotSource, in: ctx)
        try CRSRegistry.check(pivotTarget, in: ctx)
        // proj_create_crs_to_crs returns NULL on failure, the reason in the context's errno.
        guard let raw = proj_create_crs_to_crs(ctx, pivotSource.description, pivotTarget.description, nil) else {
            let reason = CRSRegistry.lastError(ctx)
            proj_context_destroy(ctx)
            throw CRSError.transformFailed(from: source, to: target, reason: reason)
        }
        // proj_normalize_for_visualization returns a new object (NULL on failure); the input stays ours to destroy.
        let normalised = proj_normalize_for_visualization(ctx, raw)
        proj_destroy(raw)
        guard let pj = normalised else {
            let reason = CRSRegistry.lastError(ctx)
            proj_context_destroy(ctx)
            throw CRSError.transformFailed(from: source, to: target, reason: reason)
        }
        context = ctx
        transformation = pj
    }

    deinit {
        if let transformation { proj_destroy(transformation) }
        if let context { proj_context_destroy(context) }
    }

    /// Transforms a run of positions in place. Throws `CRSError.pointFailed` naming the
    /// first position PROJ could not transform (e.g. outside the CRS's domain).
    public func transform(_ positions: inout [Position]) throws {
        guard !positions.isEmpty else { return }
        switch source {
        case .gcj02: for i in positions.indices { positions[i] = fromOffset(positions[i], bd09: false) }
        case .bd09: for i in positions.indices { positions[i] = fromOffset(positions[i], bd09: true) }
        case .epsg: break
        }
        if let transformation {
            let original = positions
            let count = positions.count
            let stride = MemoryLayout<Position>.stride
            positions.withUnsafeMutableBytes { raw in
                let x = raw.baseAddress!.assumingMemoryBound(to: Double.self)
                let y = (raw.baseAddress! + MemoryLayout<Double>.stride).assumingMemoryBound(to: Double.self)
                // proj_trans_generic returns how many positions it transformed; failed ones become HUGE_VAL.
                _ = proj_trans_generic(transformation, PJ_FWD, x, stride, count, y, stride, count,
                                       nil, 0, 0, nil, 0, 0)
            }
            let huge = rg_proj_huge_val()
            if let bad = positions.firstIndex(where: { $0.x == huge || $0.y == huge || !$0.x.isFinite || !$0.y.isFinite }) {
                throw CRSError.pointFailed(original[bad], from: source, to: target)
            }
        }
        switch target {
        case .gcj02: for i in positions.indices { positions[i] = toOffset(positions[i], bd09: false) }
        case .bd09: for i in positions.indices { positions[i] = toOffset(positions[i], bd09: true) }
        case .epsg: break
        }
    }

    /// Transforms every position of `geometry` in place.
    public func transform(_ geometry: inout Geometry) throws {
        guard !isIdentity else { return }
        try geometry.transformPositions { try transform(&$0) }
    }

    /// Transforms one position.
    public func transform(_ p: Position) throws -> Position {
        var run = [p]
        try transform(&run)
        return run[0]
    }

    /// True when source and target are the same CRS (nothing to do).
    public var isIdentity: Bool { source == target }

    private func fromOffset(_ p: Position, bd09: Bool) -> Position {
        guard ChinaOffsets.applies(at: p) else { positionsOutsideChina += 1; return p }
        let gcj = bd09 ? ChinaOffsets.bd09ToGCJ02(p) : p
        return ChinaOffsets.gcj02ToWGS84(gcj)
    }

    private func toOffset(_ p: Position, bd09: Bool) -> Position {
        guard ChinaOffsets.applies(at: p) else { positionsOutsideChina += 1; return p }
        let gcj = ChinaOffsets.wgs84ToGCJ02(p)
        return bd09 ? ChinaOffsets.gcj02ToBD09(gcj) : gcj
    }
}

/// Projectors between one pair of CRSs for worker threads: a task borrows one and gives it back,
/// so PROJ's set-up (milliseconds of database look-ups) is paid once per thread, not once per task.
public final class ProjectorPool: Sendable {
    public let source: CRS
    public let target: CRS
    /// Projectors no thread is using. A projector is used by one thread at a time (docs/concurrency.md):
    /// it leaves the list while borrowed.
    private let idle: Mutex<[Idle]>

    /// A projector handed between threads whole: only the thread that borrowed it uses it.
    private struct Idle: @unchecked Sendable { let projector: Projector }

    /// Creates the first projector at once, so an unknown CRS fails here rather than in a worker.
    public init(from source: CRS, to target: CRS) throws {
        self.source = source
        self.target = target
        idle = Mutex([Idle(projector: try Projector(from: source, to: target))])
    }

    /// Runs `body` with a projector no other thread uses meanwhile.
    public func borrow<T>(_ body: (Projector) throws -> T) throws -> T {
        let projector = try idle.withLock { $0.popLast() }?.projector ?? Projector(from: source, to: target)
        defer { idle.withLock { $0.append(Idle(projector: projector)) } }
        return try body(projector)
    }
}

extension CRS {
    /// The EPSG CRS PROJ sees: GCJ-02 and BD-09 are offsets of CGCS2000 lon/lat.
    var pivot: CRS {
        switch self {
        case .epsg: self
        case .gcj02, .bd09: .cgcs2000
        }
    }
}

/// What PROJ's database says about a CRS.
public struct CRSInfo: Sendable, Hashable {
    public var crs: CRS
    /// PROJ's name for it, e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 108E".
    public var name: String
    /// True for lon/lat CRSs (degrees), false for projected ones.
    public var isGeographic: Bool
    /// True when the EPSG definition puts northing (or latitude) first: EPSG:4326 and 4490 are lat/lon,
    /// the CGCS2000 Gauss-Krüger zones northing/easting. Positions here are always x/y; OGC API
    /// output for an explicitly requested EPSG code swaps them when this is true.
    public var northingFirst: Bool = false
    /// Metres per unit of the first axis (1 for metres, 0.3048 for feet); for geographic CRSs
    /// the radians per degree. Nil when PROJ gives no coordinate system (e.g. a compound CRS).
    public var unitToSI: Double? = nil
}

/// Look-ups in PROJ's EPSG registry (proj.db).
public enum CRSRegistry {
    /// What PROJ said about each CRS asked for, so that a server answering `crs=` and `bbox-crs=` on
    /// every request opens proj.db once per CRS, not once per request. Bounded: a request can name any
    /// EPSG code, and the registry does not change while the process runs.
    private static let known = Mutex<[CRS: CRSInfo]>([:])
    private static let knownLimit = 512

    /// Checks that PROJ knows `crs` and returns its name and kind (remembered after the first look-up).
    /// Throws `CRSError.unknown` otherwise.
    public static func info(_ crs: CRS) throws -> CRSInfo {
        if let info = known.withLock({ $0[crs] }) { return info }
        let info = try lookUp(crs)
        known.withLock { known in
            if known.count >= knownLimit { known.removeAll() }
            known[crs] = info
        }
        return info
    }

    private static func lookUp(_ crs: CRS) throws -> CRSInfo {
        switch crs {
        case .gcj02: return CRSInfo(crs: crs, name: "GCJ-02 (offset CGCS2000 lon/lat, China only)", isGeographic: true)
        case .bd09: return CRSInfo(crs: crs, name: "BD-09 (offset GCJ-02 lon/lat, China only)", isGeographic: true)
        case .epsg: break
        }
        guard let ctx = proj_context_create() else {
            throw CRSError.unknown(crs.description, reason: "PROJ could not create a context")
        }
        defer { proj_context_destroy(ctx) }
        proj_log_level(ctx, PJ_LOG_NONE)
        let pj = try create(crs, in: ctx)
        defer { proj_destroy(pj) }
        // proj_get_name returns NULL for unnamed objects.
        let name = proj_get_name(pj).map { String(cString: $0) } ?? crs.description
        let type = proj_get_type(pj)
        let geographic = type == PJ_TYPE_GEOGRAPHIC_2D_CRS || type == PJ_TYPE_GEOGRAPHIC_3D_CRS
        let isCRS = geographic || type == PJ_TYPE_PROJECTED_CRS || type == PJ_TYPE_COMPOUND_CRS
            || type == PJ_TYPE_GEOCENTRIC_CRS || type == PJ_TYPE_BOUND_CRS || type == PJ_TYPE_OTHER_CRS
        guard isCRS else { throw CRSError.unknown(crs.description, reason: "EPSG code names \"\(name)\", which is not a CRS") }
        var northFirst = false
        var unit: Double? = nil
        // proj_crs_get_coordinate_system returns a new object (NULL for CRSs without one, e.g. compound).
        if let cs = proj_crs_get_coordinate_system(ctx, pj) {
            defer { proj_destroy(cs) }
            var direction: UnsafePointer<CChar>? = nil
            var factor = 0.0
            // proj_cs_get_axis_info returns 1 on success; the strings belong to the object.
            if proj_cs_get_axis_info(ctx, cs, 0, nil, nil, &direction, &factor, nil, nil, nil) == 1 {
                if let direction { northFirst = String(cString: direction).lowercased() == "north" }
                if factor > 0 { unit = factor }
            }
        }
        return CRSInfo(crs: crs, name: name, isGeographic: geographic, northingFirst: northFirst, unitToSI: unit)
    }

    static func check(_ crs: CRS, in ctx: OpaquePointer) throws {
        proj_destroy(try create(crs, in: ctx))
    }

    private static func create(_ crs: CRS, in ctx: OpaquePointer) throws -> OpaquePointer {
        // proj_create returns NULL when the definition is unknown (or proj.db is missing).
        guard let pj = proj_create(ctx, crs.pivot.description) else {
            throw CRSError.unknown(crs.description, reason: "PROJ does not know it (\(lastError(ctx)))")
        }
        return pj
    }

    static func lastError(_ ctx: OpaquePointer) -> String {
        let code = proj_context_errno(ctx)
        // proj_context_errno_string may return NULL.
        return proj_context_errno_string(ctx, code).map { String(cString: $0) } ?? "PROJ error \(code)"
    }
}
