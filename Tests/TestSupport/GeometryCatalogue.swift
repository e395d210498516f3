import GeoKernel

/// Canonical test geometries shared by the kernel and the analysis tests, in metres around a
/// Gauss-Krüger-like origin: the shapes real data brings that synthetic grids do not. Each entry says
/// whether GEOS finds it valid, so a test can hold every function to the same list.
public enum GeometryCatalogue {
    public struct Entry: Sendable, CustomStringConvertible {
        public let name: String
        public let geometry: Geometry
        /// GEOS's verdict (OGC validity).
        public let valid: Bool
        public var description: String { name }
    }

    static let x0 = 500_000.0, y0 = 3_300_000.0

    static func ring(_ points: [(Double, Double)]) -> [Position] {
        let r = points.map { Position(x0 + $0.0, y0 + $0.1) }
        return r + [r[0]]
    }

    static let square = ring([(0, 0), (100, 0), (100, 100), (0, 100)])

    public static let all: [Entry] = [
        Entry(name: "empty polygon", geometry: .polygon([]), valid: true),
        Entry(name: "square", geometry: .polygon([square]), valid: true),
        Entry(name: "square with a hole", geometry: .polygon([square, ring([(40, 40), (40, 60), (60, 60), (60, 40)])]), valid: true),
        Entry(name: "two parts apart", geometry: .multiPolygon([[square], [ring([(300, 0), (400, 0), (400, 100), (300, 100)])]]), valid: true),
        Entry(name: "two parts touching at a corner", geometry: .multiPolygon([[square], [ring([(100, 100), (200, 100), (200, 200), (100, 200)])]]), valid: true),
        Entry(name: "long two-vertex edges (a 1 km × 20 m strip)", geometry: .polygon([ring([(0, 0), (1_000, 0), (1_000, 20), (0, 20)])]), valid: true),
        Entry(name: "concave L", geometry: .polygon([ring([(0, 0), (100, 0), (100, 30), (30, 30), (30, 100), (0, 100)])]), valid: true),
        Entry(name: "bow-tie", geometry: .polygon([ring([(0, 0), (100, 100), (100, 0), (0, 100)])]), valid: false),
        Entry(name: "pinched ring", geometry: .polygon([ring([(0, 0), (100, 0), (50, 50), (100, 100), (0, 100), (50, 50)])]), valid: false),
        Entry(name: "two parts sharing an edge", geometry: .multiPolygon([[square], [ring([(100, 0), (200, 0), (200, 100), (100, 100)])]]), valid: false),
        Entry(name: "spike folding back", geometry: .polygon([ring([(0, 0), (100, 0), (150, 0), (100, 0), (100, 100), (0, 100)])]), valid: false),
    ]
}
