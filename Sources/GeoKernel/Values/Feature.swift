import Foundation

/// An attribute value as GIS files carry them. Text stays text: a 用地用海 code such
/// as "0701" is never turned into a number.
public enum PropertyValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)

    /// The value as text, as a CSV cell or a message would show it (nil for null).
    public var text: String? {
        switch self {
        case .null: nil
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): s
        }
    }

    /// The value as a number when it is one (or text that parses as one).
    public var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        case .bool(let b): b ? 1 : 0
        case .string(let s): Double(s.trimmingCharacters(in: .whitespaces))
        case .null: nil
        }
    }
}

/// A feature: an identifier, attributes in source field order, and an optional geometry.
public struct Feature: Hashable, Sendable {
    /// Identifier as the source or the store gives it (GeoJSON `id`).
    public var id: PropertyValue
    /// Attribute names and values, in the order of the source's fields.
    public var properties: [(name: String, value: PropertyValue)]
    public var geometry: Geometry?

    public init(id: PropertyValue = .null, properties: [(name: String, value: PropertyValue)] = [], geometry: Geometry?) {
        self.id = id; self.properties = properties; self.geometry = geometry
    }

    /// The value of attribute `name`, or nil when the feature has no such attribute.
    public subscript(name: String) -> PropertyValue? {
        properties.first { $0.name == name }?.value
    }

    public static func == (a: Feature, b: Feature) -> Bool {
        a.id == b.id && a.geometry == b.geometry
            && a.properties.count == b.properties.count
            && zip(a.properties, b.properties).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        for p in properties { hasher.combine(p.name); hasher.combine(p.value) }
        hasher.combine(geometry)
    }
}
