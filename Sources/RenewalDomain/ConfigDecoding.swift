import Foundation
import Support

/// The pieces every configuration model uses while it decodes itself, whatever the format library:
/// a key for any name, refusing unknown keys with the nearest valid names, lenient numbers, text-only
/// 用地用海 code lists, and failures placed at a key. A model throws `DecodingError`s; the reader that
/// ran the decoder (RenewalRunner's `ConfigFile`) turns them into a `ConfigError` with the file, the
/// line of the key and its dotted path.
public enum ConfigDecoding {
    /// `userInfo` key for the file being read (a `String`): models that quote it (a rule's source,
    /// a table's name) or resolve paths against it read it through `Decoder.configFile`.
    public static let fileKey = CodingUserInfoKey(rawValue: "renewalgis.config.file")!
    /// `userInfo` key for a `([any CodingKey]) -> Bool` that tells whether the value at a coding path
    /// was written as a plain number (YAML reads `080701` as 80701): see `Decoder.isWrittenAsNumber`.
    public static let numberProbeKey = CodingUserInfoKey(rawValue: "renewalgis.config.writtenAsNumber")!

    /// The probe's type as stored under `numberProbeKey`.
    public typealias NumberProbe = ([any CodingKey]) -> Bool
}

/// A coding key for any name or list position: the keys of tables whose keys are data (categories,
/// classes, tags) and the path components of error messages.
public struct ConfigKey: CodingKey, Hashable, Sendable {
    public var stringValue: String
    public var intValue: Int?
    public init(_ name: String) { stringValue = name; intValue = nil }
    public init?(stringValue: String) { self.init(stringValue) }
    public init?(intValue: Int) { stringValue = "\(intValue)"; self.intValue = intValue }
    /// The key of position `index` in a list.
    public init(index: Int) { stringValue = "\(index)"; intValue = index }
}

extension Array where Element == any CodingKey {
    /// The path as messages write it: `layers[0].file`, `units.weights.dangerous`.
    public var dottedPath: String {
        var text = ""
        for key in self {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text
    }
}

extension Decoder {
    /// The file being decoded (from `userInfo`), or "" when the decoder was not given one.
    public var configFile: String { userInfo[ConfigDecoding.fileKey] as? String ?? "" }

    /// Whether the value being decoded was written as a plain number, which YAML reads without the
    /// leading zeros a code has (false when the decoder cannot tell).
    public var isWrittenAsNumber: Bool {
        (userInfo[ConfigDecoding.numberProbeKey] as? ConfigDecoding.NumberProbe)?(codingPath) ?? false
    }

    /// Throws for the first key of this mapping (in the file's order) that is not one of `Keys`,
    /// naming it with its path, the nearest valid names and the whole list.
    public func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        try rejectUnknownKeys(Keys.allCases.map(\.stringValue))
    }

    /// Throws for the first key of this mapping (in the file's order) not in `known`.
    public func rejectUnknownKeys(_ known: [String]) throws {
        let container = try self.container(keyedBy: ConfigKey.self)
        for key in container.allKeys where !known.contains(key.stringValue) {
            let path: [any CodingKey] = codingPath + [key]
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription:
                "unknown key \(path.dottedPath)\(NearestNames.suggestion(for: key.stringValue, in: known)) (known: \(known.joined(separator: ", ")))"))
        }
    }

    /// A failure at the value being decoded, in plain words.
    public func failure(_ message: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: codingPath, debugDescription: message))
    }
}

extension KeyedDecodingContainer {
    /// A failure at `key` (its line is the key's), in plain words.
    public func failure(_ key: Key, _ message: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: message))
    }

    /// The path of `key` as messages write it.
    public func path(_ key: Key) -> String { (codingPath + [key]).dottedPath }

    /// A number, also when written as quoted text ("300"); nil when the key is absent or empty.
    /// Anything else (a word, a list, true/false) is a type mismatch: "must be a number".
    public func decodeNumber(_ key: Key) throws -> Double? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let value = try? decode(Double.self, forKey: key) { return value }
        if let text = try? decode(String.self, forKey: key), let value = Double(text.trimmingCharacters(in: .whitespaces)) {
            return value
        }
        throw DecodingError.typeMismatch(Double.self, .init(codingPath: codingPath + [key], debugDescription: "must be a number"))
    }

    /// One value or a list of them (`actions: demolish` or `actions: [demolish, add]`); nil when absent.
    public func decodeOneOrMany<T: Decodable>(_ type: T.Type, _ key: Key) throws -> [T]? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        do {
            return try decode([T].self, forKey: key)
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.count == codingPath.count + 1 {
            return [try decode(T.self, forKey: key)]
        }
    }

    /// 用地用海 codes (or other code-like words) that must be written as text: one or a list; nil
    /// when absent. A plain number is refused, showing the list as it should be written, since YAML
    /// reads `080701` as 80701 and `0702` as the octal 450.
    public func decodeCodeTexts(_ key: Key) throws -> [String]? {
        guard let items = try decodeOneOrMany(WrittenText.self, key) else { return nil }
        if let first = items.firstIndex(where: \.isNumber) {
            func quoted(_ text: String) -> String {
                "\"" + (text.allSatisfy(\.isNumber) && text.count % 2 == 1 ? "0" + text : text) + "\""
            }
            let indexPath: [any CodingKey] = codingPath + [key] + (items[first].inList ? [ConfigKey(index: first)] : [])
            throw DecodingError.dataCorrupted(.init(codingPath: indexPath, debugDescription:
                "\(path(key)) holds \(items[first].text), a number to YAML, which drops leading zeros (080701 → 80701) and reads 0702 as the octal 450; "
                + "write every code as quoted text: \(key.stringValue): [\(items.map { quoted($0.text) }.joined(separator: ", "))]"))
        }
        return items.map(\.text)
    }
}

/// A scalar as written, and whether YAML would read it as a number.
private struct WrittenText: Decodable {
    var text: String
    var isNumber: Bool
    var inList: Bool
    init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
        isNumber = decoder.isWrittenAsNumber
        inList = decoder.codingPath.last?.intValue != nil
    }
}
