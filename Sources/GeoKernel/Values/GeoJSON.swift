import Foundation

/// Why a GeoJSON text could not be read.
public struct GeoJSONError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// RFC 7946 GeoJSON: `Geometry` is `Codable` for reading; `GeoJSON.write…` appends
/// compact text to a buffer without building an intermediate tree (the fast path for
/// streaming collections out of the store).
extension Geometry: Codable {
    enum CodingKeys: String, CodingKey { case type, coordinates, geometries }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        func position(_ a: [Double]) throws -> Position {
            guard a.count >= 2 else { throw GeoJSONError("a GeoJSON position needs at least 2 numbers, got \(a.count)") }
            return Position(a[0], a[1])
        }
        switch type {
        case "Point": self = .point(try position(try c.decode([Double].self, forKey: .coordinates)))
        case "LineString": self = .lineString(try c.decode([[Double]].self, forKey: .coordinates).map(position))
        case "MultiPoint": self = .multiPoint(try c.decode([[Double]].self, forKey: .coordinates).map(position))
        case "Polygon": self = .polygon(try c.decode([[[Double]]].self, forKey: .coordinates).map { try $0.map(position) })
        case "MultiLineString":
            self = .multiLineString(try c.decode([[[Double]]].self, forKey: .coordinates).map { try $0.map(position) })
        case "MultiPolygon":
            self = .multiPolygon(try c.decode([[[[Double]]]].self, forKey: .coordinates).map { try $0.map { try $0.map(position) } })
        case "GeometryCollection": self = .geometryCollection(try c.decode([Geometry].self, forKey: .geometries))
        default: throw GeoJSONError("unknown GeoJSON geometry type \"\(type)\"")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind.geoJSONName, forKey: .type)
        func a(_ p: Position) -> [Double] { [p.x, p.y] }
        switch self {
        case .point(let p): try c.encode(a(p), forKey: .coordinates)
        case .lineString(let ps), .multiPoint(let ps): try c.encode(ps.map(a), forKey: .coordinates)
        case .polygon(let rs), .multiLineString(let rs): try c.encode(rs.map { $0.map(a) }, forKey: .coordinates)
        case .multiPolygon(let ps): try c.encode(ps.map { $0.map { $0.map(a) } }, forKey: .coordinates)
        case .geometryCollection(let gs): try c.encode(gs, forKey: .geometries)
        }
    }
}

extension PropertyValue: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { throw GeoJSONError("a property value must be a string, number, boolean or null") }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        }
    }
}

public enum GeoJSON {
    /// Appends `geometry` as a GeoJSON geometry object.
    public static func write(_ geometry: Geometry, to out: inout String) { appendBytes(to: &out) { write(geometry, to: &$0) } }

    /// Appends a Feature object: `id`, `geometry` (null when absent) and `properties`.
    public static func write(_ feature: Feature, to out: inout String) { appendBytes(to: &out) { write(feature, to: &$0) } }

    public static func write(_ value: PropertyValue, to out: inout String) { appendBytes(to: &out) { write(value, to: &$0) } }

    /// A JSON string literal, escaping only what JSON requires (Chinese text stays as is).
    public static func writeString(_ s: String, to out: inout String) { appendBytes(to: &out) { writeString(s, to: &$0) } }

    /// The String forms: the byte writer's output appended as text.
    private static func appendBytes(to out: inout String, _ write: (inout [UInt8]) -> Void) {
        var bytes: [UInt8] = []
        write(&bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    // The writers proper append UTF-8 bytes: serving and exporting write many small pieces, which
    // cost far less as bytes than as String appends.

    @inline(__always) static func put(_ text: StaticString, _ out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// Shortest text that reads back to the same Double, always with a fraction or an exponent
    /// (`0.0`, `1.0`, `1e-300`, `1e+16`), so clients that type a column from its values (QGIS, GDAL)
    /// see a real number, never an integer. Negative zero is written `0.0`. Finite values only.
    @inline(__always) static func put(number d: Double, _ out: inout [UInt8]) {
        if d == 0 { put("0.0", &out); return }
        // Swift's description is the shortest round-tripping form and always holds "." or "e".
        out.append(contentsOf: d.description.utf8)
    }

    /// Appends `geometry` as a GeoJSON geometry object (UTF-8).
    public static func write(_ geometry: Geometry, to out: inout [UInt8]) {
        put("{\"type\":\"", &out)
        out.append(contentsOf: geometry.kind.geoJSONName.utf8)
        put("\",", &out)
        if case .geometryCollection(let gs) = geometry {
            put("\"geometries\":[", &out)
            for (i, g) in gs.enumerated() { if i > 0 { out.append(44) }; write(g, to: &out) }
            put("]}", &out)
            return
        }
        put("\"coordinates\":", &out)
        func pos(_ p: Position) { out.append(91); put(number: p.x, &out); out.append(44); put(number: p.y, &out); out.append(93) }
        func run(_ ps: [Position]) {
            out.append(91)
            for (i, p) in ps.enumerated() { if i > 0 { out.append(44) }; pos(p) }
            out.append(93)
        }
        func runs(_ rs: [[Position]]) {
            out.append(91)
            for (i, r) in rs.enumerated() { if i > 0 { out.append(44) }; run(r) }
            out.append(93)
        }
        switch geometry {
        case .point(let p): pos(p)
        case .lineString(let ps), .multiPoint(let ps): run(ps)
        case .polygon(let rs), .multiLineString(let rs): runs(rs)
        case .multiPolygon(let polys):
            out.append(91)
            for (i, p) in polys.enumerated() { if i > 0 { out.append(44) }; runs(p) }
            out.append(93)
        case .geometryCollection: break
        }
        out.append(125)
    }

    /// Appends a Feature object (UTF-8): `id`, `geometry` (null when absent) and `properties`.
    public static func write(_ feature: Feature, to out: inout [UInt8]) {
        put("{\"type\":\"Feature\"", &out)
        if feature.id != .null { put(",\"id\":", &out); write(feature.id, to: &out) }
        put(",\"geometry\":", &out)
        if let g = feature.geometry { write(g, to: &out) } else { put("null", &out) }
        put(",\"properties\":{", &out)
        for (i, p) in feature.properties.enumerated() {
            if i > 0 { out.append(44) }
            writeString(p.name, to: &out)
            out.append(58)
            write(p.value, to: &out)
        }
        put("}}", &out)
    }

    public static func write(_ value: PropertyValue, to out: inout [UInt8]) {
        switch value {
        case .null: put("null", &out)
        case .bool(let b): if b { put("true", &out) } else { put("false", &out) }
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): if d.isFinite { put(number: d, &out) } else { put("null", &out) }
        case .string(let s): writeString(s, to: &out)
        }
    }

    /// A JSON string literal (UTF-8), escaping only what JSON requires (Chinese text stays as is).
    public static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(34)
        for byte in s.utf8 {
            switch byte {
            case 34: put("\\\"", &out)
            case 92: put("\\\\", &out)
            case 10: put("\\n", &out)
            case 13: put("\\r", &out)
            case 9: put("\\t", &out)
            case 0..<0x20: out.append(contentsOf: String(format: "\\u%04x", byte).utf8)
            default: out.append(byte)
            }
        }
        out.append(34)
    }

    /// Parses a FeatureCollection, a Feature or a bare geometry into features.
    public static func decodeFeatures(_ data: Data) throws -> [Feature] {
        struct AnyFeature: Decodable {
            var type: String
            var id: PropertyValue?
            var geometry: Geometry?
            var properties: OrderedProperties?
            var features: [AnyFeature]?
        }
        let top: AnyFeature
        do { top = try JSONDecoder().decode(AnyFeature.self, from: data) } catch let e as GeoJSONError { throw e } catch {
            throw GeoJSONError("not valid GeoJSON: \(error)")
        }
        func feature(_ f: AnyFeature) -> Feature {
            Feature(id: f.id ?? .null, properties: f.properties?.pairs ?? [], geometry: f.geometry)
        }
        switch top.type {
        case "FeatureCollection": return (top.features ?? []).map(feature)
        case "Feature": return [feature(top)]
        default: return [Feature(geometry: try JSONDecoder().decode(Geometry.self, from: data))]
        }
    }
}

/// GeoJSON `properties`, kept in key order as written.
struct OrderedProperties: Decodable {
    var pairs: [(name: String, value: PropertyValue)]
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        pairs = try c.allKeys.map { ($0.stringValue, try c.decode(PropertyValue.self, forKey: $0)) }
    }
}
