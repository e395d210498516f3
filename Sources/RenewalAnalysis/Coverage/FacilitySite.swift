import Foundation
import GeoKernel

extension Facility {
    /// A facility placed by its site geometry in the metric CRS (metres): a point where it stands, a
    /// multipoint at its first point, any other shape at the centre of its envelope. A polygonal site
    /// brings its area (m², GEOS) as the site area when `areaM2` gives none. Nil for a site with no
    /// position (an empty geometry).
    public init?(id: String, category: String, site: Geometry, areaM2: Double? = nil) throws {
        var area = areaM2
        let location: Position
        switch site {
        case .point(let p): location = p
        case .multiPoint(let points) where !points.isEmpty: location = points[0]
        default:
            guard let envelope = site.envelope else { return nil }
            location = envelope.center
            if site.kind.dimension == 2, area == nil { area = try GEOSContext().make(site).area() }
        }
        self.init(id: id, category: category, location: location, areaM2: area)
    }
}
