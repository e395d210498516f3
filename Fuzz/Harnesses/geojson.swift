// libFuzzer target: GeoKernel's GeoJSON reader (a FeatureCollection, a Feature or a bare geometry)
// on arbitrary bytes. Any input must give features or an error — never a crash or a hang.
// Each geometry read is written back with GeoJSON.write and read again: the same geometry must come back.
import Foundation
import GeoKernel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGeoJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Data(bytes: data, count: size)
    guard let features = try? GeoJSON.decodeFeatures(input) else { return 0 }
    for f in features {
        guard let g = f.geometry else { continue }
        var text = ""
        GeoJSON.write(g, to: &text)
        let again = try? JSONDecoder().decode(Geometry.self, from: Data(text.utf8))
        if again != g {
            fatalError("GeoJSON round trip changed the geometry: \(g) → \(text) → \(String(describing: again))")
        }
        var feature = ""
        GeoJSON.write(f, to: &feature)
        guard (try? GeoJSON.decodeFeatures(Data(feature.utf8))) != nil else {
            fatalError("GeoJSON could not read back the feature it wrote: \(feature)")
        }
    }
    return 0
}
