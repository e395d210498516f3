import Foundation

/// GCJ-02 and BD-09, the offsets Chinese web maps apply to WGS84 / CGCS2000 lon/lat.
///
/// The forward formulas are the published ones (a Krasovsky-ellipsoid polynomial plus
/// sine terms for GCJ-02; a rotation and scale about the GCJ-02 origin for BD-09). Their
/// inverses have no closed form, so `gcj02ToWGS84` and `bd09ToGCJ02` solve them by fixed-
/// point iteration until the forward image is within 1e-10° (≈ 0.01 mm) of the input.
/// CGCS2000 and WGS84 lon/lat agree to well under a metre, so the same code serves both.
/// Outside mainland China's rectangle the offsets do not apply and positions pass through.
public enum ChinaOffsets {
    /// True where the offsets apply: the rectangle 72.004–137.8347°E, 0.8293–55.8271°N
    /// that the public implementations use.
    public static func applies(at p: Position) -> Bool {
        p.x >= 72.004 && p.x <= 137.8347 && p.y >= 0.8293 && p.y <= 55.8271
    }

    private static let a = 6_378_245.0                // Krasovsky 1940 semi-major axis, metres
    private static let ee = 0.006_693_421_622_965_943 // its first eccentricity squared

    private static func latitudeShift(_ x: Double, _ y: Double) -> Double {
        var s = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs(x).squareRoot()
        s += (20 * sin(6 * x * .pi) + 20 * sin(2 * x * .pi)) * 2 / 3
        s += (20 * sin(y * .pi) + 40 * sin(y / 3 * .pi)) * 2 / 3
        s += (160 * sin(y / 12 * .pi) + 320 * sin(y * .pi / 30)) * 2 / 3
        return s
    }

    private static func longitudeShift(_ x: Double, _ y: Double) -> Double {
        var s = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs(x).squareRoot()
        s += (20 * sin(6 * x * .pi) + 20 * sin(2 * x * .pi)) * 2 / 3
        s += (20 * sin(x * .pi) + 40 * sin(x / 3 * .pi)) * 2 / 3
        s += (150 * sin(x / 12 * .pi) + 300 * sin(x / 30 * .pi)) * 2 / 3
        return s
    }

    /// WGS84 / CGCS2000 lon/lat → GCJ-02 lon/lat (degrees). Identity outside China.
    public static func wgs84ToGCJ02(_ p: Position) -> Position {
        guard applies(at: p) else { return p }
        let dx = p.x - 105, dy = p.y - 35
        let phi = p.y / 180 * .pi
        let w = 1 - ee * sin(phi) * sin(phi)
        let sw = w.squareRoot()
        let dLat = latitudeShift(dx, dy) * 180 / ((a * (1 - ee)) / (w * sw) * .pi)
        let dLon = longitudeShift(dx, dy) * 180 / (a / sw * cos(phi) * .pi)
        return Position(p.x + dLon, p.y + dLat)
    }

    /// GCJ-02 → BD-09 lon/lat (degrees). Identity outside China.
    public static func gcj02ToBD09(_ p: Position) -> Position {
        guard applies(at: p) else { return p }
        let k = Double.pi * 3000 / 180
        let r = (p.x * p.x + p.y * p.y).squareRoot() + 0.000_02 * sin(p.y * k)
        let t = atan2(p.y, p.x) + 0.000_003 * cos(p.x * k)
        return Position(r * cos(t) + 0.0065, r * sin(t) + 0.006)
    }

    /// GCJ-02 → WGS84 / CGCS2000 by iterating the forward formula (residual < 1e-10°).
    public static func gcj02ToWGS84(_ p: Position) -> Position {
        guard applies(at: p) else { return p }
        return invert(p, forward: wgs84ToGCJ02)
    }

    /// BD-09 → GCJ-02 by iterating the forward formula (residual < 1e-10°).
    public static func bd09ToGCJ02(_ p: Position) -> Position {
        guard applies(at: p) else { return p }
        return invert(p, forward: gcj02ToBD09)
    }

    /// Solves forward(x) = target: the offset is smooth and small, so x ← x − (forward(x) − target)
    /// converges in a handful of steps.
    private static func invert(_ target: Position, forward: (Position) -> Position) -> Position {
        var x = target
        for _ in 0..<30 {
            let f = forward(x)
            let ex = f.x - target.x, ey = f.y - target.y
            x = Position(x.x - ex, x.y - ey)
            if abs(ex) < 1e-10 && abs(ey) < 1e-10 { break }
        }
        return x
    }
}
