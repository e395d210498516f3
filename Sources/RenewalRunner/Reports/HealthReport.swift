import Foundation
import GeoKernel
import GeoStore
import RenewalAnalysis
import Support

/// The language of a report.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case chinese = "zh", english = "en"
}

/// Every fixed text of the report and its map, in one language.
struct ReportWords {
    var language: String
    var title, meta, project, store, crs, generated, font: String
    var runHeading, stage, seconds, result: String
    var cityHeading, indicator, value, unit, threshold, verdict, source, verified, pass, fail, notApplicable, yes, no: String
    var mapHeading, mapTitle, mapSubtitle, mapNote, legend, problems, needsAttention, parcels, heritage, water, mainStreets, north, metres, kilometres: String
    var levelsHeading, unitID, unitName, parcelCount, residents, problemCount, moreRows: String
    var ledgerHeading, level, shortfall: String
    var unitsHeading, rank, hectares, population, meanNeed, cdParcels, mix, caps, flags, withinCaps: String
    var notesHeading, unverifiedNote, warningsHeading: String

    static let chinese = ReportWords(
        language: "zh-CN",
        title: "城市体检与城市更新单元报告", meta: "基本信息", project: "项目", store: "数据库", crs: "计算坐标系", generated: "生成时间", font: "中文字体",
        runHeading: "一、运行概况", stage: "步骤", seconds: "耗时（秒）", result: "结果",
        cityHeading: "二、全域体检指标", indicator: "指标", value: "指标值", unit: "单位", threshold: "阈值", verdict: "判定", source: "依据",
        verified: "已核对", pass: "达标", fail: "未达标", notApplicable: "—", yes: "是", no: "否",
        mapHeading: "三、更新单元与体检问题分布图", mapTitle: "更新单元与体检问题分布图", mapSubtitle: "更新单元按体检问题数着色，数字为更新需求排名（1 为最迫切）",
        mapNote: "坐标北为高斯-克吕格投影的纵轴方向；单元边界为粗黑线，地块为浅灰。", legend: "图例", problems: "问题数",
        needsAttention: "需关注单元（超出 63 号文上限或划分受限）", parcels: "地块", heritage: "历史文化保护范围", water: "水系（蓝线）",
        mainStreets: "主要道路", north: "北", metres: "米", kilometres: "千米",
        levelsHeading: "四、各层级体检指标", unitID: "单元编号", unitName: "单元名称", parcelCount: "地块数", residents: "常住人口（人）",
        problemCount: "问题数", moreRows: "另有 %d 行，见 XLSX 工作簿",
        ledgerHeading: "五、问题清单", level: "层级", shortfall: "差距",
        unitsHeading: "六、更新单元（按更新需求排序）", rank: "排名", hectares: "面积（公顷）", population: "人口", meanNeed: "平均需求",
        cdParcels: "C/D 级地块", mix: "留改拆增", caps: "63 号文", flags: "划分标记", withinCaps: "未超限",
        notesHeading: "七、说明", unverifiedNote: "标“未核对”的指标（名称、算法或阈值）尚未与所列依据原文核对，为工具默认值，使用前请按本市标准确认。",
        warningsHeading: "运行提示")

    static let english = ReportWords(
        language: "en",
        title: "City health check and renewal units", meta: "About this report", project: "Project", store: "Store", crs: "Metric CRS", generated: "Generated", font: "CJK font",
        runHeading: "1. The run", stage: "Stage", seconds: "Seconds", result: "Result",
        cityHeading: "2. Health-check indicators, whole area", indicator: "Indicator", value: "Value", unit: "Unit", threshold: "Threshold", verdict: "Verdict",
        source: "Source", verified: "Verified", pass: "pass", fail: "fail", notApplicable: "—", yes: "yes", no: "no",
        mapHeading: "3. Renewal units and health-check problems", mapTitle: "Renewal units and health-check problems", mapSubtitle: "Renewal units shaded by their number of problems; labels are need ranks (1 = most urgent)",
        mapNote: "North is grid north of the Gauss-Krüger projection; unit outlines are heavy black, parcels light grey.", legend: "Legend", problems: "problems",
        needsAttention: "Unit needing attention (63号 cap exceeded or delineation flag)", parcels: "Parcels", heritage: "Heritage protection zone", water: "Water (blue line)",
        mainStreets: "Main streets", north: "N", metres: "m", kilometres: "km",
        levelsHeading: "4. Indicators by level", unitID: "Unit", unitName: "Name", parcelCount: "Parcels", residents: "Residents",
        problemCount: "Problems", moreRows: "%d more rows in the XLSX workbook",
        ledgerHeading: "5. Problem ledger", level: "Level", shortfall: "Shortfall",
        unitsHeading: "6. Renewal units by need", rank: "Rank", hectares: "ha", population: "Population", meanNeed: "Mean need",
        cdParcels: "C/D parcels", mix: "留改拆增", caps: "63号", flags: "Flags", withinCaps: "within caps",
        notesHeading: "7. Notes", unverifiedNote: "Indicators marked unverified (name, formula or threshold) have not been checked against the text of the source listed: they are tool defaults to confirm against the city's own standard.",
        warningsHeading: "Warnings of the run")

    static func of(_ language: ReportLanguage) -> ReportWords { language == .chinese ? .chinese : .english }
}

/// The report of a batch run as one HTML page (map inline, tables, sources), printable to PDF.
enum HealthReport {
    /// Rows shown per table before the rest is left to the workbook.
    static let maximumRows = 300

    static func html(project: ProjectFile, language: ReportLanguage, timings: [StageTiming], checkup: CheckupRun?, units: UnitsRun,
                     map: String, warnings: [String]) -> String {
        let w = ReportWords.of(language)
        let zh = language == .chinese
        var h = """
            <!DOCTYPE html>
            <html lang="\(w.language)"><head><meta charset="utf-8"><title>\(e(w.title))</title>
            <style>
            @page { size: A4; margin: 14mm 12mm; }
            body { font-family: \(ReportMap.fontFamily); font-size: 10.5pt; color: #222; margin: 0 auto; max-width: 1000px; }
            h1 { font-size: 20pt; margin: 0 0 6px; } h2 { font-size: 14pt; margin: 22px 0 8px; border-bottom: 1px solid #999; break-after: avoid; }
            h3 { font-size: 11.5pt; margin: 14px 0 6px; }
            table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 9pt; }
            th, td { border: 1px solid #bbb; padding: 3px 5px; vertical-align: top; } th { background: #eee; text-align: left; }
            td.n { text-align: right; white-space: nowrap; } td.fail, td.pass { white-space: nowrap; } tr { break-inside: avoid; }
            .fail { color: #b2182b; font-weight: bold; } .pass { color: #1a7837; } .muted { color: #666; font-size: 9pt; }
            .map { break-inside: avoid; } .map svg { width: 100%; height: auto; }
            </style></head><body>
            <h1>\(e(w.title))</h1>
            <table><tr><th>\(w.project)</th><td>\(e((project.path as NSString).lastPathComponent))</td><th>\(w.store)</th><td>\(e(project.store.description))</td></tr>
            <tr><th>\(w.crs)</th><td>\(e(units.metricCRSChoice.crs.description)) \(e(units.metricCRSChoice.name))</td><th>\(w.generated)</th><td>\(e(ISO8601DateFormatter().string(from: Date())))</td></tr>
            <tr><th>\(w.font)</th><td colspan="3">\(ReportMap.fontName)（Debian: fonts-noto-cjk）</td></tr></table>

            """
        h += "<h2>\(w.runHeading)</h2>\n" + table([w.stage, w.seconds, w.result], timings.map { [.text($0.stage), .number(String(format: "%.2f", $0.seconds)), .text($0.note)] })

        if let checkup, let city = checkup.levels.last {
            h += "<h2>\(w.cityHeading)</h2>\n"
            h += table([w.indicator, w.value, w.unit, w.threshold, w.verdict, w.source, w.verified], checkup.catalogue.indicators.enumerated().map { k, i in
                let value = city.values[0][k]
                let verdict: Cell = i.threshold.flatMap { t in value.map { t.shortfall($0) > 1e-9 ? Cell.fail(w.fail) : .pass(w.pass) } } ?? .text(w.notApplicable)
                return [.text(zh ? i.name : i.nameEN), .number(value.map(IndicatorValue.format) ?? "—"), .number(i.unit), .number(i.threshold?.text ?? "—"), verdict,
                        .small(i.source), .text(i.verified ? w.yes : w.no)]
            })
        }
        h += "<h2>\(w.mapHeading)</h2>\n<div class=\"map\">\(map)</div>\n"

        if let checkup {
            h += "<h2>\(w.levelsHeading)</h2>\n"
            for level in checkup.levels.dropLast() {
                h += "<h3>\(e(zh ? level.level.label : level.level.key)) (\(level.level.units.count))</h3>\n"
                let header = [w.unitID, w.parcelCount, w.residents] + checkup.catalogue.indicators.map { "\(zh ? $0.name : $0.nameEN)（\($0.unit)）" } + [w.problemCount]
                let rows = level.level.units.indices.map { u -> [Cell] in
                    [.text(level.level.units[u].id), .number(String(level.parcels[u])), .number(IndicatorValue.format(level.residents[u].rounded()))]
                        + checkup.catalogue.indicators.indices.map { k in
                            guard let v = level.values[u][k] else { return .text("—") }
                            let failing = checkup.catalogue.indicators[k].threshold.map { $0.shortfall(v) > 1e-9 } ?? false
                            return failing ? .fail(IndicatorValue.format(v)) : .number(IndicatorValue.format(v))
                        } + [.number(String(level.problems[u]))]
                }
                h += table(header, rows, words: w)
            }
            h += "<h2>\(w.ledgerHeading)</h2>\n"
            // Sources are in the whole-area table (section 2) and in the workbook's ledger, not repeated per row.
            h += table([w.level, w.unitID, w.indicator, w.value, w.threshold, w.shortfall, w.unit], checkup.ledger.map { entry in
                let level = checkup.levels[checkup.levelIndex(of: entry)].level
                let i = checkup.catalogue.indicators[entry.indicator]
                return [.text(zh ? level.label : level.key), .text(level.units[entry.unit].id), .text(zh ? i.name : i.nameEN), .number(IndicatorValue.format(entry.value)),
                        .number(i.threshold?.text ?? ""), .fail(IndicatorValue.format(entry.shortfall)), .number(i.unit)]
            }, words: w)
        }

        h += "<h2>\(w.unitsHeading)</h2>\n"
        h += table([w.unitID, w.rank, w.hectares, w.population, w.parcelCount, w.meanNeed, w.cdParcels, w.mix, w.caps, w.flags], units.unitOrder.map { u in
            let unit = units.delineation.units[u], p = units.problems[u]
            return [.text(units.unitID(u)), .number(String(unit.rank)), .number(String(format: "%.1f", unit.area / 10_000)), .number(String(Int(unit.population))),
                    .number(String(unit.parcels.count)), .number(String(format: "%.3f", unit.meanNeed)), .number(String(p.dangerousParcels)),
                    .text(UnitsJob.mix(p)), p.capFlags.isEmpty ? .text(w.withinCaps) : .fail(p.capFlags.joined(separator: "; ")),
                    .small(unit.flags.map(\.description).joined(separator: "; "))]
        }, words: w)

        h += "<h2>\(w.notesHeading)</h2>\n<p>\(e(w.unverifiedNote))</p>\n"
        if !warnings.isEmpty {
            h += "<h3>\(w.warningsHeading)</h3>\n<ul class=\"muted\">" + warnings.map { "<li>\(e($0))</li>" }.joined() + "</ul>\n"
        }
        return h + "</body></html>\n"
    }

    enum Cell {
        case text(String), number(String), small(String), pass(String), fail(String)
    }

    static func table(_ header: [String], _ rows: [[Cell]], words: ReportWords? = nil) -> String {
        var s = "<table><tr>" + header.map { "<th>\(e($0))</th>" }.joined() + "</tr>\n"
        for row in rows.prefix(maximumRows) {
            s += "<tr>" + row.map { cell -> String in
                switch cell {
                case .text(let t): "<td>\(e(t))</td>"
                case .number(let t): "<td class=\"n\">\(e(t))</td>"
                case .small(let t): "<td class=\"muted\">\(e(t))</td>"
                case .pass(let t): "<td class=\"pass\">\(e(t))</td>"
                case .fail(let t): "<td class=\"fail\">\(e(t))</td>"
                }
            }.joined() + "</tr>\n"
        }
        s += "</table>\n"
        if rows.count > maximumRows, let words { s += "<p class=\"muted\">\(e(String(format: words.moreRows, rows.count - maximumRows)))</p>\n" }
        return s
    }

    static func e(_ text: String) -> String { ReportMap.escaped(text) }
}
