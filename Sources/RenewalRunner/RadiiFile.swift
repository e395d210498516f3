import Foundation
import RenewalAnalysis
import Yams

public enum RadiiFile {
    /// Reads a service-radius table from a JSON or YAML file (see `ServiceRadii.parse`).
    public static func load(_ path: String) throws -> ServiceRadii {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RadiiError(file: path, message: "cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        let object: Any?
        do {
            if path.lowercased().hasSuffix(".json") {
                object = try JSONSerialization.jsonObject(with: data)
            } else {
                object = try Yams.load(yaml: text)
            }
        } catch {
            throw RadiiError(file: path, message: "not valid \(path.lowercased().hasSuffix(".json") ? "JSON" : "YAML"): \(error)")
        }
        return try ServiceRadii.parse(object as Any, file: path)
    }
}
