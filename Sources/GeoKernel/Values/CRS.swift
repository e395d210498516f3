import Foundation

/// A coordinate reference system the project reads, stores, analyses or writes in.
///
/// Positions are always (x, y) = (longitude, latitude) for geographic CRSs and
/// (easting, northing) for projected ones, whatever axis order the EPSG registry
/// declares; `OGC API` output that must honour EPSG axis order swaps at the edge.
public enum CRS: Hashable, Sendable, CustomStringConvertible {
    /// Any CRS in PROJ's EPSG registry: 4490 (CGCS2000), 4326 (WGS84 / CRS84),
    /// 3857 (web Mercator), 4513–4554 (CGCS2000 3° Gauss-Krüger zones), …
    case epsg(Int)
    /// GCJ-02, the obfuscated lon/lat that Amap and Tencent publish (inside China only).
    case gcj02
    /// BD-09, Baidu's further offset of GCJ-02 (inside China only).
    case bd09

    /// CGCS2000 geographic (lon/lat degrees): the CRS of every layer in the store.
    public static let cgcs2000 = CRS.epsg(4490)
    public static let wgs84 = CRS.epsg(4326)
    public static let webMercator = CRS.epsg(3857)

    /// The identifier users type and the catalogue records: `EPSG:4545`, `GCJ02`, `BD09`.
    public var description: String {
        switch self {
        case .epsg(let code): "EPSG:\(code)"
        case .gcj02: "GCJ02"
        case .bd09: "BD09"
        }
    }

    /// The OGC URI (`http://www.opengis.net/def/crs/EPSG/0/4490`); nil for the Chinese offsets, which have none.
    public var uri: String? {
        guard case .epsg(let code) = self else { return nil }
        return "http://www.opengis.net/def/crs/EPSG/0/\(code)"
    }

    /// True for lon/lat CRSs among the ones the project names itself (4490, 4326, GCJ-02, BD-09).
    /// Other EPSG codes are looked up with `CRSRegistry.isGeographic`.
    public var isKnownGeographic: Bool {
        switch self {
        case .gcj02, .bd09: true
        case .epsg(let c): c == 4490 || c == 4326 || c == 4610 || c == 4214
        }
    }

    /// Parses what a user types: `EPSG:4545`, `4545`, `CRS84`, `OGC:CRS84`, `WGS84`,
    /// `CGCS2000`, an OGC CRS URI, `GCJ02`/`GCJ-02`, `BD09`/`BD-09` (any case).
    /// Does not check that PROJ knows the code: see `CRSRegistry.validate`.
    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        let u = t.uppercased()
        switch u {
        case "GCJ02", "GCJ-02", "GCJ_02": self = .gcj02; return
        case "BD09", "BD-09", "BD_09": self = .bd09; return
        case "CRS84", "OGC:CRS84", "WGS84", "WGS 84", "HTTP://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84": self = .wgs84; return
        case "CGCS2000": self = .cgcs2000; return
        default: break
        }
        var digits = Substring(u)
        if u.hasPrefix("EPSG:") { digits = digits.dropFirst(5) }
        else if u.hasPrefix("HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/"), let last = u.split(separator: "/").last { digits = last }
        else if u.hasPrefix("URN:OGC:DEF:CRS:EPSG:"), let last = u.split(separator: ":").last { digits = last }
        guard let code = Int(digits), code > 0 else {
            throw CRSError.unknown(text, reason: "not an EPSG code, CRS84, GCJ02 or BD09")
        }
        self = .epsg(code)
    }

    /// The CGCS2000 3° Gauss-Krüger zone (EPSG:4534–4554, no zone prefix in the easting)
    /// whose central meridian is nearest to `longitude` (degrees east): the default metric
    /// CRS for analyses. Central Chongqing (106.55°E) gets EPSG:4545 (CM 108°E).
    public static func gaussKrugerZone(forLongitude longitude: Double) -> CRS {
        let zone = Int(((longitude - 75) / 3).rounded())
        return .epsg(4534 + min(max(zone, 0), 20))
    }

    /// True for the EPSG codes of the CGCS2000 3° Gauss-Krüger zones (4513–4554).
    public var isGaussKruger: Bool {
        if case .epsg(let c) = self { return (4513...4554).contains(c) }
        return false
    }
}

/// Why a CRS could not be used.
public enum CRSError: Error, CustomStringConvertible, Sendable, Equatable {
    case unknown(String, reason: String)
    case transformFailed(from: CRS, to: CRS, reason: String)
    case pointFailed(Position, from: CRS, to: CRS)

    public var description: String {
        switch self {
        case .unknown(let text, let reason): "unknown CRS \"\(text)\": \(reason)"
        case .transformFailed(let a, let b, let reason): "cannot transform from \(a) to \(b): \(reason)"
        case .pointFailed(let p, let a, let b): "position (\(p.x), \(p.y)) cannot be transformed from \(a) to \(b)"
        }
    }
}
