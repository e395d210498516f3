// libFuzzer target: the CSV reader of GeoFiles as `import x.csv` uses it — GDAL's CSV driver with
// the project's open options, the geometry-column detection (WKT or lon/lat), the Swift type
// inference (leading zeros stay text) and every feature read — on arbitrary file contents.
// Any input must give features or a FileError — never a crash.
import Foundation
import GeoKernel
@testable import GeoFiles

/// The input file, in memory-backed /dev/shm when there is one (a plain write, no fsync).
private let path: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let dir = "\(base)/renewalgis-fuzz-csv-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir + "/input.csv"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let file = fopen(path, "wb"), fwrite(data, 1, size, file) == size, fclose(file) == 0 else {
        fatalError("cannot write \(path)")
    }
    guard let source = try? VectorSource(path: path), let layers = try? source.layers() else { return 0 }
    for layer in layers {
        var count = 0
        try? layer.forEachFeature { feature in
            precondition(feature.values.count == layer.fields.count, "values not aligned with fields")
            count += 1
        }
        _ = count
    }
    return 0
}
