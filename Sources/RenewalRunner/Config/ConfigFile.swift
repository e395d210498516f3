import Foundation
import RenewalDomain
import Yams

/// The one reader of configuration files (project, rules, radii, walkability, weights): YAML or JSON
/// text decoded into a typed `Decodable` model. Every problem is a `ConfigError` naming the file and,
/// where it lies in the text, the line and the dotted key (`units.min_ha`, `rules[2].zone`).
///
/// The text is composed into YAML nodes first, so each value keeps the line it was written on, then
/// decoded with Yams' `YAMLDecoder`; a `DecodingError` (a wrong type, a missing key, or a model's own
/// check such as an unknown key) is placed by walking the nodes along its coding path. Models read
/// the file's name from `Decoder.configFile` and whether a value was written as a plain number from
/// `Decoder.isWrittenAsNumber` (for 用地用海 codes, which YAML would strip of their leading zeros).
public enum ConfigFile {
    /// Reads and decodes the file at `path`. A `.json` file must be valid JSON (then it is read as
    /// YAML, of which JSON is a subset, so that `false` stays a boolean and every value has a line).
    public static func decode<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw ConfigError(file: path, message: !exists ? "no such file" : isDirectory.boolValue ? "is a folder, not a file" : "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, message: "is not UTF-8 text (save it as UTF-8)")
        }
        let isJSON = path.lowercased().hasSuffix(".json")
        if isJSON {
            do { _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
                throw ConfigError(file: path, message: "not valid JSON: \(reason(error))")
            }
        }
        return try decode(type, text: text, file: path, format: isJSON ? "JSON" : "YAML")
    }

    /// Decodes `text` (YAML or JSON) as if read from a file named `file`: the built-in default rules
    /// go through here, so they are held to the same checks as a user's file.
    public static func decode<T: Decodable>(_ type: T.Type, text: String, file: String) throws -> T {
        try decode(type, text: text, file: file, format: "YAML")
    }

    private static func decode<T: Decodable>(_ type: T.Type, text: String, file: String, format: String) throws -> T {
        let composed: Node?
        do { composed = try Yams.compose(yaml: text) } catch {
            throw ConfigError(file: file, line: line(of: error, in: text), message: "not valid \(format): \(reason(error))")
        }
        guard let root = composed else { throw ConfigError(file: file, message: "is empty") }
        let probe: ConfigDecoding.NumberProbe = { path in
            guard case .scalar(let scalar)? = node(at: path, in: root).node, scalar.style == .plain || scalar.style == .any else { return false }
            return [Tag.Name.int, .float].contains(Resolver.default.resolveTag(of: .scalar(scalar)))
        }
        do {
            return try YAMLDecoder().decode(type, from: root, userInfo: [ConfigDecoding.fileKey: file, ConfigDecoding.numberProbeKey: probe])
        } catch let error as DecodingError {
            throw configError(error, file: file, root: root)
        }
    }

    /// The `ConfigError` for a decoding error: the line of the node at its coding path, the dotted key,
    /// and what is wrong in plain words.
    static func configError(_ error: DecodingError, file: String, root: Node) -> ConfigError {
        switch error {
        case .typeMismatch(let expected, let context):
            let found = node(at: context.codingPath, in: root)
            let key = context.codingPath.dottedPath
            let value = found.node.map { " (it is \(describe($0)))" } ?? ""
            return ConfigError(file: file, line: found.line, key: key.isEmpty ? nil : key,
                               message: "\(key.isEmpty ? "the file" : key) must be \(words(for: expected))\(value)")
        case .valueNotFound(let expected, let context):
            let key = context.codingPath.dottedPath
            return ConfigError(file: file, line: node(at: context.codingPath, in: root).line, key: key,
                               message: "\(key) has no value; it must be \(words(for: expected))")
        case .keyNotFound(let missing, let context):
            let key = (context.codingPath + [missing]).dottedPath
            let parent = context.codingPath.dottedPath
            return ConfigError(file: file, line: node(at: context.codingPath, in: root).line, key: key,
                               message: "\(missing.stringValue) is missing\(parent.isEmpty ? "" : " in \(parent)")")
        case .dataCorrupted(let context):
            let key = context.codingPath.dottedPath
            return ConfigError(file: file, line: node(at: context.codingPath, in: root).line, key: key.isEmpty ? nil : key,
                               message: context.debugDescription)
        @unknown default:
            return ConfigError(file: file, message: "\(error)")
        }
    }

    /// The node at `path` and its line: for a mapping's key the line of the key itself (where an
    /// unknown key is written); when the path leaves the document, the deepest node on it.
    static func node(at path: [any CodingKey], in root: Node) -> (node: Node?, line: Int?) {
        var current = root
        var line = root.mark?.line
        for key in path {
            if let index = key.intValue, let sequence = current.sequence {
                guard sequence.indices.contains(index) else { return (nil, line) }
                current = sequence[index]
                line = current.mark?.line ?? line
            } else if let mapping = current.mapping {
                guard let entry = mapping.first(where: { $0.key.string == key.stringValue }) else { return (nil, line) }
                current = entry.value
                line = entry.key.mark?.line ?? current.mark?.line ?? line
            } else {
                return (nil, line)
            }
        }
        return (current, line)
    }

    private static func words(for type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type, is Int.Type, is Int64.Type, is UInt64.Type, is UInt.Type: "a number"
        case is String.Type: "text"
        case is Bool.Type: "true or false (yes or no)"
        case is Node.Mapping.Type: "a mapping (key: value)"
        case is Node.Sequence.Type: "a list"
        case is Node.Scalar.Type: "a single value"
        default: "a \(type)"
        }
    }

    private static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// Where the parser stopped; for a key written twice, the line of its second writing (the parser
    /// gives the mapping's first line).
    private static func line(of error: Error, in text: String) -> Int? {
        switch error as? YamlError {
        case .scanner(_, _, let mark, _)?, .parser(_, _, let mark, _)?, .composer(_, _, let mark, _)?:
            return mark.line
        case .duplicatedKeysInMapping(let duplicates, let context)?:
            let lines = text.components(separatedBy: "\n")
            let start = max(0, context.mark.line - 1)
            let writings = lines.indices.dropFirst(start).filter { index in
                let line = lines[index].drop { $0 == " " || $0 == "-" || $0 == "{" }
                return duplicates.contains { line.hasPrefix("\($0):") || line.hasPrefix("\"\($0)\":") }
            }
            return writings.count >= 2 ? writings[1] + 1 : context.mark.line
        default:
            return nil
        }
    }

    /// The parser's complaint without the echo of the text it adds.
    private static func reason(_ error: Error) -> String {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _)?, .parser(let context, let problem, let mark, _)?,
             .composer(let context, let problem, let mark, _)?:
            return "\(problem)\(context.map { " \($0.text)" } ?? "") at line \(mark.line), column \(mark.column)"
        case .duplicatedKeysInMapping(let duplicates, _)?:
            return "the key \(duplicates.joined(separator: ", ")) is written twice"
        default:
            return "\(error)"
        }
    }
}
