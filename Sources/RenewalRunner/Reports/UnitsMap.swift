import Foundation
import GeoFiles
import GeoKernel
import RenewalAnalysis
import RenewalStore
import Support

/// An SVG map of the units, coloured by rank of need (darkest = most need), labelled with their rank.
public enum UnitsMap {
    public static func svg(_ run: UnitsRun, width: Double = 900) throws -> String {
        let projector = try Projector(from: .cgcs2000, to: run.metricCRS)
        var shapes: [(Int, [[Position]])] = []
        var box = Envelope.empty
        for (u, g) in run.unitGeometry.enumerated() {
            var m = g
            try projector.transform(&m)
            let rings = PlanarRing.orientedRings(m)
            rings.forEach { $0.forEach { box.expand(toInclude: $0) } }
            shapes.append((u, rings))
        }
        guard !box.isEmpty else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>" }
        let scale = width / max(box.width, 1), height = box.height * scale
        func xy(_ p: Position) -> String { String(format: "%.1f,%.1f", (p.x - box.minX) * scale, (box.maxY - p.y) * scale) }
        let count = max(1, run.delineation.units.count)
        var out = String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n", width, height + 30, width, height + 30)
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        for (u, rings) in shapes {
            let unit = run.delineation.units[u]
            let t = 1 - Double(unit.rank - 1) / Double(count)   // 1 for the most need
            let colour = String(format: "#%02x%02x%02x", 255, Int(235 - 180 * t), Int(200 - 180 * t))
            let path = rings.map { "M" + $0.map(xy).joined(separator: "L") + "Z" }.joined()
            out += "<path d=\"\(path)\" fill=\"\(colour)\" stroke=\"#444\" stroke-width=\"0.8\" fill-rule=\"evenodd\"><title>\(run.unitID(u)) rank \(unit.rank)</title></path>\n"
        }
        for (u, rings) in shapes {
            guard let outer = rings.max(by: { abs(PlanarRing.signedArea($0)) < abs(PlanarRing.signedArea($1)) }) else { continue }
            var e = Envelope.empty
            outer.forEach { e.expand(toInclude: $0) }
            let c = xy(e.center).split(separator: ",")
            out += "<text x=\"\(c[0])\" y=\"\(c[1])\" font-size=\"10\" text-anchor=\"middle\" fill=\"#000\">\(run.delineation.units[u].rank)</text>\n"
        }
        out += String(format: "<text x=\"10\" y=\"%.0f\" font-size=\"12\">Renewal units, darker = more need; labels are ranks (1 = most need).</text>\n", height + 20)
        return out + "</svg>\n"
    }
}
