// libFuzzer target: GeoKernel's WKB reader (ISO and EWKB, either byte order) on arbitrary bytes.
// Any input must give a geometry or a WKBError — never a crash, a hang or an overflow.
// A geometry read is written back and read again: the round trip must give the same geometry.
import GeoKernel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWKB(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let g = try? WKB.decode(bytes) else { return 0 }
    let again = try? WKB.decode(WKB.encode(g))
    if again != g, !g.hasNaN {
        fatalError("WKB round trip changed the geometry: \(g) → \(String(describing: again))")
    }
    return 0
}

extension Geometry {
    /// NaN ordinates compare unequal to themselves: such geometries are not compared.
    var hasNaN: Bool {
        switch self {
        case .point(let p): p.x.isNaN || p.y.isNaN
        case .lineString(let ps), .multiPoint(let ps): ps.contains { $0.x.isNaN || $0.y.isNaN }
        case .polygon(let rs), .multiLineString(let rs): rs.contains { $0.contains { $0.x.isNaN || $0.y.isNaN } }
        case .multiPolygon(let ps): ps.contains { $0.contains { $0.contains { $0.x.isNaN || $0.y.isNaN } } }
        case .geometryCollection(let gs): gs.contains(where: \.hasNaN)
        }
    }
}
