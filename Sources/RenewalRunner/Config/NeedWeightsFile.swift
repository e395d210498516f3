import Foundation
import RenewalAnalysis
import Yams

/// Need-score weights from a YAML/JSON file (unknown names are an error naming them).
public enum NeedWeightsFile {
    public static func load(_ path: String?) throws -> NeedWeights {
        guard let path else { return NeedWeights() }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw InputError("\(path): cannot read the weights file") }
        guard let table = try? Yams.load(yaml: text) as? [String: Any] else {
            throw InputError("\(path): weights must be a table of name: number (names: \(NeedWeights.names.joined(separator: ", ")))")
        }
        for (key, value) in table {
            guard NeedWeights.names.contains(key) else {
                throw InputError("\(path): unknown weight \(key) (names: \(NeedWeights.names.joined(separator: ", ")))")
            }
            guard let n = (value as? Double) ?? (value as? Int).map(Double.init), n >= 0 else {
                throw InputError("\(path): weight \(key) must be a number ≥ 0")
            }
        }
        let data = try JSONSerialization.data(withJSONObject: table)
        return try JSONDecoder().decode(NeedWeights.self, from: data)
    }
}

