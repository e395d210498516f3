import Foundation

extension IndicatorCatalogue {
    /// The built-in catalogue (`renewalgis checkup` without `--indicators`); a file of the same form
    /// replaces it. `verified: false` marks what was not checked against the source's text: the
    /// places-per-1,000 quotas are tool defaults that a city's own 配建 standard must replace.
    public static let defaultYAML = #"""
# RenewalGIS health-check indicators (城市体检). One entry per indicator:
#   id          column name in layers and CSV (lower-case ASCII)
#   name        official Chinese name; name_en English name
#   formula     coverage_ratio | places_gap | per_capita_area | share_of_residential | count_residential | area
#               coverage_ratio: residential land within the category's service radius ÷ residential land (%)
#               places_gap: residents × per_thousand ÷ 1000 (rounded up) − capacity of the category's facilities in the unit, at least 0
#               per_capita_area: land of the land_use prefixes ÷ residents (m²/人)
#               share_of_residential: residential land meeting the condition ÷ residential land (%)
#               count_residential: residential parcels meeting the condition
#               area: land of all parcels meeting the condition (公顷)
#               access_per_thousand: capacity within the category's radius per 1,000 residents, two-step floating catchment (2SFCA)
#   category, per_thousand, land_use, condition: what the formula needs
#   threshold   at_least: N or at_most: N (omitted: reported, never a problem)
#   source      document and article; verified: whether name, formula and threshold were checked there
indicators:
  - id: park_coverage
    name: 公园绿地服务半径覆盖率
    name_en: Park service-radius coverage
    formula: coverage_ratio
    category: park
    unit: "%"
    threshold: {at_least: 80}
    definition: 公园绿地服务半径（2,000–5,000 m² 的公园 300 m，5,000 m² 以上 500 m）覆盖的居住用地面积 ÷ 居住用地总面积
    source: GB/T 51346-2019《城市绿地规划标准》4.3.4（覆盖率应大于 90 %，新区 100 %，旧区 80 %；此处取旧区 80 %）；城市体检指标
    verified: true
  - id: middle_school_coverage
    name: 中学服务半径覆盖率
    name_en: Middle-school service-radius coverage
    formula: coverage_ratio
    category: middle_school
    unit: "%"
    definition: 初中 1,000 m 服务半径覆盖的居住用地面积 ÷ 居住用地总面积
    source: 城市体检指标（住房和城乡建设部，2024）；半径 GB 50180-93（2002 年版）服务半径不宜大于 1,000 m
    verified: true
  - id: primary_school_coverage
    name: 小学服务半径覆盖率
    name_en: Primary-school service-radius coverage
    formula: coverage_ratio
    category: primary_school
    unit: "%"
    definition: 小学 500 m 服务半径覆盖的居住用地面积 ÷ 居住用地总面积
    source: 工具默认（与中学服务半径覆盖率同式）；半径 GB 50180-93（2002 年版）服务半径不宜大于 500 m
    verified: false
  - id: kindergarten_coverage
    name: 幼儿园服务半径覆盖率
    name_en: Kindergarten service-radius coverage
    formula: coverage_ratio
    category: kindergarten
    unit: "%"
    definition: 幼儿园 300 m 服务半径覆盖的居住用地面积 ÷ 居住用地总面积
    source: 工具默认（与中学服务半径覆盖率同式）；半径 GB 50180-93（2002 年版）服务半径不宜大于 300 m
    verified: false
  - id: primary_school_places_gap
    name: 小学学位缺口数
    name_en: Primary-school places short
    formula: places_gap
    category: primary_school
    per_thousand: 60
    unit: 个
    threshold: {at_most: 0}
    definition: 常住人口 × 千人学位指标 ÷ 1,000（向上取整）− 单元内小学的学位数（capacity），不小于 0
    source: 城市体检指标名称（住房和城乡建设部，2024）；千人学位 60 为工具默认值，须以本市配建标准替换
    verified: false
  - id: kindergarten_places_gap
    name: 幼儿园学位缺口数
    name_en: Kindergarten places short
    formula: places_gap
    category: kindergarten
    per_thousand: 30
    unit: 个
    threshold: {at_most: 0}
    definition: 常住人口 × 千人学位指标 ÷ 1,000（向上取整）− 单元内幼儿园的学位数（capacity），不小于 0
    source: 工具默认（官方指标"未达标配建的幼儿园数量"按园计数，需各园的配建标准）；千人学位 30 为工具默认值
    verified: false
  - id: childcare_places_gap
    name: 婴幼儿托位缺口数
    name_en: Childcare places short
    formula: places_gap
    category: childcare
    per_thousand: 4.5
    unit: 个
    threshold: {at_most: 0}
    definition: 常住人口 × 每千人口托位数 ÷ 1,000（向上取整）− 单元内托育机构的托位数（capacity），不小于 0
    source: 每千人口拥有 3 岁以下婴幼儿托位数 4.5 个（"十四五"规划 2025 年目标，待核对原文）；官方指标"未达标配建的婴幼儿照护服务设施数量"按设施计数
    verified: false
  - id: kindergarten_access
    name: 幼儿园可达学位（每千人）
    name_en: Kindergarten places within reach per 1,000 residents
    formula: access_per_thousand
    category: kindergarten
    unit: 个/千人
    definition: 两步移动搜寻法（2SFCA，300 m）：各幼儿园学位按其 300 m 内人口分摊，居民可达学位之和的人口加权平均 × 1,000
    source: 工具指标（Luo 和 Wang 2003 的两步移动搜寻法；结果与 PySAL access 包一致）
    verified: false
  - id: primary_school_access
    name: 小学可达学位（每千人）
    name_en: Primary-school places within reach per 1,000 residents
    formula: access_per_thousand
    category: primary_school
    unit: 个/千人
    definition: 两步移动搜寻法（2SFCA，500 m）：各小学学位按其 500 m 内人口分摊，居民可达学位之和的人口加权平均 × 1,000
    source: 工具指标（Luo 和 Wang 2003 的两步移动搜寻法；结果与 PySAL access 包一致）
    verified: false
  - id: park_area_per_capita
    name: 人均公园绿地面积
    name_en: Park area per resident
    formula: per_capita_area
    land_use: ["1401"]
    unit: m²/人
    threshold: {at_least: 8}
    definition: 公园绿地（用地用海 1401）面积 ÷ 常住人口
    source: GB 55014-2021《园林绿化工程项目规范》2.1.3（人均公园绿地面积不应小于 8 m²）
    verified: true
  - id: old_compound_share
    name: 老旧小区用地占比
    name_en: Share of residential land in old compounds
    formula: share_of_residential
    condition: {field: build_year, at_most: 2000}
    unit: "%"
    definition: 2000 年底前建成的居住用地面积 ÷ 居住用地总面积（以地块代小区，待有小区图层）
    source: 老旧小区指 2000 年底前建成的住宅小区（国办发〔2020〕23 号）；占比为工具指标
    verified: false
  - id: unsafe_housing_count
    name: 存在安全隐患的住宅数量
    name_en: Homes with safety hazards
    formula: count_residential
    condition: {field: safety_grade, in: [C, D]}
    unit: 栋
    threshold: {at_most: 0}
    definition: 危险性鉴定为 C 级、D 级的居住地块数（以地块代栋，待有建筑图层）
    source: 城市体检指标（住房和城乡建设部，2024）；等级 JGJ 125-2016《危险房屋鉴定标准》
    verified: true
  - id: idle_land_area
    name: 闲置用地面积
    name_en: Idle land
    formula: area
    condition: {field: vacant, is: true}
    unit: 公顷
    definition: 标为闲置（vacant）的地块面积之和
    source: 工具指标（闲置/低效用地清单，《关于持续推进城市更新行动的意见》2025）
    verified: false
"""#
}
