import Foundation
import RenewalAnalysis
import Yams
import RenewalDomain

public enum RadiiFile {
    /// Reads a service-radius table from a JSON or YAML file (see `ServiceRadii.parse`).
    public static func load(_ path: String) throws -> ServiceRadii {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RadiiError(file: path, message: "cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        let object: Any?
        do {
            // JSON is checked as JSON, then read like YAML (of which it is a subset): Foundation hands a
            // JSON false back as a number on Linux, which would read `clinic: false` as a 0 m radius.
            if path.lowercased().hasSuffix(".json") { _ = try JSONSerialization.jsonObject(with: data) }
            object = try Yams.load(yaml: text)
        } catch {
            throw RadiiError(file: path, message: "not valid \(path.lowercased().hasSuffix(".json") ? "JSON" : "YAML"): \(error)")
        }
        return try ServiceRadii.parse(object as Any, file: path)
    }
}
