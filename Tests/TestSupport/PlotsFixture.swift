/// Twelve plots on a 4 × 3 grid (0.001° apart, 0.0008° wide, from 106.57, 29.55), plot i (1…12)
/// row by row from the south-west, with text, real, integer, code and date attributes, NULLs among
/// them: name as listed in `names`; area 100.5·i; floors i−1 mod 5 except NULL for i = 4, 8, 12;
/// use 0701/0702/0801 in turn; approved 2024-(i)-15 except NULL for i = 1, 5, 9. Shared by the filter
/// tests of the server and the storage contract, so both hold backends to the same data.
public enum PlotsFixture {
    public static let names = ["北街1号", "O'Brien", "Park_1", "park 2", "地块%5", "Lot*6", "北街7号", "Lot[8]", "Plaza 9", "北街10号", "Lot 11", "Lot 12"]

    /// The plots as a GeoJSON FeatureCollection (EPSG:4326/4490 lon/lat).
    public static func geoJSON() -> String {
        var features: [String] = []
        for i in 0..<12 {
            let x = 106.57 + Double(i % 4) * 0.001, y = 29.55 + Double(i / 4) * 0.001
            let ring = [(x, y), (x + 0.0008, y), (x + 0.0008, y + 0.0008), (x, y + 0.0008), (x, y)].map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
            let floors = i % 4 == 3 ? "null" : "\(i % 5)"
            let approved = i % 4 == 0 ? "null" : "\"2024-\(i + 1 < 10 ? "0" : "")\(i + 1)-15\""
            let name = names[i].replacingOccurrences(of: "\"", with: "\\\"")
            features.append("{\"type\":\"Feature\",\"properties\":{\"parcel_id\":\"P\(i + 1)\",\"name\":\"\(name)\",\"area\":\(Double(i + 1) * 100.5),"
                + "\"floors\":\(floors),\"use\":\"\(["0701", "0702", "0801"][i % 3])\",\"approved\":\(approved)},"
                + "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[\(ring)]]}}")
        }
        return "{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}"
    }
}
