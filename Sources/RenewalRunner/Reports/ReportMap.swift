import Foundation
import GeoKernel
import GeoStore
import RenewalAnalysis
import Support

/// The report's map (SVG, drawn in the metric CRS so distances on the page are true): parcels as a
/// faint ground, water, main streets, heritage zones, renewal units shaded by their health-check
/// problems with their outlines drawn apart from the parcels', units needing attention outlined in
/// red, each labelled with its rank; a title, a legend, a scale bar and a north arrow. Labels are
/// set in `ReportMap.fontFamily` (a CJK font, so Chinese shows in browsers and in the PDF).
struct ReportMap {
    /// The fonts asked for, CJK first: Noto Sans CJK SC is Debian's fonts-noto-cjk.
    static let fontFamily = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', sans-serif"
    static let fontName = "Noto Sans CJK SC"

    struct Unit {
        var id: String
        var rank: Int
        var geometry: Geometry
        var problems: Int
        var needsAttention: Bool
    }

    var title: String
    var words: ReportWords
    var units: [Unit]
    var parcels: [Geometry] = []
    var water: [Geometry] = []
    var heritage: [Geometry] = []
    var streets: [Geometry] = []
    /// Why parcels were left out (too many to draw), for the caption.
    var note: String? = nil

    /// Shading classes of the number of problems: 0, 1–2, 3–4, 5–6, 7 or more (ColorBrewer YlOrBr, 5 classes:
    /// none of them red, which marks the units needing attention).
    static let classes: [(low: Int, colour: String)] = [(0, "#ffffd4"), (1, "#fed98e"), (3, "#fe9929"), (5, "#d95f0e"), (7, "#993404")]

    func svg(width: Double = 1000) -> String {
        var box = Envelope.empty
        for unit in units { if let e = unit.geometry.envelope { box.expand(toInclude: e) } }
        for p in parcels { if let e = p.envelope { box.expand(toInclude: e) } }
        guard !box.isEmpty else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>" }
        let margin = 0.04 * max(box.width, box.height)
        box = Envelope(minX: box.minX - margin, minY: box.minY - margin, maxX: box.maxX + margin, maxY: box.maxY + margin)
        let top = 56.0, bottom = 175.0
        let scale = width / box.width, mapHeight = box.height * scale, height = top + mapHeight + bottom
        func x(_ p: Position) -> Double { (p.x - box.minX) * scale }
        func y(_ p: Position) -> Double { top + (box.maxY - p.y) * scale }
        func path(_ g: Geometry) -> String {
            switch g.kind.dimension {
            case 2: return PlanarRing.orientedRings(g).map { "M" + $0.map { String(format: "%.1f %.1f", x($0), y($0)) }.joined(separator: "L") + "Z" }.joined()
            default:
                return Self.lines(g).map { "M" + $0.map { String(format: "%.1f %.1f", x($0), y($0)) }.joined(separator: "L") }.joined()
            }
        }
        var s = String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"%@\">\n",
                       width, height, width, height, Self.fontFamily)
        s += "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#7b3294\" stroke-width=\"1.2\"/></pattern></defs>\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        s += "<text x=\"12\" y=\"26\" font-size=\"20\" font-weight=\"bold\">\(Self.escaped(title))</text>\n"
        s += "<text x=\"12\" y=\"46\" font-size=\"12\" fill=\"#444\">\(Self.escaped(words.mapSubtitle))</text>\n"
        s += String(format: "<rect x=\"0\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" fill=\"none\" stroke=\"#999\"/>\n", top, width, mapHeight)
        // Ground: parcels, then water.
        if !parcels.isEmpty {
            s += "<g fill=\"#ececec\" stroke=\"#c8c8c8\" stroke-width=\"0.3\">" + parcels.map { "<path d=\"\(path($0))\" fill-rule=\"evenodd\"/>" }.joined() + "</g>\n"
        }
        s += "<g fill=\"#a6cee3\" stroke=\"#1f78b4\" stroke-width=\"0.8\">" + water.map { "<path d=\"\(path($0))\" fill-rule=\"evenodd\"/>" }.joined() + "</g>\n"
        // Units shaded by problems, outlines darker and heavier than the parcels'.
        for unit in units {
            let colour = Self.classes.last { unit.problems >= $0.low }?.colour ?? Self.classes[0].colour
            s += "<path d=\"\(path(unit.geometry))\" fill=\"\(colour)\" fill-opacity=\"0.75\" stroke=\"#222\" stroke-width=\"1.4\" fill-rule=\"evenodd\"><title>\(Self.escaped(unit.id)): \(unit.problems)</title></path>\n"
        }
        s += "<g fill=\"url(#hatch)\" stroke=\"#7b3294\" stroke-width=\"1.6\" stroke-dasharray=\"5 3\">" + heritage.map { "<path d=\"\(path($0))\" fill-rule=\"evenodd\"/>" }.joined() + "</g>\n"
        s += "<g fill=\"none\" stroke=\"#6b6b6b\" stroke-width=\"2.2\" stroke-linecap=\"round\">" + streets.map { "<path d=\"\(path($0))\"/>" }.joined() + "</g>\n"
        for unit in units where unit.needsAttention {
            s += "<path d=\"\(path(unit.geometry))\" fill=\"none\" stroke=\"#e31a1c\" stroke-width=\"3\" fill-rule=\"evenodd\"/>\n"
        }
        // Labels: each unit's rank at the middle of its largest part's box.
        for unit in units {
            guard let outer = PlanarRing.orientedRings(unit.geometry).max(by: { abs(PlanarRing.signedArea($0)) < abs(PlanarRing.signedArea($1)) }) else { continue }
            var e = Envelope.empty
            outer.forEach { e.expand(toInclude: $0) }
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\" fill=\"#000\" stroke=\"#fff\" stroke-width=\"2.5\" paint-order=\"stroke\">%d</text>\n",
                        x(e.center), y(e.center) + 3.5, unit.rank)
        }
        s += northArrow(x: width - 40, y: top + 16)
        s += scaleBar(x: width - 260, y: top + mapHeight - 22, pixelsPerMetre: scale)
        s += legend(x: 12, y: top + mapHeight + 18, width: width)
        return s + "</svg>\n"
    }

    /// A north arrow: grid north of the Gauss-Krüger or UTM zone, within a degree or two of true north here.
    private func northArrow(x: Double, y: Double) -> String {
        String(format: "<g><polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"#222\"/>", x, y, x - 10, y + 30, x, y + 22, x + 10, y + 30)
            + String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" text-anchor=\"middle\" font-weight=\"bold\">%@</text></g>\n", x, y + 48, words.north)
    }

    /// A scale bar of a round length near a fifth of the map's width, in four alternating parts.
    private func scaleBar(x: Double, y: Double, pixelsPerMetre: Double) -> String {
        let target = 220 / pixelsPerMetre
        let nice = [10.0, 20, 50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 50_000].last { $0 <= target } ?? 10
        let length = nice * pixelsPerMetre, part = length / 4
        var s = String(format: "<g><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"30\" fill=\"#fff\" fill-opacity=\"0.85\"/>", x - 8, y - 14, length + 40)
        for k in 0..<4 {
            s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"6\" fill=\"%@\" stroke=\"#222\" stroke-width=\"0.8\"/>",
                        x + Double(k) * part, y, part, k % 2 == 0 ? "#222" : "#fff")
        }
        let unit = nice >= 1_000 ? words.kilometres : words.metres
        let label = { (v: Double) in nice >= 1_000 ? IndicatorValue.format(v / 1_000) : IndicatorValue.format(v) }
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">0</text>", x, y - 3)
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%@</text>", x + 2 * part, y - 3, label(nice / 2))
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%@ %@</text></g>\n", x + length, y - 3, label(nice), unit)
        return s
    }

    private func legend(x: Double, y: Double, width: Double) -> String {
        var items: [(swatch: String, label: String)] = []
        for (k, c) in Self.classes.enumerated() {
            let high = k + 1 < Self.classes.count ? Self.classes[k + 1].low - 1 : nil
            let range = c.low == high ? "\(c.low)" : high.map { "\(c.low)–\($0)" } ?? "≥ \(c.low)"
            items.append(("<rect width=\"22\" height=\"14\" fill=\"\(c.colour)\" fill-opacity=\"0.75\" stroke=\"#222\" stroke-width=\"1.4\"/>", "\(words.problems) \(range)"))
        }
        items.append(("<rect width=\"22\" height=\"14\" fill=\"none\" stroke=\"#e31a1c\" stroke-width=\"3\"/>", words.needsAttention))
        items.append(("<rect width=\"22\" height=\"14\" fill=\"#ececec\" stroke=\"#c8c8c8\" stroke-width=\"0.6\"/>", words.parcels))
        items.append(("<rect width=\"22\" height=\"14\" fill=\"url(#hatch)\" stroke=\"#7b3294\" stroke-width=\"1.6\" stroke-dasharray=\"5 3\"/>", words.heritage))
        items.append(("<rect width=\"22\" height=\"14\" fill=\"#a6cee3\" stroke=\"#1f78b4\" stroke-width=\"0.8\"/>", words.water))
        items.append(("<line x1=\"0\" y1=\"7\" x2=\"22\" y2=\"7\" stroke=\"#6b6b6b\" stroke-width=\"2.2\"/>", words.mainStreets))
        let columns = 3, columnWidth = (width - 24) / Double(columns)
        var s = String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">%@</text>\n", x, y, words.legend)
        for (k, item) in items.enumerated() {
            let cx = x + Double(k % columns) * columnWidth, cy = y + 12 + Double(k / columns) * 22
            s += String(format: "<g transform=\"translate(%.1f,%.1f)\">%@<text x=\"30\" y=\"12\" font-size=\"12\">%@</text></g>\n", cx, cy, item.swatch, Self.escaped(item.label))
        }
        let noteY = y + 12 + Double((items.count + columns - 1) / columns) * 22 + 14
        s += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#555\">%@</text>\n", x, noteY, Self.escaped(words.mapNote + (note.map { " " + $0 } ?? "")))
        return s
    }

    /// The lines of a linear geometry (parts of collections included).
    static func lines(_ g: Geometry) -> [[Position]] {
        switch g {
        case .lineString(let positions): [positions]
        case .multiLineString(let parts): parts
        case .geometryCollection(let parts): parts.flatMap(lines)
        default: []
        }
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension ReportMap {
    /// Street classes drawn as main streets.
    static let mainStreetClasses: Set<String> = ["motorway", "trunk", "primary", "expressway", "快速路", "主干路"]
    /// Control-line kinds drawn as water (as units take them as barriers).
    static let waterKinds: Set<String> = ["blue", "蓝线", "river", "water"]
    /// Parcels are drawn up to this many; a whole city's are left out (the units and their outlines show).
    static let maximumParcels = 60_000

    /// The map of a batch run: its units (shaded by the checkup's problems at the unit level when
    /// there is one) over the store's parcels, water, heritage zones and main streets.
    static func of(store: any LayerStore, units: UnitsRun, checkup: CheckupRun?, words: ReportWords, title: String) throws -> ReportMap {
        let loader = try LayerLoader(store: store, crs: units.metricCRS)
        let names = Set(try store.layers().map(\.name))
        let projector = try Projector(from: .cgcs2000, to: units.metricCRS)
        // Each unit's problems, by unit id, from the checkup's renewal-unit level.
        var problems: [String: Int] = [:]
        if let unitLevel = checkup?.levels.first(where: { $0.level.key == "unit" }) {
            for (unit, count) in zip(unitLevel.level.units, unitLevel.problems) { problems[unit.id] = count }
        }
        let metric = try units.unitGeometry.map { g -> Geometry in
            var g = g
            try projector.transform(&g)
            return g
        }
        let outlines = try UnitOutlines.closed(metric, parallelism: .allCores)
        var map = ReportMap(title: title, words: words, units: units.delineation.units.indices.map { u in
            let unit = units.delineation.units[u]
            return Unit(id: units.unitID(u), rank: unit.rank, geometry: outlines[u], problems: problems[units.unitID(u)] ?? 0,
                        needsAttention: !unit.flags.isEmpty || !units.problems[u].capFlags.isEmpty)
        })
        if names.contains("parcels"), try store.layer("parcels").featureCount <= maximumParcels {
            try loader.forEach("parcels", geometry: .polygonal) { map.parcels.append($0.geometry) }
        } else if names.contains("parcels") {
            map.note = words.language == "en" ? "(parcels not drawn: more than \(maximumParcels))" : "（地块超过 \(maximumParcels) 个，未绘出）"
        }
        if names.contains("heritage_zones") { try loader.forEach("heritage_zones", geometry: .polygonal) { map.heritage.append($0.geometry) } }
        if names.contains("water") { try loader.forEach("water", geometry: .nonEmpty) { map.water.append($0.geometry) } }
        if names.contains("control_lines"), try store.fields(of: "control_lines").contains(where: { $0.name == "kind" }) {
            try loader.forEach("control_lines", optional: ["kind"], geometry: .nonEmpty, where: { waterKinds.contains($0["kind"]?.text ?? "") }) {
                map.water.append($0.geometry)
            }
        }
        for layer in ["streets", "roads"] where names.contains(layer) {
            guard try store.fields(of: layer).contains(where: { $0.name == "class" }) else { continue }
            try loader.forEach(layer, optional: ["class"], geometry: .nonEmpty, where: { mainStreetClasses.contains($0["class"]?.text ?? "") }) {
                map.streets.append($0.geometry)
            }
            break
        }
        return map
    }
}

/// Prints an HTML file to PDF with headless Chromium (Debian's chromium), waiting for the page's
/// fonts and layout; the PDF appears whole or not at all.
enum PDFPrinter {
    /// The browser: $CHROMIUM, else chromium, chromium-browser or google-chrome on the PATH; nil when none.
    static func browser() -> String? {
        if let named = ProcessInfo.processInfo.environment["CHROMIUM"], !named.isEmpty { return named }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        }
        return nil
    }

    static func print(html: String, to pdf: String, browser: String) throws {
        let partial = pdf + ".partial.pdf"
        try? FileManager.default.removeItem(atPath: partial)
        let profile = NSTemporaryDirectory() + "renewalgis-pdf-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
                             "--no-pdf-header-footer", "--print-to-pdf-no-header", "--virtual-time-budget=5000",
                             "--print-to-pdf=\(partial)", URL(fileURLWithPath: html).absoluteString]
        process.standardOutput = FileHandle.nullDevice
        // Its messages go to a file: a pipe nobody reads while it runs could fill and stall it.
        let log = profile + ".log"
        FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        let deadline = Date().addingTimeInterval(180)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0, let size = try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int, size > 0 else {
            try? FileManager.default.removeItem(atPath: partial)
            let last = said.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            throw InputError("\(pdf): \(browser) did not print \(html): \(last)")
        }
        if FileManager.default.fileExists(atPath: pdf) { try FileManager.default.removeItem(atPath: pdf) }
        try FileManager.default.moveItem(atPath: partial, toPath: pdf)
    }
}
