// libFuzzer target: the GeoPackage geometry-blob reader of GeoFiles (header, envelope, then WKB) and
// the store's own SpatiaLite blob reader (RenewalStore), on arbitrary bytes. Any input must give a
// geometry or an error (nil for SpatiaLite) — never a crash. A SpatiaLite blob read is written back
// and read again: the same geometry must come back.
import GeoKernel
@testable import GeoFiles
@testable import RenewalStore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGeoPackageBlob(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = try? GeoPackageFile.geometry(blob: bytes)
    if let g = SpatiaLiteBlob.decode(bytes), let envelope = g.envelope {
        let again = SpatiaLiteBlob.encode(g, srid: 4490, envelope: envelope).withUnsafeBytes { SpatiaLiteBlob.decode($0) }
        if again != g, !"\(g)".contains("nan") {
            fatalError("SpatiaLite blob round trip changed the geometry: \(g) → \(String(describing: again))")
        }
    }
    return 0
}
