import Foundation

/// The projected CRS an analysis measures in (metres), and why it was chosen: the line every
/// analysis prints.
///
/// Unless the user names one, the choice follows the data's extent (EPSG:4490 lon/lat):
/// - centre inside China's rectangle (73.5–136.5°E, 0.83–55.83°N): the CGCS2000 3° Gauss-Krüger
///   zone (EPSG:4534–4554, central meridians 75°E…135°E, no zone number in the easting) whose
///   central meridian is nearest the centre. Countries inside that rectangle (Korea, Mongolia,
///   northern Vietnam…) get the zone too; it measures there as well as in China.
/// - elsewhere: the WGS84 UTM zone of the centre, EPSG:32601–32660 north of the equator,
///   32701–32760 south of it (the standard 6° zones; the Norway and Svalbard exceptions are not
///   applied, which only moves a few areas to the neighbouring zone's central meridian).
///
/// Data more than `maximumSpan` degrees of longitude wide is refused: no transverse Mercator
/// zone measures it well. With at most 6° of longitude, every position lies within 3° + half a
/// zone of the central meridian (4.5° for the 3° zones, 6° for UTM) and the point scale error
/// stays under 1 + (Δλ·cos φ)²/2 − 1: ≤ 0.31 % of distances (0.62 % of areas) for a Gauss-Krüger
/// zone at the equator, ≤ 0.51 % (1.0 %) for UTM in the worst case of a centre on a zone's edge
/// at the equator (cos φ shrinks it away from the equator: at Helsinki's 60°N a quarter of that).
/// City-sized data sees only the zone's own error: at most 0.04 % for a 3° zone (1.5° from its
/// central meridian) and 0.1 % for UTM (scale 0.9996 on the central meridian, 1.001 at a zone's
/// edge on the equator). UTM is defined from 80°S to 84°N; data whose centre lies beyond is
/// refused as well. In both cases an explicit CRS lifts the refusal.
public struct MetricCRSChoice: Sendable, Equatable, CustomStringConvertible {
    public var crs: CRS
    /// PROJ's name of the CRS, e.g. "WGS 84 / UTM zone 35N".
    public var name: String
    /// Why it was chosen, e.g. "the data (24.90–24.99°E, 60.15–60.19°N) lies outside China: the UTM zone of its centre".
    public var reason: String

    /// Widest extent in degrees of longitude that one zone is chosen for.
    public static let maximumSpan = 6.0

    /// "metric CRS EPSG:32635 (WGS 84 / UTM zone 35N): <reason>" — one line.
    public var description: String { "metric CRS \(crs) (\(name)): \(reason)" }

    public init(crs: CRS, name: String, reason: String) {
        self.crs = crs; self.name = name; self.reason = reason
    }

    /// The CRS the user named (`source` says where: "--metric-crs", "the store's metric_crs setting").
    /// Throws `MetricCRSError.notMetric` unless it is a projected CRS in metres.
    public static func explicit(_ crs: CRS, source: String) throws -> MetricCRSChoice {
        let info = try CRSRegistry.info(crs)
        if info.isGeographic {
            throw MetricCRSError.notMetric(crs: crs, source: source, reason: "\(info.name) is a lon/lat CRS (degrees), not a projected one in metres")
        }
        guard let unit = info.unitToSI, abs(unit - 1) < 1e-9 else {
            let what = info.unitToSI.map { String(format: "units of %.6g m", $0) } ?? "no known unit"
            throw MetricCRSError.notMetric(crs: crs, source: source, reason: "\(info.name) has \(what), not metres")
        }
        return MetricCRSChoice(crs: crs, name: info.name, reason: "named by \(source)")
    }

    /// The zone for data within `extent` (EPSG:4490 lon/lat); see the type's documentation.
    /// Throws `MetricCRSError.tooWide` or `.outsideUTM`.
    public static func automatic(for extent: Envelope) throws -> MetricCRSChoice {
        let span = extent.width
        guard span <= maximumSpan else { throw MetricCRSError.tooWide(extent: extent) }
        let c = extent.center
        let box = describe(extent)
        let crs: CRS, why: String
        if isInChina(c) {
            crs = CRS.gaussKrugerZone(forLongitude: c.x)
            why = "the data (\(box)) lies in China: the CGCS2000 3° Gauss-Krüger zone whose central meridian is nearest its centre"
        } else {
            guard (-80...84).contains(c.y) else { throw MetricCRSError.outsideUTM(extent: extent) }
            crs = utmZone(longitude: c.x, latitude: c.y)
            why = "the data (\(box)) lies outside China: the UTM zone of its centre"
        }
        let name = (try? CRSRegistry.info(crs).name) ?? crs.description
        return MetricCRSChoice(crs: crs, name: name, reason: why)
    }

    /// True when `p` (lon/lat) lies in the rectangle whose metric CRS is a CGCS2000 3° zone:
    /// 73.5–136.5°E (the reach of the zones with central meridians 75°E…135°E) and
    /// 0.83–55.83°N (China's rectangle, as for GCJ-02).
    public static func isInChina(_ p: Position) -> Bool {
        p.x >= 73.5 && p.x < 136.5 && p.y >= 0.8293 && p.y <= 55.8271
    }

    /// The WGS84 UTM zone containing a position: EPSG:326zz north of the equator, 327zz south of it,
    /// zz = 1 + ⌊(lon + 180) / 6⌋ (zone 1 from 180°W; 180°E itself falls in zone 60).
    public static func utmZone(longitude: Double, latitude: Double) -> CRS {
        let zone = min(max(Int(((longitude + 180) / 6).rounded(.down)) + 1, 1), 60)
        return .epsg((latitude >= 0 ? 32600 : 32700) + zone)
    }

    static func describe(_ e: Envelope) -> String {
        func lon(_ x: Double) -> String { String(format: "%.2f°%@", abs(x), x < 0 ? "W" : "E") }
        func lat(_ y: Double) -> String { String(format: "%.2f°%@", abs(y), y < 0 ? "S" : "N") }
        return "\(lon(e.minX))–\(lon(e.maxX)), \(lat(e.minY))–\(lat(e.maxY))"
    }
}

/// Why no metric CRS could be chosen or the named one cannot be used.
public enum MetricCRSError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The data spans more than `MetricCRSChoice.maximumSpan` degrees of longitude.
    case tooWide(extent: Envelope)
    /// The data's centre lies beyond 80°S or 84°N, where UTM is not defined.
    case outsideUTM(extent: Envelope)
    /// The named CRS is not projected in metres.
    case notMetric(crs: CRS, source: String, reason: String)

    public var description: String {
        switch self {
        case .tooWide(let e):
            String(format: "the data spans %.2f° of longitude (%@), more than the %.0f° one projection zone measures well; name a metric CRS that fits it",
                   e.width, MetricCRSChoice.describe(e), MetricCRSChoice.maximumSpan)
        case .outsideUTM(let e):
            "the data (\(MetricCRSChoice.describe(e))) lies beyond 80°S–84°N, outside the UTM zones; name a metric CRS that fits it (e.g. a polar stereographic one)"
        case .notMetric(let crs, let source, let reason):
            "\(source) \(crs) cannot be the metric CRS: \(reason)"
        }
    }
}
