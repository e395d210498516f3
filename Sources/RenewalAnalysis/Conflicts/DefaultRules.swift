/// The default rules, as a YAML document users can print (`renewalgis rules`), copy and edit.
/// Clauses cite the national texts listed in ../shared/DOMAIN.md; article numbers of the
/// 条例 are the national ones. A project file in the same format replaces this whole document.
public enum DefaultRules {
    public static let yaml = #"""
# RenewalGIS default rules — conflicts of planned actions (留改拆增) with protection zones and
# control lines, and the land-use conversion lists (正负面清单).
#
# rules: one entry per cell of the action × zone matrix
#   id        unique id, cited in every result row
#   zone      heritage_core | heritage_control | purple | ecological | blue | green | yellow | historic_site
#   subject   action (default) | change_of_use (planned use differs from the current one) | height
#   actions   for subject action: retain | renovate | demolish | add (also 留 改 拆 增, new_build)
#   verdict   forbidden | conditional | allowed
#   condition height_within_limit: evaluated when the parcel's height and the zone's limit are known;
#             above the limit the verdict becomes forbidden
#   clause    the article the rule rests on (required)
#   explain_zh / explain_en   the explanation printed with every verdict
# conversions: the positive and negative lists
#   list      positive | negative
#   from, to  用地用海 2023 code prefixes (omit for any)
#   inside    negative entries: apply when the parcel overlaps one of these zones
#   outside   positive entries: the parcel must not overlap these zones
#   min_area_m2, built_before (year), vacant (true), safety_grades ([C, D])   positive-entry conditions
touching_area_m2: 1      # overlaps below 1 m² …
touching_share: 0.01     # … or below 1 % of the parcel are reported as touching, not as conflicts

rules:
  - id: HC-DEMOLISH
    zone: heritage_core
    actions: [demolish]
    verdict: forbidden
    clause: "《历史文化名城名镇名村保护条例》第二十七条、第二十八条；建科〔2021〕63号 不随意拆除历史建筑和具有保护价值的老建筑"
    explain_zh: "核心保护范围内的建筑物应分类保护，不得拆除；老城不能再拆。"
    explain_en: "Buildings in a historic district's core protection area are protected by class and may not be demolished (the old city is not to be demolished)."
  - id: HC-ADD
    zone: heritage_core
    actions: [add]
    verdict: forbidden
    clause: "《历史文化名城名镇名村保护条例》第二十八条"
    explain_zh: "核心保护范围内不得进行新建、扩建活动（必要的基础设施和公共服务设施除外）。"
    explain_en: "No new construction or extension in the core protection area, except necessary infrastructure and public-service facilities."
  - id: HC-RENOVATE
    zone: heritage_core
    actions: [renovate]
    verdict: conditional
    condition: height_within_limit
    clause: "《历史文化名城名镇名村保护条例》第二十七条"
    explain_zh: "核心保护范围内的改造须保持原有的高度、体量、外观形象及色彩。"
    explain_en: "Renovation in the core protection area must keep the original height, volume, appearance and colour."
  - id: HC-RETAIN
    zone: heritage_core
    actions: [retain]
    verdict: allowed
    clause: "《历史文化名城名镇名村保护条例》第二十七条"
    explain_zh: "保留并按类别保护。"
    explain_en: "Retained and protected by class."
  - id: HC-USE
    zone: heritage_core
    subject: change_of_use
    verdict: conditional
    clause: "《历史文化名城名镇名村保护条例》第二十七条；历史文化街区保护规划"
    explain_zh: "改变用途须符合保护规划，不得破坏传统格局和历史风貌。"
    explain_en: "A change of use must follow the protection plan and keep the traditional pattern and character."
  - id: HK-ADD
    zone: heritage_control
    actions: [add]
    verdict: conditional
    condition: height_within_limit
    clause: "《历史文化名城名镇名村保护条例》第二十六条"
    explain_zh: "建设控制地带内的新建、扩建须符合保护规划确定的高度、体量、色彩等控制要求。"
    explain_en: "New buildings and extensions in the construction-control zone must meet the protection plan's controls on height, volume and colour."
  - id: HK-RENOVATE
    zone: heritage_control
    actions: [renovate]
    verdict: conditional
    condition: height_within_limit
    clause: "《历史文化名城名镇名村保护条例》第二十六条"
    explain_zh: "改造须符合建设控制地带的高度、体量、色彩控制。"
    explain_en: "Renovation must meet the construction-control zone's controls on height, volume and colour."
  - id: HK-DEMOLISH
    zone: heritage_control
    actions: [demolish]
    verdict: conditional
    clause: "《历史文化名城名镇名村保护条例》第二十六条；建科〔2021〕63号 不破坏老城区传统格局和街巷肌理"
    explain_zh: "建设控制地带内的拆除须经保护规划审查，不得破坏传统格局和街巷肌理。"
    explain_en: "Demolition in the construction-control zone needs review against the protection plan and must keep the traditional street pattern."
  - id: HK-RETAIN
    zone: heritage_control
    actions: [retain]
    verdict: allowed
    clause: "《历史文化名城名镇名村保护条例》第二十六条"
    explain_zh: "保留。"
    explain_en: "Retained."
  - id: PL-DEMOLISH
    zone: purple
    actions: [demolish]
    verdict: forbidden
    clause: "《城市紫线管理办法》（2003）第十三条"
    explain_zh: "紫线范围内禁止违反保护规划的大面积拆除，禁止损坏或拆毁保护规划确定保护的建筑物、构筑物。"
    explain_en: "Inside the purple line, large-scale demolition against the protection plan and destroying protected buildings are prohibited."
  - id: PL-ADD
    zone: purple
    actions: [add]
    verdict: conditional
    condition: height_within_limit
    clause: "《城市紫线管理办法》（2003）第十三条、第十六条"
    explain_zh: "紫线范围内新建、改建须符合保护规划并依法报批。"
    explain_en: "New building inside the purple line must follow the protection plan and be approved."
  - id: PL-RENOVATE
    zone: purple
    actions: [renovate]
    verdict: conditional
    clause: "《城市紫线管理办法》（2003）第十六条"
    explain_zh: "紫线范围内改建须符合保护规划并依法报批。"
    explain_en: "Renovation inside the purple line must follow the protection plan and be approved."
  - id: ECO-ADD
    zone: ecological
    actions: [add]
    verdict: forbidden
    clause: "《关于在国土空间规划中统筹划定落实三条控制线的指导意见》（2019）：生态保护红线内原则上禁止开发性、生产性建设活动"
    explain_zh: "生态保护红线内原则上禁止开发性、生产性建设活动。"
    explain_en: "Development and production building are in principle prohibited inside the ecological protection red line."
  - id: ECO-RENOVATE
    zone: ecological
    actions: [renovate]
    verdict: conditional
    clause: "《关于在国土空间规划中统筹划定落实三条控制线的指导意见》（2019）"
    explain_zh: "仅允许不扩大现有建设规模的修缮。"
    explain_en: "Only repairs that do not enlarge the existing built footprint are allowed."
  - id: ECO-USE
    zone: ecological
    subject: change_of_use
    verdict: forbidden
    clause: "《关于在国土空间规划中统筹划定落实三条控制线的指导意见》（2019）"
    explain_zh: "生态保护红线内不得改变用途用于开发建设。"
    explain_en: "Land inside the ecological red line may not be turned to development uses."
  - id: BL-ADD
    zone: blue
    actions: [add]
    verdict: forbidden
    clause: "《城市蓝线管理办法》（2005）第十条"
    explain_zh: "蓝线内禁止建设违反蓝线规划的建筑物、构筑物。"
    explain_en: "Building against the blue-line plan is prohibited inside the blue line (water)."
  - id: BL-RENOVATE
    zone: blue
    actions: [renovate]
    verdict: conditional
    clause: "《城市蓝线管理办法》（2005）第十二条"
    explain_zh: "蓝线内的建设活动须符合经批准的城市规划。"
    explain_en: "Works inside the blue line must follow the approved city plan."
  - id: GR-ADD
    zone: green
    actions: [add]
    verdict: forbidden
    clause: "《城市绿线管理办法》（2002）第十一条"
    explain_zh: "绿线内的用地不得违反规划进行开发建设。"
    explain_en: "Land inside the green line may not be developed against the plan."
  - id: GR-USE
    zone: green
    subject: change_of_use
    verdict: forbidden
    clause: "《城市绿线管理办法》（2002）第十一条"
    explain_zh: "绿线内的用地不得改作他用。"
    explain_en: "Land inside the green line may not be turned to another use."
  - id: GR-RENOVATE
    zone: green
    actions: [renovate]
    verdict: conditional
    clause: "《城市绿线管理办法》（2002）第十一条"
    explain_zh: "绿线内改造须符合绿地规划。"
    explain_en: "Renovation inside the green line must follow the green-space plan."
  - id: YL-ADD
    zone: yellow
    actions: [add]
    verdict: conditional
    clause: "《城市黄线管理办法》（2005）第十三条"
    explain_zh: "黄线内只允许符合规划的基础设施建设。"
    explain_en: "Inside the yellow line only infrastructure that follows the plan may be built."
  - id: YL-USE
    zone: yellow
    subject: change_of_use
    verdict: forbidden
    clause: "《城市黄线管理办法》（2005）第十三条"
    explain_zh: "黄线内禁止擅自改变基础设施用地用途。"
    explain_en: "The use of infrastructure land inside the yellow line may not be changed."
  - id: HS-DEMOLISH
    zone: historic_site
    actions: [demolish]
    verdict: forbidden
    clause: "《历史文化名城名镇名村保护条例》第三十三条；建科〔2021〕63号；严禁拆真建假"
    explain_zh: "任何单位或者个人不得损坏或者擅自迁移、拆除历史建筑。"
    explain_en: "Nobody may damage, move or demolish a historic building; no demolishing the genuine to build fakes."
  - id: HS-RENOVATE
    zone: historic_site
    actions: [renovate, add]
    verdict: conditional
    clause: "《历史文化名城名镇名村保护条例》第三十三条"
    explain_zh: "历史建筑应保持原有的高度、体量、外观形象及色彩。"
    explain_en: "A historic building keeps its original height, volume, appearance and colour."

conversions:
  - id: CV-P-IDLE
    list: positive
    from: ["1001", "1101"]
    to: ["0702", "08", "09", "1401"]
    outside: [ecological, green, blue, heritage_core]
    vacant: true
    clause: "《关于持续推进城市更新行动的意见》（2025）：盘活利用闲置低效厂房和仓储用地，用地转换实行正负面清单"
    explain_zh: "闲置工业、仓储用地可转为社区服务、公共服务、商业或公园绿地。"
    explain_en: "Idle industrial and warehouse land may become community services, public services, commerce or park."
  - id: CV-P-OLD-HOUSING
    list: positive
    from: ["0701"]
    to: ["0702", "0807", "1401", "1403"]
    outside: [ecological]
    built_before: 2001
    clause: "重庆市城市更新三年行动计划（2025–2027）：老旧小区（2000年底前建成）补齐一老一小等配套设施"
    explain_zh: "2000年底前建成的老旧小区可腾挪用地补齐社区配套和口袋公园。"
    explain_en: "Old compounds built before 2001 may give land to community services, elderly care and pocket parks."
  - id: CV-P-DANGEROUS
    list: positive
    from: ["07", "09"]
    to: ["0702", "08", "1401", "1403"]
    safety_grades: [C, D]
    clause: "重庆市城市更新三年行动计划（2025–2027）：C、D级危房优先整治"
    explain_zh: "C、D级危房所在用地可优先转为公共服务和开敞空间。"
    explain_en: "Land under C- or D-grade dangerous buildings may go first to public services and open space."
  - id: CV-N-ECO
    list: negative
    inside: [ecological]
    clause: "《关于在国土空间规划中统筹划定落实三条控制线的指导意见》（2019）"
    explain_zh: "生态保护红线内不得转换为任何开发用途。"
    explain_en: "Nothing inside the ecological red line is converted."
  - id: CV-N-GREEN-BLUE
    list: negative
    inside: [green, blue]
    to: ["07", "08", "09", "10", "11", "12", "13"]
    clause: "《城市绿线管理办法》（2002）第十一条；《城市蓝线管理办法》（2005）第十条"
    explain_zh: "绿线、蓝线内不得转为建设用途。"
    explain_en: "No built use inside the green or blue line."
  - id: CV-N-HERITAGE-SITE
    list: negative
    from: ["1504"]
    clause: "《历史文化名城名镇名村保护条例》第三十三条；《文物保护法》"
    explain_zh: "文物古迹用地不得转为其他用途。"
    explain_en: "Heritage sites (1504) are never converted to another use."
  - id: CV-N-SCHOOL
    list: negative
    from: ["0804"]
    to: ["09", "10", "11"]
    clause: "GB 50180-2018 配套设施要求；教育用地保障"
    explain_zh: "教育用地不得转为商业、工业或仓储。"
    explain_en: "School land is not turned to commerce, industry or warehousing."
  - id: CV-N-PARK
    list: negative
    from: ["1401"]
    to: ["07", "09", "10", "11"]
    clause: "《城市绿线管理办法》（2002）第十一条；GB 50180-2018 表4.0.4"
    explain_zh: "公园绿地不得转为住宅、商业、工业或仓储。"
    explain_en: "Parks are not turned to housing, commerce, industry or warehousing."
"""#
}
