/// The attribute types the store keeps.
public enum FieldType: String, Sendable, Codable {
    case integer = "INTEGER", real = "REAL", text = "TEXT", boolean = "BOOLEAN", date = "DATE", dateTime = "DATETIME"
}

/// A named, typed attribute column.
public struct FieldInfo: Hashable, Sendable, Codable {
    public var name: String
    public var type: FieldType
    public init(name: String, type: FieldType) { self.name = name; self.type = type }
}
