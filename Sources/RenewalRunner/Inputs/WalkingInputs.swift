import Foundation
import GeoKernel
import RenewalAnalysis
import RenewalStore
import Support
import GeoStore

/// The walking network's inputs from the store: street lines with the tags the walkability table
/// reads, and the water and barriers attachment legs may not cross. Metric CRS (m).
public enum WalkingInputs {
    /// Which walkability table to use: a built-in one by name (`osm`, `planning`) or a YAML/JSON
    /// file; nil picks `osm` for a street layer with OSM tag columns (highway, other_tags, foot,
    /// sidewalk) and `planning` otherwise.
    public static func table(named choice: String?, streetFields: [String]) throws -> (table: WalkabilityTable, why: String) {
        if let choice {
            if let builtIn = WalkabilityTable.builtIn[choice] { return (builtIn, "--walkability \(choice)") }
            guard FileManager.default.isReadableFile(atPath: choice) else {
                throw InputError("--walkability \(choice) is neither a built-in table (osm, planning) nor a readable file\(NearestNames.suggestion(for: choice, in: WalkabilityTable.builtIn.keys.sorted()))")
            }
            return (try ConfigFile.decode(WalkabilityTable.self, from: choice), "--walkability \(choice)")
        }
        let marks = WalkabilityTable.osmMarkerColumns.filter(streetFields.contains)
        if !marks.isEmpty { return (.osm, "the street layer has OSM tag columns (\(marks.joined(separator: ", ")))") }
        return (.planning, "the street layer has no OSM tag columns (highway, other_tags, foot, sidewalk)")
    }

    /// Street lines with their class and tags, in the loader's (metric) CRS (multi-part lines split into their parts).
    /// Tags are read from columns named as the tag (foot, sidewalk, bridge, access, …) and from
    /// GDAL's OSM `other_tags` column (`"key"=>"value",…`) when the layer has one; a column wins.
    /// `filter`: only the lines the store hands over (a district's halo).
    public static func streets(_ loader: LayerLoader, mapping: LayerMapping, walkability: String?, filter: FeatureFilter? = nil) throws
        -> (layer: String, lines: [StreetLine], table: WalkabilityTable, why: String) {
        let layer = try LayerInputs.streetLayerName(in: loader.store, mapping: mapping)
        let fieldNames = try loader.fields(of: layer).map(\.name)
        let classField = fieldNames.contains(mapping.streetClass) ? mapping.streetClass
            : ["class", "highway", "fclass", "type", "道路等级"].first(where: fieldNames.contains)
        guard let classField else {
            throw InputError("layer \(layer) has no street class field \(mapping.streetClass) (fields: \(fieldNames.joined(separator: ", ")))")
        }
        let (table, why) = try self.table(named: walkability, streetFields: fieldNames)
        let tagColumns = table.tagKeys.filter { fieldNames.contains($0) && $0 != classField }.sorted()
        let otherTags = fieldNames.contains("other_tags") ? "other_tags" : nil
        var lines: [StreetLine] = []
        let keys = table.tagKeys
        try loader.forEach(layer, optional: [classField] + tagColumns + (otherTags.map { [$0] } ?? []), filter: filter) { feature in
            let streetClass = feature[classField]?.text ?? ""
            var tags: [String: String] = [:]
            if let otherTags, let text = feature[otherTags]?.text {
                for (k, v) in WalkabilityTable.parseOSMTags(text) where keys.contains(k) { tags[k] = v.lowercased() }
            }
            for column in tagColumns {
                if let v = feature[column]?.text?.trimmingCharacters(in: .whitespaces), !v.isEmpty { tags[column] = v.lowercased() }
            }
            switch feature.geometry.extractingParts(ofDimension: 1) {
            case .multiLineString(let parts)?:
                lines += parts.filter { $0.count >= 2 }.map { StreetLine(positions: $0, streetClass: streetClass, tags: tags) }
            default: break
            }
        }
        return (layer, lines, table, why)
    }

    /// Control-line kinds that are water (蓝线): their areas are barriers to attachment legs.
    public static let waterKinds: Set<String> = ["blue", "蓝线", "river", "water"]
    /// Layers read as water or barriers when the store has them (any geometry: areas and lines).
    public static let barrierLayerNames = ["water", "waterways", "barriers"]

    /// What attachment legs may not cross: the water control lines (`control_lines` with kind
    /// blue/蓝线/river/water), and every feature of the layers `named` (default: those of
    /// `barrierLayerNames` the store has) — polygons as water areas, lines as lines not to cross —
    /// in the loader's (metric) CRS. `filter`: only the features the store hands over (a district's halo).
    public static func barriers(_ loader: LayerLoader, named: [String]?, filter: FeatureFilter? = nil) throws -> (barriers: WalkingBarriers, sources: [String]) {
        let names = try loader.layerNames()
        var areas: [Geometry] = [], lines: [[Position]] = [], sources: [String] = []
        func add(_ g: Geometry) {
            if case .multiPolygon(let polys)? = g.extractingParts(ofDimension: 2) { areas += polys.map { .polygon($0) } }
            if case .multiLineString(let parts)? = g.extractingParts(ofDimension: 1) { lines += parts.filter { $0.count >= 2 } }
        }
        if names.contains("control_lines"), try loader.fields(of: "control_lines").contains(where: { $0.name == "kind" }) {
            var n = 0
            try loader.forEach("control_lines", optional: ["kind"], filter: filter, where: { $0["kind"]?.text.map { waterKinds.contains($0.lowercased()) } ?? false }) { f in
                add(f.geometry); n += 1
            }
            if n > 0 { sources.append("control_lines (\(n) water lines)") }
        }
        for layer in named ?? barrierLayerNames.filter(names.contains) {
            guard names.contains(layer) else { throw StoreError.unknownLayer(path: loader.store.location, layer: layer, available: names) }
            var n = 0
            try loader.forEach(layer, filter: filter) { f in
                add(f.geometry); n += 1
            }
            sources.append("\(layer) (\(n))")
        }
        return (WalkingBarriers(areas: areas, lines: lines), sources)
    }
}
