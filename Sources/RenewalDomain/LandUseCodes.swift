import Foundation
import Support

/// The 用地用海 classification codes of 《国土空间调查、规划、用途管制用地用海分类指南》(2023), and
/// the mapping from GB 50137-2011 letter codes. Levels one and two are complete for land (01–17,
/// 23) as this tool knows them; level three is listed where the guide defines it for urban land
/// (07, 08, 09, 10, 11, 12). Sea uses (18–22, 24) are accepted at level one. Marked "verify"
/// in docs/conflicts.md: check against the guide's text before relying on an unknown-code report.
public enum LandUseCodes {
    public static let names: [String: String] = [
        "01": "耕地", "0101": "水田", "0102": "水浇地", "0103": "旱地",
        "02": "园地", "0201": "果园", "0202": "茶园", "0203": "橡胶园", "0204": "其他园地",
        "03": "林地", "0301": "乔木林地", "0302": "竹林地", "0303": "灌木林地", "0304": "其他林地",
        "04": "草地", "0401": "天然牧草地", "0402": "人工牧草地", "0403": "其他草地",
        "05": "湿地", "0501": "森林沼泽", "0502": "灌丛沼泽", "0503": "沼泽草地", "0504": "其他沼泽地", "0505": "沿海滩涂", "0506": "内陆滩涂", "0507": "红树林地",
        "06": "农业设施建设用地", "0601": "乡村道路用地", "060101": "村道用地", "060102": "田间道", "0602": "种植设施建设用地", "0603": "畜禽养殖设施建设用地", "0604": "水产养殖设施建设用地",
        "07": "居住用地", "0701": "城镇住宅用地", "070101": "一类城镇住宅用地", "070102": "二类城镇住宅用地", "070103": "三类城镇住宅用地",
        "0702": "城镇社区服务设施用地", "0703": "农村宅基地", "070301": "一类农村宅基地", "070302": "二类农村宅基地", "0704": "农村社区服务设施用地",
        "08": "公共管理与公共服务用地", "0801": "机关团体用地", "0802": "科研用地", "0803": "文化用地", "080301": "图书与展览用地", "080302": "文化活动用地",
        "0804": "教育用地", "080401": "高等教育用地", "080402": "中等职业教育用地", "080403": "中小学用地", "080404": "幼儿园用地", "080405": "其他教育用地",
        "0805": "体育用地", "080501": "体育场馆用地", "080502": "体育训练用地",
        "0806": "医疗卫生用地", "080601": "医院用地", "080602": "基层医疗卫生设施用地", "080603": "公共卫生用地",
        "0807": "社会福利用地", "080701": "老年人社会福利用地", "080702": "儿童社会福利用地", "080703": "残疾人社会福利用地", "080704": "其他社会福利用地",
        "09": "商业服务业用地", "0901": "商业用地", "090101": "零售商业用地", "090102": "批发市场用地", "090103": "餐饮用地", "090104": "旅馆用地", "090105": "公用设施营业网点用地",
        "0902": "商务金融用地", "0903": "娱乐用地", "0904": "其他商业服务业用地",
        "10": "工矿用地", "1001": "工业用地", "100101": "一类工业用地", "100102": "二类工业用地", "100103": "三类工业用地", "1002": "采矿用地", "1003": "盐田",
        "11": "仓储用地", "1101": "物流仓储用地", "110101": "一类物流仓储用地", "110102": "二类物流仓储用地", "110103": "三类物流仓储用地", "1102": "储备库用地",
        "12": "交通运输用地", "1201": "铁路用地", "1202": "公路用地", "1203": "机场用地", "1204": "港口码头用地", "1205": "管道运输用地", "1206": "城市轨道交通用地",
        "1207": "城镇村道路用地", "1208": "交通场站用地", "120801": "对外交通场站用地", "120802": "公共交通场站用地", "120803": "社会停车场用地", "1209": "其他交通设施用地",
        "13": "公用设施用地", "1301": "供水用地", "1302": "排水用地", "1303": "供电用地", "1304": "供燃气用地", "1305": "供热用地", "1306": "通信用地", "1307": "邮政用地",
        "1308": "广播电视设施用地", "1309": "环卫用地", "1310": "消防用地", "1311": "水工设施用地", "1312": "其他公用设施用地",
        "14": "绿地与开敞空间用地", "1401": "公园绿地", "1402": "防护绿地", "1403": "广场用地",
        "15": "特殊用地", "1501": "军事设施用地", "1502": "使领馆用地", "1503": "宗教用地", "1504": "文物古迹用地", "1505": "监教场所用地", "1506": "殡葬用地", "1507": "其他特殊用地",
        "16": "留白用地",
        "17": "陆地水域", "1701": "河流水面", "1702": "湖泊水面", "1703": "水库水面", "1704": "坑塘水面", "1705": "沟渠", "1706": "冰川及常年积雪",
        "18": "渔业用海", "19": "工矿通信用海", "20": "交通运输用海", "21": "游憩用海", "22": "特殊用海",
        "23": "其他土地", "2301": "空闲地", "2302": "后备耕地", "2303": "田坎", "2304": "盐碱地", "2305": "沙地", "2306": "裸土地", "2307": "裸岩石砾地",
        "24": "其他海域",
    ]

    /// True for a code of the 2023 classification.
    public static func isKnown(_ code: String) -> Bool { names[code] != nil }

    /// Why `code` is not a code of the list, with the nearest codes (nil when it is one), for an
    /// error message: "089999 is not a 用地用海 code (under 08 公共管理与公共服务用地: 0801, …)".
    public static func problem(with code: String) -> String? {
        guard !isKnown(code) else { return nil }
        let shape = code.allSatisfy(\.isASCII) && code.allSatisfy(\.isNumber) && [2, 4, 6].contains(code.count)
            ? "" : ", which has 2, 4 or 6 digits"
        // A lost leading zero (a number somewhere on the way: 080701 → 80701) comes first.
        let padded = "0" + code
        let candidates = (isKnown(padded) ? [padded] : []) + names.keys.sorted().filter { abs($0.count - code.count) <= 1 }
        let near = NearestNames.nearest(to: code, in: candidates, maxDistance: code.count >= 5 ? 2 : 1)
        if !near.isEmpty {
            return "\(code) is not a 用地用海 code\(shape) (did you mean \(list(near))?)"
        }
        // Nothing a typo away: list the codes one level below the longest known prefix.
        if let parent = stride(from: min(code.count - 1, 4) / 2 * 2, through: 2, by: -2).map({ String(code.prefix($0)) }).first(where: isKnown) {
            let children = names.keys.filter { $0.count == parent.count + 2 && $0.hasPrefix(parent) }.sorted()
            if !children.isEmpty {
                return "\(code) is not a 用地用海 code\(shape); under \(parent) \(names[parent]!) there are \(list(children.map { "\($0) \(names[$0]!)" }, conjunction: "and"))"
            }
        }
        return "\(code) is not a 用地用海 code\(shape)"
    }

    private static func list(_ items: [String], conjunction: String = "or") -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
    }

    /// GB 50137-2011 《城市用地分类与规划建设用地标准》 letter codes → 用地用海 2023 codes: this tool's
    /// correspondence table (documented in docs/conflicts.md), most specific code first.
    public static let gb50137: [String: String] = [
        "R": "07", "R1": "070101", "R2": "070102", "R3": "070103", "R12": "0702", "R22": "0702", "R32": "0702",
        "A": "08", "A1": "0801", "A2": "0803", "A21": "080301", "A22": "080302", "A3": "0804", "A31": "080401", "A32": "080402",
        "A33": "080403", "A35": "0802", "A4": "0805", "A41": "080501", "A42": "080502", "A5": "0806", "A51": "080601", "A6": "0807",
        "A7": "1504", "A8": "1502", "A9": "1503",
        "B": "09", "B1": "0901", "B11": "090101", "B12": "090102", "B13": "090103", "B14": "090104", "B2": "0902", "B3": "0903", "B4": "090105", "B9": "0904",
        "M": "1001", "M1": "100101", "M2": "100102", "M3": "100103",
        "W": "1101", "W1": "110101", "W2": "110102", "W3": "110103",
        "S": "12", "S1": "1207", "S2": "1206", "S3": "1208", "S4": "1208", "S41": "120802", "S42": "120803", "S9": "1209",
        "U": "13", "U1": "13", "U11": "1301", "U12": "1303", "U13": "1304", "U14": "1305", "U15": "1306", "U16": "1308",
        "U2": "13", "U21": "1302", "U22": "1309", "U3": "13", "U31": "1310", "U32": "1311", "U9": "1312",
        "G": "14", "G1": "1401", "G2": "1402", "G3": "1403",
        "E1": "17",
    ]

    /// The 2023 code for a GB 50137-2011 letter code (case-insensitive), or nil.
    public static func fromGB50137(_ code: String) -> String? {
        gb50137[code.trimmingCharacters(in: .whitespaces).uppercased()]
    }
}
